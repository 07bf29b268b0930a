"""The road network shared by traffic, emergency, waste and transport: a graph built from the
road-segment and junction assets, live travel times from the traffic counters and incidents,
shortest paths, isochrones, snapping and ETA ranking.

graph.py and travel.py and paths.py are pure (plain data in, plain data out); store.py reads the
database and caches one network per app: `store.network().live(capacity_shares)`.
"""
