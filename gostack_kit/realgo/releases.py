"""Every Go release, measured for real: one JSON recording per toolchain, and the models checked.

    find_toolchains() ─> measure(tc) ─> data/releases/go1.N.P.json      (record, one command)
                             │
                             └────────> check(rec) ─> mismatches       (empty = the models agree)

A release recording holds what the kit measured on that toolchain, with the version that
produced it: the growth series (fresh goroutine and main), the shrink series and the adaptive
start (realgo.probes); the prologue and size constants as its GOROOT's sources spell them;
the compiler facts that moved between releases (make with a non-constant size, the
MaxStackVarSize edges, refusing recursive functions, the frame of a function with index
checks); the heap allocations of make([]byte, n); and the real -m -m decisions and -S frames
of every toy-compiler example. `check` demands that ContiguousStack(version=V) reproduces
every growth and shrink event, and that versions.get(V) and the toy compiler with version V
state every compiler fact exactly as the real compiler printed it.

Commands: `python -m gostack_kit.realgo.releases record` measures every toolchain found and
rewrites its file; `python -m gostack_kit.realgo.releases matrix` measures every toolchain
live and checks it (exit status 1 on any mismatch); `check` does the same on the recordings.

Invariant: a recording is plain JSON of records (asdict), so a live measurement and a loaded
one compare field by field. The alternative rejected: one recording that merges releases; a
difference between releases would then be an edit, not a measurement.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections import Counter
from pathlib import Path

from ..compiler.examples import ALL
from ..compiler.passes import Compiler
from ..core import versions
from ..core.trace import CallTrace
from ..stacks.copying import ContiguousStack
from . import compiler as realcompiler
from .asm import frames_by_name, parse_asm
from .probe_source import ASM, probe_source
from .probes import (
    AdaptiveProbe,
    Growth,
    GrowthProbe,
    ParkedGC,
    ShrinkProbe,
    adaptive_probes,
    growth_probes,
    shrink_probes,
    shrink_trace,
    size_after,
)
from .recordings import DATA
from .toolchain import Toolchain, build_and_run, built
from .toolchains import find_toolchains, using

__all__ = ["FOLDER", "check", "load", "load_all", "measure", "minor_of", "save"]

FOLDER = DATA / "releases"  # one go1.N.P.json per measured toolchain
EXAMPLES = ALL  # the toy-compiler programs put beside each release (as tests/test_realgo_compiler)

# The compiler facts, each a `// @tag` line: what moved between 1.19 and 1.27.
FACTS = """package main

var idx = 3
var n = 100

func makeVar() int {
	s := make([]int, n) // @makevar
	s[idx] = 1
	return s[idx+1]
}

func var128k1() byte {
	var a [128<<10 + 1]byte // @var128k1
	a[idx] = 1
	return a[idx+1]
}

func var10m() byte {
	var a [10 << 20]byte // @var10m
	a[idx] = 1
	return a[idx+1]
}

func var10m1() byte {
	var a [10<<20 + 1]byte // @var10m1
	a[idx] = 1
	return a[idx+1]
}

func fact(k int) int { // @fact
	if k < 2 {
		return 1
	}
	return k * fact(k-1)
}

func main() { println(makeVar(), var128k1(), var10m(), var10m1(), fact(5)) }
"""
# The constants read from each GOROOT: (file, Go name, regex for the value).
_CONSTANTS = (
    ("runtime/stack.go", "stackMin", r"\b_?[sS]tackMin\s*=\s*(\d+)"),
    ("runtime/stack.go", "stackGuard", r"\b_?[sS]tackGuard\s*=\s*(\d+)\*"),
    ("internal/abi/stack.go", "StackNosplitBase", r"\bStackNosplitBase\s*=\s*(\d+)"),
    ("runtime/stack.go", "StackSmall", r"\b_StackSmall\s*=\s*(\d+)"),
    ("internal/abi/stack.go", "StackSmall", r"\bStackSmall\s*=\s*(\d+)"),
    ("runtime/stack.go", "StackBig", r"\b_StackBig\s*=\s*(\d+)"),
    ("internal/abi/stack.go", "StackBig", r"\bStackBig\s*=\s*(\d+)"),
    ("cmd/compile/internal/ir/cfg.go", "MaxStackVarSize",
     r"MaxStackVarSize\s*=\s*int64\(([\d *]+)\)"),
    ("cmd/compile/internal/ir/cfg.go", "MaxImplicitStackVarSize",
     r"MaxImplicitStackVarSize\s*=\s*int64\(([\d *]+)\)"),
    ("cmd/compile/internal/base/flag.go", "VariableMakeThreshold",
     r"Debug\.VariableMakeThreshold\s*=\s*(\d+)"),
)


def minor_of(go_version: str) -> str:
    """"go1.22.10" -> "1.22"."""
    return ".".join(go_version.removeprefix("go").split(".")[:2])


def source_constants(goroot: str) -> dict[str, int]:
    """The stack and compiler constants as this GOROOT's sources define them."""
    out = {}
    for rel, name, pattern in _CONSTANTS:
        path = Path(goroot, "src", rel)
        m = re.search(pattern, path.read_text()) if path.exists() else None
        if m and name not in out:
            value = 1
            for part in m.group(1).split("*"):
                value *= int(part)
            out[name] = value
    return out


def _tag(tag: str) -> int:
    return next(i for i, line in enumerate(FACTS.splitlines(), 1) if line.endswith(f"@{tag}"))


def compiler_facts() -> dict:
    """The moving compiler facts, judged from the live toolchain's -m -m and -S output."""
    res = build_and_run(FACTS, gcflags="-m -m", run=False)
    if res.compile_error:
        raise RuntimeError(f"facts program did not build: {res.compile_error}")
    said = set(realcompiler.decision_lines(res.compiler_output))
    with built(probe_source([64], [1]), gcflags="-S", asm=ASM) as prog:
        frame = frames_by_name(parse_asm(prog.compiler_output))["rec0"].frame
    return {
        "make_var_escapes": (_tag("makevar"), "make([]int, n) escapes to heap") in said,
        "var_128k_plus_1_heap": (_tag("var128k1"), "moved to heap: a") in said,
        "var_10m_heap": (_tag("var10m"), "moved to heap: a") in said,
        "var_10m_plus_1_heap": (_tag("var10m1"), "moved to heap: a") in said,
        "recursive_refused": (_tag("fact"), "cannot inline fact: recursive") in said,
        "bounds_frame": frame,  # -S frame of the probe's rec0 with a 64-byte array
    }


def _enclosing(source: str, line: int) -> str:
    funcs = [(i, m.group(1)) for i, text in enumerate(source.splitlines(), 1)
             if (m := re.match(r"func (\w+)\(", text))]
    return [name for start, name in funcs if start <= line][-1]


def example_compiles() -> dict:
    """name -> {inlining: decisions (func, text, count) and frames} of every toy example."""
    out = {}
    for name, make in EXAMPLES.items():
        prog = make()
        for inlining in (True, False):
            res = build_and_run(prog.go_source, gcflags="-m -m -S" + ("" if inlining else " -l"),
                                run=False)
            if res.compile_error:
                raise RuntimeError(f"{name} did not build: {res.compile_error}")
            seen = Counter()
            for line, text in realcompiler.decision_lines(res.compiler_output):
                key = (_enclosing(prog.go_source, line), text)
                seen[key] = 1 if "repeated recursive cycle" in text else seen[key] + 1
            frames = {f.short_name: [f.frame, f.args, f.nosplit, f.prologue]
                      for f in parse_asm(res.compiler_output) if f.name.startswith("main.")}
            out[f"{name}{'' if inlining else ' -l'}"] = {
                "decisions": sorted([*k, c] for k, c in seen.items()), "frames": frames}
    return out


def measure(tc: Toolchain) -> dict:
    """Everything above, measured on toolchain `tc` (as plain JSON values, like a loaded one)."""
    with using(tc):
        rec = {"go_version": tc.version, "platform": tc.platform, "found": tc.source,
                "growth": [dataclasses.asdict(g) for g in growth_probes()],
                "shrink": [dataclasses.asdict(s) for s in shrink_probes()],
                "adaptive": [dataclasses.asdict(a) for a in adaptive_probes()],
                "constants": source_constants(tc.goroot),
                "facts": compiler_facts(),
                "make_allocs": [list(r) for r in realcompiler.make_allocs_real()],
                "examples": example_compiles()}
    return json.loads(json.dumps(rec, sort_keys=True))


def save(rec: dict, folder: Path | str = FOLDER) -> Path:
    """Write one release's recording as folder/go1.N.P.json."""
    path = Path(folder, f"{rec['go_version']}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rec, indent=1, sort_keys=True) + "\n")
    return path


def load(path: Path | str) -> dict:
    """One release's recording."""
    return json.loads(Path(path).read_text())


def load_all(folder: Path | str = FOLDER) -> tuple[dict, ...]:
    """Every recorded release, oldest first."""
    recs = [load(p) for p in Path(folder).glob("go1.*.json")]
    return tuple(sorted(recs, key=lambda r: [int(x) for x in r["go_version"][2:].split(".")]))


def _growth(g: dict) -> GrowthProbe:
    return GrowthProbe(**{**g, "steps": tuple(g["steps"]),
                          "growths": tuple(Growth(**x) for x in g["growths"])})


def _shrink(s: dict) -> ShrinkProbe:
    return ShrinkProbe(**{**s, "log": tuple(ParkedGC(**x) for x in s["log"])})


def check_stacks(rec: dict) -> list[str]:
    """Every growth and shrink event the model gets wrong for this release (empty: none)."""
    v, bad = minor_of(rec["go_version"]), []
    for g in map(_growth, rec["growth"]):
        trace = CallTrace.recursion(frame=g.frame, depth=g.depth, entry_used=g.entry_used)
        run = ContiguousStack(version=v, initial_size=g.initial_size).run(trace)
        got = [(e.depth, e.old_size, e.new_size) for e in run.growths]
        want = [(e.depth, e.old_size, e.new_size) for e in g.growths]
        if got != want or run.final_size != g.final_size:
            bad.append(f"growth frame {g.frame} {g.where}: model {got}, real {want}")
    for s in map(_shrink, rec["shrink"]):
        trace, marks = shrink_trace(s)
        run = ContiguousStack(version=v, initial_size=s.initial_size).run(trace)
        got = [size_after(run, s.initial_size, m) for m in marks]
        if got != [p.size for p in s.log]:
            bad.append(f"shrink frame {s.frame} park {s.park_at}: model {got}, real "
                       f"{[p.size for p in s.log]}")
    gv = versions.get(v)
    for a in (AdaptiveProbe(**x) for x in rec["adaptive"]):
        adapts = a.after_gc > a.fresh
        if a.fresh != gv.initial_stack or adapts != (gv.adaptive_start and a.godebug == "default"):
            bad.append(f"adaptive {a}: record says start {gv.initial_stack}, "
                       f"adaptive {gv.adaptive_start}")
    return bad


def check_compiler(rec: dict) -> list[str]:
    """Every compiler fact that versions.get(V) or the toy compiler states differently."""
    v = versions.get(minor_of(rec["go_version"]))
    c, f, bad = rec["constants"], rec["facts"], []
    said = {"stackMin": v.stack_min, "StackSmall": v.stack_small, "StackBig": v.stack_big,
            "MaxStackVarSize": v.max_stack_var_size,
            "MaxImplicitStackVarSize": v.max_implicit_stack_var_size,
            "VariableMakeThreshold": v.variable_make_threshold,
            "StackNosplitBase": v.stack_nosplit, "stackGuard": v.stack_guard}
    bad += [f"{k}: source {c[k]}, record {said[k]}" for k in c if c[k] != said[k]]
    want = {"make_var_escapes": v.variable_make_threshold == 0,
            "var_128k_plus_1_heap": v.max_stack_var_size < (128 << 10) + 1,
            "var_10m_heap": v.max_stack_var_size < 10 << 20,
            "var_10m_plus_1_heap": v.max_stack_var_size < (10 << 20) + 1,
            "recursive_refused": not v.inline_recursive}
    bad += [f"{k}: real {f[k]}, record {w}" for k, w in want.items() if f[k] != w]
    for n, allocs in rec["make_allocs"]:
        heap = v.variable_make_threshold > 0 and n <= v.variable_make_threshold
        if allocs != (0 if heap else 1):
            bad.append(f"make([]byte, {n}): {allocs} allocations, record says {int(not heap)}")
    for key, real in rec["examples"].items():
        name, _, flag = key.partition(" ")
        build = Compiler(inlining=not flag, version=v.name).compile(EXAMPLES[name]())
        toy = Counter()
        for d in build.decisions:
            toy[(d.func, d.text)] = 1 if "repeated recursive cycle" in d.text else toy[
                (d.func, d.text)] + 1
        kinds = [[fn, t, k] for fn, t, k in real["decisions"] if _modelled(t)]
        if sorted([*k, n] for k, n in toy.items()) != sorted(kinds):
            bad.append(f"{key}: toy decisions differ from {rec['go_version']}")
        for fr in build.functions:
            n, m, nosplit, cls = real["frames"].get(fr.name, (None, None, None, None))
            if (fr.args, fr.nosplit) != (m, nosplit) or (fr.exact and (fr.frame, fr.prologue)
                                                          != (n, cls)):
                bad.append(f"{key}: {fr.name} toy ${fr.frame}-{fr.args} {fr.prologue}, real "
                           f"${n}-{m} {cls}")
    return bad


_MODELLED = ("can inline ", "cannot inline ", "inlining call to ", "moved to heap: ",
             "leaking param")


def _modelled(text: str) -> bool:
    return text.startswith(_MODELLED) or text.endswith(
        (" escapes to heap", " does not escape", "considered 'big'; reducing max cost of inlinees"))


def check(rec: dict) -> list[str]:
    """All mismatches between the models and one release's measurements."""
    return check_stacks(rec) + check_compiler(rec)


def main(argv: list[str] | None = None) -> int:
    """record | matrix | check: see the module comment."""
    args = sys.argv[1:] if argv is None else argv
    if args not in (["record"], ["matrix"], ["check"]):
        print("usage: python -m gostack_kit.realgo.releases record | matrix | check",
              file=sys.stderr)
        return 2
    failed = 0
    recs = load_all() if args == ["check"] else [measure(tc) for tc in find_toolchains()]
    for rec in recs:
        if args == ["record"]:
            print(f"recorded {rec['go_version']} -> {save(rec)}")
            continue
        bad = check(rec)
        failed += bool(bad)
        print(f"{rec['go_version']:10} {'ok' if not bad else 'MISMATCH'}")
        for line in bad:
            print(f"    {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
