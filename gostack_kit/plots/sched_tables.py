"""Text tables for notebook 03 (M:N scheduling): scheduler records in, plain strings out.

Every function reads records (`SchedRun`, `StackMemory`, realgo `MemoryProbe`,
`realgo.sched.ThreadCount`) and returns a string for `print`; nothing here runs a model
(except `constants_table`, which only reads the engine's constants). Column layouts are
fixed-width, so a notebook's stored output compares exactly under nbval.

    event_log(run)        one line per scheduling decision, in the runtime's words
    summary_table(runs)   one line per run: time, threads, stacks, completions
    costs_table()         the switch/creation costs the models charge, and their basis
    constants_table()     runq size, the 61st tick, steal passes, slice, sysmon ticks
    memory_table(sweep)   stack memory per goroutine count and model
    probe_table(probes)   real Go's bytes per parked goroutine
    thread_count_table()  real Go's thread counts beside the model's
"""

from __future__ import annotations

import numpy as np

from ..sched.record import Costs, Ev, SchedRun
from ..sched.rivals import spawn_failure
from .style import kib, text_table

__all__ = ["batch_table", "event_log", "summary_table", "costs_table", "constants_table", "memory_table",
           "probe_table", "thread_count_table", "sleep_table", "finish_table", "COST_BASIS"]

#: Where each cost figure comes from (mirrors the comments on `Costs`): realgo.costs_probe's
#: recording, data/sched_costs.json (Go 1.27.3, the kit's 2-core VM, medians of 7 runs).
COST_BASIS = {
    "goroutine_switch_ns": "measured: Gosched between two Gs on one P",
    "goroutine_create_ns": "measured: go f() + the G's life (20,000 live), less a switch",
    "thread_switch_ns": "measured: pipe ping-pong, 2 threads on one CPU",
    "thread_wake_ns": "measured: the same ping-pong across 2 CPUs (wake an idle M)",
    "thread_create_ns": "measured: new thread (clone), its first run and its exit",
    "kernel_slice_ns": "measured: 2 spinning threads on one CPU, Linux 6.18",
    "timer_late_ns": "measured: how late a 1 ms nanosleep returns (slack + wake)",
    "netpoll_late_ns": "measured: how late a lone 1 ms time.Sleep ends (netpoll)",
}


def batch_table(rows) -> str:
    """(global queue length, GOMAXPROCS, batch) rows from `labs.sched.batch_sweep` as a table."""
    return text_table(("global queue", "GOMAXPROCS", "batch taken"),
                      [(f"{n:,}", p, b) for n, p, b in rows])


def _us(ns: int) -> str:
    return f"{ns / 1000:g}"


def _detail(e, mn: bool) -> str:
    v = e.value
    return {
        Ev.RUNNEXT: f"runs from runnext (schedtick {v}, slice inherited)",
        Ev.LOCAL: f"runs from the local runq (schedtick {v})" if mn else "runs (FIFO run queue)",
        Ev.GLOBAL: f"runs from the global runq (schedtick {v})",
        Ev.STEAL: f"stolen from another P (schedtick {v})",
        Ev.PREEMPT: f"preempted, {_us(v)} us left -> " + ("global runq" if mn else "queue tail"),
        Ev.SYSCALL: f"blocking syscall for {_us(v)} us",
        Ev.RETAKE: ("P handed off at once (entersyscallblock)" if v == 0
                    else f"sysmon retakes its P after {_us(v)} us (handoffp)"),
        Ev.EXITSYSCALL: ("syscall returns, gets a P, runs on" if v
                         else "syscall returns, no idle P -> global runq"),
        Ev.PARK: f"parks for {_us(v)} us (holds no M, no P)" if mn else f"waits {_us(v)} us",
        Ev.READY: "ready again -> global runq" if mn else "ready again -> run queue",
        Ev.EXIT: "exits",
        Ev.PUTSLOW: f"local runq full: {v} Gs -> global runq (runqputslow)",
        Ev.NEWM: f"new OS thread: M{v - 1} ({v} threads in all)",
        Ev.GO: f"created by G{v}" + (" (go -> runnext)" if mn else ""),
    }[e.ev]


def event_log(run: SchedRun, *, gs=None, kinds=None, limit: int = 60) -> str:
    """The run's kept events as a table (optionally only goroutines `gs`, event `kinds`)."""
    mn = run.model == "M:N"
    rows = [e for e in run.events
            if (gs is None or e.g in gs) and (kinds is None or e.ev in kinds)]
    where = "P" if mn else "core"
    lines = [f"{'t (us)':>8}  {where:<4} {'G':<5} {'event':<11} what happened", "-" * 72]
    for e in rows[:limit]:
        p = f"{where[0].upper() if mn else 'C'}{e.p}" if e.p >= 0 else "-"
        g = f"G{e.g}" if e.g >= 0 else "-"
        lines.append(f"{_us(e.t):>8}  {p:<4} {g:<5} {e.ev.name:<11} {_detail(e, mn)}")
    if len(rows) > limit:
        lines.append(f"... {len(rows) - limit} more events")
    return "\n".join(lines)


def summary_table(runs) -> str:
    """One line per run (a dict's str keys label them): time, threads, stacks, completions."""
    labels = [k if isinstance(k, str) else r.model for k, r in runs.items()] \
        if isinstance(runs, dict) else [r.model for r in runs]
    runs = _runs(runs)
    width = max(6, *(len(x) + 1 for x in labels))
    head = (f"{'run':<{width}}{'cores':>6}{'makespan ms':>13}{'util %':>8}{'overhead %':>11}"
            f"{'threads':>9}{'stacks':>11}{'switches':>10}{'steals':>8}{'handoffs':>10}"
            f"{'p50 done ms':>13}{'p99 done ms':>13}")
    lines, notes = [head, "-" * len(head)], []
    for label, r in zip(labels, runs, strict=True):
        s = r.summary()
        done = r.completion_ns[r.completion_ns >= 0]  # a failed 1:1 spawn leaves -1s
        p50, p99 = (f"{np.percentile(done, q) / 1e6:>13.3f}" if len(done) else f"{'-':>13}"
                    for q in (50, 99))
        lines.append(f"{label:<{width}}{r.gomaxprocs:>6}{s['makespan_ms']:>13.3f}"
                     f"{s['utilization_pct']:>8.1f}{s['overhead_pct']:>11.1f}"
                     f"{r.threads_created:>9,}{kib(r.memory.total_bytes):>11}"
                     f"{s['context_switches']:>10,}{s['steals']:>8,}{s['handoffs']:>10,}"
                     f"{p50}{p99}")
        if r.spawn_failed_at is not None:
            notes.append(f"{label}: {spawn_failure(r)} ({len(done):,} of "
                         f"{r.n_goroutines:,} goroutines finished; the p50/p99 are theirs)")
    return "\n".join(lines + notes)


def costs_table(costs: Costs | None = None) -> str:
    """The per-operation costs the models charge, with where each figure comes from."""
    costs = costs or Costs()
    lines = [f"{'cost':<22}{'ns':>11}  basis", "-" * 78]
    for name, basis in COST_BASIS.items():
        lines.append(f"{name:<22}{getattr(costs, name):>11,}  {basis}")
    return "\n".join(lines)


def constants_table() -> str:
    """The scheduler engine's constants, named as in the runtime, with their source."""
    from ..sched import gmp as s
    from ..sched import runq, sysmon

    rows = (("runq ring per P", runq.RUNQ_SIZE, "p.runq [256]guintptr (runtime2.go)"),
            ("global batch at most", runq.RUNQ_SIZE // 2, "len(pp.runq)/2 (findRunnable)"),
            ("global runq checked every", s.FAIR_TICK, "schedtick % 61 (findRunnable)"),
            ("time slice, ns", sysmon.FORCE_PREEMPT_NS, "forcePreemptNS (retake)"),
            ("sysmon shortest sleep, us", sysmon.SYSMON_MIN_US, "delay = 20 (sysmon)"),
            ("sysmon idle looks first", sysmon.SYSMON_IDLE_LOOKS, "doubles when idle > 50 (sysmon)"),
            ("sysmon longest sleep, us", sysmon.SYSMON_MAX_US, "delay capped at 10 ms (sysmon)"),
            ("syscall kept with idle Ps, ns", sysmon.SYSCALL_RETAKE_NS, "10 ms (retake)"),
            ("usleep(20) lasts, ns", sysmon.SLEEP_NS[sysmon.SYSMON_MIN_US],
             "measured: sysmon's own log (realgo.sysmon_probe)"),
            ("usleep(10000) lasts, ns", sysmon.SLEEP_NS[sysmon.SYSMON_MAX_US],
             "measured: sysmon's own log (realgo.sysmon_probe)"))
    lines = [f"{'constant':<27}{'value':>12}  runtime/proc.go unless named", "-" * 78]
    lines += [f"{name:<27}{v:>12,}  {src}" for name, v, src in rows]
    return "\n".join(lines)


def probe_table(probes) -> str:
    """Real Go's bytes per parked goroutine (realgo MemoryProbe records) as a table."""
    lines = [f"{'goroutines':>11}{'stack B/G':>11}{'heap B/G':>10}{'Sys B/G':>9}", "-" * 41]
    lines += [f"{p.n:>11,}{p.stack_per_g:>11.0f}{p.heap_per_g:>10.0f}{p.sys_per_g:>9.0f}"
              for p in probes]
    return "\n".join(lines)


def thread_count_table(real, model) -> str:
    """Real Go's thread counts beside the model's, run by run (realgo.sched.ThreadCount records)."""
    lines = [f"{'waiting by':<11}{'goroutines':>11}{'real threads':>17}{'model threads':>15}",
             "-" * 54]
    for r, m in zip(real, model, strict=True):
        lines.append(f"{r.mode:<11}{r.n:>11,}{f'{r.threads_before} -> {r.threads:,}':>17}"
                     f"{m.threads:>15,}")
    return "\n".join(lines)


def sleep_table(rows) -> str:
    """labs.sched.sleep_lateness rows: each lone time.Sleep's real lateness beside the model's, in us."""
    lines = [f"{'time.Sleep':>11}{'real late: min':>16}{'median':>9}{'max':>9}{'model late':>12}", "-" * 57]
    for d, lo, med, hi, model in rows:
        lines.append(f"{f'{d / 1e6:g} ms':>11}{lo / 1e3:>16.1f}{med / 1e3:>9.1f}{hi / 1e3:>9.1f}"
                     f"{model / 1e3:>12.1f}")
    return "\n".join(lines)


def finish_table(rows) -> str:
    """labs.sched.finish_ranges rows: each workload's last finish, real (min, median, max) and model, ms."""
    head = f"{'workload':<12}{'GOMAXPROCS':>11}{'real: min':>11}{'median':>9}{'max':>9}{'model':>9}"
    lines = [head, "-" * len(head)]
    for name, procs, lo, med, hi, model in rows:
        ms = (f"{v / 1e6:>9.2f}" for v in (med, hi, model))
        lines.append(f"{name:<12}{procs:>11}{lo / 1e6:>11.2f}" + "".join(ms))
    return "\n".join(lines)


def memory_table(sweep) -> str:
    """Stack memory per goroutine count (rows) and model (columns) from `memory_sweep`."""
    models = list(sweep)
    head = f"{'goroutines':>11}" + "".join(f"{m.value + ' stacks':>16}" for m in models)
    lines = [head, "-" * len(head)]
    for i, mem in enumerate(sweep[models[0]]):
        lines.append(f"{mem.n_goroutines:>11,}"
                     + "".join(f"{kib(sweep[m][i].total_bytes):>16}" for m in models))
    return "\n".join(lines)


def _runs(runs) -> list[SchedRun]:
    return list(runs.values()) if isinstance(runs, dict) else list(runs)
