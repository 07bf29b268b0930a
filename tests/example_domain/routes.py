from flask import Blueprint

from smartcity.auth.guard import require_role
from tests import example_domain

bp = Blueprint("example", __name__, url_prefix="/api/example")


@bp.get("/fill")
@require_role("viewer")
def get_fill():
    """Give each bin's latest fill level."""
    return {"items": example_domain.fill_levels()}
