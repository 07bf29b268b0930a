"""The roles the environment endpoints require (read by tests/test_role_matrix.py)."""

ROLES = {
    "environment.calculate_aqi": "viewer",
    "environment.list_air_quality": "viewer",
    "environment.get_air_quality_summary": "viewer",
    "environment.get_station_air_quality": "viewer",
    "environment.get_aqi_history": "viewer",
    "environment.list_data": "viewer",
    "environment.add_data": "operator",
    "environment.list_environment_alerts": "viewer",
    "environment.get_noise": "viewer",
    "environment.get_noise_day": "viewer",
    "environment.get_weather": "viewer",
    "environment.get_weather_compare": "viewer",
    "environment.get_pollution_trends": "viewer",
    "environment.get_health_impact": "viewer",
    "environment.get_config": "viewer",
}
