"""gostack-kit: why goroutines are cheap, shown with models checked against the real Go runtime."""

from . import versions
from .address_space import compressed_axis, layout
from .compiler import Compiler
from .copying import ContiguousStack
from .events import Event, StackRun
from .proc_maps import read_maps
from .sched_record import Costs, Model, stack_memory
from .sched_workload import Workload, workload
from .scheduler import simulate
from .segmented import SegmentedStack, SplitCost
from .thread_stack import ThreadStack
from .threads import guard_depth, read_limits, thread_budget, threads_that_fit
from .trace import CallTrace

__version__ = "0.1.0"

__all__ = [
    # the engine contract (stable names)
    "CallTrace",
    "ContiguousStack",
    "SegmentedStack",
    "ThreadStack",
    # records and cost models
    "Event",
    "StackRun",
    "SplitCost",
    "versions",
    # address space and threads
    "compressed_axis",
    "guard_depth",
    "layout",
    "read_limits",
    "read_maps",
    "thread_budget",
    "threads_that_fit",
    # scheduling
    "Costs",
    "Model",
    "Workload",
    "simulate",
    "stack_memory",
    "workload",
    # compiler
    "Compiler",
]


def load_ipython_extension(ipython):
    """`%load_ext gostack_kit`: register the `%%go` cell magic (real Go toolchain)."""
    from .realgo.magic import GoMagics

    ipython.register_magics(GoMagics)
