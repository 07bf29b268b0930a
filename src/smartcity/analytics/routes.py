"""The analytics API: forecast accuracy, device forecasts, KPIs."""

from flask import Blueprint, request
from marshmallow import fields, validate

from smartcity.analytics import correlations, forecasting, issued, kpis, predictive
from smartcity.analytics.schemas import (
    accuracy_query,
    evaluate_schema,
    forecast_query,
    predictive_query,
)
from smartcity.auth.guard import require_role
from smartcity.devices.service import get_device
from smartcity.errors import bad_request
from smartcity.forecast import evaluate
from smartcity.http import json_body
from smartcity.telemetry.params import time_range
from smartcity.validation import load, load_value

bp = Blueprint("analytics", __name__, url_prefix="/api/analytics")


@bp.post("/forecast/evaluate")
@require_role("viewer")
def evaluate_forecast():
    """MAE, RMSE, MAPE, ASHRAE Guideline 14 NMBE and CV(RMSE), and MASE of given forecasts."""
    body = load(evaluate_schema, json_body())
    return evaluate(body["actual"], body["predicted"], p=body["parameters"],
                    m=body["seasonal_period"], training=body["training"])


@bp.get("/forecast")
@require_role("viewer")
def get_forecast():
    """Forecast a device-key's hourly means with intervals, its backtest and the baseline's."""
    args = load(forecast_query, request.args)
    return forecasting.device_forecast(args["device_id"], args["key"], args["horizon"],
                                       args["method"], args["history_days"],
                                       args["backtest_days"])


@bp.get("/forecast/accuracy")
@require_role("viewer")
def get_forecast_accuracy():
    """Rolling error per method (MAE, RMSE, MASE, CV(RMSE)) of a device-key's scored forecasts."""
    args = load(accuracy_query, request.args)
    get_device(args["device_id"])
    return issued.accuracy(args["device_id"], args["key"], args["days"])


@bp.get("/kpi")
@require_role("viewer")
def get_kpis():
    """A domain's KPIs over the period (day|week|month) with target and trend."""
    name = request.args.get("domain", "")
    if not name:
        raise bad_request("domain is required", "domain")
    return kpis.domain_kpis(name, request.args.get("period", "week"))


@bp.get("/overview")
@require_role("viewer")
def get_overview():
    """Every enabled domain's KPIs in one call."""
    return kpis.overview(request.args.get("period", "week"))


@bp.get("/correlations")
@require_role("viewer")
def get_correlations():
    """Pearson and Spearman of two device-keys' hourly means, at lag 0 and the best lag."""
    start, end = time_range(default_span="-7d")
    max_lag = load_value(fields.Integer(validate=validate.Range(0, 168)),
                         request.args.get("max_lag", "24"), "max_lag")
    return correlations.series_correlation(request.args.get("series", ""), start, end, max_lag)


@bp.get("/predictive/<name>")
@require_role("viewer")
def get_predictive(name):
    """A domain's own forecast of the next hours (traffic, energy, waste) with its error."""
    return predictive.predictive(name, load(predictive_query, request.args)["hours"])
