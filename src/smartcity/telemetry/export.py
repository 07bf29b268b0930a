"""CSV streamed row by row from a server-side cursor: constant memory for any range."""

import csv
import io

from flask import Response, stream_with_context

from smartcity.extensions import db
from smartcity.timeutil import iso

CHUNK_ROWS = 2000


def csv_response(filename: str, header: list[str], produce) -> Response:
    """Stream `produce(conn)` (an iterable of row lists) as a CSV download."""

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        with db.reader() as conn:
            for n, row in enumerate(produce(conn), 1):
                writer.writerow(row)
                if n % CHUNK_ROWS == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def csv_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def time_columns(ts: int) -> list:
    return [ts, iso(ts)]
