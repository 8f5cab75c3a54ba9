"""The run record every stack model returns: an immutable event log plus a summary.

The log is one numpy structured array, a row per event, in the order events happened:

    kind      step  depth  frame  old_size  new_size  used   nbytes
    grow      12    12     80     2048      4096      1144   1144     newstack copied 1144 B
    shrink    900   -1     0      4096      2048      312    312      GC halved the stack
    split     40    40     88     8192      8192      7952   8        morestack: new segment
    free      41    40     88     8192      8192      0      8        lessstack freed it
    overflow  ...                                            limit    the run stops here
    segv      ...                                            guard    the frame's bottom is in the guard
    clash     ...                                            guard    the frame jumped the whole guard

Columns mean: `step` the trace step; `depth` the depth of the call (-1 at a gc step);
`used` the bytes in use (hi - SP) that the runtime saw; `nbytes` bytes copied (grow,
shrink), argument bytes copied (split, free), the limit (overflow), or how far below
the stack the frame reaches (segv, clash).

Views such as `run.growths` materialize one small frozen `Event` at a time, so a run with
millions of splits costs 49 bytes per event, not a Python object per event. Two runs are
identical when their logs and summaries are equal, which is how tests prove that a fast
path and the readable path agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property

import numpy as np

__all__ = ["Event", "EventView", "StackRun", "EVENT_DTYPE", "KINDS", "make_log"]

KINDS = ("grow", "shrink", "split", "free", "overflow", "segv", "clash")
GROW, SHRINK, SPLIT, FREE, OVERFLOW, SEGV, CLASH = range(len(KINDS))
ENDINGS = (OVERFLOW, SEGV, CLASH)  # the kinds of event that end a run

EVENT_DTYPE = np.dtype([
    ("kind", "i1"), ("step", "i8"), ("depth", "i4"), ("frame", "i4"),
    ("old_size", "i8"), ("new_size", "i8"), ("used", "i8"), ("nbytes", "i8"),
])


@dataclass(frozen=True)
class Event:
    """One event of a run (see the module comment for what each field means)."""

    kind: str
    step: int
    depth: int
    frame: int
    old_size: int
    new_size: int
    used: int
    nbytes: int

    @property
    def copied(self) -> int:
        """Bytes moved by this event (the used part of the stack, or the arguments)."""
        return self.nbytes if self.kind in ("grow", "shrink", "split", "free") else 0

    @property
    def message(self) -> str:
        """What the runtime (or the kernel) says when this event ends a run."""
        if self.kind == "overflow":
            return f"goroutine stack exceeds {self.nbytes}-byte limit"
        if self.kind == "segv":
            return "signal SIGSEGV: the call touched the stack's guard page"
        if self.kind == "clash":
            return ("stack clash: the frame jumped past the whole guard, so nothing faulted there; "
                    "its writes land in whatever is mapped below the stack")
        return ""


def make_log(rows: Sequence[tuple]) -> np.ndarray:
    """A read-only event log from (kind, step, depth, frame, old, new, used, nbytes) rows."""
    log = np.array(list(rows), dtype=EVENT_DTYPE) if len(rows) else np.zeros(0, EVENT_DTYPE)
    log.setflags(write=False)
    return log


def log_from_columns(**columns: np.ndarray) -> np.ndarray:
    """A read-only event log from one equal-length array per field of EVENT_DTYPE."""
    if set(columns) != set(EVENT_DTYPE.names):
        raise ValueError(f"columns must be exactly {EVENT_DTYPE.names}; got {sorted(columns)}")
    log = np.zeros(len(columns["step"]), EVENT_DTYPE)
    for name, values in columns.items():
        log[name] = values
    log.setflags(write=False)
    return log


def _event(row) -> Event:
    return Event(KINDS[int(row["kind"])], *(int(row[n]) for n in EVENT_DTYPE.names[1:]))


class EventView(Sequence):
    """A read-only sequence of the events of some kinds, materialized on access."""

    def __init__(self, log: np.ndarray, kinds: tuple[int, ...]):
        self._rows = log[np.isin(log["kind"], kinds)] if len(kinds) < len(KINDS) else log

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [_event(r) for r in self._rows[i]]
        return _event(self._rows[i])

    def __eq__(self, other) -> bool:
        if isinstance(other, EventView):
            return np.array_equal(self._rows, other._rows)
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        shown = ", ".join(repr(e) for e in self[:3])
        return f"[{shown}{', ...' if len(self) > 3 else ''}] ({len(self)} events)"

    def column(self, name: str) -> np.ndarray:
        """One column of these events as a numpy array (for plots)."""
        return self._rows[name]


@dataclass(frozen=True, eq=False)
class StackRun:
    """What a stack model did with a trace: the event log and a summary."""

    model: str  # "contiguous", "segmented" or "thread"
    version: str  # the Go version record used ("" for a thread stack)
    trace_label: str
    log: np.ndarray = field(repr=False)
    steps_run: int  # steps executed (all of them, unless the run ended in an overflow)
    calls: int  # prologue checks executed (one per call)
    initial_size: int
    final_size: int  # bytes of stack allocated at the end (all live segments, for segments)
    peak_size: int
    bytes_copied: int  # stack bytes copied by growth and shrink (args bytes, for segments)
    final_depth: int  # calls still live at the end
    final_frames: tuple[int, ...] = field(repr=False)
    max_used: int = 0  # the most bytes in use seen (contiguous coordinates)
    segments_peak: int = 1  # most segments live at once (segmented only)

    @cached_property
    def growths(self) -> EventView:
        """Every newstack that copied the stack to a bigger one."""
        return EventView(self.log, (GROW,))

    @cached_property
    def shrinks(self) -> EventView:
        """Every GC step that halved the stack."""
        return EventView(self.log, (SHRINK,))

    @cached_property
    def split_events(self) -> EventView:
        """Every morestack that allocated a new segment."""
        return EventView(self.log, (SPLIT,))

    @cached_property
    def frees(self) -> EventView:
        """Every lessstack that freed a segment."""
        return EventView(self.log, (FREE,))

    @cached_property
    def events(self) -> EventView:
        """The whole event log."""
        return EventView(self.log, tuple(range(len(KINDS))))

    @property
    def splits(self) -> int:
        """How many times morestack allocated a new segment."""
        return len(self.split_events)

    @property
    def segments_allocated(self) -> int:
        """Stack segments allocated in the run: the first one plus one per split."""
        return 1 + self.splits

    @property
    def overflow(self) -> Event | None:
        """The event that ended the run (stack limit, guard page or stack clash), or None."""
        ended = self.log[np.isin(self.log["kind"], ENDINGS)]
        return _event(ended[0]) if len(ended) else None

    def summary(self) -> dict:
        """The scalar fields of this run as a plain dict (for tables and the CLI)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("log",)}
        out.update(growths=len(self.growths), shrinks=len(self.shrinks), splits=self.splits,
                   segments_allocated=self.segments_allocated,
                   overflow=self.overflow.message if self.overflow else None)
        return out

    def same_as(self, other: StackRun) -> bool:
        """True when both runs have identical logs and summaries."""
        return np.array_equal(self.log, other.log) and self.summary() == other.summary()


def live_frames(trace, end: int) -> tuple[int, ...]:
    """Frames of the calls still live after the first `end` steps of `trace`, outermost first."""
    kind = trace.kind[:end]
    final = int(np.count_nonzero(kind == 0)) - int(np.count_nonzero(kind == 1))
    out = [0] * final
    # Walk back from `end`: with b = sum of signs from a step to the end, a call is still
    # live exactly when b first reaches a new high there; its depth is final - b. The walk
    # stops once every level is found, usually a few thousand steps back.
    sign, frame = trace.sign, trace.frame
    found, hi, width = 0, end, 4096
    while found < final:
        lo = max(0, hi - width)
        b = np.cumsum(sign[lo:hi][::-1], dtype=np.int64) + found  # back from hi - 1
        top = np.maximum(np.maximum.accumulate(b), found)
        new = np.flatnonzero(top > np.concatenate(([found], top[:-1])))
        for t in new.tolist():
            out[final - int(b[t])] = int(frame[hi - 1 - t])
        found, hi, width = max(found, int(top[-1])), lo, width * 2
    return tuple(out)
