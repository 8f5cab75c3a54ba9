"""The course's one figure style: colours, rcParams, a figure factory and text helpers.

Every topic module of `plots` draws with these, so that every figure in the course looks
like part of one book.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..core.text import text_table  # noqa: F401  (re-exported: the figure modules format tables with it)

__all__ = ["COLORS", "GREYS", "PALETTE", "REGION_COLORS", "SERIES", "STYLE", "TINTS", "figure", "kib",
           "text_table"]

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
