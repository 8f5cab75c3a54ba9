"""plots.address: the figures draw exactly the engine's regions and bands; tables list them."""

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from gostack_kit.address.layout import compressed_axis, format_size, layout  # noqa: E402
from gostack_kit.address.maps import read_sample  # noqa: E402
from gostack_kit.plots import address as pa  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _rects(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_space_map_draws_one_band_per_region_and_gap():
    lay = layout(32, threads=3)
    ax = pa.space_map(lay)
    axis = compressed_axis(lay)
    rects = _rects(ax)
    assert [(r.get_y(), r.get_height()) for r in rects] == [(b.y0, b.y1 - b.y0) for b in axis.bands]
    texts = [t.get_text() for t in ax.texts]
    assert texts == [b.label if b.kind != "gap" else f"... {b.label} ..." for b in axis.bands]
    assert "guard 2 4 KiB" in texts and "thread stack 0 8 MiB" in texts
    assert ax.get_ylim() == (0, axis.height)
    hatched = [r for r in rects if r.get_hatch()]
    assert len(hatched) == sum(b.kind == "gap" for b in axis.bands)


def test_space_map_of_real_maps_drops_the_kernel_half():
    maps = read_sample()
    ax = pa.space_map(maps)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "[stack] 132 KiB" in texts and "[vsyscall]" not in texts
    assert texts.count("thread-stack 256 KiB") == 2 and texts.count("guard 4 KiB") == 2
    top = ax.get_yticklabels()[-1].get_text()
    assert top == f"{1 << 47:#x}"
    assert "recorded" in ax.get_title()


def test_to_scale_draws_regions_at_their_true_addresses():
    lay = layout(64, threads=2)
    ax = pa.to_scale(lay)
    assert [(r.get_y(), r.get_height()) for r in _rects(ax)] == [(g.start, g.size) for g in lay.regions]
    assert ax.get_ylim() == (0, lay.user_top)


def test_space_map_rejects_other_objects():
    with pytest.raises(TypeError, match="space must be"):
        pa.space_map([1, 2, 3])


def test_side_by_side_and_fill_figure():
    fig = pa.side_by_side(layout(32, threads=1), layout(64, threads=1))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["32-bit: 3 GiB of user space", "64-bit: 128.0 TiB of user space"]
    lay = layout(32, threads=400, detail=2)
    fig = pa.fill_figure(lay)
    title = fig._suptitle.get_text()
    assert title == (f"{lay.threads_fit} of 400 threads placed; {lay.threads_fit} fit; "
                     f"stacks take {100 * lay.fill:.3g}% of the free space")
    assert lay.threads_fit == 367 and len(fig.axes) == 2


def test_layout_table_lists_every_region_high_to_low():
    lay = layout(32, threads=2)
    lines = pa.layout_table(lay).splitlines()
    body = lines[2:-1]
    assert len(body) == len(lay.regions)
    assert body[0].split()[:2] == ["main", "stack"] and body[-1].split()[0] == "text"
    assert lines[-1] == "32-bit: 2 of 2 threads placed, 367 would fit"
    assert f"{lay.regions[0].start:#x}" in body[-1]


def test_maps_table_filters_kinds_and_kind_summary_adds_up():
    maps = read_sample()
    rows = pa.maps_table(maps, kinds=("guard", "thread-stack")).splitlines()[1:]
    expected = [m for m in maps.mappings if m.kind in ("guard", "thread-stack")]
    assert [r.split()[0] for r in rows] == [f"{m.start:012x}-{m.end:012x}" for m in expected]
    assert [r.split()[4] for r in rows] == ["guard", "thread-stack"] * 2
    summary = pa.kind_summary(maps).splitlines()
    assert summary[0].startswith("source: recorded")
    counts = {line.split()[0]: int(line.split()[1]) for line in summary[2:-1]}
    assert counts == maps.counts()
    assert summary[-1].split()[1] == str(len(maps.mappings))
    assert summary[-1].endswith(format_size(maps.total))
