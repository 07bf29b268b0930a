"""The one scheduler for periodic work (retention, digests, no-data checks, ...)."""
