"""The settings each device type takes as desired configuration, described as a form needs them
(the same shape as command fields): the dashboard builds its configuration panel from this."""

REPORT_INTERVAL = {"name": "report_interval_s", "type": "integer", "unit": "s", "min": 1,
                   "max": 86_400, "label": "Report interval",
                   "help": "How often the device sends a reading"}

SETTINGS: dict[str, list[dict]] = {
    "streetlight": [
        {"name": "dim_level", "type": "float", "unit": "%", "min": 0, "max": 100,
         "label": "Dim level", "help": "Light output when on"},
        {"name": "power_state", "type": "boolean", "unit": "", "label": "Lamp on"}],
    "traffic_signal": [
        {"name": "plan_id", "type": "string", "unit": "", "max_length": 64,
         "label": "Signal plan", "help": "The plan the controller runs"}],
    "water_valve": [
        {"name": "position", "type": "float", "unit": "%", "min": 0, "max": 100,
         "label": "Valve position", "help": "0 closed, 100 fully open"}],
}


def describe(device_type: str) -> list[dict]:
    """The settings of a type: the report interval, then what the type adds."""
    return [REPORT_INTERVAL, *SETTINGS.get(device_type, [])]
