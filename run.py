#!/usr/bin/env python
"""smartcity command line: python run.py serve | db upgrade | create-admin | seed-demo."""

import sys

from smartcity.cli import main

if __name__ == "__main__":
    sys.exit(main())
