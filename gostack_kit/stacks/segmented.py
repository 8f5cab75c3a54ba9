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
arguments and results. Copying stacks (stacks/copying.py) replaced this in Go 1.3 because a call
that straddles a boundary inside a loop pays a split on every iteration, and the 1.2
fix (a bigger minimum) only moves the boundary.

The cost model turns a run into time: every call pays `call_ns` (CALL, prologue, RET)
and every split pays `split_ns` more (morestack, two trips through g0, a segment
allocation and free, copying arguments both ways).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import versions
from ..core.events import FREE, OVERFLOW, SPLIT, StackRun, live_frames, log_from_columns, make_log
from ..core.trace import CALL, GC, RET, CallTrace
from ..core.validate import integer, number
from .libgcc import LIBGCC, LibgccStack
from .protocol import check_fails, need_trace

__all__ = ["SegmentedStack", "SplitCost", "segment_size", "check_fails", "passed_frame"]


def passed_frame(frame, args, v: versions.GoVersion, stack_min: int):
    """The frame size the prologue hands newstack (m->moreframesize); works on numpy arrays."""
    if not v.frame_passed_only_past_min:
        return frame
    # Go 1.2 6l/pass.c stacksplit: "If StackMin is enough, don't ask for a specific amount"
    fits = v.stack_top + args + 8 + frame + 8 + v.stack_nosplit < stack_min
    return np.where(fits, 0, frame) if isinstance(fits, np.ndarray) else (0 if fits else frame)


def segment_size(frame: int, args: int, v: versions.GoVersion, stack_min: int) -> int:
    """Bytes newstack allocates for a split: max(moreframesize + args + StackExtra, StackMin)."""
    return max(passed_frame(frame, args, v, stack_min) + args + v.stack_extra, stack_min)


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
            number(name, getattr(self, name), 0, unit="ns")

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
                 max_stack: int | None = None, **libgcc):
        """`stack_min` overrides StackMin (e.g. 4096 for Go 1.1's minimum, in a 1.2 run).

        version="gcc" or "gccgo" models libgcc's split stacks instead (stacks/libgcc.py);
        its keyword arguments (sigstksz, init_sp_mod512, ...) are LibgccStack's.
        """
        self.libgcc = None
        if isinstance(version, str) and version in LIBGCC:
            if stack_min is not None or max_stack is not None:
                raise ValueError(f"stack_min and max_stack are Go 1.1/1.2 parameters; "
                                 f"version {version!r} takes sigstksz, init_sp_mod512, ...")
            self.libgcc = LibgccStack(version, **libgcc)
            self.v = None
            return
        if libgcc:
            raise TypeError(f"{sorted(libgcc)} only apply to version 'gcc' or 'gccgo'")
        self.v = versions.get(version)
        if self.v.copying:
            raise ValueError(f"version must be a segmented-stack version (1.1 or 1.2); "
                             f"{self.v.name} copies stacks: use ContiguousStack")
        self.stack_min = integer("stack_min", self.v.stack_min if stack_min is None else stack_min,
                                 1024, 1 << 20)
        self.max_stack = integer("max_stack", self.v.max_stack if max_stack is None else max_stack,
                                 self.stack_min, 1 << 40)

    def __repr__(self) -> str:
        if self.libgcc is not None:
            return repr(self.libgcc)
        return f"SegmentedStack(version={self.v.name!r}, stack_min={self.stack_min})"

    def run_readable(self, trace: CallTrace) -> StackRun:
        """Run `trace` one step at a time: prologue checks, splits and frees."""
        if self.libgcc is not None:
            return self.libgcc.run_readable(trace)
        need_trace(trace, self.stack_min - self.v.stack_top, "the first segment")
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
        """Run `trace` (numpy, one segment of the chain at a time; identical to `run_readable`).

        Traces whose segment chains grow very long (deep, narrow recursion) gain nothing
        from that and take the readable path, and so do Go 1.1 traces with frames of
        StackBig or more (their calls split whatever their need, which the chain cannot say).
        """
        if self.libgcc is not None:
            return self.libgcc.run(trace)
        need_trace(trace, self.stack_min - self.v.stack_top, "the first segment")
        v = self.v
        if v.big_frames_always_split and (trace.frame[trace.kind == CALL] >= v.stack_big).any():
            return self.run_readable(trace)
        return self._run_chain(trace) or self.run_readable(trace)

    def _run_chain(self, trace: CallTrace, budget: float = 4.0) -> StackRun | None:
        """The run decided one level of the segment chain at a time (None: chain too long)."""
        # In stack coordinates (bytes from the first segment's top) a call splits when its
        #     need = entry + max(0, N - StackSmall) + StackGuard
        # reaches the threshold H of the segment it is entered in: H = base + size - top,
        # with base 0 for the first segment and base = entry - args - 8 for a segment that
        # a call made. Two facts let numpy decide a whole level of the chain at once:
        #   * need strictly grows from caller to callee (entry grows by the caller's frame
        #     + 8, more than the caller's max(0, N - StackSmall)). So inside one segment the
        #     calls whose need reaches its H form whole subtrees, and the first call of
        #     each subtree is exactly a split.
        #   * a ret knows its call's need without a match: a ret row stores the call's
        #     frame N, and the bytes in use just before it are the call's entry + N.
        # Level k takes the steps that run inside level-(k-1) segments, keeps those whose
        # need reaches their segment's H, and finds the splits (kept calls with no kept
        # call live) and their frees (the kept ret that brings that count back to 0).
        v, top, n = self.v, self.v.stack_top, len(trace)
        used = trace.used
        pos, need, call = _reaching(trace, self.stack_min - top, v)
        # the segments made one level up (at first only the one malg made)
        up = {"steps": np.array([-1]), "thr": np.array([self.stack_min - top]),
              "base": np.array([0]), "total": np.array([self.stack_min])}
        levels, work = [], 0
        while len(pos):
            work += len(pos)
            if work > budget * n + 4096:
                return None  # one pass per segment of a long chain costs more than a walk
            live = np.cumsum(call.view(np.int8) * np.int8(2) - np.int8(1), dtype=np.int32)
            made = np.flatnonzero(call & (live == 1))  # kept calls with no kept call live: splits
            closed = np.flatnonzero(~call & (live == 0))  # the kept ret that frees each
            steps = pos[made]
            s = np.searchsorted(up["steps"], steps) - 1  # the segment each split leaves
            pthr, pbase, ptotal = up["thr"][s], up["base"][s], up["total"][s]
            f = trace.frame[steps].astype(np.int64)
            a = trace.args[steps].astype(np.int64)
            entry = used[steps].astype(np.int64) - f
            size = np.maximum(passed_frame(f, a, v, self.stack_min) + a + v.stack_extra,
                              self.stack_min)
            base = entry - a - 8
            up = {"steps": steps, "thr": base + size - top, "base": base, "total": ptotal + size}
            # a level's frees close its splits in order; a split whose call never returns
            # has none, so it is freed at n (past the end)
            frees = np.concatenate((pos[closed], np.full(len(made) - len(closed), n)))
            levels.append({
                "steps": steps, "freed": frees, "frame": f, "args": a, "entry": entry - pbase,
                "size": size, "total": up["total"], "psize": pthr - pbase + top,
                "level": np.full(len(made), len(levels) + 1),
            })
            # Every kept step lies in [made, closed] of one split, in order, so each one's
            # threshold is a run-length copy. A split's own call and ret stay out without a
            # test: its new H exceeds its need (StackExtra - 8 - StackTop > StackGuard).
            last = np.concatenate((closed, np.full(len(made) - len(closed), len(pos) - 1)))
            keep = np.flatnonzero(need >= np.repeat(up["thr"], last - made + 1))
            pos, need, call = pos[keep], need[keep], call[keep]
        return self._chain_record(trace, levels)

    def _chain_record(self, trace: CallTrace, levels: list[dict]) -> StackRun:
        n = len(trace)
        col = {k: np.concatenate([lv[k] for lv in levels]) if levels else np.zeros(0, np.int64)
               for k in ("steps", "freed", "frame", "args", "entry", "psize", "size", "total", "level")}
        freed_at, level = col["freed"], col["level"]
        steps = col["steps"]
        over = np.flatnonzero(col["total"] > self.max_stack)
        end = int(steps[over].min()) if len(over) else n
        ok = np.flatnonzero(steps < end)
        fr = ok[freed_at[ok] < end]
        o = over[np.argmin(steps[over])][None] if len(over) else np.zeros(0, np.int64)
        pick = (ok, fr, o)
        events = {  # SPLIT rows, FREE rows, then the OVERFLOW row if any
            "kind": [np.full(len(ok), SPLIT), np.full(len(fr), FREE), np.full(len(o), OVERFLOW)],
            "step": [steps[ok], freed_at[fr], steps[o]],
            "frame": [col["frame"][i] for i in pick],
            "old_size": [col["psize"][ok], col["size"][fr], col["psize"][o]],
            "new_size": [col["size"][ok], col["psize"][fr], col["size"][o]],
            "used": [col["entry"][ok], col["entry"][fr] - 8, col["entry"][o]],
            "nbytes": [col["args"][ok], col["args"][fr], np.full(len(o), self.max_stack)],
        }
        events = {k: np.concatenate(parts) for k, parts in events.items()}
        order = np.argsort(events["step"], kind="stable")  # a merge of sorted runs: fast
        events = {k: c[order] for k, c in events.items()}
        # a FREE runs at its call's depth: one less than the calls live before the ret
        events["depth"] = trace.depth_before(events["step"]) - (events["kind"] == FREE)
        kind = trace.kind[:end]
        done = int(np.count_nonzero(kind == CALL))
        still = ok[freed_at[ok] >= end]  # segments live at the end
        return StackRun(
            model="segmented", version=self.v.name, trace_label=trace.label,
            log=log_from_columns(**events), steps_run=end, calls=done + (end < n),
            initial_size=self.stack_min, final_size=self.stack_min + int(col["size"][still].sum()),
            peak_size=int(max(col["total"][ok].max(initial=0), self.stack_min)),
            bytes_copied=int(col["args"][ok].sum() + col["args"][fr].sum()),
            final_depth=done - int(np.count_nonzero(kind == RET)),
            final_frames=live_frames(trace, end),
            max_used=int(max(trace.used[:end].max(initial=0), trace.entry_used - 8, 0)),
            segments_peak=int(max(level[ok].max(initial=0) + 1, 1)),
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


#: Steps per block in `_reaching`: a block's few temporaries stay in the CPU cache, which
#: makes the pass about 1.5x faster than whole-trace arrays (measured on 10M steps).
_BLOCK = 1 << 17


def _reaching(trace: CallTrace, threshold: int, v: versions.GoVersion):
    """(steps, need, is_call) of the calls and rets whose need reaches `threshold`."""
    # need = entry + N + guard - min(N, StackSmall), and entry + N is the larger of the
    # bytes in use before and after the step: after a call, before a ret. A ret so gets
    # the need of the call it ends.
    used, kind, frame = trace.used, trace.kind, trace.frame
    steps, needs, calls = [], [], []
    for lo in range(0, len(trace), _BLOCK):
        hi = min(len(trace), lo + _BLOCK)
        need = np.empty(hi - lo, used.dtype)
        need[0] = max(used[lo], used[lo - 1] if lo else trace.entry_used - 8)
        np.maximum(used[lo + 1:hi], used[lo:hi - 1], out=need[1:])
        need -= np.minimum(frame[lo:hi], v.stack_small)
        need += v.stack_guard
        k = kind[lo:hi]
        at = np.flatnonzero((need >= threshold) & (k != GC))
        steps.append(at + lo), needs.append(need[at]), calls.append(k[at] == CALL)
    if not steps:
        return np.zeros(0, np.int64), np.zeros(0, used.dtype), np.zeros(0, bool)
    return np.concatenate(steps), np.concatenate(needs), np.concatenate(calls)

