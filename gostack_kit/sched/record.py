"""What a scheduler run leaves behind: timelines, counters, queue samples, stack memory.

Every `Model` (M:N, 1:1, N:1) fills the same `SchedRun`, so a notebook can put three runs
of one workload side by side; `stack_memory` prices their stacks without simulating. Time
is in whole nanoseconds from the start of main.

    P0 |sw|  G0 run  |sp|sp|  G0 run ....|sw| G3 run |
    P1 |thr|sw| G2 run      |sys .... G2 blocked ...|
    P2                |thr|sw|  G1 run  |sw| G4 ...
        ^ intervals (p, g, start, end, kind): run, switch, spawn, thread, syscall

Invariants (tested as laws): the `run` intervals add up to the workload's compute demand
under every model; busy time = run + switch + spawn + thread time; a P never has two
overlapping intervals; makespan >= demand / cores.

Rejected alternative: a Python object per event. At 100,000 goroutines the run makes
about a million intervals; they are kept as parallel integer arrays, and only the first
`timeline_cap` are kept at all (the record says when it is truncated). Totals are always
exact because they are summed as the run goes, not from the kept intervals.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..core.validate import integer

__all__ = ["Model", "stack_memory", "Span", "Ev", "Costs", "Counts", "StackMemory", "SchedRun",
           "SchedEvent", "Recorder", "G_STACK_BYTES", "G_STRUCT_BYTES", "THREAD_STACK_BYTES",
           "GUARD_BYTES", "Slice", "Timeline", "SLICE_ENDS"]

G_STACK_BYTES = 2048  # stackMin, a new goroutine's stack (runtime/stack.go); the memory probe measures it
G_STRUCT_BYTES = 480  # the size class new(g) takes (type g: runtime/runtime2.go; runtime/sizeclasses.go)
THREAD_STACK_BYTES = 8 << 20  # glibc's default pthread stack: the `ulimit -s` soft limit (address.layout)
GUARD_BYTES = 4096  # one PROT_NONE guard page below every pthread stack (seen in notebook 02's maps)
MAX_GOMAXPROCS = 256  # far above any laptop; the widget offers 1..64
MAX_COUNT = 10**8  # goroutine and thread counts accepted by the memory arithmetic


class Model(enum.Enum):
    """A threading model: the value the simulator and the memory arithmetic dispatch on."""

    MN = "M:N"  # Go: goroutines on GOMAXPROCS Ps, Ms created as syscalls need them
    ONE_TO_ONE = "1:1"  # a kernel thread per goroutine, scheduled on GOMAXPROCS cores
    N_TO_ONE = "N:1"  # user-level threads on one kernel thread: a syscall stalls them all

    @classmethod
    def parse(cls, model) -> Model:
        """`model` as a Model: a member, or one of the spec names "mn", "1:1", "n:1"."""
        if isinstance(model, str):
            if model.lower() not in MODEL_NAMES:
                raise ValueError(f"model must be one of {', '.join(MODEL_NAMES)}; got {model!r}")
            return MODEL_NAMES[model.lower()]
        if not isinstance(model, cls):
            raise TypeError(f"model must be a Model member ({', '.join(m.name for m in cls)}) "
                            f"or one of {', '.join(MODEL_NAMES)}; got {type(model).__name__}")
        return model

    def memory_shape(self, n: int, gomaxprocs: int) -> tuple[int, int]:
        """(stack bytes per goroutine, number of thread stacks) for n goroutines."""
        if self is Model.ONE_TO_ONE:
            return 0, n  # the goroutine's stack is its thread's stack
        # Ms are counted as cgo-built pthreads (8 MiB + guard); a pure-Go Linux binary gives
        # each M a 16 KiB g0 stack instead (runtime/proc.go allocm), which only shrinks the M:N figure.
        return G_STACK_BYTES + G_STRUCT_BYTES, (gomaxprocs if self is Model.MN else 1)


MODEL_NAMES = {"mn": Model.MN, "1:1": Model.ONE_TO_ONE, "n:1": Model.N_TO_ONE}  # simulate(w, model=...)


def stack_memory(n_goroutines, model, *, gomaxprocs=2, threads=None) -> StackMemory:
    """Stack bytes reserved for n goroutines under `model`: O(1) arithmetic.

    Thread stacks count their 8 MiB virtual reserve plus the guard page; M:N uses
    `gomaxprocs` threads unless `threads` (e.g. a run's threads_created) is given.
    """
    n = integer("n_goroutines", n_goroutines, 0, MAX_COUNT)
    if not isinstance(model, Model):
        raise TypeError(f"model must be a Model member ({', '.join(m.name for m in Model)})")
    procs = integer("gomaxprocs", gomaxprocs, 1, MAX_GOMAXPROCS)
    per_g, nthreads = model.memory_shape(n, procs)
    if threads is not None:
        nthreads = integer("threads", threads, 0, MAX_COUNT)
    return StackMemory(n, nthreads, n * per_g, nthreads * (THREAD_STACK_BYTES + GUARD_BYTES))


class Span(enum.IntEnum):
    """Kinds of timeline interval; only RUN is the workload's own CPU demand."""

    RUN = 0  # a G's compute burst on the CPU
    SWITCH = 1  # a context switch: gogo for goroutines, the kernel's switch for threads
    SPAWN = 2  # creating a child: newproc for a goroutine, clone for a thread
    THREAD = 3  # starting or waking an M so it can run this P (startm: newm or notewakeup)
    SYSCALL = 4  # the P (or the only core) is held by a thread blocked in a syscall; not busy


_RUN, _SYSCALL = int(Span.RUN), int(Span.SYSCALL)  # plain ints for the hot path


class Ev(enum.IntEnum):
    """Scheduling decisions in the event log: how each G got (or lost) a P."""

    RUNNEXT = 0  # picked from runnext, inheriting the time slice
    LOCAL = 1  # picked from the local run queue
    GLOBAL = 2  # picked from the global queue (the 1/61 check, or a batch)
    STEAL = 3  # stolen from another P's queue (half, rounded up)
    PREEMPT = 4  # sysmon preempted it after forcePreemptNS; it goes to the global queue
    SYSCALL = 5  # entered a blocking syscall
    RETAKE = 6  # sysmon took its P away while it sat in a syscall (handoffp)
    EXITSYSCALL = 7  # returned from a syscall: value 1 if it still had a P, 0 if not
    PARK = 8  # parked on a channel or the network: the M and P move on
    READY = 9  # a parked G became runnable again
    EXIT = 10  # the G finished
    PUTSLOW = 11  # runqputslow moved half the full local queue plus one G to the global queue
    NEWM = 12  # a new OS thread was created
    GO = 13  # a `go` statement started the G (value = parent)


@dataclass(frozen=True)
class Costs:
    """Per-operation CPU costs in ns that the models charge as busy, non-RUN time.

    The defaults are MEASURED by realgo.costs_probe (data/sched_costs.json: Go 1.27.3, the
    kit's 2-core VM, each the median of 7 fresh runs of per-run medians); `costs_fields` of
    that recording gives them, and tests/test_realgo_costs_probe.py checks that they still do.
    """

    goroutine_switch_ns: int = 81  # Gosched between two Gs on one P: gosched_m, schedule, gogo
    goroutine_create_ns: int = 488  # go f() and its G's whole life with 20,000 live, less a switch
    thread_switch_ns: int = 2039  # a blocked thread woken on the same CPU: pipe ping-pong, raw syscalls
    thread_create_ns: int = 22513  # newm's clone, the thread's first run and its exit (a locked G exits)
    kernel_slice_ns: int = 2414191  # two spinning threads on one CPU: how long each runs (Linux 6.18)
    thread_wake_ns: int = 20820  # startm's wake of an idle M: a blocked thread woken on another CPU
    timer_late_ns: int = 69475  # how late a 1 ms nanosleep returns: the kernel's timer slack + a wake
    netpoll_late_ns: int = 79530  # how late a 1 ms epoll_wait in netpoll ends, up to the sleeper running

    def __post_init__(self):
        for name in ("goroutine_switch_ns", "goroutine_create_ns", "thread_switch_ns",
                     "thread_create_ns", "thread_wake_ns", "timer_late_ns",
                     "netpoll_late_ns"):
            integer(name, getattr(self, name), 0, 10**9)
        integer("kernel_slice_ns", self.kernel_slice_ns, 1000, 10**10)

    @classmethod
    def zero(cls) -> Costs:
        """All overheads zero: runs whose times can be checked by hand."""
        return cls(0, 0, 0, 0, cls.kernel_slice_ns, 0, 0, 0)


@dataclass(frozen=True)
class Counts:
    """How often each scheduler mechanism fired during a run."""

    context_switches: int = 0  # a G (or thread) started running on a P (or core)
    steals: int = 0  # successful steal operations
    stolen: int = 0  # goroutines moved by those steals
    global_takes: int = 0  # times a P took from the global queue (one per batch)
    putslow: int = 0  # runqputslow calls (local ring full)
    handoffs: int = 0  # Ps retaken from a syscall and handed to another M
    preemptions: int = 0  # time slices of workload goroutines (ids >= 1) that ran out
    spawns: int = 0  # go statements (or thread creations)
    wakeups: int = 0  # sleeping Ms woken to run a P (startm without newm)
    main_preemptions: int = 0  # time slices of main (G0) that ran out: not in `preemptions`


class SchedEvent(NamedTuple):
    """One scheduling decision: at time t, on P p (-1: no P), G g, what happened, a value."""

    t: int
    p: int
    g: int
    ev: Ev
    value: int  # RUNNEXT/LOCAL/GLOBAL/STEAL: schedtick; SYSCALL/PARK: duration; GO: parent


@dataclass(frozen=True)
class StackMemory:
    """Bytes reserved for stacks: goroutine stacks + g structs, and thread stacks + guards."""

    n_goroutines: int
    threads: int
    goroutine_bytes: int
    thread_bytes: int

    @property
    def total_bytes(self) -> int:
        """All stack memory reserved (virtual for thread stacks)."""
        return self.goroutine_bytes + self.thread_bytes


@dataclass(frozen=True)
class SchedRun:
    """One simulated run: parameters echoed, timelines, samples, counters, memory."""

    model: str
    gomaxprocs: int
    n_goroutines: int
    seed: int | None
    makespan_ns: int
    demand_ns: int
    run_ns: int  # sum of RUN spans; equals demand_ns (work conservation)
    busy_ns: int  # RUN + SWITCH + SPAWN + THREAD time over all Ps
    busy_per_p: np.ndarray  # busy ns for each P (or core)
    completion_ns: np.ndarray  # when G g exited; -1: a failed spawn stopped the run first
    spans: np.ndarray  # structured: p, g, start, end, kind (first timeline_cap only)
    spans_truncated: bool
    samples: np.ndarray  # structured: t, global_len, local_len (sum over Ps)
    local_samples: np.ndarray  # shape (len(samples), gomaxprocs): runq + runnext per P
    events: tuple  # (t, p, g, Ev, value) decisions, the first event_cap only
    counts: Counts
    threads_created: int
    peak_threads: int  # most threads at once that were not parked on the idle-M list
    memory: StackMemory
    # 1:1 only (sched/rivals.py): the goroutine whose pthread_create failed with EAGAIN (None:
    # every thread was created), the most threads besides main that may be alive at once, and
    # the limit (address.limits) that sets that number, with its own value (65,530 for
    # vm.max_map_count; None for the address space, which no setting holds)
    spawn_failed_at: int | None = None
    thread_limit: int | None = None
    thread_limit_name: str | None = None
    thread_limit_value: int | None = None
    threads_ran: int | None = None  # M:N: Ms that ran a workload goroutine (id >= 1)
    sysmon: tuple = ()  # M:N: one sysmon.SysmonLook per sysmon wake-up (the first event_cap)
    slices: tuple = ()  # M:N: (g, m, p, start_ns, end_ns, why) of workload Gs; timeline() makes Slices

    def spans_of(self, p: int, kind: Span | None = None) -> np.ndarray:
        """The kept intervals of one P (optionally of one kind), in time order."""
        keep = self.spans["p"] == p
        if kind is not None:
            keep &= self.spans["kind"] == kind
        return self.spans[keep]

    def bars(self, p: int, kind: Span = Span.RUN) -> np.ndarray:
        """(start, width) rows in ns for one P and kind: ready for Axes.broken_barh."""
        s = self.spans_of(p, kind)
        return np.column_stack([s["start"], s["end"] - s["start"]])

    def summary(self) -> dict:
        """Headline figures, rounded for stable printing: times in ms, memory in MiB."""
        cap = self.makespan_ns * self.gomaxprocs
        return {
            "model": self.model, "gomaxprocs": self.gomaxprocs, "goroutines": self.n_goroutines,
            "makespan_ms": round(self.makespan_ns / 1e6, 3),
            "utilization_pct": round(100 * self.run_ns / cap, 1) if cap else 0.0,
            "overhead_pct": round(100 * (self.busy_ns - self.run_ns) / cap, 1) if cap else 0.0,
            "threads": self.threads_created,
            "stack_MiB": round(self.memory.total_bytes / 2**20, 1),
            "context_switches": self.counts.context_switches, "steals": self.counts.steals,
            "handoffs": self.counts.handoffs, "preemptions": self.counts.preemptions,
        }

    @property
    def order(self) -> tuple:
        """Workload goroutine ids (1..n) in the order each first ran (from the kept events)."""
        seen, picks = {}, (Ev.RUNNEXT, Ev.LOCAL, Ev.GLOBAL, Ev.STEAL)
        for e in self.events:
            if e.ev in picks and e.g > 0:
                seen.setdefault(e.g, None)
        return tuple(seen)

    @property
    def finish_ns(self) -> tuple:
        """finish_ns[i] = when goroutine i+1 exited, ns from when main began spawning."""
        return tuple(int(x) for x in self.completion_ns[1:])

    @property
    def preemptions(self) -> int:
        """Time slices that ran out (yields are not counted)."""
        return self.counts.preemptions

    @property
    def handoffs(self) -> int:
        """Ps taken from an M blocked in a system call."""
        return self.counts.handoffs

    @property
    def threads(self) -> int:
        """OS threads (Ms) that ran workload goroutines (1:1 and N:1: every thread created)."""
        return self.threads_created if self.threads_ran is None else self.threads_ran

    def timeline(self) -> Timeline:
        """This run as the Timeline record a real Go trace also fills (source "model M:N" etc.)."""
        return Timeline(f"model {self.model}", self.gomaxprocs, self.order, self.finish_ns,
                        self.preemptions, self.handoffs, self.threads,
                        tuple(map(Slice._make, self.slices)))

    def events_of(self, *kinds: Ev) -> tuple:
        """The kept events of the given kinds, in order."""
        return tuple(e for e in self.events if e.ev in kinds)


SPAN_DTYPE = np.dtype([("p", "i4"), ("g", "i4"), ("start", "i8"), ("end", "i8"), ("kind", "i1")])
SAMPLE_DTYPE = np.dtype([("t", "i8"), ("global_len", "i4"), ("local_len", "i4")])


def frozen(a: np.ndarray) -> np.ndarray:
    """Mark an array read-only, so the record stays immutable."""
    a.flags.writeable = False
    return a


class Recorder:
    """Collects spans, events and queue samples for one run; totals stay exact past the caps."""

    def __init__(self, nprocs: int, timeline_cap: int, event_cap: int, sample_cap: int):
        self.cols = ([], [], [], [], [])  # p, g, start, end, kind
        self.cap, self.truncated = timeline_cap, False
        self.busy = [0] * nprocs
        self.run_ns = 0
        self.events, self.event_cap = [], event_cap
        self.sample_cap, self.sample_dt, self.next_sample = max(2, sample_cap), 10_000, 0
        self.sample_rows, self.local_rows = [], []

    def span(self, p: int, g: int, start: int, end: int, kind: int) -> None:
        """Record that P p spent [start, end) on G g doing `kind`."""
        d = end - start
        if d <= 0:
            return
        if kind != _SYSCALL:
            self.busy[p] += d
            if kind == _RUN:
                self.run_ns += d
        cols = self.cols
        if len(cols[0]) < self.cap:
            ps, gs, starts, ends, kinds = cols
            ps.append(p)
            gs.append(g)
            starts.append(start)
            ends.append(end)
            kinds.append(kind)
        else:
            self.truncated = True

    def event(self, t: int, p: int, g: int, ev: Ev, value: int = 0) -> None:
        """Log one scheduling decision (only the first event_cap are kept)."""
        if len(self.events) < self.event_cap:
            self.events.append((t, p, g, ev, value))

    def sample(self, t: int, global_len: int, local: list) -> None:
        """Sample queue lengths on an even time grid up to t; thin the grid when it fills."""
        while self.next_sample <= t:
            self.sample_rows.append((self.next_sample, global_len, sum(local)))
            self.local_rows.append(local)
            if len(self.sample_rows) >= self.sample_cap:
                self.sample_rows = self.sample_rows[::2]
                self.local_rows = self.local_rows[::2]
                self.sample_dt *= 2
            self.next_sample = len(self.sample_rows) * self.sample_dt

    def arrays(self, nprocs: int):
        """Spans, samples and per-P samples as read-only numpy arrays."""
        spans = np.empty(len(self.cols[0]), SPAN_DTYPE)
        for name, col in zip(SPAN_DTYPE.names, self.cols, strict=True):
            spans[name] = col
        spans = spans[np.argsort(spans["start"], kind="stable")]  # start order, ties as logged
        samples = np.array(self.sample_rows, SAMPLE_DTYPE)
        local = np.array(self.local_rows, np.int32).reshape(len(self.local_rows), nprocs)
        return frozen(spans), frozen(samples), frozen(local)


SLICE_ENDS = ("preempted", "yield", "syscall", "sleep", "block", "exit")  # why a G left its M


class Slice(NamedTuple):
    """One stretch of a workload G running on an M that holds P p, and why it stopped."""

    g: int  # the spec's goroutine id: 1..n in list order (0 is main)
    m: int  # the thread, numbered 0, 1, ... in order of first use
    p: int
    start_ns: int  # from when main began spawning
    end_ns: int
    why: str  # one of SLICE_ENDS


@dataclass(frozen=True)
class Timeline:
    """What one run of a spec did, in the same terms for the model and for real Go's trace."""

    source: str  # "model M:N", or the Go release and "live"/"recorded"
    gomaxprocs: int
    order: tuple  # goroutine ids in the order each first started running
    finish_ns: tuple  # finish_ns[i] = when goroutine i+1 finished, ns from spawn start
    preemptions: int  # involuntary preemptions of workload goroutines (yields not counted)
    handoffs: int  # times a P was taken from an M blocked in a system call
    threads: int  # OS threads (Ms) that ran workload goroutines
    slices: tuple = ()  # Slice rows in start order, for drawing

    def __post_init__(self):
        if len(set(self.order)) != len(self.order):
            raise ValueError(f"order repeats a goroutine: {self.order}")
        for name in ("preemptions", "handoffs", "threads"):
            integer(name, getattr(self, name), 0)
