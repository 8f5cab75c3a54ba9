"""Tests for the G/M/P scheduler and its 1:1 / N:1 rivals: whole event logs, mechanisms, laws.

Hand-checked cases use Costs.zero(), so every time below is a sum of the phases written in
the workload (microseconds in, nanoseconds out).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gostack_kit.sched.gmp import (
    Model,
    global_batch,
    simulate,
    stack_memory,
    steal_count,
)
from gostack_kit.sched.record import Costs, Ev, SchedEvent, Span
from gostack_kit.sched.sysmon import SLEEP_NS, SYSMON_IDLE_AT_START, SYSMON_IDLE_LOOKS, SYSMON_MIN_US
from gostack_kit.sched.workload import Phase, Spawn, Workload, workload

Z = Costs.zero()
US = 1000
L = SLEEP_NS[SYSMON_MIN_US]  # sysmon's look-to-look time while it looks fast: usleep(20), measured


def run(rows, model=Model.MN, procs=1, **kw):
    return simulate(Workload.from_phases(rows), model, gomaxprocs=procs, costs=Z,
                    event_cap=100_000, **kw)


def span_rows(r):
    return [tuple(int(x) for x in s) for s in r.spans]


def test_whole_log_two_ps_three_goroutines():
    # G0 starts G1 and G2; G1 lands on the ring (kicked out of runnext by G2), so the woken
    # P1 steals it; G2 runs from runnext on P0, inheriting G0's slice, then makes a syscall
    # that sysmon leaves alone (nothing else to do and P1 is idle). Main's P0 starts at the
    # schedtick the probe leaves at GOMAXPROCS=2 (gmp.MAIN_SCHEDTICK_AT_ZERO: 2, then main's 3rd).
    r = run([[("go", 1), ("go", 2), ("compute", 10)],
             [("compute", 20)],
             [("compute", 5), ("syscall", 50), ("compute", 5)]], procs=2)
    assert r.events == (
        SchedEvent(0, 0, 0, Ev.LOCAL, 3),
        SchedEvent(0, 0, 1, Ev.GO, 0),
        SchedEvent(0, 1, -1, Ev.NEWM, 2),
        SchedEvent(0, 0, 2, Ev.GO, 0),
        SchedEvent(0, 1, 1, Ev.STEAL, 1),
        SchedEvent(10 * US, 0, 0, Ev.EXIT, 0),
        SchedEvent(10 * US, 0, 2, Ev.RUNNEXT, 3),
        SchedEvent(15 * US, 0, 2, Ev.SYSCALL, 50 * US),
        SchedEvent(20 * US, 1, 1, Ev.EXIT, 0),
        SchedEvent(65 * US, 0, 2, Ev.EXITSYSCALL, 1),
        SchedEvent(70 * US, 0, 2, Ev.EXIT, 0),
    )
    assert span_rows(r) == [
        (0, 0, 0, 10 * US, Span.RUN),
        (1, 1, 0, 20 * US, Span.RUN),
        (0, 2, 10 * US, 15 * US, Span.RUN),
        (0, 2, 15 * US, 65 * US, Span.SYSCALL),
        (0, 2, 65 * US, 70 * US, Span.RUN),
    ]
    assert r.completion_ns.tolist() == [10 * US, 20 * US, 70 * US]
    assert (r.makespan_ns, r.threads_created, r.counts.steals, r.counts.handoffs) == (
        70 * US, 2, 1, 0)
    s = r.summary()  # 40 us of work on 2 Ps over 70 us; m0 + one M with 8 MiB stacks
    assert (s["makespan_ms"], s["utilization_pct"], s["overhead_pct"]) == (0.07, 28.6, 0.0)
    assert s["stack_MiB"] == round((3 * 2528 + 2 * ((8 << 20) + 4096)) / 2**20, 1)


def test_switch_and_creation_costs_are_charged():
    w = Workload.from_phases([[("go", 1), ("compute", 10)], [("compute", 5)]])
    costs = Costs(goroutine_switch_ns=200, goroutine_create_ns=500, thread_switch_ns=2000,
                  thread_create_ns=15000)
    mn = simulate(w, Model.MN, gomaxprocs=1, costs=costs)
    assert span_rows(mn) == [
        (0, 0, 0, 200, Span.SWITCH), (0, 0, 200, 700, Span.SPAWN),
        (0, 0, 700, 10_700, Span.RUN), (0, 1, 10_700, 10_900, Span.SWITCH),
        (0, 1, 10_900, 15_900, Span.RUN)]
    one = simulate(w, Model.ONE_TO_ONE, gomaxprocs=1, costs=costs)
    assert span_rows(one) == [
        (0, 0, 0, 2000, Span.SWITCH), (0, 0, 2000, 17_000, Span.SPAWN),
        (0, 0, 17_000, 27_000, Span.RUN), (0, 1, 27_000, 29_000, Span.SWITCH),
        (0, 1, 29_000, 34_000, Span.RUN)]
    assert (mn.busy_ns, one.busy_ns) == (15_900, 34_000)


def test_runnext_runs_first_and_inherits_the_time_slice():
    # One P: G0 computes 14.9 ms, then G1 (in runnext) 1 ms. sysmon starts with idle 3 and
    # looks every L = 87.741 us (usleep(20), measured); after its 48th look (idle past 50) the
    # sleeps double (SLEEP_NS, measured), so the looks around 10 ms fall at 9.773 and 14.966 ms.
    # The first look (at L) saw schedtick 3 (gmp.MAIN_SCHEDTICK_AT_ZERO at GOMAXPROCS=1), and the
    # look at 9.773 ms is under 10 ms after it. At 14.9 ms G0 is done, and G1 runs from runnext
    # on G0's slice (schedtick still 3), so the look at 14.966 ms, over 10 ms after the first,
    # preempts it after only 66 us of its 1 ms; back from the global queue it starts a fresh
    # slice, schedtick 4.
    r = run([[("go", 1), ("compute", 14_900)], [("compute", 1000)]])
    looks = [lk.t_ns for lk in r.sysmon]
    fast = SYSMON_IDLE_LOOKS - SYSMON_IDLE_AT_START + 1  # looks until idle passes 50
    assert fast == 48 and looks[:fast] == [L * k for k in range(1, fast + 1)]
    doubling = [SLEEP_NS[20 * 2 ** k] for k in range(1, 9)] + [SLEEP_NS[5120]]  # 40 us .. 5120 us
    assert looks[fast:] == [fast * L + sum(doubling[:k + 1]) for k in range(8)]
    assert looks[-2:] == [9_772_933, 14_966_213]
    end = 14_900 * US
    assert r.events == (
        SchedEvent(0, 0, 0, Ev.LOCAL, 3),
        SchedEvent(0, 0, 1, Ev.GO, 0),
        SchedEvent(end, 0, 0, Ev.EXIT, 0),
        SchedEvent(end, 0, 1, Ev.RUNNEXT, 3),  # schedtick unchanged: the slice is inherited
        SchedEvent(looks[-1], 0, 1, Ev.PREEMPT, end + 1000 * US - looks[-1]),  # work left
        SchedEvent(looks[-1], 0, 1, Ev.PARK, 0),
        SchedEvent(looks[-1], 0, 1, Ev.GLOBAL, 4),
        SchedEvent(end + 1000 * US, 0, 1, Ev.EXIT, 0),
    )
    assert (r.counts.preemptions, r.counts.main_preemptions, r.preemptions) == (1, 0, 1)
    assert [lk.preempted for lk in r.sysmon] == [0] * 55 + [1]
    assert [lk.idle for lk in r.sysmon] == list(range(4, 60))  # preempting is not "work"


def test_new_go_takes_runnext_and_kicks_the_old_one_to_the_tail():
    r = run([[("go", 1), ("go", 2), ("go", 3), ("compute", 1)]] + [[("compute", 1)]] * 3)
    order = [e.g for e in r.events if e.ev in (Ev.RUNNEXT, Ev.LOCAL)]
    assert order == [0, 3, 1, 2]
    # G3 inherits main's slice: schedtick 3, where the probe leaves it (MAIN_SCHEDTICK_AT_ZERO)
    assert r.events_of(Ev.RUNNEXT) == (SchedEvent(1 * US, 0, 3, Ev.RUNNEXT, 3),)


def test_global_queue_checked_every_61st_schedtick():
    # A chain L1 -> L2 -> ... respawns itself through the local ring: L(i) starts L(i+1),
    # then Y(i), which kicks L(i+1) out of runnext into the ring. The ring is never empty
    # when the P looks, so only the schedtick % 61 check lets G1 (on the global queue since
    # its Gosched at 3 us) run. Main starts on schedtick 3 (MAIN_SCHEDTICK_AT_ZERO), so L(k)
    # runs with schedtick k+3, at [2k-1, 2k] us; L58, on tick 61, exits at 116 us.
    k = 100
    rows = [[("go", 1), ("compute", 1), ("go", 2)], [("yield", 1), ("compute", 1)]]
    for i in range(1, k + 1):
        rows.append([("compute", 1), ("go", 2 * i + 2), ("go", 2 * i + 1)] if i < k
                    else [("compute", 1), ("go", 2 * i + 1)])
        rows.append([("compute", 1)])
    r = run(rows)
    got = [e for e in r.events if e.g == 1 and e.ev in (Ev.PARK, Ev.GLOBAL, Ev.EXIT)]
    assert got == [SchedEvent(3 * US, 0, 1, Ev.PARK, 0),
                   SchedEvent(116 * US, 0, 1, Ev.GLOBAL, 62),
                   SchedEvent(117 * US, 0, 1, Ev.EXIT, 0)]
    assert r.completion_ns[-1] == 202 * US  # the chain still had 42 links to go


def test_a_sleeper_is_readied_into_runnext_by_the_p_that_runs_its_timer():
    # time.Sleep leaves a timer on the sleeper's P. G2 (from runnext) sleeps 5 us at time 0,
    # then G1 holds the only P for 30 us; only that P's next schedule() runs the timer
    # (findRunnable checks its timers first), so G2 wakes at 30 us, not at 5, into runnext.
    # schedtick: 3 is main's (MAIN_SCHEDTICK_AT_ZERO), G2 inherits it, G1's fresh slice is 4.
    r = run([[("go", 1), ("go", 2)], [("compute", 30)], [("park", 5), ("compute", 1)]])
    assert [e for e in r.events if e.g == 2] == [
        SchedEvent(0, 0, 2, Ev.GO, 0), SchedEvent(0, 0, 2, Ev.RUNNEXT, 3),
        SchedEvent(0, 0, 2, Ev.PARK, 5 * US), SchedEvent(30 * US, 0, 2, Ev.READY, 0),
        SchedEvent(30 * US, 0, 2, Ev.RUNNEXT, 4), SchedEvent(31 * US, 0, 2, Ev.EXIT, 0)]
    # alone on its P, the sleeper waits on netpoll, whose epoll_wait timeout is in whole ms and
    # at least 1 (netpoll_epoll.go): the M wakes 1 ms after G2 parked, 995 us after its timer
    alone = run([[("go", 1)], [("park", 5), ("compute", 1)]])
    assert alone.completion_ns.tolist() == [0, 1001 * US]
    # 1.7 ms away, the timer is looked at after 1 ms, then after 1 more: 0.3 ms late
    assert run([[("go", 1)], [("park", 1700), ("compute", 1)]]).completion_ns.tolist() == [0, 2001 * US]
    # a whole number of ms away, the timeout lands on it
    assert run([[("go", 1)], [("park", 3000), ("compute", 1)]]).completion_ns.tolist() == [0, 3001 * US]


@pytest.mark.parametrize("children,slow", [(257, 0), (258, 1)])
def test_runqputslow_when_the_ring_of_256_overflows(children, slow):
    rows = [[("go", g) for g in range(1, children + 1)]] + [[("compute", 1)]] * children
    r = run(rows)
    assert r.counts.putslow == slow
    if slow:  # G257 kicked out of runnext finds 256 in the ring: G1..G128 + G257 move
        assert r.events_of(Ev.PUTSLOW) == (SchedEvent(0, 0, 257, Ev.PUTSLOW, 129),)
        first = r.samples[0]  # state after time 0: G258 has left runnext to run
        assert (first["t"], first["global_len"], first["local_len"]) == (0, 129, 128)
        assert r.completion_ns[1] > r.completion_ns[129]  # G1 waited on the global queue
    else:
        assert r.samples[0]["global_len"] == 0


def test_steal_takes_half_rounded_up_and_last_pass_takes_runnext():
    # P0 keeps G0 busy for 100 us with G1..G5 in its ring and G6 in runnext.
    rows = [[("go", g) for g in range(1, 7)] + [("compute", 100)]] + [[("compute", 10)]] * 6
    r = run(rows, procs=2)
    assert [(e.t, e.g) for e in r.events_of(Ev.STEAL)] == [
        (0, 3), (30 * US, 4), (40 * US, 5), (50 * US, 6)]  # 3 of 5, 1 of 2, 1 of 1, runnext
    assert (r.counts.steals, r.counts.stolen) == (4, 6)
    assert r.completion_ns.tolist() == [100 * US, 20 * US, 30 * US, 10 * US, 40 * US,
                                        50 * US, 60 * US]
    assert [steal_count(n) for n in (1, 2, 5, 256)] == [1, 1, 3, 128]


def test_global_batch_size():
    assert [global_batch(s, p) for s, p in [(1, 1), (10, 2), (10, 1), (1000, 1), (129, 64)]] \
        == [1, 6, 10, 128, 3]


def test_syscall_hands_off_the_p_to_a_new_m():
    # sysmon's note of the P's syscalltick is stale at zero (SYSCALLS_UNSEEN_AT_ZERO), so its
    # first look (at L = 87.741 us) only writes the tick down and the second (2L) takes the P
    # (retake: the same syscall seen twice, no P idle or spinning). handoffp finds G1 in runnext
    # and starts a new M for it. At 250 us G0 returns to find its P busy and no idle one:
    # exitsyscallNoP queues it globally and parks the M. Main's schedtick is 3
    # (MAIN_SCHEDTICK_AT_ZERO); G1 inherits it, G0's return is a fresh slice, 4.
    rows = [[("go", 1), ("syscall", 250), ("compute", 10)], [("compute", 100)]]
    r = run(rows)
    assert r.events == (
        SchedEvent(0, 0, 0, Ev.LOCAL, 3),
        SchedEvent(0, 0, 1, Ev.GO, 0),
        SchedEvent(0, 0, 0, Ev.SYSCALL, 250 * US),
        SchedEvent(2 * L, 0, 0, Ev.RETAKE, 2 * L),
        SchedEvent(2 * L, 0, -1, Ev.NEWM, 2),
        SchedEvent(2 * L, 0, 1, Ev.RUNNEXT, 3),
        SchedEvent(250 * US, -1, 0, Ev.EXITSYSCALL, 0),
        SchedEvent(2 * L + 100 * US, 0, 1, Ev.EXIT, 0),
        SchedEvent(2 * L + 100 * US, 0, 0, Ev.GLOBAL, 4),
        SchedEvent(2 * L + 110 * US, 0, 0, Ev.EXIT, 0),
    )
    assert (r.threads_created, r.threads, r.counts.handoffs) == (2, 1, 1)  # m0 ran only main
    i0 = SYSMON_IDLE_AT_START + 1
    assert [(lk.t_ns, lk.handoffs, lk.idle) for lk in r.sysmon] == [(L, 0, i0), (2 * L, 1, 0), (3 * L, 0, 1)]
    for ns in (15, 150):  # back before the second look: the P never left its M
        short = run([[("go", 1), ("syscall", ns), ("compute", 10)], [("compute", 50)]])
        assert (short.threads_created, short.counts.handoffs) == (1, 0)
        assert short.completion_ns.tolist() == [(ns + 10) * US, (ns + 60) * US]


def test_a_second_syscall_is_retaken_only_on_a_second_look():
    # After the first hand-off (at 2L) sysmon looks every L. G0 is back on its idle P at 250 us
    # and in a second syscall from 260 us: the look at 3L only notes it (syscalltick has
    # changed), the one at 4L takes the P (no P is idle or spinning).
    r = run([[("syscall", 250), ("compute", 10), ("syscall", 400), ("compute", 10)]])
    takes = [(e.t, e.value) for e in r.events_of(Ev.RETAKE)]
    assert takes == [(2 * L, 2 * L), (4 * L, 4 * L - 260 * US)]
    assert [lk.t_ns for lk in r.sysmon][:4] == [L, 2 * L, 3 * L, 4 * L]


def test_known_long_syscall_hands_off_at_once():
    r = run([[("go", 1), ("block", 100), ("compute", 10)], [("compute", 50)]])
    assert r.events == (
        SchedEvent(0, 0, 0, Ev.LOCAL, 3),
        SchedEvent(0, 0, 1, Ev.GO, 0),
        SchedEvent(0, 0, 0, Ev.SYSCALL, 100 * US),
        SchedEvent(0, 0, 0, Ev.RETAKE, 0),
        SchedEvent(0, 0, -1, Ev.NEWM, 2),
        SchedEvent(0, 0, 1, Ev.RUNNEXT, 3),  # main's schedtick 3 (MAIN_SCHEDTICK_AT_ZERO), inherited
        SchedEvent(50 * US, 0, 1, Ev.EXIT, 0),
        SchedEvent(100 * US, 0, 0, Ev.EXITSYSCALL, 1),
        SchedEvent(110 * US, 0, 0, Ev.EXIT, 0),
    )
    assert r.counts.handoffs == 1


def test_parked_goroutines_hold_no_thread():
    n = 1000
    rows = [[("go", g) for g in range(1, n + 1)]] + [[("park", 1000), ("compute", 10)]] * n
    mn = run(rows, procs=2)
    parked = np.cumsum([+1 if e.ev == Ev.PARK else -1 for e in mn.events_of(Ev.PARK, Ev.READY)])
    assert parked.max() == n
    assert mn.threads_created == 2  # m0 and the M woken for P1, no matter how many wait
    one = run(rows, Model.ONE_TO_ONE, procs=2)
    assert one.threads_created == n + 1 == one.peak_threads


def test_n_to_one_syscall_stalls_everyone():
    rows = [[("go", 1), ("go", 2)], [("syscall", 100)], [("compute", 10)]]
    n1 = run(rows, Model.N_TO_ONE)
    assert span_rows(n1) == [(0, 1, 0, 100 * US, Span.SYSCALL), (0, 2, 100 * US, 110 * US, 0)]
    assert n1.completion_ns.tolist() == [0, 100 * US, 110 * US]
    one = run(rows, Model.ONE_TO_ONE)
    assert one.completion_ns.tolist() == [0, 100 * US, 10 * US]
    assert (n1.threads_created, one.threads_created) == (1, 3)


def test_one_to_one_makes_a_thread_per_goroutine():
    w = workload(300, 7, spawn=Spawn.TREE)
    r = simulate(w, Model.ONE_TO_ONE, gomaxprocs=4)
    assert r.threads_created == 300 and r.peak_threads <= 300
    assert r.memory.thread_bytes == r.peak_threads * ((8 << 20) + 4096)


def test_kernel_slice_preempts_threads():
    rows = [[("go", 1), ("compute", 5000)], [("compute", 5000)]]
    r = simulate(Workload.from_phases(rows), Model.ONE_TO_ONE, gomaxprocs=1,
                 costs=Costs(0, 0, 0, 0, kernel_slice_ns=3_000_000))
    assert [(e.t, e.g) for e in r.events_of(Ev.PREEMPT)] == [(3_000_000, 0), (6_000_000, 1)]
    assert r.completion_ns.tolist() == [8_000_000, 10_000_000]


def test_syscall_share_of_a_workload():
    w = Workload.from_phases([[("go", 1), ("compute", 10), ("syscall", 30)],
                              [("block", 5), ("park", 15), ("compute", 40)]])
    assert w.syscall_share == 35 / 100 and w.demand_ns == 50 * US
    assert workload(100, 1, blocking_fraction=0.0).syscall_share == 0.0


def test_deterministic_for_a_seed():
    a, b = (simulate(workload(2000, 5, network_fraction=0.3), gomaxprocs=4, seed=9)
            for _ in range(2))
    assert a.events == b.events and np.array_equal(a.spans, b.spans)
    assert np.array_equal(a.completion_ns, b.completion_ns) and a.counts == b.counts
    assert workload(50, 1) == workload(50, 1) != workload(50, 2)


def test_timeline_cap_keeps_totals_exact():
    w = workload(200, 3)
    r = simulate(w, gomaxprocs=2, timeline_cap=10)
    assert r.spans_truncated and len(r.spans) == 10
    assert r.run_ns == w.demand_ns


def test_samples_are_thinned_to_an_even_grid():
    r = simulate(workload(500, 4), gomaxprocs=2, sample_cap=16)
    t = r.samples["t"]
    assert 8 <= len(t) < 16 and np.all(np.diff(t) == t[1]) and t[0] == 0
    assert r.local_samples.shape == (len(t), 2)
    assert np.array_equal(r.local_samples.sum(axis=1), r.samples["local_len"])


def test_stack_memory_for_a_million_goroutines():
    mn = stack_memory(1_000_000, Model.MN, gomaxprocs=8)
    assert (mn.goroutine_bytes, mn.thread_bytes) == (2_528_000_000, 8 * 8_392_704)
    one = stack_memory(1_000_000, Model.ONE_TO_ONE)
    assert (one.goroutine_bytes, one.total_bytes) == (0, 8_392_704_000_000)
    assert stack_memory(10, Model.N_TO_ONE).threads == 1


@pytest.mark.parametrize("call,exc,words", [
    (lambda: simulate(workload(3, 0), "M:N"), ValueError, "model"),  # names: mn, 1:1, n:1
    (lambda: simulate(workload(3, 0), 3), TypeError, "model"),
    (lambda: simulate(workload(3, 0), gomaxprocs=0), ValueError, "gomaxprocs"),
    (lambda: simulate(workload(3, 0), gomaxprocs=2.5), TypeError, "gomaxprocs"),
    (lambda: simulate([[("compute", 1)]]), TypeError, "work"),
    (lambda: workload(0, 1), ValueError, "n_goroutines"),
    (lambda: workload(5, -1), ValueError, "seed"),
    (lambda: workload(5, 1, blocking_fraction=1.5), ValueError, "blocking_fraction"),
    (lambda: workload(5, 1, blocking_fraction=0.7, network_fraction=0.7), ValueError,
     "network_fraction"),
    (lambda: workload(5, 1, spawn="tree"), TypeError, "spawn"),
    (lambda: Workload.from_phases([[("compute", 1)], [("compute", 1)]]), ValueError, "G1"),
    (lambda: Workload.from_phases([[("sleep", 1)]]), ValueError, "kind"),
    (lambda: Workload.from_phases([[("compute", -3)]]), ValueError, "compute"),
    (lambda: Workload(((("compute", 5),),)), TypeError, "phases"),
    (lambda: Workload(((Phase.GO, 1),)), TypeError, "pairs"),
    (lambda: Workload(((), ((Phase.GO, 2),), ((Phase.GO, 1),))), ValueError, "reachable"),
    (lambda: Costs(goroutine_switch_ns=-1), ValueError, "goroutine_switch_ns"),
    (lambda: stack_memory(10, "1:1"), TypeError, "model"),
])
def test_bad_input_names_the_argument(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), seed=st.integers(0, 10**6), procs=st.integers(1, 5),
       fb=st.floats(0, 0.6), fn=st.floats(0, 0.4), model=st.sampled_from(list(Model)),
       tree=st.booleans())
def test_laws_work_conservation_and_overheads(n, seed, procs, fb, fn, model, tree):
    w = workload(n, seed, blocking_fraction=fb, network_fraction=fn, bursts=3,
                 spawn=Spawn.TREE if tree else Spawn.MAIN)
    costs = Costs()
    r = simulate(w, model, gomaxprocs=procs, costs=costs, seed=seed)
    cores = 1 if model is Model.N_TO_ONE else procs
    assert r.run_ns == w.demand_ns  # every model does exactly the demanded work
    assert r.makespan_ns * cores >= r.busy_ns >= w.demand_ns
    if model is Model.MN:
        over = (costs.goroutine_switch_ns * r.counts.context_switches
                + costs.goroutine_create_ns * r.counts.spawns
                + costs.thread_create_ns * (r.threads_created - 1)
                + costs.thread_wake_ns * r.counts.wakeups)
    elif model is Model.ONE_TO_ONE:
        over = (costs.thread_switch_ns * r.counts.context_switches
                + costs.thread_create_ns * r.counts.spawns)
    else:
        over = (costs.goroutine_switch_ns * r.counts.context_switches
                + costs.goroutine_create_ns * r.counts.spawns)
    assert r.busy_ns == r.run_ns + over
    for p in range(cores):  # a P never does two things at once
        s = np.sort(r.spans_of(p), order="start")
        assert np.all(s["start"][1:] >= s["end"][:-1])
    own = [sum(v for k, v in row if k != Phase.GO) for row in w.phases]
    assert np.all(r.completion_ns >= np.array(own))
