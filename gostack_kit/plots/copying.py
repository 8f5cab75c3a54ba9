"""Figures and text tables for notebook 05 (copying stacks): records in, Axes or text out."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter

from .style import COLORS, alt, figure, kib, text_table

__all__ = ["SHADES", "start_sweep", "cost_per_call", "growth_steps", "pointer_picture",
           "shrink_across_gcs", "anim_frame", "model_table", "versions_table", "shrink_table",
           "sweep_table",
           "moves_table", "pointer_table", "growth_table", "releases_table", "what_changed",
           "changes_text"]

#: Line colour per model label: segments red, each copying release its own palette colour
#: (they are drawn together, so they must stay apart for every reader), today's in plum.
SHADES = {"Go 1.2 segments": COLORS["segmented"], "Go 1.3 copying": COLORS["highlight"],
          "Go 1.4 copying": COLORS["goroutine"], "Go 1.19 copying": COLORS["thread"],
          "Go 1.27 copying": COLORS["contiguous"]}


def _shade(label: str) -> str:
    return SHADES.get(label, COLORS["contiguous"])


def _log_y(ax, base: int = 10, label=None):
    """A log y axis with plain-text tick labels (mathtext labels cost a widget's frame budget)."""
    from matplotlib.ticker import LogLocator, NullLocator

    ax.set_yscale("log", base=base)
    ax.yaxis.set_major_locator(LogLocator(base=base, numticks=7))
    ax.yaxis.set_major_formatter(FuncFormatter(label or (lambda v, _: f"{v:g}")))
    ax.yaxis.set_minor_locator(NullLocator())


def _ax(ax, **kw):
    return ax if ax is not None else figure(**kw)[1]


def start_sweep(sweep, ax=None, title: str | None = None):
    """ns per call of a program against the depth it starts at, one line per model."""
    ax = _ax(ax)
    for label, ns in sweep.per_call_ns.items():
        ax.plot(sweep.depths, ns, label=label, color=_shade(label),
                lw=2.2 if "segments" in label else 1.4)
    ax.set_ylim(0, None)
    ax.set_xlabel(f"depth of the caller (a chain of {sweep.chain_frame} B frames below it)")
    ax.set_ylabel("ns per call (model)")
    ax.set_title(title or f"{sweep.program}: cost per call against the caller's depth")
    ax.legend(loc="upper right", fontsize=8)
    return ax


def cost_per_call(curves, ax=None, legend: bool = True, dots: bool = True):
    """Amortized ns per call of a recursion against depth; dots where the model grew or split."""
    ax = _ax(ax)
    for c in curves:
        ax.plot(c.depths, c.per_call_ns, label=c.label, color=_shade(c.label))
        if dots and c.events:
            at = np.asarray(c.events)
            ax.plot(at, c.per_call_ns[at], "o", ms=3, color=_shade(c.label))
    _log_y(ax)
    ax.set_xlabel("recursion depth reached")
    ax.set_ylabel("ns per call so far (model)")
    ax.set_title("Amortized cost per call of one deep recursion")
    if legend:
        ax.legend(loc="lower right", fontsize=8)
    return ax


def growth_steps(profiles, ax=None, legend: bool = True):
    """Stack size against depth (steps at each growth) per version, and the bytes in use."""
    ax = _ax(ax)
    for p in profiles:
        label = f"Go {p.version} copying"
        ax.step(p.depths, p.size, where="post", label=f"{label}: size", color=_shade(label))
    p = profiles[-1]
    ax.plot(p.depths, p.used, "--", color=COLORS["highlight"], label="bytes in use (hi - SP)")
    _log_y(ax, 2, lambda v, _: kib(v))
    ax.set_xlabel("recursion depth")
    ax.set_ylabel("bytes")
    ax.set_title("Each growth doubles the stack and copies what is in use")
    if legend:
        ax.legend(loc="lower right", fontsize=8)
    return ax


def pointer_picture(pic, ax=None):
    """The old and the new stack side by side, arrows for every pointer, the heap's one dangling."""
    ax = _ax(ax, width=8.0, height=4.6)
    n = len(pic.slots)
    cols = {False: 0.0, True: 2.2}
    for after, x in cols.items():
        where = "new" if after else "old"
        lo, hi = (pic.new_lo, pic.new_hi) if after else (pic.old_lo, pic.old_hi)
        ax.text(x + 0.5, n + 0.6, f"{where} stack {kib(hi - lo)}\nhi = {hi:#x}", ha="center",
                fontsize=8)
        for i, s in enumerate(pic.slots):
            y = n - 1 - i
            ptr = s.points_to is not None
            ax.add_patch(_box(x, y, COLORS["contiguous"] if ptr else COLORS["free"]))
            ax.text(x + 0.5, y + 0.5, f"{s.frame} {s.name}", ha="center", va="center", fontsize=7)
            if ptr:
                j = [f"{t.frame}.{t.name}" for t in pic.slots].index(s.points_to)
                ax.annotate("", xy=(x + 1.0, n - 1 - j + 0.5), xytext=(x + 1.0, y + 0.5),
                            arrowprops={"arrowstyle": "->", "color": COLORS["contiguous"],
                                            "connectionstyle": "arc3,rad=0.6", "lw": 0.8})
    j = [f"{t.frame}.{t.name}" for t in pic.slots].index(pic.heap_target)
    ax.add_patch(_box(-1.6, n - 6, COLORS["heap"]))
    ax.text(-1.1, n - 5.5, "heap object\n(not adjusted)", ha="center", va="center", fontsize=7)
    ax.annotate("", xy=(0.0, n - 1 - j + 0.5), xytext=(-1.1, n - 5.05),
                arrowprops={"arrowstyle": "->", "color": COLORS["segmented"], "ls": "--", "lw": 1.2})
    ax.text(1.6, -1.0, f"copystack adds delta = new.hi - old.hi = {pic.delta:#x} to each purple word;\n"
            "the heap pointer still names the old, freed stack", ha="center", fontsize=8,
            color=COLORS["segmented"])
    ax.set_xlim(-1.8, 3.8)
    ax.set_ylim(-1.6, n + 1.6)
    ax.axis("off")
    return alt(ax, _pointer_alt(pic))


def _pointer_alt(pic) -> str:
    """The pointer picture in words: both stacks, which words are adjusted and the heap's dangling one."""
    ptrs = [f"{s.frame} {s.name} -> {s.points_to.replace('.', ' ')}" for s in pic.slots if s.points_to]
    return (f"the old stack ({kib(pic.old_hi - pic.old_lo)}, hi = {pic.old_hi:#x}) beside the new one "
            f"({kib(pic.new_hi - pic.new_lo)}, hi = {pic.new_hi:#x}), {len(pic.slots)} words each, top down: "
            + ", ".join(f"{s.frame} {s.name}" for s in pic.slots)
            + f"; {len(ptrs)} words point into the stack ({'; '.join(ptrs)}) and copystack adds "
            f"delta = {pic.delta:#x} to each; a heap object points at {pic.heap_target.replace('.', ' ')} "
            "and is not adjusted, so it still names the old, freed stack")


def _box(x, y, color):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y + 0.05), 1.0, 0.9, facecolor=color, edgecolor="white", alpha=0.8)


def shrink_across_gcs(model: dict, measured=None, ax=None):
    """Stack size after each GC of a parked goroutine: one line per model, dots for the real one."""
    ax = _ax(ax)
    for label, sizes in model.items():
        ax.plot(range(len(sizes)), sizes, "-o", ms=3, label=label, color=_shade(label))
    if measured is not None:
        ax.plot(range(len(measured)), measured, "x", ms=9, mew=2, color=COLORS["highlight"],
                label="real Go (measured)")
    _log_y(ax, 2, lambda v, _: kib(v))
    ax.set_xlabel("GC cycles while parked (0 = before the first)")
    ax.set_ylabel("stack size (bytes)")
    ax.set_title("A parked goroutine's stack, halved at most once per GC")
    ax.legend(loc="upper right", fontsize=8)
    return ax


def anim_frame(ax, frame, top: int):
    """One animation picture: the stack as a bar from lo to hi, scaled to `top` bytes."""
    ax.barh(0, frame.size, color=COLORS["free"], height=0.6)
    ax.barh(0, frame.used, left=frame.size - frame.used, color=COLORS["contiguous"], height=0.6)
    ax.barh(0, frame.guard, color=COLORS["guard"], height=0.6)
    if frame.grew:
        ax.barh(0.55, frame.old_size, color=COLORS["highlight"], height=0.15)
    ax.set_xlim(0, top)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: kib(v)))
    ax.set_ylim(-0.5, 0.8)
    ax.set_yticks([])
    ax.set_xlabel("bytes from stack.lo (purple: in use, black: guard, orange: old stack)")
    what = f"GREW {kib(frame.old_size)} -> {kib(frame.size)}" if frame.grew else kib(frame.size)
    ax.set_title(f"depth {frame.depth}: {what}, {frame.growths} growths, "
                 f"{kib(frame.copied)} copied so far")
    return ax




def versions_table(*records) -> str:
    """The copying rules of some versions.GoVersion records, side by side."""
    def yes(b):
        return "yes" if b else "no"
    rows = [("first stack", *(kib(v.initial_stack) for v in records)),
            ("smallest stack", *(kib(v.stack_min) for v in records)),
            ("stackguard above lo", *(f"{v.stack_guard} B" for v in records)),
            ("growth", *("x2 until the frame fits" if v.grow_to_fit else "x2" for v in records)),
            ("GC shrinks when", *(f"used + {v.stack_nosplit} < size/4" if v.shrink_counts_nosplit
                                  else "used < size/4" for v in records)),
            ("recycled G starts at average", *(yes(v.adaptive_start) for v in records))]
    return text_table(("rule", *(f"Go {v.name}" for v in records)), rows)


def shrink_table(model: dict, measured, phases) -> str:
    """Sizes at each observation of a parked goroutine: the phase, each model, the real run."""
    labels = list(model)
    rows = [(i, ph, *(kib(model[m][i]) for m in labels), kib(measured[i]))
            for i, ph in enumerate(phases)]
    return text_table(("#", "observation", *labels, "real Go"), rows)


def sweep_table(sweep, depth: int) -> str:
    """One depth of a LoopSweep: ns per call and growths or splits per 1000 calls, per model."""
    i = int(list(sweep.depths).index(depth))
    return text_table(("model", "ns per call", "growths/splits per 1000 calls"),
                 [(label, f"{ns[i]:.2f}", f"{1000 * sweep.events_per_call[label][i]:g}")
                  for label, ns in sweep.per_call_ns.items()])


def model_table(rows) -> str:
    """labs.copying.ModelRow rows as text."""
    return text_table(("model", "calls", "growths/splits", "bytes copied", "final stack", "ns/call"),
                 [(r.model, f"{r.calls:,}", r.events, f"{r.bytes_copied:,}", kib(r.final_size),
                   f"{r.ns_per_call:.2f}") for r in rows])


def moves_table(rows) -> str:
    """stack_moves.MoveRow rows as text: prediction beside measurement."""
    def show(x):
        return "-" if x is None else x
    return text_table(("frame", "growth", "size", "model: depth", "real: &x moved at", "same?"),
                 [(r.frame, r.growth, f"{kib(r.old_size)} -> {kib(r.new_size)}", show(r.predicted),
                   show(r.measured), "yes" if r.agrees else "NO") for r in rows])


def growth_table(run) -> str:
    """Every growth of a copying run: depth, sizes, bytes copied."""
    return text_table(("depth", "old size", "new size", "bytes copied"),
                 [(g.depth, kib(g.old_size), kib(g.new_size), f"{g.used:,}") for g in run.growths])


def pointer_table(pic) -> str:
    """Each pointer word of a PointerPicture: its value before and after the copy."""
    def hx(v):
        return "-" if v is None else f"{v:#x}"
    rows = [(f"{s.frame}.{s.name}", s.points_to, hx(pic.value(s, False)), hx(pic.value(s, True)))
            for s in pic.slots if s.points_to is not None]
    rows.append(("heap object.p", pic.heap_target, hx(pic.heap_value(False)),
                 hx(pic.heap_value(True)) + (" (dangling)" if pic.dangling() else "")))
    return text_table(("word", "points at", "before copy", "after copy"), rows)


def _release_name(version: str) -> str:
    return version.removeprefix("go")


def releases_table(matrix, topic: str) -> str:
    """The `topic` rows ("runtime" or "compiler") of the cross-release matrix as text."""
    rows = [(fact, *values) for t, fact, values in matrix.rows if t == topic]
    if not rows:
        raise ValueError(f"topic must be 'runtime' or 'compiler'; got {topic!r}")
    rows.append(("models reproduce it all", *("yes" if a else "NO" for a in matrix.agree)))
    return text_table(("fact", *map(_release_name, matrix.releases)), rows, align="left")


def changes_text(matrix) -> str:
    """Every change between consecutive measured releases, one line each (the figure in words)."""
    lines = [f"Go {_release_name(r)}: {fact}: {a} -> {b}" for r, fact, a, b in matrix.changes()]
    kept = [fact for _, fact, values in matrix.rows if len(set(values)) == 1]
    return "\n".join(lines + [f"unchanged in every release: {', '.join(kept)}"])


def what_changed(matrix, ax=None):
    """A grid: releases across, facts down; a cell is orange where the value changed from the
    release before, light grey where it stayed (the values are written in every cell)."""
    ax = _ax(ax, width=11.0, height=0.42 * len(matrix.rows) + 1.0)
    n = len(matrix.releases)
    for y, (_, _, values) in enumerate(matrix.rows):
        for x, value in enumerate(values):
            changed = x > 0 and value != values[x - 1]
            ax.add_patch(_cell(x, y, COLORS["highlight"] if changed else COLORS["free"]))
            ax.text(x, y, value.replace("->", "→").replace("<=", "≤"), ha="center",
                    va="center", fontsize=7, color="black")
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(len(matrix.rows) - 0.5, -0.5)
    ax.set_xticks(range(n), [_release_name(r) for r in matrix.releases])
    ax.set_yticks(range(len(matrix.rows)),
                  [f"{fact} ({topic})" for topic, fact, _ in matrix.rows], fontsize=8)
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title("What changed when: every release measured (orange: differs from the one before)")
    return ax


def _cell(x, y, color):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.48, y - 0.45), 0.96, 0.9, facecolor=color, edgecolor="none")
