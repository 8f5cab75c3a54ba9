"""The compiler lab: the toy compiler's programs beside the real compiler, and as stack traces.

Notebook 06 asks three things of the toy compiler (gostack_kit.compiler) that the toy itself does
not answer, and this module answers them without running anything in the notebook:

    Program ──> Compiler.compile ──> Build ──> call_trace ──> CallTrace ──> ContiguousStack
       │                                 │
       └─ go_source ──> go build -m -S ──┴──> compare ──> Agreement rows (toy vs real)
                        (live, or the recording realgo/data/compiler_real.json, which
                         realgo.compiler.record() writes)

  * where does the stack grow once inlining has merged frames? `call_trace` turns one run
    of a compiled toy program into the calls that really happen (inlined calls vanish,
    their locals are in the caller's frame), ready for the stack models;
  * what does the real compiler say about the same Go source? `real_compiles` builds each
    example with Go's `-gcflags='-m -m -S'` (and again with `-l`), or loads the recording;
  * where do the two agree? `compare` pairs decisions (as multisets per function, the way
    -m prints them) and frames (N of `$N-M` and the prologue class).

Invariants: a trace holds only real calls, in program order, with the frame each callee
has in the build; NOSPLIT leaves are left out, because they have no prologue check and
run inside the stackNosplit reserve (800 bytes, runtime/stack.go) that every checked
frame leaves below itself, so they can never make a stack grow. The recording is read
only through `real_compiles`, and every record says whether it is live or recorded.
The alternative rejected: tracing the real binary's calls (perf, uprobes): it needs
privileges the course machines do not have, and it would not show an inlined call at all.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..compiler.calls import call_trace
from ..compiler.examples import EXAMPLES, walk_program
from ..compiler.passes import Build, Compiler
from ..compiler.program import Call, Func, Local, Param, Program
from ..core import versions
from ..core.validate import integer
from ..realgo.compiler import MAKE_SIZES, RealCompile, real_compiles
from ..stacks.copying import ContiguousStack

__all__ = ["Agreement", "RealCompile", "EXAMPLES", "MAKE_SIZES", "agreement_summary",
           "budget_sweep", "call_trace", "stack_runs", "switch_runs",
           "compare", "make_allocs_toy", "real_compiles", "walk_program", "release_facts",
           "beside_current"]

_ONCE = "repeated recursive cycle"  # Go repeats this refusal once per fixed-point pass


# --- toy against real --------------------------------------------------------------------------

# --- the toy compiler's switches, as runs and stack traces ---------------------------------------

def switch_runs(program: Program, switch: str = "inlining", calls: int = 1000) -> dict:
    """label -> compiler.Run of `program` with one switch ("inlining" or "escape") on and off."""
    if switch == "inlining":
        return {"inlined": Compiler().run(program, calls),
                "-l": Compiler(inlining=False).run(program, calls)}
    if switch == "escape":
        return {"escape on": Compiler().run(program, calls),
                "escape off": Compiler(escape=False).run(program, calls)}
    raise ValueError(f"switch must be 'inlining' or 'escape', got {switch!r}")


def stack_runs(program: Program, real: RealCompile | None = None,
               version: str = "1.27") -> dict:
    """label -> (CallTrace, StackRun) of one run, inlined and with -l, on a copying stack.

    With `real`, every checked function gets the frame the real compiler gave it."""
    out = {}
    for label, inlining in (("inlined", True), ("-l", False)):
        build = Compiler(inlining=inlining).compile(program)
        frames = None
        if real is not None:
            frames = {f.name: real.frame(f.name, inlining).frame for f in build.functions
                      if not f.nosplit and real.frame(f.name, inlining) is not None}
        trace = call_trace(build, frames)
        out[label] = (trace, ContiguousStack(version=version).run(trace))
    return out


def make_allocs_toy(sizes=MAKE_SIZES, version: str = "current") -> tuple[tuple[int, int], ...]:
    """(n, heap allocations per call) the toy (Go `version`) gives make([]byte, n), n unknown."""
    out = []
    for n in sizes:
        prog = Program((
            Func("use", nodes=5, params=(Param("p", pointer=True),), noinline=True),
            Func("fill", nodes=12, params=(Param("n"),), noinline=True,
                 locals=(Local("make([]byte, n)", integer("size", n, 1, 1 << 20), kind="make",
                               addr_taken=True, flow="down"),), calls=(Call("use"),)),
            Func("main", nodes=3, calls=(Call("fill"),))))
        out.append((n, Compiler(version=version).run(prog, calls=1).heap_allocs))
    return tuple(out)


def release_facts(version: str = "current") -> tuple[tuple[str, str], ...]:
    """(fact, what Go `version` does) for each compiler fact that moved between 1.19 and 1.27."""
    v = versions.get(version)
    big = v.max_stack_var_size
    return (
        ("largest stack variable (MaxStackVarSize)",
         f"{big >> 20} MiB" if big >= 1 << 20 else f"{big >> 10} KiB"),
        ("make([]T, n), n unknown", f"stack buffer of {v.variable_make_threshold} B, else heap"
         if v.variable_make_threshold else "always the heap (non-constant size)"),
        ("a self-recursive function", "inlined one level" if v.inline_recursive
         else "never inlined (cannot inline f: recursive)"),
        ("frame of a function with index checks", "as small as Go 1.26+ (runtime.panicBounds)"
         if not v.bounds_slot else f"{v.bounds_slot} bytes bigger than in Go 1.26+"),
    )


def beside_current(version: str | None = None) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """(your release, (fact, yours, Go 1.27) rows): `version` or the toolchain found, else 1.27."""
    if version is None:
        from ..realgo.toolchain import GoNotFoundError, find_go

        try:
            version = find_go().version.removeprefix("go")
        except GoNotFoundError:
            version = versions.CURRENT
    mine = release_facts(version)
    now = release_facts(versions.CURRENT)
    return version, tuple((f, a, b) for (f, a), (_, b) in zip(mine, now, strict=True))


def budget_sweep(program: Program, budgets=range(0, 161, 8), calls: int = 1000,
                 escape: bool = True) -> tuple:
    """One compiler.Run of `program` per inlining budget (inlining on)."""
    return tuple(Compiler(inlining=True, budget=b, escape=escape).run(program, calls)
                 for b in budgets)


# --- toy against real --------------------------------------------------------------------------

@dataclass(frozen=True)
class Agreement:
    """One row of the toy/real comparison: a decision or a frame, and whether they agree."""

    what: str  # "decision" or "frame"
    func: str
    toy: str
    real: str
    verdict: str  # "same", "toy only", "real only", "differs", "toy: not exact"


def _enclosing(source: str) -> list[tuple[int, str]]:
    return [(i, m.group(1)) for i, line in enumerate(source.splitlines(), 1)
            if (m := re.match(r"func (\w+)\(", line))]


def _real_by_func(lines, source: str) -> Counter:
    funcs = _enclosing(source)
    got: Counter = Counter()
    for line, text in lines:
        func = [name for start, name in funcs if start <= line][-1]
        got[(func, text)] = 1 if _ONCE in text else got[(func, text)] + 1
    return got


def compare(build: Build, real: RealCompile) -> tuple[Agreement, ...]:
    """Decisions (multisets per function) and frames of the toy `build` against `real`."""
    inlining = build.inlining
    toy: Counter = Counter()
    for d in build.decisions:
        toy[(d.func, d.text)] = 1 if _ONCE in d.text else toy[(d.func, d.text)] + 1
    lines = real.decisions if inlining else real.decisions_noinline
    got = _real_by_func(lines, build.program.go_source)
    rows = []
    for key in sorted(set(toy) | set(got), key=lambda k: (k[0], k[1])):
        func, text = key
        t, r = toy.get(key, 0), got.get(key, 0)
        if t == r:
            verdict = "same"
        elif not r:
            verdict = "toy only"
        elif not t:
            verdict = "real only"
        else:
            verdict = "differs"
        rows.append(Agreement("decision", func, f"{t}x {text}" if t else "",
                              f"{r}x {text}" if r else "", verdict))
    for f in build.functions:
        rf = real.frame(f.name, inlining)
        mine = f"${f.frame} {f.prologue}"
        theirs = "(not emitted)" if rf is None else f"${rf.frame} {rf.prologue}"
        same = rf is not None and (rf.frame, rf.prologue) == (f.frame, f.prologue)
        verdict = "same" if same else ("toy: not exact" if not f.exact else "differs")
        rows.append(Agreement("frame", f.name, mine, theirs, verdict))
    return tuple(rows)


def agreement_summary(real: dict) -> tuple[tuple, ...]:
    """(program, build, decisions same/total, frames same/total, frames the toy calls exact)."""
    rows = []
    for name, make in EXAMPLES.items():
        for label, inlining in (("inlined", True), ("-l", False)):
            build = Compiler(inlining=inlining).compile(make())
            got = compare(build, real[name])
            dec = [r for r in got if r.what == "decision"]
            fr = [r for r in got if r.what == "frame"]
            rows.append((name, label, f"{sum(r.verdict == 'same' for r in dec)}/{len(dec)}",
                         f"{sum(r.verdict == 'same' for r in fr)}/{len(fr)}",
                         f"{sum(f.exact for f in build.functions)}/{len(build.functions)}"))
    return tuple(rows)
