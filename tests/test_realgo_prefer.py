"""The one live-or-recorded rule (realgo.prefer), and that every reader uses it."""

import pathlib

import pytest

from gostack_kit.realgo import GoNotFoundError
from gostack_kit.realgo.prefer import NO_TOOLCHAIN, PREFER, live_or_recorded

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "gostack_kit"


def _missing():
    raise GoNotFoundError()


def _broken():
    raise RuntimeError("probe failed")


def test_the_three_choices():
    assert live_or_recorded("recorded", _missing, lambda: "rec") == ("rec", "")
    assert live_or_recorded("live", lambda: "live", lambda: "rec") == ("live", "")
    assert live_or_recorded("auto", lambda: "live", lambda: "rec") == ("live", "")
    assert live_or_recorded("auto", _missing, lambda: "rec") == ("rec", NO_TOOLCHAIN)
    with pytest.raises(GoNotFoundError):
        live_or_recorded("live", _missing, lambda: "rec")


def test_only_a_missing_tool_falls_back():
    with pytest.raises(RuntimeError, match="probe failed"):
        live_or_recorded("auto", _broken, lambda: "rec")


@pytest.mark.parametrize("bad", ["cache", "", None, "Auto"])
def test_bad_prefer_names_the_choices(bad):
    with pytest.raises(ValueError, match="prefer must be 'auto', 'live' or 'recorded'"):
        live_or_recorded(bad, lambda: 1, lambda: 2)


def test_no_reader_has_a_rule_of_its_own():
    own = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
           if p.name != "prefer.py" and "prefer not in" in p.read_text()]
    assert own == [] and PREFER == ("auto", "live", "recorded")
