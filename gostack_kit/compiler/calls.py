"""The calls a compiled toy program really makes, as a CallTrace for the stack models.

    Program ──> Compiler.compile ──> Build ──> call_trace ──> CallTrace ──> ContiguousStack

Inlined calls vanish (their locals are already in the caller's frame) and NOSPLIT leaves
are left out: they have no prologue check and run inside the stackNosplit reserve
(800 bytes, runtime/stack.go) that every checked frame leaves below itself, so they can
never make a stack grow. Invariant: the trace holds only real calls, in program order,
with the frame each callee has in the build (or the real frame, when `frames` gives one).
"""

from __future__ import annotations

from ..core.trace import CallTrace
from ..core.validate import integer
from .passes import Build

__all__ = ["MAX_TRACE_STEPS", "call_trace"]

MAX_TRACE_STEPS = 2_000_000  # a notebook trace: large enough for depth-1000 recursions


def call_trace(build: Build, frames: dict[str, int] | None = None,
               entry_used: int = 0) -> CallTrace:
    """The real calls of one run of the entry function (frames from `build`, or `frames`)."""
    if not isinstance(build, Build):
        raise TypeError(f"build must be a compiler.Build; got {type(build).__name__}")
    program = build.program
    size = {f.name: f.frame for f in build.functions}
    nosplit = {f.name for f in build.functions if f.nosplit}
    for name, value in (frames or {}).items():
        if name not in size:
            raise ValueError(f"frames must name functions of the program; got {name!r}")
        size[name] = integer(f"frames[{name!r}]", value, 1, 1 << 30)
    scc = {f.name: i for i, block in enumerate(program.sccs()) for f in block}
    roots = dict(build.copies)

    def sites(body, left):
        """(callee name or None, inline copy or root, levels left) per executed site."""
        for call, (kind, target) in zip(body.func.calls, body.sites, strict=True):
            recursive = scc[call.callee] == scc[body.func.name]
            if recursive and left == 0:
                continue  # the cycle's base case
            levels = left - 1 if recursive else program.depth
            for _ in range(call.count):
                yield (None, target, levels) if kind == "inline" else (
                    call.callee, roots[target], levels)

    steps = [("call", max(1, size[program.entry]))]
    stack = [(sites(roots[program.entry], program.depth), True)]
    while stack:
        it, returns = stack[-1]
        nxt = next(it, None)
        if nxt is None:
            stack.pop()
            if returns:
                steps.append(("ret",))
            continue
        callee, body, levels = nxt
        real = callee is not None and callee not in nosplit
        if real:
            steps.append(("call", size[callee]))
        if len(steps) > MAX_TRACE_STEPS:
            raise ValueError(f"program makes more than {MAX_TRACE_STEPS:,} calls in one run; "
                             "lower its call counts or Program.depth")
        if callee is None or real:
            stack.append((sites(body, levels), real))
    return CallTrace.from_steps(steps, entry_used=entry_used)
