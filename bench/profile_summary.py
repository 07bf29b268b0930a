#!/usr/bin/env python
"""Summarise py-spy collapsed stacks (`py-spy record --format raw`, as written by
`--profile DIR`): inclusive and self share of samples per function, per thread kind.

    .venv/bin/python bench/profile_summary.py DIR/postgresql-batch-*.txt [--top 30] [--thread NAME]
"""

import argparse
import collections
import re
import sys

IDLE = ("wait (threading.py", "select (selectors.py", "get (queue.py", "_wait_for_tstate_lock",
        "accept (socket.py", "poll (selectors.py", "sleep (", "recv_into (socket.py")


def frames_of(stack: str) -> tuple[str, list[str]]:
    parts = stack.split(";")
    thread = parts[0]
    return thread, [re.sub(r":\d+\)$", ")", f) for f in parts[1:]]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--thread", help="only threads whose label contains this")
    parser.add_argument("--busy", action="store_true", help="leave out samples idle at the leaf")
    args = parser.parse_args(argv)
    inclusive, self_time = collections.Counter(), collections.Counter()
    threads = collections.Counter()
    total = 0
    for path in args.files:
        with open(path, errors="replace") as fh:
            for line in fh:
                stack, _, count = line.rstrip("\n").rpartition(" ")
                if not stack or not count.isdigit():
                    continue  # --nonblocking sampling can leave a torn line
                n = int(count)
                thread, frames = frames_of(stack)
                if args.thread and args.thread not in thread:
                    continue
                if args.busy and frames and frames[-1].startswith(IDLE):
                    continue
                total += n
                threads[re.sub(r"\(.*?\)", "", thread)] += n
                for f in set(frames):
                    inclusive[f] += n
                if frames:
                    self_time[frames[-1]] += n
    print(f"samples: {total}")
    print("threads:", ", ".join(f"{t} {100 * n / total:.1f}%" for t, n in threads.most_common(8)))
    print(f"\n-- inclusive (top {args.top})")
    for f, n in inclusive.most_common(args.top):
        print(f"{100 * n / total:6.1f}%  {f}")
    print(f"\n-- self (top {args.top})")
    for f, n in self_time.most_common(args.top):
        print(f"{100 * n / total:6.1f}%  {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
