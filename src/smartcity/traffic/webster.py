"""Fixed-time signal settings by Webster's method (pure).

Webster, F. V. (1958). *Traffic Signal Settings*. Road Research Technical Paper No. 39, HMSO:
- optimum cycle C0 = (1.5 L + 5) / (1 - Y), with L the lost time per cycle (s) and Y the sum of
  the phases' critical flow ratios y = q / s;
- effective greens in proportion to the flow ratios: g_i = (C - L) y_i / Y;
- average delay per vehicle on an approach,
      d = c (1 - λ)^2 / (2 (1 - λ x)) + x^2 / (2 q (1 - x)) - 0.65 (c / q^2)^(1/3) x^(2 + 5 λ)
  with c the cycle (s), λ = g / c, q the flow (veh/s) and x = q / (λ s) the degree of saturation.
  The formula holds for x < 1; at x >= 1 queues grow without bound and no delay is returned.

Y >= 1 means the junction cannot serve its demand with any cycle: the result says
`oversaturated` and uses the longest cycle allowed, DEFAULT_MAX_CYCLE_S unless max_cycle_s is
given. 150 s is a common practical ceiling: longer cycles add little capacity (the lost time is
already a small share) while queues and pedestrian waits keep growing.

The cycle is rounded to 0.1 s before the greens are split, so that the greens (0.01 s) add up to
the returned cycle minus the lost time.
"""

DEFAULT_MAX_CYCLE_S = 150.0


def webster_cycle(lost_time_s: float, flow_ratio_sum: float) -> float:
    """Webster's optimum cycle (s) for Y < 1."""
    if flow_ratio_sum >= 1:
        raise ValueError("no optimum cycle when the flow ratios sum to 1 or more")
    return (1.5 * lost_time_s + 5) / (1 - flow_ratio_sum)


def webster_delay(cycle_s: float, green_s: float, flow_vph: float,
                  saturation_flow_vph: float) -> float | None:
    """Average delay per vehicle (s) on one approach; None when it is at or over saturation."""
    lam = green_s / cycle_s
    q, s = flow_vph / 3600, saturation_flow_vph / 3600
    if q == 0:
        return cycle_s * (1 - lam) ** 2 / 2  # the other terms vanish as q -> 0
    x = q / (lam * s)
    if x >= 1:
        return None
    return (cycle_s * (1 - lam) ** 2 / (2 * (1 - lam * x))
            + x ** 2 / (2 * q * (1 - x))
            # (c/q²)^⅓ written as c^⅓/q^⅔: q² underflows to 0 for a tiny flow, q^⅔ does not.
            - 0.65 * cycle_s ** (1 / 3) / q ** (2 / 3) * x ** (2 + 5 * lam))


def signal_timing(phases: list[dict], lost_time_s: float, min_cycle_s: float | None = None,
                  max_cycle_s: float | None = None) -> dict:
    """Cycle, effective greens and delays for phases [{flow, saturation_flow}] (veh/h)."""
    if not phases:
        raise ValueError("at least one phase is needed")
    if lost_time_s < 0:
        raise ValueError("lost time must not be negative")
    if any(p["saturation_flow"] <= 0 or p["flow"] < 0 for p in phases):
        raise ValueError("flows must not be negative and saturation flows must be positive")
    if min_cycle_s is not None and max_cycle_s is not None and min_cycle_s > max_cycle_s:
        raise ValueError("min_cycle_s exceeds max_cycle_s")
    ratios = [p["flow"] / p["saturation_flow"] for p in phases]
    total = sum(ratios)
    oversaturated = total >= 1
    if oversaturated:
        cycle = max_cycle_s if max_cycle_s is not None else DEFAULT_MAX_CYCLE_S
    else:
        cycle = webster_cycle(lost_time_s, total)
    if min_cycle_s is not None:
        cycle = max(cycle, min_cycle_s)
    if max_cycle_s is not None:
        cycle = min(cycle, max_cycle_s)
    cycle = round(float(cycle), 1)
    if cycle <= lost_time_s:
        raise ValueError("the cycle must be longer than the lost time")
    # With no flow at all the greens are split evenly rather than divided by zero.
    shares = [y / total for y in ratios] if total > 0 else [1 / len(phases)] * len(phases)
    greens = [round((cycle - lost_time_s) * share, 2) for share in shares]
    delays = [webster_delay(cycle, g, p["flow"], p["saturation_flow"]) if g > 0 else None
              for g, p in zip(greens, phases, strict=True)]
    return {"cycle_s": cycle, "effective_green_s": greens,
            "flow_ratios": [round(y, 4) for y in ratios], "flow_ratio_sum": round(total, 4),
            "oversaturated": oversaturated,
            "degree_of_saturation": [round(p["flow"] / (g / cycle * p["saturation_flow"]), 3)
                                     if g > 0 else None
                                     for g, p in zip(greens, phases, strict=True)],
            "average_delay_s": [None if d is None else round(d, 2) for d in delays]}
