"""The 1:1 model meets notebook 02's thread limits: where pthread_create fails, and what a run
that stops there still obeys."""

from dataclasses import replace

import numpy as np
import pytest

from gostack_kit.address.limits import Limit, default_limits
from gostack_kit.labs.sched import compare, run_model, share_workload
from gostack_kit.sched.gmp import simulate
from gostack_kit.sched.record import Costs, Ev, Model, Span
from gostack_kit.sched.rivals import FAILING_CALL, limit_text, simulate_threads, spawn_failure, thread_cap
from gostack_kit.sched.workload import Workload, workload

BUSY = (Span.RUN, Span.SWITCH, Span.SPAWN, Span.THREAD)
SPAWN_ONLY = Costs(goroutine_switch_ns=0, goroutine_create_ns=0, thread_switch_ns=0,
                   thread_create_ns=2000)  # a 2 us clone, nothing else: times by hand


def maps(value: int):
    """default_limits() with vm.max_map_count = value (2 VMAs per thread: value // 2 threads)."""
    return replace(default_limits(), max_map_count=Limit("vm.max_map_count", value, "test", "process"))


def roomy():
    """Limits no 1:1 run here reaches: every enforced cap above 10 million threads."""
    big = 10**9
    lim = default_limits()
    return replace(lim, threads_max=replace(lim.threads_max, value=big),
                   pid_max=replace(lim.pid_max, value=big), nproc=replace(lim.nproc, value=big),
                   max_map_count=replace(lim.max_map_count, value=big))


def fan(n: int, row) -> Workload:
    """Main starts G1..Gn in order; each runs `row`."""
    return Workload.from_phases([[("go", i) for i in range(1, n + 1)]] + [row] * n)


def test_the_default_cap_is_notebook_02s_binding_limit():
    cap = thread_cap()
    assert (cap.name, cap.threads) == ("vm.max_map_count", 65_530 // 2)
    lim = replace(default_limits(), nproc=Limit("RLIMIT_NPROC (ulimit -u)", 100, "test", "user"))
    assert (thread_cap(lim).name, thread_cap(lim).threads) == ("RLIMIT_NPROC (ulimit -u)", 100)
    root = replace(lim, nproc=replace(lim.nproc, enforced=False))  # root: copy_process skips it
    assert thread_cap(root).name == "vm.max_map_count"
    space = thread_cap(roomy())  # no setting left low: 128 TiB / (8 MiB + 4 KiB) binds
    assert (space.name, space.threads, space.limit) == ("address space", 16_769_027, None)


def test_threads_that_never_exit_fail_at_the_first_thread_past_the_cap():
    run = simulate_threads(fan(20, [("park", 1000), ("compute", 1)]), "1:1", costs=SPAWN_ONLY,
                           limits=maps(21))
    assert (run.spawn_failed_at, run.thread_limit, run.thread_limit_name) == (11, 10, "vm.max_map_count")
    assert run.makespan_ns == 11 * 2000  # the 11th clone returns EAGAIN at 22 us
    assert (run.threads_created, run.peak_threads, run.memory.threads) == (11, 11, 11)
    assert (run.completion_ns == -1).all() and run.run_ns == 0 and run.busy_ns == 11 * 2000
    assert (run.thread_limit_value, limit_text(run)) == (21, "vm.max_map_count = 21")
    assert spawn_failure(run) == (
        "thread creation failed at goroutine 11: pthread_create returned EAGAIN "
        f"({FAILING_CALL['vm.max_map_count']}) because vm.max_map_count = 21 allows 10 threads "
        "besides main, and all were alive; the program stopped at 0.02 ms")
    lim = replace(roomy(), nproc=Limit("RLIMIT_NPROC (ulimit -u)", 5, "test", "user"))
    run = simulate_threads(fan(20, [("park", 1000)]), "1:1", costs=SPAWN_ONLY, limits=lim)
    assert (run.spawn_failed_at, limit_text(run)) == (6, "RLIMIT_NPROC (ulimit -u) = 5")
    assert "(clone: EAGAIN) because RLIMIT_NPROC (ulimit -u) = 5 allows 5" in spawn_failure(run)


def test_threads_that_exit_free_their_slot_and_the_run_is_cut_at_the_failure():
    # G(j) runs 2.5 us on core 1 from 2000 + 2500 (j-1) ns; clone k returns at 2000 k ns. With
    # room for 2 threads, clone 7 (at 14 us) finds G5 and G6 alive: G1..G4 ended at 4.5, 7, 9.5, 12 us.
    run = simulate_threads(fan(20, [("compute", 2.5)]), "1:1", costs=SPAWN_ONLY, limits=maps(5))
    assert (run.spawn_failed_at, run.thread_limit, run.makespan_ns) == (7, 2, 14_000)
    assert run.completion_ns[1:6].tolist() == [4500, 7000, 9500, 12_000, -1]
    assert run.run_ns == 4 * 2500 + 2000  # G5 was cut 0.5 us short of its end
    assert run.busy_per_p.tolist() == [7 * 2000, 12_000] and run.peak_threads == 3
    assert run.spans["end"].max() == 14_000 and run.threads_created == 7


def live_before_each_spawn(run):
    """(child, time, threads alive besides main just before it) per GO event, replayed from the log."""
    live, out = 0, []
    for e in run.events:
        if e.ev == Ev.GO:
            out.append((e.g, e.t, live))
            live += 1
        elif e.ev == Ev.EXIT and e.g != 0:
            live -= 1
    return out


@pytest.mark.parametrize("procs", [1, 3])
def test_the_failure_is_the_first_spawn_that_finds_the_cap_full_in_the_unlimited_run(procs):
    work = workload(1500, 5, blocking_fraction=0.4, network_fraction=0.2)
    free = simulate_threads(work, "1:1", gomaxprocs=procs, limits=roomy(), event_cap=10**6)
    cap = 60
    child, t, _ = next(s for s in live_before_each_spawn(free) if s[2] >= cap)
    run = simulate_threads(work, "1:1", gomaxprocs=procs, limits=maps(2 * cap + 1))
    assert (run.spawn_failed_at, run.makespan_ns, run.thread_limit) == (child, t, cap)
    done = run.completion_ns >= 0  # the run is the unlimited one, up to the failure
    assert np.array_equal(run.completion_ns[done], free.completion_ns[done])
    assert (free.completion_ns[~done] >= t).all()


@pytest.mark.parametrize("procs", [1, 2, 4])
def test_laws_of_a_run_that_fails(procs):
    work = workload(800, 2, blocking_fraction=0.3, network_fraction=0.3)
    run = simulate_threads(work, "1:1", gomaxprocs=procs, limits=maps(81))
    s = run.spans
    assert run.spawn_failed_at is not None and not run.spans_truncated
    assert run.peak_threads == run.thread_limit + 1 == 41  # main and a full cap
    assert s["end"].max() <= run.makespan_ns and (s["end"] > s["start"]).all()
    assert run.run_ns == int((s["end"] - s["start"])[s["kind"] == Span.RUN].sum()) < run.demand_ns
    busy = np.isin(s["kind"], BUSY)
    assert run.busy_ns == int((s["end"] - s["start"])[busy].sum()) == int(run.busy_per_p.sum())
    for p in range(procs):  # a core never runs two things at once
        mine = s[s["p"] == p]
        assert (mine["start"][1:] >= mine["end"][:-1]).all()
    finished = np.flatnonzero(run.completion_ns >= 0)
    assert (run.completion_ns[finished] <= run.makespan_ns).all()
    ran = dict.fromkeys(range(run.n_goroutines), 0)
    for sp in s[s["kind"] == Span.RUN]:
        ran[int(sp["g"])] += int(sp["end"] - sp["start"])
    for g in finished:  # every finished goroutine got all of its compute
        assert ran[g] == sum(v for k, v in work.phases[g] if k == 0)
    assert ran[run.spawn_failed_at] == 0 and run.completion_ns[run.spawn_failed_at] == -1
    assert run.threads_created == run.counts.spawns + 1


@pytest.mark.parametrize("procs", [1, 2, 4])
def test_laws_of_a_run_within_the_limit_are_unchanged(procs):
    work = workload(800, 2, blocking_fraction=0.3, network_fraction=0.3)
    run = simulate_threads(work, "1:1", gomaxprocs=procs)
    old = simulate(work, "1:1", gomaxprocs=procs)  # gmp's path: no limit at all
    assert run.spawn_failed_at is None and run.thread_limit == 32_765
    free = simulate_threads(work, "1:1", gomaxprocs=procs, limits=roomy())
    assert (free.thread_limit_name, free.thread_limit_value, limit_text(free)) == \
        ("address space", None, "address space")
    assert run.run_ns == run.demand_ns and run.peak_threads <= run.thread_limit + 1
    assert run.makespan_ns == old.makespan_ns and np.array_equal(run.spans, old.spans)
    assert run.summary() == old.summary() and spawn_failure(run) is None
    n1 = simulate_threads(work, "n:1")
    assert (n1.thread_limit, n1.thread_limit_name, n1.spawn_failed_at) == (None, None, None)
    assert n1.summary() == simulate(work, "n:1").summary()


def test_the_peak_is_the_most_threads_alive_at_once_not_the_count_created():
    run = run_model(share_workload(5000, 1, 0.3), Model.ONE_TO_ONE, limits=roomy(), event_cap=10**6)
    live = [s[2] + 1 for s in live_before_each_spawn(run)]  # + the new thread
    assert run.threads_created == 5000 and run.peak_threads == max(live) + 1 < 5000  # + main
    assert run.memory.threads == run.peak_threads


def test_compare_passes_limits_to_1_1_only():
    work = share_workload(3000, 1, 0.3)
    runs = compare(work, limits=maps(201))
    assert runs[Model.ONE_TO_ONE].spawn_failed_at is not None
    assert runs[Model.ONE_TO_ONE].thread_limit == 100
    assert runs[Model.MN].summary() == simulate(work, Model.MN).summary()
    assert runs[Model.N_TO_ONE].spawn_failed_at is None


def test_bad_arguments_name_themselves():
    work = fan(2, [("compute", 1)])
    with pytest.raises(ValueError, match="model must be '1:1' or 'n:1'"):
        simulate_threads(work, "mn")
    with pytest.raises(ValueError, match="model must be one of"):
        run_model(work, "2:1")
    with pytest.raises(TypeError, match="limits must be a Limits"):
        simulate_threads(work, "1:1", limits={"vm.max_map_count": 10})
    with pytest.raises(TypeError, match="work must be a Workload"):
        simulate_threads([[("compute", 1)]], "1:1")
    with pytest.raises(ValueError, match=r"gomaxprocs must be an integer in \[1, 256\]"):
        simulate_threads(work, "1:1", gomaxprocs=0)
    with pytest.raises(TypeError, match="costs must be a Costs"):
        simulate_threads(work, "1:1", costs=3)
    with pytest.raises(TypeError, match="run must be a SchedRun"):
        spawn_failure("run")


SLOW_SWITCH = Costs(goroutine_switch_ns=0, goroutine_create_ns=0, thread_switch_ns=3000,
                    thread_create_ns=2000)


@pytest.mark.parametrize("child", [[("compute", 2.5)], [("park", 5), ("compute", 1)]])
def test_a_switch_in_flight_is_cut_at_the_failure(child):
    # main: switch [0, 3), clone G1 [3, 5), clone G2 [5, 7) us: EAGAIN with room for one thread.
    # core 1 switches to G1 over [5, 8) us: cut at 7; G1's own phase never starts.
    run = simulate_threads(fan(2, child), "1:1", costs=SLOW_SWITCH, limits=maps(3))
    assert (run.spawn_failed_at, run.makespan_ns, run.run_ns) == (2, 7000, 0)
    assert run.busy_per_p.tolist() == [7000, 2000]
    assert [tuple(int(x) for x in s) for s in run.spans] == [
        (0, 0, 0, 3000, Span.SWITCH), (0, 0, 3000, 5000, Span.SPAWN),
        (1, 1, 5000, 7000, Span.SWITCH), (0, 0, 5000, 7000, Span.SPAWN)]


def test_another_threads_clone_in_flight_is_cut_at_the_failure():
    # G1 computes [2, 3) us on core 1 then clones G3 over [3, 5); main's clone of G2 fails at 4.
    work = Workload.from_phases([[("go", 1), ("go", 2)], [("compute", 1), ("go", 3)],
                                 [("compute", 1)], [("compute", 1)]])
    run = simulate_threads(work, "1:1", costs=SPAWN_ONLY, limits=maps(3))
    assert (run.spawn_failed_at, run.makespan_ns, run.run_ns) == (2, 4000, 1000)
    assert run.busy_per_p.tolist() == [4000, 2000] and run.spans["end"].max() == 4000
