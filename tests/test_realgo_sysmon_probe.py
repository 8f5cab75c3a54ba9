"""realgo.sysmon_probe: sysmon's own log of its looks, against the model's sysmon and start state.

The recording (data/sysmon_probe.json) holds hog-60 (20 runs), sleep-50 and order-300 (10 each)
on go1.27.3, probed through a build overlay of proc.go. The back-off law is compared look by
look and exactly; the model's measured numbers (sysmon.SLEEP_NS, SYSMON_IDLE_AT_START) are
recomputed from the recording here, so they cannot drift from it.
"""

import os
import statistics
from collections import Counter

import pytest

from gostack_kit.realgo import INSTALL_HINT, have_go
from gostack_kit.realgo import sysmon_probe as sp
from gostack_kit.realgo.sched_suite import WORKLOADS
from gostack_kit.realgo.sched_trace import warm_count
from gostack_kit.sched import gmp, sysmon

needs_go = pytest.mark.skipif(not have_go() and os.environ.get("CI") != "true", reason=INSTALL_HINT)


def _pairs(run):
    """Consecutive looks (a, b) with no deep sleep between: b's sleep began at a's look."""
    return [(a, b) for a, b in zip(run.looks, run.looks[1:]) if b.t_ns - b.slept_ns < sp.DEEP_SLEEP_GAP_NS]


def _check_back_off(run, strict=True):
    """sysmon's rule, look by look; strict: idle only grows (no P was taken from a syscall)."""
    for a, b in _pairs(run):
        # retake's result resets idle to 0, and only a P taken from a syscall counts; hog-60 makes
        # none, but a live run's trace writer may, so only the recording is held to +1 per look
        assert b.idle == a.idle + 1 or (not strict and b.idle == 0), (a, b)
        assert b.delay_us == sysmon.sysmon_delay_us(b.idle, a.delay_us), (a, b)


def test_every_recorded_look_follows_sysmons_back_off_exactly():
    runs = sp.recorded_runs("hog-60")
    assert len(runs) == sp.RECORDED["hog-60"]
    for run in runs:
        _check_back_off(run)
        delays = [lk.delay_us for lk in run.looks if lk.t_ns >= 0]
        assert set(delays) == set(sysmon.SLEEP_NS)  # 20 us up to the 10 ms cap, every step seen
        assert delays[-1] == sysmon.SYSMON_MAX_US


def test_the_models_sleeps_are_the_recorded_medians():
    by_delay = sp.sleeps_by_delay(sp.recorded_runs("hog-60"))
    assert {d: int(statistics.median(v) + 0.5) for d, v in by_delay.items()} == sysmon.SLEEP_NS
    for d, v in by_delay.items():  # and each is a real sleep: never shorter than its usleep
        assert min(v) > d * 1000 and sysmon.sysmon_sleep_ns(d) == sysmon.SLEEP_NS[d]


def test_idle_at_start_is_the_recorded_median():
    firsts = [next(lk for lk in run.looks if lk.t_ns >= 0) for run in sp.recorded_runs("hog-60")]
    assert statistics.median(lk.idle for lk in firsts) == sysmon.SYSMON_IDLE_AT_START
    assert all(lk.delay_us == sysmon.SYSMON_MIN_US for lk in firsts)  # still in the fast looks


def test_the_model_starts_on_a_tick_real_runs_start_on():
    # Before zero the program runs sched_trace.warm_count(n) warm-up Gs on P0, whole 61s of them,
    # and each costs P0 one tick: a real tick less those is the model's start, and % 61 (all that
    # findRunnable's fairness check reads) is the same. The most common start at each GOMAXPROCS
    # is the model's: 3 in 18 of hog-60's 20 runs and all 10 of order-300's, 3 in 8 of sleep-50's.
    for procs, names in ((1, ("hog-60", "order-300")), (2, ("sleep-50",))):
        ticks = Counter(r.zero.schedtick - warm_count(len(WORKLOADS[n]["goroutines"]))
                        for n in names for r in sp.recorded_runs(n))
        assert ticks.most_common(1)[0][0] == gmp.MAIN_SCHEDTICK_AT_ZERO[procs], (procs, ticks)
        assert warm_count(len(WORKLOADS[names[0]]["goroutines"])) % gmp.FAIR_TICK == 0


def test_real_go_has_idle_ms_parked_at_zero():
    # the threads runtime.main and trace.Start used: 2 parked at GOMAXPROCS=1. At 2, 1 parked, and
    # in all 10 recorded runs another M still spinning on P1 (so no P idle), which can take main's
    # first G at once. The model starts with m0 alone and P1 idle (sleep-50's gap).
    assert {r.zero.nmidle for n in ("hog-60", "order-300") for r in sp.recorded_runs(n)} == {2}
    p2 = Counter((r.zero.nmidle, r.zero.nmspinning, r.zero.npidle) for r in sp.recorded_runs("sleep-50"))
    assert p2 == {(1, 1, 0): 10}


def _note(z):
    """What sysmon's note of P0 at zero makes of main's slice (retake: schedtick, schedwhen)."""
    if z.sysmon_schedtick != z.schedtick:
        return "written at the first look"  # the model's start: that look starts the 10 ms
    return "stale: cut at the first look" if z.sysmon_age_ns >= sysmon.FORCE_PREEMPT_NS else "fresh"


def test_sysmons_note_of_p0_at_zero_is_mostly_for_another_tick():
    # P=1 (hog-60, order-300): 28 of 30 runs have a note for another tick, as the model starts;
    # 2 a fresh note of this tick, whose 10 ms began just before zero.
    # P=2 (sleep-50): all 10 have a note for another tick.
    p1 = Counter(_note(r.zero) for n in ("hog-60", "order-300") for r in sp.recorded_runs(n))
    assert p1 == {"written at the first look": 28, "fresh": 2}
    p2 = Counter(_note(r.zero) for r in sp.recorded_runs("sleep-50"))
    assert p2 == {"written at the first look": 10}


def test_sleeps_are_the_pairs_after_zero():
    run = sp.recorded_runs("hog-60")[0]
    want = [(b.t_ns, b.delay_us, b.slept_ns - a.t_ns) for a, b in _pairs(run) if b.t_ns >= 0]
    assert sp.sleeps(run) == want and len(want) == len(run.looks) - 1
    source, runs = sp.probed_runs("hog-60", prefer="recorded")
    assert source == "go1.27.3 recorded" and runs == sp.recorded_runs("hog-60")


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="no 'zero' line"):
        sp.parse("look 1 2 20 3\n")
    with pytest.raises(ValueError, match="name must be one of"):
        sp.recorded_runs("hog-61")
    with pytest.raises(ValueError, match="runs"):
        sp.probe(WORKLOADS["hog-60"], runs=0)
    with pytest.raises(ValueError, match="prefer must be"):
        sp.probed_runs("hog-60", prefer="cached")
    with pytest.raises(ValueError, match="name must be one of"):
        sp.probed_runs("hog-61", prefer="recorded")
    with pytest.raises(ValueError, match="delay_us must be one of sysmon's delays"):
        sysmon.sysmon_sleep_ns(30)


@needs_go
def test_a_live_probe_follows_the_same_back_off():
    (run,) = sp.probe(WORKLOADS["hog-60"], runs=1)
    _check_back_off(run, strict=False)
    assert run.zero.nmidle >= 1 and run.zero.schedtick_p1 == -1
    assert sysmon.SYSMON_MAX_US in {lk.delay_us for lk in run.looks}  # backed off to the cap
