"""sched_realgo: real Go's threads for parked vs syscall-blocked goroutines, and the model's answer."""

import os

import pytest

from gostack_kit.realgo import INSTALL_HINT, have_go
from gostack_kit.realgo.sched import (
    ThreadCount,
    load,
    model_counts,
    model_workload,
    record,
    save,
    thread_counts,
)
from gostack_kit.sched.workload import Phase

RECORDED_SOURCE, RECORDED = load()


def test_recorded_counts_come_from_the_json_file_with_its_toolchain(tmp_path, monkeypatch):
    source, rows = thread_counts("recorded")
    assert source.startswith("recorded: go1.") and len(rows) == 6
    assert {(r.mode, r.n) for r in rows} == {(m, n) for m in ("park", "syscall") for n in (10, 100, 1000)}
    # save() then load() round-trips, naming the toolchain the rows were saved with
    import gostack_kit.realgo.probes as probes
    monkeypatch.setattr(probes, "toolchain_info", lambda: {"go_version": "go1.99.0", "platform": "x/y"})
    rows2 = (ThreadCount("park", 3, 1, 2, 2),)
    assert load(save(rows2, tmp_path / "t.json")) == ("recorded: go1.99.0 x/y", rows2)
    with pytest.raises(ValueError, match="prefer"):
        thread_counts("live-ish")


def test_recording_shows_parked_goroutines_keep_no_thread():
    for r in RECORDED:
        if r.mode == "park":
            assert r.threads == r.threads_before
        else:  # an M for every goroutine in read(2), besides the runtime's own few
            assert r.n <= r.threads <= r.n + r.threads_before + r.gomaxprocs


@pytest.mark.parametrize("procs", [1, 2, 4])
def test_model_parked_needs_at_most_one_thread_per_p_and_syscalls_one_per_goroutine(procs):
    counts = model_counts((5, 50), gomaxprocs=procs)
    for c in counts:
        assert c.threads_before == 1
        if c.mode == "park":
            assert 1 <= c.threads <= procs
        else:
            assert c.n <= c.threads <= c.n + procs


def test_model_workload_is_main_plus_n_waiters():
    w = model_workload("syscall", 3)
    assert w.n_goroutines == 4
    assert w.phases[1] == ((Phase.SYSCALL, 200_000_000), (Phase.COMPUTE, 1000))
    with pytest.raises(ValueError, match="mode"):
        model_workload("sleep", 3)
    with pytest.raises(ValueError, match="n must"):
        model_workload("park", 0)


@pytest.mark.skipif(not have_go() and os.environ.get("CI") != "true", reason=INSTALL_HINT)
def test_live_go_agrees_with_the_recording_shape():
    park, sys = record((20,))
    assert park.mode == "park" and park.threads == park.threads_before
    assert sys.mode == "syscall" and sys.threads >= 20
