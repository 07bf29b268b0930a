"""Clients of services outside the city's own infrastructure (weather providers, ...)."""
