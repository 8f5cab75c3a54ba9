"""sched_lab: workloads by share of time in syscalls, side-by-side runs, sweeps, the fairness trap."""

import pytest

from gostack_kit.labs import sched as lab
from gostack_kit.labs.sched import (
    MAX_SHARE,
    MODELS,
    compare,
    fairness_chain,
    goroutine_memory,
    memory_sweep,
    share_workload,
)
from gostack_kit.realgo import load
from gostack_kit.sched.gmp import Model, simulate, stack_memory
from gostack_kit.sched.record import Costs, Ev, SchedEvent
from gostack_kit.sched.workload import Phase
from gostack_kit.widgets.sched import DEFAULT_GOROUTINES, SEED, default_run

US = 1000


@pytest.mark.parametrize("share", [0.05, 0.3, 0.5, 0.7, MAX_SHARE])
def test_share_workload_hits_the_target_share(share):
    w = share_workload(20_000, 5, share)
    assert w.syscall_share == pytest.approx(share, abs=0.01)


def test_share_zero_has_no_syscalls_and_bad_shares_raise():
    w = share_workload(50, 1, 0)
    assert all(k != Phase.SYSCALL for row in w.phases for k, _ in row) and w.syscall_share == 0
    with pytest.raises(ValueError, match="syscall_share"):
        share_workload(10, 1, 0.95)
    with pytest.raises(TypeError, match="syscall_share"):
        share_workload(10, 1, "half")
    assert share_workload(300, 9, 0.4) == share_workload(300, 9, 0.4)  # same seed, same program


def test_compare_is_one_simulate_per_model():
    w = share_workload(80, 2, 0.3)
    runs = compare(w, gomaxprocs=3, seed=4)
    assert tuple(runs) == MODELS
    for m, r in runs.items():
        alone = simulate(w, m, gomaxprocs=3, seed=4)
        assert (r.makespan_ns, r.threads_created, r.events) == (
            alone.makespan_ns, alone.threads_created, alone.events)


def test_memory_sweep_is_stack_memory_per_count():
    sweep = memory_sweep((1, 10, 1_000_000), gomaxprocs=4)
    assert sweep[Model.ONE_TO_ONE][-1] == stack_memory(1_000_000, Model.ONE_TO_ONE, gomaxprocs=4)
    assert [m.threads for m in sweep[Model.MN]] == [4, 4, 4]
    assert [m.threads for m in sweep[Model.ONE_TO_ONE]] == [1, 10, 1_000_000]


@pytest.mark.parametrize("links", [70, 100])
def test_fairness_chain_only_the_61st_tick_lets_g1_in(links):
    r = simulate(fairness_chain(links), gomaxprocs=1, costs=Costs.zero(), event_cap=100_000)
    got = [e for e in r.events if e.g == 1 and e.ev in (Ev.PARK, Ev.GLOBAL)]
    assert got == [SchedEvent(3 * US, 0, 1, Ev.PARK, 0), SchedEvent(116 * US, 0, 1, Ev.GLOBAL, 62)]
    assert r.makespan_ns == (2 * links + 2) * US  # every link and helper, G0 and G1: 1 us each
    with pytest.raises(ValueError, match="links"):
        fairness_chain(0)
    with pytest.raises(TypeError, match=r"links must be an integer in \[1, "):
        fairness_chain(70.0)


@pytest.mark.parametrize("link_us,helper_us", [(1, 1), (2, 3), (5, 1), (9, 9)])
def test_fairness_chain_times_scale_with_its_phases(link_us, helper_us):
    """G1 comes back on tick 61 (after 57 link+helper ticks and one link) or when the chain ends."""
    def back(links):
        work = fairness_chain(links, link_us=link_us, helper_us=helper_us)
        r = simulate(work, gomaxprocs=1, costs=Costs.zero(), event_cap=100_000)
        return next(e.t for e in r.events if e.g == 1 and e.ev == Ev.GLOBAL) // US

    tick = link_us + helper_us
    assert back(100) == 1 + link_us + 57 * tick  # the schedtick % 61 check fires first
    assert back(40) == 1 + 40 * tick  # 40 links end before tick 61: the ring runs dry
    with pytest.raises(ValueError, match=r"link_us must be .*\[1, 1000\]"):
        fairness_chain(10, link_us=0)
    with pytest.raises(TypeError, match="helper_us"):
        fairness_chain(10, helper_us=1.5)


def test_goroutine_memory_recorded_is_the_shipped_recording():
    source, probes = goroutine_memory("recorded")
    rec = load()
    assert source == f"recorded: {rec.go_version} {rec.platform}" and probes == rec.memory
    with pytest.raises(ValueError, match="prefer"):
        goroutine_memory("sometimes")


def test_dashboard_default_run_is_the_engine_call():
    r = default_run()
    alone = simulate(share_workload(DEFAULT_GOROUTINES, SEED, 0.3), Model.MN, gomaxprocs=2, seed=SEED)
    assert (r.makespan_ns, r.threads_created) == (alone.makespan_ns, alone.threads_created)


def test_batch_sweep_is_globrunqgetbatch_rule():
    # runtime/proc.go globrunqgetbatch: n = min(len(pp.runq)/2, size, size/gomaxprocs+1)
    assert lab.batch_sweep((3, 40, 1_000), (1, 4)) == (
        (3, 1, 3), (3, 4, 1), (40, 1, 40), (40, 4, 11), (1_000, 1, 128), (1_000, 4, 128))
    with pytest.raises(ValueError, match="gomaxprocs"):
        lab.batch_sweep((3,), (0,))


def test_real_vs_model_without_go_draws_the_recording(monkeypatch):
    from gostack_kit.plots import describe, sched_compare
    from gostack_kit.realgo import toolchain
    from gostack_kit.realgo.sched_runs import recorded_runs

    def missing():
        raise toolchain.GoNotFoundError()

    monkeypatch.setattr(toolchain, "find_go", missing)
    cmp = lab.real_vs_model("nb03")  # prefer="auto", as the notebook's live cell asks
    rec = recorded_runs(cmp.spec)
    assert [t.order for t in cmp.real] == [t.order for t in rec] and len(cmp.real) == len(rec)
    assert all(t.source == rec[0].source + " (no Go toolchain found)" for t in cmp.real)
    assert "(no Go toolchain found)" in describe(sched_compare.real_vs_model(cmp))
    with pytest.raises(toolchain.GoNotFoundError):
        lab.real_vs_model("nb03", prefer="live")


def test_hog_60_looks_follow_sysmon_and_retake():
    """The model's looks in hog-60, checked against the rules of sysmon and retake in runtime/proc.go."""
    from gostack_kit.plots import describe, sched_compare
    from gostack_kit.realgo.sched_suite import workload as named
    from gostack_kit.sched.sysmon import SYSMON_IDLE_AT_START, sysmon_sleep_ns

    looks = lab.sysmon_looks(named("hog-60"))
    idle, delay, noted, preempts = SYSMON_IDLE_AT_START, 20, None, []
    for i, lk in enumerate(looks):
        delay = 20 if idle == 0 else (min(2 * delay, 10_000) if idle > 50 else delay)  # sysmon's back-off
        assert lk.delay_ns == sysmon_sleep_ns(delay) and lk.handoffs == 0
        idle += 1  # no P is taken from a syscall, and a preemption does not reset idle
        assert lk.idle == idle
        if noted is None:
            noted = lk.t_ns  # retake writes down the tick it has not seen
        elif lk.t_ns >= noted + 10_000_000:  # forcePreemptNS after that look: preemptone
            preempts.append(i)
            noted = None  # the G comes back from the global queue on a new tick
        assert bool(lk.preempted) == (preempts[-1:] == [i])
    assert [looks[i].t_ns for i in preempts] == [s.end_ns for s in lab.model_timeline(named("hog-60")).slices
                                                   if s.why == "preempted"]
    text = describe(sched_compare.sysmon_sleeps(looks))
    assert f"{len(looks)} looks over {sched_compare.ms(looks[-1].t_ns)} ms" in text
    assert "preempting looks at " + ", ".join(f"{looks[i].t_ns / 1e6:.1f}" for i in preempts) + " ms" in text
