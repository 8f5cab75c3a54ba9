"""Figures for the course: run records in, Axes or text tables out, one module per topic.

Plot functions only read records; they never run a model. The six topic modules carry the
course's topic keys (address, threads, sched, segmented, copying, compiler), and all of them
draw with `plots.style`, so `from gostack_kit import plots` is the only import a notebook needs.
Imported in a kernel, it also makes every figure the notebook shows carry a text alternative
(`style.register_text_alternatives`): `plt.show()` then sends an <img> with alt text and the
same description as plain text.
"""

from . import address, compiler, copying, sched, sched_compare, segmented, threads
from .style import COLORS, STYLE, alt, describe, figure, kib, register_text_alternatives, text_table

__all__ = ["COLORS", "STYLE", "alt", "describe", "figure", "kib", "text_table",
           "address", "threads", "sched", "sched_compare", "segmented", "copying", "compiler"]

register_text_alternatives()  # a no-op outside IPython
