"""The roles the traffic endpoints require (read by tests/test_role_matrix.py)."""

ROLES = {
    "traffic.get_data": "viewer",
    "traffic.list_readings": "viewer",
    "traffic.get_congestion": "viewer",
    "traffic.list_incidents": "viewer",
    "traffic.create_incident": "operator",
    "traffic.get_incident": "viewer",
    "traffic.update_incident": "operator",
    "traffic.signal_timing": "viewer",
    "traffic.optimise_signals": "viewer",
    "traffic.apply_signal_plan": "operator",
    "traffic.list_signal_plans": "viewer",
    "traffic.plan_route": "viewer",
    "traffic.get_peak_hours": "viewer",
    "traffic.predict_flow": "viewer",
}
