"""The emitter's pacing: no wait when idle, today's fixed tick under load."""

from smartcity.realtime.emitter import BUSY_FACTOR, FLUSH_S, FULL_RATE, RATE_WINDOW_S, Pacer


def paced(rate: float, seconds: float = 2.0, flush_cost: float = 0.0) -> Pacer:
    """A pacer that saw `rate` items/s for `seconds`, flushed once per item."""
    pacer, now = Pacer(), 100.0
    pacer._window_start = now
    for _ in range(int(rate * seconds)):
        now += 1 / rate
        pacer.count(1)
        pacer.flushed(now, flush_cost)
    return pacer


def test_an_idle_emitter_sends_the_first_reading_without_a_gap():
    pacer = Pacer()
    pacer.count(1)
    start = pacer._window_start + 10
    assert pacer.flushed(start, 0.0) < 1e-6


def test_the_gap_grows_with_the_rate_to_the_old_fixed_tick():
    gaps = [paced(rate).gap for rate in (10, 50, 200, 500, 1000, 5000)]
    assert gaps == sorted(gaps)
    assert gaps[0] < 0.001 and gaps[2] < 0.005
    assert gaps[-2] > 0.95 * FLUSH_S and gaps[-1] == FLUSH_S


def test_a_costly_flush_is_followed_by_a_proportional_pause_never_above_the_tick():
    assert paced(10, flush_cost=0.002).gap == BUSY_FACTOR * 0.002
    assert paced(10, flush_cost=1.0).gap == FLUSH_S


def test_a_quiet_spell_forgets_the_rate_of_the_burst_before_it():
    pacer = paced(2 * FULL_RATE)
    assert pacer.gap == FLUSH_S
    start = pacer._window_start + 40 * RATE_WINDOW_S
    pacer.count(1)
    assert pacer.flushed(start, 0.0) < 0.001
