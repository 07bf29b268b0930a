"""The roles the analytics endpoints require (read by tests/test_role_matrix.py)."""

ROLES = {
    "analytics.evaluate_forecast": "viewer",
    "analytics.get_forecast": "viewer",
}
ROLES |= {
    "analytics.get_kpis": "viewer",
    "analytics.get_overview": "viewer",
}
ROLES["analytics.get_correlations"] = "viewer"
ROLES["reports.get_report"] = "viewer"
ROLES |= {f"reports.{name}": "operator" for name in (
    "list_schedules", "create_schedule", "get_schedule", "update_schedule", "delete_schedule",
    "send_schedule")}
ROLES["analytics.get_predictive"] = "viewer"
ROLES["analytics.get_forecast_accuracy"] = "viewer"
