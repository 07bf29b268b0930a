"""Transport test helpers: feeds written and read back as the reference lays them out."""

import csv
import io
import zipfile

from smartcity.transport import gtfs


def read_feed(body: bytes) -> dict[str, list[dict]]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
                for name in archive.namelist()}


def feed_zip(tables: dict[str, list[list]], drop: tuple[str, ...] = ()) -> bytes:
    """A feed zip of {file: rows (header first)}, leaving out the files in `drop`."""
    return gtfs.to_zip({name: rows for name, rows in tables.items() if name not in drop})
