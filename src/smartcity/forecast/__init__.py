"""Forecasting shared by energy, traffic, transport and analytics: methods, backtests, accuracy.

Domain-free and pure: regular series (numpy arrays of equally spaced values, no gaps) in,
plain numbers and arrays out. Callers read their own history (hourly means from the rollups) and
fill short gaps with `fill_gaps` first.

- methods.py: seasonal naive (the baseline every forecast must beat, Hyndman & Athanasopoulos,
  *Forecasting: Principles and Practice*, 3rd ed., 5.2) and additive Holt-Winters (FPP3 8.3),
  both with prediction intervals;
- regression.py: a time-of-week + temperature regression (the shape of CalTRACK's hourly method);
- metrics.py: MAE, RMSE, MAPE, CV(RMSE) and NMBE as ASHRAE Guideline 14 defines them, MASE,
  and `evaluate` (all of them at once, what /api/analytics/forecast/evaluate answers);
- backtest.py: rolling-origin backtests over the last N days, and picking the best method.
"""

from smartcity.forecast.backtest import backtest, best_forecast
from smartcity.forecast.methods import Forecast, fill_gaps, holt_winters, seasonal_naive
from smartcity.forecast.metrics import accuracy, cv_rmse, evaluate, mae, mape, mase, nmbe
from smartcity.forecast.regression import time_of_week, tow_temperature

__all__ = ["Forecast", "accuracy", "backtest", "best_forecast", "cv_rmse", "evaluate",
           "fill_gaps", "holt_winters", "mae", "mape", "mase", "nmbe", "seasonal_naive",
           "time_of_week", "tow_temperature"]
