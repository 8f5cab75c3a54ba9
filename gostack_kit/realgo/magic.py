"""The `%%go` cell magic: a notebook cell that is a Go program, compiled and run for real.

    %load_ext gostack_kit
    %%go -m -S rec,main --timeout 5
    package main
    ...

    cell ──> build_and_run(gcflags from the options) ──> program output
                    │                                    ──> -m: decisions table
                    └─ compile error: the compiler's words ──> -S: frames table

Options: `-m` shows the compiler's inlining and escape decisions as a table (where,
decision, subject, detail); `-S f,g` shows frame size, argument size and stack-check
prologue of the named functions; `--timeout` limits the run (seconds); `--go 1.22` builds
with that release (any toolchain realgo.toolchains finds); `--stacks` builds against the
runtime's own stack logging (realgo.stacks) and prints every growth and shrink of every
goroutine, keeping the StackTrace in the notebook variable `_go_stacks`. Without a Go
toolchain the cell prints one line saying how to install it, never a traceback.
"""

from __future__ import annotations

import sys

from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..core.text import text_table
from . import stacks, toolchains
from .asm import expected_prologue, frames_by_name, parse_asm
from .decisions import parse_decisions
from .toolchain import GoNotFoundError, build_and_run

# What each prologue class means, in words for the table.
_PROLOGUE_WORDS = {
    "small": "CMPQ SP, stackguard0",
    "leaq": "LEAQ -(N-128)(SP); CMPQ",
    "subq": "SUBQ $(N-128); JCS; CMPQ",
    "none": "no check (NOSPLIT)",
}


def decisions_table(compiler_output: str) -> str:
    """The -m decisions of a cell, one row each, in source order."""
    seen, rows = set(), []
    for d in sorted(parse_decisions(compiler_output), key=lambda d: (d.line, d.column)):
        key = (d.line, d.column, d.kind, d.subject)
        if d.kind == "other" or key in seen:
            continue
        seen.add(key)
        rows.append((f"{d.line}:{d.column}", d.kind, d.subject, d.detail))
    if not rows:
        return "(the compiler reported no inlining or escape decisions)"
    return text_table(("where", "decision", "subject", "detail"), rows, align="left")


def frames_table(compiler_output: str, names: list[str]) -> str:
    """Frame, argument size and prologue class of each named function (-S)."""
    table = frames_by_name(parse_asm(compiler_output))
    rows = []
    for name in names:
        f = table.get(name) or table.get(f"main.{name}")
        if f is None:
            rows.append((name, "-", "-", "not compiled (inlined everywhere, or no such func)",
                         ""))
            continue
        rows.append((f.short_name, f.frame, f.args, f.prologue,
                     _PROLOGUE_WORDS[f.prologue]
                     + ("" if f.prologue == expected_prologue(f.frame, f.nosplit)
                        else " (unexpected for this frame)")))
    return text_table(("func", "frame", "args", "prologue", "check"), rows, align="left")


def stacks_table(trace) -> str:
    """Every goroutine's real stack events: goroutine, event, function, sizes, bytes in use."""
    rows = []
    for n, g in enumerate(trace.goroutines, 1):
        for (kind, old, new, used), func in zip(g.sizes, g.funcs, strict=True):
            rows.append((f"g{n}", kind, func or "(gc)", old, new, used))
    if not rows:
        return f"({trace.go_version}: no goroutine stack grew or shrank)"
    head = f"{trace.go_version}: {len(rows)} stack events in {len(trace.goroutines)} goroutines"
    return head + "\n" + text_table(("goroutine", "event", "in", "old size", "new size", "used"),
                                     rows)


@magics_class
class GoMagics(Magics):
    """IPython magics that compile and run Go with the real toolchain."""

    @magic_arguments()
    @argument("-m", dest="decisions", action="store_true",
              help="show inlining and escape decisions (-gcflags='-m -m') as a table")
    @argument("-S", dest="frames", default=None, metavar="F,G",
              help="show frame size and stack-check prologue of these functions")
    @argument("--timeout", type=float, default=10.0, help="seconds before the run is killed")
    @argument("--go", dest="release", default=None, metavar="1.N",
              help="build with this Go release (python -m gostack_kit.realgo.toolchains list)")
    @argument("--stacks", action="store_true",
              help="log every real stack growth and shrink (runtime stackDebug = 1)")
    @cell_magic
    def go(self, line: str, cell: str) -> None:
        """Compile and run the cell as a Go program (package main)."""
        args = parse_argstring(self.go, line)
        try:
            with toolchains.using(args.release or "current"):
                if args.stacks:
                    self._stacks(cell, args.timeout)
                else:
                    self._run(cell, args)
        except GoNotFoundError as err:
            print(err)
        except ValueError as err:
            print(f"%%go: {err}")

    def _stacks(self, cell: str, timeout: float) -> None:
        """The --stacks path: run traced, print the output, then every goroutine's events."""
        try:
            trace = stacks.trace_stacks(cell, timeout=timeout)
        except RuntimeError as err:
            print(err)
            return
        if trace.stdout:
            print(trace.stdout, end="" if trace.stdout.endswith("\n") else "\n")
        if trace.stderr:
            print(trace.stderr, end="", file=sys.stderr)
        self.shell.user_ns["_go_stacks"] = trace
        print("\n" + stacks_table(trace))

    def _run(self, cell: str, args) -> None:
        """Build and run the cell with the -m / -S options."""
        flags = []
        if args.decisions:
            flags.append("-m -m")
        if args.frames:
            flags.append("-S")
        res = build_and_run(cell, timeout=args.timeout, gcflags=" ".join(flags) or None)
        if res.compile_error is not None:
            print(res.compile_error)
            return
        if res.stdout:
            print(res.stdout, end="" if res.stdout.endswith("\n") else "\n")
        if res.stderr:
            print(res.stderr, end="", file=sys.stderr)
        if res.timed_out:
            print(f"(killed: the program ran past the {args.timeout:g} s timeout)")
        elif res.returncode:
            print(f"(exit status {res.returncode})")
        if args.decisions:
            print("\n" + decisions_table(res.compiler_output))
        if args.frames:
            names = [n.strip() for n in args.frames.split(",") if n.strip()]
            print("\n" + frames_table(res.compiler_output, names))
