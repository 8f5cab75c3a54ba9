"""Dashboard for notebook 02: what a thread's stack costs, what caps the count, where it overflows."""

from __future__ import annotations

import ipywidgets as W

from ..address.layout import format_size
from ..labs.threads import FRAME_SIZES, GUARD_SIZES, STACK_SIZES, THREAD_COUNTS, depth_sweep, thread_costs
from ..plots import threads as plots
from ..plots.style import figure
from .base import Dashboard

__all__ = ["ThreadBudget", "DASHBOARDS"]

# thread_costs accepts frame <= stack / 2; the largest frame stop is 64 KiB, so the
# stack slider starts at 128 KiB and no combination of slider positions can raise.
STACKS = tuple(s for s in STACK_SIZES if s >= 2 * FRAME_SIZES[-1])


def _sizes(values) -> list[tuple[str, int]]:
    return [(format_size(v) if v else "none", v) for v in values]


class ThreadBudget(Dashboard):
    """stack, guard, frame, threads -> labs.threads.thread_costs + depth_sweep, plotted."""


    height = "340px"

    def controls(self):
        style = {"description_width": "initial"}
        return {  # threads first: its readout ("2,048") is the value itself, which browser tests compare
            "threads": W.SelectionSlider(options=[(f"{n:,}", n) for n in THREAD_COUNTS], value=1024,
                                         description="threads", style=style, continuous_update=False),
            "stack": W.SelectionSlider(options=_sizes(STACKS), value=8 << 20, description="stack",
                                       style=style, continuous_update=False),
            "guard": W.SelectionSlider(options=_sizes(GUARD_SIZES), value=4096, description="guard",
                                       style=style, continuous_update=False),
            "frame": W.SelectionSlider(options=[(f"{f} B", f) for f in FRAME_SIZES], value=128,
                                       description="frame", style=style, continuous_update=False),
        }  # fmt: skip

    def new_figure(self):
        fig, _ = figure(width=9.0, height=4.0)
        fig.clear()
        return plots.costs_axes(fig)

    def draw(self, fig, stack, guard, frame, threads) -> str:
        costs = thread_costs(stack, guard, frame, threads)
        sweep = depth_sweep(stack, FRAME_SIZES, guard=guard)
        return plots.costs_view(costs, sweep, fig)


DEFAULTS = {"stack": 8 << 20, "guard": 4096, "frame": 128, "threads": 1024}
DASHBOARDS = {
    "threads.ThreadBudget": (ThreadBudget, DEFAULTS, [
        {"stack": STACKS[0], "guard": 0, "frame": FRAME_SIZES[-1], "threads": THREAD_COUNTS[-1]},
        {"stack": STACKS[-1], "guard": GUARD_SIZES[-1], "frame": FRAME_SIZES[0], "threads": 1},
    ]),
}  # fmt: skip
