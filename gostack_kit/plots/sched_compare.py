"""Real Go beside the scheduler model, for notebook 03: Timeline records in, pictures and tables out.

Both sides are `sched.record.Timeline`s of one spec: real Go's from its runtime trace
(`realgo.sched_runs`), the model's from `labs.sched.model_timeline`. Only the spec's own
goroutines are drawn, because the trace names only those (main and the runtime's goroutines
are the gaps).

    real_vs_model(cmp)     real run above, model below: one row per P, a bar per slice,
                           coloured by goroutine, with a mark for how the slice ended
    slices_table(cmp, g)   goroutine g's slices in every real run and in the model
    handoff_line(cmp)      how soon another G ran on the P of a G in a syscall, real and model
    sysmon_sleeps(looks)   sysmon's sleep before each of its looks, log scale, preemptions marked
    sysmon_table(stretches) the same looks grouped by equal sleep
    real_sleeps_table(runs) real sysmon's sleeps per usleep argument (realgo.sysmon_probe)
    sysmon_sleeps(looks, real=(source, runs)) the model's sleeps with the real ones as dots
    costs_figure(source, runs) each per-operation cost the models charge, beside every
                           measured run of realgo.costs_probe, log scale

Every figure carries a text alternative written from its records (`style.alt`), so the
description names the same slices as the bars.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..sched.record import Timeline
from .style import COLORS, GREYS, alt, figure, text_table

__all__ = ["real_vs_model", "timeline_panel", "slices_table", "stats_line", "sysmon_sleeps", "sysmon_table",
           "real_sleeps_table", "handoff_line", "costs_figure", "END_MARKS", "G_COLORS", "ms"]

#: How a slice's end is marked: why -> (marker, colour, legend words).
END_MARKS = {
    "preempted": ("v", COLORS["segmented"], "preempted"),
    "exit": ("o", COLORS["guard"], "finished"),
    "syscall": ("s", COLORS["thread"], "entered a syscall"),
    "sleep": ("D", COLORS["heap"], "parked (sleep)"),
    "yield": ("^", COLORS["highlight"], "Gosched"),
    "block": ("s", COLORS["thread"], "blocking call"),
}
G_COLORS = (COLORS["goroutine"], COLORS["contiguous"], COLORS["thread"], COLORS["heap"],
            GREYS["other"], COLORS["highlight"])  # goroutine g gets G_COLORS[(g - 1) % 6]
LABEL_SHARE = 0.04  # write "G3" on a bar at least this share of the axis wide
ALT_SLICES = 12  # slices named per panel in the text alternative before "and N more"
MIN_BAR = 400  # a slice shorter than 1/400 of the axis is drawn that wide, so a 10 us one still shows


def ms(ns: int) -> str:
    """ns as milliseconds for a table or a description: 1 decimal from 1 ms, 2 significant below."""
    v = ns / 1e6
    return f"{v:.1f}" if v >= 1 else f"{v:.2g}"


def timeline_panel(ax, tl: Timeline, span_ns: int, title: str) -> None:
    """One Timeline's slices on ax: a row per P, bars coloured by goroutine, end marks."""
    rows = tl.gomaxprocs
    scale = 1e6
    for s in tl.slices:
        y = rows - 1 - s.p
        x0, w = s.start_ns / scale, (s.end_ns - s.start_ns) / scale
        ax.broken_barh([(x0, max(w, span_ns / scale / MIN_BAR))], (y - 0.35, 0.7),
                       facecolors=G_COLORS[(s.g - 1) % len(G_COLORS)], edgecolor="white", linewidth=0.5)
        if w >= LABEL_SHARE * span_ns / scale:
            ax.text(x0 + w / 2, y, f"G{s.g}", ha="center", va="center", fontsize=8, color="white")
        marker, color, _ = END_MARKS[s.why]
        ax.plot([x0 + w], [y + 0.48], marker=marker, color=color, ms=6, ls="none", clip_on=False)
    ax.set_yticks(range(rows), [f"P{rows - 1 - i}" for i in range(rows)])
    ax.set_ylim(-0.6, rows - 0.2)
    ax.set_xlim(0, span_ns / scale)
    ax.grid(axis="y", visible=False)
    ax.set_title(title, loc="left")
    alt(ax, f"{title}: {_slices_alt(tl)}")


def _slices_alt(tl: Timeline) -> str:
    """A timeline's slices in words, in time order."""
    words = [f"G{s.g} on P{s.p} {ms(s.start_ns)}-{ms(s.end_ns)} ms ({END_MARKS[s.why][2]})"
             for s in tl.slices[:ALT_SLICES]]
    more = len(tl.slices) - ALT_SLICES
    return (f"{len(tl.slices)} slices on {tl.gomaxprocs} P{'s' if tl.gomaxprocs > 1 else ''}: "
            + "; ".join(words) + (f"; and {more} more" if more > 0 else ""))


def real_vs_model(cmp, real: Timeline | None = None):
    """Real Go's run (the typical one unless given) above the model's, on one time axis in ms."""
    real = cmp.typical if real is None else real
    rows = real.gomaxprocs
    fig, (ax_r, ax_m) = figure(nrows=2, height=1.9 + 1.1 * rows)
    ax_r.sharex(ax_m)
    span = max([s.end_ns for t in (real, cmp.model) for s in t.slices] + [1])
    timeline_panel(ax_r, real, span, f"{cmp.name}, real Go ({real.source})")
    timeline_panel(ax_m, cmp.model, span, f"{cmp.name}, the kit's model ({cmp.model.source})")
    ax_r.tick_params(labelbottom=False)
    ax_m.set_xlabel("time since main began spawning (ms); main's own running is not drawn")
    gs = sorted({s.g for t in (real, cmp.model) for s in t.slices})
    whys = [w for w in END_MARKS if any(s.why == w for t in (real, cmp.model) for s in t.slices)]
    handles = [Patch(color=G_COLORS[(g - 1) % len(G_COLORS)], label=f"G{g}") for g in gs[:len(G_COLORS)]]
    handles += [Line2D([], [], marker=END_MARKS[w][0], color=END_MARKS[w][1], ls="none",
                       label=END_MARKS[w][2]) for w in whys]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6), fontsize=8)
    n = len(real.finish_ns)
    fig.suptitle(f"the same spec, real and modelled: {n} goroutine{'s' if n > 1 else ''}, "
                 f"GOMAXPROCS={rows}", x=0.01, ha="left", fontsize=11)
    fig.get_layout_engine().set(h_pad=0.1)
    plt.close(fig)  # the caller shows the returned Figure once
    return fig


def slices_table(cmp, g: int = 1) -> str:
    """Goroutine g's first start, slices (length and end) and finish: each real run, the model, a summary."""

    def row(label, tl):
        mine = [s for s in tl.slices if s.g == g]
        cuts = ", ".join(f"{ms(s.end_ns - s.start_ns)} {s.why}" for s in mine)
        return (label, ms(mine[0].start_ns) if mine else "-", cuts, ms(tl.finish_ns[g - 1]))

    order = sorted(range(len(cmp.real)), key=lambda i: (cmp.real[i].finish_ns[g - 1], i))
    rows = [row(f"real {i + 1}", cmp.real[i]) for i in order] + [row("model", cmp.model)]
    head = ("run", f"G{g} first ran (ms)", f"G{g}'s slices (ms, how each ended)", f"G{g} finished (ms)")
    src = cmp.real[0].source if cmp.real else "no real runs"
    return (f"{cmp.name}: {len(cmp.real)} real runs ({src}), sorted by G{g}'s finish\n"
            + text_table(head, rows, align="left") + "\nreal " + stats_line(cmp.stats(g))
            + "\nfirst-run order: real " + ", ".join(f"{_order(o)} in {n}" for o, n in cmp.orders())
            + f"; model {_order(cmp.model.order)}")


def _order(order) -> str:
    """A first-run order as 'G2 G1', cut after 8 goroutines."""
    return " ".join(f"G{g}" for g in order[:8]) + (" ..." if len(order) > 8 else "")


def _range(lo: int, hi: int) -> str:
    """'a-b ms', or 'a ms' when both ends round alike."""
    return f"{ms(lo)} ms" if ms(lo) == ms(hi) else f"{ms(lo)}-{ms(hi)} ms"


def stats_line(stats) -> str:
    """A `labs.sched.SliceStats` in one sentence of measured ranges (ms)."""
    s = stats
    parts = [f"G{s.g} over {s.runs} run{'s' if s.runs > 1 else ''}: first ran at {_range(*s.first_start)}"]
    if s.first_cut:
        parts.append(f"first slice preempted in {s.first_cut} of {s.runs}, after {_range(*s.first_cut_len)}")
    else:
        parts.append(f"first slice never preempted (it ran to its end in all {s.runs})" if s.runs > 1
                     else "its first slice ran to its end")
    if s.later_cut:
        parts.append(f"later preempted slices {_range(s.later_cut[0], s.later_cut[2])} "
                     f"(median {ms(s.later_cut[1])})")
    parts.append(f"finished at {_range(*s.finish)}")
    return "; ".join(parts)


def sysmon_sleeps(looks, ax=None, title: str = "sysmon's sleep before each look", real=None):
    """Each sysmon look (t_ns, delay_ns, ..., preempted): its sleep over time, log scale.

    `real` = (source, runs) of realgo.sysmon_probe adds every real look's sleep as a grey dot.
    """
    looks = tuple(looks)
    if not looks:
        raise ValueError("looks must hold at least one sysmon look")
    own = ax is None
    if own:
        fig, ax = figure(height=3.0)
    t = np.array([lk.t_ns for lk in looks]) / 1e6
    d = np.array([lk.delay_ns for lk in looks]) / 1e3
    hit = np.array([bool(lk.preempted) for lk in looks])
    real_words = ""
    if real is not None:
        real_words = _real_dots(ax, *real, until_ns=looks[-1].t_ns)
    ax.step(t, d, where="pre", color=COLORS["thread"], lw=1.2, label="sleep before the look")
    ax.plot(t, d, ".", color=COLORS["thread"], ms=3)
    if hit.any():
        ax.plot(t[hit], d[hit], "v", color=END_MARKS["preempted"][1], ms=8, ls="none",
                label="that look preempted a G")
    ax.set_yscale("log")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("sleep (us)")
    ax.set_title(title, loc="left")
    ax.legend(fontsize=8, loc="lower right")
    first_long = next((lk for lk in looks if lk.delay_ns > looks[0].delay_ns), None)
    words = (f"{len(looks)} looks over {ms(looks[-1].t_ns)} ms; the first sleeps are "
             f"{looks[0].delay_ns / 1e3:g} us")
    if first_long is not None:
        words += f", longer from {ms(first_long.t_ns)} ms on, up to {max(d):g} us"
    hits = ", ".join(f"{v:.1f}" for v in t[hit])
    words += f"; preempting looks at {hits} ms" if hits else "; no look preempted"
    alt(ax, f"{title}: {words}{real_words}")
    if own:
        plt.close(ax.figure)
    return ax.figure


def _real_dots(ax, source: str, runs, until_ns: int) -> str:
    """Draw every real look's sleep (up to until_ns) as a grey dot; the words for the alt text."""
    from ..realgo.sysmon_probe import sleeps
    pts = [(t, slept) for run in runs for t, _, slept in sleeps(run) if t <= until_ns]
    if not pts:
        raise ValueError("real runs must hold at least one look before the model's last")
    t, d = (np.array(v) for v in zip(*pts))
    ax.plot(t / 1e6, d / 1e3, ".", color=GREYS["mark"], ms=2.5, alpha=0.6, zorder=1,
            label=f"real Go's looks ({len(runs)} runs)")
    return (f"; grey dots: {len(pts)} real looks from {len(runs)} runs ({source}), sleeps "
            f"{d.min() / 1e3:g}-{d.max() / 1e3:g} us")


def real_sleeps_table(runs) -> str:
    """How long real sysmon's usleep(delay) lasted, per delay: looks, min, median, max (us)."""
    from ..realgo.sysmon_probe import sleeps_by_delay
    by = sleeps_by_delay(runs)
    if not by:
        raise ValueError("runs must hold at least one look after a plain usleep")
    rows = [(f"{d:,}", len(v), f"{min(v) / 1e3:.1f}", f"{np.median(v) / 1e3:.1f}", f"{max(v) / 1e3:.1f}")
            for d, v in by.items()]
    return text_table(("usleep (us)", "looks", "shortest (us)", "median (us)", "longest (us)"), rows)


def sysmon_table(stretches) -> str:
    """`labs.sched.sysmon_stretches` as a table: which looks slept how long, and what they did."""
    rows = [(f"{s.first}" if s.first == s.last else f"{s.first}-{s.last}", f"{s.delay_ns / 1e3:g}",
             f"{ms(s.start_ns)}" if s.first == s.last else f"{ms(s.start_ns)}-{ms(s.end_ns)}",
             s.preempted, s.handoffs) for s in stretches]
    return text_table(("looks", "sleep before each (us)", "at (ms)", "preempted a G", "Ps handed off"), rows)


def handoff_line(cmp) -> str:
    """How soon another G ran on the P of a G in a syscall: real runs' range, then the model's."""

    def words(st, runs):
        if st is None:
            return f"no syscall's P ran another G in {runs}"
        lo, med, hi, n = st
        return f"{_range(lo, hi)} (median {ms(med)}, {n} syscall{'s' if n > 1 else ''} in {runs})"

    real, model = cmp.gaps()
    return (f"{cmp.name}, from a G entering a syscall to another G running on its P: "
            f"real {words(real, f'{len(cmp.real)} runs')}; model {words(model, 'its run')}")


def first_handoff_line(stats) -> str:
    """labs.sched.first_handoff_stats' result in words, beside sysmon's look interval."""
    from ..sched.gmp import SYSMON_TICK_NS
    who = ("in the real runs", "in the model")
    words = [f"{n} {w}: soonest {lo / 1000:.1f} us after the syscall began, median {mid / 1000:.1f} us, "
             f"{k} within one look interval" for w, (n, lo, mid, k) in zip(who, stats, strict=True)]
    return (f"a P taken from its first syscall: {words[0]}; {words[1]}; sysmon's look interval "
            f"{SYSMON_TICK_NS / 1000:.1f} us")


#: The costs drawn by costs_figure, cheapest first: (Costs field, label).
COST_ROWS = (("goroutine_switch_ns", "goroutine switch"), ("goroutine_create_ns", "goroutine create"),
             ("thread_switch_ns", "thread switch"), ("thread_wake_ns", "wake an idle thread"),
             ("thread_create_ns", "thread create"), ("kernel_slice_ns", "kernel time slice"),
             ("timer_late_ns", "a kernel timer's lateness"), ("netpoll_late_ns", "a netpoll wait's lateness"))


def costs_figure(source: str, runs, costs=None):
    """Each cost the models charge (`costs`, default Costs()) as a bar, every measured run as a dot.

    `runs` are realgo.costs_probe runs (dicts of its FIELDS in ns), as measured_runs returns."""
    from ..realgo.costs_probe import costs_fields
    from ..sched.record import Costs
    runs = list(runs)
    if not runs:
        raise ValueError("runs must hold at least one measured run")
    costs = Costs() if costs is None else costs
    per_run = [costs_fields([r]) for r in runs]
    fig, ax = figure(height=2.8)
    y = np.arange(len(COST_ROWS))
    model = [getattr(costs, k) for k, _ in COST_ROWS]
    ax.barh(y, model, color=COLORS["goroutine"], height=0.5, label="the models' cost (Costs)")
    for i, (k, _) in enumerate(COST_ROWS):
        ax.plot([f[k] for f in per_run], [i] * len(per_run), "o", color=GREYS["other"], ms=4,
                ls="none", label="a measured run" if i == 0 else None)
    ax.set_xscale("log")
    ax.set_yticks(y, [label for _, label in COST_ROWS])
    ax.set_xlabel("ns (log scale)")
    ax.set_title(f"what each operation costs ({source})", loc="left")
    ax.legend(fontsize=8, loc="lower right")
    spans = {k: (min(f[k] for f in per_run), max(f[k] for f in per_run)) for k, _ in COST_ROWS}
    seen = "runs {0:,}-{1:,}" if len(runs) > 1 else "measured {0:,}"
    words = "; ".join(f"{label} {getattr(costs, k):,} ns ({seen.format(*spans[k])})"
                      for k, label in COST_ROWS)
    count = f"{len(runs)} measured runs" if len(runs) > 1 else "1 measured run"
    alt(ax, f"what each operation costs, {count}, {source}: {words}")
    plt.close(fig)
    return fig
