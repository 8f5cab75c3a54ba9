"""Ready-made experiments for the scheduling notebook: workloads, side-by-side runs, sweeps.

The scheduler engine (`scheduler.simulate`) answers one question per call. A lesson asks
several at once: the same seeded program under 1:1, N:1 and M:N; the stack bill from one
goroutine to a million; a program built so that only the runtime's fairness rule can save
one goroutine. This module builds those inputs and collects the records, so a notebook
cell stays one line and holds no loop.

    share_workload(n, seed, syscall_share) ──> Workload ──> compare() ──> {Model: SchedRun}
                                                             run_model(): one model, limits for 1:1
    memory_sweep(counts)                    ──> {Model: (StackMemory, ...)}   (arithmetic)
    fairness_chain(k)                       ──> Workload (G1 waits for schedtick % 61)

Invariant: nothing here simulates differently from the engine; every record is exactly what
one `simulate` (M:N), `rivals.simulate_threads` (1:1 and N:1, where 1:1 meets the thread
limits of `limits`, default address.limits.default_limits) or `stack_memory` call returns for
the same arguments.

Rejected alternative: a dashboard slider for `blocking_fraction` (the chance that a gap
between two bursts is a syscall). Students think in time ("a third of the time blocked"),
so `share_workload` turns a target share of time into the workload's parameters.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from ..core.validate import integer, number
from ..sched.gmp import global_batch, simulate, stack_memory
from ..sched.record import MAX_GOMAXPROCS, Costs, Ev, Model, SchedRun, Slice, Span, StackMemory, Timeline
from ..sched.rivals import simulate_threads
from ..sched.workload import MAX_GOROUTINES, Workload, workload

__all__ = ["MODELS", "MAX_SHARE", "batch_sweep", "share_workload", "compare", "run_model", "memory_sweep",
           "fairness_chain", "goroutine_memory", "MEMORY_COUNTS", "RealVsModel", "model_slices",
           "model_timeline", "real_vs_model", "SliceStats", "slices_of", "slice_stats", "SysmonStretch",
           "sysmon_looks", "sysmon_stretches", "syscall_gaps", "gap_stats", "first_handoffs",
           "first_handoff_stats", "sleep_lateness", "finish_ranges"]

MODELS = (Model.ONE_TO_ONE, Model.N_TO_ONE, Model.MN)  # teaching order: the rivals, then Go
MAX_SHARE = 0.9  # at 0.9 a G blocks 9x as long as it computes; 1.0 would mean no compute
BURSTS = 2  # compute bursts per G: one gap between them that may be a syscall
COMPUTE_US = 50.0  # mean burst (the workload builder's default)
SYSCALL_US = 100.0  # mean syscall while the share can be reached by probability alone
MEMORY_COUNTS = (1, 10, 100, 1_000, 10_000, 100_000, 1_000_000)  # a decade per step


def share_workload(n_goroutines, seed, syscall_share) -> Workload:
    """A seeded workload whose expected share of time in blocking syscalls is `syscall_share`.

    With k bursts of mean C and a syscall of mean S in each of the k-1 gaps with chance p,
    the share is (k-1)pS / (kC + (k-1)pS); p grows first, then S once p reaches 1.
    """
    s = number("syscall_share", syscall_share, 0.0, MAX_SHARE)
    blocked_us = s * BURSTS * COMPUTE_US / ((1.0 - s) * (BURSTS - 1))  # (k-1) p S
    p = min(1.0, blocked_us / SYSCALL_US)
    mean_sys = blocked_us / p if p > 0 else SYSCALL_US
    return workload(n_goroutines, seed, blocking_fraction=p, bursts=BURSTS,
                    compute_us=COMPUTE_US, syscall_us=mean_sys)


def compare(work: Workload, *, gomaxprocs=2, costs: Costs | None = None, seed=0,
            models=MODELS, limits=None, **caps) -> dict[Model, SchedRun]:
    """Run one workload under each of `models` with the same cores, costs, seed and limits."""
    return {m: run_model(work, m, gomaxprocs=gomaxprocs, costs=costs, seed=seed, limits=limits,
                         **caps) for m in models}


def run_model(work: Workload, model, *, gomaxprocs=None, costs: Costs | None = None, seed=0,
              limits=None, **caps) -> SchedRun:
    """One run of `work` under `model` (gomaxprocs None: a spec's, else 2); 1:1 meets `limits`."""
    if Model.parse(model) is Model.MN:
        return simulate(work, Model.MN, gomaxprocs=gomaxprocs, costs=costs, seed=seed, **caps)
    return simulate_threads(work, model, gomaxprocs=gomaxprocs, costs=costs, seed=seed,
                            limits=limits, **caps)


def memory_sweep(counts=MEMORY_COUNTS, *, gomaxprocs=2) -> dict[Model, tuple[StackMemory, ...]]:
    """Stack memory for each goroutine count under each model (pure arithmetic, instant).

    M:N is priced with `gomaxprocs` threads, its fewest; a run's threads_created can be more.
    """
    return {m: tuple(stack_memory(n, m, gomaxprocs=gomaxprocs) for n in counts) for m in MODELS}


def fairness_chain(links=100, *, link_us=1, helper_us=1) -> Workload:
    """G1 waits on the global queue from 3 us while a self-respawning chain fills P0.

    G0 starts G1, computes 1 us, then starts link L1; G1 runs at 3 us and calls Gosched,
    which puts it on the global queue (goschedImpl). Each link L(i) computes `link_us`,
    starts L(i+1), then a `helper_us` helper that kicks L(i+1) out of runnext into the local
    queue, so the local queue is never empty when the P looks: only findRunnable's
    schedtick % 61 check lets G1 run. One P, no costs, 1 us phases: link L(i) runs at
    [2i-1, 2i] us with schedtick i+3 (main starts on the measured tick 3,
    gmp.MAIN_SCHEDTICK_AT_ZERO), so L58 makes tick 61.
    """
    k = _links(links)
    # up to 1 ms each: a tick (link + helper) stays well under retake's 10 ms, so nothing is preempted
    link = integer("link_us", link_us, 1, 1_000)
    helper = integer("helper_us", helper_us, 1, 1_000)
    rows = [[("go", 1), ("compute", 1), ("go", 2)], [("yield", 1), ("compute", 1)]]
    for i in range(1, k + 1):
        chain = [("go", 2 * i + 2)] if i < k else []
        rows.append([("compute", link), *chain, ("go", 2 * i + 1)])
        rows.append([("compute", helper)])
    return Workload.from_phases(rows)


def goroutine_memory(prefer="auto", counts=(10_000,)):
    """(source, MemoryProbes): real Go's bytes per parked goroutine, live if Go is found.

    prefer="recorded" (or no toolchain) returns the kit's shipped recording instead.
    """
    from ..realgo import load, memory_probes
    from ..realgo.prefer import live_or_recorded
    from ..realgo.probes import toolchain_info

    def live():
        info = toolchain_info()
        return f"live: {info['go_version']} {info['platform']}", memory_probes(counts)

    def recorded():
        rec = load()
        return f"recorded: {rec.go_version} {rec.platform}", rec.memory

    (source, probes), note = live_or_recorded(prefer, live, recorded)
    return source + note, probes


def _links(value) -> int:
    """`value` as a chain length in [1, MAX_GOROUTINES // 2 - 1], else a clear error."""
    return integer("links", value, 1, MAX_GOROUTINES // 2 - 1)


def batch_sweep(sizes=(3, 40, 1_000), procs=(1, 4)) -> tuple:
    """(size, gomaxprocs, batch) for each pair: what globrunqgetbatch hands an empty P."""
    return tuple((integer("size", n, 1, MAX_GOROUTINES), integer("gomaxprocs", p, 1, MAX_GOMAXPROCS),
                  global_batch(n, p)) for n in sizes for p in procs)


# -- real Go beside the model (notebook 03, section 6) ------------------------------------------

#: The model's end-of-slice events, in the Slice vocabulary (record.SLICE_ENDS); PARK with
#: value 0 is a Gosched (gmp logs a yield as a zero-length park).
_ENDS = {Ev.PREEMPT: "preempted", Ev.SYSCALL: "syscall", Ev.EXIT: "exit"}


class RealVsModel(NamedTuple):
    """One named workload: its spec, real Go's runs (live or recorded) and the model's run."""

    name: str
    spec: dict
    real: tuple  # Timeline per real run, each with its slices
    model: Timeline  # the model's run of the same spec, with slices built from its spans

    @property
    def typical(self) -> Timeline:
        """The real run whose last finish is the median one (the lower middle for an even count)."""
        ranked = sorted(range(len(self.real)), key=lambda i: (max(self.real[i].finish_ns), i))
        return self.real[ranked[(len(ranked) - 1) // 2]]

    def stats(self, g: int = 1) -> SliceStats:
        """Goroutine g over the real runs (`slice_stats`)."""
        return slice_stats(self.real, g)

    def orders(self) -> tuple:
        """(order, how many real runs) for each first-run order seen, the commonest first."""
        seen = {}
        for t in self.real:
            seen[t.order] = seen.get(t.order, 0) + 1
        return tuple(sorted(seen.items(), key=lambda kv: -kv[1]))

    def gaps(self) -> tuple:
        """(real, model) `gap_stats`: how soon another G ran on the P of a G in a syscall."""
        return gap_stats(self.real), gap_stats([self.model])


def model_slices(run: SchedRun) -> tuple:
    """The workload goroutines' stretches on a P in a model run, as Slice rows (m = -1: not kept)."""
    ends = {}
    for e in run.events:
        if e.g > 0 and (e.ev in _ENDS or e.ev == Ev.PARK):
            ends.setdefault((e.g, e.t), _ENDS.get(e.ev) or ("sleep" if e.value else "yield"))
    runs = run.spans[(run.spans["kind"] == Span.RUN) & (run.spans["g"] > 0)]
    out, open_ = [], {}  # open_[g] = [p, start, end] of the stretch not yet ended
    for s in runs[np.argsort(runs["start"], kind="stable")]:
        g, p, start, end = int(s["g"]), int(s["p"]), int(s["start"]), int(s["end"])
        if g in open_ and open_[g][0] == p and start - open_[g][2] <= SWITCH_GAP_NS:
            open_[g][2] = end  # the same stretch, split only by a switch or spawn span
        else:
            open_[g] = [p, start, end]
        why = ends.get((g, end))
        if why:
            out.append(Slice(g, -1, *open_.pop(g), why))
    return tuple(sorted(out, key=lambda s: (s.start_ns, s.g)))


SWITCH_GAP_NS = 1_000  # a gap this short between two RUN spans of one G on one P is a switch span


def model_timeline(spec: dict, **kw) -> Timeline:
    """The model's Timeline of a scheduler spec (Workload.from_spec's format), slices filled in."""
    run = simulate(Workload.from_spec(spec), **kw)
    tl = run.timeline()
    return tl if tl.slices else dataclasses.replace(tl, slices=model_slices(run))


def real_vs_model(name: str, prefer: str = "auto", runs: int = 3) -> RealVsModel:
    """A named workload of realgo.sched_suite: real Go's runs (live, else recorded) and the model's."""
    from ..realgo.sched_runs import sched_runs
    from ..realgo.sched_suite import workload as named

    spec = named(name)
    return RealVsModel(name, spec, tuple(sched_runs(spec, runs, prefer)), model_timeline(spec))


class SliceStats(NamedTuple):
    """How one goroutine fared over a set of runs (ns; lo/hi pairs are min and max)."""

    g: int
    runs: int
    first_start: tuple  # (lo, hi): when it first ran
    first_cut: int  # runs whose first slice ended by preemption
    first_cut_len: tuple | None  # (lo, hi) length of those first slices
    later_cut: tuple | None  # (lo, median, hi) length of later slices ended by preemption
    finish: tuple  # (lo, hi)


def slices_of(tl: Timeline, g: int) -> tuple:
    """Goroutine g's slices in one timeline, in time order."""
    return tuple(s for s in tl.slices if s.g == g)


def slice_stats(timelines, g: int = 1) -> SliceStats:
    """Goroutine g's first start, preempted slices and finish over `timelines` (real runs)."""
    tls = tuple(timelines)
    if not tls:
        raise ValueError("timelines must hold at least one Timeline")
    g = integer("g", g, 1, len(tls[0].finish_ns))
    rows = [slices_of(t, g) for t in tls]
    if not all(rows):
        raise ValueError(f"g must be a goroutine with slices in every run; G{g} has none in some")
    firsts = [r[0] for r in rows]
    cut = [s.end_ns - s.start_ns for s in firsts if s.why == "preempted"]
    later = sorted(s.end_ns - s.start_ns for r in rows for s in r[1:] if s.why == "preempted")
    finish = [t.finish_ns[g - 1] for t in tls]
    return SliceStats(g, len(tls), _span(s.start_ns for s in firsts), len(cut), _span(cut) if cut else None,
                      (later[0], int(np.median(later)), later[-1]) if later else None, _span(finish))


def _span(values) -> tuple:
    """(min, max) of some ns values."""
    vals = list(values)
    return min(vals), max(vals)


class SysmonStretch(NamedTuple):
    """Consecutive sysmon looks that slept the same time before them (looks numbered from 1)."""

    first: int
    last: int
    delay_ns: int
    start_ns: int  # time of the first look of the stretch
    end_ns: int  # time of the last
    preempted: int  # looks in the stretch whose retake preempted a G
    handoffs: int  # Ps those looks handed off from a syscall


def sysmon_looks(spec: dict, **kw) -> tuple:
    """sysmon's looks (SchedRun.sysmon) in the model's run of a scheduler spec."""
    return tuple(simulate(Workload.from_spec(spec), **kw).sysmon)


def sysmon_stretches(looks) -> tuple:
    """The looks grouped into runs of equal sleep: how sysmon's back-off unfolded."""
    out = []
    for i, lk in enumerate(looks, 1):
        hit, hand = int(bool(lk.preempted)), int(lk.handoffs)
        if out and out[-1].delay_ns == lk.delay_ns:
            s = out[-1]
            out[-1] = s._replace(last=i, end_ns=lk.t_ns, preempted=s.preempted + hit,
                                 handoffs=s.handoffs + hand)
        else:
            out.append(SysmonStretch(i, i, lk.delay_ns, lk.t_ns, lk.t_ns, hit, hand))
    return tuple(out)


def _gap(slices, i: int) -> int | None:
    """ns from slice i (ended in a syscall) until another G ran on its P, if before its G came back."""
    s = slices[i]
    back = next((t.start_ns for t in slices[i + 1:] if t.g == s.g), None)
    other = next((t.start_ns for t in slices[i + 1:]
                  if t.p == s.p and t.g != s.g and t.start_ns >= s.end_ns), None)
    return other - s.end_ns if other is not None and (back is None or other < back) else None


def syscall_gaps(tl: Timeline) -> tuple:
    """Per slice that ended in a syscall: ns until another G ran on that P (if before the G came back)."""
    gaps = (_gap(tl.slices, i) for i, s in enumerate(tl.slices) if s.why == "syscall")
    return tuple(g for g in gaps if g is not None)


def first_handoffs(tl: Timeline) -> tuple:
    """`syscall_gaps` of only each P's first syscall: how soon after it another G ran on that P."""
    out, seen = [], set()
    for i, s in enumerate(tl.slices):
        if s.why == "syscall" and s.p not in seen:
            seen.add(s.p)
            out.append(_gap(tl.slices, i))
    return tuple(g for g in out if g is not None)


def first_handoff_stats(prefer: str = "recorded") -> tuple:
    """(real, model) first_handoffs over the whole suite, each (count, soonest, median, how many
    came within one of sysmon's look intervals) in ns."""
    from ..realgo import sched_runs, sched_suite
    from ..sched.gmp import SYSMON_TICK_NS
    real, model = [], []
    for spec in sched_suite.WORKLOADS.values():
        real += [g for tl in sched_runs.sched_runs(spec, prefer=prefer) for g in first_handoffs(tl)]
        model += first_handoffs(model_timeline(spec))
    return tuple((len(g), min(g), int(np.median(g)), sum(x <= SYSMON_TICK_NS for x in g))
                 for g in (real, model))


def gap_stats(timelines) -> tuple | None:
    """(lo, median, hi, count) of `syscall_gaps` over timelines, or None when none was seen."""
    gaps = sorted(x for t in timelines for x in syscall_gaps(t))
    return (gaps[0], int(np.median(gaps)), gaps[-1], len(gaps)) if gaps else None


def sleep_lateness(prefer: str = "auto") -> tuple[str, tuple]:
    """(source, rows (duration, real min, median, max, model) in ns) for realgo.netpoll_probe's sleeps.

    The model charges each netpoll wait the median lateness of the real lone 1 ms sleeps."""
    from ..realgo import netpoll_probe
    source, late = netpoll_probe.measured(prefer)
    wait = netpoll_probe.one_wait_ns(late)
    rows = tuple((d, min(v), int(np.median(v)), max(v), netpoll_probe.model_lateness(d, wait))
                 for d, v in sorted(late.items()))
    return source, rows


def finish_ranges(names, prefer: str = "recorded") -> tuple:
    """(name, GOMAXPROCS, real last finish min, median, max, the model's) in ns, per suite workload."""
    from ..realgo import sched_runs, sched_suite
    rows = []
    for name in names:
        spec = sched_suite.workload(name)
        real = sorted(max(t.finish_ns) for t in sched_runs.sched_runs(spec, prefer=prefer))
        rows.append((name, spec["gomaxprocs"], real[0], int(np.median(real)), real[-1],
                     max(model_timeline(spec).finish_ns)))
    return tuple(rows)
