"""The two models Go did not choose: 1:1 kernel threads and N:1 user-level threads.

Both are one FIFO run queue feeding some cores, a `Threads` on the event loop that gmp.Sched
also runs on (loop.Loop); `OneToOne` and `NToOne` differ only in their costs, the time slice,
whether a syscall stalls the core, and whether a spawn can fail.

    run_core(core, g):  g < 0 ─> take the run queue's head (a switch) ─> run its phases:
        compute ──burst_end──> next phase, or the slice ran out: to the queue's tail
        go      ──spawn_end──> create_thread (1:1: pthread_create, EAGAIN at the cap) ─> queue
        wait    ──wait_end───> queue, wake_idle_core | N:1 syscall ──stall_end──> goes on

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

from collections import deque
from heapq import heappush as push

from ..address.limits import Cap, default_limits, thread_budget
from .loop import Loop, checked, need_workload, record_fields, recorder
from .record import GUARD_BYTES, THREAD_STACK_BYTES, Costs, Ev, Model, Recorder, SchedRun, Span, stack_memory
from .workload import Phase, Workload

__all__ = ["Threads", "OneToOne", "NToOne", "simulate_threads", "thread_cap", "spawn_failure",
           "limit_text", "FAILING_CALL"]

# ESTIMATE: the soonest a slice can end after a thread starts running. The kit's VM ticks at
# 250 Hz (CONFIG_HZ, read from /proc/config.gz into data/sched_costs.json), yet realgo.costs_probe's
# slices (per-run medians 1.5-2.9 ms, same file) end between ticks, so no 4 ms floor applies.
KERNEL_TICK_NS = 1_000_000
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


class Threads(Loop):
    """One FIFO run queue of threads feeding `ncores` cores: what 1:1 and N:1 share."""

    switch_ns = spawn_ns = slice_ns = 0  # set by each model from Costs before the first G runs
    stalls = False  # a blocking syscall holds the core until it returns (N:1)
    late_ns = 0  # Costs.timer_late_ns: a syscall phase is a timed kernel wait, which ends late
    kernel_sleeps = False  # a sleep is the thread's own nanosleep, late too (1:1)

    def __init__(self, work: Workload, ncores: int, rec: Recorder):
        """Main (G0) alone in the run queue, taken by core 0 at time 0; the others idle."""
        n = work.n_goroutines
        self.loop_init(n, rec)
        self.phases, self.ncores, self.runq = work.phases, ncores, deque([0])
        self.pc, self.rem = [0] * n, [0] * n
        self.slice_end, self.run_start, self.sw_end = [0] * ncores, [0] * ncores, [-1] * ncores
        self.idle = set(range(ncores))
        self.alive = self.peak = 1  # threads alive now and at most, main's included
        self.failed = None  # (goroutine, time) of the spawn that could not get a thread
        # the events run_core schedules, bound once: a bound method per push would cost more
        self.on_switch, self.on_burst = self.switch_end, self.burst_end
        self.on_spawn, self.on_wait = self.spawn_end, self.wait_end
        self.on_stall = self.stall_end if self.stalls else None
        self.run_core(0, -1, 0)  # main starts on core 0
        self.idle.discard(0)

    def queue_lengths(self) -> tuple[int, list]:
        """(0, [run queue length, 0, ...]): one queue, counted on the first core."""
        return 0, [len(self.runq)] + [0] * (self.ncores - 1)

    def wake_idle_core(self, t: int) -> None:
        """A thread just became runnable: the lowest idle core takes it at once."""
        idle = self.idle
        if idle:
            core = min(idle)
            idle.discard(core)
            self.run_core(core, -1, t)

    def run_core(self, core: int, g: int, t: int) -> None:
        """Core `core` runs thread g from t (g < 0: it first takes the run queue's head)."""
        phases, pc, rem, runq, sw = self.phases, self.pc, self.rem, self.runq, self.switch_ns
        span, log, heap, seq = self.rec.span, self.rec.event, self.heap, self.seq
        while True:
            if g < 0:  # pick the next thread, then switch to it (1:1: kernel/sched/core.c __schedule)
                if not runq:
                    self.idle.add(core)
                    return
                g = runq.popleft()
                self.c["sw"] += 1
                self.slice_end[core] = t + self.slice_ns if self.slice_ns else -1
                log(t, core, g, Ev.LOCAL, 0)
                if sw:
                    span(core, g, t, t + sw, SP_SWITCH)
                    t += sw
                    self.sw_end[core] = t
                    if pc[g] == len(phases[g]) or phases[g][pc[g]][0] != PH_COMPUTE:
                        push(heap, (t, next(seq), self.on_switch, (core, g)))
                        return
            ph, i = phases[g], pc[g]
            if i == len(ph):  # the thread exits; the core schedules
                self.done[g] = t
                self.live -= 1
                self.alive -= 1
                log(t, core, g, Ev.EXIT, 0)
                g = -1
                continue
            kind, v = ph[i]
            if kind == PH_COMPUTE:
                r = rem[g] or v
                end, lim = t + r, self.slice_end[core]
                if lim >= 0 and end > lim:  # the scheduler tick notices the expired slice
                    end = min(end, max(lim, t + KERNEL_TICK_NS))
                rem[g], self.run_start[core] = r, t
                span(core, g, t, end, SP_RUN)
                push(heap, (end, next(seq), self.on_burst, (core, g)))
                return
            if kind == PH_GO:
                span(core, g, t, t + self.spawn_ns, SP_SPAWN)
                push(heap, (t + self.spawn_ns, next(seq), self.on_spawn, (core, g)))
                return
            if kind == PH_YIELD:  # sched_yield / a green-thread yield: back of the run queue
                pc[g] += 1
                runq.append(g)
                g = -1
                continue
            in_kernel = kind in (PH_SYSCALL, PH_BLOCK)
            log(t, core, g, Ev.SYSCALL if in_kernel else Ev.PARK, v)
            if in_kernel or self.kernel_sleeps:
                v += self.late_ns
            if in_kernel and self.stalls:
                span(core, g, t, t + v, SP_SYSCALL)  # the only thread sits in the kernel
                push(heap, (t + v, next(seq), self.on_stall, (core, g)))
                return
            push(heap, (t + v, next(seq), self.on_wait, g))  # only it sleeps
            g = -1

    def switch_end(self, t: int, arg) -> None:
        """Event: the switch to a thread whose next phase is not compute is over."""
        self.run_core(*arg, t)

    def burst_end(self, t: int, arg) -> None:
        """Event: a compute burst ended, or the time slice did (to the run queue's tail)."""
        core, g = arg
        rem = self.rem
        rem[g] -= t - self.run_start[core]
        if rem[g]:  # slice expired: preempted by the scheduler tick
            self.c["preempt"] += 1
            self.rec.event(t, core, g, Ev.PREEMPT, rem[g])
            self.runq.append(g)
            self.run_core(core, -1, t)
        else:
            self.pc[g] += 1
            self.run_core(core, g, t)

    def create_thread(self, child: int, t: int) -> bool:
        """Whether the spawn of `child` gets its thread (a model may refuse: 1:1's EAGAIN)."""
        return True

    def spawn_end(self, t: int, arg) -> None:
        """Event: a spawn's cost is paid; the child joins the run queue and the parent goes on."""
        core, g = arg
        child = self.phases[g][self.pc[g]][1]
        if not self.create_thread(child, t):
            return
        self.pc[g] += 1
        self.c["spawns"] += 1
        self.alive += 1
        self.peak = max(self.peak, self.alive)
        self.rec.event(t, core, child, Ev.GO, g)
        self.runq.append(child)
        self.wake_idle_core(t)
        self.run_core(core, g, t)

    def wait_end(self, t: int, g: int) -> None:
        """Event: g's syscall returned or its park ended: it is runnable again."""
        self.pc[g] += 1
        self.rec.event(t, -1, g, Ev.READY, 0)
        self.runq.append(g)
        self.wake_idle_core(t)


class OneToOne(Threads):
    """1:1: each G is a kernel thread (pthread_create), kernel-scheduled on `ncores` cores."""

    def __init__(self, work: Workload, ncores: int, costs: Costs, rec: Recorder,
                 cap: int | None = None):
        """Kernel costs and slice from `costs`; at most `cap` threads besides main (None: no cap)."""
        self.switch_ns, self.spawn_ns = costs.thread_switch_ns, costs.thread_create_ns
        self.slice_ns, self.cap = costs.kernel_slice_ns, cap  # cap: most threads besides main
        self.late_ns, self.kernel_sleeps = costs.timer_late_ns, True
        super().__init__(work, ncores, rec)

    def create_thread(self, child: int, t: int) -> bool:
        """pthread_create: EAGAIN once `cap` threads besides main are alive; the process stops."""
        if self.cap is not None and self.alive - 1 >= self.cap:
            self.failed, self.live = (child, t), 0  # the C program aborts: the loop ends here
            return False
        return True

    def threads(self) -> tuple[int, int]:
        """(threads created, most alive at once), main's included."""
        return self.c["spawns"] + 1, self.peak

    def exit_group(self, t: int) -> None:
        """The process dies at t (kernel/exit.c do_group_exit): every open interval ends there."""
        rec, sw = self.rec, self.switch_ns
        for end, _, fn, arg in self.heap:
            if end <= t or fn == self.wait_end:  # a sleeping thread holds no core
                continue
            core = arg[0]
            if fn == self.burst_end:
                start = self.run_start[core]
                rec.run_ns -= end - max(start, t)
                rec.busy[core] -= end - max(start, t)
                if sw and self.sw_end[core] == start:  # the switch just before this burst
                    rec.busy[core] -= max(0, min(sw, start - t))
            else:  # a switch or a spawn in flight (1:1 has no stalls)
                rec.busy[core] -= end - t
        cols = rec.cols
        keep = [i for i, s in enumerate(cols[2]) if s < t]
        for j, col in enumerate(cols):
            col[:] = [min(col[i], t) if j == 3 else col[i] for i in keep]


class NToOne(Threads):
    """N:1: every G is a user-level thread on one kernel thread; a blocking syscall stalls all."""

    stalls = True  # the one kernel thread blocks in the kernel, and every G waits with it

    def __init__(self, work: Workload, costs: Costs, rec: Recorder):
        """Goroutine costs from `costs`, no time slice, one core."""
        self.switch_ns, self.spawn_ns = costs.goroutine_switch_ns, costs.goroutine_create_ns
        self.slice_ns = 0  # cooperative: a user-level thread runs until it waits or yields
        self.late_ns = costs.timer_late_ns  # its syscalls are the kernel's timed waits; sleeps are its own
        super().__init__(work, 1, rec)

    def threads(self) -> tuple[int, int]:
        """(1, 1): the one kernel thread."""
        return 1, 1

    def stall_end(self, t: int, arg) -> None:
        """Event: the blocking syscall returned; the one thread goes on with the same G."""
        core, g = arg
        self.pc[g] += 1
        self.rec.event(t, core, g, Ev.EXITSYSCALL, 1)
        self.run_core(core, g, t)


def thread_cap(limits=None) -> Cap:
    """The binding cap on 1:1 threads: thread_budget of `limits` (default: default_limits())."""
    limits = default_limits() if limits is None else limits
    return thread_budget(limits, BITS, THREAD_STACK_BYTES, GUARD_BYTES).binding


def simulate_threads(work, model, *, gomaxprocs=None, costs=None, seed=0, limits=None,
                     timeline_cap=200_000, event_cap=10_000, sample_cap=2048) -> SchedRun:
    """Run `work` as 1:1 kernel threads under `limits` (address.limits.Limits) or as N:1."""
    need_workload(work, "workload() or Workload.from_phases")
    model = Model.parse(model)
    if model is Model.MN:
        raise ValueError("model must be '1:1' or 'n:1' here; sched.simulate runs M:N")
    procs, costs, _ = checked(work, gomaxprocs, costs, seed)  # these models draw nothing
    one = model is Model.ONE_TO_ONE
    cap = thread_cap(limits) if one else None
    most = None if cap is None else cap.threads
    nprocs = procs if one else 1
    rec = recorder(nprocs, timeline_cap, event_cap, sample_cap)
    s = OneToOne(work, nprocs, costs, rec, most) if one else NToOne(work, costs, rec)
    s.run()
    failed_at, failed_ns = s.failed or (None, None)
    if s.failed:
        s.exit_group(failed_ns)
    created, peak = s.threads()
    return SchedRun(
        model=model.value, makespan_ns=max(s.done) if failed_at is None else failed_ns,
        **record_fields(rec, nprocs, work, s.done), counts=s.counts(),
        threads_created=created, peak_threads=peak,
        memory=stack_memory(work.n_goroutines, model, gomaxprocs=procs, threads=peak),
        spawn_failed_at=failed_at, thread_limit=most,
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
