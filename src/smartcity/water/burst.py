"""Sudden rise of a DMA's minimum night flow against its own recent nights (pure).

A burst or a new hidden leak adds a roughly constant flow day and night, so it shows most
clearly at night, when demand is lowest: tonight's minimum night flow (MNF) well above the
median MNF of the DMA's previous nights (14 by default) is a suspected burst. The median, not
the mean, so that a past burst night does not lift the baseline; the rise must pass both a
share of the baseline and an absolute floor, so that a small DMA's metering noise stays quiet.
The volume lost is the rise over a day: rise (m3/h) x the hour-day factor.
"""

from statistics import median


def sudden_rise(tonight_m3h: float, previous_m3h: list[float], hour_day_factor: float = 24.0,
                min_nights: int = 7, rise_fraction: float = 0.25,
                min_rise_m3h: float = 1.0) -> dict | None:
    """The suspected burst of tonight's MNF against previous nights', or None (too few nights
    to judge, or no rise above the thresholds)."""
    if len(previous_m3h) < min_nights:
        return None
    baseline = median(previous_m3h)
    rise = tonight_m3h - baseline
    if rise < max(min_rise_m3h, rise_fraction * baseline):
        return None
    return {"baseline_m3h": baseline, "min_night_flow_m3h": tonight_m3h, "rise_m3h": rise,
            "rise_pct": rise / baseline * 100 if baseline > 0 else None,
            "nights": len(previous_m3h),
            "estimated_loss_m3_per_day": rise * hour_day_factor}
