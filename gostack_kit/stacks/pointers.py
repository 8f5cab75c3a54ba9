"""Pointers into a moving stack: what copystack must fix, and what it cannot.

A goroutine's frames point into their own stack all the time: a callee holds `&x` of a
caller's local, and every frame saves its caller's frame pointer. When newstack moves the
stack, copystack adds one delta to each such word (runtime/stack.go adjustframe ->
adjustpointers; adjustctxt, adjustdefers, adjustsudogs for the runtime's own records):

    old stack              new stack                 delta = new.hi - old.hi
    hi-24  run.total  <-+  hi'-24  run.total   <-+
    hi-48  walk.total --+  hi'-48  walk.total  --+   (old value + delta)
                 ^
    heap object -+         (not adjusted: still points at the freed old stack)

Invariants: every word that points into [old.lo, old.hi) points into [new.lo, new.hi) at
the same distance from hi after the copy; nothing outside the stack and those records is
touched. That is why escape analysis forbids storing a stack address in the heap
(cmd/compile/internal/escape/escape.go, the two invariants in its header). The alternative
the runtime rejected: tracking or searching the heap for stack pointers on every move.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.validate import integer

__all__ = ["Slot", "PointerPicture", "pointer_picture"]


@dataclass(frozen=True)
class Slot:
    """One 8-byte word of a frame in the pointer picture."""

    frame: str  # the function whose frame holds it, e.g. "walk(2)"
    name: str  # "ret addr", "saved BP", "total", "n"
    offset: int  # bytes below stack.hi: the word lives at hi - offset
    points_to: str | None = None  # "frame.name" of the stack word it points at, else None


@dataclass(frozen=True)
class PointerPicture:
    """A stack holding pointers into itself, before and after copystack moved it."""

    old_lo: int
    old_hi: int
    new_lo: int
    new_hi: int
    slots: tuple[Slot, ...]
    heap_target: str  # the word a (forbidden) heap pointer would point at

    @property
    def delta(self) -> int:
        """What copystack adds to every pointer into the old stack: new.hi - old.hi."""
        return self.new_hi - self.old_hi

    def slot(self, key: str) -> Slot:
        """The slot named "frame.name"."""
        for s in self.slots:
            if f"{s.frame}.{s.name}" == key:
                return s
        raise KeyError(key)

    def address(self, key: str, after: bool) -> int:
        """Where the word `key` lives before (old stack) or after (new stack) the copy."""
        return (self.new_hi if after else self.old_hi) - self.slot(key).offset

    def value(self, s: Slot, after: bool) -> int | None:
        """The pointer a slot holds: adjusted by delta after the copy (adjustframe)."""
        return None if s.points_to is None else self.address(s.points_to, after)

    def heap_value(self, after: bool) -> int:
        """The heap pointer: nobody adjusts it, so after the copy it still names the old stack."""
        return self.address(self.heap_target, False)

    def dangling(self) -> bool:
        """True when the heap pointer lands in the old, freed stack after the copy."""
        return self.old_lo <= self.heap_value(True) < self.old_hi


def pointer_picture(depth: int = 3, old_lo: int = 0xC000046000, old_size: int = 2048,
                    new_lo: int = 0xC00008C000, new_size: int = 4096) -> PointerPicture:
    """`run` keeps `total` and calls walk(depth) .. walk(1), each holding &total and a saved BP."""
    depth = integer("depth", depth, 1, 8)
    slots = [Slot("run", "ret addr", 8), Slot("run", "saved BP", 16), Slot("run", "total", 24)]
    caller, off = "run", 24
    for n in range(depth, 0, -1):
        me = f"walk({n})"
        slots += [Slot(me, "ret addr", off + 8), Slot(me, "saved BP", off + 16, f"{caller}.saved BP"),
                  Slot(me, "total", off + 24, "run.total"), Slot(me, "n", off + 32)]
        caller, off = me, off + 32
    return PointerPicture(old_lo, old_lo + old_size, new_lo, new_lo + new_size, tuple(slots),
                          "run.total")
