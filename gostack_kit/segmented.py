"""Segmented stacks (Go 1.0 to 1.2): morestack adds a segment, lessstack frees it.

A goroutine's stack was a linked list of segments. Each segment keeps a Stktop record at
its top (the previous segment's bounds and the caller's return state) and a guard
StackGuard bytes above its bottom. A function's prologue compares SP with the guard of
the *current* segment, using the same inequality as today's compiler:

    SP - max(0, N - StackSmall)  <=  stackguard   ->  morestack

On failure, morestack switches to the scheduler stack and newstack allocates a segment of

    max(N + args + StackExtra, StackMin)          (8 KB minimum, 2 KB of slack in Go 1.2)

copies the arguments into it, and runs the function there with its return address set to
lessstack. When that function returns, lessstack copies the results back and frees the
segment at once:

    segment 1 (8 KB)                 segment 2 (8 KB)
    +---------------------------+    +---------------------------+
    | Stktop | G | G | ... | G  | -> | Stktop | args | H        |
    +---------------------------+    +---------------------------+
               G's frames fill segment 1; each call to H from G's loop
               allocates segment 2 and each return frees it: the hot split.

Invariants: a segment is freed exactly when the call that created it returns; the sum of
live segment sizes is what counts against the 1 GB limit; nothing is ever copied except
arguments and results. Copying stacks (copying.py) replaced this in Go 1.3 because a call
that straddles a boundary inside a loop pays a split on every iteration, and the 1.2
fix (a bigger minimum) only moves the boundary.

The cost model turns a run into time: every call pays `call_ns` (CALL, prologue, RET)
and every split pays `split_ns` more (morestack, two trips through g0, a segment
allocation and free, copying arguments both ways).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import versions
from ._validate import integer
from .events import FREE, OVERFLOW, SPLIT, StackRun, live_frames, make_log
from .trace import CALL, RET, CallTrace

__all__ = ["SegmentedStack", "SplitCost", "segment_size", "check_fails"]


def check_fails(capacity: int, entry_used: int, frame: int, v: versions.GoVersion) -> bool:
    """True when a `frame`-byte function entered with `entry_used` bytes in use must split."""
    return capacity - entry_used - max(0, frame - v.stack_small) <= v.stack_guard


def segment_size(frame: int, args: int, v: versions.GoVersion, stack_min: int) -> int:
    """Bytes newstack allocates for a split: max(frame + args + StackExtra, StackMin)."""
    return max(frame + args + v.stack_extra, stack_min)


@dataclass(frozen=True)
class SplitCost:
    """Nanoseconds per ordinary call and per split (estimates; see the field comments)."""

    # A non-inlined call with its prologue check and return: about 2 ns on current x86
    # (Go 1.27 BenchmarkCall-style measurement on this kit's 2-core VM: 1.5-2.5 ns).
    call_ns: float = 2.0
    # One split plus its lessstack: two switches to the g0 stack, newstack/oldstack,
    # a segment from the per-M cache and back, arguments copied both ways. Estimate of
    # the kit (no published per-split figure survives): ~30x a call. Go issue #4910 saw
    # benchmarks slow by 20-100% from splits in loops whose bodies cost ~60-300 ns,
    # which this figure reproduces.
    split_ns: float = 60.0

    def __post_init__(self):
        for name in ("call_ns", "split_ns"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative number of nanoseconds")

    def time_ns(self, run: StackRun) -> float:
        """Total modelled time of a run, in nanoseconds."""
        return run.calls * self.call_ns + run.splits * self.split_ns

    def per_iteration_ns(self, run: StackRun, iterations: int) -> float:
        """Modelled time per loop iteration (e.g. for a hot loop of `iterations` calls)."""
        iterations = integer("iterations", iterations, 1)
        return self.time_ns(run) / iterations


class SegmentedStack:
    """A goroutine stack made of segments (Go 1.1/1.2)."""

    def __init__(self, version: str = "1.2", stack_min: int | None = None,
                 max_stack: int | None = None):
        """`stack_min` overrides StackMin (e.g. 4096 for Go 1.1's minimum, in a 1.2 run)."""
        self.v = versions.get(version)
        if self.v.copying:
            raise ValueError(f"version must be a segmented-stack version (1.1 or 1.2); "
                             f"{self.v.name} copies stacks: use ContiguousStack")
        self.stack_min = integer("stack_min", self.v.stack_min if stack_min is None else stack_min,
                                 1024, 1 << 20)
        self.max_stack = integer("max_stack", self.v.max_stack if max_stack is None else max_stack,
                                 self.stack_min, 1 << 40)

    def __repr__(self) -> str:
        return f"SegmentedStack(version={self.v.name!r}, stack_min={self.stack_min})"

    def run_readable(self, trace: CallTrace) -> StackRun:
        """Run `trace` one step at a time: prologue checks, splits and frees."""
        _need_trace(trace, self.stack_min - self.v.stack_top)
        v, top = self.v, self.v.stack_top
        size = self.stack_min  # the first segment, as malg allocated it
        used = trace.entry_used - 8  # in-segment bytes in use before the next CALL
        total = peak = size
        saved: list[tuple[int, int]] = []  # (size, used) of the segments below the current
        split_at: list[bool] = []  # for each live call: did it start a segment?
        log, end, calls, copied, seg_peak = [], len(trace), 0, 0, 1
        abs_used = trace.entry_used - 8
        max_used = max(0, abs_used)
        for lo, kinds, frames, argss in trace.chunks():
            for i, (kind, frame, args) in enumerate(zip(kinds, frames, argss), lo):
                depth = len(split_at)
                if kind == CALL:
                    calls += 1
                    entry = used + 8
                    split = check_fails(size - top, entry, frame, v)
                    if split:  # morestack -> newstack: a new segment sized for this frame
                        new = segment_size(frame, args, v, self.stack_min)
                        if total + new > self.max_stack:
                            log.append((OVERFLOW, i, depth, frame, size, new, entry,
                                        self.max_stack))
                            end = i
                            break
                        log.append((SPLIT, i, depth, frame, size, new, entry, args))
                        saved.append((size, used))
                        size, used = new, args + 8  # args copied, return PC = lessstack
                        total += new
                        copied += args
                        peak, seg_peak = max(peak, total), max(seg_peak, len(saved) + 1)
                    else:
                        used = entry
                    used += frame
                    split_at.append(split)
                    abs_used += frame + 8
                    max_used = max(max_used, abs_used)
                elif kind == RET:
                    abs_used -= frame + 8
                    if split_at.pop():  # lessstack: results back, segment freed
                        old = size
                        size, used = saved.pop()
                        total -= old
                        copied += args
                        log.append((FREE, i, depth - 1, frame, old, size, used, args))
                    else:
                        used -= frame + 8
            if end != len(trace):
                break
        return StackRun(
            model="segmented", version=v.name, trace_label=trace.label, log=make_log(log),
            steps_run=end, calls=calls, initial_size=self.stack_min, final_size=total,
            peak_size=peak, bytes_copied=copied, final_depth=len(split_at),
            final_frames=live_frames(trace, end), max_used=max_used, segments_peak=seg_peak,
        )

    def run(self, trace: CallTrace) -> StackRun:
        """Run `trace` (numpy, one call depth at a time; identical records to `run_readable`).

        A call's segment state depends only on its parent's (the live call one level up), so
        all calls at one depth are decided together. Deep, narrow traces (few calls per
        depth) gain nothing from that and take the readable path.
        """
        _need_trace(trace, self.stack_min - self.v.stack_top)
        calls_at = np.flatnonzero(trace.kind == CALL)
        frame = trace.frame[calls_at]
        need = trace.used[calls_at] - frame + np.maximum(0, frame - self.v.stack_small)
        if need.max(initial=-1) + self.v.stack_guard < self.stack_min - self.v.stack_top:
            return self._no_split(trace, len(calls_at))  # no call reaches the first guard
        if len(calls_at) < 64 * (trace.max_depth + 1):
            return self.run_readable(trace)
        return self._run_levels(trace, calls_at)

    def _no_split(self, trace: CallTrace, calls: int) -> StackRun:
        final_frames = live_frames(trace, len(trace))
        return StackRun(
            model="segmented", version=self.v.name, trace_label=trace.label, log=make_log([]),
            steps_run=len(trace), calls=calls, initial_size=self.stack_min,
            final_size=self.stack_min, peak_size=self.stack_min, bytes_copied=0,
            final_depth=len(final_frames), final_frames=final_frames,
            max_used=int(max(trace.used.max(initial=0), trace.entry_used - 8, 0)),
        )

    def _run_levels(self, trace: CallTrace, calls_at: np.ndarray) -> StackRun:
        v, top = self.v, self.v.stack_top
        n = len(calls_at)
        depth = trace.depth[calls_at]
        frame = trace.frame[calls_at].astype(np.int64)
        args = trace.args[calls_at].astype(np.int64)
        size = np.empty(n, np.int64)  # current segment size after each call's prologue
        used = np.empty(n, np.int64)  # in-segment bytes in use after the prologue
        total = np.empty(n, np.int64)  # bytes of all live segments
        nseg = np.empty(n, np.int64)
        split = np.zeros(n, bool)
        psize = np.empty(n, np.int64)  # the parent's segment (old_size of a split)
        pused = np.empty(n, np.int64)
        entry = np.empty(n, np.int64)
        order = np.argsort(depth, kind="stable")
        counts = np.bincount(depth, minlength=trace.max_depth + 1)
        depth = depth.astype(np.int64)
        prev_idx = None
        for d, (a, b) in enumerate(zip(np.cumsum(counts) - counts, np.cumsum(counts))):
            idx = order[a:b]  # positions (into calls_at) of the calls at depth d, in step order
            if d == 0:
                ps = np.full(len(idx), self.stack_min, np.int64)
                pu = np.full(len(idx), trace.entry_used - 8, np.int64)
                pt, pk = ps.copy(), np.ones(len(idx), np.int64)
            else:
                par = prev_idx[np.searchsorted(calls_at[prev_idx], calls_at[idx]) - 1]
                ps, pu, pt, pk = size[par], used[par], total[par], nseg[par]
            e = pu + 8
            f = frame[idx]
            s = (ps - top) - e - np.maximum(0, f - v.stack_small) <= v.stack_guard
            new = np.maximum(f + args[idx] + v.stack_extra, self.stack_min)
            size[idx] = np.where(s, new, ps)
            used[idx] = np.where(s, args[idx] + 8, e) + f
            total[idx] = np.where(s, pt + new, pt)
            nseg[idx] = pk + s
            split[idx], psize[idx], pused[idx], entry[idx] = s, ps, pu, e
            prev_idx = idx
        over = np.flatnonzero(split & (total > self.max_stack))
        end = int(calls_at[over[0]]) if len(over) else len(trace)
        live = calls_at < end
        sp = np.flatnonzero(split & live)
        rows = [np.stack([np.full(len(sp), SPLIT), calls_at[sp], depth[sp], frame[sp], psize[sp],
                          size[sp], entry[sp], args[sp]], axis=1)]
        ret_step = _matching_rets(trace, calls_at)
        fr = sp[(ret_step[sp] >= 0) & (ret_step[sp] < end)]
        rows.append(np.stack([np.full(len(fr), FREE), ret_step[fr], depth[fr], frame[fr], size[fr],
                              psize[fr], pused[fr], args[fr]], axis=1))
        if len(over):
            o = over[0]
            rows.append(np.array([[OVERFLOW, end, depth[o], frame[o], psize[o],
                                   size[o], entry[o], self.max_stack]]))
        table = np.concatenate(rows)
        table = table[np.argsort(table[:, 1], kind="stable")]
        log = make_log([tuple(r) for r in table.tolist()])
        done = int(live.sum()) + (end < len(trace))  # the overflowing call ran its prologue
        final_depth = int(np.count_nonzero(trace.kind[:end] == CALL)
                          - np.count_nonzero(trace.kind[:end] == RET))
        innermost = _innermost_live(trace, calls_at, end, final_depth)
        return StackRun(
            model="segmented", version=v.name, trace_label=trace.label, log=log,
            steps_run=end, calls=int(done), initial_size=self.stack_min,
            final_size=int(total[innermost]) if innermost >= 0 else self.stack_min,
            peak_size=int(max(total[live].max(initial=0), self.stack_min)),
            bytes_copied=int(args[sp].sum() + args[fr].sum()), final_depth=final_depth,
            final_frames=live_frames(trace, end),
            max_used=int(max(trace.used[:end].max(initial=0), trace.entry_used - 8, 0)),
            segments_peak=int(nseg[live].max(initial=1)),
        )

    def hot_split_sweep(self, depths, frame: int, callee: int, n: int = 1, entry_used: int = 0):
        """Splits per iteration of a hot loop for each caller depth in `depths` (numpy array)."""
        depths = np.asarray(depths, dtype=np.int64)
        out = np.empty(len(depths), dtype=np.float64)
        for k, d in enumerate(depths.tolist()):
            t = CallTrace.hot_loop(d, frame, callee, n, entry_used=entry_used, unwind=False)
            before = self.run(CallTrace.hot_loop(d, frame, callee, 0, entry_used=entry_used,
                                                 unwind=False)).splits
            out[k] = (self.run(t).splits - before) / max(n, 1)
        return out


def _need_trace(trace, capacity: int) -> None:
    if not isinstance(trace, CallTrace):
        raise TypeError(f"trace must be a CallTrace; got {type(trace).__name__}")
    if trace.entry_used >= capacity:
        raise ValueError(f"trace.entry_used must fit the first segment: in [0, {capacity - 1}];"
                         f" got {trace.entry_used}")


def _matching_rets(trace: CallTrace, calls_at: np.ndarray) -> np.ndarray:
    """For each call (in step order), the step of the ret that ends it, or -1."""
    moving = np.flatnonzero(trace.kind != 2)
    order = moving[np.argsort(trace.depth[moving], kind="stable")]
    kinds, depths = trace.kind[order], trace.depth[order]
    first = np.flatnonzero(kinds[:-1] == CALL)  # positions of calls, except a last one
    paired = (kinds[first + 1] == RET) & (depths[first + 1] == depths[first])
    out = np.full(len(trace), -1, np.int64)
    out[order[first[paired]]] = order[first[paired] + 1]
    return out[calls_at]


def _innermost_live(trace: CallTrace, calls_at: np.ndarray, end: int, final_depth: int) -> int:
    """Position (into calls_at) of the innermost call still live after `end` steps, or -1."""
    if final_depth == 0:
        return -1
    d = trace.depth[calls_at]
    cand = np.flatnonzero((d == final_depth - 1) & (calls_at < end))
    return int(cand[-1])
