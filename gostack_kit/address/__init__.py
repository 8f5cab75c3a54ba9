"""Topic `address` (notebook 01, and the thread limits of notebook 02): where stacks must fit.

    layout   32- and 64-bit process layouts: text, heap, mmap area, stacks
    limits   how many OS threads fit, and what stops them (address space, RAM, kernel caps)
    maps     this process's real /proc/self/maps, classified
"""

from .layout import compressed_axis, format_size, layout, user_top
from .limits import guard_depth, read_limits, thread_budget, threads_that_fit
from .maps import PROC_SELF_MAPS, read_maps, read_sample

__all__ = ["PROC_SELF_MAPS", "compressed_axis", "format_size", "guard_depth", "layout", "read_limits",
           "read_maps", "read_sample", "thread_budget", "threads_that_fit", "user_top"]
