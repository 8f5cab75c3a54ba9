"""The compiler lab: the toy compiler's programs beside the real compiler, and as stack traces.

Notebook 06 asks three things of the toy compiler (compiler.py) that the toy itself does
not answer, and this module answers them without running anything in the notebook:

    Program ──> Compiler.compile ──> Build ──> call_trace ──> CallTrace ──> ContiguousStack
       │                                 │
       └─ go_source ──> go build -m -S ──┴──> compare ──> Agreement rows (toy vs real)
                        (live, or the recording in data/compiler_real.json, which
                         compiler_probe.record() writes)

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

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ._validate import integer
from .compiler import Build, Call, Compiler, Func, Local, Param, Program, examples
from .copying import ContiguousStack
from .realgo.asm import FuncFrame as RealFrame
from .realgo.asm import parse_asm
from .trace import CallTrace

__all__ = ["Agreement", "RealCompile", "EXAMPLES", "MAKE_SIZES", "agreement_summary",
           "budget_sweep", "call_trace", "stack_runs", "switch_runs",
           "compare", "make_allocs_toy", "real_compiles", "walk_program"]

# The recording shipped with the package (package-data data/*.json), for machines without Go.
DATA_PATH = Path(__file__).resolve().parent / "data" / "compiler_real.json"
MAX_TRACE_STEPS = 2_000_000  # a notebook trace: large enough for depth-1000 recursions
#: make([]byte, n) sizes around base.Debug.VariableMakeThreshold (32 bytes, base/flag.go).
MAKE_SIZES = (1, 16, 32, 33, 64, 1024)
_ONCE = "repeated recursive cycle"  # Go repeats this refusal once per fixed-point pass


def walk_program(buf: int = 128, depth: int = 1000) -> Program:
    """walk(n) recurses `depth` deep; each level calls scratch, which has a `buf`-byte array."""
    buf = integer("buf", buf, 1, 64 << 10)
    depth = integer("depth", depth, 1, 1000)
    src = f"""package main

//go:noinline
func use(p *byte) {{ *p++ }}

func scratch() {{
	var buf [{buf}]byte
	use(&buf[0])
}}

func walk(n int) {{
	if n == 0 {{
		return
	}}
	scratch()
	walk(n - 1)
}}

func main() {{
	walk({depth})
}}
"""
    return Program((
        Func("use", nodes=5, params=(Param("p", pointer=True),), noinline=True),
        Func("scratch", nodes=10, locals=(Local("buf", buf, addr_taken=True, flow="down"),),
             calls=(Call("use"),)),
        Func("walk", nodes=12, params=(Param("n"),), calls=(Call("scratch"), Call("walk"))),
        Func("main", nodes=3, calls=(Call("walk"),)),
    ), depth=depth, go_source=src)


#: The programs the notebook puts beside the real compiler, by name.
EXAMPLES = {"outer_inner": examples.outer_inner, "newpoint": examples.newpoint,
            "big_locals": examples.big_locals, "recursion": examples.recursion,
            "args_shrink": examples.args_shrink, "walk": walk_program}


# --- the calls a compiled program really makes ------------------------------------------------

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


def make_allocs_toy(sizes=MAKE_SIZES) -> tuple[tuple[int, int], ...]:
    """(n, heap allocations per call) the toy gives make([]byte, n) with n known at run time."""
    out = []
    for n in sizes:
        prog = Program((
            Func("use", nodes=5, params=(Param("p", pointer=True),), noinline=True),
            Func("fill", nodes=12, params=(Param("n"),), noinline=True,
                 locals=(Local("make([]byte, n)", integer("size", n, 1, 1 << 20), kind="make",
                               addr_taken=True, flow="down"),), calls=(Call("use"),)),
            Func("main", nodes=3, calls=(Call("fill"),))))
        out.append((n, Compiler().run(prog, calls=1).heap_allocs))
    return tuple(out)


def budget_sweep(program: Program, budgets=range(0, 161, 8), calls: int = 1000,
                 escape: bool = True) -> tuple:
    """One compiler.Run of `program` per inlining budget (inlining on)."""
    return tuple(Compiler(inlining=True, budget=b, escape=escape).run(program, calls)
                 for b in budgets)


# --- the real compiler, live or recorded -------------------------------------------------------

@dataclass(frozen=True)
class RealCompile:
    """What Go printed for one program: -m -m decisions and -S frames, default and with -l."""

    name: str
    decisions: tuple[tuple[int, str], ...]  # (line, message) per -m decision, inlining on
    decisions_noinline: tuple[tuple[int, str], ...]  # the same with -l
    frames: tuple[RealFrame, ...]  # main.* functions, inlining on
    frames_noinline: tuple[RealFrame, ...]
    source: str  # "live: go1.27.3 linux/amd64" or "recorded: ..."

    def frame(self, name: str, inlining: bool = True) -> RealFrame | None:
        """The real frame of main.`name` (None when the compiler emitted no such function)."""
        for f in self.frames if inlining else self.frames_noinline:
            if f.name == f"main.{name}":
                return f
        return None


_DECISION = re.compile(r"^(?:\./)?main\.go:(\d+):\d+: (.*)$")


def decision_lines(output: str) -> tuple[tuple[int, str], ...]:
    """(line, message) of every -m decision in compiler output (explanations left out)."""
    out = []
    for line in output.splitlines():
        m = _DECISION.match(line)
        if not m or m.group(2).startswith(" ") or m.group(2).endswith(":"):
            continue
        out.append((int(m.group(1)), re.sub(r"^(can inline \S+ with cost \d+) as: .*$", r"\1",
                                            m.group(2))))
    return tuple(out)


def _compile_live(name: str, program: Program) -> RealCompile:
    from .realgo.toolchain import build_and_run, find_go

    tc = find_go()
    parts = []
    for flags in ("-m -m -S", "-m -m -S -l"):
        res = build_and_run(program.go_source, gcflags=flags, run=False)
        if res.compile_error:
            raise RuntimeError(f"{name} did not build: {res.compile_error}")
        text = res.compiler_output
        parts.append((decision_lines(text),
                      tuple(f for f in parse_asm(text) if f.name.startswith("main."))))
    (d, f), (dl, fl) = parts
    return RealCompile(name, d, dl, f, fl, f"live: {tc.version} {tc.platform}")


def _frames(rows) -> tuple[RealFrame, ...]:
    return tuple(RealFrame(**{**r, "flags": tuple(r["flags"])}) for r in rows)


def real_compiles(prefer: str = "recorded", path: Path | str = DATA_PATH) -> dict:
    """name -> RealCompile for every example: "recorded" (default), "live" or "auto"."""
    if prefer not in ("auto", "live", "recorded"):
        raise ValueError(f"prefer must be 'auto', 'live' or 'recorded', got {prefer!r}")
    if prefer != "recorded":
        from .realgo.toolchain import GoNotFoundError

        try:
            return {name: _compile_live(name, make()) for name, make in EXAMPLES.items()}
        except GoNotFoundError:
            if prefer == "live":
                raise
    data = json.loads(Path(path).read_text())
    where = f"recorded: {data['go_version']} {data['platform']}"
    return {name: RealCompile(name, tuple(map(tuple, p["decisions"])),
                              tuple(map(tuple, p["decisions_noinline"])),
                              _frames(p["frames"]), _frames(p["frames_noinline"]), where)
            for name, p in data["programs"].items()}


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
