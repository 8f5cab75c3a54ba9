"""The course palette stays distinguishable for every reader: simulated, not judged by eye.

Each palette colour is simulated under protanopia, deuteranopia and tritanopia with the
matrices of Machado, Oliveira and Fernandes (2009, severity 1.0, applied in linear RGB) and
in greyscale (relative luminance), converted to CIELAB (D65) and compared with CIEDE2000
(Sharma, Wu and Dalal 2005). Every pair must stay at least MIN_DE apart in every view.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from gostack_kit.plots import compiler, copying, sched, segmented, style, threads

MIN_DE = 8.0  # CIEDE2000; 1 is a just-noticeable difference between large patches, thin lines need more

MACHADO = {  # Machado et al. 2009, Table 1, severity 1.0
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}
SRGB_TO_XYZ = [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
               [0.0193339, 0.1191920, 0.9503041]]
D65 = (0.95047, 1.0, 1.08883)


def _linear(hexes):
    rgb = np.array([[int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)] for h in hexes])
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _lab(linear):
    t = linear @ np.array(SRGB_TO_XYZ).T / np.array(D65)
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def views(hexes) -> dict[str, np.ndarray]:
    """CIELAB of each colour as seen in normal vision, under each deficiency and in greyscale."""
    lin = _linear(hexes)
    out = {"normal": _lab(lin)}
    for name, m in MACHADO.items():
        out[name] = _lab(np.clip(lin @ np.array(m).T, 0, 1))
    y = lin @ np.array(SRGB_TO_XYZ[1])
    out["greyscale"] = _lab(np.stack([y, y, y], -1))
    return out


def ciede2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    cbar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(cbar**7 / (cbar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p, h2p = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
    dh = 0.0 if c1p * c2p == 0 else (h2p - h1p + 180) % 360 - 180
    d_l, d_c = l2 - l1, c2p - c1p
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    lbar, cbarp = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hbar = h1p + h2p
    elif abs(h1p - h2p) > 180:
        hbar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    else:
        hbar = (h1p + h2p) / 2
    t = (1 - 0.17 * np.cos(np.radians(hbar - 30)) + 0.24 * np.cos(np.radians(2 * hbar))
         + 0.32 * np.cos(np.radians(3 * hbar + 6)) - 0.20 * np.cos(np.radians(4 * hbar - 63)))
    s_l = 1 + 0.015 * (lbar - 50) ** 2 / np.sqrt(20 + (lbar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cbarp, 1 + 0.015 * cbarp * t
    r_t = (-2 * np.sqrt(cbarp**7 / (cbarp**7 + 25**7))
           * np.sin(np.radians(60 * np.exp(-(((hbar - 275) / 25) ** 2)))))
    return float(np.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2
                         + r_t * (d_c / s_c) * (d_h / s_h)))


# Sharma, Wu and Dalal (2005), Table 1: pairs 1, 7, 17 and 25 with their published differences
SHARMA = [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
          ((50, 0, 0), (50, -1, 2), 2.3669),
          ((50, 2.5, 0), (73, 25, -18), 27.1492),
          ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644)]


@pytest.mark.parametrize("lab1, lab2, expected", SHARMA)
def test_ciede2000_reproduces_the_published_test_pairs(lab1, lab2, expected):
    assert ciede2000(np.array(lab1), np.array(lab2)) == pytest.approx(expected, abs=1e-4)


def test_the_simulation_sees_what_it_should():
    """Red and green collapse for a deuteranope, blue and green for a tritanope, greys keep lightness."""
    v = views(["#FF0000", "#00A000", "#0000FF", "#00C8C8", "#404040", "#C0C0C0"])
    red_green = ciede2000(v["normal"][0], v["normal"][1])
    assert ciede2000(v["deuteranopia"][0], v["deuteranopia"][1]) < red_green / 2
    assert ciede2000(v["tritanopia"][2], v["tritanopia"][3]) < ciede2000(v["normal"][2], v["normal"][3])
    assert v["greyscale"][4][0] == pytest.approx(v["normal"][4][0]) and abs(v["greyscale"][5][1]) < 1e-3


def worst_pair(colors) -> tuple[float, str, str, str]:
    """The closest pair of `colors` over every view: (difference, colour, colour, view)."""
    v = views(colors)
    return min((ciede2000(lab[i], lab[j]), colors[i], colors[j], name)
               for name, lab in v.items() for i, j in itertools.combinations(range(len(colors)), 2))


def test_palette_is_distinguishable_in_every_view():
    d, a, b, view = worst_pair(list(style.PALETTE))
    assert d >= MIN_DE, f"{a} and {b} are only {d:.1f} apart under {view}"
    assert sorted(style.COLORS.values()) == sorted(style.PALETTE)  # one mechanism per palette colour
    assert len(set(style.SERIES)) == len(style.SERIES) and set(style.SERIES) <= set(style.PALETTE)


def _line_colors(ax) -> list[str]:
    """The colours of the labelled lines of `ax`, as '#RRGGBB'."""
    from matplotlib.colors import to_hex

    return [to_hex(line.get_color()).upper() for line in ax.get_lines()
            if not line.get_label().startswith("_")]


def _drawn(name):
    """The labelled line colours of a figure drawn exactly as its notebook draws it."""
    from gostack_kit.labs import compiler as compiler_lab
    from gostack_kit.labs import copying as copying_lab

    if name == "05 cost_per_call":  # Go 1.2 segments and the three copying releases
        curves = [copying_lab.recursion_cost(m, 88, 2000, 120) for m in ("1.2", *copying_lab.COPYING)]
        ax = copying.cost_per_call(curves)
    else:  # 06: calls, stack checks and (on the twin axis) the deepest stack
        ax = compiler.sweep(compiler_lab.budget_sweep(compiler_lab.walk_program(buf=128, depth=50),
                                                      range(0, 161, 40)))
        return _line_colors(ax) + [c for twin in ax.figure.axes if twin is not ax for c in _line_colors(twin)]
    return _line_colors(ax)


@pytest.mark.parametrize("name", ["05 cost_per_call", "06 sweep"])
def test_lines_drawn_together_are_apart(name):
    colors = _drawn(name)
    assert len(colors) >= 3 and set(colors) <= set(style.PALETTE), (name, colors)
    d, a, b, view = worst_pair(colors)
    assert d >= MIN_DE, f"{name}: {a} and {b} are only {d:.1f} apart under {view}"


@pytest.mark.parametrize("name, colors", [
    ("notebook 05's models", list(copying.SHADES.values())[:4]),
    ("notebook 03's models", list(sched.MODEL_COLORS.values())),
    ("notebook 06's prologue classes", list(compiler.PROLOGUE_COLORS.values())),
    ("notebook 02's address spaces", list(threads.SPACE_COLORS.values())),
    ("notebook 04's versions", list(segmented._VERSION_COLORS.values())),
])
def test_colour_maps_are_palette_colours(name, colors):
    assert set(colors) <= set(style.PALETTE), name
    assert len(set(colors)) == len(colors), name
    assert worst_pair(colors)[0] >= MIN_DE, name


def test_no_colour_outside_the_style_module():
    """Topic modules name colours from plots.style only, so the palette above is the whole story."""
    root = Path(style.__file__).resolve().parent.parent
    for path in [*root.joinpath("plots").glob("*.py"), *root.joinpath("widgets").glob("*.py")]:
        if path.name != "style.py":
            assert re.findall(r"#[0-9A-Fa-f]{6}\b", path.read_text()) == [], path.name


def test_cost_axes_start_at_zero_and_ticks_are_round_numbers():
    """HotSplit's cost axis keeps zero in view (flat looks flat); 06's counters tick at round values."""
    from gostack_kit.widgets import compiler as compiler_widgets
    from gostack_kit.widgets import segmented as segmented_widgets

    board = segmented_widgets.HotSplit()
    try:
        board.update(callee=board.sliders["callee"].max)
        assert all(ax.get_ylim()[0] == 0 for ax in board.fig.axes if "ns per" in ax.get_ylabel())
    finally:
        board.close()
    board = compiler_widgets.CompilerLab()
    try:
        for calls in board.sliders["calls"].options:
            board.update(calls=calls[1] if isinstance(calls, tuple) else calls)
            ticks = board.fig.axes[0].get_yticks()
            step = ticks[1] - ticks[0]
            assert round(step / 10 ** np.floor(np.log10(step)), 9) in (1, 2, 5), ticks  # 1, 2 or 5 times 10^k
            assert all(round(t / step, 9) == round(t / step) for t in ticks), ticks  # multiples of the step
    finally:
        board.close()


def test_log_tick_labels_are_read_as_plain_numbers():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_yscale("log")
    ax.plot([1, 2], [1e3, 1e6])
    fig.canvas.draw()
    text = style.describe(fig)
    plt.close(fig)
    assert "mathdefault" not in text and "$" not in text and "10^3" in text, text


STORED = sorted(Path(__file__).resolve().parent.parent.glob("notebooks/0[12456]-*.ipynb"))


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.name[:2])
def test_stored_figures_say_what_they_show(path):
    import json

    outputs = [o.get("data", {}) for c in json.loads(path.read_text())["cells"] for o in c.get("outputs", [])]
    alts = [d["text/plain"] for d in outputs if "image/png" in d or "<img" in "".join(d.get("text/html", ""))]
    for text in ("".join(a) for a in alts):
        assert "mathdefault" not in text, text[:200]
        assert not re.search(r"\ba panel;", text), text[:200]  # the generic fallback: no title, no alt()


def test_a_twin_axis_is_described_as_part_of_its_panel():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_ylabel("calls")
    ax.set_title("budget sweep")
    twin = ax.twinx()
    twin.plot([0, 1], [5, 9])
    twin.set_ylabel("deepest stack (bytes)")
    text = style.describe(fig)
    plt.close(fig)
    assert text.startswith("Figure with 1 panel.") and "a panel" not in text, text
    assert "on the same panel, a second vertical axis deepest stack (bytes)" in text, text
