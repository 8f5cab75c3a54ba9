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
deterministic; run time equals compute demand (unless a 1:1 spawn fails: see the laws below).

Rejected alternative (by the kernel's and by Go's designers alike): a run queue per thread
pool without a time slice for 1:1. Kernel threads are preemptible, and the slice is what keeps
one busy thread from starving the rest; N:1 cannot preempt without signals, so it does not.

Thread limits (1:1 only). Each `go` is a pthread_create, so the limits notebook 02 measures
apply: `address.limits.thread_budget` (for record.THREAD_STACK_BYTES stacks and one guard page)
names the binding cap, and at most that many threads besides main may be alive at once.
Threads are taken as detached, so one that exits gives back its task and its stack (glibc may
keep a few freed stacks mapped for reuse, get_cached_stack in nptl/allocatestack.c; the model
does not). The spawn that would need one thread more fails with EAGAIN, whichever limit binds:

    limit                            where pthread_create meets it           errno
    vm.max_map_count, RLIMIT_AS,     allocate_stack's mmap or mprotect        ENOMEM, made
      the 64-bit address space       (kernel: mm/mmap.c do_mmap,              EAGAIN by
                                     mm/vma.c split_vma)                      glibc (below)
    kernel.threads-max, RLIMIT_NPROC clone: kernel/fork.c copy_process        EAGAIN
    kernel.pid_max                   clone: kernel/pid.c alloc_pid            EAGAIN (was ENOSPC)

glibc's nptl/pthread_create.c (__pthread_create_2_1) returns EAGAIN when allocate_stack
(nptl/allocatestack.c) fails with ENOMEM. The model then does what a C program that aborts
when pthread_create fails does: the process stops the moment the failing call returns.
Intervals in flight are cut there; the failed goroutine and every one not yet finished keep
completion -1: nothing is made up for them.

Laws. A run that creates every thread: run time = demand, busy = run + switch + spawn, peak
threads <= thread_limit + 1 (main). A run that fails (`spawn_failed_at` set): the makespan is
the failing spawn's end and no interval ends later; exactly thread_limit threads besides main
were alive (peak = thread_limit + 1); busy = run + switch + spawn still; run time <= demand,
and every finished goroutine got all its compute; up to the failure it is the same run as
with no limit at all. Rejected alternative: retrying the spawn until a thread exits. Some
programs do, but it hides the limit, and nothing in a workload says how long one would wait.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..address.limits import Cap, default_limits, thread_budget
from ..core.validate import integer
from .record import (
    GUARD_BYTES,
    MAX_GOMAXPROCS,
    THREAD_STACK_BYTES,
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
from .workload import Phase, Workload

__all__ = ["ThreadPolicy", "ThreadRun", "run_threads", "thread_loop", "simulate_threads",
           "thread_cap", "spawn_failure", "limit_text", "FAILING_CALL"]

KERNEL_TICK_NS = 1_000_000  # ESTIMATE: a 1000 Hz tick; a slice cannot end before the next one
E_RUN, E_SPAWN, E_CONT, E_WAKEUP, E_STALL_END = range(5)  # event kinds
PH_COMPUTE, PH_SYSCALL, PH_PARK, PH_GO, PH_BLOCK, PH_YIELD = map(int, Phase)  # plain ints: fast compares
SP_RUN, SP_SWITCH, SP_SPAWN, SP_THREAD, SP_SYSCALL = map(int, Span)
BITS = 64  # the 1:1 budget is a 64-bit process's, as in notebook 02's table
# Where pthread_create meets each limit (the table in the essay), keyed by address.limits' names.
FAILING_CALL = {
    "address space": "mmap of the stack: ENOMEM",
    "RLIMIT_AS (ulimit -v)": "mmap of the stack: ENOMEM",
    "vm.max_map_count": "mmap or mprotect of stack and guard: ENOMEM",
    "kernel.threads-max": "clone: EAGAIN",
    "RLIMIT_NPROC (ulimit -u)": "clone: EAGAIN",
    "kernel.pid_max": "clone finds no free thread id: EAGAIN",
}


@dataclass(frozen=True)
class ThreadPolicy:
    """What a thread model charges and allows: the values that tell 1:1 from N:1."""

    switch_ns: int  # cost of switching the core to another runnable thread
    spawn_ns: int  # cost of starting a new thread (or user-level goroutine)
    slice_ns: int  # time slice before preemption; 0 = cooperative (never preempted)
    syscall_stalls_core: bool  # a blocking syscall keeps the core busy-waiting for it
    one_thread_per_g: bool  # threads created = goroutines (1:1), or just one (N:1)
    thread_cap: int | None = None  # most threads alive besides main (1:1); None: no limit

    @classmethod
    def for_model(cls, one_to_one: bool, costs: Costs, thread_cap: int | None = None) -> ThreadPolicy:
        """The 1:1 policy (kernel threads, at most `thread_cap`) or the N:1 policy (one thread)."""
        if one_to_one:
            return cls(costs.thread_switch_ns, costs.thread_create_ns, costs.kernel_slice_ns,
                       False, True, thread_cap)
        return cls(costs.goroutine_switch_ns, costs.goroutine_create_ns, 0, True, False)


class ThreadRun(NamedTuple):
    """What the event loop returns: completions, counters, threads, and a failed spawn if any."""

    done: list  # done[g] = exit time, -1 if the run stopped first
    counts: Counts
    created: int  # threads created, main's included
    peak: int  # most threads alive at once, main's included
    failed_at: int | None  # goroutine whose thread could not be created
    failed_ns: int | None  # when that pthread_create returned: the run ends there


def run_threads(work: Workload, ncores: int, pol: ThreadPolicy, rec: Recorder):
    """The FIFO event loop; returns (completion times, Counts, threads created, peak)."""
    return tuple(thread_loop(work, ncores, pol, rec))[:4]


def thread_loop(work: Workload, ncores: int, pol: ThreadPolicy, rec: Recorder) -> ThreadRun:
    """The FIFO event loop, stopping at a spawn the thread cap refuses."""
    phases, n, cap = work.phases, work.n_goroutines, pol.thread_cap
    sw, spawn_ns, slice_ns = pol.switch_ns, pol.spawn_ns, pol.slice_ns
    runq = deque([0])
    pc, rem, done = [0] * n, [0] * n, [-1] * n
    slice_end, run_start, sw_end = [0] * ncores, [0] * ncores, [-1] * ncores
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
                    sw_end[core] = t
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
    failed = None
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
            if cap is not None and c["live"] - 1 >= cap:  # pthread_create: EAGAIN
                failed = (child, t)
                break
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
    if failed:
        _cut(rec, heap, run_start, sw_end, sw, failed[1])
    elif lost:
        raise RuntimeError(f"thread model invariant broken: G{lost[0]} never finished")
    counts = Counts(context_switches=c["sw"], preemptions=c["preempt"], spawns=c["spawns"])
    if not pol.one_thread_per_g:
        return ThreadRun(done, counts, 1, 1, None, None)
    return ThreadRun(done, counts, c["spawns"] + 1, c["peak"], *(failed or (None, None)))


def _cut(rec: Recorder, heap: list, run_start: list, sw_end: list, sw: int, t: int) -> None:
    """End every interval still open at time t (the process died): kept spans and totals."""
    for end, _, kind, core, _g in heap:
        if end <= t or kind == E_WAKEUP:
            continue
        if kind == E_RUN:
            start = run_start[core]
            rec.run_ns -= end - max(start, t)
            rec.busy[core] -= end - max(start, t)
            if sw and sw_end[core] == start:  # the switch just before this burst
                rec.busy[core] -= max(0, min(sw, start - t))
        elif kind != E_STALL_END:  # a switch (E_CONT) or a spawn span; a stall is not busy
            rec.busy[core] -= end - t
    cols = rec.cols
    keep = [i for i, s in enumerate(cols[2]) if s < t]
    for j, col in enumerate(cols):
        col[:] = [min(col[i], t) if j == 3 else col[i] for i in keep]


def thread_cap(limits=None) -> Cap:
    """The binding cap on 1:1 threads: thread_budget of `limits` (default: default_limits())."""
    limits = default_limits() if limits is None else limits
    return thread_budget(limits, BITS, THREAD_STACK_BYTES, GUARD_BYTES).binding


def simulate_threads(work, model, *, gomaxprocs=None, costs=None, seed=0, limits=None,
                     timeline_cap=200_000, event_cap=10_000, sample_cap=2048) -> SchedRun:
    """Run `work` as 1:1 kernel threads under `limits` (address.limits.Limits) or as N:1."""
    if not isinstance(work, Workload):
        raise TypeError(f"work must be a Workload (from workload() or Workload.from_phases); "
                        f"got {type(work).__name__}")
    model = Model.parse(model)
    if model is Model.MN:
        raise ValueError("model must be '1:1' or 'n:1' here; sched.simulate runs M:N")
    if gomaxprocs is None:  # a spec's own GOMAXPROCS, else the kit's 2-core default
        gomaxprocs = 2 if work.gomaxprocs is None else work.gomaxprocs
    procs = integer("gomaxprocs", gomaxprocs, 1, MAX_GOMAXPROCS)
    costs = Costs() if costs is None else costs
    if not isinstance(costs, Costs):
        raise TypeError(f"costs must be a Costs record; got {type(costs).__name__}")
    integer("seed", seed, 0)  # accepted like simulate's; these models draw nothing
    one = model is Model.ONE_TO_ONE
    cap = thread_cap(limits) if one else None
    most = None if cap is None else cap.threads
    nprocs = procs if one else 1
    rec = Recorder(nprocs, integer("timeline_cap", timeline_cap, 0),
                   integer("event_cap", event_cap, 0), integer("sample_cap", sample_cap, 2))
    r = thread_loop(work, nprocs, ThreadPolicy.for_model(one, costs, most), rec)
    spans, samples, local = rec.arrays(nprocs)
    return SchedRun(
        model=model.value, gomaxprocs=nprocs, n_goroutines=work.n_goroutines, seed=work.seed,
        makespan_ns=max(r.done) if r.failed_at is None else r.failed_ns,
        demand_ns=work.demand_ns, run_ns=rec.run_ns,
        busy_ns=sum(rec.busy), busy_per_p=frozen(np.array(rec.busy, np.int64)),
        completion_ns=frozen(np.array(r.done, np.int64)), spans=spans,
        spans_truncated=rec.truncated, samples=samples, local_samples=local,
        events=tuple(SchedEvent(*e) for e in rec.events), counts=r.counts,
        threads_created=r.created, peak_threads=r.peak,
        memory=stack_memory(work.n_goroutines, model, gomaxprocs=procs, threads=r.peak),
        spawn_failed_at=r.failed_at, thread_limit=most,
        thread_limit_name=None if cap is None else cap.name,
        thread_limit_value=None if cap is None or cap.limit is None else cap.limit.value)


def spawn_failure(run: SchedRun) -> str | None:
    """One sentence on the failed pthread_create of a 1:1 run (None if every thread started)."""
    if not isinstance(run, SchedRun):
        raise TypeError(f"run must be a SchedRun; got {type(run).__name__}")
    if run.spawn_failed_at is None:
        return None
    call = FAILING_CALL.get(run.thread_limit_name, "pthread_create")
    return (f"thread creation failed at goroutine {run.spawn_failed_at:,}: pthread_create "
            f"returned EAGAIN ({call}) because {limit_text(run)} allows {run.thread_limit:,} "
            f"threads besides main, and all were alive; the program stopped at "
            f"{run.makespan_ns / 1e6:.2f} ms")


def limit_text(run: SchedRun) -> str:
    """The binding limit of a 1:1 run as "name = value" (just the name if it has no value)."""
    if run.thread_limit_value is None:
        return str(run.thread_limit_name)
    return f"{run.thread_limit_name} = {run.thread_limit_value:,}"
