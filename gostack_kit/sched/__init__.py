"""Topic `sched` (notebook 03): goroutines on threads, as Go's G/M/P scheduler runs them.

    workload   what each goroutine does, phase by phase (run, syscall, sleep, yield)
    gmp        the G/M/P scheduler with the runtime's names; `simulate` runs any model
    execute    running a G: its phases, `go`, Gosched, preemption, sleep, system calls
    loop       the event heap and run loop all three models share
    runq       a P and its queues: runnext, the 256-slot ring, the global batch rule
    sysmon     sysmon's back-off and retake: preemption and syscall hand-off
    rivals     the two designs Go did not choose: 1:1 kernel threads and N:1 green threads
    record     what a run leaves behind: timelines, counters, stack memory
"""

from .gmp import simulate
from .record import Costs, Ev, Model, stack_memory
from .workload import Workload, workload

__all__ = ["Costs", "Ev", "Model", "Workload", "simulate", "stack_memory", "workload"]
