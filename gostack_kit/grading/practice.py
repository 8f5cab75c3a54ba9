"""Practice problems in the style of OSTEP's homework simulators: a seed makes a problem.

    gostack-kit practice copying -s 7        # print a problem
    gostack-kit practice copying -s 7 -c     # ... and the computed answer with its event trace

With `-v` (or `verbose=True`) a run first echoes its parameters as ARG lines, so that a
pasted transcript can be rerun; by default only the problem prints.
`generate(topic, seed)` draws the problem's parameters with numpy's default_rng(seed) and
`solve(problem)` runs the kit's engine on them; the notebooks' practice cells call `show`,
which prints exactly what the command prints. The seed is a contract: the same topic and
seed give the same problem in the terminal, in the notebook and in the golden tests.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from ..address.layout import user_top
from ..compiler.examples import outer_inner
from ..compiler.passes import Compiler
from ..core.trace import CallTrace
from ..sched.gmp import global_batch, steal_count
from ..stacks.copying import ContiguousStack
from ..stacks.segmented import SegmentedStack
from ..stacks.thread import ThreadStack

__all__ = ["Problem", "Solution", "TOPICS", "generate", "solve", "render", "show", "main"]

KiB, MiB = 1 << 10, 1 << 20
MAX_SEED = 2**32 - 1  # any non-negative seed up to this is accepted
TRACE_LINES = 12  # events printed with -c before "... more"


@dataclass(frozen=True)
class Problem:
    """One practice problem: topic, seed, the drawn parameters and the question text."""

    topic: str
    seed: int
    params: tuple[tuple[str, int], ...]
    question: str

    def __getitem__(self, key: str) -> int:
        return dict(self.params)[key]


@dataclass(frozen=True)
class Solution:
    """The computed answer of a problem and the lines of its worked trace."""

    answer: str
    trace: tuple[str, ...]


def _address(rng):
    bits = int(rng.choice([32, 64]))
    stack = int(rng.choice([256 * KiB, 1 * MiB, 2 * MiB, 8 * MiB]))
    guard = int(rng.choice([0, 4 * KiB, 64 * KiB]))
    p = {"bits": bits, "stack": stack, "guard": guard}
    q = (f"A {bits}-bit process gives every thread a {stack} byte stack and a {guard} byte guard.\n"
         "Counting address space only, how many threads fit?")
    return p, q


def _address_solve(p):
    top = user_top(p["bits"])
    per = p["stack"] + p["guard"]
    return str(top // per), (f"user space ends at {top:#x} = {top} bytes",
                             f"one thread reserves {p['stack']} + {p['guard']} = {per} bytes",
                             f"{top} // {per} = {top // per}")


def _threads(rng):
    size = int(rng.choice([16 * KiB, 64 * KiB, 256 * KiB]))
    frame = int(rng.integers(1, 64)) * 16 + 8
    entry_used = int(rng.integers(0, 8)) * 64
    p = {"size": size, "guard": 4096, "frame": frame, "entry_used": entry_used}
    q = (f"A thread has a {size} byte stack with a 4096 byte guard page below it. Its function\n"
         f"recurses with {frame} byte frames, starting with {entry_used} bytes in use.\n"
         "At which depth does a call first touch the guard page?")
    return p, q


def _threads_solve(p):
    model = ThreadStack(p["size"], p["guard"])
    depth = model.max_depth(p["frame"], p["entry_used"]) + 1
    run = model.run(CallTrace.recursion(p["frame"], depth, entry_used=p["entry_used"]))
    e = run.overflow
    return str(e.depth), (f"each call takes {p['frame']} + 8 = {p['frame'] + 8} bytes",
                          f"deepest safe depth: ({p['size']} - {p['entry_used']} - {p['frame']}) // "
                          f"{p['frame'] + 8} = {depth - 1}",
                          f"step {e.step}: {e.kind} at depth {e.depth} with {e.used} bytes in use")


def _sched(rng):
    runq = int(rng.integers(0, 257))
    global_len = int(rng.integers(1, 600))
    procs = int(rng.integers(1, 17))
    p = {"runq": runq, "global": global_len, "gomaxprocs": procs}
    q = (f"A thief P finds {runq} Gs in a victim's local run queue. Another, idle P finds {global_len}\n"
         f"Gs in the global queue, with GOMAXPROCS={procs}. How many Gs does each take?")
    return p, q


def _sched_solve(p):
    stolen = steal_count(p["runq"])
    batch = global_batch(p["global"], p["gomaxprocs"])
    return f"steal {stolen}, global batch {batch}", (
        f"runqgrab: {p['runq']} - {p['runq']} // 2 = {stolen}",
        f"globrunqget: min(128, {p['global']}, {p['global']} // {p['gomaxprocs']} + 1) = {batch}")


def _segmented(rng):
    frame = int(rng.choice([40, 88, 120]))
    # chains that end near the first 8 KiB segment's end, where the hot split can happen
    depth = (8192 - 88) // (frame + 8) + int(rng.integers(-12, 0))
    callee = int(rng.choice([80, 200, 400, 1000]))
    n = int(rng.integers(5, 50))
    p = {"depth": depth, "frame": frame, "callee": callee, "n": n, "entry_used": 88}
    q = (f"Under Go 1.2 segmented stacks, a chain of {depth + 1} calls of {frame} byte frames\n"
         f"(88 bytes in use at entry) ends in a loop that calls a {callee} byte function {n} times.\n"
         "How many splits (new segments) does the program cause?")
    return p, q


def _segmented_solve(p):
    trace = CallTrace.hot_loop(p["depth"], p["frame"], p["callee"], p["n"], entry_used=p["entry_used"])
    run = SegmentedStack("1.2").run(trace)
    return str(run.splits), tuple(_events(run))


def _copying(rng):
    frame = int(rng.choice([24, 88, 200, 520, 1000]))
    depth = int(rng.integers(20, 400))
    entry_used = int(rng.integers(0, 4)) * 64
    p = {"frame": frame, "depth": depth, "entry_used": entry_used}
    q = (f"Under Go 1.27 a goroutine starts with a 2 KiB stack and {entry_used} bytes in use, then\n"
         f"recurses to depth {depth} with {frame} byte frames. At which depth does it first grow,\n"
         "and how large is its stack at the end?")
    return p, q


def _copying_solve(p):
    run = ContiguousStack("1.27").run(CallTrace.recursion(p["frame"], p["depth"], entry_used=p["entry_used"]))
    first = run.growths[0].depth if run.growths else "never"
    return f"first growth at depth {first}, final size {run.final_size}", tuple(_events(run))


def _compiler(rng):
    buf = int(rng.choice([16, 64, 128, 512, 2048, 8192]))
    calls = int(rng.integers(1, 20))
    p = {"buf": buf, "calls": calls}
    q = (f"outer calls inner twice; inner has a {buf} byte array it passes to a noinline use.\n"
         f"Running main {calls} times, how many stack checks execute with inlining on, and off?")
    return p, q


def _compiler_solve(p):
    on, off = (Compiler(inlining=flag).run(outer_inner(p["buf"]), calls=p["calls"]) for flag in (True, False))
    lines = [f"{d.func}: {d.text}" for d in on.build.decisions if d.kind == "inline"]
    lines += [f"frame {f.name}: {f.frame} bytes, prologue {f.prologue}" for f in on.build.functions]
    return f"inlining on: {on.stack_checks}, off: {off.stack_checks}", tuple(lines)


def _events(run):
    lines = [f"step {e.step:>6}  {e.kind:<5} depth {e.depth:>4}  {e.old_size:>6} -> {e.new_size:<6} "
             f"used {e.used}" for e in list(run.events[:TRACE_LINES])]
    if len(run.events) > TRACE_LINES:
        lines.append(f"... {len(run.events) - TRACE_LINES} more events")
    return lines or ["(no events)"]


#: topic -> (draw(rng) -> (params, question), solve(params) -> (answer, trace lines))
TOPICS = {
    "address": (_address, _address_solve),
    "threads": (_threads, _threads_solve),
    "sched": (_sched, _sched_solve),
    "segmented": (_segmented, _segmented_solve),
    "copying": (_copying, _copying_solve),
    "compiler": (_compiler, _compiler_solve),
}


def generate(topic: str, seed: int) -> Problem:
    """The problem `seed` draws for `topic` (numpy default_rng(seed))."""
    if topic not in TOPICS:
        raise ValueError(f"topic must be one of {', '.join(TOPICS)}; got {topic!r}")
    if type(seed) is not int or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an int in [0, {MAX_SEED}]; got {seed!r}")
    params, text = TOPICS[topic][0](np.random.default_rng(seed))
    return Problem(topic, seed, tuple(params.items()), text)


def solve(problem: Problem) -> Solution:
    """Run the engine on the problem's parameters: the answer and its worked trace."""
    answer, trace = TOPICS[problem.topic][1](dict(problem.params))
    return Solution(answer, tuple(trace))


def render(problem: Problem, compute: bool = False, verbose: bool = False) -> str:
    """The text the command prints: (ARG lines with verbose,) the question, with compute the answer."""
    lines = []
    if verbose:
        lines += [f"ARG topic {problem.topic}", f"ARG seed {problem.seed}", f"ARG compute {compute}"]
        lines += [f"ARG {k} {v}" for k, v in problem.params] + [""]
    lines += [problem.question, ""]
    if compute:
        sol = solve(problem)
        lines += ["Trace:", *(f"  {t}" for t in sol.trace), "", f"Answer: {sol.answer}"]
    else:
        lines.append("Work it out, then rerun with -c to check.")
    return "\n".join(lines)


def show(topic: str, seed: int, compute: bool = False, verbose: bool = False) -> None:
    """Print a practice problem in a notebook, exactly as `gostack-kit practice` does."""
    print(render(generate(topic, seed), compute, verbose))


def main(argv: list[str] | None = None) -> int:
    """`gostack-kit practice TOPIC -s SEED [-c] [-v]`."""
    ap = argparse.ArgumentParser(prog="gostack-kit practice", description="Print a seeded practice problem.")
    ap.add_argument("topic", choices=list(TOPICS))
    ap.add_argument("-s", "--seed", type=int, default=0, help="problem seed (default 0)")
    ap.add_argument("-c", "--compute", action="store_true", help="also print the answer and its trace")
    ap.add_argument("-v", "--verbose", action="store_true", help="first echo the parameters as ARG lines")
    o = ap.parse_args(argv)
    print(render(generate(o.topic, o.seed), o.compute, o.verbose))
    return 0
