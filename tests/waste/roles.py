"""The roles the waste endpoints require (read by tests/test_role_matrix.py)."""

ROLES = {
    "waste.list_bins": "viewer",
    "waste.create_bin": "admin",
    "waste.get_bin": "viewer",
    "waste.update_level": "operator",
    "waste.list_collections": "viewer",
    "waste.create_collection": "operator",
    "waste.get_collection": "viewer",
    "waste.complete_collection": "operator",
    "waste.optimise_routes": "operator",
    "waste.get_analytics": "viewer",
}
