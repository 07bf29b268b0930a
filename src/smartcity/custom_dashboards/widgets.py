"""The widget model shared by dashboards and charts: its shape (marshmallow) and its bindings
checked against the catalogue and the database, so that a saved dashboard never points at a
key, device or group that does not exist."""

import re

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from smartcity.devices.catalogue import DEVICE_TYPES
from smartcity.devices.control_models import DeviceGroup
from smartcity.devices.models import Device
from smartcity.errors import bad_request
from smartcity.extensions import db
from smartcity.telemetry.keys import key_dictionary
from smartcity.telemetry.queries import AGGREGATES, INTERVALS

TYPES = ("timeseries", "value", "gauge", "map", "alarms", "table", "markdown")
GRID_COLUMNS = 12
MAX_WIDGETS = 48
CATALOGUE_KEYS = frozenset(k for _domain, keys in DEVICE_TYPES.values() for k in keys)
SPAN = re.compile(r"^-\d{1,4}[mhd]$")  # a window back from now: -15m, -24h, -30d
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
VARIABLE = re.compile(r"^\$[a-z][a-z0-9_]{0,31}$")  # "$device" in a binding: the variable


class ThresholdSchema(Schema):
    value = fields.Float(required=True, allow_nan=False)
    color = fields.String(required=True, validate=validate.Regexp(COLOR))


class AlarmFilterSchema(Schema):
    severity = fields.List(fields.String(validate=validate.OneOf(
        ("critical", "major", "minor", "warning", "indeterminate"))), load_default=list)
    domain = fields.String(load_default=None, validate=validate.Length(max=32))
    status = fields.String(load_default="active", validate=validate.OneOf(("active", "all")))


class WidgetSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$"))
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    title = fields.String(load_default="", validate=validate.Length(max=128))
    x = fields.Integer(load_default=0, validate=validate.Range(0, GRID_COLUMNS - 1))
    y = fields.Integer(load_default=0, validate=validate.Range(0, 500))
    w = fields.Integer(load_default=4, validate=validate.Range(1, GRID_COLUMNS))
    h = fields.Integer(load_default=3, validate=validate.Range(1, 12))
    devices = fields.List(fields.String(validate=validate.Length(1, 64)),
                          validate=validate.Length(max=20), load_default=list)
    group = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))
    keys = fields.List(fields.String(validate=validate.Length(1, 64)),
                       validate=validate.Length(max=8), load_default=list)
    window = fields.String(load_default=None, validate=validate.Regexp(SPAN))
    interval = fields.String(load_default="1h", validate=validate.OneOf(tuple(INTERVALS)))
    agg = fields.String(load_default="avg", validate=validate.OneOf(tuple(AGGREGATES)))
    thresholds = fields.List(fields.Nested(ThresholdSchema), validate=validate.Length(max=8),
                             load_default=list)
    min = fields.Float(load_default=None, allow_nan=False)
    max = fields.Float(load_default=None, allow_nan=False)
    text = fields.String(load_default="", validate=validate.Length(max=10_000))
    filters = fields.Nested(AlarmFilterSchema, load_default=lambda: AlarmFilterSchema().load({}))

    @validates_schema
    def shape(self, data, **_):
        kind, devices, keys = data["type"], data["devices"], data["keys"]
        if data["x"] + data["w"] > GRID_COLUMNS:
            raise ValidationError(f"x + w must be at most {GRID_COLUMNS}", "w")
        if kind in ("value", "gauge") and (len(devices) != 1 or len(keys) != 1):
            raise ValidationError(f"a {kind} widget shows one key of one device", "devices")
        if kind in ("timeseries", "table", "map") and not (devices or data["group"]):
            raise ValidationError(f"a {kind} widget needs devices or a group", "devices")
        if kind in ("timeseries", "table") and not keys:
            raise ValidationError(f"a {kind} widget needs at least one key", "keys")
        if kind == "markdown" and not data["text"]:
            raise ValidationError("a markdown widget needs text", "text")
        if kind == "gauge" and (data["min"] is None or data["max"] is None
                                or data["min"] >= data["max"]):
            raise ValidationError("a gauge needs min < max", "max")


class VariableSchema(Schema):
    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$"))
    label = fields.String(load_default="", validate=validate.Length(max=64))
    type = fields.String(load_default="device", validate=validate.OneOf(("device",)))
    options = fields.List(fields.String(validate=validate.Length(1, 64)),
                          validate=validate.Length(min=1, max=200), required=True)
    default = fields.String(load_default=None)


def check_bindings(widgets: list[dict], variables: list[dict]) -> None:
    """Every key in the catalogue (or already stored), every device and group in the database,
    every "$name" a declared variable; the first problem answers 400 naming its field."""
    names = {v["name"] for v in variables}
    ids = {w["id"] for w in widgets}
    if len(ids) != len(widgets):
        _bad("widgets", "widget ids must be unique")
    devices = {d for w in widgets for d in w["devices"] if not d.startswith("$")}
    devices |= {o for v in variables for o in v["options"]}
    found = set(db.session.scalars(select(Device.id).where(Device.id.in_(devices)))) \
        if devices else set()
    groups = {w["group"] for w in widgets if w["group"]}
    found_groups = set(db.session.scalars(select(DeviceGroup.id).where(
        DeviceGroup.id.in_(groups)))) if groups else set()
    keys = {k for w in widgets for k in w["keys"]} - CATALOGUE_KEYS
    if keys:
        with db.reader() as conn:
            keys -= set(key_dictionary(current_app).known_ids(conn, sorted(keys)))
    for v_index, variable in enumerate(variables):
        for o_index, option in enumerate(variable["options"]):
            if option not in found:
                _bad(f"variables[{v_index}].options[{o_index}]", f"unknown device {option}")
        if variable["default"] is not None and variable["default"] not in variable["options"]:
            _bad(f"variables[{v_index}].default", "default must be one of the options")
    for index, widget in enumerate(widgets):
        for d_index, device in enumerate(widget["devices"]):
            if device.startswith("$"):
                if not VARIABLE.match(device) or device[1:] not in names:
                    _bad(f"widgets[{index}].devices[{d_index}]", f"unknown variable {device}")
            elif device not in found:
                _bad(f"widgets[{index}].devices[{d_index}]", f"unknown device {device}")
        if widget["group"] and widget["group"] not in found_groups:
            _bad(f"widgets[{index}].group", f"unknown device group {widget['group']}")
        for k_index, key in enumerate(widget["keys"]):
            if key in keys:
                _bad(f"widgets[{index}].keys[{k_index}]", f"unknown telemetry key {key}")


def _bad(field: str, problem: str):
    raise bad_request(f"{field}: {problem}", field)
