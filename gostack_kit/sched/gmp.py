"""The G/M/P scheduler, one method per runtime function, beside 1:1 threads and N:1 green threads.

Go runs G (goroutines) on M (OS threads); an M needs a P (one of GOMAXPROCS slots) to run
Go code. `Sched` is a discrete-event model whose methods are named after, and follow, the
functions of `runtime/proc.go` (Go 1.27); read it beside them.

    newproc ──runqput(next)──> P.runnext ─kick─> P.runq[256] ─full─> runqputslow ─> global runq
    schedule ─> findRunnable: timers of this P ─> global (every 61st schedtick) ─> runqget
                 ─> globrunqgetbatch ─> stealWork (half a ring; timers and runnext last)
                 ─> nothing: P to pidle; the M blocks in netpoll until the next timer, or stopm
                    (netpoll's epoll_wait counts whole ms, at least 1: a short sleep ends late)
    execute ─> a fresh time slice (schedtick++) unless the G came from runnext
    entersyscall: the P stays with the M ... sysmon's retake may take it (handoffp ─> startm)
    exitsyscall:  P still ours (fast) | exitsyscallTryGetP: an idle P | exitsyscallNoP: global
    time.Sleep:   gopark, a timer on this P; ready() puts the G in runnext of whoever runs it
    Gosched, and preemption by sysmon (sysmon.py): goschedImpl, the G to the global queue

Invariants (checked or tested): a G runs on at most one M, an M holds at most one P; a P is
idle (in pidle) or held by exactly one M; len(runq) <= 256; the RUN spans add up to the
compute demand; equal times are broken by event sequence number; the only randomness, the
order stealWork visits victims, comes from `seed`.

What the model leaves out, so a reader knows what not to trust: the four stealWork passes
happen at one instant, so passes 2 and 3 repeat pass 1 and are skipped, and the 3 us pause
before stealing a running P's runnext is not modelled; preemption lands the moment sysmon
asks (no signal latency); a G preempted outside a compute phase stops at its next one; there
is no GC, no network poller traffic and no LockOSThread; every go statement costs a reused
G's creation (gfget), never a fresh one's (malg: a new g and stack), which is why the real
harness (realgo/sched_trace.py) frees warm-up Gs before zero; nothing is charged for runtime/trace,
whose events the real runs pay for; and each M with a P has a CPU of its own, so GOMAXPROCS
above the machine's CPUs shares nothing. The event heap and
its run loop (at, run, the check that some G can still finish) are loop.Loop's, which the
1:1 and N:1 rivals (rivals.py) run on too; only the policy here is Go's.

Rejected alternatives, which the runtime's own history also shows: one global queue under
one lock (Go 1.0: every schedule contends for it); run queues on Ms rather than Ps (a thread
blocked in a syscall would sit on runnable work); handing off the P on every syscall (most
return within microseconds, so sysmon takes the P only after seeing the syscall twice).
"""

from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np

from .execute import M, Running
from .loop import Loop, checked, need_workload, record_fields, recorder
from .record import (
    MAX_GOMAXPROCS,
    Costs,
    Ev,
    Model,
    Recorder,
    SchedRun,
    Span,
    stack_memory,
)
from .rivals import simulate_threads
from .runq import (
    P_IDLE,
    P_RUNNING,
    RUNQ_SIZE,
    P,
    global_batch,
    globrunqgetbatch,
    runqget,
    runqgrab,
    runqput,
    steal_count,
)
from .sysmon import FORCE_PREEMPT_NS, SYSMON_MIN_US, Sysmon, sysmon_sleep_ns
from .workload import Phase, Workload

__all__ = ["Model", "Sched", "simulate", "stack_memory", "global_batch", "steal_count",
           "MAX_GOMAXPROCS", "RUNQ_SIZE", "FORCE_PREEMPT_NS", "SYSMON_TICK_NS"]

FAIR_TICK = 61  # findRunnable: schedtick%61 == 0 looks at the global queue first (fairness)
# MEASURED (go1.27.3, sched_trace's program with a build overlay that copies every P's fields at
# the "zero" mark; data/sysmon_probe.json, tests/test_realgo_sysmon_probe.py): the schedtick of
# main's P at time zero, i.e. after runtime.main's and trace.Start's goroutines, the 20 ms settle
# sleep, and the program's warm-up Gs. Those come in whole 61s (sched_trace.warm_count), a tick of
# P0's each, so this is the real tick less them: findRunnable reads only schedtick % 61, and
# sysmon only compares ticks. GOMAXPROCS=1: 3 in 28 of 30 runs (hog-60, order-300; 2 and 4 in
# the rest); GOMAXPROCS=2: 3 in 8 of 10 (sleep-50). Other GOMAXPROCS start at 1, the fresh value.
MAIN_SCHEDTICK_AT_ZERO = {1: 3, 2: 3}
# MEASURED (data/sched_trace.json; tests/test_sched_crossval.py checks it): sysmon's note of
# each P's syscalltick at time zero is stale. Before zero the harness's program (in
# realgo/sched_trace.py) creates its trace file and starts runtime/trace, whose writer goroutine
# writes to it: syscalls that bump a P's syscalltick on their way out, too short for a look to
# see. A fresh P's note (P's zero value) would let sysmon's first look take a P in a syscall; a
# stale one makes that look only write the tick down, so the P goes on the second look. With a
# fresh note nearly every first hand-off would come within one look interval (SYSMON_TICK_NS) of
# its syscall; of the 64 recorded ones 4 did (a usleep(20) lasts as little as 36.5 us), and
# their median is 229 us, over two intervals.
SYSCALLS_UNSEEN_AT_ZERO = 1  # each P's syscalltick at zero; sysmon's note of it stays 0
PH_COMPUTE, PH_SYSCALL, PH_PARK, PH_GO, PH_BLOCK, PH_YIELD = map(int, Phase)  # plain ints: fast
SYSMON_TICK_NS = sysmon_sleep_ns(SYSMON_MIN_US)  # sysmon's shortest look-to-look time on Linux
SP_RUN, SP_SWITCH, SP_SPAWN, SP_THREAD, SP_SYSCALL = map(int, Span)


def simulate(work, model=Model.MN, *, gomaxprocs=None, costs=None, seed=0, limits=None,
             timeline_cap=200_000, event_cap=10_000, sample_cap=2048) -> SchedRun:
    """Run `work` under `model` on `gomaxprocs` Ps (cores); 1:1 threads meet `limits`."""
    need_workload(work, "workload() or Workload.from_spec")
    model = Model.parse(model)
    if model is not Model.MN:  # 1:1 (under address.limits' thread budget) and N:1
        return simulate_threads(work, model, gomaxprocs=gomaxprocs, costs=costs, seed=seed,
                                limits=limits, timeline_cap=timeline_cap, event_cap=event_cap,
                                sample_cap=sample_cap)
    if limits is not None:
        raise ValueError("limits apply to the 1:1 model only; M:N threads are few (see run.threads)")
    procs, costs, seed = checked(work, gomaxprocs, costs, seed)
    rec = recorder(procs, timeline_cap, event_cap, sample_cap)
    s = Sched(work, procs, costs, seed, rec)
    s.run()
    return SchedRun(
        model=model.value, makespan_ns=max(s.done), **record_fields(rec, procs, work, s.done),
        counts=s.counts(), threads_created=len(s.allm), peak_threads=s.peak_threads,
        memory=stack_memory(work.n_goroutines, model, gomaxprocs=procs, threads=s.peak_threads),
        threads_ran=sum(m.ran for m in s.allm), sysmon=tuple(s.sysmon_looks),
        slices=tuple(s.slices))


class Sched(Running, Sysmon, Loop):
    """The whole scheduler state (sched, allp, allm) and the runtime functions that change it."""

    def __init__(self, work: Workload, procs: int, costs: Costs, seed: int, rec: Recorder):
        """The state at time zero: m0 holds P0 with main queued, sysmon asleep; m0 schedules."""
        self.phases, n = work.phases, work.n_goroutines
        self.loop_init(n, rec)
        self.gomaxprocs = procs
        self.sw, self.spawn_ns = costs.goroutine_switch_ns, costs.goroutine_create_ns
        self.wake_ns, self.newm_ns = costs.thread_wake_ns, costs.thread_create_ns
        self.late_ns = costs.timer_late_ns  # a kernel timer's lateness: syscall phases, sysmon's sleep
        self.poll_late_ns = costs.netpoll_late_ns  # how late each of netpoll's epoll_waits ends
        self.allp = [P(i) for i in range(procs)]
        self.pidle = self.allp[:0:-1]  # procresize: pidleput from the top, so P1 is first out
        self.npidle, self.nmspinning = procs - 1, 0
        self.allm, self.midle, self.peak_threads = [], [], 1
        self.globq = deque()
        self.netpoller, self.poll_until = None, 0  # the M blocked in netpoll (lastpoll == 0)
        self.pc, self.rem = [0] * n, [0] * n
        self.preempt, self.slice_start, self.slices = [False] * n, [0] * n, []
        self.rnd = np.random.default_rng(seed).integers(0, 2**32, 4096).tolist()
        self.ri, self.coprimes = 0, [i for i in range(1, procs + 1) if math.gcd(i, procs) == 1]
        m0, p0 = self.newm(), self.allp[0]
        self.acquirep(m0, p0)
        p0.runq.append(0)  # runtime.main, the first G, on m0's P
        p0.schedtick = MAIN_SCHEDTICK_AT_ZERO.get(procs, 1) - 1  # execute adds main's own tick
        for pp in self.allp:
            pp.syscalltick = SYSCALLS_UNSEEN_AT_ZERO
        self.sysmon_init(0)
        self.schedule(m0, 0)

    at_sysmon = Loop.at_daemon  # sysmon's wake-ups do not keep the run alive
    daemon = Sysmon.sysmon  # the loop hands those wake-ups to sysmon

    def queue_lengths(self) -> tuple[int, list]:
        """(global runq length, [runq + runnext of each P]): what the recorder samples."""
        return len(self.globq), [len(p.runq) + (p.runnext >= 0) for p in self.allp]

    # -- Ms and Ps -----------------------------------------------------------------------
    def newm(self) -> M:
        """A new OS thread (newm); it starts with no P."""
        mp = M(len(self.allm))
        self.allm.append(mp)
        return mp

    def acquirep(self, mp: M, pp: P) -> None:
        """Wire P pp to M mp."""
        mp.p, pp.m, pp.status = pp, mp, P_RUNNING

    def pidleput(self, pp: P) -> None:
        """Put pp on the idle list (its head is the next pidleget)."""
        if pp.m is not None:
            pp.m.p = None
        pp.m, pp.status = None, P_IDLE
        self.pidle.append(pp)
        self.npidle += 1

    def pidleget(self) -> P | None:
        """The idle list's head, or None."""
        if not self.pidle:
            return None
        self.npidle -= 1
        return self.pidle.pop()

    def startm(self, pp: P, spinning: bool, t: int) -> None:
        """Run pp on an idle M (mget) or a new one (newm); it calls schedule when awake."""
        if self.midle:
            mp, cost = self.midle.pop(), self.wake_ns
            self.c["wakeups"] += 1
        else:
            mp, cost = self.newm(), self.newm_ns
            self.rec.event(t, pp.id, -1, Ev.NEWM, len(self.allm))
        self.acquirep(mp, pp)
        mp.spinning = spinning
        self.peak_threads = max(self.peak_threads, len(self.allm) - len(self.midle))
        self.rec.span(pp.id, -1, t, t + cost, SP_THREAD)
        mp.token += 1
        self.at(t + cost, self.mstart, (mp, mp.token))

    def mstart(self, t: int, arg) -> None:
        """A started or woken M begins scheduling on its P."""
        mp, token = arg
        if token == mp.token:
            self.schedule(mp, t)

    def stopm(self, mp: M) -> None:
        """Park mp on the idle-M list until startm needs a thread."""
        mp.token += 1
        self.midle.append(mp)

    def wakep(self, t: int) -> None:
        """Start a spinning M on an idle P, unless one already spins (wakep)."""
        if self.nmspinning or not self.pidle:
            return
        self.nmspinning += 1
        self.startm(self.pidleget(), True, t)

    def handoffp(self, pp: P, t: int) -> None:
        """pp lost its M: start an M for it if there is work (or none is looking), else idle it."""
        if not pp.runqempty() or self.globq:
            self.startm(pp, False, t)
        elif self.nmspinning + self.npidle == 0:
            self.nmspinning += 1
            self.startm(pp, True, t)
        elif self.npidle == self.gomaxprocs - 1 and self.netpoller is None:
            self.startm(pp, False, t)  # the last P never idles without an M watching netpoll
        else:
            self.pidleput(pp)
            if pp.timers:
                self.wakeNetPoller(pp.timers[0][0], t)

    # -- choosing a G ----------------------------------------------------------------------
    def schedule(self, mp: M, t: int) -> None:
        """mp's loop: find a G (findRunnable) and run it, until one blocks mp or mp parks."""
        while True:
            g, inherit, how = self.findRunnable(mp, t)
            if g < 0:
                return
            if mp.spinning:  # resetspinning: the last spinner to find work wakes another
                mp.spinning = False
                self.nmspinning -= 1
                if self.nmspinning == 0:
                    self.wakep(t)
            if not self.execute(mp, g, inherit, how, t):
                return

    def findRunnable(self, mp: M, t: int):
        """(g, inheritTime, how) in findRunnable's order; (-1, ...) after parking mp."""
        pp, globq = mp.p, self.globq
        if pp.timers and pp.timers[0][0] <= t:
            self.runtimers(pp, pp, t)
        if pp.schedtick % FAIR_TICK == 0 and globq:
            self.c["gtakes"] += 1
            return globq.popleft(), False, Ev.GLOBAL
        g, inherit = runqget(pp)
        if g >= 0:
            return g, inherit, Ev.RUNNEXT if inherit else Ev.LOCAL
        if globq:
            self.c["gtakes"] += 1
            return globrunqgetbatch(pp, globq, self.gomaxprocs), False, Ev.GLOBAL
        if mp.spinning or 2 * self.nmspinning < self.gomaxprocs - self.npidle:
            if not mp.spinning:
                mp.spinning = True
                self.nmspinning += 1
            g, inherit = self.stealWork(mp, t)
            if g >= 0:
                return g, inherit, Ev.STEAL
        # pollUntil: a spinning M has seen every P's timers in stealWork, others only their own
        when = self.next_timer() if mp.spinning else (pp.timers[0][0] if pp.timers else None)
        self.pidleput(pp)  # nothing to do: give up the P
        if mp.spinning:
            mp.spinning = False
            self.nmspinning -= 1
        if when is not None and self.netpoller is None:  # block in netpoll until the timer
            self.netpoller, self.poll_until = mp, when
            mp.token += 1
            self.at(self.netpoll_until(when, t), self.netpoll_wake, (mp, mp.token))
            return -1, False, Ev.STEAL
        if when is not None:
            self.wakeNetPoller(when, t)  # netpollBreak if the poller sleeps past `when`
        self.stopm(mp)
        return -1, False, Ev.STEAL

    def netpoll_until(self, when: int, t: int) -> int:
        """When an M that decides at t to block in netpoll for a timer at `when` wakes up.

        It reaches epoll_wait a goroutine switch later (the scheduler's own work), so the delay
        it computes is a little short of a whole number of ms, as in the runtime."""
        start = t + self.sw
        delay = when - start
        if delay <= 0:
            return start  # waitms 0: epoll_wait only looks
        # netpoll in runtime/netpoll_epoll.go: waitms = 1 under a ms, else delay/1e6 rounded down,
        # so a timer 1.7 ms away is looked at after 1 ms and again after 1 more, 0.3 ms late;
        # each wait also ends netpoll_late_ns after its timeout, as a lone 1 ms time.Sleep does
        return start + max(1, delay // 1_000_000) * 1_000_000 + self.poll_late_ns

    def netpoll_wake(self, t: int, arg) -> None:
        """The M blocked in netpoll wakes at a timer: with an idle P it looks again, else stops."""
        mp, token = arg
        if token != mp.token:
            return
        self.netpoller = None
        pp = self.pidleget()
        if pp is None:
            self.stopm(mp)
            return
        self.acquirep(mp, pp)
        if not mp.spinning:  # it looks at every P's timers (the runtime: only if it spun before)
            mp.spinning = True
            self.nmspinning += 1
        self.schedule(mp, t)

    def wakeNetPoller(self, when: int, t: int) -> None:
        """A timer was set for `when`: make the netpoll M wake by then, or wake a P (wakep)."""
        mp = self.netpoller
        if mp is None:
            self.wakep(t)
        elif when < self.poll_until:  # netpollBreak: the poller wakes now and blocks again for `when`
            self.poll_until = when
            mp.token += 1
            self.at(self.netpoll_until(when, t), self.netpoll_wake, (mp, mp.token))

    def next_timer(self) -> int | None:
        """The earliest timer on any P (timeSleepUntil), or None."""
        whens = [pp.timers[0][0] for pp in self.allp if pp.timers]
        return min(whens) if whens else None

    def runtimers(self, owner: P, pp: P, t: int) -> bool:
        """Run owner's due timers: each sleeper is readied onto pp's runnext; True if any ran."""
        timers, ran = owner.timers, False
        while timers and timers[0][0] <= t:
            _, _, g = heapq.heappop(timers)
            self.ready(g, pp, t)
            ran = True
        return ran

    def ready(self, g: int, pp: P, t: int) -> None:
        """goready: g becomes runnable in pp's runnext, and an idle P is woken (wakep)."""
        self.rec.event(t, pp.id, g, Ev.READY, 0)
        self.c["slow"] += runqput(pp, g, True, self.globq) > 0
        self.wakep(t)

    def stealWork(self, mp: M, t: int):
        """Visit the other Ps in a random order: steal half a ring; the last pass also timers."""
        pp, allp, nproc = mp.p, self.allp, self.gomaxprocs
        for last in (False, True):  # passes 2 and 3 would see pass 1's instant again
            r = self.rnd[self.ri]
            self.ri = (self.ri + 1) % len(self.rnd)
            pos, inc = r % nproc, self.coprimes[(r // nproc) % len(self.coprimes)]
            for _ in range(nproc):
                p2, pos = allp[pos], (pos + inc) % nproc
                if p2 is pp:
                    continue
                if last and p2.timers and self.runtimers(p2, pp, t):
                    g, inherit = runqget(pp)
                    if g >= 0:
                        return g, inherit
                if p2.status == P_IDLE:
                    continue
                before = len(pp.runq)
                g = runqgrab(pp, p2, last)
                if g >= 0:
                    self.c["steals"] += 1
                    self.c["stolen"] += len(pp.runq) - before + 1
                    return g, False
        return -1, False
