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
from .events import FREE, OVERFLOW, SPLIT, StackRun, live_frames, log_from_table, make_log
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
        # In stack coordinates (bytes from the first segment's top), a call splits when its
        # need = entry + max(0, N - StackSmall) + StackGuard reaches the threshold H of the
        # segment its parent runs in: H = base + capacity. The first segment has base 0;
        # a segment made by call s starts at base(s) = entry(s) - args(s) - 8.
        v, top = self.v, self.v.stack_top
        depth_c = trace.depth[calls_at]
        order = np.argsort(depth_c, kind="stable")  # level-major, step order within a level
        counts = np.bincount(depth_c, minlength=trace.max_depth + 1)
        ends = np.cumsum(counts)
        steps = calls_at[order]
        frame = trace.frame[steps].astype(np.int64)
        args = trace.args[steps].astype(np.int64)
        entry = trace.used[steps] - frame
        need = entry + np.maximum(0, frame - v.stack_small) + v.stack_guard
        new = np.maximum(frame + args + v.stack_extra, self.stack_min)
        n = len(steps)
        thr, base, total, nseg = (np.empty(n, np.int64) for _ in range(4))
        split = np.empty(n, bool)
        pthr, pbase = np.empty(n, np.int64), np.empty(n, np.int64)
        a = 0
        for d, b in enumerate(ends.tolist()):
            if d == 0:
                ht, bs, tt, kk = self.stack_min - top, 0, self.stack_min, 1
            else:
                pa = a - int(counts[d - 1])
                par = pa + np.searchsorted(steps[pa:a], steps[a:b]) - 1
                ht, bs, tt, kk = thr[par], base[par], total[par], nseg[par]
            sp = need[a:b] >= ht
            nb = entry[a:b] - args[a:b] - 8
            split[a:b] = sp
            pthr[a:b], pbase[a:b] = ht, bs
            thr[a:b] = np.where(sp, nb + new[a:b] - top, ht)
            base[a:b] = np.where(sp, nb, bs)
            total[a:b] = tt + np.where(sp, new[a:b], 0)
            nseg[a:b] = kk + sp
            a = b
        psize = pthr - pbase + top  # the segment the parent runs in
        over = np.flatnonzero(split & (total > self.max_stack))
        end = int(steps[over].min()) if len(over) else len(trace)
        sp = np.flatnonzero(split & (steps < end))
        ret = _matching_rets(trace, steps[sp], depth_c[order[sp]])
        fr = sp[(ret >= 0) & (ret < end)]
        ret = ret[(ret >= 0) & (ret < end)]
        rows = [
            np.stack([np.full(len(sp), SPLIT), steps[sp], depth_c[order[sp]], frame[sp], psize[sp],
                      new[sp], entry[sp] - pbase[sp], args[sp]], axis=1),
            np.stack([np.full(len(fr), FREE), ret, depth_c[order[fr]], frame[fr], new[fr],
                      psize[fr], entry[fr] - pbase[fr] - 8, args[fr]], axis=1),
        ]
        if len(over):
            o = over[np.argmin(steps[over])]
            rows.append(np.array([[OVERFLOW, end, depth_c[order[o]], frame[o], psize[o], new[o],
                                   entry[o] - pbase[o], self.max_stack]]))
        table = np.concatenate(rows).astype(np.int64)
        table = table[np.argsort(table[:, 1], kind="stable")]
        log = log_from_table(table)
        n_done = int(np.count_nonzero(calls_at < end))
        final_depth = n_done - int(np.count_nonzero(trace.kind[:end] == RET))
        final_size = self.stack_min
        if final_depth:
            lo = int(ends[final_depth - 1] - counts[final_depth - 1])
            k = lo + int(np.searchsorted(steps[lo:ends[final_depth - 1]], end)) - 1
            final_size = int(total[k])
        return StackRun(
            model="segmented", version=v.name, trace_label=trace.label, log=log,
            steps_run=end, calls=n_done + (end < len(trace)), initial_size=self.stack_min,
            final_size=final_size, peak_size=int(max(total[sp].max(initial=0), self.stack_min)),
            bytes_copied=int(args[sp].sum() + args[fr].sum()), final_depth=final_depth,
            final_frames=live_frames(trace, end),
            max_used=int(max(trace.used[:end].max(initial=0), trace.entry_used - 8, 0)),
            segments_peak=int(nseg[sp].max(initial=1)),
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


def _matching_rets(trace: CallTrace, call_steps: np.ndarray, call_depths: np.ndarray) -> np.ndarray:
    """For each call, the step of the ret that ends it (the next ret at its depth), or -1."""
    rets = np.flatnonzero(trace.kind == RET)
    if not len(call_steps) or not len(rets):
        return np.full(len(call_steps), -1, np.int64)
    rd = trace.depth[rets]
    r_order = np.argsort(rd, kind="stable")
    r_steps, r_depths = rets[r_order], rd[r_order].astype(np.int64)
    # sort key (depth, step) as one int64: find the first ret at the same depth after the call
    scale = np.int64(len(trace) + 1)
    keys = r_depths * scale + r_steps
    pos = np.searchsorted(keys, call_depths.astype(np.int64) * scale + call_steps)
    found = pos < len(keys)
    pos = np.minimum(pos, len(keys) - 1)
    ok = found & (r_depths[pos] == call_depths)
    return np.where(ok, r_steps[pos], -1)
