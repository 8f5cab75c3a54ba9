"""Copying stacks measured as a student sees them: cost per call, moved pointers, frames.

The models in stacks/copying.py and stacks/segmented.py say *what* happens (every growth, split and
shrink). This module turns their records into what notebook 05 shows: time, with a cost
model for a copy; the pointers a copy must fix (stacks/pointers.py, re-exported here); and
the frames of an animation.

A growth (runtime/stack.go newstack -> copystack) costs three things:

    newstack + stackalloc + stackfree     fixed, once per growth
    memmove(new.hi - used, old.hi - used, used)       per byte in use
    adjustframe for every live frame (pointer maps)    per frame on the stack

    ns(growth) = newstack_ns + byte_ns * used + frame_ns * live frames

so one growth of a deep stack is expensive, but the sizes double, the bytes copied to
reach a size S sum to less than S, and the cost spread over the calls that needed the
space is a constant: the amortized cost per call falls back toward `call_ns`.

Invariants: every function is pure (records in, frozen records out); times come only from
the run records and the cost model; sweeps use one model run per point. The alternative
rejected: timing Python code, which would measure the interpreter, not the runtime.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..core.events import StackRun
from ..core.trace import CALL, GC, RET, CallTrace
from ..core.validate import integer, number
from ..stacks.copying import ContiguousStack
from ..stacks.pointers import PointerPicture, Slot, pointer_picture
from ..stacks.segmented import SegmentedStack, SplitCost

__all__ = [
    "CopyCost", "CostCurve", "LoopSweep", "ModelRow", "AnimFrame", "DepthProfile",
    "COPYING", "COPY_COST", "SPLIT_COST", "recursion_cost", "start_sweep",
    "program_rows", "depth_profile", "worst_depth", "shrink_observed",
    "parked_trace", "gc_sizes", "growth_frames", "live_after", "Slot", "PointerPicture",
    "pointer_picture", "ReleaseMatrix", "release_matrix",
]

#: The copying rules notebook 05 compares (1.3: first copying, 8 KB; 1.4: 2 KB; 1.27: today).
COPYING = ("1.3", "1.4", "1.27")


@dataclass(frozen=True)
class CopyCost:
    """Nanoseconds per call and per stack copy (estimates; see the field comments)."""

    # A call with its prologue check, the same figure the segmented model uses.
    call_ns: float = SplitCost.call_ns
    # ESTIMATE: morestack, newstack, stackalloc of the new stack and stackfree of the old,
    # about 1 us; with the two fields below it is an estimate, not a measurement of the kit.
    newstack_ns: float = 1000.0
    # copystack's memmove, with first-touch page faults on the new stack: ~10 GB/s.
    byte_ns: float = 0.1
    # adjustframe per live frame (unwinder step, pointer-map lookup, adjusting pointers):
    # the difference between the two benchmark cases above, ~550 more frames for ~32 us.
    frame_ns: float = 50.0

    def __post_init__(self):
        for name in ("call_ns", "newstack_ns", "byte_ns", "frame_ns"):
            number(name, getattr(self, name), 0, unit="ns")

    def copy_ns(self, used, frames):
        """Cost of one copystack of `used` bytes with `frames` live frames (arrays allowed)."""
        return self.newstack_ns + self.byte_ns * np.asarray(used) + self.frame_ns * np.asarray(frames)

    def copies_ns(self, run: StackRun, trace: CallTrace) -> float:
        """Total time of a run's growths and shrinks."""
        live = live_after(trace)
        total = 0.0
        for view in (run.growths, run.shrinks):
            if len(view):
                frames = live[view.column("step")] + 1  # the live calls and the goroutine's entry
                total += float(np.sum(self.copy_ns(view.column("used"), frames)))
        return total

    def time_ns(self, run: StackRun, trace: CallTrace) -> float:
        """Total modelled time of a copying-stack run: calls plus copies."""
        return run.calls * self.call_ns + self.copies_ns(run, trace)


#: The default cost models (module-level so that defaults are not built per call).
COPY_COST = CopyCost()
SPLIT_COST = SplitCost()


def live_after(trace: CallTrace) -> np.ndarray:
    """Calls still live after each step, except that at a call step: the calls below it."""
    sign = np.where(trace.kind == CALL, 1, np.where(trace.kind == RET, -1, 0))
    live = np.cumsum(sign)
    return live - (trace.kind == CALL)


@dataclass(frozen=True)
class CostCurve:
    """Amortized cost per call of a recursion, at every depth, for one model."""

    label: str
    depths: np.ndarray  # 0..depth
    per_call_ns: np.ndarray  # (calls so far * call_ns + stack work so far) / calls so far
    events: tuple[int, ...]  # depths where the model grew (or split)


def recursion_cost(model: str, frame: int, depth: int, entry_used: int = 0,
                   cost: CopyCost | None = None, split: SplitCost | None = None,
                   initial_size: int | None = None) -> CostCurve:
    """Per-call cost of recursing to each depth under `model` ("1.2" segments or a copying version)."""
    cost, split = cost or COPY_COST, split or SPLIT_COST
    depth = integer("depth", depth, 0, 1_000_000)
    trace = CallTrace.recursion(frame=frame, depth=depth, entry_used=entry_used)
    extra = np.zeros(depth + 1)
    if model == "1.2":
        run = SegmentedStack("1.2").run(trace)
        at = run.split_events.column("depth")
        np.add.at(extra, at, split.split_ns)
        call_ns = split.call_ns
    else:
        run = ContiguousStack(model, initial_size=initial_size).run(trace)
        at = run.growths.column("depth")
        np.add.at(extra, at, cost.copy_ns(run.growths.column("used"), at + 1))
        call_ns = cost.call_ns
    calls = np.arange(1, depth + 2)
    per_call = (calls * call_ns + np.cumsum(extra)) / calls
    label = "Go 1.2 segments" if model == "1.2" else f"Go {model} copying"
    return CostCurve(label, np.arange(depth + 1), per_call, tuple(int(d) for d in at))


@dataclass(frozen=True)
class LoopSweep:
    """Time per call of a program against the depth it starts at, for several models."""

    program: str  # the program's trace label
    depths: np.ndarray  # depth of the program's caller: the chain has calls at depths 0..depth
    chain_frame: int
    per_call_ns: dict  # label -> array over depths: ns per call of the program
    events_per_call: dict  # label -> splits (segments) or growths (copying) per program call


def _label(model: str) -> str:
    return "Go 1.2 segments" if model == "1.2" else f"Go {model} copying"


def _time(model: str, trace: CallTrace, cost: CopyCost, split: SplitCost) -> tuple[float, int]:
    if model == "1.2":
        r = SegmentedStack("1.2").run(trace)
        return split.time_ns(r), r.splits
    r = ContiguousStack(model).run(trace)
    return cost.time_ns(r, trace), len(r.growths)


def start_sweep(program: CallTrace, depths: Sequence[int], chain_frame: int = 88,
                models: Sequence[str] = ("1.2", *COPYING), cost: CopyCost | None = None,
                split: SplitCost | None = None) -> LoopSweep:
    """For each caller depth d: ns per call of `program` called from depth d (as CallTrace.hot_loop's
    depth), i.e. (time of the chain with the program - time of the chain alone) / program calls."""
    cost, split = cost or COPY_COST, split or SPLIT_COST
    depths = np.asarray([integer("depths[]", d, 0, 100_000) for d in depths], dtype=np.int64)
    calls = int(np.count_nonzero(program.kind == CALL))
    if calls == 0:
        raise ValueError("program must make at least one call")
    empty = CallTrace.from_steps([], entry_used=program.entry_used)
    per, events = {}, {}
    for m in models:
        ns, ev = [], []
        for d in depths.tolist():
            (t1, e1), (t0, e0) = (_time(m, p.nested(d + 1, chain_frame), cost, split)
                                  for p in (program, empty))
            ns.append((t1 - t0) / calls)
            ev.append((e1 - e0) / calls)
        per[_label(m)], events[_label(m)] = np.array(ns), np.array(ev)
    return LoopSweep(program.label, depths, chain_frame, per, events)


@dataclass(frozen=True)
class ModelRow:
    """One program under one model: the numbers notebook tables print."""

    model: str
    calls: int
    events: int  # growths (copying) or splits (segments)
    bytes_copied: int  # stack bytes (copying) or argument bytes (segments)
    final_size: int
    ns_per_call: float


def program_rows(trace: CallTrace, models: Sequence[str] = ("1.2", *COPYING),
                 cost: CopyCost | None = None, split: SplitCost | None = None) -> tuple[ModelRow, ...]:
    """The same trace under each model: calls, growths or splits, bytes copied, ns per call."""
    cost, split = cost or COPY_COST, split or SPLIT_COST
    rows = []
    for m in models:
        if m == "1.2":
            r = SegmentedStack("1.2").run(trace)
            rows.append(ModelRow("Go 1.2 segments", r.calls, r.splits, r.bytes_copied,
                                 r.final_size, split.time_ns(r) / max(r.calls, 1)))
        else:
            r = ContiguousStack(m).run(trace)
            rows.append(ModelRow(f"Go {m} copying", r.calls, len(r.growths), r.bytes_copied,
                                 r.final_size, cost.time_ns(r, trace) / max(r.calls, 1)))
    return tuple(rows)


@dataclass(frozen=True)
class DepthProfile:
    """Stack size and bytes in use after each call of a recursion, with its growths."""

    version: str
    depths: np.ndarray
    size: np.ndarray  # stack size while the call at that depth runs
    used: np.ndarray  # hi - SP after the call's prologue
    growth_depths: tuple[int, ...]
    copied: np.ndarray  # bytes copied so far, after each depth


def depth_profile(run: StackRun, trace: CallTrace) -> DepthProfile:
    """Per-depth size, use and cumulative copying of a recursion run (no rets, no gc)."""
    if (trace.kind != CALL).any():
        raise ValueError("trace must be a recursion (calls only), e.g. CallTrace.recursion")
    n = run.steps_run
    size = np.full(n, run.initial_size, dtype=np.int64)
    copied = np.zeros(n, dtype=np.int64)
    for g in run.growths:
        size[g.step:] = g.new_size
        copied[g.step:] += g.used
    return DepthProfile(run.version, np.arange(n), size, trace.used[:n].copy(),
                        tuple(g.depth for g in run.growths), copied)


def parked_trace(frame: int = 88, depth: int = 500, gcs: int = 6, park: int = 192,
                 entry_used: int = 120) -> CallTrace:
    """Recurse to `depth`, return all the way, park (a `park`-byte frame) and sit through `gcs` GCs."""
    depth = integer("depth", depth, 0, 1_000_000)
    gcs = integer("gcs", gcs, 1, 100)
    steps = [("call", frame)] * (depth + 1) + [("ret",)] * (depth + 1)
    steps += [("call", park)] + [("gc",)] * gcs + [("ret",)]
    return CallTrace.from_steps(steps, entry_used=entry_used)


def gc_sizes(run: StackRun, trace: CallTrace) -> tuple[int, ...]:
    """The stack size after each gc step of `trace` (the first entry: the size before the first GC)."""
    gcs = np.flatnonzero(trace.kind == GC).tolist()
    events = sorted([*run.growths, *run.shrinks], key=lambda e: e.step)
    out, size, k = [], run.initial_size, 0
    for g in [gcs[0] - 1, *gcs] if gcs else []:
        while k < len(events) and events[k].step <= g:
            size = events[k].new_size
            k += 1
        out.append(size)
    return tuple(out)


@dataclass(frozen=True)
class AnimFrame:
    """One picture of a growing recursion: the stack right after the call at `depth`."""

    depth: int
    size: int
    used: int
    guard: int  # stackguard0 - stack.lo
    grew: bool  # this call's prologue failed and newstack copied the stack
    old_size: int  # size before this call (== size unless grew)
    growths: int  # growths so far
    copied: int  # bytes copied so far


def growth_frames(frame: int = 88, depth: int = 200, version: str = "1.27",
                  initial_size: int | None = None, entry_used: int = 120,
                  max_frames: int = 60) -> tuple[AnimFrame, ...]:
    """Frames of an animation of a recursion growing its stack: every growth, then even spacing."""
    max_frames = integer("max_frames", max_frames, 2, 1000)
    stack = ContiguousStack(version, initial_size=initial_size)
    trace = CallTrace.recursion(frame=frame, depth=depth, entry_used=entry_used)
    prof = depth_profile(stack.run(trace), trace)
    n = len(prof.depths)
    grew = set(prof.growth_depths)
    keep = set(grew) | {d - 1 for d in grew if d > 0} | {0, n - 1}
    room = max_frames - len(keep)
    if room > 0:
        keep |= set(np.linspace(0, n - 1, min(room, n)).round().astype(int).tolist())
    chosen = sorted(keep)[:max_frames] if len(keep) > max_frames else sorted(keep)
    guard = stack.v.stack_guard
    out = []
    for d in chosen:
        before = int(prof.size[d - 1]) if d > 0 else stack.initial_size
        out.append(AnimFrame(d, int(prof.size[d]), int(prof.used[d]), guard, d in grew, before,
                             sum(1 for g in prof.growth_depths if g <= d), int(prof.copied[d])))
    return tuple(out)


def shrink_observed(probe, models: Sequence[str] = COPYING) -> tuple[dict, tuple[int, ...]]:
    """Model sizes (per version) at each observation of a realgo ShrinkProbe, and the measured ones."""
    from ..core.versions import get
    from ..realgo.probes import shrink_trace, size_after

    trace, marks = shrink_trace(probe)
    out = {}
    for m in models:
        stack = ContiguousStack(m, initial_size=max(probe.initial_size, get(m).stack_min))
        run = stack.run(trace)
        out[_label(m)] = tuple(size_after(run, stack.initial_size, s) for s in marks)
    return out, tuple(p.size for p in probe.log)


def worst_depth(sweep: LoopSweep, label: str = "Go 1.2 segments") -> int:
    """The starting depth at which `label` pays the most per call (the first, on a tie)."""
    return int(sweep.depths[int(np.argmax(sweep.per_call_ns[label]))])


# --- every release 1.19-1.27, from the recordings (realgo/data/releases) -----------------------

@dataclass(frozen=True)
class ReleaseMatrix:
    """What each measured release did, fact by fact: rows of (topic, fact, value per release)."""

    releases: tuple[str, ...]  # "go1.19.8", ... oldest first
    rows: tuple[tuple[str, str, tuple[str, ...]], ...]  # (topic, fact, one value per release)
    agree: tuple[bool, ...]  # per release: the models reproduce every measurement exactly

    def changes(self) -> tuple[tuple[str, str, str, str], ...]:
        """(release, fact, before, after) for every value that differs from the release before."""
        out = []
        for _, fact, values in self.rows:
            for i in range(1, len(values)):
                if values[i] != values[i - 1]:
                    out.append((self.releases[i], fact, values[i - 1], values[i]))
        return tuple(sorted(out, key=lambda c: self.releases.index(c[0])))


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and not n % (1 << 20) else f"{n >> 10} KiB"


def release_matrix(recs=None) -> ReleaseMatrix:
    """The cross-release table of notebook 05, read from the shipped release recordings."""
    from ..realgo import releases

    recs = releases.load_all() if recs is None else tuple(recs)
    cols = []
    for r in recs:
        g88 = next(g for g in r["growth"] if g["frame"] == 88 and g["where"] == "goroutine")
        top = r["shrink"][0]["log"]
        allocs = dict(map(tuple, r["make_allocs"]))
        c, f = r["constants"], r["facts"]
        guard = c.get("stackGuard") or c["StackNosplitBase"] + c["StackSmall"]
        cols.append((
            _size(g88["initial_size"]),
            f"{_size(g88['initial_size'])}->{_size(g88['final_size'])} x{len(g88['growths'])}",
            f"{guard} B",
            f"{_size(top[0]['size'])}->{_size(top[-1]['size'])}",
            _size(next(a["after_gc"] for a in r["adaptive"] if a["godebug"] == "default")),
            _size(c["MaxStackVarSize"]),
            "heap" if f["make_var_escapes"] else "stack <= 32 B",
            str(allocs[16]),
            "refused" if f["recursive_refused"] else "inlined once",
            f"${f['bounds_frame']}",
        ))
    facts = (("runtime", "fresh goroutine's stack"),
             ("runtime", "88-byte frames, 200 KB deep"), ("runtime", "stackguard above lo"),
             ("runtime", "parked stack after GCs"), ("runtime", "start after deep GC"),
             ("compiler", "MaxStackVarSize"), ("compiler", "make([]int, n), n unknown"),
             ("compiler", "allocs of make([]byte, 16)"),
             ("compiler", "a self-recursive func"), ("compiler", "probe frame (64-byte array)"))
    rows = tuple((topic, fact, tuple(col[i] for col in cols))
                 for i, (topic, fact) in enumerate(facts))
    return ReleaseMatrix(tuple(r["go_version"] for r in recs), rows,
                         tuple(not releases.check(r) for r in recs))
