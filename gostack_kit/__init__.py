"""gostack-kit: why goroutines are cheap, shown with models checked against the real Go runtime."""

from . import versions
from .copying import ContiguousStack
from .events import Event, StackRun
from .segmented import SegmentedStack, SplitCost
from .thread_stack import ThreadStack
from .trace import CallTrace

__version__ = "0.1.0"

__all__ = [
    "CallTrace",
    "ContiguousStack",
    "Event",
    "SegmentedStack",
    "SplitCost",
    "StackRun",
    "ThreadStack",
    "versions",
]


def load_ipython_extension(ipython):
    """`%load_ext gostack_kit`: register the `%%go` cell magic (real Go toolchain)."""
    from .realgo.magic import GoMagics

    ipython.register_magics(GoMagics)
