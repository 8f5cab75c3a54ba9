"""Any Go program, traced by the real runtime: every stack growth, copy and shrink it makes.

The runtime can log its own stack work: runtime/stack.go has `const stackDebug = 0`, and at
1 newstack and copystack print what they do. The kit builds the student's program against a
copy of that file with the constant raised, through `go build -overlay` in a temp dir, so the
toolchain itself is never touched (the modified runtime lands only in the kit's build cache):

    GOROOT/src/runtime/stack.go ──copy, stackDebug = 1──> tmp/overlay/stack.go
    main.go ──go build -overlay──> prog ──run──> stderr:
        runtime: newstack sp=0xc000040f60 stack=[0xc000040000, 0xc000040800]
                sched={pc:0x4660a5 sp:0xc000040f68 ...}          <- the function that grew
        copystack gp=0xc000002380 [0xc000040000 0xc0000407b8 0xc000040800] -> [...]/4096
        shrinking stack 8192->4096                               (then its copystack line)

Each copystack line is one event: old size = hi - lo, new size = the number after "/",
used = hi - (hi - used), grow when it gets bigger, shrink when smaller. A newstack line
with the same bounds just before it names the function (its sched.pc, symbolized with
`go tool addr2line`). Events are kept per goroutine (gp) in the kit's event-log format,
so a real goroutine's log and a model's run compare column by column (depth is -1: the
runtime does not know it; frame is the -S frame of the function that grew, 0 when it is
not in package main).

Invariant: a trace line the parser does not know stays in the program's stderr, never
dropped silently; the overlay replaces exactly one `stackDebug = 0` line or the build stops.
The alternative rejected: GODEBUG, which has no stack-growth switch; and a patched GOROOT,
which would change every other program built with it.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.events import GROW, SHRINK, EventView, make_log
from .asm import frames_by_name, parse_asm
from .toolchain import built, find_go

__all__ = ["GoroutineStack", "StackTrace", "overlay_for", "parse_trace", "trace_stacks"]

_DEBUG = re.compile(r"^(\s*stackDebug\s*=\s*)0\b", re.M)
_HEX = r"(0x[0-9a-f]+)"
_COPY = re.compile(rf"^copystack gp={_HEX} \[{_HEX} {_HEX} {_HEX}\] -> "
                   rf"\[{_HEX} {_HEX} {_HEX}\]/(\d+)$")
_NEWSTACK = re.compile(rf"^runtime: newstack sp={_HEX} stack=\[{_HEX}, {_HEX}\]$")
_SCHED = re.compile(rf"^\s*sched={{pc:{_HEX} sp:{_HEX}")
# The other stackDebug >= 1 lines: allocation and cache bookkeeping, not stack moves.
_BOOKKEEPING = re.compile(r"^(stackalloc \d+|\s*allocated 0x[0-9a-f]+|stackfree 0x[0-9a-f]+ \d+"
                          r"|stackcache(refill|release) order=\d+|stackcache clear"
                          r"|stack grow done|shrinking stack \d+->\d+|\s*morebuf=\{.*)$")


@dataclass(frozen=True, eq=False)
class GoroutineStack:
    """One goroutine's real stack events, in the models' event-log format."""

    g: str  # the runtime's gp, as printed
    log: np.ndarray = field(repr=False)
    funcs: tuple[str, ...]  # per event: the function whose prologue grew it ("" for a shrink)

    @property
    def growths(self) -> EventView:
        """The grow events (newstack + copystack)."""
        return EventView(self.log, (GROW,))

    @property
    def shrinks(self) -> EventView:
        """The shrink events (shrinkstack at a GC)."""
        return EventView(self.log, (SHRINK,))

    @property
    def sizes(self) -> tuple[tuple[str, int, int, int], ...]:
        """(kind, old size, new size, bytes in use) of every event, in order."""
        kinds = {GROW: "grow", SHRINK: "shrink"}
        return tuple((kinds[int(r["kind"])], int(r["old_size"]), int(r["new_size"]),
                      int(r["used"])) for r in self.log)


@dataclass(frozen=True)
class StackTrace:
    """A traced run: every goroutine's stack events, the -S frames, and the program's output."""

    go_version: str
    goroutines: tuple[GoroutineStack, ...]  # in order of their first event
    frames: dict = field(repr=False)  # short name -> asm.FuncFrame (package main only)
    stdout: str
    stderr: str  # the program's own stderr, trace lines taken out
    returncode: int | None

    def grown_in(self, func: str) -> list:
        """Every grow event whose prologue was `func`'s, in order, over all goroutines (a
        finished goroutine's g is reused by the next `go`, so one gp can serve many)."""
        rows = sorted((int(g.log[i]["step"]), g.log[i:i + 1]) for g in self.goroutines
                      for i, fn in enumerate(g.funcs) if fn == func)
        return [EventView(row, (GROW,))[0] for _, row in rows]

    def of(self, func: str) -> GoroutineStack:
        """The goroutine whose stack `func` (e.g. "main.rec0") grew first (KeyError if none)."""
        for g in self.goroutines:
            if func in g.funcs:
                return g
        raise KeyError(f"no goroutine grew in {func}")


def overlay_for(goroot: str) -> dict[str, str]:
    """{GOROOT's runtime/stack.go: its text with stackDebug raised to 1}."""
    src = Path(goroot, "src", "runtime", "stack.go")
    text, n = _DEBUG.subn(r"\g<1>1", src.read_text(), count=1)
    if n != 1:
        raise RuntimeError(f"{src} has no 'stackDebug = 0' line to raise")
    return {str(src): text}


def parse_trace(stderr: str) -> tuple[list[tuple], str]:
    """(events, rest): (kind, gp, pc or None, old, new, used) per copystack, other lines."""
    events, pending, rest = [], None, []
    for line in stderr.splitlines():
        if m := _NEWSTACK.match(line):
            pending = {"sp": int(m[1], 16), "lo": int(m[2], 16), "hi": int(m[3], 16)}
        elif (m := _SCHED.match(line)) and pending is not None:
            pending["pc"] = int(m[1], 16)
        elif m := _COPY.match(line):
            lo, sp, hi, new = int(m[2], 16), int(m[3], 16), int(m[4], 16), int(m[8])
            pc = None
            if pending and (pending["lo"], pending["hi"]) == (lo, hi) and pending["sp"] <= sp:
                pc = pending.get("pc")  # newstack's sp is sched.sp - 8 on amd64
            pending = None
            events.append(("grow" if new > hi - lo else "shrink", m[1], pc, hi - lo, new,
                           hi - sp))
        elif not _BOOKKEEPING.match(line):
            rest.append(line)
    return events, "\n".join(rest) + ("\n" if rest else "")


def _symbolize(go: str, binary: str, pcs) -> dict[int, str]:
    """pc -> function name, from `go tool addr2line` on the built binary."""
    pcs = sorted({p for p in pcs if p})
    if not pcs:
        return {}
    out = subprocess.run([go, "tool", "addr2line", binary], input="".join(f"{p:#x}\n" for p in pcs),
                         capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
    return {p: out[2 * i] for i, p in enumerate(pcs)}


def trace_stacks(source: str, args=(), timeout: float = 60.0, env: dict | None = None,
                 asm: str | None = None) -> StackTrace:
    """Build `source` against the stackDebug=1 runtime (toolchain: find_go()) and run it."""
    tc = find_go()
    with built(source, gcflags="-S", asm=asm, overlay=overlay_for(tc.goroot)) as prog:
        if prog.compile_error:
            raise RuntimeError(f"the program did not build: {prog.compile_error}")
        frames = frames_by_name(parse_asm(prog.compiler_output))
        res = prog.run(list(args), timeout=timeout, env=env)
        events, rest = parse_trace(res.stderr)
        names = _symbolize(tc.go, str(Path(prog.workdir, "prog")), [e[2] for e in events])
    per_g: dict[str, list] = {}
    for step, (kind, g, pc, old, new, used) in enumerate(events):
        func = names.get(pc, "") if kind == "grow" else ""
        f = frames.get(func)
        per_g.setdefault(g, []).append(((GROW if kind == "grow" else SHRINK, step, -1,
                                         f.frame if f else 0, old, new, used, used), func))
    goroutines = tuple(GoroutineStack(g, make_log([r for r, _ in rows]),
                                      tuple(fn for _, fn in rows)) for g, rows in per_g.items())
    return StackTrace(tc.version, goroutines, frames, res.stdout, rest, res.returncode)
