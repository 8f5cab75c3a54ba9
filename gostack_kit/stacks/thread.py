"""A thread's fixed stack with a guard page: what C, and every OS thread, gets.

An OS thread's stack is one mapping reserved when the thread starts (glibc uses the
`ulimit -s` size, 8 MiB by default), with a PROT_NONE guard page directly below it:

    hi  +---------------------+
        |  frames in use      |   grows down, one CALL (frame + 8 bytes) at a time
        |         ...         |
    lo  +---------------------+
        |  guard page  ---p   |   touching it raises SIGSEGV: the program dies
        +---------------------+

Nothing checks the stack on a call; the MMU does, when a frame's bytes land on the
guard page. So the size must be chosen up front for the worst case, and it is reserved
(address space, not memory) for every thread. The first call whose frame reaches below
lo ends the run, in one of two ways:

    bottom of the frame inside the guard   ->  "segv":  the fault happens at the guard
    bottom of the frame below the guard    ->  "clash": the frame jumped the whole guard;
                                                nothing faults there, and its writes land
                                                in whatever is mapped below the stack

A guard of 0 bytes (pthread_attr_setguardsize(0)) makes every overflow a clash. GCC's
-fstack-clash-protection exists because of the second case: it makes a big frame touch
every page as it allocates, so that it cannot skip a guard page.

Invariants: the stack never grows or moves; nbytes of the ending event is how far below
lo the frame reaches, so kind == "segv" exactly when 0 < nbytes <= guard. The
alternative, Go's checked, growable goroutine stacks, pays a compare per call so that a
stack can start at 2 KB (stacks/copying.py).
"""

from __future__ import annotations

import numpy as np

from ..core.events import CLASH, SEGV, StackRun, live_frames, make_log
from ..core.trace import CALL, RET, CallTrace
from ..core.validate import integer
from .protocol import need_trace

__all__ = ["ThreadStack", "PAGE"]

PAGE = 4096  # x86-64 page size; glibc's default guard is one page (pthread_attr_getguardsize)


class ThreadStack:
    """A fixed-size stack of `size` bytes with a `guard`-byte guard region below it."""

    def __init__(self, size: int = 8 << 20, guard: int = PAGE):
        """Sizes in bytes: `size` in [4 KiB, 1 TiB], `guard` in [0, 1 GiB]."""
        self.size = integer("size", size, PAGE, 1 << 40)
        self.guard = integer("guard", guard, 0, 1 << 30)

    def __repr__(self) -> str:
        return f"ThreadStack(size={self.size}, guard={self.guard})"

    def run_readable(self, trace: CallTrace) -> StackRun:
        """Run `trace` one step at a time until a frame reaches below the stack (segv or clash)."""
        need_trace(trace, self.size, "the stack")
        used, depth, calls, log, end = trace.entry_used - 8, 0, 0, [], len(trace)
        max_used = max(0, used)
        for lo, kinds, frames, _ in trace.chunks():
            for i, (kind, frame) in enumerate(zip(kinds, frames), lo):
                if kind == CALL:
                    calls += 1
                    if used + 8 + frame > self.size:
                        log.append(self._overflow(i, depth, frame, used + 8))
                        end = i
                        break
                    used += frame + 8
                    max_used = max(max_used, used)
                    depth += 1
                elif kind == RET:
                    used -= frame + 8
                    depth -= 1
            if end != len(trace):
                break
        return self._record(trace, log, end, calls, depth, max_used)

    def run(self, trace: CallTrace) -> StackRun:
        """Run `trace` (numpy fast path; identical records to `run_readable`)."""
        need_trace(trace, self.size, "the stack")
        used = trace.used  # bytes in use rise only at calls, so the first step past size is one
        top = int(used.max(initial=0))
        end = int(np.argmax(used > self.size)) if top > self.size else len(trace)
        kind = trace.kind[:end]
        calls = int(np.count_nonzero(kind == CALL))
        depth = calls - int(np.count_nonzero(kind == RET))
        log = []
        if end < len(trace):
            frame = int(trace.frame[end])
            log.append(self._overflow(end, depth, frame, int(used[end]) - frame))
            top = int(used[:end].max(initial=0))
            calls += 1  # the call that overflowed ran its prologue
        max_used = max(top, trace.entry_used - 8, 0)
        return self._record(trace, log, end, calls, depth, max_used)

    def _overflow(self, step: int, depth: int, frame: int, entry: int) -> tuple:
        below = entry + frame - self.size  # how far below lo the frame's bottom lands
        kind = SEGV if below <= self.guard else CLASH
        return (kind, step, depth, frame, self.size, self.size, entry, below)

    def _record(self, trace, log, end, calls, depth, max_used) -> StackRun:
        return StackRun(
            model="thread", version="", trace_label=trace.label, log=make_log(log),
            steps_run=end, calls=calls, initial_size=self.size, final_size=self.size,
            peak_size=self.size, bytes_copied=0, final_depth=depth,
            final_frames=live_frames(trace, end), max_used=max_used,
        )

    def max_depth(self, frame: int, entry_used: int = 0) -> int:
        """Deepest call depth a recursion of `frame`-byte calls reaches inside the stack."""
        frame = integer("frame", frame, 1)
        entry_used = integer("entry_used", entry_used, 0)
        return (self.size - entry_used - frame) // (frame + 8)

