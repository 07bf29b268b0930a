"""MQTT ingest: devices publish on devices/<id>/telemetry and devices/<id>/status."""
