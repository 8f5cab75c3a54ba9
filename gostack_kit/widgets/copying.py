"""Dashboards for notebook 05: a copying stack's growths, and an animation of one recursion."""

from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..core import versions
from ..core.trace import CallTrace
from ..labs import copying as lab
from ..plots import copying as P
from ..plots.style import STYLE, kib
from ..stacks.copying import ContiguousStack
from .base import Dashboard

__all__ = ["CopyGrowth", "GrowthAnimation", "DASHBOARDS"]

#: Go versions with copying stacks that the dashboard offers.
VERSIONS = ("1.3", "1.4", "1.19", "1.27")
#: Bytes in use when the recursion's first call starts (a goroutine's entry frames, as measured
#: by stack_moves: 136 on Go 1.27.3; 120 keeps the figures of the notebook's other cells).
ENTRY_USED = 120


def _slider(cls, description, value, lo, hi, step=1):
    return cls(value=value, min=lo, max=hi, step=step, description=description,
               continuous_update=False, layout=W.Layout(width="300px"))


def _figure(width, height, ncols=1, **margins):
    """A figure outside pyplot (the inline backend must not show it again) with fixed margins
    (constrained layout would re-measure every artist on every redraw)."""
    with plt.rc_context(STYLE):
        fig = Figure(figsize=(width, height))
        fig.subplots(1, ncols)
    fig.subplots_adjust(right=0.98, top=0.88, **margins)
    return fig


class CopyGrowth(Dashboard):
    """Initial size, frame, depth and Go version -> growths, bytes copied and cost per call."""


    def controls(self):
        sizes = [("version default", 0)] + [(kib(1 << k), 1 << k) for k in range(11, 17)]
        return {
            "initial_size": W.Dropdown(options=sizes, value=0, description="initial"),
            "frame": _slider(W.IntSlider, "frame B", 88, 8, 16384, 8),
            "depth": _slider(W.IntSlider, "depth", 1000, 0, 4000),
            "version": W.Dropdown(options=VERSIONS, value="1.27", description="Go"),
        }

    def new_figure(self):
        return _figure(9.0, 3.4, ncols=2, left=0.1, bottom=0.16, wspace=0.3)

    def draw(self, fig, initial_size, frame, depth, version) -> str:
        floor = versions.get(version).stack_min
        start = max(initial_size, floor) if initial_size else None
        note = f" (raised to Go {version}'s minimum {kib(floor)})" if 0 < initial_size < floor else ""
        trace = CallTrace.recursion(frame=frame, depth=depth, entry_used=ENTRY_USED)
        run = ContiguousStack(version, initial_size=start).run(trace)
        prof = lab.depth_profile(run, trace)
        curve = lab.recursion_cost(version, frame, depth, ENTRY_USED, initial_size=start)
        seg = lab.recursion_cost("1.2", frame, depth, ENTRY_USED)
        left, right = fig.axes
        P.growth_steps([prof], ax=left, legend=False)
        P.cost_per_call([seg, curve], ax=right, legend=False, dots=False)
        # y=1.0 fixes the titles' position: matplotlib skips re-measuring the ticks under them
        left.set_title(f"Go {version}: size (line), in use (dashes): {len(run.growths)} growths",
                       fontsize=10, y=1.0)
        right.set_title(f"ns/call: Go {version} copying (purple), 1.2 segments (red)",
                        fontsize=10, y=1.0)
        for ax in fig.axes:
            ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        return (f"{len(run.growths)} growths, {run.bytes_copied:,} B copied, final "
                f"{kib(run.final_size)}, {curve.per_call_ns[-1]:.1f} ns per call "
                f"(segments: {seg.per_call_ns[-1]:.1f}){note}")


class GrowthAnimation(Dashboard):
    """A recursion growing its stack, frame by frame (Play steps the slider every 300 ms)."""


    height = "200px"

    def __init__(self, frame: int = 88, depth: int = 400, version: str = "1.27", **initial):
        self.frames = lab.growth_frames(frame, depth, version, entry_used=ENTRY_USED)
        self.top = self.frames[-1].size
        super().__init__(**initial)
        self.play = W.Play(value=0, min=0, max=len(self.frames) - 1, interval=300,
                           description="play")
        W.jslink((self.play, "value"), (self.sliders["i"], "value"))
        self.widget.children = (W.HBox([self.play, *self.sliders.values()]),
                                *self.widget.children[1:])

    def controls(self):
        return {"i": W.IntSlider(value=0, min=0, max=len(self.frames) - 1, description="picture",
                                 continuous_update=True, layout=W.Layout(width="400px"))}

    def new_figure(self):
        return _figure(8.0, 2.2, left=0.03, bottom=0.25)

    def draw(self, fig, i) -> str:
        f = self.frames[i]
        P.anim_frame(fig.axes[0], f, self.top)
        fig.axes[0].set_title(fig.axes[0].get_title(), y=1.0)  # fixed position: no tick re-measuring
        return f"depth {f.depth}: {kib(f.size)} stack, {f.used:,} B in use"


DASHBOARDS = {
    "copying.growth": (CopyGrowth, {"initial_size": 0, "frame": 88, "depth": 1000, "version": "1.27"},
                       [{"frame": 16384, "depth": 4000, "version": "1.3", "initial_size": 2048},
                        {"frame": 8, "depth": 0, "version": "1.4", "initial_size": 65536}]),
    "copying.animation": (GrowthAnimation, {"i": 0}, [{"i": 20}]),
}
