"""The Dashboard base class shared by every notebook's widgets, and the canvas it draws on.

A redraw must fit a slider's frame budget (<= 100 ms, engine included:
benchmarks/bench_widgets.py), so the base keeps what does not change between updates: the
Axes with their tick objects (`_undraw` takes back only what a draw added), and, on the
matplotlib releases it is tested with, each string's rendered bitmap and font metrics
(`_TextCachingRenderer`). On any other release the dashboards draw text the plain way.
"""

from __future__ import annotations

import importlib
import math
import struct
import time
import zlib
from collections.abc import Callable

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import fontManager, get_font
from matplotlib.transforms import Bbox
from traitlets import TraitError

TOPICS = ("address", "threads", "sched", "segmented", "copying", "compiler")  # widgets.<topic>
TEXT_CACHE = 4096  # rendered strings kept per dashboard: a redraw shows a few hundred at most
BUSY_AFTER = 0.3  # seconds: an update expected to take longer says it is busy before it starts

#: Runs once per browser page: gives each slider handle of a dashboard the accessible name of
#: its label (ipywidgets' sliders are noUiSlider handles with role=slider and no name), names
#: the icon-only buttons of a Play widget, and keeps doing so for dashboards drawn later.
CONTROL_NAMES_JS = """
(function () {
  if (window.__gostackControlNames) return;
  window.__gostackControlNames = true;
  const label = (el, text) => {
    if (text && el.getAttribute('aria-label') !== text) el.setAttribute('aria-label', text);
  };
  const name = () => {
    document.querySelectorAll('.gostack-dashboard .widget-slider').forEach(w => {
      const l = w.querySelector('.widget-label');
      w.querySelectorAll('[role=slider]').forEach(h => label(h, l ? l.textContent.trim() : ''));
    });
    document.querySelectorAll('.gostack-dashboard .widget-play').forEach(w => {
      const b = w.querySelectorAll('button');
      ['play or pause the animation', 'stop the animation', 'repeat the animation']
        .forEach((t, i) => b[i] && label(b[i], t));
    });
  };
  name();
  new MutationObserver(name).observe(document.body, {childList: true, subtree: true});
})();
"""
#: matplotlib releases (major.minor) the text cache is tested with (tests/test_widgets.py): it
#: leans on private Agg and font-manager APIs, so on any other release text is drawn as usual.
TESTED_MATPLOTLIB = ("3.11",)


def text_cache_supported(version: str | None = None) -> bool:
    """True when the text-caching renderer may be used with this matplotlib `version`."""
    import matplotlib

    major_minor = ".".join((version or matplotlib.__version__).split(".")[:2])
    return major_minor in TESTED_MATPLOTLIB


class _TextCachingRenderer(RendererAgg):
    """RendererAgg that rasterizes each plain string once and stamps the cached bitmap after.

    Most text on a dashboard (tick labels, axis labels, region names) is the same from one
    redraw to the next, and matplotlib 3.11 lays out and rasterizes every glyph on every draw:
    about half of the Agg draw. A string's bitmap depends only on the string, the font and the dpi; its
    colour and position are applied when it is stamped. Whole-string bitmaps are how Agg drew
    text before 3.11 (glyphs snap to whole pixels instead of quarter pixels; the eye cannot
    tell at 80 dpi). Mathtext and text with font features or a language go the usual way.
    """

    def __init__(self, width, height, dpi):
        super().__init__(width, height, dpi)
        self._bitmaps: dict = {}
        self._heights: dict = {}

    def _get_font_height_metrics(self, prop):
        """(ascent, descent, line gap) in pixels of `prop`'s font, worked out once per font.

        matplotlib 3.11 lays out every text on every draw and, before finding the font file and
        reading its tables itself, asks the renderer through this method. Same tables and same
        arithmetic as `Text._get_layout`; (None, None, None) makes it measure as usual.
        """
        key = hash(prop)
        if key not in self._heights:
            self._heights[key] = (None, None, None)
            try:
                font = get_font(fontManager._find_fonts_by_props(prop))
            except (AttributeError, TypeError):  # a matplotlib without this helper: measure as usual
                return self._heights[key]
            for name, gap, ascent, descent in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                               ("hhea", "lineGap", "ascent", "descent")):  # fmt: skip
                table = font.get_sfnt_table(name)
                if table is not None:
                    scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() \
                        * self.dpi / 72
                    self._heights[key] = (table[ascent] * scale, -table[descent] * scale,
                                          table[gap] * scale)
                    break
        return self._heights[key]

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        """Stamp the cached bitmap of `s` (rendering it on first use), as matplotlib < 3.11 did."""
        special = mtext is not None and (getattr(mtext, "get_fontfeatures", lambda: None)()
                                         or getattr(mtext, "get_language", lambda: None)())
        if ismath or special:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        key = (s, hash(prop), gc.get_antialiased())
        hit = self._bitmaps.get(key)
        if hit is None:
            if len(self._bitmaps) >= TEXT_CACHE:  # labels that change every update (titles, counts)
                self._bitmaps.clear()
            try:
                font = self._prepare_font(prop)
                font.set_text(s, 0, flags=get_hinting_flag())
                font.draw_glyphs_to_bitmap(antialiased=gc.get_antialiased())
                xo, yo = font.get_bitmap_offset()  # 26.6 fixed point, like the descent
                image, descent = np.array(font.get_image()), font.get_descent() / 64
            except (AttributeError, TypeError):  # a matplotlib whose font API moved: draw as usual
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            hit = self._bitmaps[key] = (image, xo / 64, yo / 64, descent)
        image, xo, yo, descent = hit
        a = math.radians(angle)  # the bitmap is unrotated: Agg rotates it about its anchor
        self._renderer.draw_text_image(image, round(x + xo + descent * math.sin(a)),
                                       round(y + yo + descent * math.cos(a)) + 1, angle, gc)
        return None


class _Canvas(FigureCanvasAgg):
    """An Agg canvas whose renderer (kept while the size and dpi stay) caches text bitmaps."""

    def get_renderer(self):
        if not text_cache_supported():  # an untested matplotlib: its own renderer, plain text
            return super().get_renderer()
        key = (*self.get_width_height(physical=True), self.figure.dpi)
        if self._lastKey != key:
            self.renderer = _TextCachingRenderer(*key)
            self._lastKey = key
        return self.renderer


def _accepted(control) -> str:
    """What a control accepts, in words, for error messages."""
    if hasattr(control, "options"):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return "one of " + ", ".join(map(repr, values))
    if hasattr(control, "min") and hasattr(control, "max"):
        return f"in [{control.min}, {control.max}]"
    return f"a {type(control.value).__name__}"


def png_bytes(pixels) -> bytes:
    """An (height, width, 3 or 4) uint8 RGB(A) array as a PNG: no row filter, zlib level 1.

    A plot is mostly flat colour, which zlib's fastest level packs about as small as PIL's
    adaptive per-row filtering does, at half the time (3 ms instead of 6 for a dashboard).
    """
    height, width, channels = pixels.shape
    rows = np.empty((height, 1 + width * channels), np.uint8)  # each row: filter type 0, pixels
    rows[:, 0] = 0
    rows[:, 1:].reshape(height, width, channels)[...] = pixels  # one copy, straight from Agg's buffer

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, {3: 2, 4: 6}[channels], 0, 0, 0)  # 8-bit RGB(A)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + chunk(b"IEND", b""))


def _undraw(ax) -> None:
    """Take back what a draw added to `ax` (artists, legend, data limits, colour cycle, titles,
    axis labels) and keep the rest: its Axis and tick objects, scales, ticks and limits."""
    for container in list(ax.containers):
        container.remove()
    for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.texts, *ax.images, *ax.tables,
                   *ax.artists]:
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.dataLim.set_points(Bbox.null().get_points())  # autoscaling sees only the next draw's data
    ax.ignore_existing_data_limits = True
    ax.set_autoscale_on(True)
    ax.set_prop_cycle(None)  # the next plot() starts at the first colour again
    for loc in ("left", "center", "right"):
        # y=1 pins titles to the top edge: auto-placement would measure every tick label on
        # every draw to dodge labels above the axes, and no dashboard puts labels there
        ax.set_title("", loc=loc, y=1.0)
    ax.set_xlabel("")
    ax.set_ylabel("")


class _Image(W.Image):
    """An Image widget whose `tooltip` (the img's title, its text alternative) reaches the page.

    ipywidgets' front end sets the title only when the widget's `description` is empty and
    fails to create the view when there is no `description` at all, as for Image; this one has it.
    """

    description = traitlets.Unicode("").tag(sync=True)


class Dashboard:
    """Sliders + a figure + a status line; subclasses define `controls()` and `draw(fig, **v)`."""

    height = "340px"  # fixed output height: the page must not jump while a slider moves
    # The first update clears each Axes; later ones only take back the last draw's artists,
    # legend, data limits, colour cycle, titles and axis labels (`_undraw`). Clearing would
    # re-create every tick, spine and title, about a third of a redraw; in exchange `draw`
    # must set on every call whatever Axes state it sets on some call (scale, ticks, tick
    # labels, limits, inversion, grid). tests/test_widgets.py checks that a redrawn figure
    # gives the same PNG as a fresh dashboard at every setting it visits.

    def __init__(self, **initial):
        self.sliders: dict[str, W.ValueWidget] = self.controls()
        for name, value in initial.items():
            self._set(name, value)
        self.fig = self.new_figure()
        self._drawn = False  # nothing drawn yet: the first update clears the new Axes
        self._seconds = 0.0  # how long the last update took (for the busy notice)
        plt.close(self.fig)  # drawn to PNG by the dashboard only: an inline backend must not show it too
        self.canvas = _Canvas(self.fig)  # rendered directly, without savefig's extra passes
        self.image = _Image(format="png", layout=W.Layout(height=self.height, object_fit="contain"))
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
        from ..plots.style import figure

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
            self._set(name, value, quiet=True)
        v = self.values()
        if self._seconds > BUSY_AFTER:  # the last update was slow: say so before this one starts
            self.widget.add_class("gostack-busy")
            self.status.value = (f"<span role='status'>busy: redrawing (the last update took "
                                 f"{self._seconds:.1f} s)</span>")
        start = time.perf_counter()
        for ax in self.fig.axes:
            if not self._drawn:
                ax.clear()
            _undraw(ax)  # also on the first draw: titles pinned the same way every time
        self._drawn = True
        summary = self.draw(self.fig, **v)
        self.image.value = self.png()
        self.image.tooltip = self.describe()  # the img's title: its text alternative
        drawn = ", ".join(f"{k}={val}" for k, val in v.items())
        self.status.value = f"<span role='status'><code>drawn: {drawn}</code> {summary}</span>"
        self._seconds = time.perf_counter() - start
        self.widget.remove_class("gostack-busy")
        return self.status.value

    def describe(self) -> str:
        """The text alternative of the figure as drawn now (plots.style.describe)."""
        from ..plots.style import describe

        return describe(self.fig)

    def _set(self, name: str, value, quiet: bool = False) -> None:
        """Set one control, or raise ValueError naming it and what it accepts (never clamp)."""
        if name not in self.sliders:
            raise ValueError(f"unknown control {name!r}; controls are {sorted(self.sliders)}")
        control = self.sliders[name]
        outside = hasattr(control, "min") and not (isinstance(value, (int, float))
                                                   and control.min <= value <= control.max)
        if quiet:
            control.unobserve(self._changed, names="value")
        try:
            if outside:
                raise TraitError(value)
            control.value = value
        except TraitError as e:
            raise ValueError(f"{name} must be {_accepted(control)}; got {value!r}") from e
        finally:
            if quiet:
                control.observe(self._changed, names="value")

    def png(self) -> bytes:
        """The figure as PNG bytes: one Agg draw, then `png_bytes` of its pixels."""
        self.canvas.draw()
        pixels = np.asarray(self.canvas.buffer_rgba())
        opaque = self.fig.patch.get_facecolor()[3] == 1  # then no alpha channel: fewer bytes
        return png_bytes(pixels[..., :3] if opaque else pixels)

    def _changed(self, _change) -> None:
        self.update()

    def _ipython_display_(self):
        from IPython.display import Javascript, display

        display(self.widget)
        display(Javascript(CONTROL_NAMES_JS))

    def close(self) -> None:
        """Release the figure (benchmarks and tests create many dashboards)."""
        plt.close(self.fig)
        self.widget.close()


def registry() -> dict[str, tuple[Callable[..., Dashboard], dict, list[dict]]]:
    """Every dashboard of the course: name -> (factory, default values, extreme settings)."""
    out = {}
    for topic in TOPICS:  # a topic module that fails to import is an error, never a silently missing topic
        out.update(importlib.import_module(f"{__package__}.{topic}").DASHBOARDS)
    return out
