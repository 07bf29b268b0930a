"""The energy API: grid, consumption, renewables, carbon, tariffs and cost, forecasts, usage,
load balancing and battery dispatch."""

from flask import Blueprint, current_app, g, request

from smartcity.auth.guard import require_role
from smartcity.devices import commands
from smartcity.devices.service import get_device
from smartcity.energy import forecasting, patterns, service
from smartcity.energy.network import BATTERY, METER
from smartcity.energy.schemas import (
    MAX_RANGE_DAYS,
    balancing_query,
    carbon_query,
    cost_query,
    dispatch_schema,
    forecast_query,
    meter_usage_query,
    range_query,
    usage_query,
)
from smartcity.errors import bad_request
from smartcity.http import json_body
from smartcity.telemetry.params import time_range

bp = Blueprint("energy", __name__, url_prefix="/api/energy")


def _range() -> tuple[int, int]:
    start, end = time_range()
    if end - start > MAX_RANGE_DAYS * 86_400_000:
        raise bad_request(f"at most {MAX_RANGE_DAYS} days at a time", "start")
    return start, end


def _flexible(args: dict) -> float:
    share = args.get("flexible_share")
    return current_app.config["ENERGY_FLEXIBLE_SHARE"] if share is None else share


@bp.get("/grid")
@require_role("viewer")
def get_grid():
    """Give every feeder's live load, capacity, utilisation and status, and the city's totals."""
    return service.grid_status()


@bp.get("/consumption")
@require_role("viewer")
def get_consumption():
    """Sum energy per district, sector, feeder or meter and interval from the rollups."""
    args = range_query.load(request.args)
    return service.consumption(*_range(), args["interval"], args["group_by"])


@bp.get("/renewables")
@require_role("viewer")
def get_renewables():
    """Give generation by source, its share of consumption and self-sufficiency."""
    args = range_query.load(request.args)
    return service.renewables(*_range(), args["interval"])


@bp.get("/carbon")
@require_role("viewer")
def get_carbon():
    """Report location-based Scope 2 emissions per district and period, and avoided emissions."""
    args = carbon_query.load(request.args)
    return service.carbon_report(*_range(), args["interval"])


@bp.get("/tariffs")
@require_role("viewer")
def get_tariffs():
    """Show the time-of-use tariff and the price of every hour of the week."""
    return service.tariff_table()


@bp.get("/cost")
@require_role("viewer")
def get_cost():
    """Price grid energy per group at the tariff, with the saving from shifting flexible load."""
    args = cost_query.load(request.args)
    return service.cost_report(*_range(), args["group_by"], _flexible(args))


@bp.get("/forecast")
@require_role("viewer")
def get_forecast():
    """Forecast each feeder's load and peak with intervals, and show the backtest behind it."""
    args = forecast_query.load(request.args)
    ids = [i for i in args.get("feeder_id", "").split(",") if i] or None
    return forecasting.feeder_forecasts(args["hours"], args["history_days"],
                                        args["backtest_days"], ids)


@bp.get("/usage")
@require_role("viewer")
def get_usage():
    """Give each sector's or meter's daily profile, base load, peak and load factor."""
    args = usage_query.load(request.args)
    return patterns.usage_patterns(args["days"], args["group_by"])


@bp.get("/meters/<device_id>/usage")
@require_role("viewer")
def get_meter_usage(device_id):
    """Compare a meter with its own baseline: profile, EnPI per degree day, recommendations."""
    get_device(device_id, (METER,))
    args = meter_usage_query.load(request.args)
    return patterns.meter_usage(device_id, args["days"], args["baseline_days"])


@bp.get("/optimization/load-balancing")
@require_role("viewer")
def get_load_balancing():
    """Recommend load shifts and battery windows that lower each feeder's forecast peak."""
    args = balancing_query.load(request.args)
    return forecasting.load_balancing(args["hours"], _flexible(args), args["history_days"],
                                      args["backtest_days"])


@bp.post("/batteries/<device_id>/dispatch")
@require_role("operator")
def dispatch_battery(device_id):
    """Send a battery a charge or discharge command {action, power_kw, duration_s}."""
    device = get_device(device_id, (BATTERY,))
    data = dispatch_schema.load(json_body())
    command = commands.create(device, data["action"], {"power_kw": data["power_kw"],
                                                       "duration_s": data["duration_s"]},
                              data["timeout_s"], g.principal.name)
    return commands.to_dict(command), 201
