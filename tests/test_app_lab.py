"""`gostack-kit lab` opens the course root (notebooks/ and exercises/ both visible) on START.ipynb."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from gostack_kit.app.lab import COURSE, START, command
from tools import start


def test_lab_command_for_a_user_and_for_root(tmp_path):
    user = command(["--no-browser"], euid=1000)
    assert user == [sys.executable, "-m", "jupyterlab", str(COURSE / START), "--no-browser"]
    assert command([], euid=0)[-1] == "--allow-root"
    assert command(["--allow-root"], euid=0).count("--allow-root") == 1
    assert command([], euid=1000, course=tmp_path / "missing")[3] != str(tmp_path / "missing")
    (tmp_path / "notebooks").mkdir()  # a course without a landing page: open its root
    assert command([], euid=1000, course=tmp_path)[3] == str(tmp_path)
    assert COURSE.joinpath("notebooks", "01-address-space.ipynb").is_file()


def test_start_page_is_current_and_links_the_course_in_order():
    nb = nbformat.read(COURSE / START, as_version=4)
    current = nbformat.writes(start.landing()) + "\n" == (COURSE / START).read_text()
    assert current, "run: python -m tools.start"
    text = "\n".join(c.source for c in nb.cells)
    assert all(c.cell_type == "markdown" for c in nb.cells)  # nothing to run on the landing page
    links = [line.split("](", 1)[1].split(")", 1)[0] for line in text.splitlines() if "](notebooks/" in line]
    notebooks = sorted(p.name for p in (COURSE / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert links == [f"notebooks/{n}" for n in notebooks] and len(links) == 6
    for n in notebooks:
        assert f"[exercises](exercises/{n})" in text and (COURSE / "exercises" / n).is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_jupyterlab_serves_the_course_root_and_opens_start(tmp_path):
    """Run the real command: its root lists notebooks/ and exercises/, and the page it opens is START."""
    port, token = _free_port(), secrets.token_hex(8)
    cmd = command(["--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={token}"])
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"), JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"))
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline, root = time.monotonic() + 90, None
        while root is None:
            try:
                url = f"http://127.0.0.1:{port}/api/contents?token={token}"
                with urllib.request.urlopen(url, timeout=2) as r:
                    root = json.load(r)
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start from `gostack-kit lab`'s command")
                time.sleep(0.5)
        names = {item["name"] for item in root["content"]}
        assert {"notebooks", "exercises", START} <= names
        # the page a browser is sent to (the server writes it because a file was given to open)
        opened = [p.read_text() for p in (tmp_path / "rt").glob("jpserver-file-to-run-*-open.html")]
        assert len(opened) == 1 and f"/lab/tree/{START}?token={token}" in opened[0]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
