"""Telemetry: parsers, the ingest pipeline and writer, queries, rollups, export, retention."""
