"""The commands each device type accepts, with their parameters validated by marshmallow."""

from marshmallow import Schema, fields, missing, validate


class NoParams(Schema):
    pass


class DimLevel(Schema):
    level = fields.Float(required=True, allow_nan=False, validate=validate.Range(0, 100))


class ApplyPlan(Schema):
    plan_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    cycle_s = fields.Integer(strict=True, validate=validate.Range(20, 240))
    greens_s = fields.List(fields.Integer(strict=True, validate=validate.Range(5, 180)),
                           validate=validate.Length(min=1, max=8))


class ValvePosition(Schema):
    position = fields.Float(required=True, allow_nan=False, validate=validate.Range(0, 100))


class BatteryPower(Schema):
    power_kw = fields.Float(required=True, allow_nan=False, validate=validate.Range(0, 10_000))
    duration_s = fields.Integer(strict=True, load_default=3600,
                                validate=validate.Range(60, 86_400))


class PowerState(Schema):
    on = fields.Boolean(required=True)


class AssignRoute(Schema):
    """A collection round for a refuse truck: its bins in the order to drive them."""
    bins = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                       validate=validate.Length(min=1, max=500))
    distance_km = fields.Float(allow_nan=False, validate=validate.Range(0, 10_000))
    collection_id = fields.Integer(strict=True, allow_none=True)


UNIVERSAL = {"ping": NoParams(), "reboot": NoParams()}

COMMANDS: dict[str, dict[str, Schema]] = {
    "streetlight": {"set_dim_level": DimLevel(), "set_power_state": PowerState()},
    "traffic_signal": {"apply_plan": ApplyPlan()},
    "water_valve": {"set_position": ValvePosition()},
    "battery": {"charge": BatteryPower(), "discharge": BatteryPower()},
    "smart_bin": {"reset_fill_level": NoParams()},
    "vehicle": {"assign_route": AssignRoute()},
}


def commands_for(device_type: str) -> dict[str, Schema]:
    return {**UNIVERSAL, **COMMANDS.get(device_type, {})}


UNITS = {"level": "%", "position": "%", "power_kw": "kW", "duration_s": "s", "cycle_s": "s",
         "greens_s": "s"}


def _field(name: str, f: fields.Field) -> dict:
    """A parameter as a form needs it: type, required, range or length, default, unit."""
    kind = type(f).__name__.lower()
    out = {"name": name, "type": kind, "required": bool(f.required), "unit": UNITS.get(name, "")}
    checks = list(f.validators) + (list(f.inner.validators) if isinstance(f, fields.List) else [])
    for check in checks:
        if isinstance(check, validate.Range):
            out["min"], out["max"] = check.min, check.max
        elif isinstance(check, validate.Length):
            out["min_length" if not isinstance(f, fields.List) else "min_items"] = check.min
            out["max_length" if not isinstance(f, fields.List) else "max_items"] = check.max
    if isinstance(f, fields.List):
        out["item_type"] = type(f.inner).__name__.lower()
    if f.load_default is not missing:
        out["default"] = f.load_default
    return out


def describe(device_type: str) -> list[dict]:
    """The catalogue for a type, for the API and the dashboard's command forms: `params` maps
    each parameter to its type, `fields` describes it in full."""
    return [{"name": name, "params": {field: type(f).__name__.lower()
                                      for field, f in schema.fields.items()},
             "fields": [_field(field, f) for field, f in schema.fields.items()]}
            for name, schema in commands_for(device_type).items()]
