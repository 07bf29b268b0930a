"""The deployment settings file documents every setting, with the real defaults."""

import re
from pathlib import Path

from smartcity.config import Config

ROOT = Path(__file__).resolve().parents[1]
INTERNAL = {"ENV", "ENV_KEYS", "INSTANCE_DIR", "PROJECT_ROOT", "SETTINGS_FILE", "TESTING",
            "DATABASE_URL"}  # DATABASE_URL's default is an absolute path; documented relative


def documented_settings() -> dict:
    lines = (ROOT / "config.py").read_text().splitlines()
    code = "\n".join(line[2:].split("  #")[0] for line in lines
                     if re.match(r"^# [A-Z][A-Z0-9_]* = ", line))
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - our own file, every line a literal
    return {k: v for k, v in namespace.items() if k.isupper()}


def test_every_setting_is_documented_in_the_settings_file():
    settings = {k for k in dir(Config) if k.isupper()} - INTERNAL
    assert sorted(settings - set(documented_settings())) == []


def test_documented_defaults_equal_the_real_ones():
    wrong = {k: (v, getattr(Config, k)) for k, v in documented_settings().items()
             if k not in INTERNAL and getattr(Config, k, v) != v}
    assert wrong == {}
