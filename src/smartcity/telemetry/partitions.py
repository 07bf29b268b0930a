"""Weekly range partitions of `telemetry` on PostgreSQL: created ahead of writes, dropped by
retention (dropping a partition is instant, deleting millions of rows is not)."""

from datetime import UTC, datetime

from sqlalchemy import text

WEEK_MS = 7 * 86_400_000
MONDAY_OFFSET_MS = 4 * 86_400_000  # 1970-01-01 was a Thursday; weeks start on Monday 00:00 UTC
_LOCK = "hashtext('smartcity.telemetry_partitions')"


def week_start(ts: int) -> int:
    return (ts - MONDAY_OFFSET_MS) // WEEK_MS * WEEK_MS + MONDAY_OFFSET_MS


def partition_name(start: int) -> str:
    return "telemetry_p" + datetime.fromtimestamp(start / 1000, UTC).strftime("%Y%m%d")


class Partitions:
    """Remembers which weeks exist so that a batch costs no DDL in the common case."""

    def __init__(self):
        self.known: set[int] = set()

    def ensure(self, engine, min_ts: int, max_ts: int) -> None:
        wanted = range(week_start(min_ts), week_start(max_ts) + 1, WEEK_MS)
        missing = [w for w in wanted if w not in self.known]
        if not missing:
            return
        with engine.begin() as conn:
            conn.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK})"))
            for start in missing:
                conn.execute(text(
                    f"CREATE TABLE IF NOT EXISTS {partition_name(start)} PARTITION OF telemetry "
                    f"FOR VALUES FROM ({start}) TO ({start + WEEK_MS})"))
        self.known.update(missing)

    def drop_before(self, engine, cutoff_ms: int) -> list[str]:
        """Drop partitions whose whole range is older than cutoff; return their names."""
        dropped = []
        with engine.begin() as conn:
            conn.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK})"))
            rows = conn.execute(text(
                "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'telemetry'")).all()
            for name, bound in rows:
                upper = int(bound.rsplit("(", 1)[1].rstrip(")").strip("'"))
                if upper <= cutoff_ms:
                    conn.execute(text(f"DROP TABLE {name}"))
                    dropped.append(name)
                    self.known.discard(upper - WEEK_MS)
        return dropped


def partitions(app) -> Partitions:
    return app.extensions.setdefault("smartcity.telemetry_partitions", Partitions())
