"""Split stacks as GCC builds them today: `gcc -fsplit-stack` (libgcc) and gccgo, x86_64.

The same design as Go 1.2's segments still runs: every function compiled with
`-fsplit-stack` starts with a check of SP against a per-thread limit kept in the TCB at
%fs:0x70, and calls `__morestack` when its frame does not fit. `__morestack` finds or maps
a segment, runs the rest of the function there, and a return stub switches back:

    thread stack (or gccgo's first segment)      segment 1 (kept after return)
    S  +--------------------+                    top +------------------+
       | frames ...         |                        | F, its callees   |
       |                    |    F's check fails     |        ...       |
       | limit = S - 16000  | ---------------------> | limit            |
       +--------------------+                        | BACKOFF 3584     |
                                                base +-header 56--------+

The libgcc policy, read from GCC 12.2 (each constant below names its file and function):
  * the check: a frame under 256 bytes compares SP itself with the limit; a larger one
    compares SP - frame (`ix86_expand_split_stack_prologue`);
  * the thread's first limit sits 16000 bytes below the SP of `__stack_split_initialize`;
  * a new segment is one page, or SIGSTKSZ plus the header rounded to pages, or the frame
    plus BACKOFF plus the header rounded to pages, whichever is largest; its limit sits
    header + BACKOFF bytes above its base;
  * a return never frees: the segment stays on the thread's list and the next split at the
    same level reuses it if it is big enough (otherwise it and those after it are unmapped);
  * after the first return to the thread's own stack the limit becomes
    round_up(S - 8, 512) - 16000 + BACKOFF, not the first limit;
  * gccgo starts each goroutine on a segment of its own (`__splitstack_makecontext`) and
    turns off libgcc's signal masking for it.

Invariants: a split happens exactly where the prologue's compare fails; kept segments only
grow the thread's list; the limit of a segment depends only on its size (and the
argument bytes copied into it). The alternative rejected here is to reuse Go 1.2's record
(versions.GoVersion): its StackGuard/StackExtra/free-on-return fields have no meaning for
libgcc, so libgcc gets a record of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.events import FREE, SEGV, SPLIT, StackRun, live_frames, make_log
from ..core.trace import CALL, RET, CallTrace
from ..core.validate import integer
from .protocol import need_trace

__all__ = ["LibgccPolicy", "LIBGCC", "LibgccStack", "segment_bytes"]


@dataclass(frozen=True)
class LibgccPolicy:
    """The constants of libgcc's split stacks on x86_64 (GCC 12.2), one per field."""

    name: str
    # gcc/config/i386/i386.cc, SPLIT_STACK_AVAILABLE used by
    # ix86_expand_split_stack_prologue: frames below it compare SP itself with the limit.
    split_stack_available: int = 256
    # libgcc/config/i386/morestack.S, BACKOFF (x86_64) in __morestack: bytes kept free
    # below every limit for the dynamic linker and signal handlers.
    backoff: int = 3584
    # libgcc/config/i386/morestack.S, __stack_split_initialize: "leaq -16000(%rsp)" is the
    # first limit, and 16000 the length passed to __generic_morestack_set_initial_sp.
    initial_len: int = 16000
    # libgcc/generic-morestack.c, __generic_morestack_set_initial_sp: the recorded SP is
    # rounded up to a 512-byte boundary.
    initial_sp_align: int = 512
    # libgcc/generic-morestack.c, struct stack_segment: prev, next, size, old_stack,
    # dynamic_allocation, free_dynamic_allocation, extra: seven 8-byte words at the base.
    header: int = 56
    # libgcc/generic-morestack.c, allocate_segment: sizes are rounded to getpagesize().
    page: int = 4096
    # libgcc/generic-morestack.c, __generic_morestack: copied arguments are aligned to 32.
    param_align: int = 32
    # Whether the thread starts on its own (OS) stack: gcc yes; gccgo's goroutines start on
    # a segment from __splitstack_makecontext (libgo/runtime/proc.c, runtime_malg).
    thread_stack: bool = True
    # Whether __morestack_block_signals masks signals around each split
    # (generic-morestack.c); gccgo turns it off per goroutine through
    # __splitstack_block_signals_context(..., &dont_block_signals=0) in runtime_malg.
    masks_signals: bool = True
    # gccgo's first segment: runtime_malg asks __splitstack_makecontext for StackMin bytes
    # (libgo/runtime/proc.c); 0 for gcc, whose threads start on their own stack.
    first_request: int = 0
    source: str = ("GCC 12.2: gcc/config/i386/i386.cc, libgcc/config/i386/morestack.S, "
                   "libgcc/generic-morestack.c, libgo/runtime/proc.c")


LIBGCC = {
    "gcc": LibgccPolicy(name="gcc"),
    # libgo/runtime/proc.c: StackMin is PTHREAD_STACK_MIN only when the linker supports
    # split stacks (gold); otherwise 4 MiB on 64-bit. Debian's gccgo-12 links with ld.bfd,
    # so its goroutines start on a 4 MiB + 1 page segment (realgo/data/splitstack.json).
    "gccgo": LibgccPolicy(name="gccgo", thread_stack=False, masks_signals=False,
                          first_request=4 << 20),
}


def segment_bytes(request: int, sigstksz: int, p: LibgccPolicy = LIBGCC["gcc"]) -> int:
    """Bytes allocate_segment maps for a request of `request` bytes (frame + BACKOFF + args)."""
    allocate = p.page
    if allocate < sigstksz:  # MINSIGSTKSZ is sysconf(_SC_SIGSTKSZ) in glibc 2.34+
        allocate = _round(sigstksz + p.header, p.page)
    if allocate < request:
        allocate = _round(request + p.header, p.page)
    return allocate


def _round(n: int, to: int) -> int:
    return (n + to - 1) // to * to


class LibgccStack:
    """libgcc's split stack for one thread (version "gcc") or one goroutine ("gccgo")."""

    def __init__(self, version: str = "gcc", sigstksz: int = 13504, init_sp_mod512: int = 504,
                 thread_stack: int | None = None, morestack_reach: int = 304):
        """Parameters of the machine and the thread (see the keyword comments)."""
        if version not in LIBGCC:
            raise ValueError(f"version must be one of {sorted(LIBGCC)}; got {version!r}")
        self.p = LIBGCC[version]
        # sysconf(_SC_SIGSTKSZ): 4 x the kernel's AT_MINSIGSTKSZ, at least 8192 (glibc 2.34+);
        # 13504 on an AVX-512 x86-64, 47808 with AMX
        self.sigstksz = integer("sigstksz", sigstksz, 2048, 1 << 24)
        # S mod 512 of the SP where __stack_split_initialize ran; 504 in a fresh pthread
        # (glibc 2.36, measured by realgo/splitstack)
        self.init_sp_mod512 = integer("init_sp_mod512", init_sp_mod512, 0, 511)
        # bytes of the thread's own stack below S, down to its guard page (None: enough)
        self.thread_stack = (None if thread_stack is None else
                             integer("thread_stack", thread_stack, 1, 1 << 40))
        # bytes below a splitting function's entry SP that __morestack and the libc calls
        # it makes touch on the old stack: 304 measured with symbols bound (LD_BIND_NOW=1);
        # a process's first, lazily bound split also runs the dynamic linker's resolver
        self.morestack_reach = integer("morestack_reach", morestack_reach, 0, 1 << 20)
        if not self.p.thread_stack and thread_stack is not None:
            raise ValueError("thread_stack must be None for version 'gccgo': goroutines start"
                             " on a segment of their own")
        self.first = segment_bytes(self.p.first_request, self.sigstksz, self.p)

    def __repr__(self) -> str:
        return (f"SegmentedStack(version={self.p.name!r}, sigstksz={self.sigstksz}, "
                f"init_sp_mod512={self.init_sp_mod512})")

    def first_limit(self) -> int:
        """The starting limit, in bytes below S (gcc) or below the first segment's top."""
        if self.p.thread_stack:
            return self.p.initial_len
        return self.first - self.p.header - self.p.backoff

    def limit_after_return(self, old_stack: int) -> int:
        """The thread's limit after a split returns to it (bytes below S).

        `old_stack` is what __morestack saved: the address just above the splitting
        function's return address, so as bytes below S it is that call's entry - 8.
        """
        p, m = self.p, self.init_sp_mod512
        sp0 = 8 - (8 - m) % p.initial_sp_align  # S - round_up(S - 8, 512), bytes below S
        used = max(0, old_stack - sp0)  # __generic_releasestack: initial_sp.sp - old_stack
        if used > p.initial_len:
            return old_stack - p.backoff  # *pavailable = 0
        return old_stack + (p.initial_len - used) - p.backoff

    def run(self, trace: CallTrace) -> StackRun:
        """Run `trace` (the readable path: libgcc's chains are short, so it is the fast one)."""
        return self.run_readable(trace)

    def run_readable(self, trace: CallTrace) -> StackRun:
        """Run `trace` one step at a time: prologue checks, splits, returns and reuse."""
        p = self.p
        need_trace(trace, self.thread_stack or (self.first_limit() if not p.thread_stack
                                                else 1 << 40), "the first stack")
        # regions: -1 is the thread's own stack, k >= 0 the k-th segment of the chain
        chain: list[int] = [] if p.thread_stack else [self.first]
        region = -1 if p.thread_stack else 0
        limit = self.first_limit()  # bytes below the top of the current region
        sp = trace.entry_used - 8  # bytes below the region's top before the next CALL
        live: list[tuple[int, int, int]] = []  # (region, sp before the call, entry) per call
        log, end, calls, copied, peak = [], len(trace), 0, 0, sum(chain)
        seg_peak = len(chain)
        own = self.thread_stack
        for lo, kinds, frames, argss in trace.chunks():
            for i, (kind, frame, args) in enumerate(zip(kinds, frames, argss), lo):
                if kind == CALL:
                    calls += 1
                    entry = sp + 8
                    need = entry if frame < p.split_stack_available else entry + frame
                    split = need > limit  # SP (- frame) < %fs:0x70: call __morestack
                    reach = entry + (self.morestack_reach if split else frame)
                    if region < 0 and own is not None and reach > own:
                        log.append((SEGV, i, len(live), frame, own, own, entry, reach - own))
                        end = i
                        break
                    if split:
                        nxt, want = region + 1, frame + p.backoff
                        if nxt < len(chain) and chain[nxt] - p.header < want:
                            for gone in chain[nxt:]:  # __morestack_release_segments
                                log.append((FREE, i, len(live), frame, gone, 0, entry, 0))
                            del chain[nxt:]
                        if nxt == len(chain):
                            chain.append(segment_bytes(want + args, self.sigstksz, p))
                        size = chain[nxt]
                        log.append((SPLIT, i, len(live), frame,
                                    chain[region] if region >= 0 else 0, size, entry, args))
                        live.append((region, sp, entry))
                        copied += args
                        a32 = _round(args, p.param_align)
                        # the function resumes at ret - 8, ret = top - a32; the limit is
                        # ret - (size - header - args) + BACKOFF
                        region, sp = nxt, a32 + 8 + frame
                        limit = size - p.header - p.backoff - (args - a32)
                        peak, seg_peak = max(peak, sum(chain)), max(seg_peak, len(chain))
                    else:
                        live.append((region, sp, entry))
                        sp = entry + frame
                elif kind == RET:
                    was, before, entry = live.pop()
                    if was != region:  # the return stub: __generic_releasestack
                        limit = (self.limit_after_return(entry - 8) if was < 0 else
                                 chain[was] - p.header - p.backoff)
                        region = was
                    sp = before
            if end != len(trace):
                break
        kind = trace.kind[:end]
        return StackRun(
            model="segmented", version=p.name, trace_label=trace.label, log=make_log(log),
            steps_run=end, calls=calls, initial_size=0 if p.thread_stack else self.first,
            final_size=sum(chain), peak_size=peak, bytes_copied=copied,
            final_depth=int((kind == CALL).sum() - (kind == RET).sum()),
            final_frames=live_frames(trace, end),
            max_used=int(max(trace.used[:end].max(initial=0), trace.entry_used - 8, 0)),
            segments_peak=seg_peak + (1 if p.thread_stack else 0),
        )
