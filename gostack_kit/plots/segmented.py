"""Figures and tables for notebook 4: segmented stacks and the hot split.

Every function reads records made by `gostack_kit.labs.segmented` (Snapshot, HotSplitSweep,
FibSweep, GrowthPrediction) and draws or formats them; none of them runs a model.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from .style import COLORS, GREYS, TINTS, figure, kib, text_table

__all__ = ["segment_chain", "hot_split", "loop_cost", "fib_sizes", "snapshot_table", "sweep_table",
           "fib_table", "prediction_table", "constants_table", "events_table",
           "prologue_class_table", "switch_table", "real_hot_split", "hot_table", "cost_table",
           "policy_table"]

_SHADES = (COLORS["segmented"], TINTS["segmented"])  # alternate frames: the segmented red and its tint
_VERSION_COLORS = {"1.2": COLORS["segmented"], "1.1": COLORS["highlight"]}


def _axes(ax, width=8.0, height=3.2):
    return figure(width=width, height=height)[1] if ax is None else ax


def segment_chain(snap, ax=None, width: float = 0.55, legend: bool = True):
    """The live segments of a Snapshot side by side: Stktop, frames, free space and guard."""
    ax = _axes(ax, 8.0, 3.6)
    newest = max((f.step for s in snap.segments for f in s.frames), default=-1)
    biggest = max(s.size for s in snap.segments)
    boxes, colors = [], []
    # Limits are set below, so shapes skip add_patch's and add_collection's data-limit update
    # (with 80 segments, measuring the patches and their arrows was a third of a redraw).
    add = ax.add_artist
    for i, seg in enumerate(snap.segments):
        x0 = i - width / 2
        first = i == 0
        add(Rectangle((x0, 0), width, seg.size, facecolor=COLORS["free"], edgecolor="black",
                      lw=0.8, label="free" if first else None))
        add(Rectangle((x0, 0), width, seg.top, color=GREYS["mark"], label="Stktop" if first else None))
        if seg.reserved > 0:
            add(Rectangle((x0, seg.top), width, seg.reserved, facecolor=GREYS["fill"],
                          hatch="//", label="entry / args" if first else None))
        add(Rectangle((x0, seg.size - seg.guard), width, seg.guard, color=COLORS["guard"],
                      alpha=0.35, label="guard (StackGuard)" if first else None))
        for f in seg.frames:
            y0, y1 = seg.top + f.start, seg.top + f.start + f.frame
            boxes.append(((x0 + 0.03, y0), (x0 + width - 0.03, y0), (x0 + width - 0.03, y1),
                          (x0 + 0.03, y1)))
            colors.append(COLORS["highlight"] if f.step == newest else _SHADES[f.depth % 2])
        if i:  # the Stktop of each segment records the one below it
            add(FancyArrowPatch((x0, seg.top / 2), (i - 1 + width / 2, seg.top / 2),
                                arrowstyle="->", mutation_scale=10, color="black"))
    frames = PolyCollection(boxes, facecolors=colors, edgecolors="white", linewidths=0.3,
                            label="frames (newest in orange)")
    frames.set_gid("frames")
    ax.add_collection(frames, autolim=False)
    if len(boxes) <= 12:  # a small trace: write each frame's size on it
        for (_, (x1, y0), _, (_, y1)), f in zip(boxes, (f for sg in snap.segments for f in sg.frames)):
            if y1 - y0 > 0.08 * biggest:
                ax.text(x1 - width / 2 + 0.03, (y0 + y1) / 2, f"frame {f.frame}\n(depth {f.depth})",
                        ha="center", va="center", fontsize=8, color="white")
    if len(snap.segments) <= 5:
        ax.set_xticks(range(len(snap.segments)), [_segment_label(i, s) for i, s in enumerate(snap.segments)])
    else:  # a long chain: numbers only (sizes and frames are in snapshot_table)
        ax.xaxis.set_major_locator(MaxNLocator(8, integer=True))
        ax.xaxis.set_major_formatter(ScalarFormatter())  # not the labels of a short chain drawn before
        ax.set_xlabel(f"segment ({len(snap.segments)} live)")
    ax.set_xlim(-0.6, max(2, len(snap.segments)) - 0.4)
    ax.set_ylim(biggest * 1.02, -0.03 * biggest)
    ax.grid(False)
    ax.set_ylabel("bytes below the segment's top")
    ax.set_title(f"Go {snap.version} segments after step {snap.step} "
                 f"(next: {snap.next_step}); {kib(snap.total)} in use")
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return ax


def _segment_label(i: int, seg) -> str:
    made = "first" if seg.made_at < 0 else f"split at step {seg.made_at}"
    return f"segment {i}\n{made}\n{kib(seg.size)}, {len(seg.frames)} frames"


def hot_split(sweeps, axes=None):
    """Time per iteration (left) and splits per iteration (right) against caller depth."""
    if axes is None:
        axes = figure(ncols=2, width=9.0, height=3.2)[1]
    ax_t, ax_s = axes
    for sw in sweeps:
        color = _sweep_color(sw)
        label = f"Go {sw.version}, StackMin {kib(sw.stack_min)}"
        style = "--" if sw.version == "1.1" else "-"
        ax_t.plot(sw.depths, sw.ns_per_iter, style, color=color, lw=1.2, label=label)
        ax_s.step(sw.depths, sw.split_per_iter, style, where="mid", color=color, lw=1.2, label=label)
    first = sweeps[0]
    ax_t.set(xlabel="depth at which the loop runs", ylabel="ns per iteration (model)",
             title=f"callee frame {first.callee}, caller frame {first.frame}, {first.n} iterations")
    ax_s.set(xlabel="depth at which the loop runs", ylabel="splits per iteration",
             title="morestack + lessstack per call", ylim=(-0.05, 1.15))
    ax_t.set_ylim(0, None)  # a cost axis starts at zero: a flat line must look flat
    ax_t.legend(fontsize=8)
    return axes


def _sweep_color(sw) -> str:
    default = sw.version == "1.1" or sw.stack_min == 8192
    return _VERSION_COLORS.get(sw.version, COLORS["segmented"]) if default else COLORS["contiguous"]


def fib_sizes(fib, ax=None):
    """ns per call of fib(n) against where it starts, one line per minimum segment size."""
    ax = _axes(ax, 9.0, 3.2)
    palette = (COLORS["highlight"], COLORS["segmented"], COLORS["contiguous"], COLORS["thread"],
               COLORS["goroutine"], COLORS["heap"])
    for k, m in enumerate(fib.stack_mins):
        fits = fib.splits[k] >= 0
        ax.plot(fib.offsets[fits], fib.ns_per_call[k][fits], color=palette[k % len(palette)],
                lw=1.0, label=f"StackMin {kib(m)}")
    ax.set(xlabel="bytes in use when fib starts (entry_used)", ylabel="ns per call (model)",
           title=f"fib({fib.n}) under Go {fib.version} segments: {fib.calls} calls")
    ax.legend(fontsize=8)
    return ax




def snapshot_table(snap) -> str:
    """One row per live segment: size, frames, bytes used and free above its guard."""
    rows = []
    for i, s in enumerate(snap.segments):
        made = "malg (first)" if s.made_at < 0 else f"split at step {s.made_at}"
        rows.append((i, s.size, made, len(s.frames), s.used, s.capacity - s.guard - s.used))
    return text_table(("segment", "bytes", "made by", "frames", "used", "free above guard"), rows)


def sweep_table(sweeps) -> str:
    """Per sweep: the hot depths, how far apart they are, and the worst ns per iteration."""
    rows = []
    for sw in sweeps:
        hot = sw.hot
        gaps = sorted(set(np.diff(hot).tolist()) - {1}) if len(hot) > 1 else []
        rows.append((f"Go {sw.version}", sw.stack_min, len(hot), ", ".join(map(str, hot[:6])) +
                     (", ..." if len(hot) > 6 else ""), "/".join(map(str, gaps)) or "-",
                     f"{sw.ns_per_iter.min():.1f}", f"{sw.ns_per_iter.max():.1f}"))
    return text_table(("runtime", "StackMin", "hot depths", "first hot depths", "spacing",
                         "best ns/iter", "worst ns/iter"), rows)


def fib_table(fib) -> str:
    """Per StackMin: share of start offsets that split, worst start, its splits and ns per call."""
    rows = []
    for k, m in enumerate(fib.stack_mins):
        off, splits = fib.worst(k)
        fits = fib.splits[k] >= 0
        rows.append((m, int(np.count_nonzero(fits)), f"{100 * fib.share_hit(k):.1f}%", off, splits,
                     f"{np.nanmin(fib.ns_per_call[k]):.2f}", f"{np.nanmax(fib.ns_per_call[k]):.2f}"))
    return text_table(("StackMin", "starts tried", "starts that split", "worst start", "splits",
                         "best ns/call", "worst ns/call"), rows)


def prediction_table(preds, limit: int = 12) -> str:
    """Real Go growth depths beside the depths the prologue inequality predicts."""
    firsts, seen = [], set()
    for p in preds:  # the first growth of each frame size
        if p.frame not in seen:
            seen.add(p.frame)
            firsts.append(p)
    firsts = firsts[:limit]
    rows = [(p.frame, p.prologue, f"{p.old_size}->{p.new_size}", p.real_depth, p.predicted_depth,
             "yes" if p.real_depth == p.predicted_depth else "NO") for p in firsts]
    agree = sum(p.real_depth == p.predicted_depth for p in preds)
    table = text_table(("frame", "prologue (-S)", "stack", "real depth", "predicted", "same"), rows)
    return f"{table}\n... {agree} of {len(preds)} recorded growths at the predicted depth"


def loop_cost(sweep, depth: int, ax=None):
    """ns per iteration against caller depth for one sweep, with `depth` marked."""
    ax = _axes(ax)
    ax.plot(sweep.depths, sweep.ns_per_iter, color=_sweep_color(sweep), lw=1.2)
    ax.plot([depth], [sweep.ns_per_iter[depth]], "o", color=COLORS["highlight"], gid="chosen")
    ax.set(xlabel="depth at which the loop runs", ylabel="ns per iteration (model)",
           title=f"StackMin {kib(sweep.stack_min)}, callee frame {sweep.callee}, {sweep.n} iterations")
    ax.set_ylim(0, None)  # a cost axis starts at zero: a flat line must look flat
    return ax


def constants_table(*records) -> str:
    """The segmented-stack constants of some GoVersion records, one column each."""
    names = (("StackMin", "stack_min"), ("StackGuard", "stack_guard"), ("StackSmall", "stack_small"),
             ("StackExtra", "stack_extra"), ("StackTop (Stktop)", "stack_top"))
    rows = [(label, *(getattr(r, attr) for r in records)) for label, attr in names]
    return text_table(("constant", *(f"Go {r.name}" for r in records)), rows)


def events_table(run) -> str:
    """The split and free events of a segmented run, in order."""
    rows = [(e.kind, e.step, e.depth, e.frame, e.old_size, e.new_size, e.used, e.nbytes)
            for e in run.events]
    return text_table(("event", "step", "depth", "frame", "from segment", "to segment",
                         "used", "args copied"), rows)


def prologue_class_table(frames) -> str:
    """Functions from -S: frame size, the check class printed, and the class the frame predicts."""
    from ..realgo.asm import expected_prologue

    rows = [(f.short_name, f.frame, f.prologue, expected_prologue(f.frame, f.nosplit),
             "yes" if f.prologue == expected_prologue(f.frame, f.nosplit) else "NO") for f in frames]
    return text_table(("function", "frame", "check in -S", "check the frame predicts", "same"), rows)


def _switches(sw) -> str:
    return " ".join(f"{d}" if not j else f"{j}:{d}" for j, d, _ in sw) or "none"


def switch_table(checks, limit: int = 8) -> str:
    """Real switch depths beside the model's, one row per probe case (labs.segmented.SwitchCheck).

    Depths are listed per descent: "1:7" is depth 7 of the second descent.
    """
    rows = []
    for c in checks:
        real, model = c.real[:limit], c.model[:limit]
        more = f" (+{len(c.real) - limit})" if len(c.real) > limit else ""
        sizes = sorted({s for _, _, s in c.real})
        death = "-" if c.real_death is None else f"depth {c.real_death[1]}"
        mdeath = "-" if c.model_death is None else f"depth {c.model_death}"
        rows.append((c.case, _switches(real) + more, _switches(model) + more,
                     " ".join(kib(s) for s in sizes) or "-", death, mdeath,
                     "yes" if c.same else "NO"))
    return text_table(("case", "real switches at depth", "model", "new segments",
                       "real SIGSEGV", "model segv", "same"), rows, align="left")


def real_hot_split(checks, ax=None):
    """ns per iteration against caller depth for real hot loops; model split depths marked."""
    ax = _axes(ax, 8.0, 3.4)
    colors = {("gcc", True): COLORS["thread"], ("gcc", False): COLORS["segmented"],
              ("gccgo", False): COLORS["goroutine"]}
    for p, model in checks:
        depths = np.array([d for d, _, _ in p.rows]) - p.rows[0][0]
        ns = np.array([t for _, _, t in p.rows])
        label = f"{p.toolchain}, {'signals masked' if p.masked else 'no signal mask'}"
        ax.semilogy(depths, ns, "-", color=colors[(p.toolchain, p.masked)], lw=1.2, label=label)
        if model is not None:
            at = [d - p.rows[0][0] for d in model]
            ax.semilogy(at, [ns[i] for i in at], "o", mfc="none", color=COLORS["highlight"],
                        ms=6, gid="model")
    ax.set(xlabel="caller depth from the start of the window",
           ylabel="ns per iteration (real)",
           title="hot split, measured (circles: depths where the model splits)")
    ax.legend(fontsize=8)
    return ax


def hot_table(checks) -> str:
    """Per real hot sweep: the depths that split, the model's, and ns per iteration there."""
    rows = []
    for p, model in checks:
        hot = [t for _, s, t in p.rows if s]
        cold = sorted(t for _, s, t in p.rows if not s)
        rows.append((f"{p.toolchain}, {'masked' if p.masked else 'unmasked'}",
                     " ".join(map(str, p.hot_depths)),
                     "not modelled" if model is None else ("same" if tuple(model) == p.hot_depths
                                                           else " ".join(map(str, model))),
                     f"{cold[len(cold) // 2]:.1f}", f"{min(hot):.0f}-{max(hot):.0f}"))
    return text_table(("sweep", "real hot depths", "model", "ns/iter cold", "ns/iter hot"), rows,
                      align="left")


def cost_table(costs: dict, spreads=()) -> str:
    """Calibrated SplitCost records beside Go 1.2's estimate; `spreads` are realgo CostRows."""
    spread = {r.name: r for r in spreads}
    rows = []
    for name, c in costs.items():
        r = spread.get(name)
        rng = f"{r.split_min:.0f}-{r.split_max:.0f}" if r else "estimate"
        rows.append((name, f"{c.call_ns:.1f}", f"{c.split_ns:.1f}", rng,
                     f"{c.split_ns / c.call_ns:.0f}x"))
    for name, r in spread.items():
        if name not in costs:
            rows.append((name, "-", f"{r.split_ns:.0f}", f"{r.split_min:.0f}-{r.split_max:.0f}", "-"))
    return text_table(("cost model", "ns per call", "ns per split", "spread over hot depths",
                       "split / call"), rows)


def policy_table(rows) -> str:
    """libgcc, gccgo and Go 1.2 side by side (labs.segmented.policy_rows)."""
    return text_table(("", "libgcc (gcc -fsplit-stack)", "gccgo", "Go 1.2"), rows, align="left")
