"""gostack-kit: why goroutines are cheap, shown with models checked against the real system.

The package is layered; imports point down only:

    app/                cli, lab, doctor
    grading/            check, hints, the grader, questions per topic
    widgets/  plots/    one module per topic: dashboards read records, plots draw them
    labs/               each notebook's experiments
    realgo/             the real system: toolchains, probes, recordings (realgo/data)
    address/ stacks/ sched/ compiler/   the engines, one package per mechanism
    core/               trace, event log, versions, validation

The topic keys (address, threads, sched, segmented, copying, compiler) name a notebook
and its module in every layer. docs/architecture.md draws the map.
"""

from .address.layout import compressed_axis, layout
from .address.limits import guard_depth, read_limits, thread_budget, threads_that_fit
from .address.maps import read_maps
from .compiler.passes import Compiler
from .core import versions
from .core.events import Event, StackRun
from .core.trace import CallTrace
from .sched.gmp import simulate
from .sched.record import Costs, Model, stack_memory
from .sched.workload import Workload, workload
from .stacks.copying import ContiguousStack
from .stacks.segmented import SegmentedStack, SplitCost
from .stacks.thread import ThreadStack

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
