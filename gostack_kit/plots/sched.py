"""Figures and text tables for notebook 03 (M:N scheduling): scheduler run records in, pictures out.

Everything here reads `SchedRun` / `StackMemory` records (see `gostack_kit.sched_record`)
and never runs a model. Figure functions take an optional `ax` and return the Figure; a
figure they create themselves is detached from pyplot, so a notebook cell that returns it
shows it exactly once. Text helpers return plain strings for `print`.

    timeline(run)        per-P (or per-core) bars: run, switch/spawn, thread start, syscall
    timelines(runs)      the same workload under each model, stacked, one time axis
    queue_lengths(runs)  runnable-but-waiting goroutines over time
    completions(runs)    fraction of goroutines finished over time
    threads_memory(runs) threads created and stack memory, log scale
    memory_scaling(sweep) stack bytes from 1 to 1,000,000 goroutines
    dashboard(fig, run)  the widget's picture: timeline, then threads and memory
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from ..sched_record import Costs, Ev, SchedRun, Span
from . import COLORS, STYLE, figure, kib

__all__ = ["event_log", "summary_table", "costs_table", "memory_table", "timeline", "timelines",
           "queue_lengths", "completions", "threads_memory", "memory_scaling", "dashboard",
           "dashboard_figure", "dashboard_plot", "constants_table", "probe_table",
           "thread_count_table", "memory_bar", "coalesce", "SPAN_STYLE", "MODEL_COLORS"]

#: How each kind of interval is drawn: (label, colour, hatch).
SPAN_STYLE = {
    Span.RUN: ("goroutine runs", COLORS["goroutine"], None),
    Span.SWITCH: ("switch / spawn", COLORS["highlight"], None),
    Span.SPAWN: ("switch / spawn", COLORS["highlight"], None),
    Span.THREAD: ("M started or woken", COLORS["thread"], None),
    Span.SYSCALL: ("held by a syscall", COLORS["free"], "////"),
}
_GROUPS = {  # drawn label -> (span kinds, colour, hatch)
    "goroutine runs": ((Span.RUN,), COLORS["goroutine"], None),
    "switch / spawn": ((Span.SWITCH, Span.SPAWN), COLORS["highlight"], None),
    "M started or woken": ((Span.THREAD,), COLORS["thread"], None),
    "held by a syscall": ((Span.SYSCALL,), COLORS["free"], "////"),  # hatched in small runs only
}
MODEL_COLORS = {"1:1": COLORS["thread"], "N:1": COLORS["segmented"], "M:N": COLORS["goroutine"]}
LABEL_LIMIT = 40  # label run bars with their G only when a timeline has this few of them
PIXELS = 1500  # merge intervals closer than makespan / PIXELS: invisible gaps cost draw time
GIB = 1 << 30
STRIP = 0.62  # figure-width fraction of a full (1 TiB) memory bar in the dashboard
#: Where each switch-cost figure comes from (mirrors the comments on `Costs`).
COST_BASIS = {
    "goroutine_switch_ns": "estimate: gogo + schedule(), no kernel entry",
    "goroutine_create_ns": "measured: spawn-to-exit ~0.5 us (go-facts 5.5, EXP-bench)",
    "thread_switch_ns": "estimate: futex wake + kernel context switch",
    "thread_create_ns": "estimate: clone() + mmap of an 8 MiB stack",
    "kernel_slice_ns": "estimate: a Linux CFS/EEVDF slice is a few ms",
}


# -- text ---------------------------------------------------------------------------------

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
    lines = [head, "-" * len(head)]
    for label, r in zip(labels, runs, strict=True):
        s = r.summary()
        p50, p99 = (np.percentile(r.completion_ns, q) / 1e6 for q in (50, 99))
        lines.append(f"{label:<{width}}{r.gomaxprocs:>6}{s['makespan_ms']:>13.3f}"
                     f"{s['utilization_pct']:>8.1f}{s['overhead_pct']:>11.1f}"
                     f"{r.threads_created:>9,}{kib(r.memory.total_bytes):>11}"
                     f"{s['context_switches']:>10,}{s['steals']:>8,}{s['handoffs']:>10,}"
                     f"{p50:>13.3f}{p99:>13.3f}")
    return "\n".join(lines)


def costs_table(costs: Costs | None = None) -> str:
    """The per-operation costs the models charge, with where each figure comes from."""
    costs = costs or Costs()
    lines = [f"{'cost':<22}{'ns':>11}  basis", "-" * 78]
    for name, basis in COST_BASIS.items():
        lines.append(f"{name:<22}{getattr(costs, name):>11,}  {basis}")
    return "\n".join(lines)


def constants_table() -> str:
    """The scheduler engine's constants, named as in the runtime, with their source."""
    from .. import scheduler as s

    rows = (("runq ring per P", s.RUNQ_SIZE, "p.runq [256]guintptr (runtime2.go)"),
            ("global batch at most", s.GLOBAL_BATCH, "len(pp.runq)/2 (findRunnable)"),
            ("global runq checked every", s.FAIR_TICK, "schedtick % 61 (findRunnable)"),
            ("steal passes", s.STEAL_TRIES, "stealTries (stealWork)"),
            ("time slice, ns", s.FORCE_PREEMPT_NS, "forcePreemptNS (retake)"),
            ("sysmon first tick, ns", s.SYSMON_TICK_NS, "delay = 20 us at first (sysmon)"),
            ("sysmon longest sleep, ns", s.SYSMON_MAX_NS, "delay capped at 10 ms (sysmon)"))
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
    """Real Go's thread counts beside the model's, run by run (sched_realgo ThreadCount records)."""
    lines = [f"{'waiting by':<11}{'goroutines':>11}{'real threads':>17}{'model threads':>15}",
             "-" * 54]
    for r, m in zip(real, model, strict=True):
        lines.append(f"{r.mode:<11}{r.n:>11,}{f'{r.threads_before} -> {r.threads:,}':>17}"
                     f"{m.threads:>15,}")
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


# -- figures ------------------------------------------------------------------------------

def coalesce(bars: np.ndarray, eps: float) -> np.ndarray:
    """Merge (start, width) rows whose gap is at most eps; the picture is the same at that scale."""
    if len(bars) < 2:
        return bars
    bars = bars[np.argsort(bars[:, 0], kind="stable")]
    start, end = bars[:, 0], bars[:, 0] + bars[:, 1]
    reach = np.maximum.accumulate(end)
    first = np.concatenate([[0], np.flatnonzero(start[1:] - reach[:-1] > eps) + 1])
    last_end = np.maximum.reduceat(end, first)
    return np.column_stack([start[first], last_end - start[first]])


def _unit(makespan_ns: int) -> tuple[float, str]:
    return (1e3, "us") if makespan_ns < 2_000_000 else (1e6, "ms")


def timeline(run: SchedRun, ax=None, *, span_ns: int | None = None, title: str | None = None):
    """Per-P (per-core) bars of what each one did over time; run bars carry their G if few."""
    own = ax is None
    if own:
        fig, ax = figure(height=0.5 + 0.45 * run.gomaxprocs + 0.8)
    span_ns = span_ns or max(run.makespan_ns, 1)
    scale, unit = _unit(span_ns)
    eps = span_ns / PIXELS
    mn, rows = run.model == "M:N", run.gomaxprocs
    few = _few(run)
    spans = run.spans
    for label, (kinds, color, hatch) in _GROUPS.items():
        sub = spans[np.isin(spans["kind"], kinds)]
        sub = sub[np.lexsort((sub["start"], sub["p"]))]  # by P, then time: one pass, not one per P
        bounds = np.searchsorted(sub["p"], np.arange(rows + 1))
        verts = []
        for p in range(rows):
            s = sub[bounds[p]:bounds[p + 1]]
            bars = np.column_stack([s["start"], s["end"] - s["start"]]).astype(float) / scale
            if not few:
                bars = coalesce(bars, eps / scale)
            x0, x1 = bars[:, 0], bars[:, 0] + bars[:, 1]
            y0, y1 = np.full_like(x0, rows - 1 - p - 0.4), np.full_like(x0, rows - 1 - p + 0.4)
            verts.append(np.stack([np.column_stack(c) for c in
                                   ((x0, y0), (x0, y1), (x1, y1), (x1, y0))], axis=1))
        verts = np.concatenate(verts) if verts else np.empty((0, 4, 2))
        if len(verts):  # one collection per kind for all Ps: 64 Ps cost no more than 2
            hatch = hatch if few else None  # hatching thousands of bars is a third of a redraw
            edge = "#999999" if hatch else ("white" if few else color)
            ax.add_collection(PolyCollection(verts, facecolors=color, hatch=hatch, edgecolors=edge,
                                             linewidths=0.5 if few or hatch else 0, label=label))
    if few:
        for s in run.spans[run.spans["kind"] == Span.RUN]:
            ax.text((s["start"] + s["end"]) / 2 / scale, rows - 1 - s["p"], f"G{s['g']}",
                    ha="center", va="center", fontsize=8, color="white")
    step = max(1, rows // 8)  # at most about 8 labels: tick text is the slow part of a redraw
    ax.set_yticks([rows - 1 - p for p in range(0, rows, step)],
                  [f"{'P' if mn else 'core '}{p}" for p in range(0, rows, step)])
    ax.set_ylim(-0.6, rows - 0.4)
    ax.set_xlim(0, span_ns / scale)
    ax.set_xlabel(f"time ({unit})")
    ax.grid(axis="y", visible=False)
    cut = " (timeline truncated)" if run.spans_truncated else ""
    ax.set_title(title or f"{run.model}: {run.n_goroutines:,} goroutines on {rows} "
                 f"{'P' if mn else 'core'}{'s' if rows > 1 else ''}, "
                 f"{run.threads_created:,} thread{'s' if run.threads_created > 1 else ''}{cut}", loc="left")
    if own:
        _legend(ax, run)
        return _detach(ax.figure)
    return ax.figure


def _legend(ax, run: SchedRun) -> None:
    kinds = sorted({int(k) for k in np.unique(run.spans["kind"])})
    seen, handles = set(), []
    for k in kinds:
        label, color, hatch = SPAN_STYLE[Span(k)]
        if label not in seen:
            seen.add(label)
            handles.append(Patch(facecolor=color, hatch=hatch if _few(run) else None, label=label))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)


def _few(run: SchedRun) -> bool:
    """Small enough to label every run bar with its G (and to hatch syscall bars)."""
    return int((run.spans["kind"] == Span.RUN).sum()) <= LABEL_LIMIT


def timelines(runs):
    """The runs' timelines stacked on one time axis (the same workload under each model)."""
    runs = _runs(runs)
    heights = [r.gomaxprocs + 0.9 for r in runs]
    fig, axes = figure(nrows=len(runs), height=0.45 * sum(heights) + 0.6)
    axes = np.atleast_1d(axes)
    span = max(r.makespan_ns for r in runs)
    for ax, r in zip(axes, runs, strict=True):
        timeline(r, ax, span_ns=span)
        ax.set_xlabel("")
    axes[-1].set_xlabel(f"time ({_unit(span)[1]})")
    _legend(axes[0], runs[-1])
    return _detach(fig)


def queue_lengths(runs, ax=None):
    """Runnable goroutines waiting for a CPU over time, one line per run."""
    runs = _runs(runs)
    own = ax is None
    if own:
        fig, ax = figure()
    span = max(r.makespan_ns for r in runs)
    scale, unit = _unit(span)
    for r in runs:
        s = r.samples
        color = MODEL_COLORS.get(r.model)
        ax.step(s["t"] / scale, s["global_len"] + s["local_len"], where="post", color=color,
                label=f"{r.model} waiting")
        if r.model == "M:N" and s["global_len"].any():
            ax.step(s["t"] / scale, s["global_len"], where="post", color=color, ls=":",
                    label="M:N of which global runq")
    ax.set_xlim(0, span / scale)
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("runnable Gs")
    ax.set_title("run-queue length", loc="left")
    ax.legend(fontsize=8)
    return _detach(ax.figure) if own else ax.figure


def completions(runs, ax=None):
    """Fraction of goroutines finished against time, one curve per run."""
    runs = _runs(runs)
    own = ax is None
    if own:
        fig, ax = figure()
    scale, unit = _unit(max(r.makespan_ns for r in runs))
    for r in runs:
        done = np.sort(r.completion_ns) / scale
        ax.step(done, np.arange(1, len(done) + 1) / len(done), where="post",
                color=MODEL_COLORS.get(r.model), label=r.model)
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("fraction of Gs done")
    ax.set_ylim(0, 1.02)
    ax.set_title("completion times", loc="left")
    ax.legend(fontsize=8)
    return _detach(ax.figure) if own else ax.figure


def threads_memory(runs):
    """Two bar charts: threads created and stack memory reserved, per run (log scale)."""
    runs = _runs(runs)
    fig, (ax_t, ax_m) = figure(ncols=2, height=2.8)
    names = [r.model for r in runs]
    colors = [MODEL_COLORS.get(n) for n in names]
    threads = [r.threads_created for r in runs]
    mem = [r.memory.total_bytes for r in runs]
    for ax, vals, title, fmt in ((ax_t, threads, "threads created", lambda v: f"{v:,}"),
                                 (ax_m, mem, "stack memory reserved", kib)):
        ax.bar(names, vals, color=colors)
        ax.set_yscale("log")
        ax.set_ylim(min(vals) / 2, max(vals) * 8)
        ax.set_title(title, loc="left")
        ax.grid(axis="x", visible=False)
        for x, v in enumerate(vals):
            ax.text(x, v * 1.3, fmt(v), ha="center", fontsize=9)
    return _detach(fig)


def memory_scaling(sweep, ax=None):
    """Stack bytes against goroutine count for each model (log-log), with a 3 GiB line."""
    own = ax is None
    if own:
        fig, ax = figure(height=3.4)
    for model, mems in sweep.items():
        ns = [m.n_goroutines for m in mems]
        ax.plot(ns, [m.total_bytes for m in mems], "o-", color=MODEL_COLORS.get(model.value),
                label=model.value)
    ax.axhline(3 * GIB, color=COLORS["guard"], lw=0.8, ls="--")
    ax.text(1, 3 * GIB * 1.4, "3 GiB: a whole 32-bit user space", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("goroutines")
    ax.set_ylabel("stack bytes reserved")
    ax.set_title("stack memory: 2 KiB goroutine stacks vs 8 MiB thread stacks", loc="left")
    ax.legend(fontsize=8)
    return _detach(ax.figure) if own else ax.figure


def dashboard_figure():
    """The dashboard's persistent figure: one timeline Axes over a threads-and-memory strip."""
    with plt.rc_context(STYLE):  # fixed axes: a layout engine would cost more than the plot
        fig = Figure(figsize=(9.0, 4.0))  # not pyplot's: the widget shows it, not the cell
        fig.add_axes((0.08, 0.45, 0.88, 0.47))
    return fig


def dashboard_plot(run: SchedRun):
    """The dashboard's picture of one run as a standalone Figure (for a notebook cell)."""
    fig = dashboard_figure()
    dashboard(fig, run)
    return fig


def dashboard(fig, run: SchedRun) -> None:
    """Draw one run into `dashboard_figure()`: per-P timeline, then threads and stack memory.

    The memory strip is drawn with figure-level patches, not a second Axes: every Axes
    re-creates its ticks on each redraw, which would cost the slider a third of its time.
    """
    (ax_t,) = fig.axes
    ax_t.grid(True, alpha=STYLE["grid.alpha"])  # a cleared Axes forgets the course style
    ax_t.spines[["top", "right"]].set_visible(False)
    timeline(run, ax_t)
    unit = ax_t.get_xlabel()  # a one-line key: a legend box would cost a third of the redraw
    ax_t.set_xlabel(f"{unit}    green: a G runs   orange: switch or spawn   blue: an M starts"
                    "   grey: the P is held by a syscall", fontsize=8)
    ax_t.xaxis.set_major_locator(MaxNLocator(6))
    for artist in [*fig.artists, *fig.texts]:  # last update's strip
        artist.remove()
    mem = run.memory
    fig.text(0.08, 0.27, f"{run.threads_created:,} threads created; stacks reserved: "
             f"{kib(mem.total_bytes)} (bars on a log scale, 1 KiB to 1 TiB)", fontsize=10)
    for y, (label, v, color) in enumerate(
            (("goroutine stacks", mem.goroutine_bytes, COLORS["goroutine"]),
             (f"{mem.threads:,} thread stacks", mem.thread_bytes, COLORS["thread"]))):
        row = 0.15 - 0.09 * y
        fig.text(0.2, row + 0.03, label, ha="right", va="center", fontsize=9)
        width = memory_bar(v)
        fig.add_artist(Rectangle((0.21, row), STRIP * width, 0.06, color=color,
                                 transform=fig.transFigure))
        fig.text(0.215 + STRIP * width, row + 0.03, kib(v), va="center", fontsize=9)


def memory_bar(nbytes: int) -> float:
    """Bar length in [0, 1] for a byte count on the strip's log scale (1 KiB -> 0, 1 TiB -> 1)."""
    return min(1.0, max(0.0, np.log2(max(nbytes, 1) / 1024) / 30))


def _runs(runs) -> list[SchedRun]:
    return list(runs.values()) if isinstance(runs, dict) else list(runs)


def _detach(fig):
    """Stop pyplot from also showing `fig`: the caller displays the returned Figure once."""
    plt.close(fig)
    return fig
