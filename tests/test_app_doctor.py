"""`gostack-kit doctor` reports one line per check and says what to fix."""

import pytest

from gostack_kit.app.cli import main
from gostack_kit.app.doctor import checks


def test_doctor_in_this_environment(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out.splitlines()
    names = [line.split()[1] for line in out]
    assert names[:3] == ["gostack-kit", "jupyterlab", "ipywidgets"]
    assert any("widgets extension" in line and line.startswith("ok") for line in out)
    assert any("/proc/self/maps" in line for line in out)


def test_doctor_says_what_to_fix(tmp_path):
    report = {c.name: c for c in checks(prefix=tmp_path, maps=tmp_path / "no-maps")}
    ext = report["widgets extension"]
    assert not ext.ok and ext.required and "pip install" in ext.detail
    assert ext.line().startswith("FIX")
    maps = report["/proc/self/maps"]
    assert not maps.ok and not maps.required and "recorded sample" in maps.detail


def test_doctor_lists_the_other_go_releases():
    from gostack_kit.realgo import toolchains

    found = toolchains.find_toolchains()
    if not found:
        pytest.skip("no Go toolchain found")
    report = {c.name: c for c in checks()}
    default = report["go toolchain"].detail.split()[0]
    others = [t.version for t in found if t.version != default]
    assert report["other go releases"].detail.startswith(", ".join(others) if others else "none")
