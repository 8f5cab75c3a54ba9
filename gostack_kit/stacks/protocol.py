"""What the stack models share: the run protocol, the trace check and Go's prologue compare.

Every model in this package is a class built from parameters whose two methods take a
CallTrace and return a StackRun (core.events):

    model = ThreadStack(size) | SegmentedStack(version) | ContiguousStack(version)
    model.run(trace)            the fast path (numpy where traces get large)
    model.run_readable(trace)   one step at a time, the path students read; same record

Go's prologue compare lives here once, because the segmented (Go 1.1/1.2) and copying
(Go 1.3+) models use the same inequality against different stack bounds:

    SP - max(0, frame - StackSmall) <= stackguard   ->  morestack

and so does the rule for which instruction sequence computes it (`prologue_class`), which
the toy compiler (compiler/passes.py) predicts and realgo/asm.py checks against real -S.

Invariant: a model never mutates its trace and never keeps state between runs. The
alternative, a base class with abstract methods, was rejected: the models share no state,
so a Protocol says the same with no inheritance to read through.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..core import versions
from ..core.events import StackRun
from ..core.trace import CallTrace

__all__ = ["StackModel", "need_trace", "check_fails", "prologue_class"]


@runtime_checkable
class StackModel(Protocol):
    """The protocol every stack model follows."""

    def run(self, trace: CallTrace) -> StackRun:
        """Run `trace` on the fast path."""

    def run_readable(self, trace: CallTrace) -> StackRun:
        """Run `trace` one step at a time (the same record as `run`)."""


def need_trace(trace, capacity: int, where: str) -> None:
    """TypeError unless `trace` is a CallTrace; ValueError unless its entry_used fits `where`."""
    if not isinstance(trace, CallTrace):
        raise TypeError(f"trace must be a CallTrace; got {type(trace).__name__}")
    if trace.entry_used >= capacity:
        raise ValueError(f"trace.entry_used must fit {where}: in [0, {capacity - 1}];"
                         f" got {trace.entry_used}")


def check_fails(capacity: int, entry_used: int, frame: int, v: versions.GoVersion) -> bool:
    """True when the prologue of a `frame`-byte function entered at `entry_used` calls morestack."""
    if v.big_frames_always_split and frame >= v.stack_big:
        return True  # Go 1.1's linker emits no compare for such a frame (6l/pass.c stacksplit)
    return capacity - entry_used - max(0, frame - v.stack_small) <= v.stack_guard


def prologue_class(frame: int, nosplit: bool = False, v: versions.GoVersion | None = None) -> str:
    """The check sequence the amd64 back end emits for a `frame`-byte function (obj6.go stacksplit)."""
    v = versions.get(versions.CURRENT) if v is None else v
    if nosplit:
        return "none"  # NOSPLIT: no check at all
    if frame <= v.stack_small:
        return "small"  # CMPQ SP, 16(R14)
    if frame <= v.stack_big:
        return "leaq"  # LEAQ -(N-StackSmall)(SP), R12; CMPQ R12, 16(R14)
    return "subq"  # MOVQ SP, R12; SUBQ $(N-StackSmall), R12; JCS (no wrap below 0); CMPQ; JLS
