"""Every registered dashboard draws at defaults, at its extremes and at every slider end."""

import functools

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from gostack_kit.widgets import registry  # noqa: E402

BOARDS = registry()


@pytest.fixture(autouse=True)
def _simulate_once(monkeypatch):
    """Memoize the scheduler dashboard's run: these tests check drawing, and a fresh dashboard
    at 100,000 goroutines would otherwise simulate again (seconds) the run just drawn."""
    from gostack_kit.widgets import sched

    monkeypatch.setattr(sched, "default_run", functools.lru_cache(maxsize=None)(sched.default_run))


def test_every_topic_registers_its_dashboards():
    from gostack_kit.widgets.base import TOPICS

    assert sorted(BOARDS) == ["address.StacksFill", "compiler.lab", "copying.animation", "copying.growth",
                              "sched.Scheduler", "segmented.HotSplit", "threads.ThreadBudget"]
    assert {name.split(".")[0] for name in BOARDS} == set(TOPICS)


def test_a_topic_that_fails_to_import_is_an_error(monkeypatch):
    import importlib

    from gostack_kit.widgets import base

    real = importlib.import_module

    def broken(name, *a):
        if name.endswith(".copying"):
            raise ImportError("simulated: matplotlib too old")
        return real(name, *a)

    monkeypatch.setattr(base.importlib, "import_module", broken)
    with pytest.raises(ImportError, match="simulated"):
        base.registry()


def test_bad_control_values_are_named():
    factory, defaults, _ = BOARDS["segmented.HotSplit"]
    board = factory()
    try:
        with pytest.raises(ValueError, match="unknown control 'dpeth'.*controls are"):
            board.update(dpeth=3)
        name, slider = next((k, s) for k, s in board.sliders.items() if hasattr(s, "max"))
        with pytest.raises(ValueError, match=rf"{name} must be in \[{slider.min}, {slider.max}\]"):
            board.update(**{name: slider.max + 1})
        assert board.sliders[name].value == defaults[name]  # nothing was clamped or half-set
        with pytest.raises(ValueError, match="unknown control"):
            factory(nope=1)
    finally:
        board.close()


def test_text_cache_only_on_tested_matplotlib(monkeypatch):
    """Tested release: the caching renderer; any other: matplotlib's own, and the same picture."""
    from matplotlib.backends.backend_agg import RendererAgg

    from gostack_kit.widgets import base

    assert base.text_cache_supported("3.11.2") and not base.text_cache_supported("3.12.0")
    factory, defaults, _ = BOARDS["threads.ThreadBudget"]
    cached = factory()
    monkeypatch.setattr(base, "TESTED_MATPLOTLIB", ())
    plain = factory()
    try:
        assert isinstance(cached.canvas.get_renderer(), base._TextCachingRenderer)
        renderer = plain.canvas.get_renderer()
        assert type(renderer) is RendererAgg and not hasattr(renderer, "_bitmaps")
        a, b = (np.asarray(d.canvas.buffer_rgba())[..., :3].astype(int) for d in (cached, plain))
        assert a.shape == b.shape
        # the two draw text at whole and at quarter pixels: every pixel that differs lies within
        # a pixel of ink in one of the pictures, and everything else is identical
        ink = _grow((a.min(axis=2) < 250) | (b.min(axis=2) < 250))
        differ = np.abs(a - b).max(axis=2) > 0
        assert differ.any() and not (differ & ~ink).any()
    finally:
        cached.close()
        plain.close()


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_dashboard_draws_everywhere(name):
    factory, defaults, extremes = BOARDS[name]
    board = factory()
    try:
        png = bytes(board.image.value)
        assert png.startswith(b"\x89PNG") and "drawn:" in board.status.value
        for setting in [defaults, *extremes]:
            status = board.update(**setting)
            for k, v in setting.items():
                assert f"{k}={board.sliders[k].value}" in status
                assert board.sliders[k].value == v
            _same_as_fresh(factory, board)
        for key, slider in board.sliders.items():  # every slider end, the others at defaults
            for end in _ends(slider):
                board.update(**{**defaults, key: end})
                _same_as_fresh(factory, board)
        board.update(**defaults)
        assert bytes(board.image.value) == png, "the same settings must draw the same figure"
    finally:
        board.close()


def _same_as_fresh(factory, board):
    """A redrawn figure (the base keeps Axes state between draws) equals a first drawing."""
    fresh = factory(**board.values())
    try:
        assert bytes(board.image.value) == bytes(fresh.image.value), \
            f"a redraw at {board.values()} differs from a new dashboard's drawing"
    finally:
        fresh.close()


def _grow(mask):
    """`mask` grown by one pixel in every direction."""
    out = mask.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            out |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return out


def _ends(slider):
    if hasattr(slider, "min") and hasattr(slider, "max"):
        return [slider.min, slider.max]
    if hasattr(slider, "options"):
        opts = list(slider.options)
        values = [o[1] if isinstance(o, tuple) else o for o in opts]
        return [values[0], values[-1]]
    if isinstance(slider.value, bool):
        return [False, True]
    return []


@pytest.mark.parametrize("text", [
    {"s": "Title pg 123", "fontsize": 11},
    {"s": "bytes in use (hi - SP)", "rotation": 90},
    {"s": "rotated 30", "rotation": 30, "fontsize": 12},
    {"s": "two\nlines", "fontsize": 7, "ha": "center", "va": "center"},
    {"s": "0x7fffc000", "fontsize": 6.5, "ha": "right", "va": "top"},
])  # fmt: skip
def test_cached_text_lands_where_matplotlib_draws_it(text):
    """The dashboards' text cache stamps a string within a pixel of matplotlib's own Agg text."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from gostack_kit.widgets.base import _Canvas

    def ink(canvas_class):
        fig = Figure(figsize=(3, 3), dpi=80)
        fig.text(0.5, 0.5, **text)
        canvas = canvas_class(fig)
        canvas.draw()
        canvas.draw()  # the second draw stamps the cached bitmaps
        dark = np.asarray(canvas.buffer_rgba())[..., 0] < 200
        rows, cols = np.flatnonzero(dark.any(axis=1)), np.flatnonzero(dark.any(axis=0))
        return np.array([rows[0], rows[-1], cols[0], cols[-1]]), canvas

    want, _ = ink(FigureCanvasAgg)
    got, canvas = ink(_Canvas)
    assert np.abs(got - want).max() <= 1, f"ink box {got.tolist()} vs matplotlib's {want.tolist()}"
    assert len(canvas.renderer._bitmaps) == len(text["s"].splitlines())  # one bitmap per line


@pytest.mark.parametrize("channels", [3, 4])
def test_png_bytes_decode_to_the_same_pixels(channels):
    """The dashboards' own PNG writer: any RGB or RGBA array comes back exactly from a decoder."""
    import io

    from PIL import Image

    from gostack_kit.widgets.base import png_bytes

    pixels = np.random.default_rng(channels).integers(0, 256, (37, 53, channels), dtype=np.uint8)
    pixels[5:20, 10:40] = 255  # a flat region, like a plot's background
    image = Image.open(io.BytesIO(png_bytes(pixels)))
    assert image.mode == ("RGB" if channels == 3 else "RGBA") and image.size == (53, 37)
    assert (np.asarray(image) == pixels).all()


def test_scheduler_at_1_1_with_100000_threads_says_that_thread_creation_failed():
    from gostack_kit.sched.record import Model
    from gostack_kit.sched.rivals import spawn_failure
    from gostack_kit.widgets.sched import Scheduler, default_run

    setting = {"gomaxprocs": 2, "n_goroutines": 100_000, "syscall_share": 0.3,
               "model": Model.ONE_TO_ONE}
    run = default_run(**setting)
    assert (run.thread_limit_name, run.thread_limit, run.peak_threads) == \
        ("vm.max_map_count", 32_765, 32_766)
    assert 32_765 < run.spawn_failed_at < 100_000 and run.threads_created == run.spawn_failed_at
    board = Scheduler(**setting)
    try:
        status = board.status.value
        assert spawn_failure(run) in status
        assert (f"thread creation failed at goroutine {run.spawn_failed_at:,}: pthread_create returned "
                "EAGAIN") in status
        assert "because vm.max_map_count = 65,530 allows 32,765 threads besides main" in status
        assert "100,000 threads" not in status
        roomy = board.update(gomaxprocs=64, syscall_share=0.9)  # 64 cores: at most 90 alive
        wide = default_run(64, 100_000, 0.9, Model.ONE_TO_ONE)
        assert wide.spawn_failed_at is None
        assert (f"100,000 threads created, at most {wide.peak_threads:,} alive at once") in roomy
    finally:
        board.close()
