"""Figures and tables for notebook 01 (address space): layouts and /proc/self/maps, legible.

A 64-bit user space is 128 TiB; a guard page is 4 KiB, 2^35 times smaller.  Drawn to
scale, everything but the holes vanishes, so `space_map` draws the compressed axis of
`address.layout.compressed_axis` (region height grows with log2 of its size, every hole
is one short hatched band with its size written on it), and `to_scale` draws the
truth beside it.  Both take a `Layout` (the model) or a `Maps` (the real thing).
"""

from __future__ import annotations

from matplotlib.patches import Rectangle

from ..address.layout import Layout, compressed_axis, format_size
from .style import COLORS, GREYS, REGION_COLORS, figure

__all__ = ["KIND_COLORS", "space_map", "to_scale", "side_by_side", "fill_axes", "fill_figure", "fill_view",
           "layout_table", "maps_table", "kind_summary"]  # fmt: skip

USER_END_64 = 1 << 47  # mappings above this ([vsyscall]) belong to the kernel's half

#: One colour per region kind (address.layout.Region.kind and address.maps.KINDS).
KIND_COLORS = {
    "text": REGION_COLORS["text"],
    "rodata": REGION_COLORS["rodata"],
    "data": REGION_COLORS["data"],
    "bss": REGION_COLORS["bss"],
    "heap": COLORS["heap"],
    "mmap": REGION_COLORS["mmap"],
    "file": REGION_COLORS["mmap"],
    "anon": REGION_COLORS["anon"],
    "reserved": REGION_COLORS["reserved"],
    "thread-stack": COLORS["thread"],
    "guard": COLORS["guard"],
    "stack": COLORS["highlight"],
    "vdso": REGION_COLORS["special"],
    "vvar": REGION_COLORS["special"],
    "vsyscall": REGION_COLORS["special"],
    "special": REGION_COLORS["special"],
    "gap": "white",
}


def _regions(space):
    """(regions, span, title) of a Layout or of a Maps (kernel-half mappings dropped)."""
    if isinstance(space, Layout):
        return space.regions, (0, space.user_top), f"{space.bits}-bit model"
    maps = getattr(space, "mappings", None)
    if maps is None:
        raise TypeError(f"space must be an address.layout.Layout or an address.maps.Maps, "
                        f"got {type(space).__name__}")  # fmt: skip
    user = tuple(m for m in maps if m.end <= USER_END_64)
    return user, (0, USER_END_64), f"/proc/self/maps ({space.source})"


def space_map(space, ax=None, *, title: str | None = None, merge: bool = True,
              label_size: float = 7.0):  # fmt: skip
    """Draw a Layout or Maps on a compressed vertical axis, each band labelled; return the Axes."""
    regions, span, default_title = _regions(space)
    axis = compressed_axis(regions, span=span, merge=merge)
    if ax is None:
        _, ax = figure(width=6.5, height=max(3.0, 0.11 * axis.height + 0.8))
    for band in axis.bands:
        gap = band.kind == "gap"
        # add_artist, not add_patch: the limits are set below, and measuring every band for
        # autoscaling was a fifth of a dashboard redraw
        ax.add_artist(Rectangle((0, band.y0), 1, band.y1 - band.y0,
                                facecolor=KIND_COLORS.get(band.kind, REGION_COLORS["anon"]),
                                edgecolor=GREYS["edge"] if gap else "white", linewidth=0.5,
                                hatch="////" if gap else None))  # fmt: skip
        text = band.label if not gap else f"... {band.label} ..."
        ax.text(1.05, (band.y0 + band.y1) / 2, text, va="center", fontsize=label_size,
                color=GREYS["text"] if gap else "black", style="italic" if gap else "normal")
    gaps = [b for b in axis.bands if b.kind == "gap"]
    # one tick where each hole ends (a region starts), so the labels never collide
    ticks = [(b.y1, b.end) for b in gaps if b.y1 < axis.height] + [(axis.height, axis.bands[-1].end)]
    ax.set_yticks([y for y, _ in ticks], [f"{a:#x}" for _, a in ticks], fontsize=label_size)
    ax.set_xlim(0, 3.2)
    ax.set_ylim(0, axis.height)
    ax.set_xticks([])
    ax.grid(False)
    ax.spines[["bottom", "right", "top"]].set_visible(False)
    ax.set_title(title or f"{default_title}: compressed, low addresses at the bottom")
    return ax


def to_scale(space, ax=None, *, title: str | None = None):
    """Draw a Layout or Maps at true scale on a linear vertical axis; return the Axes.

    Every region is at least a hairline (its edge), so tiny ones stay findable.
    """
    regions, (lo, hi), _ = _regions(space)
    if ax is None:
        _, ax = figure(width=1.8, height=4.0)
    for r in regions:  # add_artist: the limits are set below (see space_map)
        color = KIND_COLORS.get(r.kind, REGION_COLORS["anon"])
        ax.add_artist(Rectangle((0, r.start), 1, r.end - r.start, facecolor=color,
                                edgecolor=color, linewidth=0.6))  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(lo, hi)
    ticks = [lo + (hi - lo) * k // 4 for k in range(5)]
    ax.set_yticks(ticks, [format_size(t) if t else "0" for t in ticks])
    ax.set_xticks([])
    ax.grid(False)
    ax.set_title(title or "to scale")
    return ax


def side_by_side(small: Layout, big: Layout):
    """Two layouts (say 32- and 64-bit) as compressed maps next to each other; return the Figure."""
    n = max(compressed_axis(lay).height for lay in (small, big))
    fig, axes = figure(ncols=2, width=10.0, height=max(3.0, 0.11 * n + 0.8))
    for ax, lay in zip(axes, (small, big), strict=True):
        space_map(lay, ax, title=f"{lay.bits}-bit: {format_size(lay.user_top)} of user space")
    return fig


def fill_axes(fig):
    """Give an empty figure the dashboard's two axes: compressed map (wide) and to-scale bar."""
    fig.set_layout_engine(None)  # fixed margins: constrained layout costs a second draw
    fig.subplots(1, 2, width_ratios=[3, 1])
    fig.subplots_adjust(left=0.13, right=0.96, top=0.90, bottom=0.04, wspace=0.45)
    return fig


def fill_figure(lay: Layout):
    """The dashboard's picture of `lay` as a standalone Figure, its summary as the title."""
    fig, _ = figure(width=7.5, height=4.8)
    fig.clear()
    fig.suptitle(fill_view(lay, fill_axes(fig)), fontsize=9)
    return fig


def fill_view(lay: Layout, fig) -> str:
    """Dashboard view: compressed map (left) and to-scale bar (right) of `lay`; return a summary."""
    left, right = fig.axes
    space_map(lay, left, title=f"{lay.bits}-bit, compressed", label_size=6.5)
    to_scale(lay, right, title="to scale")
    return (f"{lay.threads_placed:,} of {lay.threads:,} threads placed; "
            f"{lay.threads_fit:,} fit; stacks take {100 * lay.fill:.3g}% of the free space")  # fmt: skip


def layout_table(lay: Layout) -> str:
    """The regions of a Layout, high addresses first, as a plain-text table."""
    rows = [f"{'region':<24}{'start':>16}{'size':>12}  grows", "-" * 60]
    for r in reversed(lay.regions):
        rows.append(f"{r.name:<24}{r.start:>#16x}{format_size(r.size):>12}  {r.grows or ''}")
    rows.append(f"{lay.bits}-bit: {lay.threads_placed} of {lay.threads} threads placed, "
                f"{lay.threads_fit:,} would fit")  # fmt: skip
    return "\n".join(rows)


def maps_table(maps, kinds: tuple[str, ...] | None = None) -> str:
    """Mappings of a Maps (optionally only some kinds) as 'start-end perms size kind name' lines."""
    rows = [f"{'start-end':<27} {'perms':<5} {'size':>10}  {'kind':<12} name"]
    for m in maps.mappings:
        if kinds is None or m.kind in kinds:
            rows.append(f"{m.start:012x}-{m.end:012x} {m.perms:<5} {format_size(m.size):>10}  "
                        f"{m.kind:<12} {m.name}")  # fmt: skip
    return "\n".join(rows)


def kind_summary(maps) -> str:
    """How many mappings and bytes of each kind a Maps holds, plus where it came from."""
    note = f"; {maps.note}" if maps.note else ""
    rows = [f"source: {maps.source} ({maps.origin}{note})", f"{'kind':<14}{'mappings':>9}{'bytes':>12}"]
    for kind, n in maps.counts().items():
        size = sum(m.size for m in maps.of_kind(kind))
        rows.append(f"{kind:<14}{n:>9}{format_size(size):>12}")
    rows.append(f"{'total':<14}{len(maps.mappings):>9}{format_size(maps.total):>12}")
    return "\n".join(rows)
