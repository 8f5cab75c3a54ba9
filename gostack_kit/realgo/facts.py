"""Compiler facts the notebooks state about Go 1.27, checked against the real `-m` and `-S`.

One small demonstration program holds a function per claim; a `// @tag` comment marks the
line each claim is about. The program is compiled three ways and every claim is judged
only from what the compiler printed:

    DEMO ──> go build -gcflags='-m -m'  ──> decisions (inlining, escape)  ─┐
         ──> go build -gcflags=-S       ──> frames + prologues            ─┼─> CompilerFact
         ──> go build -gcflags='-S -l'  ──> frames with inlining off      ─┘   (holds, evidence)

Invariant: a fact never holds by default. Each check looks for the compiler's own words at
the marked line (or the frame of the named function) and quotes them as the evidence, so a
notebook can show the proof next to the statement. Limits behind the claims:
cmd/compile/internal/inline/inl.go (budget 80), cmd/compile/internal/ir/cfg.go
(MaxStackVarSize 128 KiB, MaxImplicitStackVarSize 64 KiB).
"""

from __future__ import annotations

from dataclasses import dataclass

from .asm import FuncFrame, frames_by_name, parse_asm
from .decisions import Decision, parse_decisions
from .toolchain import build_and_run

DEMO = """package main

var global *int
var idx = 3

type point struct{ x, y int }

func add(a, b int) int { return a + b } // @add

func newPoint(x, y int) *point { return &point{x, y} } // @newpoint

func overBudget(n int) int { // @heavy
	s := 0
	for i := 0; i < n; i++ {
		s += i * i
		if s > 1000 {
			s -= 7
		} else {
			s += 3
		}
		if s%3 == 0 {
			s /= 2
		} else {
			s *= 3
		}
		if s%5 == 0 {
			s /= 5
		} else {
			s += 11
		}
		if s%7 == 0 {
			s /= 7
		} else {
			s += 13
		}
		if s%11 == 0 {
			s /= 11
		} else {
			s += 17
		}
	}
	return s
}

func toGlobal() {
	p := 42 // @global
	global = &p
}

func smallMake() byte {
	b := make([]byte, 64) // @make64
	return b[idx]
}

func bigMake() byte {
	b := make([]byte, 102400) // @make100k
	return b[idx]
}

func varFits() byte {
	var a [128 << 10]byte // @var128k
	a[idx] = 1
	return a[idx+1]
}

func varTooBig() byte {
	var a [128<<10 + 1]byte // @var128k1
	a[idx] = 1
	return a[idx+1]
}

func newFits() byte {
	p := new([65536]byte) // @new64k
	p[idx] = 1
	return p[idx+1]
}

func newTooBig() byte {
	p := new([65537]byte) // @new64k1
	p[idx] = 1
	return p[idx+1]
}

//go:noinline
func use(b *[64]byte) { b[0]++ }

func inner() { // @inner
	var buf [64]byte
	use(&buf)
}

//go:noinline
func outer() { // @outer
	inner()
	inner()
}

func main() {
	println(add(1, 2)) // @calladd
	p := newPoint(1, 2) // @callnewpoint
	println(p.x, overBudget(10), smallMake(), bigMake())
	println(varFits(), varTooBig(), newFits(), newTooBig())
	toGlobal()
	outer()
}
"""


@dataclass(frozen=True)
class CompilerFact:
    """One statement about the compiler, and whether its real output bears it out."""

    name: str
    statement: str
    holds: bool
    evidence: str  # the compiler's words (a decision or a TEXT line) that decide it


@dataclass(frozen=True)
class DemoOutput:
    """The compiler's output for DEMO: -m -m as printed, and main's frames from -S and -S -l."""

    m_output: str
    frames: tuple[FuncFrame, ...]
    frames_noinline: tuple[FuncFrame, ...]


def tag_line(tag: str, source: str = DEMO) -> int:
    """The 1-based line of `source` carrying the comment `// @tag`."""
    for number, line in enumerate(source.splitlines(), start=1):
        if line.rstrip().endswith(f"// @{tag}"):
            return number
    raise ValueError(f"tag must be one of the demo's // @ markers, got {tag!r}")


def demo_output(timeout: float = 60.0) -> DemoOutput:
    """Compile DEMO with the live toolchain three ways and keep what the compiler printed."""
    outs = []
    for flags in ("-m -m", "-S", "-S -l"):
        res = build_and_run(DEMO, timeout=timeout, gcflags=flags, run=False)
        if res.compile_error:
            raise RuntimeError(f"demo did not build: {res.compile_error}")
        outs.append(res.compiler_output)
    mine = [tuple(f for f in parse_asm(text) if f.name.startswith("main.")) for text in outs[1:]]
    return DemoOutput(outs[0], *mine)


def _said(decisions, kind: str, tag: str, subject: str | None = None) -> Decision | None:
    line = tag_line(tag)
    for d in decisions:
        if d.kind == kind and d.line == line and (subject is None or d.subject == subject):
            return d
    return None


def _words(d: Decision | None) -> str:
    if d is None:
        return "(no such line in the -m output)"
    tail = f" ({d.detail})" if d.detail else ""
    return f"{d.file}:{d.line}: {d.kind} {d.subject}{tail}"


def _frame(f: FuncFrame | None) -> str:
    return "(function not in -S output)" if f is None else (
        f"TEXT {f.name} ${f.frame}-{f.args}, prologue {f.prologue}")


def judge(out: DemoOutput) -> tuple[CompilerFact, ...]:
    """Every claim, judged from the demo's compiler output."""
    ds = parse_decisions(out.m_output)
    fr = frames_by_name(out.frames)
    fl = frames_by_name(out.frames_noinline)
    facts = []

    def fact(name, statement, holds, evidence):
        facts.append(CompilerFact(name, statement, bool(holds), evidence))

    d = _said(ds, "can inline", "add", "add")
    fact("inline-small", "a one-line function is inlinable, at a tiny cost",
         d is not None and d.cost is not None and d.cost <= 10, _words(d))
    d = _said(ds, "inlining call", "calladd", "add")
    fact("inline-call", "the call to it is replaced by its body", d is not None, _words(d))
    d = _said(ds, "cannot inline", "heavy", "overBudget")
    fact("over-budget", "a function over the budget of 80 is not inlined, its cost is printed",
         d is not None and d.cost is not None and d.cost > 80 and "budget 80" in d.detail,
         _words(d))
    d = _said(ds, "moved to heap", "global", "p")
    fact("global-moves", "a local whose address is stored in a global is moved to the heap",
         d is not None, _words(d))
    d = _said(ds, "escapes to heap", "newpoint", "&point{...}")
    fact("return-escapes", "&T{} returned from a function escapes to the heap",
         d is not None, _words(d))
    d = _said(ds, "does not escape", "callnewpoint", "&point{...}")
    fact("inlined-stays", "after that function is inlined, the same &T{} does not escape",
         d is not None, _words(d))
    d = _said(ds, "does not escape", "make64", "make([]byte, 64)")
    fact("make-small", "make([]byte, 64) stays on the stack", d is not None, _words(d))
    d = _said(ds, "escapes to heap", "make100k", "make([]byte, 102400)")
    fact("make-large", "make([]byte, 102400) escapes: too large for the stack",
         d is not None and "too large for stack" in d.detail, _words(d))
    moved = _said(ds, "moved to heap", "var128k", "a")
    f = fr.get("varFits")
    fact("var-128k", "var a [128<<10]byte stays on the stack (it is in the frame)",
         moved is None and f is not None and f.frame >= 128 << 10, _frame(f))
    d = _said(ds, "moved to heap", "var128k1", "a")
    fact("var-128k-plus-1", "var a [128<<10+1]byte is moved to the heap", d is not None,
         _words(d))
    d = _said(ds, "does not escape", "new64k", "new([65536]byte)")
    fact("new-64k", "new([65536]byte) does not escape", d is not None, _words(d))
    d = _said(ds, "escapes to heap", "new64k1", "new([65537]byte)")
    fact("new-64k-plus-1", "new([65537]byte) escapes to the heap", d is not None, _words(d))
    o, i, ol = fr.get("outer"), fr.get("inner"), fl.get("outer")
    body = range(tag_line("outer") + 1, tag_line("outer") + 3)
    inlined = [d for d in ds if d.kind == "inlining call" and d.subject == "inner"
               and d.line in body]
    fact("inline-merges-frames",
         "inlining inner twice gives outer one bigger frame and one stack check",
         o is not None and ol is not None and i is not None and len(inlined) == 2
         and o.frame > ol.frame and o.frame >= 2 * 64,
         f"default: {_frame(o)}; with -l: {_frame(ol)}")
    il = fl.get("inner")
    fact("noinline-separate-checks",
         "with -l, outer calls inner, which has its own frame and stack check",
         il is not None and il.prologue != "none" and ol is not None
         and ol.frame < il.frame, f"with -l: {_frame(ol)}; {_frame(il)}")
    return tuple(facts)


def compiler_facts(out: DemoOutput | None = None) -> tuple[CompilerFact, ...]:
    """The claims judged on `out` (default: a live compile of the demo)."""
    return judge(out if out is not None else demo_output())
