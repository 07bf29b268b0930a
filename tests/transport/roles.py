"""The roles the transport endpoints require (read by tests/test_role_matrix.py)."""

ROLES = {
    "transport.list_vehicles": "viewer",
    "transport.get_vehicle": "viewer",
    "transport.get_track": "viewer",
    "transport.vehicle_positions": "viewer",
    "transport.gtfs_export": "viewer",
}
