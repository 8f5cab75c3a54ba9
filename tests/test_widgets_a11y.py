"""Accessibility of figures and dashboards: text alternatives, named controls, a busy notice.

The browser tests run axe-core over the rendered page; these check the same promises
without a browser: every stored figure carries a description, every dashboard image has a
title that describes its figure, every control has a label, and a slow update says it is busy.
"""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from gostack_kit import plots  # noqa: E402
from gostack_kit.widgets import base  # noqa: E402
from gostack_kit.widgets.base import Dashboard, registry  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STORED = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def _figures(path: Path):
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                yield i, out["data"]


@pytest.mark.parametrize("nb", STORED, ids=[p.stem for p in STORED])
def test_every_stored_figure_has_a_text_alternative(nb):
    found = list(_figures(nb))
    assert found, f"{nb.name} shows no figure"
    for i, data in found:
        plain = "".join(data.get("text/plain", ""))
        page = "".join(data.get("text/html", ""))
        assert plain.startswith("Figure") and " panel" in plain, (i, plain)
        assert "axis" in plain or "labels on it" in plain or len(plain) > 100, (i, plain)  # or plots.alt()
        alt = re.search(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)">', page)
        assert alt and html.unescape(alt.group(1)) == plain, (nb.name, i)


def test_description_reads_the_drawn_figure():
    fig, ax = plots.figure()
    ax.plot([0, 10], [0, 5], label="calls")
    ax.set(title="budget sweep", xlabel="inlining budget", ylabel="per run", ylim=(0, 6))
    ax.legend()
    ax.text(5, 1, "Go's budget")
    text = plots.describe(fig)
    assert text == ("Figure with 1 panel. 'budget sweep'; horizontal axis inlining budget, from -0.5 to "
                    "10.5; vertical axis per run, from 0 to 6; legend: calls; 1 line; "
                    "labels on it: Go's budget.")
    plots.alt(ax, "a rising line")
    assert plots.describe(fig) == "Figure with 1 panel. a rising line."


@pytest.fixture(scope="module")
def boards():
    made = {name: factory() for name, (factory, _, _) in registry().items()}
    yield made
    for board in made.values():
        board.close()


def test_every_dashboard_image_describes_its_figure_and_every_control_is_labelled(boards):
    for name, board in boards.items():
        tip = board.image.tooltip
        assert tip == plots.describe(board.fig) and tip.startswith("Figure"), name
        assert "axis" in board.image.tooltip, name
        for key, control in board.sliders.items():
            assert control.description.strip(), f"{name}: control {key} has no label"
        assert "role='status'" in board.status.value, name


def test_control_names_script_covers_sliders_and_play_buttons():
    js = base.CONTROL_NAMES_JS
    assert "[role=slider]" in js and "aria-label" in js and ".widget-play" in js and "MutationObserver" in js


class _Slow(Dashboard):
    """A dashboard whose draw takes 0.4 s: longer than BUSY_AFTER."""

    def controls(self):
        import ipywidgets as W

        return {"x": W.IntSlider(value=0, min=0, max=3, description="x")}

    def draw(self, fig, x):
        time.sleep(0.4)
        fig.axes[0].plot([0, x])
        return f"x is {x}"


def test_a_slow_update_says_it_is_busy_before_it_draws():
    board = _Slow()  # the first update measures 0.4 s
    seen = []
    board.status.observe(lambda c: seen.append((c["new"], board.widget._dom_classes)), names="value")
    board.update(x=2)
    assert seen[0][0].startswith("<span role='status'>busy: redrawing") and "gostack-busy" in seen[0][1]
    assert "drawn: x=2" in seen[-1][0] and "gostack-busy" not in board.widget._dom_classes
    board.close()


def test_a_fast_update_shows_no_busy_notice(boards):
    board = boards["address.StacksFill"]
    board._seconds = 0.01
    seen = []
    board.status.observe(lambda change: seen.append(change["new"]), names="value")
    board.update(bits=64)
    assert len(seen) == 1 and "busy" not in seen[0]
