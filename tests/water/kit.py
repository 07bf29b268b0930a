"""Water test kit: night-flow and pressure histories."""

STEP = 20 * 60_000


def hourly(device_id, key, values: dict[int, float]):
    """Three readings an hour, each hour's value constant: {hour start: value}."""
    return [(device_id, h + i * STEP, {key: v}) for h, v in values.items() for i in range(3)]


