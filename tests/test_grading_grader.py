"""`gostack-kit grade`: solutions score full marks, exercises zero, hostile submissions get reasons.

All submissions are graded in one parallel run (module fixture) to keep the suite fast.
"""

from __future__ import annotations

import copy
import hashlib
import json

import nbformat
import pytest

from gostack_kit.app.cli import main as cli
from gostack_kit.grading import grader, release
from gostack_kit.grading.questions import questions

TOPIC = "05-copying-stacks"
CELL_TIMEOUT = 6  # s: the infinite loop is stopped by this (normal cells take < 1 s)
TOTAL_TIMEOUT = 30  # s: ... and the loop that swallows KeyboardInterrupt by this


def _solution():
    return nbformat.read(release.SOLUTIONS / f"{TOPIC}.ipynb", as_version=4)


def _cell(nb, gid):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def _with_answer(gid, source):
    nb = _solution()
    _cell(nb, gid).source = source
    return nb


ALWAYS = ("\nclass Always(int):\n    def __eq__(self, other):\n        return True\n"
          "    __ne__ = lambda self, other: False\n    __hash__ = int.__hash__\n"
          "def check(qid):\n    print('all passed')\n")


def _hostile():
    """name -> notebook: each a solution with one thing broken."""
    subs = {}
    subs["syntax"] = _with_answer("q2_answer", "def newstack_size(size, used, frame:\n    return 1")
    subs["loop"] = _with_answer("q1_answer", "while True:\n    pass")
    subs["loop_swallow"] = _with_answer(
        "q1_answer", "while True:\n    try:\n        while True:\n            pass\n"
                     "    except BaseException:\n        pass")
    subs["sysexit"] = _with_answer("q1_answer", "import sys\nsys.exit(3)")
    subs["osexit"] = _with_answer("q2_answer", "import os\nos._exit(1)")
    subs["osexit_in_test"] = _with_answer("q2_answer", "def newstack_size(size, used, frame):\n"
                                                       "    import os\n    os._exit(1)")
    nb = _solution()
    nb.cells.remove(_cell(nb, "q2"))
    nb.cells.remove(_cell(nb, "q3_answer"))
    subs["deleted"] = nb
    nb = _solution()
    nb.cells.remove(_cell(nb, "setup"))
    subs["no_setup"] = nb
    nb = _solution()
    i = nb.cells.index(_cell(nb, "q1"))
    nb.cells.insert(i, copy.deepcopy(nb.cells[i]))
    nb.cells[i].id = "dup-q1"
    wrong = copy.deepcopy(_cell(nb, "q2_answer"))
    wrong.id = "dup-q2-answer"
    wrong.source = "def newstack_size(size, used, frame):\n    return 2 * size"
    nb.cells.insert(nb.cells.index(_cell(nb, "q2_answer")) + 1, wrong)
    subs["duplicated"] = nb
    subs["equal_to_all"] = _solution()
    for gid, code in (("q1_answer", "first_growth_depth = Always()"), ("q3_answer", "growth_log = Always()"),
                      ("q2_answer", "def newstack_size(size, used, frame):\n    return Always()"),
                      ("q5_answer", "depths_by_release = Always()")):
        _cell(subs["equal_to_all"], gid).source = code
    _cell(subs["equal_to_all"], "setup").source += ALWAYS  # a restored setup cell undoes this...
    subs["equal_to_all"].cells.insert(1, nbformat.v4.new_code_cell(ALWAYS))  # ...an extra cell does not
    subs["fake_check"] = _with_answer(
        "q3_answer", "growth_log = [(1, 2)]\ndef check(q):\n    print('all passed')\n"
                     "import gostack_kit.grading.questions as Q\nQ.verify = lambda *a, **k: None")
    subs["patched_engine"] = _with_answer(
        "q1_answer", "import gostack_kit.stacks.copying as C\nclass Fake:\n    growths = ()\n"
                     "C.ContiguousStack.run = lambda self, t: Fake()\nfirst_growth_depth = 3")
    subs["tampered_test"] = _solution()
    _cell(subs["tampered_test"], "q2").source = "pass"
    _cell(subs["tampered_test"], "q2_answer").source = "def newstack_size(s, u, f):\n    return 0"
    subs["megabytes"] = _with_answer("q3_answer", "print('x' * 6_000_000)\nfor i in range(2000):\n"
                                                  "    print(i, 'y' * 500)\n"
                                                  + _cell(_solution(), "q3_answer").source)
    nb = _solution()
    _cell(nb, "q3_answer").source = "p = task('q3')\n" + _cell(nb, "q3_answer").source  # its p cell stays
    block = [_cell(nb, "q3_answer"), _cell(nb, "q3")]
    for c in block:
        nb.cells.remove(c)
    at = nb.cells.index(_cell(nb, "setup")) + 1
    nb.cells[at:at] = block  # q3 moved above q1, right after the setup cell
    subs["moved"] = nb
    return subs


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("subs")
    files = {}
    for name, nb in _hostile().items():
        files[name] = root / "hostile" / f"{TOPIC[:2]}-{name}.ipynb"
        files[name].parent.mkdir(exist_ok=True)
        nbformat.write(nb, files[name])
    files["garbage"] = root / "hostile" / "05-garbage.ipynb"
    files["garbage"].write_bytes(b"{ this is not json")
    for kind, folder in (("solution", release.SOLUTIONS), ("exercise", release.EXERCISES)):
        for p in sorted(folder.glob("[0-9][0-9]-*.ipynb")):
            files[f"{kind}:{p.stem}"] = root / kind / p.name
            files[f"{kind}:{p.stem}"].parent.mkdir(exist_ok=True)
            files[f"{kind}:{p.stem}"].write_bytes(p.read_bytes())
    before = {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in files.items()}
    out = root / "out"
    argv = ["grade", str(root / "hostile"), str(root / "solution"), str(root / "exercise"),
            "-j", "2", "--timeout", str(CELL_TIMEOUT), "--total-timeout", str(TOTAL_TIMEOUT),
            "-o", str(out), "-q"]
    assert cli(argv) == 0
    rows = json.loads((out / "grades.json").read_text())
    by_path = {r["path"]: r for r in rows}
    results = {k: by_path[str(p)] for k, p in files.items()}
    after = {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in files.items()}
    return {"results": results, "before": before, "after": after, "out": out}


def scores(r):
    return {s["qid"]: (s["points"], s["status"]) for s in r["scores"]}


def test_files_unchanged(graded):
    assert graded["before"] == graded["after"]


def test_every_solution_full_marks_every_exercise_zero(graded):
    res = graded["results"]
    for topic in (k.split(":")[1] for k in res if k.startswith("solution:")):
        sol, ex = res[f"solution:{topic}"], res[f"exercise:{topic}"]
        auto = sum(q.points for q in questions(topic) if not q.manual)
        assert (sol["score"], sol["possible"]) == (auto, auto), sol
        assert (ex["score"], ex["possible"]) == (0, auto), ex
        manual = {s["qid"]: s["reason"] for s in sol["scores"] if s["status"] == "manual"}
        assert set(manual.values()) == {"answered: grade by hand"}
        assert {s["reason"] for s in ex["scores"] if s["status"] == "manual"} == {"unanswered"}


def test_csv_has_a_row_per_question(graded):
    lines = (graded["out"] / "grades.csv").read_text().splitlines()
    assert lines[0] == "student,submission,topic,question,points,possible,status,reason"
    per_question = sum(len(r["scores"]) for k, r in graded["results"].items() if k != "garbage")
    assert per_question >= 4 * (len(graded["results"]) - 1)  # every notebook has 4 or more
    assert len(lines) == 1 + per_question + 1  # garbage file: one error row


def reason(r, qid):
    return next(s["reason"] for s in r["scores"] if s["qid"] == qid)


def test_syntax_error(graded):
    r = graded["results"]["syntax"]
    assert scores(r) == {"q1": (1, "pass"), "q2": (0, "fail"), "q3": (2, "pass"), "q4": (0, "manual"),
                         "q5": (1, "pass")}
    assert "not implemented yet" not in reason(r, "q2") and "newstack_size" in reason(r, "q2")


@pytest.mark.parametrize("name", ["loop", "loop_swallow", "sysexit"])
def test_stopped_answer_cell_costs_only_its_question(graded, name):
    r = graded["results"][name]
    s = scores(r)
    assert s["q1"] == (0, "fail") and "`first_growth_depth` is not defined yet" in reason(r, "q1")
    assert s["q2"] == (2, "pass") and s["q3"] == (2, "pass")
    if name == "loop_swallow":  # the kernel ignored the interrupt: replaced, setup rerun, grading went on
        assert r["notes"] == [f"q1_answer ignored the interrupt after {CELL_TIMEOUT} s: restarted"]


def test_answers_equal_to_everything_earn_nothing(graded):
    r = graded["results"]["equal_to_all"]
    assert scores(r) == {"q1": (0, "fail"), "q2": (0, "fail"), "q3": (0, "fail"), "q4": (0, "manual"),
                         "q5": (0, "fail")}
    assert "Always (not plain data)" in reason(r, "q1")  # an int subclass arrives as an opaque stand-in
    assert "expected 4096, got <" in reason(r, "q2")


def test_os_exit_restarts_the_kernel(graded):
    r = graded["results"]["osexit"]
    assert scores(r) == {"q1": (1, "pass"), "q2": (0, "fail"), "q3": (2, "pass"), "q4": (0, "manual"),
                         "q5": (1, "pass")}
    assert "`newstack_size` is not defined yet" in reason(r, "q2")
    assert r["notes"] == ["the kernel died in q2_answer (os._exit, a crash or out of memory): restarted"]
    r = graded["results"]["osexit_in_test"]  # the grader's call of newstack_size kills the kernel
    assert scores(r) == {"q1": (1, "pass"), "q2": (0, "fail"), "q3": (2, "pass"), "q4": (0, "manual"),
                         "q5": (1, "pass")}
    assert "the kernel died while running your functions" in reason(r, "q2")
    assert r["notes"] == ["the kernel died in q2's functions (os._exit, a crash or out of memory): restarted"]


def test_deleted_cells(graded):
    r = graded["results"]["deleted"]
    assert scores(r)["q2"] == (2, "pass")  # test cell restored from solutions/
    assert "cell 'q2' was deleted: restored from solutions/" in r["notes"]
    assert scores(r)["q3"] == (0, "fail") and reason(r, "q3").startswith("answer cell deleted; ")
    assert graded["results"]["no_setup"]["score"] == 6  # q1-q3 and q5 (q4 is manual)


def test_duplicated_grade_id(graded):
    r = graded["results"]["duplicated"]
    assert "duplicate grade_id 'q1': extra copy ignored" in r["notes"]
    assert "duplicate grade_id 'q2_answer': every copy runs, in order" in r["notes"]
    assert scores(r)["q1"] == (1, "pass") and scores(r)["q2"] == (0, "fail")


def test_redefined_check_verify_and_engine(graded):
    r = graded["results"]["fake_check"]
    assert scores(r)["q3"] == (0, "fail") and "growth_log" in reason(r, "q3")
    r = graded["results"]["patched_engine"]
    assert scores(r)["q1"] == (0, "fail") and "not the depth of the first growth" in reason(r, "q1")
    r = graded["results"]["tampered_test"]
    assert scores(r)["q2"] == (0, "fail") and "expected 4096, got 0" in reason(r, "q2")


def test_megabytes_of_output_and_moved_cells(graded):
    assert graded["results"]["megabytes"]["score"] == 6
    assert graded["results"]["moved"]["score"] == 6


def test_unreadable_file(graded):
    r = graded["results"]["garbage"]
    assert r["scores"] == [] and r["notes"][0].startswith("not a readable notebook")


def test_bad_paths():
    with pytest.raises(ValueError, match="PATH must be a notebook or a folder"):
        grader.find_submissions(["/nonexistent/x.ipynb"])


def test_table_lists_scores_and_reasons_and_never_cuts_a_name():
    long = "maximiliane-alexandra-von-und-zu-mustermann-schmidt"
    rows = [grader.Submission(f"subs/{long}/{TOPIC}.ipynb", TOPIC, (
        grader.QuestionScore("q1", 1, 1, "pass"), grader.QuestionScore("q2", 0, 2, "fail", "NameError: x"),
        grader.QuestionScore("q4", 0, 1, "manual", "unanswered")), ("cell 'q2' was deleted",), student=long),
        grader.Submission(f"subs/{long}-and-a-longer-file-name.ipynb", None, (), ("not readable",))]
    lines = grader.table(rows).splitlines()
    assert lines[0].split() == ["student", "file", "topic", "q1", "q2", "q4", "score", "notes"]
    assert lines[2].split()[:7] == [long, f"{TOPIC}.ipynb", "05", "1", "0", "?", "1/3"]
    assert lines[2].endswith("cell 'q2' was deleted; q2: NameError: x")
    assert f"{long}-and-a-longer-file-name.ipynb" in lines[3]
    assert "? = an explanation, graded by hand" in lines[-1]


def test_missing_solution_notebook_is_a_note_not_a_crash(tmp_path):
    sub = tmp_path / "alice" / f"{TOPIC}.ipynb"
    sub.parent.mkdir()
    sub.write_bytes((release.SOLUTIONS / f"{TOPIC}.ipynb").read_bytes())
    (tmp_path / "empty").mkdir()
    r = grader.grade_one(str(sub), solutions=str(tmp_path / "empty"), student="alice")
    assert r.topic == TOPIC and r.scores == () and r.student == "alice"
    assert r.notes[0].startswith(f"cannot read the solution notebook {TOPIC}.ipynb")
    rows = grader.grade_paths([tmp_path / "alice"], solutions=str(tmp_path / "empty"), workers=1)
    assert rows[0].notes == r.notes  # the run goes on and reports it per submission
