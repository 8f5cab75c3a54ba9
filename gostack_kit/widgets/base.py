"""The Dashboard base class shared by every notebook's widgets."""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable

import ipywidgets as W
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

TOPICS = ("address", "threads", "sched", "segments", "copying", "compiler")  # widgets.<topic>


class Dashboard:
    """Sliders + a figure + a status line; subclasses define `controls()` and `draw(fig, **v)`."""

    height = "340px"  # fixed output height: the page must not jump while a slider moves

    def __init__(self, **initial):
        self.sliders: dict[str, W.ValueWidget] = self.controls()
        for name, value in initial.items():
            if name not in self.sliders:
                raise ValueError(f"unknown control {name!r}; controls are {sorted(self.sliders)}")
            self.sliders[name].value = value
        self.fig = self.new_figure()
        plt.close(self.fig)  # drawn to PNG by the dashboard only: an inline backend must not show it too
        self.canvas = FigureCanvasAgg(self.fig)  # rendered directly, without savefig's extra passes
        self.image = W.Image(format="png", layout=W.Layout(height=self.height, object_fit="contain"))
        self.status = W.HTML(layout=W.Layout(height="1.6em"))
        for name, s in self.sliders.items():
            s.observe(self._changed, names="value")
            s.add_class(f"gostack-ctl-{name}")  # browser tests find controls by engine name
        self.image.add_class("gostack-figure")
        self.status.add_class("gostack-status")
        self.widget = W.VBox([W.HBox(list(self.sliders.values()),
                                     layout=W.Layout(flex_flow="row wrap")),
                              self.image, self.status])
        self.widget.add_class("gostack-dashboard")
        self.update()

    # -- to override ------------------------------------------------------------

    def controls(self) -> dict[str, W.ValueWidget]:
        """The sliders and toggles of this dashboard, by engine argument name."""
        raise NotImplementedError

    def new_figure(self):
        """The persistent figure this dashboard redraws."""
        from ..plots import figure

        return figure()[0]

    def draw(self, fig, **values) -> str:
        """Recompute with the engine and redraw `fig`; return a one-line summary."""
        raise NotImplementedError

    # -- machinery ---------------------------------------------------------------

    def values(self) -> dict:
        """The current control values, by name."""
        return {name: s.value for name, s in self.sliders.items()}

    def update(self, **values) -> str:
        """Set controls (if given), recompute, redraw; return the status line."""
        for name, value in values.items():
            self.sliders[name].unobserve(self._changed, names="value")
            try:
                self.sliders[name].value = value
            finally:
                self.sliders[name].observe(self._changed, names="value")
        v = self.values()
        for ax in self.fig.axes:
            ax.clear()
        summary = self.draw(self.fig, **v)
        self.image.value = self.png()
        drawn = ", ".join(f"{k}={val}" for k, val in v.items())
        self.status.value = f"<code>drawn: {drawn}</code> {summary}"
        return self.status.value

    def png(self) -> bytes:
        """The figure as PNG bytes: one Agg draw, then a fast zlib level (the image is small)."""
        self.canvas.draw()
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        image.save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def _changed(self, _change) -> None:
        self.update()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def close(self) -> None:
        """Release the figure (benchmarks and tests create many dashboards)."""
        plt.close(self.fig)
        self.widget.close()


def registry() -> dict[str, tuple[Callable[..., Dashboard], dict, list[dict]]]:
    """Every dashboard of the course: name -> (factory, default values, extreme settings)."""
    out = {}
    for topic in TOPICS:
        try:
            mod = importlib.import_module(f"{__package__}.{topic}")
        except ModuleNotFoundError as e:
            if e.name != f"{__package__}.{topic}":
                raise
            continue
        out.update(mod.DASHBOARDS)
    return out
