"""Progress of long-running work for the dashboard (the simulator's history backfill)."""

from flask import Blueprint
from marshmallow import Schema, fields, validate

from smartcity.auth.guard import require_role
from smartcity.errors import bad_request
from smartcity.http import json_body
from smartcity.jobs import progress
from smartcity.telemetry.points import KEY_PATTERN

bp = Blueprint("jobs", __name__, url_prefix="/api/jobs")


class ProgressSchema(Schema):
    done = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    total = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    label = fields.String(load_default="", validate=validate.Length(max=120))
    detail = fields.String(load_default="", validate=validate.Length(max=200))
    finished = fields.Boolean(load_default=False)


progress_schema = ProgressSchema()


@bp.get("/progress")
@require_role("viewer")
def list_progress():
    """List long-running work under way or just finished, with percent done."""
    return {"items": progress.list_progress()}


@bp.put("/progress/<name>")
@require_role("operator")
def report_progress(name):
    """Report how far a worker has got: {done, total, label, detail, finished}."""
    if not KEY_PATTERN.match(name):
        raise bad_request("name must be a short identifier", "name")
    return progress.report(name, **progress_schema.load(json_body()))
