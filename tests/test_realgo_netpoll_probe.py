"""realgo.netpoll_probe: a lone time.Sleep ends as late as netpoll's whole-ms waits make it.

The model (gmp.Sched.netpoll_until) waits in epoll_wait for whole milliseconds, at least 1, each
wait ending netpoll_late_ns after its timeout. Given that lateness as the real lone 1 ms sleeps
showed it (their median, one wait each), the model's lateness of every other duration must fall
within the real sleeps' min-max: in the shipped recording, and live with Go.
"""

import os

import pytest

from gostack_kit.realgo import INSTALL_HINT, have_go
from gostack_kit.realgo import netpoll_probe as npb
from gostack_kit.sched import Costs

needs_go = pytest.mark.skipif(not have_go() and os.environ.get("CI") != "true", reason=INSTALL_HINT)


def _check(late):
    assert sorted(late) == sorted(npb.DURATIONS_NS)
    wait = npb.one_wait_ns(late)
    for d, real in late.items():
        assert len(real) == npb.ROUNDS
        model = npb.model_lateness(d, wait)
        assert min(real) <= model <= max(real), (d, model, min(real), max(real))
    # netpoll's rounding, on the real sleeps alone: under a ms still waits a whole ms, and 1.5 ms
    # waits 1 ms and then 1 ms more, so no such sleep ended before 1 ms or 2 ms had passed
    assert min(late[100_000]) >= 1_000_000 - 100_000
    assert min(late[1_500_000]) >= 2_000_000 - 1_500_000


def test_the_recorded_sleeps_end_where_the_model_says():
    data = npb.load()
    assert data["go"] == "go1.27.3" and data["rounds"] == npb.ROUNDS
    _check(npb.recorded())


def test_the_model_rounds_each_wait_to_whole_ms():
    # with no lateness at all the model's sleeps end on netpoll's millisecond grid, plus a
    # goroutine switch (Costs' default) for each pass of the scheduler: one before each wait,
    # one to run the sleeper. 3 ms is 2 ms and then 1 ms: the delay left when the M reaches
    # epoll_wait is a switch short of 3 ms, and rounds down.
    sw = Costs().goroutine_switch_ns
    assert npb.model_lateness(100_000, 0) == 900_000 + 2 * sw
    assert npb.model_lateness(1_500_000, 0) == 500_000 + 3 * sw
    assert npb.model_lateness(3_000_000, 0) == 3 * sw


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="rounds"):
        npb.measure(rounds=0)
    with pytest.raises(ValueError, match="duration_ns"):
        npb.model_lateness(0, 1)
    with pytest.raises(ValueError, match="netpoll_late_ns"):
        npb.model_lateness(1_000, -1)


@needs_go
def test_live_sleeps_end_where_the_model_says():
    _check(npb.measure())
