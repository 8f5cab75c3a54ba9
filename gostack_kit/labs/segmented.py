"""Experiments on segmented stacks: snapshots of the segment chain, hot-split and fib sweeps.

Notebook 4 asks three questions of the segmented model (stacks/segmented.py), and this module
answers each with one pure function that runs the model and returns a frozen record:

    snapshot(stack, trace, step)    which frames live in which segment after `step` steps
    hot_split_sweep(stack, ...)     for every caller depth: splits and ns per loop iteration
    fib_sweep(n, offsets, mins)     fib(n) started at each offset of its first segment

The snapshot replays a trace prefix using only the run's own events (a call made a new
segment exactly when the log has a split at its step), so a picture drawn from it shows
what the model decided, not a second opinion:

    segment hi  +-----------+ <- Stktop (StackTop bytes: the previous segment's state)
                | reserved  |    first segment: entry_used - 8; later: args + return PC
                | frame d   |
                | frame d+1 |
                |   free    |
                +-----------+ <- stackguard = segment lo + StackGuard
    segment lo  |   guard   |
                +-----------+

The hot-split sweep runs ONE "comb" trace (at each depth: descend a level, then call the
loop's callee once and return) instead of one hot loop per depth. The callee's segment is
freed on return, so the state the next level sees is the state the hot loop would leave:
the comb's callee at depth d splits exactly when every iteration of a loop at depth d
would. A test checks the comb against `SegmentedStack.run` of real hot loops. The alternative,
one hot-loop run per depth (what `SegmentedStack.hot_split_sweep` does), is the reference
but costs a model run per point: about 0.25 s for 400 depths, too slow behind a slider.

The last function, `prologue_predictions`, applies the segmented check (`check_fails`)
with Go 1.27's constants to the real growth recordings: today's prologue compares the same
inequality, only what happens after a failed check changed (a copy instead of a segment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import versions
from ..core.trace import CALL, RET, CallTrace
from ..core.validate import integer
from ..realgo.splitstack import model_run, model_switches, real_death
from ..realgo.splitstack_hot import cost_rows, model_hot_depths
from ..stacks.libgcc import LIBGCC, LibgccStack, segment_bytes
from ..stacks.segmented import SegmentedStack, SplitCost, check_fails

__all__ = ["FrameBox", "Segment", "Snapshot", "snapshot", "HotSplitSweep", "hot_split_sweep",
           "FibSweep", "fib_sweep", "GrowthPrediction", "prologue_predictions", "SwitchCheck",
           "switch_checks", "hot_checks", "measured_costs", "policy_rows"]

#: Caller frame of the hot-split experiments: a loop function with a few locals, like the
#: `$88-8` frames `-S` prints for small Go functions (as realgo.asm reads them from real -S output).
CALLER_FRAME = 88
#: The default cost model (stacks/segmented.py SplitCost: ~2 ns a call, ~60 ns a split).
COST = SplitCost()


@dataclass(frozen=True)
class FrameBox:
    """One live frame: its call depth and its bytes [start, start + frame) below the Stktop."""

    depth: int
    frame: int
    start: int  # in-segment offset of the frame's first byte, counted down from the Stktop
    step: int  # the trace step whose call made this frame


@dataclass(frozen=True)
class Segment:
    """One live segment: its size, the bytes reserved at its top, and its frames."""

    size: int
    top: int  # Stktop bytes at the very top of the segment
    guard: int  # StackGuard bytes above the segment's lo
    reserved: int  # bytes in use before its first frame (entry area, or args + lessstack PC)
    used: int  # bytes in use below the Stktop after the snapshot's step
    frames: tuple[FrameBox, ...]
    made_at: int  # the step whose split made it (-1 for the first segment)

    @property
    def capacity(self) -> int:
        """Bytes below the Stktop (what the prologue check measures against)."""
        return self.size - self.top


@dataclass(frozen=True)
class Snapshot:
    """The segment chain of a goroutine after the first `step` steps of a trace."""

    step: int
    segments: tuple[Segment, ...]
    version: str
    next_step: str  # what the trace does next, e.g. "call 200" or "ret" or "end"

    @property
    def total(self) -> int:
        """Bytes of all live segments (what counted against the stack limit)."""
        return sum(s.size for s in self.segments)

    @property
    def frames(self) -> tuple[int, ...]:
        """Frame sizes of the live calls, outermost first."""
        return tuple(f.frame for s in self.segments for f in s.frames)


def snapshot(stack: SegmentedStack, trace: CallTrace, step: int) -> Snapshot:
    """The live segments and frames after `step` steps of `trace` under `stack` (0 <= step <= len)."""
    step = integer("step", step, 0, len(trace))
    run = stack.run(trace)
    if run.overflow is not None and step > run.steps_run:
        raise ValueError(f"step must be <= {run.steps_run}: the run overflowed there")
    made = {e.step: e.new_size for e in run.split_events if e.step < step}
    v = stack.v
    first = trace.entry_used - 8
    chain = [[stack.stack_min, first, first, [], -1]]  # size, reserved, used, frames, made_at
    split_of: list[bool] = []
    kinds, frames, argss = (a[:step].tolist() for a in (trace.kind, trace.frame, trace.args))
    for i, (kind, frame, args) in enumerate(zip(kinds, frames, argss)):
        seg = chain[-1]
        if kind == CALL:
            depth = len(split_of)
            if i in made:
                seg = [made[i], args + 8, args + 8, [], i]
                chain.append(seg)
                start = seg[2]
            else:
                start = seg[2] + 8  # CALL pushed the return address in this segment
            seg[3].append(FrameBox(depth, frame, start, i))
            seg[2] = start + frame
            split_of.append(i in made)
        elif kind == RET:
            if split_of.pop():
                chain.pop()  # lessstack: the segment goes back at once
            else:
                box = seg[3].pop()
                seg[2] = box.start - 8
    segments = tuple(Segment(size, v.stack_top, v.stack_guard, reserved, used, tuple(boxes), at)
                     for size, reserved, used, boxes, at in chain)
    return Snapshot(step, segments, v.name, _describe(trace, step))


def _describe(trace: CallTrace, step: int) -> str:
    if step >= len(trace):
        return "end"
    kind = int(trace.kind[step])
    return f"call {int(trace.frame[step])}" if kind == CALL else ("ret" if kind == RET else "gc")


@dataclass(frozen=True)
class HotSplitSweep:
    """A hot loop run at each caller depth: splits and modelled time per iteration."""

    version: str
    stack_min: int
    frame: int
    callee: int
    n: int  # loop iterations
    depths: np.ndarray  # caller depths 0..max
    split_per_iter: np.ndarray  # 1 where every call of the callee splits, else 0
    splits: np.ndarray  # all splits of the whole hot-loop run at that depth
    calls: np.ndarray  # all calls of the whole run (depth + 1 + n)
    ns_per_iter: np.ndarray  # SplitCost.per_iteration_ns of the whole run

    @property
    def hot(self) -> np.ndarray:
        """The depths at which the loop splits on every iteration."""
        return self.depths[self.split_per_iter > 0]


def hot_split_sweep(stack: SegmentedStack, max_depth: int, callee: int, n: int,
                    frame: int = CALLER_FRAME, entry_used: int = 0,
                    cost: SplitCost = COST) -> HotSplitSweep:
    """For each depth 0..max_depth, `CallTrace.hot_loop(depth, frame, callee, n)` under `stack`."""
    n = integer("n", n, 1, 10**9)
    max_depth = integer("max_depth", max_depth, 0, 100_000)
    if not isinstance(cost, SplitCost):
        raise TypeError(f"cost must be a SplitCost; got {type(cost).__name__}")
    comb = CallTrace.comb(max_depth, frame, callee, entry_used)
    run = stack.run(comb)
    if run.overflow is not None:
        raise ValueError(f"max_depth {max_depth} overflows the stack limit; use a smaller one")
    depths = np.arange(max_depth + 1)
    split_steps = run.split_events.column("step")
    callee_split = np.zeros(max_depth + 1, np.int64)
    chain_split = np.zeros(max_depth + 1, np.int64)
    callee_split[split_steps[split_steps % 3 == 1] // 3] = 1
    chain_split[split_steps[split_steps % 3 == 0] // 3] = 1
    splits = np.cumsum(chain_split) + n * callee_split
    calls = depths + 1 + n
    ns = (calls * cost.call_ns + splits * cost.split_ns) / n  # SplitCost.per_iteration_ns
    return HotSplitSweep(stack.v.name, stack.stack_min, frame, callee, n, depths,
                         callee_split, splits, calls, ns)


@dataclass(frozen=True)
class FibSweep:
    """fib(n) started at several offsets in its first segment, for several StackMin values."""

    n: int
    version: str
    stack_mins: tuple[int, ...]
    offsets: np.ndarray  # bytes in use when fib(n) is entered (entry_used)
    calls: int  # calls fib(n) makes, wherever it starts
    splits: np.ndarray  # [stack_min index, offset index]; -1 where the offset does not fit
    ns_per_call: np.ndarray  # modelled time per call (nan where the offset does not fit)

    def worst(self, k: int) -> tuple[int, int]:
        """(offset, splits) of the worst start for stack_mins[k]."""
        i = int(np.argmax(self.splits[k]))
        return int(self.offsets[i]), int(self.splits[k, i])

    def share_hit(self, k: int) -> float:
        """Fraction of the fitting start offsets at which fib splits at least once."""
        fits = self.splits[k] >= 0
        return float(np.count_nonzero(self.splits[k] > 0) / max(1, np.count_nonzero(fits)))


def fib_sweep(n: int, offsets, stack_mins=(2048, 4096, 8192, 16384), version: str = "1.2",
              cost: SplitCost = COST) -> FibSweep:
    """Splits and ns per call of `CallTrace.fib(n, entry_used=o)` for each offset and StackMin."""
    n = integer("n", n, 0, 25)
    offsets = np.asarray(offsets, dtype=np.int64)
    if offsets.ndim != 1 or not len(offsets) or offsets.min() < 0:
        raise ValueError("offsets must be a non-empty 1-D sequence of byte offsets >= 0")
    stacks = [SegmentedStack(version, stack_min=m) for m in stack_mins]
    splits = np.full((len(stacks), len(offsets)), -1, np.int64)
    ns = np.full(splits.shape, np.nan)
    calls = 0
    for k, s in enumerate(stacks):
        cap = s.stack_min - s.v.stack_top
        for i, off in enumerate(offsets.tolist()):
            if off >= cap:
                continue
            run = s.run(CallTrace.fib(n, entry_used=off))
            calls = run.calls
            splits[k, i] = run.splits
            ns[k, i] = cost.time_ns(run) / run.calls
    return FibSweep(n, stacks[0].v.name, tuple(s.stack_min for s in stacks), offsets, calls,
                    splits, ns)


@dataclass(frozen=True)
class GrowthPrediction:
    """A real stack growth and the depth the segmented prologue inequality predicts for it."""

    frame: int
    prologue: str  # the class -S printed: "small", "leaq" or "subq"
    old_size: int
    new_size: int
    real_depth: int  # the depth at which real Go 1.27 grew the stack
    predicted_depth: int  # first depth at which check_fails(old_size, entry, frame, 1.27)


def prologue_predictions(probes, version: str = "1.27") -> tuple[GrowthPrediction, ...]:
    """For each recorded growth, the first depth at which `check_fails` says the check fails."""
    v = versions.get(version)
    out = []
    for p in probes:
        step = p.frame + 8  # every recursive call moves SP by frame + return address
        prev = -1
        for g in p.growths:
            d = prev + 1
            while not check_fails(g.old_size, p.entry_used + d * step, p.frame, v):
                d += 1
            out.append(GrowthPrediction(p.frame, p.prologue, g.old_size, g.new_size, g.depth, d))
            prev = d
    return tuple(out)


# --- the same design today: libgcc's split stacks, measured (realgo/splitstack*) ---------


@dataclass(frozen=True)
class SwitchCheck:
    """One real probe case beside the model: where each segment switch happened."""

    case: str
    toolchain: str  # "gcc" or "gccgo"
    real: tuple[tuple[int, int, int], ...]  # (descent, depth, new segment's bytes)
    model: tuple[tuple[int, int, int], ...]
    real_death: tuple[int, int] | None  # (descent, depth) of the call that hit the guard page
    model_death: int | None  # depth of the model's segv event

    @property
    def same(self) -> bool:
        """True when the model switched, sized and died exactly where the real program did."""
        death = None if self.real_death is None else self.real_death[1]
        return self.real == self.model and death == self.model_death


def switch_checks(rec) -> tuple[SwitchCheck, ...]:
    """Every case of a SplitRecording (realgo.splitstack_record) beside the model's run."""
    out = []
    for name, p in zip(rec.names, rec.probes):
        run = model_run(p)
        out.append(SwitchCheck(name, p.toolchain, p.switches, model_switches(p, run),
                               real_death(p), run.overflow.depth if run.overflow else None))
    return tuple(out)


def hot_checks(rec) -> tuple[tuple, ...]:
    """(HotProbe, the model's hot depths or None) for each hot sweep of a SplitRecording."""
    return tuple((p, model_hot_depths(p, rec.sigstksz) if p.toolchain == "gcc" else None)
                 for p in rec.hot)


def measured_costs(rec) -> dict[str, SplitCost]:
    """SplitCost records calibrated from the recording's hot loops, beside Go 1.2's estimate."""
    out = {r.name: SplitCost(call_ns=r.call_ns, split_ns=r.split_ns) for r in cost_rows(rec.hot)
           if r.call_ns > 0}
    out["Go 1.2 (estimate)"] = COST
    return out


def policy_rows(sigstksz: int = 13504) -> tuple[tuple[str, str, str, str], ...]:
    """(what, libgcc, gccgo, Go 1.2): how the three segmented designs differ, from their records."""
    gcc, go, v = LIBGCC["gcc"], LIBGCC["gccgo"], versions.get("1.2")
    minimum = segment_bytes(0, sigstksz, gcc)
    first_go = LibgccStack("gccgo", sigstksz=sigstksz).first
    return (
        ("first stack", "the thread's own; limit 16000 B below S", f"a {first_go:,} B segment",
         f"{v.stack_min:,} B segment"),
        ("new segment", f"max({minimum:,}, frame + {gcc.backoff} + args + {gcc.header}) "
                        f"rounded to {gcc.page} B pages", "the same as libgcc",
         f"max(frame + args + {v.stack_extra}, {v.stack_min}); frame 0 if it fits a minimum"),
        ("the check", f"SP < limit (frame < {gcc.split_stack_available}), else SP - frame < limit",
         "the same as libgcc", f"SP - max(0, frame - {v.stack_small}) <= stackguard"),
        ("room below the limit", f"BACKOFF {gcc.backoff} B (signal handlers, the loader)",
         f"BACKOFF {go.backoff} B", f"StackGuard {v.stack_guard} B"),
        ("on return", "kept for the next split at that level", "kept",
         "freed at once (lessstack -> oldstack)"),
        ("where morestack runs", "on the old stack, inside BACKOFF", "on the old stack",
         "on the scheduler's g0 stack: morestack and lessstack both switch to it"),
        ("per split", "a kept segment is reused: no allocation", "the same as libgcc",
         "stackalloc a segment, copy args in; on return copy results out, stackfree"),
        ("signals", "masked around every split and return (4 pthread_sigmask calls, "
                    "morestack.S)", "not masked (runtime_malg turns it off)",
         "not masked: handlers run on the M's own signal stack (os_linux.c, runtime·minit)"),
    )
