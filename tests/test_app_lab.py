"""`gostack-kit lab` opens the course folder, adding --allow-root only for root."""

import sys

from gostack_kit.app.lab import COURSE, command


def test_lab_command_for_a_user_and_for_root(tmp_path):
    user = command(["--no-browser"], euid=1000)
    assert user == [sys.executable, "-m", "jupyterlab", str(COURSE), "--no-browser"]
    assert command([], euid=0)[-1] == "--allow-root"
    assert command(["--allow-root"], euid=0).count("--allow-root") == 1
    assert command([], euid=1000, course=tmp_path / "missing")[3] != str(tmp_path / "missing")
    assert COURSE.joinpath("01-address-space.ipynb").is_file()
