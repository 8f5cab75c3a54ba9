"""The three stack models, one per way of giving a call somewhere to put its frame.

    thread      a fixed stack with a guard page below it (C, every OS thread)   topic `threads`
    segmented   Go 1.1/1.2 segments: morestack adds one, lessstack frees it    topic `segmented`
    libgcc      gcc -fsplit-stack and gccgo: segments kept for reuse            topic `segmented`
                (SegmentedStack(version="gcc" | "gccgo") runs it)
    copying     Go 1.3+: the prologue check, newstack copies to twice the size  topic `copying`
    pointers    what copystack must adjust when a stack moves                   topic `copying`

Each model takes its parameters at construction and a CallTrace in `run` (and
`run_readable`), and returns an immutable StackRun (core.events): the same event log
whichever model made it. protocol.py holds what they share: that protocol, the trace
check, and Go's prologue compare.
"""

from .copying import ContiguousStack, newstack_size
from .libgcc import LIBGCC, LibgccStack
from .protocol import StackModel, check_fails
from .segmented import SegmentedStack, SplitCost, segment_size
from .thread import ThreadStack

__all__ = ["ContiguousStack", "LIBGCC", "LibgccStack", "SegmentedStack", "SplitCost", "StackModel",
           "ThreadStack", "check_fails", "newstack_size", "segment_size"]
