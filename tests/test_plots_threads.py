"""plots.threads: figures carry the records' numbers; tables list them."""

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from gostack_kit.address.limits import thread_budget  # noqa: E402
from gostack_kit.address.maps import Maps, read_sample  # noqa: E402
from gostack_kit.labs.threads import default_limits, depth_sweep, fit_sweep, thread_costs  # noqa: E402
from gostack_kit.plots import COLORS  # noqa: E402
from gostack_kit.plots import threads as pt  # noqa: E402
from gostack_kit.realgo.threads import Observation, StackInfo  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_fit_curves_plot_the_sweep():
    s = fit_sweep(guard=4096)
    ax = pt.fit_curves(s)
    ys = [tuple(line.get_ydata()) for line in ax.lines if len(line.get_xdata()) == len(s.stacks)]
    assert ys == [s.divide32, s.layout32, s.divide64, s.layout64]
    assert tuple(ax.lines[0].get_xdata()) == s.stacks
    assert {t.get_text() for t in ax.texts} == {"383", "16,769,027"}


def test_depth_curve_marks_frames_that_jump_the_guard():
    s = depth_sweep(8 << 20, guard=4096)
    ax = pt.depth_curve(s, mark=88 if 88 in s.frames else 128)
    curve, safe, jump = ax.lines[:3]
    assert tuple(curve.get_ydata()) == s.depths
    # of these frames only the 16 KiB one lands wholly below a 4 KiB guard (4,280 bytes below lo)
    assert tuple(jump.get_xdata()) == tuple(f for f, c in zip(s.frames, s.clash) if c) == (16384,)
    assert tuple(safe.get_ydata()) == tuple(d for d, c in zip(s.depths, s.clash) if not c)
    assert ax.texts[0].get_text() == f"frame 128 B: depth {s.depths[s.frames.index(128)]:,}"


def test_caps_bars_one_bar_per_cap_binding_highlighted():
    budget = thread_budget(default_limits(), 64, go=True)
    ax = pt.caps_bars(budget, threads=5000)
    caps = [c for c in budget.caps if c.threads is not None]
    assert [p.get_width() for p in ax.patches] == [c.threads for c in caps]
    colors = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colors[-1] == COLORS["highlight"].lower() and caps[-1] is budget.binding
    assert colors.count(COLORS["highlight"].lower()) == 1
    assert ax.lines[0].get_xdata()[0] == 5000


def test_caps_and_limits_tables():
    budget = thread_budget(default_limits(), 64)
    rows = pt.caps_table(budget).splitlines()
    assert len(rows) == 2 + len(budget.caps)
    binds = [r for r in rows if r.endswith("<- binds")]
    assert len(binds) == 1 and binds[0].startswith("vm.max_map_count") and "32,765" in binds[0]
    assert rows[-1].endswith("(not enforced)") and "10,000" in rows[-1]
    lim = pt.limits_table(default_limits()).splitlines()
    assert len(lim) == 8 and "unlimited" in lim[5] and "8,388,608" in lim[6]


def _observation():
    """An Observation built from the recorded sample: two 256 KiB threads appear."""
    during = read_sample()
    pairs = during.thread_stacks()
    mine = {m.start for pair in pairs for m in pair}
    before = Maps(tuple(m for m in during.mappings if m.start not in mine), "recorded", "test")
    added = tuple(m for m in during.mappings if m.start in mine)
    infos = tuple(StackInfo(i, s.start, s.size, g.size) for i, (g, s) in enumerate(pairs))
    return Observation(n=2, stack_size=256 << 10, before=before, during=during, added=added, removed=(),
                       threads=infos, stacks=pairs, touched=(8192, 12288),
                       vm_size=(100 << 20, (100 << 20) + 2 * (260 << 10)),
                       vm_rss=(50 << 20, (50 << 20) + 40960))


def test_observation_table_and_figure():
    obs = _observation()
    rows = pt.observation_table(obs).splitlines()
    assert rows[0].startswith("source: recorded")
    assert rows[3].split() == ["0", "4", "KiB", "256", "KiB", "8", "KiB"]
    assert rows[4].split() == ["1", "4", "KiB", "256", "KiB", "12", "KiB"]
    assert rows[5] == "new stack mappings: 2 of 2 (the rest reused from glibc's stack cache)"
    assert rows[-1] == "VmSize +520 KiB (reserved)   VmRSS +40 KiB (touched)"
    fig = pt.observed(obs)
    left, right = fig.axes
    heights = [p.get_height() for p in left.patches]
    assert heights == [256 << 10, 256 << 10, 8192, 12288]
    assert [p.get_height() for p in right.patches] == [obs.reserved, 0, 40960]
    assert "none" in pt.observation_table(None) and len(pt.observed(None).axes) == 2
    import dataclasses

    big = dataclasses.replace(obs, vm_size=(100 << 20, (100 << 20) + 411_252_326))  # notebook 02's 392.2 MiB
    fig = pt.observed(big)
    right = fig.axes[1]
    renderer = fig.canvas.get_renderer()
    fig.draw_without_rendering()
    legend = right.get_legend().get_window_extent(renderer)
    for text in right.texts:  # the sizes written above the bars stay readable
        assert not text.get_window_extent(renderer).overlaps(legend), text.get_text()


def test_costs_figure_shows_the_setting():
    costs = thread_costs(8 << 20, 4096, 128, 1024)
    sweep = depth_sweep(8 << 20)
    fig = pt.costs_figure(costs, sweep)
    caps, depth = fig.axes
    others = [c.threads for c in costs.budget.caps if c.threads is not None and c.limit is not None]
    assert [p.get_width() for p in caps.patches] == [costs.fit32, costs.fit64, *others]
    labels = [t.get_text() for t in caps.get_yticklabels()]
    assert labels[:2] == ["32-bit space: 383", "64-bit space: 16,769,027"]
    assert caps.lines[0].get_xdata()[0] == 1024
    assert caps.get_title() == ("1,024 x 8.0 MiB = 8.0 GiB reserved; 64-bit: fits; "
                                "first limit Go max threads at 10,000")
    assert tuple(depth.lines[0].get_ydata()) == sweep.depths
    assert depth.get_title() == f"overflow at depth {costs.depth:,}"
    title = fig._suptitle.get_text()
    assert f"overflow at depth {costs.depth:,}" in title and "383 (32)" in title
    assert costs.depth == 61_679


def test_costs_titles_say_when_a_limit_stops_the_count_and_when_there_is_no_guard():
    sweep = depth_sweep(8 << 20)
    one = pt.costs_figure(thread_costs(8 << 20, 4096, 128, 1), sweep)
    assert one.axes[0].get_title().endswith("64-bit: fits; first limit Go max threads at 10,000")
    many = pt.costs_figure(thread_costs(8 << 20, 4096, 128, 1 << 20), sweep)
    assert many.axes[0].get_title().endswith("64-bit: Go max threads stops it at 10,000")
    bare = pt.costs_figure(thread_costs(8 << 20, 0, 16384, 1), sweep)._suptitle.get_text()
    assert "no guard: the overflow writes below the stack unnoticed" in bare and "jumps" not in bare
    jump = pt.costs_figure(thread_costs(8 << 20, 4096, 16384, 1), sweep)._suptitle.get_text()
    assert jump.endswith("; the frame jumps the guard!")
