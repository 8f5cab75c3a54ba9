"""The discrete-event skeleton all three scheduler models run on: one event heap, one clock.

The M:N scheduler (gmp.Sched) and its two rivals (rivals.OneToOne, rivals.NToOne) differ in
who runs next and what it costs; they share how simulated time passes and what a run records:

    at(t, fn, arg) ───push (t, seq, fn, arg)───> heap ──pop the earliest──> fn(t, arg)
    at_daemon(t, arg) ─ (t, seq, None, arg): does not keep the run alive ──> daemon(t, arg)
    run(): pop until every G has exited; before each event, sample the queues on the
           recorder's time grid (queue_lengths); counts() turns the counters into Counts

Invariants: events run in (time, sequence number) order, so same-instant events run in the
order they were scheduled and a run is a pure function of its inputs; every heap entry is a
(t, seq, fn, arg) tuple with seq drawn from self.seq (a hot path may push one itself, as at
does); `daemons` counts the daemon wake-ups in the heap, which cannot make progress, so when
only they are left with a G unfinished the run raises RuntimeError instead of waking the
daemon for ever; a model ends a run early by setting live to 0 (a failed 1:1 spawn).

Rejected alternative: a time-stepped loop that advances every core by a fixed tick. Costs
range from a goroutine switch of under 100 ns (record.Costs) to a 60 s deep sleep of sysmon
(sysmon.DEEP_SLEEP_NS), so a tick fine enough for the first would take over 6 * 10**8 steps to
cross the second; an event
heap costs O(log n) per change whatever the gaps.
"""

from __future__ import annotations

import heapq
import itertools

import numpy as np

from ..core.validate import integer
from .record import MAX_GOMAXPROCS, Costs, Counts, Recorder, SchedEvent, frozen
from .workload import Workload

__all__ = ["Loop", "COUNTERS", "need_workload", "checked", "recorder", "record_fields"]

# The mechanism counters every model keeps, in Counts' field order (record.Counts names them).
COUNTERS = ("sw", "steals", "stolen", "gtakes", "slow", "handoffs", "preempt", "spawns",
            "wakeups", "main_preempt")


def need_workload(work, builders: str) -> None:
    """TypeError unless work is a Workload; `builders` names where one comes from."""
    if not isinstance(work, Workload):
        raise TypeError(f"work must be a Workload (from {builders}); got {type(work).__name__}")


def checked(work: Workload, gomaxprocs, costs, seed) -> tuple[int, Costs, int]:
    """(Ps, costs, seed) checked: gomaxprocs None is the spec's own, else 2; costs None: Costs()."""
    if gomaxprocs is None:  # a spec's own GOMAXPROCS, else the kit's 2-core default
        gomaxprocs = 2 if work.gomaxprocs is None else work.gomaxprocs
    procs = integer("gomaxprocs", gomaxprocs, 1, MAX_GOMAXPROCS)
    costs = Costs() if costs is None else costs
    if not isinstance(costs, Costs):
        raise TypeError(f"costs must be a Costs record; got {type(costs).__name__}")
    return procs, costs, integer("seed", seed, 0)


def recorder(nprocs: int, timeline_cap, event_cap, sample_cap) -> Recorder:
    """A Recorder for nprocs Ps or cores, its caps checked (sample_cap >= 2)."""
    return Recorder(nprocs, integer("timeline_cap", timeline_cap, 0),
                    integer("event_cap", event_cap, 0), integer("sample_cap", sample_cap, 2))


def record_fields(rec: Recorder, nprocs: int, work: Workload, done: list) -> dict:
    """The SchedRun fields every model fills the same way from its recorder and exit times."""
    spans, samples, local = rec.arrays(nprocs)
    return {
        "gomaxprocs": nprocs, "n_goroutines": work.n_goroutines, "seed": work.seed,
        "demand_ns": work.demand_ns, "run_ns": rec.run_ns, "busy_ns": sum(rec.busy),
        "busy_per_p": frozen(np.array(rec.busy, np.int64)),
        "completion_ns": frozen(np.array(done, np.int64)), "spans": spans,
        "spans_truncated": rec.truncated, "samples": samples, "local_samples": local,
        "events": tuple(SchedEvent(*e) for e in rec.events)}


class Loop:
    """The event heap, the clock's run loop and the recorder plumbing a scheduler model shares."""

    def loop_init(self, n: int, rec: Recorder) -> None:
        """Empty heap, n live Gs with no exit time yet, zeroed counters, `rec` recording."""
        self.rec, self.event_cap = rec, rec.event_cap
        self.heap, self.seq, self.daemons = [], itertools.count(), 0
        self.live, self.done = n, [-1] * n
        self.c = dict.fromkeys(COUNTERS, 0)

    def at(self, t: int, fn, arg) -> None:
        """Call fn(t, arg) at time t (an event that keeps the run alive)."""
        heapq.heappush(self.heap, (t, next(self.seq), fn, arg))

    def at_daemon(self, t: int, arg) -> None:
        """Call daemon(t, arg) at time t; such events alone do not keep the run alive."""
        self.daemons += 1
        heapq.heappush(self.heap, (t, next(self.seq), None, arg))

    def daemon(self, t: int, arg) -> None:
        """A background thread's wake-up (M:N: sysmon); models without one never schedule it."""
        raise NotImplementedError(f"{type(self).__name__} has no daemon")

    def queue_lengths(self) -> tuple[int, list]:
        """(global run queue length, [run queue length of each P or core]) right now."""
        raise NotImplementedError

    def run(self) -> None:
        """Process events in (time, sequence) order until every G has exited or live is 0."""
        heap, pop, rec, daemon = self.heap, heapq.heappop, self.rec, self.daemon
        while self.live:
            if len(heap) == self.daemons:  # only daemon wake-ups are left: nothing can finish
                lost = next(g for g, d in enumerate(self.done) if d < 0)
                raise RuntimeError(f"scheduler invariant broken: G{lost} can never finish")
            t, _, fn, arg = pop(heap)
            if t >= rec.next_sample:
                rec.sample(t, *self.queue_lengths())
            if fn is None:
                self.daemons -= 1
                daemon(t, arg)
            else:
                fn(t, arg)

    def counts(self) -> Counts:
        """The run's mechanism counters as a Counts record."""
        c = self.c
        return Counts(*[c[k] for k in COUNTERS])
