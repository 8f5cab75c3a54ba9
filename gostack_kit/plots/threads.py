"""Figures and tables for notebook 02 (thread stacks and guard pages).

Each function reads a record (labs.threads.FitSweep / DepthSweep / ThreadCosts,
address.limits.Budget / Limits, realgo.threads.Observation) and draws or formats it;
none runs a model.
"""

from __future__ import annotations

from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from ..address.layout import format_size
from .style import COLORS, GREYS, figure

__all__ = ["SHORT", "count", "fit_curves", "depth_curve", "caps_bars", "caps_table", "limits_table",
           "observed", "observation_table", "costs_axes", "costs_figure", "fits_bars",
           "costs_view"]  # fmt: skip

SPACE_COLORS = {32: COLORS["highlight"], 64: COLORS["thread"]}


def count(n: float) -> str:
    """A count as a short label: 1, 10, 100, 1k, 10k, 1M, 1G (plain text, no mathtext)."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g}{unit}"
    return f"{n:.3g}"


def _lean_log(axis) -> None:
    """Few major ticks, no minor ones, plain labels: mathtext and ~500 tick artists cost most of a redraw."""
    axis.set_major_locator(LogLocator(base=10, numticks=5))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _: count(v)))


def fit_curves(sweep, ax=None, *, mark: int | None = 8 << 20):
    """Threads that fit vs stack size (log-log), 32- and 64-bit; return the Axes."""
    if ax is None:
        _, ax = figure(width=7.0, height=3.6)
    for bits, divide, placed in ((32, sweep.divide32, sweep.layout32),
                                 (64, sweep.divide64, sweep.layout64)):  # fmt: skip
        c = SPACE_COLORS[bits]
        ax.plot(sweep.stacks, divide, color=c, label=f"{bits}-bit: user space / (stack + guard)")
        ax.plot(sweep.stacks, placed, "o", color=c, ms=3, label=f"{bits}-bit: placed in a layout")
    if mark in sweep.stacks:
        i = sweep.stacks.index(mark)
        for n in (sweep.divide32[i], sweep.divide64[i]):
            ax.annotate(f"{n:,}", (mark, n), textcoords="offset points", xytext=(6, 6), fontsize=8)
        ax.axvline(mark, color=GREYS["edge"], lw=0.8, ls=":")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ticks = sweep.stacks[::3]
    ax.set_xticks(ticks, [format_size(s) for s in ticks])
    ax.xaxis.set_minor_locator(NullLocator())
    _lean_log(ax.yaxis)
    ax.set_xlabel(f"thread stack size (guard {format_size(sweep.guard)})")
    ax.set_ylabel("threads that fit")
    ax.set_title("How many thread stacks fit in the address space")
    ax.legend(fontsize=8)
    return ax


def depth_curve(sweep, ax=None, *, mark: int | None = None, legend: bool = True):
    """Call depth at the guard page vs frame size (log-log), frames that jump the guard in red."""
    if ax is None:
        _, ax = figure(width=7.0, height=3.4)
    ax.plot(sweep.frames, sweep.depths, "-", color=COLORS["thread"], lw=1)
    safe = [(f, d) for f, d, c in zip(sweep.frames, sweep.depths, sweep.clash, strict=True) if not c]
    jump = [(f, d) for f, d, c in zip(sweep.frames, sweep.depths, sweep.clash, strict=True) if c]
    if safe:
        ax.plot(*zip(*safe), "o", color=COLORS["thread"], ms=4, label="faulting frame hits the guard")
    if jump:
        ax.plot(*zip(*jump), "X", color=COLORS["segmented"], ms=7,
                label=f"frame + 8 > guard ({format_size(sweep.guard)}): may jump it")  # fmt: skip
    if mark in sweep.frames:
        d = sweep.depths[sweep.frames.index(mark)]
        if legend:
            ax.annotate(f"frame {mark} B: depth {d:,}", (mark, d), textcoords="offset points",
                        xytext=(8, 8), fontsize=8)  # fmt: skip
        else:  # the dashboard: a ring around the point, its depth is in the title
            ax.plot([mark], [d], "o", mfc="none", mec=COLORS["highlight"], ms=11, mew=2)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    _lean_log(ax.yaxis)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticks(sweep.frames[::3], [format_size(f) for f in sweep.frames[::3]])
    ax.set_xlabel("frame size of the recursive function")
    ax.set_ylabel("depth at the guard page")
    ax.set_title(f"Recursion depth at overflow, {format_size(sweep.stack)} stack")
    if legend:
        ax.legend(fontsize=8)
    return ax


#: Short limit names for the dashboard (fewer glyphs to render per redraw).
SHORT = {"kernel.threads-max": "threads-max", "kernel.pid_max": "pid_max",
         "vm.max_map_count": "max_map_count", "RLIMIT_NPROC (ulimit -u)": "ulimit -u",
         "RLIMIT_AS (ulimit -v)": "ulimit -v", "Go debug.SetMaxThreads": "Go max threads"}  # fmt: skip


def caps_bars(budget, ax=None, *, threads: int | None = None, short: bool = False):
    """Each limit's thread cap as a bar (log scale), the binding one highlighted; return the Axes."""
    if ax is None:
        _, ax = figure(width=7.0, height=3.2)
    caps = [c for c in budget.caps if c.threads is not None]
    binding = budget.binding
    colors = [COLORS["highlight"] if c is binding else COLORS["thread"] for c in caps]
    bars = ax.barh(range(len(caps)), [max(c.threads, 1) for c in caps], color=colors, edgecolor=colors)
    for bar, cap in zip(bars, caps, strict=True):
        if not cap.enforced:
            bar.set_facecolor("white")
            bar.set_hatch("///")
    names = [SHORT.get(c.name, c.name) if short else c.name for c in caps]
    labels = [n + ("" if c.enforced else " (not enforced)") for n, c in zip(names, caps, strict=True)]
    if short:  # the value goes into the label: one text per bar instead of two
        labels = [f"{n}: {c.threads:,}" for n, c in zip(labels, caps, strict=True)]
    else:
        for y, cap in enumerate(caps):
            ax.text(max(cap.threads, 1) * 1.15, y, f"{cap.threads:,}", va="center", fontsize=8)
    ax.set_yticks(range(len(caps)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(1, max(c.threads for c in caps) * 20)
    _lean_log(ax.xaxis)
    if threads is not None:
        ax.axvline(threads, color=COLORS["segmented"], lw=1.2)
        ax.text(threads, len(caps) - 0.4, f" {threads:,} asked", color=COLORS["segmented"],
                fontsize=8, va="bottom")  # fmt: skip
    ax.set_xlabel("threads allowed")
    ax.set_title(f"{budget.bits}-bit, {format_size(budget.stack)} stacks: "
                 f"{binding.name} binds at {binding.threads:,}")  # fmt: skip
    return ax


def caps_table(budget) -> str:
    """The caps of a Budget as a plain-text table, the binding one marked."""
    rows = [f"{budget.bits}-bit process, stack {format_size(budget.stack)} + guard "
            f"{format_size(budget.guard)}",
            f"{'limit':<28}{'threads':>14}  why"]  # fmt: skip
    for c in budget.caps:
        n = "no cap" if c.threads is None else f"{c.threads:,}"
        flag = "  <- binds" if c is budget.binding else ("  (not enforced)" if not c.enforced else "")
        rows.append(f"{c.name:<28}{n:>14}  {c.why}{flag}")
    return "\n".join(rows)


def limits_table(limits) -> str:
    """Each limit of a Limits with its value and where the value came from."""
    rows = [f"{'limit':<28}{'value':>14}  source"]
    for name in ("threads_max", "pid_max", "max_map_count", "nproc", "address_space", "stack",
                 "go_max_threads"):  # fmt: skip
        lim = getattr(limits, name)
        value = "unlimited" if lim.value is None else f"{lim.value:,}"
        rows.append(f"{lim.name:<28}{value:>14}  {lim.source}")
    return "\n".join(rows)


def observed(obs):
    """Real threads: each stack reserved vs touched, and VmSize vs VmRSS growth; return the Figure."""
    fig, (left, right) = figure(ncols=2, width=9.0, height=3.2)
    if obs is None:
        left.text(0.5, 0.5, "no /proc here: nothing live to observe", ha="center")
        return fig
    n = len(obs.stacks)
    sizes = [s.size for _, s in obs.stacks]
    left.bar([i - 0.2 for i in range(n)], sizes, 0.4, color=COLORS["free"], edgecolor=COLORS["thread"],
             label="reserved (mapping size)")  # fmt: skip
    left.bar([i + 0.2 for i in range(n)], [max(t, 1) for t in obs.touched], 0.4,
             color=COLORS["thread"], label="touched (Rss from smaps)")  # fmt: skip
    left.set_yscale("log")
    left.set_ylim(1024, max(sizes, default=1024) * 4)
    left.set_xticks(range(n), [str(i) for i in range(n)])
    left.set_xlabel("thread")
    left.set_ylabel("bytes")
    left.set_title(f"{n} threads, {format_size(obs.stack_size)} stacks")
    left.legend(fontsize=8)
    stacks = obs.reserved
    other = obs.vm_size_growth - stacks
    right.bar(0, stacks, color=COLORS["thread"], label="thread stacks + guards")
    right.bar(0, max(other, 0), bottom=stacks, color=COLORS["free"], edgecolor=GREYS["edge"],
              label="other new mappings (malloc arenas, ...)")  # fmt: skip
    right.bar(1, max(obs.vm_rss_growth, 1), color=COLORS["highlight"], label="memory touched")
    for x, v in ((0, obs.vm_size_growth), (1, obs.vm_rss_growth)):
        right.text(x, max(v, 1) * 1.3, format_size(max(v, 0)), ha="center", fontsize=8)
    right.set_yscale("log")
    right.set_ylim(1024, max(obs.vm_size_growth, 1024) * 8)
    right.set_xticks([0, 1], ["VmSize growth\n(reserved)", "VmRSS growth\n(touched)"])
    right.set_ylabel("bytes (log scale)")
    right.set_title("Reserved vs touched, whole process")
    # beside the axes, not over them: the legend would cover the size written above the tallest bar
    right.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def observation_table(obs) -> str:
    """What starting the threads added: guard/stack pairs, other mappings, VmSize and VmRSS."""
    if obs is None:
        return "source: none (no /proc/self/maps here); the recorded sample above is the observation"
    rows = [f"source: {obs.during.source} {obs.during.origin}",
            f"{obs.n} threads started with threading.stack_size({format_size(obs.stack_size)})",
            f"{'thread':<8}{'guard':>10}{'stack':>12}{'touched':>10}"]  # fmt: skip
    for i, ((g, s), t) in enumerate(zip(obs.stacks, obs.touched, strict=True)):
        guard = format_size(g.size) if g is not None else "none"
        rows.append(f"{i:<8}{guard:>10}{format_size(s.size):>12}{format_size(t):>10}")
    fresh = len(obs.new_stacks)
    rows.append(f"new stack mappings: {fresh} of {len(obs.stacks)} "
                f"(the rest reused from glibc's stack cache)")  # fmt: skip
    other = obs.others
    rows.append(f"other new mappings: {len(other)}, {format_size(sum(m.size for m in other))}")
    rows.append(f"VmSize +{format_size(obs.vm_size_growth)} (reserved)   "
                f"VmRSS +{format_size(max(obs.vm_rss_growth, 0))} (touched)")  # fmt: skip
    return "\n".join(rows)


def costs_axes(fig):
    """Give an empty figure the dashboard's two axes: thread caps (left) and overflow depth (right).

    Two axes, not three: each axes costs a fixed share of every redraw (clear, ticks, spines).
    """
    fig.set_layout_engine(None)  # fixed margins: constrained layout costs a second draw
    fig.subplots(1, 2, width_ratios=[3, 2])
    fig.subplots_adjust(left=0.2, right=0.97, top=0.86, bottom=0.13, wspace=0.3)
    return fig


def costs_figure(costs, sweep):
    """The dashboard's picture of one ThreadCosts as a standalone Figure, summary as the title."""
    fig, _ = figure(width=9.0, height=4.0)
    fig.clear()
    fig.suptitle(costs_view(costs, sweep, costs_axes(fig)), fontsize=8)
    return fig


def fits_bars(costs, ax) -> None:
    """Threads that fit: the 32- and 64-bit spaces, then the other 64-bit caps; a line at the count asked."""
    budget = costs.budget
    rows = [("32-bit space", costs.fit32, GREYS["other"], True),  # another kind of process: grey
            ("64-bit space", costs.fit64, COLORS["thread"], True)]  # fmt: skip
    for c in budget.caps:
        if c.threads is not None and c.limit is not None:
            color = COLORS["highlight"] if c is budget.binding else COLORS["thread"]
            rows.append((SHORT.get(c.name, c.name), c.threads, color, c.enforced))
    bars = ax.barh(range(len(rows)), [max(r[1], 1) for r in rows], color=[r[2] for r in rows],
                   edgecolor=[r[2] for r in rows])  # fmt: skip
    for bar, row in zip(bars, rows, strict=True):
        if not row[3]:
            bar.set_facecolor("white")
            bar.set_hatch("///")
    ax.set_yticks(range(len(rows)), [f"{r[0]}: {r[1]:,}" for r in rows], fontsize=8)
    ax.yaxis.set_inverted(True)  # first row on top; idempotent, unlike invert_yaxis, on a reused Axes
    ax.set_xscale("log")
    ax.set_xlim(1, max(r[1] for r in rows) * 4)
    _lean_log(ax.xaxis)
    ax.axvline(costs.threads, color=COLORS["segmented"], lw=1.5)
    ax.set_xlabel(f"threads (red line: {costs.threads:,} asked)")
    binding = SHORT.get(budget.binding.name, budget.binding.name)
    limit = budget.binding.threads
    verdict = (f"{binding} stops it at {limit:,}" if costs.threads > limit  # the count asked passes the cap
               else f"fits; first limit {binding} at {limit:,}")
    ax.set_title(f"{costs.threads:,} x {format_size(costs.stack + costs.guard)} = "
                 f"{format_size(costs.reserved)} reserved; 64-bit: {verdict}", fontsize=10)  # fmt: skip


def costs_view(costs, sweep, fig) -> str:
    """Dashboard view of one ThreadCosts (+ its DepthSweep): caps and depth; return a summary."""
    caps, depth = fig.axes
    fits_bars(costs, caps)
    depth_curve(sweep, depth, mark=costs.frame, legend=False)
    depth.set_title(f"overflow at depth {costs.depth:,}", fontsize=10)
    depth.set_xlabel(f"frame size ({format_size(costs.stack)} stack)")
    depth.set_ylabel("depth")
    clash = ("" if not costs.clash else "; no guard: the overflow writes below the stack unnoticed"
             if costs.guard == 0 else "; the frame jumps the guard!")
    return (f"reserved {format_size(costs.reserved)} = {100 * costs.share32:.3g}% of 32-bit, "
            f"{100 * costs.share64:.3g}% of 64-bit; fit {costs.fit32:,} (32) / {costs.fit64:,} (64); "
            f"overflow at depth {costs.depth:,}{clash}")  # fmt: skip
