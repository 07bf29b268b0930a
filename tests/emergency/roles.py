"""The roles the emergency endpoints require (read by tests/test_role_matrix.py)."""

ROLES = {
    "emergency.list_incidents": "viewer",
    "emergency.create_incident": "operator",
    "emergency.get_incident": "viewer",
    "emergency.update_incident": "operator",
    "emergency.recommend_units": "viewer",
    "emergency.list_units": "viewer",
    "emergency.dispatch_unit": "operator",
    "emergency.best_station": "viewer",
    "emergency.get_coverage": "viewer",
    "emergency.get_statistics": "viewer",
    "emergency.broadcast": "operator",
    "emergency.list_alerts": "viewer",
    "emergency.get_alert": "viewer",
    "emergency.get_alert_cap": "viewer",
}
