"""The G/M/P scheduler as a discrete-event simulation, beside 1:1 threads and N:1 green threads.

Go runs G (goroutines) on M (OS threads); an M needs a P (one of GOMAXPROCS scheduler
slots) to run Go code. Each P owns a ring of 256 runnable Gs plus a one-G `runnext` slot;
one global queue, under a lock, takes the overflow and the Gs that lost their P.

        global runq  [G9 G12 ...]   <- runqputslow, preempted Gs, Gs back from syscalls, ready
            ^  every 61st schedtick, or in a batch when a local ring is empty
    P0  runnext[G7]  runq[G3 G4 G5 ...256]  M0 running G1
    P1  runnext[  ]  runq[]                 M1 idle P: steals half of P0's ring
        M2 in a syscall with G2, no P (sysmon retook its P after >= 20 us; handoffp)

How a P picks its next G (findRunnable, `runtime/proc.go`): the global queue first on every
61st schedtick; then runnext, which inherits the current time slice (no schedtick++); then
the local ring; then a batch of min(128, len, len/GOMAXPROCS + 1) from the global queue;
then 4 stealing passes over the other Ps in a random order (the last pass may take a
victim's runnext); else the P goes idle and its M sleeps. A `go` statement puts the child
in runnext, kicking the old one to the ring's tail; a full ring sends half of itself plus
that G to the global queue. Sysmon preempts a G that has held one time slice for 10 ms
(it goes to the global queue) and retakes a P whose G has been in a syscall for one sysmon
tick (20 us) when there is other work. A parked G (channel, network) holds neither M nor P.

Invariants (checked or tested): every G runs on at most one P; a P is idle, starting, running
or held by a syscall; len(runq) <= 256; run time equals compute demand; equal times are
broken by (time, sequence number of the event); randomness (steal order) comes only from
`seed`.

What the model leaves out or simplifies (so a reader knows what not to trust): sysmon is not
a thread but a check scheduled 20 us into each syscall, backing off by doubling up to 10 ms
while there is nothing to gain; preemption lands exactly at the slice end (or one tick
later for a runnext G whose inherited slice is already spent); a steal happens at one
instant, so passes 2 and 3 are skipped and the 3 us runnext back-off is not modelled; a
parked G becomes ready on the global queue (as netpoll's injectglist does), never straight
into someone's runnext; an idle P is chosen lowest-numbered first; a G leaving a syscall
onto an idle P starts a fresh slice; GC, timers and LockOSThread do not exist here.

Rejected alternatives, which the runtime's own notes also discuss: one global queue under one
lock (Go 1.0: every schedule contends for it); run queues on Ms rather than Ps (a thread
blocked in a syscall would sit on runnable work); handing off the P on every syscall (most
syscalls return in microseconds, so sysmon waits a tick before taking the P).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque

import numpy as np

from ..core.validate import integer
from .record import (
    MAX_GOMAXPROCS,
    Costs,
    Counts,
    Ev,
    Model,
    Recorder,
    SchedEvent,
    SchedRun,
    Span,
    frozen,
    stack_memory,
)
from .rivals import ThreadPolicy, run_threads
from .workload import Phase, Workload

__all__ = ["Model", "simulate", "stack_memory", "global_batch", "steal_count",
           "MAX_GOMAXPROCS"]

RUNQ_SIZE = 256  # runtime2.go: p.runq [256]guintptr, a lock-free ring
GLOBAL_BATCH = RUNQ_SIZE // 2  # findRunnable asks globrunqgetbatch for len(pp.runq)/2
FAIR_TICK = 61  # findRunnable: schedtick%61 == 0 looks at the global queue first (fairness)
STEAL_TRIES = 4  # stealWork: stealTries; the last pass may also take a victim's runnext
FORCE_PREEMPT_NS = 10_000_000  # forcePreemptNS: a time slice is 10 ms
SYSMON_TICK_NS = 20_000  # sysmon's shortest sleep: retake needs >= one tick in a syscall
SYSMON_MAX_NS = 10_000_000  # sysmon's longest sleep; and a syscall this long is always retaken
IDLE, STARTING, RUNNING, IN_SYSCALL = range(4)  # P states (the runtime's _Pidle, _Prunning)
E_RUN, E_SPAWN, E_CONT, E_WAKE, E_SYSDONE, E_RETAKE, E_READY = range(7)  # event kinds
PH_COMPUTE, PH_SYSCALL, PH_PARK, PH_GO, PH_BLOCK, PH_YIELD = map(int, Phase)  # plain ints: fast compares
SP_RUN, SP_SWITCH, SP_SPAWN, SP_THREAD, SP_SYSCALL = map(int, Span)


def global_batch(size: int, gomaxprocs: int) -> int:
    """How many Gs an empty P takes from a global queue of `size` (globrunqgetbatch)."""
    return min(GLOBAL_BATCH, size, size // gomaxprocs + 1)


def steal_count(size: int) -> int:
    """How many Gs a thief takes from a victim ring of `size` (runqgrab: half, rounded up)."""
    return size - size // 2


def simulate(work, model=Model.MN, *, gomaxprocs=None, costs=None, seed=0,
             timeline_cap=200_000, event_cap=10_000, sample_cap=2048) -> SchedRun:
    """Run `work` under `model` on `gomaxprocs` Ps (cores) and return the run record."""
    if not isinstance(work, Workload):
        raise TypeError(f"work must be a Workload (from workload() or Workload.from_phases); "
                        f"got {type(work).__name__}")
    model = Model.parse(model)
    if gomaxprocs is None:  # a spec's own GOMAXPROCS, else the kit's 2-core default
        gomaxprocs = 2 if work.gomaxprocs is None else work.gomaxprocs
    procs = integer("gomaxprocs", gomaxprocs, 1, MAX_GOMAXPROCS)
    costs = Costs() if costs is None else costs
    if not isinstance(costs, Costs):
        raise TypeError(f"costs must be a Costs record; got {type(costs).__name__}")
    seed = integer("seed", seed, 0)
    nprocs = 1 if model is Model.N_TO_ONE else procs
    rec = Recorder(nprocs, integer("timeline_cap", timeline_cap, 0),
                   integer("event_cap", event_cap, 0), integer("sample_cap", sample_cap, 2))
    if model is Model.MN:
        done, counts, created, peak = _run_mn(work, procs, costs, seed, rec)
    else:
        policy = ThreadPolicy.for_model(model is Model.ONE_TO_ONE, costs)
        done, counts, created, peak = run_threads(work, nprocs, policy, rec)
    spans, samples, local = rec.arrays(nprocs)
    return SchedRun(
        model=model.value, gomaxprocs=nprocs, n_goroutines=work.n_goroutines, seed=work.seed,
        makespan_ns=max(done), demand_ns=work.demand_ns, run_ns=rec.run_ns,
        busy_ns=sum(rec.busy), busy_per_p=frozen(np.array(rec.busy, np.int64)),
        completion_ns=frozen(np.array(done, np.int64)), spans=spans,
        spans_truncated=rec.truncated, samples=samples, local_samples=local,
        events=tuple(SchedEvent(*e) for e in rec.events), counts=counts,
        threads_created=created, peak_threads=peak,
        memory=stack_memory(work.n_goroutines, model, gomaxprocs=procs, threads=peak))


def _run_mn(work: Workload, nproc: int, costs: Costs, seed: int, rec: Recorder):
    """The G/M/P event loop; returns (completion times, Counts, threads created, peak)."""
    phases, n = work.phases, work.n_goroutines
    sw, spawn_ns = costs.goroutine_switch_ns, costs.goroutine_create_ns
    wake_ns, newm_ns = costs.thread_switch_ns, costs.thread_create_ns
    runq = [deque() for _ in range(nproc)]
    runnext, cur = [-1] * nproc, [-1] * nproc
    schedtick, slice_end, run_start = [0] * nproc, [0] * nproc, [0] * nproc
    state, spinning = [IDLE] * nproc, [False] * nproc
    globq = deque()
    pc, rem, done = [0] * n, [0] * n, [-1] * n
    sys_start, sys_n, retake_iv = [0] * n, [0] * n, [0] * n
    heap, seq = [], itertools.count()
    push, span, log = heapq.heappush, rec.span, rec.event
    rnd = np.random.default_rng(seed).integers(0, 2**32, 4096).tolist()
    coprimes = [i for i in range(1, nproc + 1) if math.gcd(i, nproc) == 1]
    c = dict.fromkeys(("sw", "steals", "stolen", "gtakes", "slow", "handoffs", "preempt",
                       "spawns", "ri", "nmspinning", "idle_ms", "wakeups"), 0)
    c.update(threads=1, npidle=nproc - 1, idle_mask=((1 << nproc) - 1) & ~1)

    def runqput(p, g, next_, t):
        if next_:
            g, runnext[p] = runnext[p], g
            if g < 0:
                return
        q = runq[p]
        if len(q) < RUNQ_SIZE:
            q.append(g)
            return
        batch = [q.popleft() for _ in range(RUNQ_SIZE // 2)]  # runqputslow
        globq.extend(batch)
        globq.append(g)
        c["slow"] += 1
        log(t, p, g, Ev.PUTSLOW, len(batch) + 1)

    def startm(p, t, spin):
        if c["idle_ms"]:
            c["idle_ms"] -= 1
            c["wakeups"] += 1
            cost = wake_ns
        else:
            c["threads"] += 1
            cost = newm_ns
            log(t, p, -1, Ev.NEWM, c["threads"])
        state[p], spinning[p] = STARTING, spin
        c["nmspinning"] += spin
        span(p, -1, t, t + cost, SP_THREAD)
        push(heap, (t + cost, next(seq), E_WAKE, p, -1, 0))

    def wakep(t):
        if c["npidle"] == 0 or c["nmspinning"]:
            return
        mask = c["idle_mask"]
        p = (mask & -mask).bit_length() - 1  # pidleget: the lowest idle P, deterministically
        c["idle_mask"], c["npidle"] = mask & ~(1 << p), c["npidle"] - 1
        startm(p, t, True)

    def steal(p):
        for attempt in (1, STEAL_TRIES):  # passes 2 and 3 would see pass 1's instant again
            last = attempt == STEAL_TRIES
            r = rnd[c["ri"]]
            c["ri"] = (c["ri"] + 1) % len(rnd)
            pos, inc = r % nproc, coprimes[(r // nproc) % len(coprimes)]
            for _ in range(nproc):
                v, pos = pos, (pos + inc) % nproc
                if v == p or state[v] == IDLE:
                    continue
                q = runq[v]
                if q:
                    k = steal_count(len(q))
                    runq[p].extend(q.popleft() for _ in range(k - 1))
                    c["steals"] += 1
                    c["stolen"] += k
                    return q.popleft()
                if last and runnext[v] >= 0:
                    g, runnext[v] = runnext[v], -1
                    c["steals"] += 1
                    c["stolen"] += 1
                    return g
        return -1

    def find_runnable(p):
        if schedtick[p] % FAIR_TICK == 0 and globq:
            c["gtakes"] += 1
            return globq.popleft(), Ev.GLOBAL
        if runnext[p] >= 0:
            g, runnext[p] = runnext[p], -1
            return g, Ev.RUNNEXT
        if runq[p]:
            return runq[p].popleft(), Ev.LOCAL
        if globq:
            k = global_batch(len(globq), nproc)
            g = globq.popleft()
            runq[p].extend(globq.popleft() for _ in range(k - 1))
            c["gtakes"] += 1
            return g, Ev.GLOBAL
        if spinning[p] or 2 * c["nmspinning"] < nproc - c["npidle"]:  # cap the spinners
            return steal(p), Ev.STEAL  # (a P that steals is spinning while it does)
        return -1, Ev.STEAL

    def step(p, g, t):
        """P p holds G g at time t (g < 0: find one); run until the next event is due."""
        while True:
            if g < 0:
                g, how = find_runnable(p)
                was_spinning = spinning[p]
                if was_spinning:
                    spinning[p] = False
                    c["nmspinning"] -= 1
                if g < 0:  # stopm: P to the idle list, M to sleep
                    state[p], cur[p] = IDLE, -1
                    c["idle_mask"] |= 1 << p
                    c["npidle"] += 1
                    c["idle_ms"] += 1
                    return
                if was_spinning or how == Ev.STEAL:
                    wakep(t)  # resetspinning: the last spinner to find work wakes another
                if how != Ev.RUNNEXT:  # execute: only a fresh slice bumps schedtick
                    schedtick[p] += 1
                    slice_end[p] = t + FORCE_PREEMPT_NS
                state[p], cur[p] = RUNNING, g
                c["sw"] += 1
                log(t, p, g, how, schedtick[p])
                if sw:
                    span(p, g, t, t + sw, SP_SWITCH)
                    t += sw
                    if pc[g] == len(phases[g]) or phases[g][pc[g]][0] != PH_COMPUTE:
                        push(heap, (t, next(seq), E_CONT, p, g, 0))
                        return
            ph, i = phases[g], pc[g]
            if i == len(ph):
                done[g] = t
                log(t, p, g, Ev.EXIT, 0)
                g = -1
                continue
            kind, v = ph[i]
            if kind == PH_COMPUTE:
                r = rem[g] or v
                end, lim = t + r, slice_end[p]
                if end > lim:  # sysmon notices at its next tick at the earliest
                    end = min(end, max(lim, t + SYSMON_TICK_NS))
                rem[g], run_start[p] = r, t
                span(p, g, t, end, SP_RUN)
                push(heap, (end, next(seq), E_RUN, p, g, 0))
                return
            if kind == PH_GO:
                if spawn_ns:
                    span(p, g, t, t + spawn_ns, SP_SPAWN)
                    push(heap, (t + spawn_ns, next(seq), E_SPAWN, p, g, 0))
                    return
                spawn(p, g, t)
                continue
            if kind == PH_YIELD:  # Gosched -> goschedImpl: the G goes to the global queue
                pc[g] += 1
                log(t, p, g, Ev.PARK, 0)
                globq.append(g)
                g = -1
                continue
            if kind in (PH_SYSCALL, PH_BLOCK):
                state[p], sys_start[g] = IN_SYSCALL, t
                sys_n[g] += 1
                log(t, p, g, Ev.SYSCALL, v)
                push(heap, (t + v, next(seq), E_SYSDONE, p, g, 0))
                if kind == PH_BLOCK:  # entersyscallblock: hand the P off right away
                    c["handoffs"] += 1
                    log(t, p, g, Ev.RETAKE, 0)
                    cur[p] = -1
                    handoffp(p, t)
                elif v > SYSMON_TICK_NS:
                    retake_iv[g] = SYSMON_TICK_NS
                    push(heap, (t + SYSMON_TICK_NS, next(seq), E_RETAKE, p, g, sys_n[g]))
                return
            log(t, p, g, Ev.PARK, v)  # PH_PARK: gopark; this M and P run someone else
            push(heap, (t + v, next(seq), E_READY, -1, g, 0))
            g = -1

    def spawn(p, g, t):
        child = phases[g][pc[g]][1]
        pc[g] += 1
        c["spawns"] += 1
        runqput(p, child, True, t)
        log(t, p, child, Ev.GO, g)
        wakep(t)

    def handoffp(p, t):
        if runq[p] or runnext[p] >= 0 or globq:
            startm(p, t, False)
        elif c["nmspinning"] + c["npidle"] == 0:
            startm(p, t, True)
        else:
            state[p], cur[p] = IDLE, -1
            c["idle_mask"] |= 1 << p
            c["npidle"] += 1

    def on_sysdone(p, g, t):
        pc[g] += 1
        if state[p] == IN_SYSCALL and cur[p] == g:  # exitsyscall fast path: P still ours
            span(p, g, sys_start[g], t, SP_SYSCALL)
            state[p] = RUNNING
            log(t, p, g, Ev.EXITSYSCALL, 1)
            step(p, g, t)
        elif c["npidle"]:  # exitsyscallTryGetP: grab an idle P (taken as a fresh slice)
            mask = c["idle_mask"]
            p2 = (mask & -mask).bit_length() - 1
            c["idle_mask"], c["npidle"] = mask & ~(1 << p2), c["npidle"] - 1
            state[p2], cur[p2] = RUNNING, g
            schedtick[p2] += 1
            slice_end[p2] = t + FORCE_PREEMPT_NS
            log(t, p2, g, Ev.EXITSYSCALL, 1)
            step(p2, g, t)
        else:  # exitsyscall0: G to the global queue, M to sleep
            globq.append(g)
            c["idle_ms"] += 1
            log(t, -1, g, Ev.EXITSYSCALL, 0)

    def on_retake(p, g, t, serial):
        if state[p] != IN_SYSCALL or cur[p] != g or sys_n[g] != serial:
            return
        if (not runq[p] and runnext[p] < 0 and c["npidle"] + c["nmspinning"] > 0
                and t - sys_start[g] < SYSMON_MAX_NS):
            retake_iv[g] = min(2 * retake_iv[g], SYSMON_MAX_NS)  # sysmon backs off when idle
            push(heap, (t + retake_iv[g], next(seq), E_RETAKE, p, g, serial))
            return
        c["handoffs"] += 1
        span(p, g, sys_start[g], t, SP_SYSCALL)
        log(t, p, g, Ev.RETAKE, t - sys_start[g])
        cur[p] = -1
        handoffp(p, t)

    state[0] = RUNNING  # m0 runs P0 and starts runtime.main on a fresh slice (schedtick 1)
    runq[0].append(0)
    step(0, -1, 0)
    pop, sample = heapq.heappop, rec.sample
    while heap:
        t, _, kind, p, g, x = pop(heap)
        if t >= rec.next_sample:
            sample(t, len(globq), [len(q) + (r >= 0) for q, r in zip(runq, runnext, strict=True)])
        if kind == E_RUN:
            rem[g] -= t - run_start[p]
            if rem[g]:  # the slice ran out: preempt to the global queue (goschedImpl)
                c["preempt"] += 1
                log(t, p, g, Ev.PREEMPT, rem[g])
                globq.append(g)
                wakep(t)
                step(p, -1, t)
            else:
                pc[g] += 1
                step(p, g, t)
        elif kind == E_SPAWN:
            spawn(p, g, t)
            step(p, g, t)
        elif kind in (E_CONT, E_WAKE):
            step(p, g, t)
        elif kind == E_SYSDONE:
            on_sysdone(p, g, t)
        elif kind == E_RETAKE:
            on_retake(p, g, t, x)
        else:  # E_READY: netpoll/ready puts the G on the global queue and wakes a P
            pc[g] += 1
            log(t, -1, g, Ev.READY, 0)
            globq.append(g)
            wakep(t)
    lost = [g for g in range(n) if done[g] < 0]
    if lost:
        raise RuntimeError(f"scheduler invariant broken: G{lost[0]} never finished")
    counts = Counts(c["sw"], c["steals"], c["stolen"], c["gtakes"], c["slow"], c["handoffs"],
                    c["preempt"], c["spawns"], c["wakeups"])
    return done, counts, c["threads"], c["threads"]
