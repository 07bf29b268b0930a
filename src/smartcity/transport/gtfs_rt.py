"""GTFS-realtime VehiclePositions from the vehicles' latest state, with the official bindings.

The specification wants speed in metres per second and timestamps in POSIX seconds; our
telemetry keeps km/h and milliseconds, so both are converted here and nowhere else.
"""

from google.protobuf.json_format import MessageToDict
from google.transit import gtfs_realtime_pb2

GTFS_RT_VERSION = "2.0"


def kmh_to_ms(kmh: float) -> float:
    return kmh / 3.6


def feed(vehicles: list[dict], now_ms: int) -> gtfs_realtime_pb2.FeedMessage:
    """A FULL_DATASET FeedMessage: one entity per vehicle that has a position."""
    message = gtfs_realtime_pb2.FeedMessage()
    message.header.gtfs_realtime_version = GTFS_RT_VERSION
    message.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    message.header.timestamp = now_ms // 1000
    for v in vehicles:
        if v["position"] is None:
            continue
        entity = message.entity.add()
        entity.id = v["id"]
        vp = entity.vehicle
        vp.vehicle.id = v["id"]
        if v.get("name"):
            vp.vehicle.label = v["name"]
        vp.position.latitude = v["position"]["lat"]
        vp.position.longitude = v["position"]["lon"]
        if v["heading"] is not None:
            vp.position.bearing = v["heading"]
        if v["speed_kmh"] is not None:
            vp.position.speed = kmh_to_ms(v["speed_kmh"])
        if v["odometer_km"] is not None:
            vp.position.odometer = v["odometer_km"] * 1000.0  # metres, as the spec says
        vp.timestamp = v["position"]["ts"] // 1000
    return message


def as_json(message: gtfs_realtime_pb2.FeedMessage) -> dict:
    """The feed for people: the same fields, named as the specification names them."""
    return MessageToDict(message, preserving_proto_field_name=True)


def trip_updates(predictions: list[dict], now_ms: int) -> gtfs_realtime_pb2.FeedMessage:
    """A FULL_DATASET FeedMessage of TripUpdates: per bus on a trip, its trip (id, route,
    direction, start date and time), its vehicle, the delay now and a predicted arrival (POSIX
    time and delay in s) at every stop ahead."""
    message = gtfs_realtime_pb2.FeedMessage()
    message.header.gtfs_realtime_version = GTFS_RT_VERSION
    message.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    message.header.timestamp = now_ms // 1000
    scheduled = gtfs_realtime_pb2.TripDescriptor.SCHEDULED
    for p in predictions:
        entity = message.entity.add()
        entity.id = p["trip_id"]
        update = entity.trip_update
        update.trip.trip_id = p["trip_id"]
        update.trip.route_id = p["route_id"]
        if p["direction_id"] is not None:
            update.trip.direction_id = p["direction_id"]
        update.trip.start_date = p["start_date"]
        update.trip.start_time = p["start_time"]
        update.trip.schedule_relationship = scheduled
        update.vehicle.id = p["vehicle_id"]
        update.timestamp = p["timestamp"] // 1000
        update.delay = p["delay_s"]
        for s in p["stops"]:
            stu = update.stop_time_update.add()
            stu.stop_sequence = s["stop_sequence"]
            stu.stop_id = s["stop_id"]
            stu.arrival.time = s["arrival"] // 1000
            stu.arrival.delay = s["delay_s"]
    return message
