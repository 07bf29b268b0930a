"""instance/demo-keys.json: the demo devices' API keys and the simulator's token (mode 0600)."""

import os
from pathlib import Path

import orjson


def write_secret(path: Path, data: dict) -> None:
    """Write JSON readable by the owner only (created 0600, never world-readable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    os.chmod(path, 0o600)


def read_keys(path: Path) -> dict:
    return orjson.loads(Path(path).read_bytes())
