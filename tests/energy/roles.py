"""The roles the energy endpoints require (read by tests/test_role_matrix.py)."""

ROLES = {
    "energy.get_grid": "viewer",
    "energy.get_consumption": "viewer",
    "energy.get_renewables": "viewer",
    "energy.get_carbon": "viewer",
    "energy.get_tariffs": "viewer",
    "energy.get_cost": "viewer",
    "energy.get_forecast": "viewer",
    "energy.get_usage": "viewer",
    "energy.get_meter_usage": "viewer",
    "energy.get_load_balancing": "viewer",
    "energy.dispatch_battery": "operator",
}
