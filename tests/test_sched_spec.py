"""The scheduler spec contract: Workload.from_spec and the run fields simulate returns."""

import pytest

from gostack_kit.sched import Model, Workload, simulate
from gostack_kit.sched.record import Slice, Timeline
from gostack_kit.sched.workload import Phase

SPEC = {"gomaxprocs": 1,
        "goroutines": [{"phases": [["run", 2_000_000], ["syscall", 1_000_000], ["run", 500_000]]},
                       {"phases": [["run", 300_000], ["sleep", 2_000_000], ["yield"], ["run", 1_000]]}],
        "spawn_gap_ns": 0}


def _hogs(n, gomaxprocs=1, ns=1000, gap=0):
    return Workload.from_spec({"gomaxprocs": gomaxprocs, "spawn_gap_ns": gap,
                               "goroutines": [{"phases": [["run", ns]]}] * n})


def test_from_spec_builds_main_spawning_in_list_order_with_gaps():
    w = Workload.from_spec({**SPEC, "spawn_gap_ns": 5_000})
    assert w.gomaxprocs == 1
    assert w.phases[0] == ((Phase.GO, 1), (Phase.COMPUTE, 5_000), (Phase.GO, 2))
    assert w.phases[1] == ((Phase.COMPUTE, 2_000_000), (Phase.SYSCALL, 1_000_000),
                           (Phase.COMPUTE, 500_000))
    assert w.phases[2][2] == (Phase.YIELD, 1) and w.phases[2][1] == (Phase.PARK, 2_000_000)


@pytest.mark.parametrize("model", ["mn", "1:1", "n:1", Model.MN])
def test_contract_fields_for_every_model(model):
    run = simulate(Workload.from_spec(SPEC), model)
    assert sorted(run.order) == [1, 2]
    assert len(run.finish_ns) == 2 and all(f > 0 for f in run.finish_ns)
    for name in ("preemptions", "handoffs", "threads"):
        assert isinstance(getattr(run, name), int) and getattr(run, name) >= 0
    tl = run.timeline()
    assert isinstance(tl, Timeline) and tl.source.startswith("model ")
    assert (tl.order, tl.finish_ns, tl.gomaxprocs) == (run.order, run.finish_ns, 1)


def test_simulate_uses_the_specs_gomaxprocs_unless_told():
    w = _hogs(4, gomaxprocs=3)
    assert simulate(w).gomaxprocs == 3
    assert simulate(w, gomaxprocs=1).gomaxprocs == 1


def test_gomaxprocs_1_runs_the_last_spawned_first_then_the_rest_fifo():
    # runqput(next=true) puts each new G in runnext and kicks the old one to the tail
    assert simulate(_hogs(6)).order == (6, 1, 2, 3, 4, 5)


def test_a_blocking_syscall_hands_off_the_p_under_mn_only():
    w = Workload.from_spec({"gomaxprocs": 1, "goroutines": [
        {"phases": [["syscall", 5_000_000]]}, {"phases": [["run", 1_000_000]]}]})
    assert simulate(w).handoffs == 1
    assert simulate(w, "n:1").handoffs == 0


def test_yield_lets_the_other_goroutine_run_first():
    w = Workload.from_spec({"gomaxprocs": 1, "goroutines": [
        {"phases": [["run", 1000], ["yield"], ["run", 1000]]}, {"phases": [["run", 50_000]]}]})
    run = simulate(w)
    assert run.finish_ns[0] > run.finish_ns[1]  # G1 yielded while G2 was queued


@pytest.mark.parametrize("spec, exc, field", [
    ([], TypeError, "spec"),
    ({"goroutines": []}, ValueError, "gomaxprocs"),
    ({"gomaxprocs": 1}, ValueError, "goroutines"),
    ({"gomaxprocs": 0, "goroutines": [{"phases": []}]}, ValueError, "gomaxprocs"),
    ({"gomaxprocs": 1.5, "goroutines": [{"phases": []}]}, TypeError, "gomaxprocs"),
    ({"gomaxprocs": 1, "goroutines": []}, ValueError, "goroutines"),
    ({"gomaxprocs": 1, "goroutines": {}}, TypeError, "goroutines"),
    ({"gomaxprocs": 1, "goroutines": [{"phases": []}], "spawn_gap_ns": -1}, ValueError,
     "spawn_gap_ns"),
    ({"gomaxprocs": 1, "goroutines": [{"phases": []}], "spawn_gap": 1}, ValueError, "spawn_gap"),
    ({"gomaxprocs": 1, "goroutines": [{}]}, ValueError, "goroutines[0]"),
    ({"gomaxprocs": 1, "goroutines": [{"phases": [["jump", 1]]}]}, ValueError,
     "goroutines[0].phases[0]"),
    ({"gomaxprocs": 1, "goroutines": [{"phases": [["run", 0]]}]}, ValueError,
     "goroutines[0].phases[0]"),
    ({"gomaxprocs": 1, "goroutines": [{"phases": [["run", "5"]]}]}, TypeError,
     "goroutines[0].phases[0]"),
    ({"gomaxprocs": 1, "goroutines": [{"phases": [["yield", 3]]}]}, ValueError,
     "goroutines[0].phases[0]"),
])
def test_bad_specs_name_the_field(spec, exc, field):
    with pytest.raises(exc, match=field.replace("[", r"\[").replace("]", r"\]")):
        Workload.from_spec(spec)


def test_an_unknown_model_name_is_a_value_error():
    with pytest.raises(ValueError, match="model"):
        simulate(Workload.from_spec(SPEC), "m:n")


def test_model_timeline_slices_and_sysmon_of_a_lone_syscall():
    # GOMAXPROCS=1, default costs: G1 starts at 650 ns (main's switch, the spawn, G1's switch:
    # 81 + 488 + 81), enters the syscall at 100.650 us, just after sysmon's first look
    # (87.741 us); the second look, at 175.482 us, only notes the syscall (sysmon's note of the
    # P's syscalltick is stale at zero: gmp.SYSCALLS_UNSEEN_AT_ZERO), the third, at 263.223 us,
    # takes the P, and a spinning M finds nothing, so every P idles and sysmon sleeps deeply until
    # exitsyscall wakes it. The syscall returns 69.475 us late (Costs.timer_late_ns) and G1 takes
    # the idle P back on its own thread (one thread ran it); sysmon looks once more before the end.
    spec = {"gomaxprocs": 1, "goroutines": [
        {"phases": [["run", 100_000], ["syscall", 5_000_000], ["run", 100_000]]}]}
    run = simulate(Workload.from_spec(spec))
    tl = run.timeline()
    assert tl.slices == (Slice(1, 0, 0, 650, 100_650, "syscall"),
                         Slice(1, 0, 0, 5_170_125, 5_270_125, "exit"))
    assert (tl.handoffs, tl.threads, run.threads_created, run.peak_threads) == (1, 1, 2, 2)
    assert [tuple(lk) for lk in run.sysmon] == [
        (87_741, 87_741, 4, 0, 0), (175_482, 87_741, 5, 0, 0), (263_223, 87_741, 0, 1, 0),
        (5_170_125, 4_906_902, 1, 0, 0), (5_257_866, 87_741, 2, 0, 0)]
