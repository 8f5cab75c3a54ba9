"""The course's one figure style: colours, rcParams, a figure factory and text helpers.

Every topic module of `plots` draws with these, so that every figure in the course looks
like part of one book.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..core.text import text_table  # noqa: F401  (re-exported: the figure modules format tables with it)

__all__ = ["COLORS", "STYLE", "figure", "kib", "text_table"]

#: One colour per mechanism, used the same way in every notebook.
COLORS = {
    "thread": "#4C72B0",  # OS thread stacks
    "goroutine": "#55A868",  # goroutine stacks
    "segmented": "#C44E52",  # Go 1.2 segments
    "contiguous": "#8172B2",  # Go 1.3+ copying stacks
    "heap": "#CCB974",
    "guard": "#222222",
    "free": "#DDDDDD",
    "highlight": "#DD8452",
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
