"""check / hint / progress and the question bank: friendly feedback, state file, references."""

from __future__ import annotations

import json

import pytest

from gostack_kit.core import versions
from gostack_kit.grading import feedback, notebook
from gostack_kit.grading.questions import KINDS, TOPICS, Fail, call, question, questions, run_cases, verify
from gostack_kit.stacks.copying import newstack_size as ref_newstack


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("GOSTACK_KIT_HOME", str(tmp_path))
    monkeypatch.delenv("GOSTACK_KIT_GRADING", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return tmp_path


def good_newstack(size, used, frame):
    return ref_newstack(size, used, frame, versions.get("1.27"))


def test_every_topic_has_mixed_kinds_and_hints():
    for topic in TOPICS:
        qs = questions(topic)
        assert len(qs) >= 3
        kinds = {q.kind for q in qs}
        assert kinds == set(KINDS), topic
        for q in qs:
            assert q.manual or (q.cases and q.hidden and len(q.hints) >= 2), (topic, q.qid)


def test_check_reports_each_case_without_traceback(capsys):
    check, _, _ = notebook("05")
    ns = {"newstack_size": lambda s, u, f: 1 // 0}
    assert feedback.check("05-copying-stacks", "q2", ns) is False
    out = capsys.readouterr().out
    assert "0 of 2 visible checks passed" in out
    assert "newstack_size(2048, 1152, 88) raised ZeroDivisionError: integer division or modulo by zero" in out
    assert "Traceback" not in out and 'hint("q2")' in out


def test_check_messages_for_missing_stub_and_wrong(capsys):
    def stub(*a):
        raise NotImplementedError()

    assert not feedback.check("05", "q2", {})
    assert "`newstack_size` is not defined yet" in capsys.readouterr().out
    assert not feedback.check("05", "q2", {"newstack_size": stub})
    assert "not implemented yet" in capsys.readouterr().out
    assert not feedback.check("05", "q2", {"newstack_size": lambda s, u, f: 2 * s})
    assert "newstack_size(2048, 1000, 5000): expected 8192, got 4096" in capsys.readouterr().out
    assert feedback.check("05", "q2", {"newstack_size": good_newstack})
    assert "2 of 2 visible checks passed" in capsys.readouterr().out


def test_bound_check_reads_the_callers_globals(capsys):
    check, _, _ = notebook("05-copying-stacks")
    glb = {"check": check, "newstack_size": good_newstack}
    exec("check('q2')", glb)
    assert "2 of 2 visible checks passed" in capsys.readouterr().out


def test_explain_and_unknown_questions(capsys):
    assert not feedback.check("05", "q4", {})
    assert "instructor grades it" in capsys.readouterr().out
    assert not feedback.check("05", "q9", {})
    assert "qid must be one of q1, q2, q3, q4" in capsys.readouterr().out
    with pytest.raises(ValueError, match="topic must be one of"):
        notebook("99")


def test_hint_levels_persist_and_stop_at_the_last(home, capsys):
    n = len(question("05", "q2").hints)
    for level in range(1, n + 2):
        feedback.hint("05", "q2")
        out = capsys.readouterr().out
        assert out.count("Hint ") == min(level, n)
    assert "last hint" in out
    state = json.loads((home / "progress.json").read_text())
    assert state["questions"]["05-copying-stacks:q2"]["hints"] == n


def test_progress_counts_checked_questions(home, capsys):
    feedback.check("05", "q2", {"newstack_size": good_newstack})
    feedback.check("05", "q1", {"first_growth_depth": -1})
    summary = feedback.progress()
    assert summary["05-copying-stacks"] == (1, 4)  # q1, q2, q3, q5 (q4 is explained)
    assert summary["01-address-space"] == (0, 3)
    assert summary["03-mn-scheduling"] == (0, 5)  # q1, q2, q3, q5, q6 (q4 is explained)
    out = capsys.readouterr().out
    assert "course: [" in out and "1/24 checked questions" in out


def test_grading_mode_never_touches_the_state_file(home, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    feedback.check("05", "q2", {"newstack_size": good_newstack})
    feedback.hint("05", "q2")
    assert not (home / "progress.json").exists()


def test_corrupt_state_file_is_ignored(home, capsys):
    (home / "progress.json").write_text("{not json")
    assert feedback.progress()["05-copying-stacks"] == (0, 4)


def test_verify_runs_hidden_cases():
    # passes the visible cases (2048-based) but not the hidden ones (8192 with 7296 in use)
    def only_visible(size, used, frame):
        return {(2048, 1152, 88): 4096, (2048, 1000, 5000): 8192}.get((size, used, frame), 0)

    visible = run_cases(question("05", "q2").cases, {"newstack_size": only_visible})
    assert all(msg is None for _, msg in visible)
    with pytest.raises(AssertionError, match="newstack_size\\(8192, 7296, 88\\): expected 16384, got 0"):
        verify("05", "q2", {"newstack_size": only_visible})
    verify("05", "q2", {"newstack_size": good_newstack})


def test_call_rejects_non_functions():
    with pytest.raises(Fail, match="should be a function; it is a int"):
        call({"f": 3}, "f")
