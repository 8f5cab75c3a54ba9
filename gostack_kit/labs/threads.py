"""Sweeps over the thread-stack models, for notebooks 01 and 02 and their dashboards.

The engines answer one question per call: `threads.threads_that_fit` (how many
stack + guard pairs divide the user space), `address.layout` (how many
land in the holes a real process leaves free), `address.guard_depth` (at which
call a recursion reaches the guard page).  A notebook wants the same question
asked along an axis, and a dashboard wants several answers at once:

    stack size  ->  fit_sweep    ->  FitSweep     threads that fit, 32 and 64 bits
    frame size  ->  depth_sweep  ->  DepthSweep   call depth at the guard page
    (stack, guard, frame, threads) -> thread_costs -> ThreadCosts   all of it, one setting

    thread count = 2^k, k = 0 .. 24     (THREAD_COUNTS: the dashboards' slider stops)
    stack size   = 2^k, 16 KiB .. 1 GiB (STACK_SIZES)

Every function here is pure: parameters in, a frozen record out; the machine is
read only by `threads.read_limits`, and `default_limits` gives the same
record without reading anything, so that a notebook cell that prints it is
deterministic.  The rejected alternative, sweeping in the notebook with a
loop, puts the arithmetic where the student cannot test it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..address.layout import DEFAULT_GUARD, DEFAULT_THREAD_STACK, GiB, KiB, MiB, layout, user_top
from ..address.limits import (
    PTHREAD_STACK_MIN,
    REFERENCE_THREADS_MAX,
    Budget,
    Limits,
    default_limits,
    guard_hit,
    thread_budget,
    threads_that_fit,
)
from ..core.validate import integer

__all__ = [
    "STACK_SIZES", "GUARD_SIZES", "FRAME_SIZES", "THREAD_COUNTS", "REFERENCE_THREADS_MAX",
    "FitSweep", "DepthSweep", "ThreadCosts",
    "default_limits", "fit_sweep", "depth_sweep", "thread_costs",
]  # fmt: skip

# Slider stops.  Stacks: glibc's PTHREAD_STACK_MIN (16 KiB) up to 1 GiB, the
# largest stack guard_depth models; every power of two, since mmap rounds to
# pages anyway and the interesting effects are logarithmic.
STACK_SIZES = tuple(1 << k for k in range(14, 31))
# Guards: none (pthread_attr_setguardsize(0)), glibc's one page, a few pages,
# and 1 MiB (what some runtimes use to stop big frames jumping the guard).
GUARD_SIZES = (0, 4 * KiB, 8 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB)
# Frames: 8 bytes (a leaf that only saves BP) up to 64 KiB (a function with a
# big local array, the kind that can jump a one-page guard).
FRAME_SIZES = tuple(1 << k for k in range(3, 17))
# Threads: 1 .. 2^24, enough to exhaust a 64-bit space with small stacks.
THREAD_COUNTS = tuple(1 << k for k in range(25))
@dataclass(frozen=True, slots=True)
class FitSweep:
    """Threads that fit per stack size: by plain division and in a real layout's holes."""

    guard: int
    stacks: tuple[int, ...]
    divide32: tuple[int, ...]  # user space // (stack + guard), 3 GiB
    divide64: tuple[int, ...]  # the same for 128 TiB
    layout32: tuple[int, ...]  # what address.layout places around text, heap, libs
    layout64: tuple[int, ...]


def fit_sweep(stacks=STACK_SIZES, guard: int = DEFAULT_GUARD) -> FitSweep:
    """Threads that fit for each stack size, in a 32-bit and a 64-bit space."""
    stacks = tuple(integer("stacks[i]", s, PTHREAD_STACK_MIN, GiB) for s in stacks)
    guard = integer("guard", guard, 0, GiB)
    return FitSweep(
        guard=guard,
        stacks=stacks,
        divide32=tuple(threads_that_fit(32, s, guard) for s in stacks),
        divide64=tuple(threads_that_fit(64, s, guard) for s in stacks),
        layout32=tuple(layout(32, 0, s, guard).threads_fit for s in stacks),
        layout64=tuple(layout(64, 0, s, guard).threads_fit for s in stacks),
    )


@dataclass(frozen=True, slots=True)
class DepthSweep:
    """Call depth at which a recursion's frame first reaches the guard, per frame size."""

    stack: int
    guard: int
    entry_used: int
    frames: tuple[int, ...]
    depths: tuple[int, ...]  # address.guard_depth for each frame
    clash: tuple[bool, ...]  # the overflowing frame jumped the whole guard (ThreadStack: "clash")


def depth_sweep(stack: int = DEFAULT_THREAD_STACK, frames=FRAME_SIZES, *,
                guard: int = DEFAULT_GUARD, entry_used: int = 192) -> DepthSweep:  # fmt: skip
    """For each frame size: the depth of the overflowing call, and whether it was a stack clash."""
    frames = tuple(integer("frames[i]", f, 1, stack) for f in frames)
    hits = tuple(guard_hit(stack, f, guard=guard, entry_used=entry_used) for f in frames)
    return DepthSweep(stack, guard, entry_used, frames, tuple(h.depth for h in hits),
                      tuple(h.kind == "clash" for h in hits))  # fmt: skip


@dataclass(frozen=True, slots=True)
class ThreadCosts:
    """One dashboard setting: what `threads` threads cost and what limits them."""

    stack: int
    guard: int
    frame: int
    threads: int
    reserved: int  # threads * (stack + guard): address space, not memory
    space32: int  # user space of a 32-bit process
    space64: int
    fit32: int  # threads_that_fit(32, stack, guard)
    fit64: int
    depth: int  # address.guard_depth(stack, frame): the call that overflows
    clash: bool  # that call's frame jumped the whole guard (a stack clash, not a fault)
    budget: Budget  # every cap on 64 bits, with default_limits() and Go's cap enforced

    @property
    def share32(self) -> float:
        """Share of the 32-bit user space the stacks would reserve (may exceed 1)."""
        return self.reserved / self.space32

    @property
    def share64(self) -> float:
        """Share of the 64-bit user space the stacks would reserve."""
        return self.reserved / self.space64


def thread_costs(stack: int = DEFAULT_THREAD_STACK, guard: int = DEFAULT_GUARD,
                 frame: int = 88, threads: int = 1024, *,
                 limits: Limits | None = None) -> ThreadCosts:  # fmt: skip
    """Address space, thread caps (32/64-bit and other limits) and overflow depth for one setting."""
    stack = integer("stack", stack, PTHREAD_STACK_MIN, GiB)
    guard = integer("guard", guard, 0, GiB)
    frame = integer("frame", frame, 1, stack // 2)
    threads = integer("threads", threads, 1, 1 << 40)
    limits = default_limits() if limits is None else limits
    return ThreadCosts(
        stack=stack, guard=guard, frame=frame, threads=threads,
        reserved=threads * (stack + guard),
        space32=user_top(32), space64=user_top(64),
        fit32=threads_that_fit(32, stack, guard), fit64=threads_that_fit(64, stack, guard),
        depth=(hit := guard_hit(stack, frame, guard=guard)).depth,
        clash=hit.kind == "clash",
        budget=thread_budget(limits, 64, stack, guard, go=True),
    )  # fmt: skip
