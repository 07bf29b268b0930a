"""The key catalogue: units, labels, decimals and ranges of every device type's keys."""

from flask import Blueprint

from smartcity.auth.guard import require_role
from smartcity.devices import catalogue

bp = Blueprint("catalogue", __name__, url_prefix="/api/catalogue")


@bp.get("")
@require_role("viewer")
def get_catalogue():
    """List device types with their domain and keys (unit, label, decimals, range, period)."""
    return catalogue.describe()
