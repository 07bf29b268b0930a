"""The roles the water endpoints require (read by tests/test_role_matrix.py)."""

ROLES = {
    "water.leak_analysis": "viewer",
    "water.infrastructure_leakage_index": "viewer",
    "water.get_network": "viewer",
    "water.get_consumption": "viewer",
    "water.get_leaks": "viewer",
    "water.get_quality": "viewer",
    "water.get_pressure_drops": "viewer",
    "water.get_isolation_plan": "viewer",
    "water.isolate": "operator",
    "water.list_isolations": "viewer",
    "water.get_isolation": "viewer",
    "water.get_customer_consumption": "viewer",
}
