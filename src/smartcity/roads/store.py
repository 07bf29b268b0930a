"""The road network of an app: read from the road assets and the counters' latest values, cached.

Each process keeps one RoadGraph and rebuilds it when the road assets change: at most every
CHECK_S it asks the database for a fingerprint (count and newest created_at of junctions and
road segments), so a city stored or extended by another process is seen within that time.
Assets have no updated_at yet: an edit in place of a stored segment's properties is seen only
after `invalidate()` or a restart (nothing edits road assets today).

Live times follow the counters: their latest speeds and flows are read at most every LIVE_S,
and a LiveNetwork per set of incident capacity shares is kept until then.
"""

import threading
import time
from collections.abc import Mapping

from flask import current_app
from sqlalchemy import func, select

from smartcity.assets.models import Asset
from smartcity.extensions import db
from smartcity.roads import travel
from smartcity.roads.graph import RoadGraph, from_assets
from smartcity.roads.paths import LiveNetwork
from smartcity.telemetry import queries
from smartcity.timeutil import now_ms

ROAD_TYPES = ("junction", "road_segment")
COUNTER_TYPE = "traffic_counter"
CHECK_S = 1.0
LIVE_S = 5.0
MAX_CACHED_STATES = 16  # incident sets differ rarely; keep a few, drop the oldest
assets = Asset.__table__


class RoadNetwork:
    def __init__(self, check_s: float = CHECK_S, live_s: float = LIVE_S):
        self.check_s, self.live_s = check_s, live_s
        self._lock = threading.Lock()
        self._fingerprint = None
        self._roads: RoadGraph | None = None
        self._checked = self._observed = float("-inf")
        self._observations: dict[str, travel.Observation] = {}
        self._states: dict[frozenset, LiveNetwork] = {}

    def invalidate(self) -> None:
        """Forget everything: the next call reads the assets and counters again."""
        with self._lock:
            self._fingerprint, self._roads, self._states = None, None, {}
            self._checked = self._observed = float("-inf")

    def roads(self) -> RoadGraph:
        """The static graph, rebuilt when the road assets changed."""
        now = time.monotonic()
        if self._roads is not None and now - self._checked < self.check_s:
            return self._roads
        with self._lock:
            with db.reader() as conn:
                fingerprint = tuple(conn.execute(
                    select(func.count(assets.c.id), func.max(assets.c.created_at))
                    .where(assets.c.type.in_(ROAD_TYPES))).one())
                if fingerprint != self._fingerprint or self._roads is None:
                    self._roads = build_roads(conn)
                    self._fingerprint, self._states = fingerprint, {}
            self._checked = now
            return self._roads

    def live(self, capacity_shares: Mapping[str, float] | None = None) -> LiveNetwork:
        """The network with travel times from the latest counter readings and the given
        incidents ({segment id: capacity share left, 0 = closed})."""
        roads = self.roads()
        key = frozenset((capacity_shares or {}).items())
        now = time.monotonic()
        with self._lock:
            if now - self._observed >= self.live_s:
                observations = read_observations()
                if observations != self._observations:  # counters report every minute or so
                    self._observations, self._states = observations, {}
                self._observed = now
            state = self._states.get(key)
            if state is None or state.roads is not roads:
                times = travel.segment_times(roads.segments.values(), self._observations,
                                             dict(key))
                state = LiveNetwork(roads, times)
                if len(self._states) >= MAX_CACHED_STATES:
                    self._states.pop(next(iter(self._states)))
                self._states[key] = state
            return state

    def observations(self) -> dict[str, travel.Observation]:
        """The counter observations the current live states were built from."""
        return self._observations


def build_roads(conn) -> RoadGraph:
    rows = conn.execute(select(assets.c.id, assets.c.type, assets.c.geometry,
                               assets.c.properties).where(assets.c.type.in_(ROAD_TYPES))).all()
    junctions, segments = from_assets(
        {"id": a.id, "type": a.type, "geometry": a.geometry, "properties": a.properties}
        for a in rows)
    return RoadGraph(junctions, segments)


def read_observations(now: int | None = None) -> dict[str, travel.Observation]:
    """Fresh speed and flow per road segment from the traffic counters on it (their asset)."""
    with db.reader() as conn:
        rows = queries.latest_of_type(conn, COUNTER_TYPE, ["speed", "intensity"])
    return travel.observations(((r.asset_id, r.name, r.ts, r.value) for r in rows
                                if r.asset_id), now_ms() if now is None else now)


def network(app=None) -> RoadNetwork:
    """The app's road network (one per app: tests build many apps over different databases)."""
    app = app or current_app
    return app.extensions.setdefault("smartcity.roads", RoadNetwork())


CAPACITY_SOURCES = "smartcity.roads.capacity_sources"


def add_capacity_source(app, source) -> None:
    """Register source() -> {segment id: capacity share left}: what a domain knows takes
    capacity off the roads (traffic incidents). Every other domain's routing then sees it
    through current_network() without importing that domain."""
    app.extensions.setdefault(CAPACITY_SOURCES, []).append(source)


def capacity_shares(app=None) -> dict[str, float]:
    """Every source's shares; where two touch one segment the smaller share left wins."""
    app = app or current_app
    shares: dict[str, float] = {}
    for source in app.extensions.get(CAPACITY_SOURCES, ()):
        for segment, share in source().items():
            shares[segment] = min(share, shares.get(segment, 1.0))
    return shares


def current_network(app=None, with_incidents: bool = True) -> LiveNetwork:
    """The live network as everyone should see it now: counters and every capacity source."""
    app = app or current_app
    return network(app).live(capacity_shares(app) if with_incidents else None)
