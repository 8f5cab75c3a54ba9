"""Hostile submissions against `gostack-kit grade`: one attack per sandbox rule, each contained.

Every attack is the 05 solution with its q1 answer cell replaced: the attack runs, writes
what it achieved into `first_growth_depth` (so the reports would carry any stolen text),
and q2/q3 stay right. The grader runs as a subprocess on a copy of the kit (and of
solutions/), so an attack that succeeds where there is no sandbox changes only the copy,
reads only files made for the test, connects only to the test's own listener, and starts
only a sleeper that ends on its own. Without bwrap (and not under CI) these tests skip.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from gostack_kit.grading import release, sandbox

TOPIC = "05-copying-stacks"
MARK = "h16-sleeper-7d1c"  # in the cmdline of the process the daemon attack leaves behind
VICTIM_SECRET = "bob-private-answer-4f2a9e"  # written into the other student's notebook
REPORT = "\nfirst_growth_depth = repr(result)[:150]\n"
COURSE_SECRET = "course-secret-for-the-sandbox-test"  # given to the grader; the kernels must not see it

if sandbox.available() is not None and os.environ.get("CI") != "true":
    pytest.skip(f"no sandbox here: {sandbox.available()}", allow_module_level=True)

ATTACKS = {
    "read_other": "try:\n    result = open({victim!r}).read().count({secret!r})\nexcept OSError as e:\n"
                  "    result = 'blocked ' + type(e).__name__",
    "read_solutions": "try:\n    result = open({solution!r}).read()[-400:]\nexcept OSError as e:\n"
                      "    result = 'blocked ' + type(e).__name__",
    "write_outside": "result = []\nfor p in ({outside!r}, {beside!r}):\n    try:\n"
                     "        open(p, 'w').write('pwned')\n        result.append('wrote')\n"
                     "    except OSError as e:\n        result.append(type(e).__name__)",
    "loopback": "import socket\ntry:\n"
                "    socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'pwned')\n"
                "    result = 'connected'\nexcept OSError as e:\n    result = 'blocked ' + type(e).__name__",
    "daemon": "import os, subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import os, time\\n"
              "if os.fork(): os._exit(0)\\nos.setsid(); time.sleep(90)', {mark!r}], start_new_session=True)\n"
              "result = 'spawned'",
    "gigabytes": "import mmap\ntry:\n    m = mmap.mmap(-1, 4 << 30)\n    result = 'mapped 4 GiB'\n"
                 "except (OSError, MemoryError) as e:\n    result = 'blocked ' + type(e).__name__",
    "read_secret": "import os\nblob = repr(dict(os.environ))\n"
                   "for p in ('/proc/self/environ', '/proc/1/cmdline', '/proc/1/environ',\n"
                   "          {secret_file!r}):\n"
                   "    try:\n        blob += open(p, 'rb').read().decode(errors='replace')\n"
                   "    except OSError:\n        pass\n"
                   "result = 'found' if {course!r} in blob else 'not found'",
    "modify_kit": "import gostack_kit.grading.questions as Q\ntry:\n"
                  "    open(Q.__file__, 'a').write('\\nQUESTIONS = ()\\n')\n    result = 'modified'\n"
                  "except OSError as e:\n    result = 'blocked ' + type(e).__name__",
}


def _tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


def _sleepers() -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and MARK.encode() in (d / "cmdline").read_bytes():
                found.append(int(d.name))
        except OSError:
            continue
    return found


def _attack_nb(code: str):
    nb = nbformat.read(release.SOLUTIONS / f"{TOPIC}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q1_answer")
    cell.source = code + REPORT
    return nb


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    root = tmp_path_factory.mktemp("sandbox")
    kit = root / "kit"  # the grader and the kernels use this copy of the kit
    shutil.copytree(Path(release.__file__).parents[1], kit / "gostack_kit",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(release.SOLUTIONS, kit / "solutions")
    subs, outside = root / "subs", root / "outside"
    outside.mkdir()
    victim = subs / "bob" / f"{TOPIC}.ipynb"
    victim.parent.mkdir(parents=True)
    nb = nbformat.read(release.SOLUTIONS / f"{TOPIC}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(VICTIM_SECRET))
    nbformat.write(nb, victim)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.5)
    got = []

    def accept():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                got.append(conn.recv(100))
                conn.close()
            except OSError:
                continue

    stop = threading.Event()
    threading.Thread(target=accept, daemon=True).start()
    files = {}
    for name, code in ATTACKS.items():
        files[name] = subs / name.replace("_", "-") / f"{TOPIC}.ipynb"
        files[name].parent.mkdir()
        fields = {"victim": str(victim), "secret": VICTIM_SECRET, "outside": str(outside / "pwned.txt"),
                  "beside": str(files[name].parent / "pwned.txt"), "port": listener.getsockname()[1],
                  "mark": MARK, "solution": str(kit / "solutions" / f"{TOPIC}.ipynb"),
                  "course": COURSE_SECRET, "secret_file": str(root / "secret")}
        nbformat.write(_attack_nb(code.format(**fields)), files[name])
    before = {k: p.read_bytes() for k, p in files.items()}
    kit_before = _tree_hash(kit)
    out = root / "out"
    (root / "secret").write_text(COURSE_SECRET)
    env = dict(os.environ, PYTHONPATH=str(kit), GOSTACK_KIT_SECRET_FILE=str(root / "secret"))
    done = subprocess.run([sys.executable, "-m", "gostack_kit.app.cli", "grade", str(subs), "-q", "-j", "2",
                           "--timeout", "20", "-o", str(out)], env=env, capture_output=True, text=True,
                          timeout=600, cwd=root)
    time.sleep(1)
    sleepers = _sleepers()
    for pid in sleepers:  # only the sleeper this test's attack started
        os.kill(pid, 9)
    stop.set()
    listener.close()
    assert done.returncode == 0, done.stderr[-2000:]
    graded = json.loads((out / "grades.json").read_text())
    rows = {Path(r["path"]).parent.name.replace("-", "_"): r for r in graded}
    return {"rows": rows, "before": before, "after": {k: p.read_bytes() for k, p in files.items()},
            "kit": (kit_before, _tree_hash(kit)), "connections": got, "sleepers": sleepers,
            "outside": sorted(p.name for p in outside.iterdir()), "stderr": done.stderr,
            "reports": (out / "grades.csv").read_text() + (out / "grades.json").read_text(),
            "beside": {k: sorted(q.name for q in p.parent.iterdir()) for k, p in files.items()}}


def _scores(row):
    return {s["qid"]: s["points"] for s in row["scores"]}


def _q1(row):
    return next(s["reason"] for s in row["scores"] if s["qid"] == "q1")


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_keeps_other_points_and_file(attacked, name):
    row = attacked["rows"][name]
    assert _scores(row)["q2"] == 2 and _scores(row)["q3"] == 2, row
    assert _scores(row)["q1"] == 0  # the answer is the attack's report, not a depth
    assert attacked["before"][name] == attacked["after"][name]
    assert attacked["beside"][name] == [f"{TOPIC}.ipynb"]  # nothing written next to the submission


def test_reading_another_student_and_the_solutions_is_blocked(attacked):
    assert "blocked FileNotFoundError" in _q1(attacked["rows"]["read_other"])
    assert "blocked FileNotFoundError" in _q1(attacked["rows"]["read_solutions"])
    assert VICTIM_SECRET not in attacked["reports"].replace(f"'{VICTIM_SECRET}'", "")
    assert "BEGIN HIDDEN TESTS" not in attacked["reports"]


def test_writing_outside_is_blocked(attacked):
    assert "wrote" not in _q1(attacked["rows"]["write_outside"])
    assert attacked["outside"] == []


def test_loopback_connection_is_blocked(attacked):
    assert "blocked" in _q1(attacked["rows"]["loopback"])
    assert attacked["connections"] == []


def test_no_process_survives_grading(attacked):
    assert "spawned" in _q1(attacked["rows"]["daemon"])
    assert attacked["sleepers"] == []


def test_gigabytes_are_refused(attacked):
    assert "blocked" in _q1(attacked["rows"]["gigabytes"])


def test_kit_files_cannot_be_modified(attacked):
    # EACCES as the unused uid of a root grader, EROFS (a plain OSError) as a user's own uid
    assert re.search(r"blocked (PermissionError|OSError)", _q1(attacked["rows"]["modify_kit"]))
    assert attacked["kit"][0] == attacked["kit"][1]


def test_the_course_secret_stays_out_of_the_kernel(attacked):
    assert "'not found'" in _q1(attacked["rows"]["read_secret"])
    assert COURSE_SECRET not in attacked["reports"]


def test_sandbox_runs_without_warning(attacked):
    assert "WITHOUT a sandbox" not in attacked["stderr"] and "guessable" not in attacked["stderr"]


def test_no_sandbox_warns_loudly(tmp_path, capsys, monkeypatch):
    from gostack_kit.app.cli import main as cli

    monkeypatch.delenv("GOSTACK_KIT_SECRET", raising=False)
    monkeypatch.delenv("GOSTACK_KIT_SECRET_FILE", raising=False)
    sub = tmp_path / "alice" / "01-address-space.ipynb"
    sub.parent.mkdir()
    sub.write_bytes((release.EXERCISES / "01-address-space.ipynb").read_bytes())
    assert cli(["grade", str(tmp_path), "--no-sandbox", "-q", "-o", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "WARNING: grading WITHOUT a sandbox" in err and "--no-sandbox was given" in err
    assert "variants are guessable" in err
