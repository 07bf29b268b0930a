"""Device registry, API keys, heartbeat and connectivity."""
