"""Dashboards for notebook 06: the toy compiler's switches against calls, checks, frames, garbage.

    program, inlining, budget, escape, calls ──> Compiler(...).run(program, calls)
                                                   └─> plots.compiler.lab_panels(run, Go defaults)

The right-hand reference is always the same program under Go's defaults (inlining on,
budget 80, escape analysis on), so every slider move shows what that one switch costs.
"""

from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ..compiler.passes import INLINE_MAX_BUDGET, Compiler
from ..labs import compiler as lab
from ..plots import compiler as show
from ..plots.style import STYLE
from .base import Dashboard

__all__ = ["CompilerLab", "DASHBOARDS"]

CALL_COUNTS = (1, 10, 100, 1_000, 10_000, 100_000, 1_000_000)  # runs of main (log steps)
MAX_BUDGET = 400  # far past any example's largest cost (big_locals main: 340)


class CompilerLab(Dashboard):
    """Inlining on/off and budget, escape analysis on/off, runs of main -> counters and frames."""


    height = "330px"

    def controls(self):
        return {
            "program": W.Dropdown(options=list(lab.EXAMPLES), value="outer_inner",
                                  description="program"),
            "inlining": W.Checkbox(value=True, description="inlining"),
            "budget": W.IntSlider(value=INLINE_MAX_BUDGET, min=0, max=MAX_BUDGET, step=1,
                                  description="budget", continuous_update=False),
            "escape": W.Checkbox(value=True, description="escape analysis"),
            "calls": W.SelectionSlider(options=list(CALL_COUNTS), value=1_000,
                                       description="runs", continuous_update=False),
        }

    def new_figure(self):
        # A Figure outside pyplot: the inline backend does not print a second, static copy
        # under the widget; fixed margins, because constrained layout costs ~100 ms a redraw.
        with plt.rc_context(STYLE):
            fig = Figure(figsize=(9.0, 3.4), dpi=STYLE["figure.dpi"])
            fig.subplots(1, 2)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.9, wspace=0.25)
        return fig

    def draw(self, fig, program, inlining, budget, escape, calls):
        prog = lab.EXAMPLES[program]()
        run = Compiler(inlining=inlining, budget=budget, escape=escape).run(prog, calls)
        reference = Compiler().run(prog, calls)
        show.lab_panels(run, reference, fig.axes)
        return (f"calls {run.calls_executed:,}, stack checks {run.stack_checks:,}, "
                f"heap allocs {run.heap_allocs:,}, deepest stack {run.max_stack:,} B")


DASHBOARDS = {
    "compiler.lab": (CompilerLab, {"program": "outer_inner", "inlining": True, "budget": 80,
                                   "escape": True, "calls": 1_000},
                     [{"program": "walk", "inlining": True, "budget": MAX_BUDGET,
                       "escape": True, "calls": 1_000_000},
                      {"program": "big_locals", "inlining": False, "budget": 0,
                       "escape": False, "calls": 1}]),
}
