"""The release format of the graded notebooks: nbgrader's markers, stubs and cell metadata.

The builder (`python -m tools.exercises`, outside the installed package) executes solution
sources into solutions/ and writes exercises/ with `write_exercises`; the grader reads the
same markers. A solution source `solutions/src/NN-topic.py` is a jupytext percent script whose cells
carry a `role` in their header, turned into nbgrader metadata (schema 3) on build:

    # %% role="setup"            read-only cell (imports, check/hint/progress)
    # %% role="answer:q2"        autograded answer: code between ### BEGIN/END SOLUTION
    # %% role="tests:q2"         test cell: check("q2"), plus generated hidden tests
    # %% [markdown] role="explain:q4"   manually graded written answer

The hidden tests appended to each test cell drop every gostack_kit module from
sys.modules and import the kit afresh before calling `questions.verify`, so a student
who redefines `check`, or patches the kit's functions in their session, is still graded
by the kit's own code. Exercises are the solutions with answers replaced by nbgrader's
stubs, hidden tests removed, outputs cleared, answer cells tagged `raises-exception`, and
(as in nbgrader's release) graded cells marked undeletable and test/setup cells read-only.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from .questions import question

__all__ = ["SOLUTIONS", "EXERCISES", "make_exercise", "stale_exercises", "write_exercises",
           "hidden_block", "nbgrader_meta"]

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
BEGIN_SOL, END_SOL = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HID, END_HID = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")  # nbgrader's ClearSolutions stub
TEXT_STUB = "YOUR ANSWER HERE"


def hidden_block(topic: str, qid: str) -> str:
    """The hidden-test lines of one test cell: a fresh import of the kit, then verify."""
    return "\n".join([
        BEGIN_HID,
        "import sys as _sys",
        "for _name in [_n for _n in _sys.modules if _n.split('.')[0] == 'gostack_kit']:",
        "    del _sys.modules[_name]",
        "from gostack_kit.grading.questions import verify as _verify",
        f"_verify({topic!r}, {qid!r})",
        END_HID,
    ])


def nbgrader_meta(role: str, topic: str) -> dict:
    """nbgrader cell metadata (schema 3) for a cell role such as 'answer:q2'."""
    kind, _, qid = role.partition(":")
    meta = {"schema_version": 3, "grade": False, "solution": False, "locked": False}
    if kind == "setup":
        meta.update(grade_id="setup", locked=True)
    elif kind == "answer":
        meta.update(grade_id=f"{qid}_answer", solution=True)
    elif kind == "tests":
        meta.update(grade_id=qid, grade=True, points=question(topic, qid).points)
    elif kind == "explain":
        meta.update(grade_id=qid, grade=True, solution=True, points=question(topic, qid).points)
    else:
        raise ValueError(f"role must be setup, answer:qN, tests:qN or explain:qN; got {role!r}")
    return dict(sorted(meta.items()))


def _clear_solution(source: str) -> str:
    if BEGIN_SOL not in source:
        return "\n".join(CODE_STUB)
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == BEGIN_SOL:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + stub for stub in CODE_STUB]
        elif line.strip() == END_SOL:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _strip_hidden(source: str) -> str:
    pattern = re.compile(rf"\n?{re.escape(BEGIN_HID)}.*?{re.escape(END_HID)}\n?", re.S)
    return pattern.sub("\n", source).strip("\n")


def make_exercise(solution):
    """The student version of an executed solution notebook (a new NotebookNode)."""
    nb = copy.deepcopy(solution)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        meta = cell.metadata.get("nbgrader", {})
        if meta:  # as nbgrader's release does: graded cells cannot be deleted, tests not edited
            cell.metadata["deletable"] = False
            if meta.get("locked") or (meta.get("grade") and not meta.get("solution")):
                cell.metadata["editable"] = False
        if meta.get("solution"):
            if cell.cell_type == "code":
                cell.source = _clear_solution(cell.source)
                tags = cell.metadata.setdefault("tags", [])
                if "raises-exception" not in tags:
                    tags.append("raises-exception")
            else:
                cell.source = TEXT_STUB
        if meta.get("grade") and cell.cell_type == "code":
            cell.source = _strip_hidden(cell.source)
    return nb


def _exercise_text(path: Path) -> str:
    import nbformat

    return nbformat.writes(make_exercise(nbformat.read(path, as_version=4))) + "\n"


def write_exercises(out_dir: Path = EXERCISES) -> list[Path]:
    """Regenerate every exercise notebook from solutions/; return the written paths."""
    out_dir.mkdir(exist_ok=True)
    written = []
    for path in sorted(SOLUTIONS.glob("[0-9][0-9]-*.ipynb")):
        target = out_dir / path.name
        target.write_text(_exercise_text(path), encoding="utf-8")
        written.append(target)
    return written


def stale_exercises() -> list[str]:
    """Names of exercise notebooks that are missing, extra or differ from what solutions/ generates."""
    stale = []
    want = {p.name: p for p in sorted(SOLUTIONS.glob("[0-9][0-9]-*.ipynb"))}
    for name, path in want.items():
        target = EXERCISES / name
        if not target.exists() or target.read_text(encoding="utf-8") != _exercise_text(path):
            stale.append(name)
    stale += sorted(p.name for p in EXERCISES.glob("[0-9][0-9]-*.ipynb") if p.name not in want)
    return stale
