"""The core every topic shares: the call trace, the run record, Go versions, argument checks.

    trace      CallTrace and its builders (recursion, hot loops, fib, random programs)
    events     the immutable event log and summary every stack model returns
    versions   one record of stack and compiler constants per Go release
    validate   argument checks that name the argument and its accepted range
    text       text_table, the one plain-text table format of the course
"""

from . import versions
from .events import Event, StackRun
from .trace import CallTrace

__all__ = ["CallTrace", "Event", "StackRun", "versions"]
