"""Signal timing for the city's signalised junctions from measured flows (Webster), and sending
a plan to a signal through the device-command path (apply_plan), tracked as a SignalPlan.

Phases: the demo city's signals run two phases (DESIGN: `phases=2`), one per axis, so the
approaches are grouped by bearing into north-south and east-west. Each phase's flow ratio is
its critical approach: the highest measured flow per lane over a saturation flow per lane.
"""

import math
import uuid

from flask import current_app
from sqlalchemy import select

from smartcity.devices import commands
from smartcity.devices.models import Device
from smartcity.errors import ApiError, not_found
from smartcity.extensions import db
from smartcity.roads import store
from smartcity.telemetry import queries
from smartcity.telemetry.keys import key_dictionary
from smartcity.timeutil import now_ms
from smartcity.traffic import webster
from smartcity.traffic.models import SignalPlan

SIGNAL_TYPE = "traffic_signal"
COUNTER_TYPE = "traffic_counter"
HOUR_MS = 3_600_000
# HCM 6th ed. base saturation flow is 1,900 pc/h/ln; 1,800 veh/h/ln allows for heavy vehicles
# and the lane widths of an old town, a common planning value.
SATURATION_PER_LANE_VPH = 1800.0
LOST_TIME_PER_PHASE_S = 4.0  # start-up lost time + clearance not used (Webster's l per phase)
MIN_CYCLE_S, MAX_CYCLE_S = 30.0, 120.0  # what the city's controllers accept in practice
COMMAND_TIMEOUT_S = 300


def axis_phases(junction_xy, approaches: dict[str, tuple]) -> dict[str, list[str]]:
    """{"ns": [segment ids], "ew": [...]} by the bearing of each approach's far end (x, y)."""
    jx, jy = junction_xy
    phases = {"ns": [], "ew": []}
    for sid, (x, y) in sorted(approaches.items()):
        phases["ns" if abs(y - jy) >= abs(x - jx) else "ew"].append(sid)
    return phases


def plan_for(phases: dict[str, list[str]], flows: dict[str, float | None],
             lanes: dict[str, int]) -> dict | None:
    """Webster timing for the phases from measured flows per approach (veh/h, one direction);
    None unless every phase has a measured approach: an unmeasured phase would get a zero
    green, which no one should send to a street."""
    measured = [s for group in phases.values() for s in group if flows.get(s) is not None]
    if any(group and not any(flows.get(s) is not None for s in group)
           for group in phases.values()) or not measured:
        return None
    names, inputs = [], []
    for name, group in phases.items():
        if not group:
            continue
        per_lane = max((flows.get(s) or 0.0) / max(lanes.get(s, 1), 1) for s in group)
        names.append(name)
        inputs.append({"flow": per_lane, "saturation_flow": SATURATION_PER_LANE_VPH})
    timing = webster.signal_timing(inputs, LOST_TIME_PER_PHASE_S * len(inputs),
                                   MIN_CYCLE_S, MAX_CYCLE_S)
    return {"phases": names, "phase_flows_vph_per_lane": [round(p["flow"], 1) for p in inputs],
            "lost_time_s": LOST_TIME_PER_PHASE_S * len(inputs), **timing,
            "measured_approaches": sorted(measured)}


def hour_flows(end: int | None = None) -> dict[str, float]:
    """Mean measured intensity per road segment over the last hour (its counters' mean)."""
    end = end or now_ms()
    with db.reader() as conn:
        key = key_dictionary(current_app).known_ids(conn, ["intensity"]).get("intensity")
        counters = conn.execute(select(Device.id, Device.asset_id)
                                .where(Device.type == COUNTER_TYPE)).all()
        if key is None:
            return {}
        per_segment: dict[str, list[float]] = {}
        for device_id, segment in counters:
            buckets = queries.aggregate(conn, [device_id], [key], end - HOUR_MS, end,
                                        HOUR_MS)[key].values()
            n = sum(b.count for b in buckets)
            if n and segment:
                per_segment.setdefault(segment, []).append(sum(b.sum for b in buckets) / n)
    return {s: sum(v) / len(v) for s, v in per_segment.items()}


def _signals(junction_id: str | None = None) -> list[Device]:
    stmt = select(Device).where(Device.type == SIGNAL_TYPE).order_by(Device.id)
    if junction_id:
        stmt = stmt.where(Device.asset_id == junction_id)
    return list(db.session.scalars(stmt))


def _current(device: Device) -> dict:
    """What the signal reported last (cycle, plan) and the last plan we sent it."""
    with db.reader() as conn:
        ids = key_dictionary(current_app).known_ids(conn, ["cycle_s", "plan_id"])
        reported = queries.latest_or_none(conn, device.id, ids) if ids else None
    last = db.session.scalars(select(SignalPlan).where(SignalPlan.device_id == device.id)
                              .order_by(SignalPlan.created_ms.desc()).limit(1)).first()
    return {"cycle_s": (reported or {}).get("cycle_s", {}).get("value"),
            "plan_id": (reported or {}).get("plan_id", {}).get("value"),
            "last_sent": plan_to_dict(last) if last else None}


def recommendations(junction_id: str | None = None, end: int | None = None) -> list[dict]:
    roads = store.network().roads()
    flows = hour_flows(end)
    items = []
    for device in _signals(junction_id):
        junction = device.asset_id
        if junction not in roads.junctions:
            continue
        approaches = {}
        for sid in device.meta.get("approaches") or _incident_segments(roads, junction):
            seg = roads.segments.get(sid)
            if seg is None:
                continue
            far = seg.end if seg.start == junction else seg.start
            approaches[sid] = roads.xy(far)
        phases = axis_phases(roads.xy(junction), approaches)
        lanes = {s: roads.segments[s].lanes for s in approaches}
        plan = plan_for(phases, flows, lanes)
        unmeasured = sorted(name for name, group in phases.items()
                            if group and not any(flows.get(s) is not None for s in group))
        items.append({"junction_id": junction, "device_id": device.id, "name": device.name,
                      "unmeasured_phases": unmeasured,
                      "approach_flows_vph": {s: None if flows.get(s) is None
                                             else round(flows[s], 1) for s in approaches},
                      "recommended": plan, "current": _current(device)})
    return items


def _incident_segments(roads, junction: str) -> list[str]:
    return sorted({k for _u, _v, k in roads.graph.edges(junction, keys=True)})


def apply(junction_id: str, actor: str | None, end: int | None = None) -> dict:
    """Send the recommended plan to the junction's signal with apply_plan; 409 without data."""
    found = recommendations(junction_id, end)
    if not found:
        raise not_found("signalised junction")
    item = found[0]
    plan = item["recommended"]
    if plan is None:
        raise ApiError(409, "no_flow_data", "a phase of this junction has no measured flow "
                       "in the last hour", {"field": "junction_id",
                                            "unmeasured_phases": item["unmeasured_phases"]})
    device = db.session.get(Device, item["device_id"])
    plan_id = f"wb-{uuid.uuid4().hex[:8]}"
    # the controller takes whole seconds; a green never under 5 s (pedestrian minimum)
    params = {"plan_id": plan_id, "cycle_s": int(math.ceil(plan["cycle_s"])),
              "greens_s": [max(5, int(round(g))) for g in plan["effective_green_s"]]}
    command = commands.create(device, "apply_plan", params, COMMAND_TIMEOUT_S, actor)
    row = SignalPlan(id=plan_id, junction_id=junction_id, device_id=device.id,
                     command_id=command.id, plan={**params, "webster": plan},
                     created_by=actor, created_ms=now_ms())
    db.session.add(row)
    db.session.commit()
    return plan_to_dict(row) | {"command": commands.to_dict(command)}


def plan_to_dict(row: SignalPlan) -> dict:
    return {"id": row.id, "junction_id": row.junction_id, "device_id": row.device_id,
            "command_id": row.command_id, "plan": row.plan, "created_by": row.created_by,
            "created_ms": row.created_ms}


def plans(junction_id: str) -> list[dict]:
    rows = db.session.scalars(select(SignalPlan).where(SignalPlan.junction_id == junction_id)
                              .order_by(SignalPlan.created_ms.desc()).limit(50))
    out = []
    for row in rows:
        item = plan_to_dict(row)
        try:
            item["command"] = commands.to_dict(commands.get(row.device_id, row.command_id))
        except ApiError:
            item["command"] = None
        out.append(item)
    return out
