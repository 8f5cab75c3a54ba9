"""The two models Go did not choose: 1:1 kernel threads and N:1 user-level threads.

Both are one FIFO run queue feeding some cores; they differ only in four policy values.

    1:1   cores = GOMAXPROCS   every goroutine is a thread: clone() to start it, the kernel's
          [T1 T2 T3 ...] ----> context switch between them, a kernel time slice, and a
                               syscall blocks only its own thread.
    N:1   cores = 1            one kernel thread runs every goroutine: cheap user-level switches,
          [G1 G2 G3 ...] ----> no preemption (a goroutine yields when it waits), and a blocking
                               syscall stalls the one thread, so nobody runs until it returns.

A wait on a channel or the network parks only the waiter in both models (N:1 runtimes poll
the network from their one thread). Invariants: a core runs one thread at a time; the run
queue is FIFO; equal times are broken by (time, event sequence number), so runs are
deterministic; run time equals compute demand.

Rejected alternative (by the kernel's and by Go's designers alike): a run queue per thread
pool without a time slice for 1:1. Kernel threads are preemptible, and the slice is what keeps
one busy thread from starving the rest; N:1 cannot preempt without signals, so it does not.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from dataclasses import dataclass

from .record import Costs, Counts, Ev, Recorder, Span
from .workload import Phase, Workload

__all__ = ["ThreadPolicy", "run_threads"]

KERNEL_TICK_NS = 1_000_000  # ESTIMATE: a 1000 Hz tick; a slice cannot end before the next one
E_RUN, E_SPAWN, E_CONT, E_WAKEUP, E_STALL_END = range(5)  # event kinds
PH_COMPUTE, PH_SYSCALL, PH_PARK, PH_GO, PH_BLOCK, PH_YIELD = map(int, Phase)  # plain ints: fast compares
SP_RUN, SP_SWITCH, SP_SPAWN, SP_THREAD, SP_SYSCALL = map(int, Span)


@dataclass(frozen=True)
class ThreadPolicy:
    """What a thread model charges and allows: the values that tell 1:1 from N:1."""

    switch_ns: int  # cost of switching the core to another runnable thread
    spawn_ns: int  # cost of starting a new thread (or user-level goroutine)
    slice_ns: int  # time slice before preemption; 0 = cooperative (never preempted)
    syscall_stalls_core: bool  # a blocking syscall keeps the core busy-waiting for it
    one_thread_per_g: bool  # threads created = goroutines (1:1), or just one (N:1)

    @classmethod
    def for_model(cls, one_to_one: bool, costs: Costs) -> ThreadPolicy:
        """The 1:1 policy (kernel threads) or the N:1 policy (one thread), with `costs`."""
        if one_to_one:
            return cls(costs.thread_switch_ns, costs.thread_create_ns, costs.kernel_slice_ns,
                       False, True)
        return cls(costs.goroutine_switch_ns, costs.goroutine_create_ns, 0, True, False)


def run_threads(work: Workload, ncores: int, pol: ThreadPolicy, rec: Recorder):
    """The FIFO event loop; returns (completion times, Counts, threads created, peak)."""
    phases, n = work.phases, work.n_goroutines
    sw, spawn_ns, slice_ns = pol.switch_ns, pol.spawn_ns, pol.slice_ns
    runq = deque([0])
    pc, rem, done = [0] * n, [0] * n, [-1] * n
    slice_end, run_start = [0] * ncores, [0] * ncores
    idle = set(range(ncores))
    heap, seq = [], itertools.count()
    push, span, log = heapq.heappush, rec.span, rec.event
    c = {"sw": 0, "preempt": 0, "spawns": 0, "live": 1, "peak": 1}

    def kick(t):
        """A thread just became runnable: the lowest idle core picks it up at once."""
        if idle:
            core = min(idle)
            idle.discard(core)
            step(core, -1, t)

    def step(core, g, t):
        """Core `core` runs thread g at time t (g < 0: take the head of the run queue)."""
        while True:
            if g < 0:
                if not runq:
                    idle.add(core)
                    return
                g = runq.popleft()
                c["sw"] += 1
                slice_end[core] = t + slice_ns if slice_ns else -1
                log(t, core, g, Ev.LOCAL, 0)
                if sw:
                    span(core, g, t, t + sw, SP_SWITCH)
                    t += sw
                    if pc[g] == len(phases[g]) or phases[g][pc[g]][0] != PH_COMPUTE:
                        push(heap, (t, next(seq), E_CONT, core, g))
                        return
            ph, i = phases[g], pc[g]
            if i == len(ph):
                done[g] = t
                c["live"] -= 1
                log(t, core, g, Ev.EXIT, 0)
                g = -1
                continue
            kind, v = ph[i]
            if kind == PH_COMPUTE:
                r = rem[g] or v
                end, lim = t + r, slice_end[core]
                if lim >= 0 and end > lim:  # the scheduler tick notices the expired slice
                    end = min(end, max(lim, t + KERNEL_TICK_NS))
                rem[g], run_start[core] = r, t
                span(core, g, t, end, SP_RUN)
                push(heap, (end, next(seq), E_RUN, core, g))
                return
            if kind == PH_GO:
                span(core, g, t, t + spawn_ns, SP_SPAWN)
                push(heap, (t + spawn_ns, next(seq), E_SPAWN, core, g))
                return
            if kind == PH_YIELD:  # sched_yield / a green-thread yield: back of the run queue
                pc[g] += 1
                runq.append(g)
                g = -1
                continue
            in_kernel = kind in (PH_SYSCALL, PH_BLOCK)
            log(t, core, g, Ev.SYSCALL if in_kernel else Ev.PARK, v)
            if in_kernel and pol.syscall_stalls_core:
                span(core, g, t, t + v, SP_SYSCALL)  # the only thread sits in the kernel
                push(heap, (t + v, next(seq), E_STALL_END, core, g))
                return
            push(heap, (t + v, next(seq), E_WAKEUP, -1, g))  # only this thread sleeps
            g = -1

    step(0, -1, 0)
    idle.discard(0)
    pop, sample = heapq.heappop, rec.sample
    while heap:
        t, _, kind, core, g = pop(heap)
        if t >= rec.next_sample:
            sample(t, 0, [len(runq)] + [0] * (ncores - 1))
        if kind == E_RUN:
            rem[g] -= t - run_start[core]
            if rem[g]:  # slice expired: to the tail of the run queue
                c["preempt"] += 1
                log(t, core, g, Ev.PREEMPT, rem[g])
                runq.append(g)
                step(core, -1, t)
            else:
                pc[g] += 1
                step(core, g, t)
        elif kind == E_SPAWN:
            child = phases[g][pc[g]][1]
            pc[g] += 1
            c["spawns"] += 1
            c["live"] += 1
            c["peak"] = max(c["peak"], c["live"])
            log(t, core, child, Ev.GO, g)
            runq.append(child)
            kick(t)
            step(core, g, t)
        elif kind == E_CONT:
            step(core, g, t)
        elif kind == E_STALL_END:
            pc[g] += 1
            log(t, core, g, Ev.EXITSYSCALL, 1)
            step(core, g, t)
        else:  # E_WAKEUP: the syscall returned or the park ended
            pc[g] += 1
            log(t, -1, g, Ev.READY, 0)
            runq.append(g)
            kick(t)
    lost = [g for g in range(n) if done[g] < 0]
    if lost:
        raise RuntimeError(f"thread model invariant broken: G{lost[0]} never finished")
    counts = Counts(context_switches=c["sw"], preemptions=c["preempt"], spawns=c["spawns"])
    if pol.one_thread_per_g:
        return done, counts, n, c["peak"]
    return done, counts, 1, 1
