"""Webster's method on worked examples computed by hand from the formulas of Webster (1958)."""

import pytest

from smartcity.traffic.webster import DEFAULT_MAX_CYCLE_S, signal_timing, webster_delay

TWO_PHASE = [{"flow": 900, "saturation_flow": 3000}, {"flow": 600, "saturation_flow": 2000}]
THREE_PHASE = [{"flow": 800, "saturation_flow": 2000}, {"flow": 450, "saturation_flow": 1800},
               {"flow": 300, "saturation_flow": 1500}]


def test_two_phase_example_cycle_greens_and_delays():
    # y = 900/3000 = 0.3 and 600/2000 = 0.3; Y = 0.6; L = 10 s
    # C0 = (1.5 * 10 + 5) / (1 - 0.6) = 20 / 0.4 = 50.0 s
    # g = (50 - 10) * 0.3 / 0.6 = 20.0 s each; λ = 20/50 = 0.4
    # phase 1: q = 0.25 veh/s, s = 0.8333 veh/s, x = 0.25 / (0.4 * 0.8333) = 0.75
    #   term 1 = 50 * 0.6^2 / (2 * (1 - 0.4 * 0.75)) = 18 / 1.4           = 12.8571
    #   term 2 = 0.75^2 / (2 * 0.25 * 0.25)       = 0.5625 / 0.125        =  4.5
    #   term 3 = 0.65 * (50 / 0.0625)^(1/3) * 0.75^(2 + 2) = 0.65 * 9.2832 * 0.31641 = 1.9092
    #   d = 12.8571 + 4.5 - 1.9092 = 15.448 -> 15.45 s
    # phase 2: q = 1/6 veh/s, s = 0.5556 veh/s, x = 0.1667 / (0.4 * 0.5556) = 0.75
    #   term 2 = 0.5625 / (2 * 0.1667 * 0.25) = 6.75
    #   term 3 = 0.65 * (50 * 36)^(1/3) * 0.31641 = 0.65 * 12.1644 * 0.31641 = 2.5018
    #   d = 12.8571 + 6.75 - 2.5018 = 17.105 -> 17.11 s
    result = signal_timing(TWO_PHASE, 10)
    assert result == {"cycle_s": 50.0, "effective_green_s": [20.0, 20.0],
                      "flow_ratios": [0.3, 0.3], "flow_ratio_sum": 0.6, "oversaturated": False,
                      "degree_of_saturation": [0.75, 0.75], "average_delay_s": [15.45, 17.11]}
    assert webster_delay(50, 20, 900, 3000) == pytest.approx(15.4479, abs=1e-3)


def test_three_phase_example_rounds_the_cycle_before_splitting_the_greens():
    # y = 0.4, 0.25, 0.2; Y = 0.85; L = 12 s
    # C0 = (18 + 5) / 0.15 = 153.33 -> 153.3 s; C - L = 141.3 s
    # g = 141.3 * 0.4/0.85 = 66.494 -> 66.49; 141.3 * 0.25/0.85 = 41.559 -> 41.56;
    #     141.3 * 0.2/0.85 = 33.247 -> 33.25 (they add up to 141.3)
    # x = y / λ = 0.4 / (66.49 / 153.3) = 0.922 on every phase (greens follow the ratios)
    result = signal_timing(THREE_PHASE, 12)
    assert result["cycle_s"] == 153.3 and result["flow_ratio_sum"] == 0.85
    assert result["effective_green_s"] == [66.49, 41.56, 33.25]
    assert sum(result["effective_green_s"]) == pytest.approx(153.3 - 12)
    assert result["degree_of_saturation"] == [0.922, 0.922, 0.922]
    # phase 1 delay, λ = 66.49/153.3 = 0.43372, q = 0.22222 veh/s, x = 0.92224:
    #   term 1 = 153.3 * 0.56628^2 / (2 * (1 - 0.43372 * 0.92224)) = 49.158 / 1.2 = 40.965
    #   term 2 = 0.92224^2 / (2 * 0.22222 * 0.07776) = 0.85053 / 0.034560 = 24.612
    #   term 3 = 0.65 * (153.3 / 0.049383)^(1/3) * 0.92224^(2 + 5 * 0.43372)
    #          = 0.65 * 14.588 * 0.92224^4.1686 = 0.65 * 14.588 * 0.71360 = 6.766
    #   d = 40.965 + 24.612 - 6.766 = 58.81 s
    assert result["average_delay_s"][0] == 58.81


def test_webster_cycle_is_near_the_cycle_of_least_total_delay():
    # Webster derived C0 as an approximation of the delay-minimising cycle: check it on the
    # three-phase example with a grid search over cycles (greens split by the flow ratios).
    def total_delay(cycle):
        greens = [(cycle - 12) * y / 0.85 for y in (0.4, 0.25, 0.2)]
        delays = [webster_delay(cycle, g, p["flow"], p["saturation_flow"])
                  for g, p in zip(greens, THREE_PHASE, strict=True)]
        return sum(p["flow"] * d for d, p in zip(delays, THREE_PHASE, strict=True)) \
            if None not in delays else float("inf")

    cycles = [100 + 0.5 * i for i in range(400)]
    best = min(cycles, key=total_delay)
    assert abs(best - 153.3) / 153.3 < 0.02
    assert total_delay(153.3) <= total_delay(best) * 1.001


def test_cycle_is_clamped_only_when_limits_are_given():
    assert signal_timing(THREE_PHASE, 12)["cycle_s"] == 153.3  # no clamp to any default
    # max 120: C - L = 108; greens 108 * 0.4/0.85 = 50.82, 31.76, 25.41
    capped = signal_timing(THREE_PHASE, 12, max_cycle_s=120)
    assert capped["cycle_s"] == 120.0 and capped["effective_green_s"] == [50.82, 31.76, 25.41]
    raised = signal_timing(TWO_PHASE, 10, min_cycle_s=60)
    assert raised["cycle_s"] == 60.0 and raised["effective_green_s"] == [25.0, 25.0]


def test_oversaturated_junction_gets_the_max_cycle_and_no_delay():
    phases = [{"flow": 1200, "saturation_flow": 2000}, {"flow": 900, "saturation_flow": 1800}]
    # Y = 0.6 + 0.5 = 1.1 >= 1: no optimum; the default max cycle, 150 s: greens
    # 140 * 0.6/1.1 = 76.36 and 140 * 0.5/1.1 = 63.64; x = 0.6 / (76.36/150) = 1.179 >= 1
    result = signal_timing(phases, 10)
    assert result["oversaturated"] is True and result["cycle_s"] == DEFAULT_MAX_CYCLE_S
    assert result["effective_green_s"] == [76.36, 63.64]
    assert result["average_delay_s"] == [None, None]
    assert signal_timing(phases, 10, max_cycle_s=120)["cycle_s"] == 120.0


def test_zero_flow_splits_evenly_and_bad_input_is_refused():
    result = signal_timing([{"flow": 0, "saturation_flow": 1800}] * 2, 8)
    # C0 = (12 + 5) / 1 = 17 s; greens (17 - 8) / 2 = 4.5; delay c (1 - λ)^2 / 2
    assert result["cycle_s"] == 17.0 and result["effective_green_s"] == [4.5, 4.5]
    assert result["average_delay_s"][0] == pytest.approx(17 * (1 - 4.5 / 17) ** 2 / 2, abs=0.01)
    for phases, lost, kw in [([], 10, {}), (TWO_PHASE, -1, {}),
                             ([{"flow": 10, "saturation_flow": 0}], 10, {}),
                             (TWO_PHASE, 10, {"min_cycle_s": 90, "max_cycle_s": 60}),
                             (TWO_PHASE, 10, {"max_cycle_s": 8})]:
        with pytest.raises(ValueError):
            signal_timing(phases, lost, **kw)


def test_a_subnormal_flow_gives_a_finite_delay_not_a_division_by_zero():
    # Found by the OpenAPI fuzz: q² underflowed to 0 in the third term of Webster's formula.
    timing = signal_timing([{"flow": 2.225073858507e-311, "saturation_flow": 3397.5}], 115.8)
    (delay,) = timing["average_delay_s"]
    assert delay is not None and delay == delay and delay >= 0
    assert webster_delay(120, 60, 5e-324, 1800) == pytest.approx(120 * 0.5 ** 2 / 2)
