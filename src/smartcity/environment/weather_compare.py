"""Our weather stations against an outside weather provider (seed 004's weather comparison).

For each station the latest temperature and humidity are compared with the provider's current
weather at the station's location. A difference beyond ENVIRONMENT_WEATHER_MAX_DIFF_C (°C) or
ENVIRONMENT_WEATHER_MAX_DIFF_RH (percentage points of relative humidity) is a discrepancy: the
station may be miscalibrated, in the sun, or broken. The percentage difference is relative to
the provider's value, as the seed's example computes it (6.8 °C against 18.5 °C is 36.8 %).
A station whose latest reading is older than DEVICE_OFFLINE_AFTER is compared but marked stale,
and a stale comparison never raises an alarm.
"""

from flask import current_app

from smartcity.alerts.service import clear_alarm, raise_alarm
from smartcity.assets.districts import districts
from smartcity.devices.service import devices_of
from smartcity.environment import service
from smartcity.environment.reports import sensor_entry
from smartcity.extensions import db
from smartcity.integrations.weather_provider import ProviderUnavailable, provider
from smartcity.telemetry import reads
from smartcity.timeutil import iso, now_ms

ALARM = "weather_discrepancy"
QUANTITIES = (("temperature", "ENVIRONMENT_WEATHER_MAX_DIFF_C", "°C"),
              ("humidity", "ENVIRONMENT_WEATHER_MAX_DIFF_RH", "%"))


def difference(local: float | None, remote: float | None, threshold: float) -> dict | None:
    """Absolute and relative difference of a local reading from the provider's value."""
    if local is None or remote is None:
        return None
    absolute = round(abs(local - remote), 2)
    percentage = round(absolute / abs(remote) * 100, 1) if remote else None
    return {"absolute_difference": absolute, "percentage_difference": percentage,
            "threshold": threshold, "exceeds": absolute > threshold}


def severity(absolute: float, threshold: float) -> str:
    return "major" if absolute > 2 * threshold else "minor"


def compare(device_ids: list[str] | None = None) -> dict:
    """Each weather station against the provider; the provider's status says why if it can't."""
    weather_api, config = provider(), current_app.config
    stale_before = now_ms() - config["DEVICE_OFFLINE_AFTER"] * 1000
    thresholds = {name: config[setting] for name, setting, _ in QUANTITIES}
    known, items = districts(), []
    with db.reader() as conn:
        stations = [(device, reads.latest(conn, device.id, ["temperature", "humidity"]))
                    for device in devices_of(service.WEATHER_TYPE, device_ids)]
    for device, values in stations:
        entry = sensor_entry(device, known)
        ts = max((v["ts"] for v in values.values()), default=None)
        local = {name: _number(values.get(name, {}).get("value")) for name, _, _ in QUANTITIES}
        entry["local_sensors"] = local | {"ts": ts, "time": iso(ts) if ts else None}
        entry["stale"] = ts is None or ts < stale_before
        entry.update(weather_api=None, differences={}, alerts=[], has_alerts=False, error=None)
        if entry["location"] is None:
            entry["error"] = "the station has no location"
        else:
            try:
                remote = weather_api.current(entry["location"]["lat"], entry["location"]["lon"])
            except ProviderUnavailable as exc:
                entry["error"] = exc.reason
            else:
                entry["weather_api"] = remote
                _compare_entry(entry, remote, thresholds)
        items.append(entry)
    return {"provider": weather_api.status(), "thresholds": thresholds, "items": items}


def _compare_entry(entry: dict, remote: dict, thresholds: dict) -> None:
    for name, _, unit in QUANTITIES:
        diff = difference(entry["local_sensors"][name], remote.get(name), thresholds[name])
        entry["differences"][name] = diff
        if diff and diff["exceeds"] and not entry["stale"]:
            entry["alerts"].append({
                "type": f"{name}_discrepancy",
                "severity": severity(diff["absolute_difference"], thresholds[name]),
                "message": f"Local {name} differs from the weather provider by "
                           f"{diff['absolute_difference']:g} {unit} (threshold "
                           f"{thresholds[name]:g} {unit})"})
    entry["has_alerts"] = bool(entry["alerts"])


def _number(value):
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def check(app) -> dict:
    """Scheduler job: raise a station's discrepancy alarm, or clear it once it agrees again."""
    if not provider().configured:
        return {"skipped": "unconfigured"}
    raised = cleared = 0
    for entry in compare()["items"]:
        if entry["weather_api"] is None or entry["stale"]:
            continue  # no verdict without both sides: leave any open alarm as it is
        if entry["alerts"]:
            worst = max(entry["alerts"], key=lambda a: a["severity"] == "major")
            raise_alarm("device", entry["device_id"], ALARM, worst["severity"],
                        {"alerts": entry["alerts"], "differences": entry["differences"],
                         "weather_api": entry["weather_api"]},
                        value=max(d["absolute_difference"]
                                  for d in entry["differences"].values() if d),
                        domain="environment")
            raised += 1
        elif clear_alarm("device", entry["device_id"], ALARM):
            cleared += 1
    return {"raised": raised, "cleared": cleared}
