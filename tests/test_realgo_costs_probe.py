"""realgo.costs_probe: what a goroutine switch, a thread switch and their creations cost.

The recording (data/sched_costs.json) holds 7 fresh runs of the probe on go1.27.3. The model's
default `Costs` are recomputed from it here, so they cannot drift from it; the laws the kit
teaches (a goroutine is cheaper to switch and to create than a thread) are checked on every
recorded run and on a live run.
"""

import json
import os

import pytest

from gostack_kit.realgo import INSTALL_HINT, have_go
from gostack_kit.realgo import costs_probe as cp
from gostack_kit.sched import Costs

needs_go = pytest.mark.skipif(not have_go() and os.environ.get("CI") != "true", reason=INSTALL_HINT)


def test_the_models_default_costs_are_the_recordings_medians():
    runs = cp.recorded_runs()
    assert len(runs) == cp.RUNS
    fields = cp.costs_fields(runs)
    assert fields == {k: getattr(Costs(), k) for k in fields}
    assert set(fields) == set(Costs.__dataclass_fields__)  # every cost is measured


def test_the_recording_is_the_probes_and_its_machine_is_named():
    data = cp.load()
    assert data["go"] == "go1.27.3" and "2 cores" in data["machine"]
    assert tuple(data["fields"]) == cp.FIELDS
    # the kernel ticks at 250 Hz, every 4 ms, yet its slices end sooner (rivals.KERNEL_TICK_NS)
    assert data["config_hz"] == 250
    assert all(r["kernel_slice"] < 4_000_000 for r in cp.recorded_runs())
    assert all(len(r) == len(cp.FIELDS) and all(v > 0 for v in r) for r in data["runs"])


def _laws(run):
    # the kit's thesis, measured: a goroutine switch is over ten times cheaper than a thread
    # switch, and a goroutine's whole life cheaper than creating one thread
    assert run["goroutine_switch"] * 10 < run["thread_switch"], run
    assert run["goroutine_life"] * 10 < run["thread_create"], run
    # a switch is part of a G's life; a slice lasts far longer than any switch
    assert run["goroutine_switch"] < run["goroutine_life"], run
    assert run["kernel_slice"] > 100 * run["thread_switch"], run
    # a timer never fires early, and netpoll's whole-ms epoll_wait timeouts (gmp.Sched.netpoll_until)
    # are what make a short time.Sleep late, not the kernel's lateness, which is far below 1 ms
    assert 0 < run["timer_late"] < 1_000_000, run


def test_every_recorded_run_obeys_the_laws():
    for run in cp.recorded_runs():
        _laws(run)
        # on this VM a wake on another, sleeping CPU costs more than a same-CPU switch, and a
        # timer's lateness (up to the 50 us slack, then a wake-up) more than either
        assert run["thread_wake"] > run["thread_switch"], run
        assert run["timer_late"] > run["thread_wake"], run


def test_medians_take_the_lower_middle_and_the_create_cost_subtracts_a_switch():
    runs = [dict.fromkeys(cp.FIELDS, v) | {"goroutine_life": 10 * v, "kernel_slice": 1000 * v}
            for v in (3, 1, 2, 4)]
    assert cp.medians(runs)["goroutine_switch"] == 2 and cp.medians(runs)["goroutine_life"] == 20
    assert cp.costs_fields(runs)["goroutine_create_ns"] == 20 - 2
    assert Costs(**cp.costs_fields(runs)).kernel_slice_ns == 2000


def test_config_hz_reads_a_kernel_config_or_says_none(tmp_path):
    import gzip
    cfg = tmp_path / "config.gz"
    cfg.write_bytes(gzip.compress(b"# CONFIG_HZ_100 is not set\nCONFIG_HZ_300=y\nCONFIG_HZ=300\n"))
    assert cp.config_hz(cfg) == 300
    cfg.write_bytes(gzip.compress(b"CONFIG_NO_HZ=y\n"))
    assert cp.config_hz(cfg) is None
    cfg.write_bytes(b"not gzip")
    assert cp.config_hz(cfg) is None
    assert cp.config_hz(tmp_path / "missing.gz") is None


def test_bad_input_is_named(tmp_path):
    with pytest.raises(ValueError, match="runs must hold"):
        cp.medians([])
    bad = tmp_path / "costs.json"
    bad.write_text(json.dumps({**cp.load(), "fields": ["goroutine_switch"]}))
    with pytest.raises(ValueError, match="re-record"):
        cp.recorded_runs(bad)
    with pytest.raises(ValueError, match="runs"):
        cp.measure(runs=0)
    with pytest.raises(ValueError, match="scale"):
        cp.measure(runs=1, scale=0)
    with pytest.raises(ValueError, match="thread_wake_ns"):
        Costs(thread_wake_ns=-1)
    with pytest.raises(ValueError, match="timer_late_ns"):
        Costs(timer_late_ns=10**10)


@needs_go
def test_a_live_run_obeys_the_same_laws():
    (run,) = cp.measure(runs=1, scale=20)  # a twentieth of each loop: about a second
    assert set(run) == set(cp.FIELDS) and all(v > 0 for v in run.values())
    _laws(run)

