"""Topic `compiler` (notebook 06): a toy Go compiler, so inlining and escape analysis can be watched.

    program    the input: functions, locals, parameters and calls
    passes     inlining, escape analysis, frames and stack checks (Compiler, Build)
    execute    running a compiled program: calls, checks, heap allocations, deepest stack
    examples   ready-made programs, each the mirror of a small real Go program
"""

from . import examples
from .passes import INLINE_MAX_BUDGET, Build, Compiler, prologue_class
from .program import Call, Func, Local, Param, Program

__all__ = ["INLINE_MAX_BUDGET", "Build", "Call", "Compiler", "Func", "Local", "Param", "Program",
           "examples", "prologue_class"]
