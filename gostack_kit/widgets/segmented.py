"""Dashboard for notebook 4: where a hot loop runs decides whether every call splits."""

from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..core.trace import CallTrace
from ..labs import segmented as lab
from ..plots import segmented as plots
from ..plots.style import STYLE
from ..stacks.segmented import SegmentedStack
from .base import Dashboard

__all__ = ["HotSplit", "DASHBOARDS"]

#: Deepest caller depth on the sweep: 300 frames of 96 bytes span about 3.5 segments of 8 KB.
MAX_DEPTH = 300
#: Minimum segment sizes offered: Go 1.1's 4 KB and Go 1.2's 8 KB, with one step either side.
STACK_MINS = (2048, 4096, 8192, 16384)
#: Loop iteration counts offered (a log scale: setup cost fades as the loop runs longer).
ITERATIONS = (1, 10, 100, 1000, 10000)


class HotSplit(Dashboard):
    """StackMin, caller depth, callee frame, iterations -> splits and ns per iteration."""


    def controls(self):
        """A StackMin dropdown and sliders for the depth, the callee's frame and the iterations."""
        style = {"description_width": "initial"}
        return {
            "stack_min": W.Dropdown(options=[(f"{m // 1024} KB", m) for m in STACK_MINS], value=8192,
                                    description="StackMin", style=style),
            "depth": W.IntSlider(value=81, min=0, max=MAX_DEPTH, description="caller depth",
                                 continuous_update=False, style=style),
            "callee": W.IntSlider(value=200, min=8, max=8192, step=8, description="callee frame",
                                  continuous_update=False, style=style),
            "n": W.SelectionSlider(options=ITERATIONS, value=1000, description="iterations",
                                   continuous_update=False, style=style),
        }

    def new_figure(self):
        """Two panels: cost against depth, and the segments at the chosen depth."""
        # Not a pyplot figure: the inline backend must not print it again under the widget.
        # Fixed margins: constrained layout would re-measure every artist on every redraw.
        with plt.rc_context(STYLE):
            fig = Figure(figsize=(9.0, 3.3))
            fig.subplots(1, 2)
        fig.subplots_adjust(left=0.09, right=0.99, bottom=0.2, top=0.9, wspace=0.25)  # room for 62.15
        return fig

    def draw(self, fig, stack_min, depth, callee, n) -> str:
        """Sweep every depth with the segmented model, then draw the chosen depth's segments."""
        stack = SegmentedStack("1.2", stack_min=stack_min)
        sweep = lab.hot_split_sweep(stack, MAX_DEPTH, callee, n)
        loop = CallTrace.hot_loop(depth, lab.CALLER_FRAME, callee, 1)
        snap = lab.snapshot(stack, loop, depth + 2)  # just after the callee's call
        ax_cost, ax_seg = fig.axes
        plots.loop_cost(sweep, depth, ax=ax_cost)
        plots.segment_chain(snap, ax=ax_seg, legend=False)
        # Headings as plain texts: a title makes matplotlib measure every tick to place it.
        ax_cost.set_title("")
        ax_seg.set_title("")
        ax_cost.text(0.5, 1.03, f"ns per iteration, StackMin {stack_min // 1024} KB", ha="center",
                     transform=ax_cost.transAxes)
        ax_seg.text(0.5, 1.03, f"segments while the callee runs (depth {depth})", ha="center",
                    transform=ax_seg.transAxes)
        # Few ticks: text is most of a redraw's cost.
        ax_cost.set_xticks(range(0, MAX_DEPTH + 1, 100))
        ax_cost.yaxis.set_major_locator(MaxNLocator(4))
        ax_seg.yaxis.set_major_locator(MaxNLocator(3))
        return (f"depth {depth}: {int(sweep.split_per_iter[depth])} split(s) per iteration, "
                f"{int(sweep.splits[depth])} splits in all, "
                f"{sweep.ns_per_iter[depth]:.1f} ns per iteration")


DASHBOARDS = {
    "segmented.HotSplit": (HotSplit, {"stack_min": 8192, "depth": 81, "callee": 200, "n": 1000},
                          [{"stack_min": 2048, "depth": MAX_DEPTH, "callee": 8192, "n": 10000},
                           {"stack_min": 16384, "depth": 0, "callee": 8, "n": 1}]),
}
