"""Contiguous stacks (Go 1.3 and later): check, grow by copying, shrink at GC.

Every Go function that is not NOSPLIT starts with a prologue that compares SP with
g.stackguard0 (= stack.lo + StackGuard). With frame size N (as `-S` prints it):

    N <= StackSmall (128)       CMPQ SP, 16(R14)                   ; JLS morestack
    N <= StackBig (4096)        LEAQ -(N-128)(SP), R12 ; CMPQ R12, 16(R14) ; JLS
    N >  StackBig               MOVQ SP, R12 ; SUBQ $(N-128), R12 ; JCS ; CMPQ ; JLS

JLS is an unsigned "below or same", so the check fails when

    SP - max(0, N - StackSmall)  <=  stackguard0
    (size - entry_used) - max(0, N - 128)  <=  StackGuard           (in bytes from lo)

and morestack calls newstack, which (runtime/stack.go) doubles the size and, since Go
1.15, keeps doubling until `newsize - used >= N + StackGuard`, copies the `used` bytes
(hi - SP at the failing prologue) to the new stack so that they keep their distance from
hi, adjusts pointers into the stack, frees the old one and restarts the function, whose
check now passes. At each GC the stack is halved when
`used + stackNosplit < size/4` (used = hi - SP of the innermost frame), never below the
minimum. A growth past the maximum (1 GB) ends the program:

    before:  [lo ........ guard | free |  used  ] hi      2 KB
    after:   [lo ............................ guard | free |  used  ] hi     4 KB

Invariants: sizes stay powers of two; a growth's new size exceeds its need; bytes copied
by the growths that reach a size S total less than S (doubling is a geometric series).
The alternative the runtime rejected was segments (see stacks/segmented.py): they never copy,
but a call that straddles a segment boundary pays for a new segment every time.

The model has two paths with identical results: `run_readable` walks the trace step by
step and is the one to read; `run` uses numpy: it computes what every call needs at
once, skips the stretches between GCs whose largest need fits, and searches only the rest.
"""

from __future__ import annotations

import numpy as np

from ..core import versions
from ..core.events import GROW, OVERFLOW, SHRINK, StackRun, live_frames, make_log
from ..core.trace import CALL, GC, RET, CallTrace
from ..core.validate import integer, power_of_two
from .protocol import check_fails, need_trace

__all__ = ["ContiguousStack", "check_fails", "newstack_size"]


def newstack_size(size: int, used: int, frame: int, v: versions.GoVersion) -> int:
    """The size newstack picks: double, then (Go 1.15+) double until the frame fits."""
    new = size * 2
    if v.grow_to_fit:
        while new - used < frame + v.stack_guard:
            new *= 2
    return new


class ContiguousStack:
    """A goroutine stack that grows by copying (Go 1.3+), for one Go version."""

    def __init__(self, version: str = "current", initial_size: int | None = None,
                 max_stack: int | None = None):
        """`initial_size` defaults to the version's; `max_stack` to SetMaxStack's default."""
        self.v = versions.get(version)
        if not self.v.copying:
            raise ValueError(f"version must be a copying-stack version (1.3 or later); "
                             f"{self.v.name} uses segments: use SegmentedStack")
        self.max_stack = integer("max_stack", self.v.max_stack if max_stack is None else max_stack,
                                 self.v.stack_min, 1 << 40)
        top = 1 << (self.max_stack.bit_length() - 1)  # largest power of two <= the limit
        self.initial_size = power_of_two(
            "initial_size", self.v.initial_stack if initial_size is None else initial_size,
            self.v.stack_min, top)

    def __repr__(self) -> str:
        return f"ContiguousStack(version={self.v.name!r}, initial_size={self.initial_size})"

    # ---------------------------------------------------------------- readable path

    def run_readable(self, trace: CallTrace) -> StackRun:
        """Run `trace` one step at a time (the reference implementation)."""
        need_trace(trace, self.initial_size, "the initial stack")
        v, size = self.v, self.initial_size
        used = trace.entry_used - 8  # hi - SP before the next CALL pushes its return address
        depth, peak, copied, calls, max_used = 0, size, 0, 0, max(0, used)
        log, end = [], len(trace)
        for lo, kinds, frames, _ in trace.chunks():
            for i, (kind, frame) in enumerate(zip(kinds, frames), lo):
                if kind == CALL:
                    calls += 1
                    entry = used + 8  # hi - SP at the callee's prologue
                    while check_fails(size, entry, frame, v):  # morestack -> newstack
                        new = newstack_size(size, entry, frame, v)
                        if new > self.max_stack:
                            log.append((OVERFLOW, i, depth, frame, size, new, entry,
                                        self.max_stack))
                            end = i
                            break
                        log.append((GROW, i, depth, frame, size, new, entry, entry))
                        copied += entry
                        size = new
                        peak = max(peak, size)
                    if end != len(trace):
                        break
                    used = entry + frame
                    max_used = max(max_used, used)
                    depth += 1
                elif kind == RET:
                    used -= frame + 8
                    depth -= 1
                elif kind == GC and v.shrinks:
                    counted = used + (v.stack_nosplit if v.shrink_counts_nosplit else 0)
                    if size // 2 >= v.stack_min and counted < size // 4:
                        log.append((SHRINK, i, -1, 0, size, size // 2, used, used))
                        copied += used
                        size //= 2
            if end != len(trace):
                break
        return self._record(trace, log, end, calls, size, peak, copied, depth, max_used)

    # ---------------------------------------------------------------- fast path

    def run(self, trace: CallTrace) -> StackRun:
        """Run `trace` (numpy fast path; identical records to `run_readable`)."""
        need_trace(trace, self.initial_size, "the initial stack")
        v, size, n = self.v, self.initial_size, len(trace)
        kind, used = trace.kind, trace.used  # used: hi - SP after each step
        # need = entry + max(0, N - StackSmall) + StackGuard, and the check fails iff
        # size <= need; with entry = used - N that is used - min(N, StackSmall) + guard.
        need = np.minimum(trace.frame, v.stack_small).astype(used.dtype, copy=False)
        np.subtract(used, need, out=need)
        need += v.stack_guard
        need *= kind == CALL  # 0 at ret and gc steps: never >= a size
        # Between two GCs the size only grows, so an epoch whose largest need is below the
        # size is skipped whole; only epochs with a growth are searched.
        gcs = np.flatnonzero(kind == GC) if v.shrinks else np.zeros(0, np.int64)
        starts = np.concatenate(([0], gcs + 1))
        if starts[-1] >= n:
            starts = starts[:-1]  # the trace ends with a gc: the last epoch is empty
        tops = np.maximum.reduceat(need, starts).tolist() if n else []
        bounds = (gcs + 1).tolist() + [n]
        at_gc = used[gcs].tolist()
        log, peak, copied, end = [], size, 0, n
        for e, (a, top) in enumerate(zip(starts.tolist(), tops)):
            b = bounds[e]
            while top >= size:  # some call in [a, b) needs a bigger stack
                j = a + int(np.argmax(need[a:b] >= size))
                f = int(trace.frame[j])
                u = int(used[j]) - f
                while check_fails(size, u, f, v):
                    new = newstack_size(size, u, f, v)
                    if new > self.max_stack:
                        log.append([OVERFLOW, j, 0, f, size, new, u, self.max_stack])  # depth below
                        end = j
                        break
                    log.append([GROW, j, 0, f, size, new, u, u])
                    copied += u
                    size = new
                    peak = max(peak, size)
                if end != n:
                    break
                a = j + 1
            if end != n:
                break
            if e < len(gcs):
                u = at_gc[e]
                counted = u + (v.stack_nosplit if v.shrink_counts_nosplit else 0)
                if size // 2 >= v.stack_min and counted < size // 4:
                    log.append([SHRINK, int(gcs[e]), -1, 0, size, size // 2, u, u])
                    copied += u
                    size //= 2
        rows = [r for r in log if r[0] != SHRINK]
        for r, d in zip(rows, trace.depth_before([r[1] for r in rows]).tolist()):
            r[2] = d
        done = int(np.count_nonzero(kind[:end] == CALL))  # calls completed before the end
        depth = done - int(np.count_nonzero(kind[:end] == RET))
        done += end < n  # the call that overflowed ran its prologue too
        max_used = int(max(used[:end].max(initial=0), max(0, trace.entry_used - 8)))
        return self._record(trace, [tuple(r) for r in log], end, done, size, peak, copied, depth,
                            max_used)

    def _record(self, trace, log, end, calls, size, peak, copied, depth, max_used) -> StackRun:
        return StackRun(
            model="contiguous", version=self.v.name, trace_label=trace.label, log=make_log(log),
            steps_run=end, calls=calls, initial_size=self.initial_size, final_size=size,
            peak_size=peak, bytes_copied=copied, final_depth=depth,
            final_frames=live_frames(trace, end), max_used=max_used,
        )

