"""`gostack-kit`: the course's simulators and tools from a terminal.

    gostack-kit run contiguous --frame 88 --depth 600 --entry-used 192 [--version 1.27]
    gostack-kit run segmented --frame 88 --depth 600 [--version 1.2] [--stack-min 4096]
    gostack-kit run thread --frame 88 --depth 600 [--size 8388608] [--guard 4096]
    gostack-kit run hot-split --depth 79 --frame 88 --callee 200 -n 1000 --entry-used 88

`-v` first echoes every parameter as an `ARG name value` line (as OSTEP's simulators do),
so that a pasted transcript says exactly how to rerun it; without it only the results print.

Other subcommands (practice, grade, doctor) live in their own modules and are listed in
COMMANDS; each gets the remaining arguments.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import CallTrace, ContiguousStack, SegmentedStack, SplitCost, ThreadStack, __version__

#: subcommand -> "module:function(argv) -> int" implemented elsewhere in the kit
COMMANDS: dict[str, str] = {
    "doctor": "gostack_kit.app.doctor:main",
    "lab": "gostack_kit.app.lab:main",
    "practice": "gostack_kit.grading.practice:main",
    "grade": "gostack_kit.grading.grader:main",
}


def _run(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="gostack-kit run", description="Run one stack model on a trace.")
    ap.add_argument("model", choices=["contiguous", "segmented", "thread", "hot-split"])
    ap.add_argument("--frame", type=int, default=88, help="frame size as -S prints it (default 88)")
    ap.add_argument("--depth", type=int, default=600, help="deepest call depth (default 600)")
    ap.add_argument("--entry-used", type=int, default=0, help="bytes in use at the first call")
    ap.add_argument("--version", default=None, help="Go version: 1.1 1.2 1.3 1.4 1.19 1.27 current")
    ap.add_argument("--initial-size", type=int, default=None)
    ap.add_argument("--stack-min", type=int, default=None)
    ap.add_argument("--size", type=int, default=8 << 20)
    ap.add_argument("--guard", type=int, default=4096)
    ap.add_argument("--callee", type=int, default=200)
    ap.add_argument("-n", type=int, default=1000, help="hot-split: loop iterations")
    ap.add_argument("--events", type=int, default=20, help="how many events to print (default 20)")
    ap.add_argument("-v", "--verbose", action="store_true", help="first echo every parameter as an ARG line")
    o = ap.parse_args(argv)
    if o.verbose:  # OSTEP-style echo, for pasting a transcript that can be rerun
        print(f"ARG model {o.model}")
        for k, v in sorted(vars(o).items()):
            if k not in ("model", "verbose"):
                print(f"ARG {k.replace('_', '-')} {v}")
    if o.model == "hot-split":
        trace = CallTrace.hot_loop(o.depth, o.frame, o.callee, o.n, entry_used=o.entry_used)
        model = SegmentedStack(o.version or "1.2", stack_min=o.stack_min)
    else:
        trace = CallTrace.recursion(o.frame, o.depth, entry_used=o.entry_used)
        model = {
            "contiguous": lambda: ContiguousStack(o.version or "current", o.initial_size),
            "segmented": lambda: SegmentedStack(o.version or "1.2", stack_min=o.stack_min),
            "thread": lambda: ThreadStack(o.size, o.guard),
        }[o.model]()
    run = model.run(trace)
    print(f"{chr(10) if o.verbose else ''}{model!r} on {trace.label}")
    for e in list(run.events[: o.events]):
        print(f"  step {e.step:>8}  {e.kind:<8} depth {e.depth:>6}  frame {e.frame:>6}  "
              f"{e.old_size:>10} -> {e.new_size:<10} used {e.used:>10}  bytes {e.nbytes}")
    if len(run.events) > o.events:
        print(f"  ... {len(run.events) - o.events} more events")
    for key, value in run.summary().items():
        if key != "final_frames":
            print(f"{key:>16}: {value}")
    if o.model == "hot-split":
        print(f"{'ns/iteration':>16}: {SplitCost().per_iteration_ns(run, max(o.n, 1)):.1f} (SplitCost)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `gostack-kit` command."""
    argv = sys.argv[1:] if argv is None else argv
    names = ["run", *COMMANDS]
    if not argv or argv[0] in ("-h", "--help"):
        print(f"usage: gostack-kit {{{','.join(names)}}} ...   (gostack-kit {__version__})")
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    try:
        if cmd == "run":
            return _run(rest)
        if cmd in COMMANDS:
            module, func = COMMANDS[cmd].split(":")
            return int(getattr(importlib.import_module(module), func)(rest) or 0)
    except (ValueError, TypeError) as e:
        print(f"gostack-kit {cmd}: {e}", file=sys.stderr)
        return 2
    print(f"gostack-kit: unknown command {cmd!r}; choose from {', '.join(names)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
