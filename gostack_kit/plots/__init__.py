"""Figures for the course: run records in, Axes or text tables out, one module per topic.

Plot functions only read records; they never run a model. The six topic modules carry the
course's topic keys (address, threads, sched, segmented, copying, compiler), and all of them
draw with `plots.style`, so `from gostack_kit import plots` is the only import a notebook needs.
"""

from . import address, compiler, copying, sched, segmented, threads
from .style import COLORS, STYLE, figure, kib, text_table

__all__ = ["COLORS", "STYLE", "figure", "kib", "text_table",
           "address", "threads", "sched", "segmented", "copying", "compiler"]
