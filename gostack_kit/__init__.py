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
