from flask import Blueprint, request

from smartcity.assets import service
from smartcity.assets.models import Asset
from smartcity.assets.schemas import asset_query_schema, geojson_query_schema
from smartcity.auth.guard import require_role
from smartcity.extensions import db
from smartcity.pagination import page_response, paginate

bp = Blueprint("assets", __name__, url_prefix="/api")


@bp.get("/assets")
@require_role("viewer")
def list_assets():
    """List assets (filters: type, parent_id)."""
    args = asset_query_schema.load(request.args)
    rows, cursor = paginate(db.session, service.list_query(args), [Asset.id])
    return page_response([service.asset_to_dict(a) for a in rows], cursor)


@bp.get("/assets/<asset_id>")
@require_role("viewer")
def get_asset(asset_id):
    """Show an asset with the ids of its child assets and devices."""
    asset = service.get_asset(asset_id)
    return {**service.asset_to_dict(asset), "children": service.children(asset.id)}


@bp.get("/city/geojson")
@require_role("viewer")
def city_geojson():
    """Return one map layer (districts, roads, junctions, ..., devices) as GeoJSON."""
    args = geojson_query_schema.load(request.args)
    return service.layer(args["layer"], args)
