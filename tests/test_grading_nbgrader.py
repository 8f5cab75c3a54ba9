"""Real nbgrader takes the kit's solutions through generate_assignment and autograde.

All six notebooks form one assignment; two students submit: one hands in the solutions,
one the untouched exercises. Autograde runs with a course secret, so each student works
on their own numbers (their folder under autograded/ is their identity). Scores are read
from the gradebook, because autograde exits 0 even when tests fail. nbgrader calls
`alembic` as a shell command, so this Python's bin/ goes first on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from gostack_kit.grading import release, variant
from gostack_kit.grading.questions import TOPICS, question, questions

SOLUTIONS = sorted(release.SOLUTIONS.glob("[0-9][0-9]-*.ipynb"))
SECRET = "nbgrader-test-secret"  # the course secret autograde sees


def _nbgrader(course: Path, *args: str) -> None:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("GOSTACK_KIT_HOME", None)
    env["GOSTACK_KIT_SECRET"] = SECRET
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}",
           f"--db=sqlite:///{course / 'gradebook.db'}", "--create"]
    done = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    for folder, files in (("source/ps", SOLUTIONS), ("submitted/solution/ps", SOLUTIONS),
                          ("submitted/untouched/ps", sorted(release.EXERCISES.glob("[0-9][0-9]-*.ipynb")))):
        (root / folder).mkdir(parents=True)
        for f in files:
            shutil.copyfile(f, root / folder / f.name)
    _nbgrader(root, "generate_assignment", "ps")
    _nbgrader(root, "autograde", "ps")
    return root


def _auto_points(topic):
    return sum(q.points for q in questions(topic) if not q.manual)


def test_release_matches_generated_exercises(course):
    for path in SOLUTIONS:
        theirs = nbformat.read(course / "release/ps" / path.name, as_version=4)
        ours = nbformat.read(release.EXERCISES / path.name, as_version=4)
        assert [c.source for c in theirs.cells] == [c.source for c in ours.cells], path.name


def test_solutions_full_marks_exercises_zero(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sol, ex = gb.find_submission("ps", "solution"), gb.find_submission("ps", "untouched")
        total = sum(_auto_points(t) for t in TOPICS)
        assert (sol.code_score, sol.max_code_score) == (total, total)
        assert (ex.code_score, ex.max_code_score) == (0, total)
        for nb in sol.notebooks:
            assert nb.code_score == nb.max_code_score == _auto_points(nb.name), nb.name
            manual = {g.name for g in nb.grades if g.needs_manual_grade}
            assert manual == {q.qid for q in questions(nb.name) if q.manual}, nb.name
        assert not ex.needs_manual_grade  # unchanged "YOUR ANSWER HERE" scores 0 automatically
        assert all(g.score == 0 for nb in ex.notebooks for g in nb.grades)


@pytest.mark.parametrize("topic", ["01-address-space", "04-segmented-stacks-and-hot-split",
                                   "06-inlining-and-escape"])
def test_autograde_worked_on_the_students_own_numbers(course, topic):
    nb = nbformat.read(course / f"autograded/solution/ps/{topic}.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    mine = question(topic, "q1").numbers(variant.Variant("solution", variant.key_for("solution", SECRET)))
    assert mine != question(topic, "q1").defaults
    shown = ", ".join(f"{k} = {v!r}" for k, v in mine.items())  # as task("q1") prints them
    assert f"q1 (solution's numbers): {shown}" in text
