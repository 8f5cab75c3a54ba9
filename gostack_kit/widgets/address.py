"""Dashboard for notebook 01: watch thread stacks fill a 32-bit or a 64-bit address space."""

from __future__ import annotations

import ipywidgets as W

from ..address.layout import format_size, layout
from ..labs.threads import STACK_SIZES, THREAD_COUNTS
from ..plots import address as plots
from ..plots.style import figure
from .base import Dashboard

__all__ = ["StacksFill", "DASHBOARDS"]

DETAIL = 2  # stacks drawn one by one before the rest merge into one band (keeps it legible)


def _sizes(values) -> list[tuple[str, int]]:
    return [(format_size(v), v) for v in values]


class StacksFill(Dashboard):
    """bits, thread_stack, threads -> address_space.layout, compressed and to scale."""


    height = "400px"

    def controls(self):
        # threads first: its readout ("2,048") is the value itself, which browser tests compare
        style = {"description_width": "initial"}
        return {
            "bits": W.ToggleButtons(options=[("32-bit", 32), ("64-bit", 64)], value=32,
                                    description="process", style=style),
            "threads": W.SelectionSlider(options=[("0", 0)] + [(f"{n:,}", n) for n in THREAD_COUNTS],
                                         value=256, description="threads", style=style,
                                         continuous_update=False),
            "thread_stack": W.SelectionSlider(options=_sizes(STACK_SIZES), value=8 << 20,
                                              description="thread stack", style=style,
                                              continuous_update=False),
        }  # fmt: skip

    def new_figure(self):
        fig, _ = figure(width=7.5, height=4.6)
        fig.clear()
        return plots.fill_axes(fig)

    def draw(self, fig, bits, thread_stack, threads) -> str:
        lay = layout(bits, threads, thread_stack, detail=DETAIL)
        return plots.fill_view(lay, fig)


DEFAULTS = {"bits": 32, "thread_stack": 8 << 20, "threads": 256}
DASHBOARDS = {
    "address.StacksFill": (StacksFill, DEFAULTS, [
        {"bits": 32, "thread_stack": 1 << 30, "threads": THREAD_COUNTS[-1]},
        {"bits": 64, "thread_stack": STACK_SIZES[0], "threads": THREAD_COUNTS[-1]},
        {"bits": 64, "thread_stack": 1 << 30, "threads": THREAD_COUNTS[-1]},
    ]),
}  # fmt: skip
