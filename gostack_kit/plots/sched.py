"""Figures for notebook 03 (M:N scheduling): scheduler run records in, pictures out.

Everything here reads `SchedRun` / `StackMemory` records (see `gostack_kit.sched.record`)
and never runs a model. Figure functions take an optional `ax` and return the Figure; a
figure they create themselves is detached from pyplot, so a notebook cell that returns it
shows it exactly once. The text tables live in `plots.sched_tables` and are re-exported here.

    timeline(run)        per-P (or per-core) bars: run, switch/spawn, thread start, syscall
    timelines(runs)      the same workload under each model, stacked, one time axis
    queue_lengths(runs)  runnable-but-waiting goroutines over time
    completions(runs)    fraction of goroutines finished over time
    threads_memory(runs) threads created and stack memory, log scale
    memory_scaling(sweep) stack bytes from 1 to 1,000,000 goroutines
    dashboard(fig, run)  the widget's picture: timeline, then threads and memory
    threads_caption(run) its line on threads: created, alive at once, a 1:1 spawn that failed
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator

from ..sched.record import SchedRun, Span
from ..sched.rivals import limit_text
from .sched_tables import (  # noqa: F401  (re-exported: notebooks call plots.sched.event_log)
    batch_table,
    constants_table,
    costs_table,
    event_log,
    finish_table,
    memory_table,
    probe_table,
    sleep_table,
    summary_table,
    thread_count_table,
)
from .style import COLORS, GREYS, STYLE, figure, kib

__all__ = ["event_log", "summary_table", "costs_table", "memory_table", "timeline", "timelines",
           "queue_lengths", "completions", "threads_memory", "memory_scaling", "dashboard",
           "dashboard_figure", "dashboard_plot", "constants_table", "probe_table",
           "thread_count_table", "sleep_table", "finish_table",
           "memory_bar", "threads_caption", "coalesce", "SPAN_STYLE",
           "MODEL_COLORS"]

#: How intervals are drawn: label -> (span kinds, colour, hatch).
SPAN_STYLE = {
    "goroutine runs": ((Span.RUN,), COLORS["goroutine"], None),
    "switch / spawn": ((Span.SWITCH, Span.SPAWN), COLORS["highlight"], None),
    "M started or woken": ((Span.THREAD,), COLORS["thread"], None),
    "held by a syscall": ((Span.SYSCALL,), COLORS["free"], "////"),  # hatched in small runs only
}
MODEL_COLORS = {"1:1": COLORS["thread"], "N:1": COLORS["segmented"], "M:N": COLORS["goroutine"]}
LABEL_LIMIT = 40  # label run bars with their G only when a timeline has this few of them
PIXELS = 1500  # merge intervals closer than makespan / PIXELS: invisible gaps cost draw time
GIB = 1 << 30
BAR_CODES = [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]  # one closed bar
STRIP = 0.62  # figure-width fraction of a full (1 TiB) memory bar in the dashboard

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
    for label, (kinds, color, hatch) in SPAN_STYLE.items():
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
        if not len(verts):
            continue
        # one collection per kind for all Ps: 64 Ps cost no more than 2; autolim off because
        # the limits are set below (measuring 20,000 bars' extents costs a tenth of a second)
        if few:  # separate bars, white edges between them, syscalls hatched
            edge = GREYS["edge"] if hatch else "white"
            ax.add_collection(PolyCollection(verts, facecolors=color, hatch=hatch, edgecolors=edge,
                                             linewidths=0.5, label=label), autolim=False)
        else:  # thousands of bars: one compound path, filled in one Agg pass, no hatching. As
            # separate paths they cost a third of a second to build and draw at 64 Ps. snap=True
            # puts edges on whole pixels as a collection of small paths does, so a bar thinner
            # than a pixel still shows; add_artist, not add_patch: limits are set below.
            closed = np.concatenate([verts, verts[:, :1]], axis=1).reshape(-1, 2)
            path = Path(closed, np.tile(BAR_CODES, len(verts)))
            ax.add_artist(PathPatch(path, facecolor=color, edgecolor="none", linewidth=0,
                                    snap=True, label=label))
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
    if run.spawn_failed_at is not None:
        cut += f", stopped by EAGAIN at G{run.spawn_failed_at:,}"
    ax.set_title(title or f"{run.model}: {run.n_goroutines:,} goroutines on {rows} "
                 f"{'P' if mn else 'core'}{'s' if rows > 1 else ''}, "
                 f"{run.threads_created:,} thread{'s' if run.threads_created > 1 else ''}{cut}", loc="left")
    if own:
        _legend(ax, run)
        return _detach(ax.figure)
    return ax.figure


def _legend(ax, run: SchedRun) -> None:
    present = set(np.unique(run.spans["kind"]).tolist())
    handles = [Patch(facecolor=color, hatch=hatch if _few(run) else None, label=label)
               for label, (kinds, color, hatch) in SPAN_STYLE.items()
               if present & {int(k) for k in kinds}]
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
    for r in runs:  # a 1:1 run stopped by a failed spawn leaves some at -1: never finished
        c = r.completion_ns
        done = np.sort(c[c >= 0]) / scale
        ax.step(done, np.arange(1, len(done) + 1) / len(c), where="post",
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
    fig.text(0.08, 0.27, threads_caption(run), fontsize=10)
    for y, (label, v, color) in enumerate(
            (("goroutine stacks", mem.goroutine_bytes, COLORS["goroutine"]),
             (f"{mem.threads:,} live thread stacks", mem.thread_bytes, COLORS["thread"]))):
        row = 0.15 - 0.09 * y
        fig.text(0.2, row + 0.03, label, ha="right", va="center", fontsize=9)
        width = memory_bar(v)
        fig.add_artist(Rectangle((0.21, row), STRIP * width, 0.06, color=color,
                                 transform=fig.transFigure))
        fig.text(0.215 + STRIP * width, row + 0.03, kib(v), va="center", fontsize=9)


def threads_caption(run: SchedRun) -> str:
    """The strip's line: threads created (or the failed spawn) and how many were alive at once."""
    stacks = kib(run.memory.total_bytes)
    if run.spawn_failed_at is not None:
        return (f"pthread_create failed at G{run.spawn_failed_at:,}: {limit_text(run)} "
                f"allows {run.thread_limit:,} threads; stacks: {stacks}")
    return (f"{run.threads_created:,} threads created, at most {run.memory.threads:,} alive at "
            f"once; stacks reserved: {stacks} (log scale)")


def memory_bar(nbytes: int) -> float:
    """Bar length in [0, 1] for a byte count on the strip's log scale (1 KiB -> 0, 1 TiB -> 1)."""
    return min(1.0, max(0.0, np.log2(max(nbytes, 1) / 1024) / 30))


def _runs(runs) -> list[SchedRun]:
    return list(runs.values()) if isinstance(runs, dict) else list(runs)


def _detach(fig):
    """Stop pyplot from also showing `fig`: the caller displays the returned Figure once."""
    plt.close(fig)
    return fig
