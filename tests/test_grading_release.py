"""Solutions and exercises: nbgrader metadata, stubs, hidden tests, exercises/ up to date."""

from __future__ import annotations

import nbformat
import pytest

from gostack_kit.grading import release
from gostack_kit.grading.questions import TOPICS, questions
from tools import exercises

SOLUTIONS = sorted(release.SOLUTIONS.glob("[0-9][0-9]-*.ipynb"))


def graded(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def test_one_solution_per_topic_and_exercises_current():
    assert [p.stem for p in SOLUTIONS] == list(TOPICS)
    assert release.stale_exercises() == [], "run: python -m tools.exercises exercises"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_metadata_matches_the_question_bank(path):
    nb = nbformat.read(path, as_version=4)
    cells = graded(nb)
    for q in questions(path.stem):
        test = cells[q.qid].metadata["nbgrader"]
        assert test["grade"] and test["points"] == q.points and test["schema_version"] == 3
        if q.manual:
            assert test["solution"] and cells[q.qid].cell_type == "markdown"
        else:
            assert not test["solution"]
            assert cells[f"{q.qid}_answer"].metadata["nbgrader"]["solution"]
            assert release.BEGIN_SOL in cells[f"{q.qid}_answer"].source
            assert cells[q.qid].source.count(release.BEGIN_HID) == 1
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code"), "solutions must be executed"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_exercise_has_stubs_and_no_hidden_tests(path):
    nb = release.make_exercise(nbformat.read(path, as_version=4))
    text = nbformat.writes(nb)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and "_verify" not in text
    for gid, cell in graded(nb).items():
        meta = cell.metadata["nbgrader"]
        assert cell.metadata["deletable"] is False
        assert cell.metadata.get("editable", True) is (meta["solution"] and gid != "setup")
        if meta["solution"] and cell.cell_type == "code":
            assert "raise NotImplementedError()" in cell.source
            assert "raises-exception" in cell.metadata["tags"]
        elif meta["solution"]:
            assert cell.source == release.TEXT_STUB
        elif meta["grade"]:
            assert cell.source == f'check("{gid}")'
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if c.cell_type == "code")


def test_stub_keeps_indentation_and_surrounding_code():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\nprint(1)"
    want = "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\nprint(1)"
    assert release._clear_solution(src) == want
    assert release._clear_solution("x = 1") == "# YOUR CODE HERE\nraise NotImplementedError()"


def test_stale_exercise_is_detected(tmp_path, monkeypatch):
    for p in SOLUTIONS[:1]:
        (tmp_path / p.name).write_text(p.read_text())  # a solution copied over its exercise: stale
    monkeypatch.setattr(release, "EXERCISES", tmp_path)
    assert release.stale_exercises() == [p.name for p in SOLUTIONS]


def test_bad_role():
    with pytest.raises(ValueError, match="role must be"):
        release.nbgrader_meta("solution:q1", "05-copying-stacks")


def test_check_command_reports_up_to_date(capsys):
    assert exercises.main(["--check"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_notebook_is_built_from_its_source(path):
    built = exercises._convert(release.SOLUTIONS / "src" / f"{path.stem}.py")
    stored = nbformat.read(path, as_version=4)
    assert [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in built.cells] == \
        [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in stored.cells], \
        "run: python -m tools.exercises"
