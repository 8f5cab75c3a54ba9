"""Every registered dashboard draws at defaults, at its extremes and at every slider end."""

import matplotlib
import pytest

matplotlib.use("Agg")

from gostack_kit.widgets import registry  # noqa: E402

BOARDS = registry()


def test_some_dashboards_are_registered():
    assert BOARDS, "no dashboards registered in gostack_kit.widgets"


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
        for key, slider in board.sliders.items():  # every slider end, the others at defaults
            for end in _ends(slider):
                board.update(**{**defaults, key: end})
        board.update(**defaults)
        assert bytes(board.image.value) == png, "the same settings must draw the same figure"
    finally:
        board.close()


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
