"""The course's one figure style: colours, rcParams, a figure factory and text helpers.

Every topic module of `plots` draws with these, so that every figure in the course looks
like part of one book.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt

from ..core.text import text_table  # noqa: F401  (re-exported: the figure modules format tables with it)

__all__ = ["COLORS", "GREYS", "PALETTE", "REGION_COLORS", "SERIES", "STYLE", "TINTS", "figure", "kib",
           "text_table", "alt", "describe", "describe_axes", "figure_html", "register_text_alternatives"]

#: The course palette: eight colours, every pair of which stays apart (CIEDE2000 >= 8) in
#: normal vision, under protanopia, deuteranopia and tritanopia (Machado et al. 2009
#: simulation at full severity) and in greyscale; tests/test_plots_style.py checks it.
#: They were found by a search that kept each hue and spread the lightness from near black
#: to light grey, since greyscale leaves lightness as the only difference.
PALETTE = ("#1A1A1A", "#2C12A6", "#80356C", "#CA263C", "#12916F", "#F77310", "#D6B378", "#DCDCDC")

#: One colour per mechanism, used the same way in every notebook (all from PALETTE).
COLORS = {
    "guard": PALETTE[0],  # guard pages, limits and reference lines: near black
    "thread": PALETTE[1],  # OS thread stacks: deep blue
    "contiguous": PALETTE[2],  # Go 1.3+ copying stacks: plum
    "segmented": PALETTE[3],  # Go 1.2 segments: red
    "goroutine": PALETTE[4],  # goroutine stacks: green
    "highlight": PALETTE[5],  # the one thing to look at: orange
    "heap": PALETTE[6],  # the heap: tan
    "free": PALETTE[7],  # free or unused space: light grey
}

#: Colours for several lines or bars of one kind in one figure (Go versions, budgets), in order.
SERIES = (COLORS["thread"], COLORS["highlight"], COLORS["goroutine"], COLORS["contiguous"],
          COLORS["segmented"], COLORS["heap"])

#: Greys for edges, hatching and secondary marks (never the only difference between two data series).
GREYS = {"edge": "#999999", "text": "#666666", "mark": "#777777", "fill": "#BBBBBB", "other": "#8C8C8C"}

#: Lighter tints of a palette colour, for alternating fills of one kind (frames of one segment).
TINTS = {"segmented": "#E5939E"}

#: Address-space regions in notebook 01's maps. Every region is drawn with its name written
#: on it, so these fills may be close; the mechanisms among them use the palette.
REGION_COLORS = {
    "text": "#937860", "rodata": "#B5A48C", "data": "#DA8BC3", "bss": "#EBC2E0",
    "mmap": "#8DB6D6", "anon": "#B8B8B8", "reserved": "#F2F2F2", "special": "#64B5CD",
}

#: rcParams applied to every figure (small, legible, no chart junk).
STYLE = {
    "figure.dpi": 80,  # small PNGs: a redraw must fit in a slider's frame budget
    "savefig.dpi": 80,
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "legend.frameon": False,
}


def figure(ncols: int = 1, nrows: int = 1, width: float = 8.0, height: float = 3.2):
    """A new (fig, axes) pair in the course style."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=True)
    fig.set_layout_engine("constrained")
    return fig, axes


def kib(n: float) -> str:
    """A byte count as a short human string (B, KiB, MiB, GiB, TiB)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" or n == int(n) else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} TiB"


# -- text alternatives ---------------------------------------------------------------------------
# Every figure carries a text alternative that says what it shows (WCAG 2.1 SC 1.1.1). It is
# read from the drawn figure itself, so it can never disagree with the picture: each panel's
# title, its axes (label, range, scale), its legend, its categories and the words written on
# it. A plot function that knows a better sentence sets it with `alt(ax, text)`.

ALT_ITEMS = 12  # legend entries, categories or labels named per panel before "and N more"


def alt(ax, text: str):
    """Attach `text` as the description of the panel `ax` (used before the generic one); return ax."""
    ax._gostack_alt = str(text)
    return ax


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 or float(v).is_integer() else f"{v:.3g}"


def _some(items: list[str]) -> str:
    items = [s for s in dict.fromkeys(i.strip().replace("\n", " ") for i in items) if s]
    more = len(items) - ALT_ITEMS
    return ", ".join(items[:ALT_ITEMS]) + (f" and {more} more" if more > 0 else "")


def _spoken(text: str) -> str:
    """A tick label as a screen reader should say it: matplotlib's log ticks are mathtext."""
    return re.sub(r"\$\\mathdefault\{(.*?)\}\$", r"\1", text).replace("{", "").replace("}", "")


def _axis(ax, which: str) -> str:
    axis = ax.xaxis if which == "x" else ax.yaxis
    label = axis.get_label().get_text().strip()
    words = [_spoken(t.get_text()) for t in axis.get_ticklabels() if t.get_text()]
    numeric = all(w.replace(",", "").replace(".", "").replace("−", "").lstrip("-").isdigit() for w in words)
    if words and not numeric:
        span = "categories " + _some(words)
    else:
        lo, hi = sorted(ax.get_xlim() if which == "x" else ax.get_ylim())
        span = f"from {_num(lo)} to {_num(hi)}"
    scale = axis.get_scale()
    return f"{'horizontal' if which == 'x' else 'vertical'} axis {label or '(unlabelled)'}, {span}" + (
        f", {scale} scale" if scale != "linear" else "")


def describe_axes(ax, twin: bool = False) -> str:
    """One panel in words: its title, both axes, what is drawn and the text written on it."""
    if getattr(ax, "_gostack_alt", None):
        return ax._gostack_alt
    title = " ".join(t for t in (ax.get_title(loc) for loc in ("left", "center", "right")) if t).strip()
    if twin:  # twinx(): a second y axis over the same panel, sharing its x axis
        parts = ([f"'{title}'"] if title else []) + ["on the same panel, a second " + _axis(ax, "y")]
    else:
        axes = [_axis(ax, "x"), _axis(ax, "y")] if ax.axison else []
        parts = [f"'{title}'" if title else "a panel", *axes]
    legend = ax.get_legend()
    if legend is not None:
        parts.append("legend: " + _some([t.get_text() for t in legend.get_texts()]))
    drawn = [(len(ax.lines), "line"), (len(ax.patches), "shape"), (len(ax.collections), "group of marks")]
    parts.append(", ".join(f"{n} {w}{'s' if n > 1 else ''}" for n, w in drawn if n) or "nothing drawn")
    texts = [t.get_text() for t in ax.texts]
    if texts:
        parts.append("labels on it: " + _some(texts))
    return "; ".join(parts)


def describe(fig) -> str:
    """The text alternative of a whole figure: its title and each panel (`describe_axes`)."""
    axes = [ax for ax in fig.axes if ax.get_visible()]
    twins = {id(ax) for i, ax in enumerate(axes) for first in axes[:i] if _twin(first, ax)}
    panels = [ax for ax in axes if id(ax) not in twins]
    head = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    body = []
    for ax in panels:
        body.append("; ".join([describe_axes(ax)] + [describe_axes(t, twin=True) for t in axes
                                                      if id(t) in twins and _twin(ax, t)]))
    if len(body) > 1:
        body = [f"panel {i} of {len(body)}: {b}" for i, b in enumerate(body, 1)]
    count = f"{len(panels)} panel{'s' if len(panels) != 1 else ''}"
    return f"Figure{': ' + head if head else ''} with {count}. " + ". ".join(body) + "."


def _twin(first, ax) -> bool:
    """Whether ax is a twinx() of first: the same place on the figure and the same x axis."""
    return first is not ax and first.get_shared_x_axes().joined(first, ax) and (
        first.get_position().bounds == ax.get_position().bounds)


def figure_html(fig) -> str:
    """The figure as an <img> with its description as alt text (what JupyterLab shows)."""
    import base64
    import html
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(describe(fig))}">'


def register_text_alternatives(ip=None) -> bool:
    """In an IPython kernel, make every displayed Figure carry its description (html alt + text/plain)."""
    from matplotlib.figure import Figure

    if ip is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        ip = get_ipython()
    if ip is None or not hasattr(ip, "display_formatter"):
        return False

    def install(*_):
        # `%matplotlib inline` drops every Figure formatter, so they are put back before each cell
        formatters = ip.display_formatter.formatters
        formatters["text/html"].for_type(Figure, figure_html)
        formatters["text/plain"].for_type(Figure, _plain)

    install()
    hooks = ip.events.callbacks["pre_run_cell"]
    if install.__qualname__ not in {getattr(f, "__qualname__", "") for f in hooks}:
        ip.events.register("pre_run_cell", install)
    return True


def _plain(fig, printer, cycle) -> None:
    printer.text(describe(fig))
