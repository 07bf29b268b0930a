"""The environment's KPIs for analytics (registered with @domain.kpi; docs/kpis.md).

Both read the stations' hourly values from the rollups: PM2.5 hourly means as measured, and
the hourly US EPA AQI the derived-values job stores (derived.py). A period's value pools every
station-hour that has a value; a period without any is None (no data, not zero).
"""

from smartcity.devices.service import devices_of
from smartcity.environment.service import AQ_TYPE
from smartcity.extensions import db
from smartcity.telemetry.reads import hourly_means


def _station_hours(key: str, start: int, end: int) -> list[float]:
    values = []
    with db.reader() as conn:
        for device in devices_of(AQ_TYPE):
            values += hourly_means(conn, device.id, [key], start, end).get(key, {}).values()
    return [v for v in values if v is not None]


def pm25_mean(start: int, end: int) -> float | None:
    values = _station_hours("pm25", start, end)
    return round(sum(values) / len(values), 2) if values else None


def good_aqi_share(start: int, end: int) -> float | None:
    values = _station_hours("aqi", start, end)
    return round(100 * sum(v <= 50 for v in values) / len(values), 1) if values else None
