"""Energy domain: grid load, consumption, renewables, carbon, tariffs, forecasts, load balancing."""

from smartcity.domain import Domain
from smartcity.energy import events, forecasting, service
from smartcity.energy.network import BATTERY, GENERATOR, METER
from smartcity.energy.tariffs import DEFAULT_TARIFF

domain = Domain(
    "energy", "Energy", routes="smartcity.energy.routes",
    device_types=(METER, GENERATOR, BATTERY), alert_events=True,
    page_script="js/pages/energy.js", order=40,
    defaults={
        "ENERGY_TIMEZONE": "UTC",  # the city's local time: tariff hours, days, months
        "ENERGY_GRID_FACTOR": 0.25,  # kg CO2e per kWh of the grid (set the published one)
        "ENERGY_GRID_FACTOR_PROFILE": None,  # 24 hourly factors by local hour, when published
        "ENERGY_TARIFF": DEFAULT_TARIFF,  # time-of-use bands (see energy/tariffs.py)
        "ENERGY_FLEXIBLE_SHARE": 0.15,  # share of each hour's load that could run at another
        "ENERGY_WARNING_UTILISATION": 0.8,  # feeder load / capacity shown as a warning
        "ENERGY_OVERLOAD_UTILISATION": 1.0,  # ... and as an overload
        "ENERGY_FORECAST_LEVEL": 0.95,  # probability of the forecast's prediction interval
        "ENERGY_BATTERY_EFFICIENCY": 0.9,  # round trip, charged into the battery
        "ENERGY_HEAT_BASE_C": 15.5,  # degree-day bases (heating, cooling)
        "ENERGY_COOL_BASE_C": 22.0,
        "ENERGY_UTILISATION_INTERVAL": 60,  # seconds between runs of the utilisation job
    })
domain.job("energy_utilisation", "ENERGY_UTILISATION_INTERVAL")(events.write_utilisation)
domain.on_city(events.create_default_rules)
domain.after_commit(events.utilisation_watch(domain))



@domain.kpi("renewable_share", "Renewable share of consumption", "%", target=None,
            better="higher",
            iso="ISO 37120:2018 energy: share of end-use energy consumption from renewable "
                "sources",
            definition="Local renewable generation (generators' metered output) over the city's "
                       "consumption (feeder-head meters plus generation behind them) in the "
                       "period, as GET /api/energy/renewables computes its share. Grid imports "
                       "count as non-renewable: the grid mix is not known.")
def renewable_share(start: int, end: int) -> float | None:
    share = service.renewables(start, end, "1d")["share"]
    return None if share is None else round(100 * share, 2)

@domain.predictive
def predictive(hours: int) -> dict:
    """Each feeder's load and peak for the next hours, as GET /api/energy/forecast by default."""
    return forecasting.feeder_forecasts(hours, history_days=21, backtest_days=7)


@domain.snapshot
def snapshot() -> dict:
    """What request_real_time_data {data_type: "energy"} answers."""
    grid = service.grid_status()
    return {"city": grid["city"], "feeders": [
        {k: f[k] for k in ("id", "name", "load_kw", "capacity_kw", "utilisation", "status")}
        for f in grid["feeders"]]}


@domain.tile("grid-load", "Grid load")
def grid_load_tile() -> dict:
    """The overview tile: the most loaded feeder's utilisation, and how many are over."""
    grid = service.grid_status()
    loaded = [f for f in grid["feeders"] if f["utilisation"] is not None]
    if not loaded:
        return {"value": "—", "detail": "no feeder reading yet", "status": "ok"}
    worst = loaded[0]
    city = grid["city"]
    status = {"overload": "alarm", "warning": "warning"}.get(worst["status"], "ok")
    return {"value": round(worst["utilisation"] * 100), "unit": "% max feeder", "status": status,
            "detail": f"{worst['name']} · {city['overloaded']} overloaded · "
                      f"demand {city['demand_kw']:,.0f} kW"}


@domain.tile("renewables", "Renewable share")
def renewables_tile() -> dict:
    """The overview tile: local generation as a share of demand right now."""
    city = service.grid_status()["city"]
    if city["renewable_share"] is None:
        return {"value": "—", "detail": "no demand reading yet", "status": "ok"}
    return {"value": round(city["renewable_share"] * 100, 1), "unit": "%", "status": "ok",
            "detail": f"{city['generation_kw']:,.0f} of {city['demand_kw']:,.0f} kW"}
