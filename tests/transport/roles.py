"""The roles the transport endpoints require (read by tests/test_role_matrix.py)."""

ROLES = {
    "transport.list_vehicles": "viewer",
    "transport.get_vehicle": "viewer",
    "transport.get_track": "viewer",
    "transport.vehicle_positions": "viewer",
    "transport.gtfs_export": "viewer",
    "transport.gtfs_import_feed": "operator",
    "transport.trip_updates": "viewer",
    "transport.line_adherence": "viewer",
    "transport.lines_adherence": "viewer",
    "transport.stop_headways": "viewer",
    "transport.stop_arrivals": "viewer",
    "transport.optimise_routes": "operator",
    "transport.get_demand": "viewer",
    "transport.demand_forecast": "viewer",
    "transport.get_efficiency": "viewer",
}
