"""In-notebook feedback: `check("q2")`, `hint("q2")`, `progress()` and `task("q2")`.

    from gostack_kit.grading import notebook, task_for
    check, hint, progress = notebook("05-copying-stacks")
    task = task_for("05-copying-stacks")      # only where questions have per-student numbers

`task` prints and returns a question's numbers for this student's variant (variant.py:
from JUPYTERHUB_USER or the notebook's `STUDENT = "..."` cell; today's numbers without
one). `check` sends the answer through the same wire the grader uses (wire.py) and prints
one line per case, with a message that says what was expected (never a traceback): the
visible cases of compute and implement questions, and every case of a predict question,
so a written prediction is told right or wrong. `hint` reveals the hints one level at a
time, with the variant's numbers, remembering the level between sessions. `progress`
lists every question of the course, done or not.
State lives in one small JSON file, `~/.gostack-kit/progress.json`; the environment
variable GOSTACK_KIT_HOME moves it (tests point it at a temporary folder). While a
grader runs the notebook (GOSTACK_KIT_GRADING or nbgrader's NBGRADER_EXECUTION set) the
file is neither read nor written.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from . import variant as variants
from .questions import TOPICS, evaluate, question, questions

__all__ = ["notebook", "task_for", "check", "hint", "progress", "task", "state_path"]

#: what a passing check adds, per question kind (predict questions are checked in full)
AFTER_PASS = {
    "compute": "The grader compares the value itself with the engine's.",
    "implement": "The grader also tries your function on hidden cases.",
    "predict": "Your prediction matches the model.",
}
PASS, FAIL, OPEN = "\u2705", "\u274c", "\u270d"  # check mark, cross, writing hand (manual grading)


def state_path() -> Path:
    """Where progress and hint levels are kept ($GOSTACK_KIT_HOME or ~/.gostack-kit)."""
    home = os.environ.get("GOSTACK_KIT_HOME")
    return Path(home or Path.home() / ".gostack-kit") / "progress.json"


def _grading() -> bool:
    return bool(os.environ.get("GOSTACK_KIT_GRADING") or os.environ.get("NBGRADER_EXECUTION"))


def _load() -> dict:
    if _grading():
        return {}
    try:
        data = json.loads(state_path().read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save(state: dict) -> None:
    if _grading():
        return
    path = state_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
        tmp.replace(path)
    except OSError:  # a read-only home must not break a student's notebook
        pass


def _full(topic: str) -> str:
    return next((name for name in TOPICS if topic in (name, name[:2])), topic)


def _entry(state: dict, topic: str, qid: str) -> dict:
    return state.setdefault("questions", {}).setdefault(f"{_full(topic)}:{qid}", {})


def check(topic: str, qid: str, ns: dict | None = None) -> bool:
    """Run the visible cases of `qid`, print one line per case; True when all pass."""
    ns = sys._getframe(1).f_globals if ns is None else ns
    try:
        q = question(topic, qid)
    except ValueError as e:
        print(f"{FAIL} {e}")
        return False
    if q.manual:
        print(f"{OPEN} {qid} ({q.title}) is an explanation: your instructor grades it; "
              "nothing to check here.")
        return False
    predict = q.kind == "predict"
    results = evaluate(q, ns, variants.identify(ns), hidden=predict)
    passed = sum(msg is None for _, msg in results)
    print(f"{qid}: {q.title} - {passed} of {len(results)} {'' if predict else 'visible '}checks passed")
    for label, msg in results:
        print(f"  {PASS} {label}" if msg is None else f"  {FAIL} {label}\n       {msg}")
    ok = passed == len(results)
    if ok:
        print(f"  {AFTER_PASS[q.kind]}")
    else:
        print(f'  Stuck? hint("{qid}") shows a hint.')
    if predict and q.model:
        print(f"  See it in the model: {q.model}")
    state = _load()
    _entry(state, topic, qid)["done"] = ok
    _save(state)  # a no-op while grading
    return ok


def hint(topic: str, qid: str, ns: dict | None = None) -> None:
    """Print the hints of `qid` up to the next level (one more each call), with the variant's numbers."""
    try:
        q = question(topic, qid)
    except ValueError as e:
        print(f"{FAIL} {e}")
        return
    if not q.hints:
        print(f"{qid} has no hints: it asks for your own explanation.")
        return
    state = _load()
    entry = _entry(state, topic, qid)
    level = min(int(entry.get("hints", 0)) + 1, len(q.hints))
    entry["hints"] = level
    _save(state)
    texts = q.hint_texts(variants.identify(ns))
    for i, text in enumerate(texts[:level], 1):
        print(f"Hint {i}/{len(q.hints)}: {text}")
    if level == len(q.hints):
        print("That was the last hint.")


def task(topic: str, qid: str, ns: dict | None = None) -> dict:
    """Print and return the numbers of question `qid` for this notebook's student."""
    q = question(topic, qid)
    var = variants.identify(ns)
    p = q.numbers(var)
    whose = "today's numbers (no STUDENT set)" if var.default else f"{var.student}'s numbers"
    shown = ", ".join(f"{k} = {v!r}" for k, v in p.items()) or "no numbers: the same for everyone"
    print(f"{qid} ({whose}): {shown}")
    return p


def progress(topic: str | None = None) -> dict[str, tuple[int, int]]:
    """Print the done/total count per notebook (and which questions); return {topic: (done, total)}."""
    state = _load().get("questions", {})
    summary = {}
    for name in TOPICS:
        graded = [q for q in questions(name) if not q.manual]
        done = [q.qid for q in graded if state.get(f"{name}:{q.qid}", {}).get("done")]
        summary[name] = (len(done), len(graded))
        mark = PASS if len(done) == len(graded) else " "
        here = "  <- this notebook" if name == topic else ""
        marks = " ".join(f"{q.qid}{'+' if q.qid in done else '-'}" for q in graded)
        print(f"{mark} {name:<36} {len(done)}/{len(graded)}  {marks}{here}")
    total = sum(d for d, _ in summary.values()), sum(t for _, t in summary.values())
    width = 30
    filled = width * total[0] // max(total[1], 1)
    print(f"course: [{'#' * filled}{'.' * (width - filled)}] {total[0]}/{total[1]} checked questions")
    return summary


def task_for(topic: str):
    """task('q1') bound to one notebook: prints and returns that question's numbers for this student."""
    topic = _full(topic)
    questions(topic)  # ValueError for an unknown topic, at setup time

    def task_q(qid: str) -> dict:
        """Show (and return) the numbers of question `qid` for you."""
        return task(topic, qid, sys._getframe(1).f_globals)

    return task_q


def notebook(topic: str):
    """(check, hint, progress) bound to one notebook: check('q2'), hint('q2'), progress()."""
    topic = _full(topic)
    questions(topic)  # ValueError for an unknown topic, at setup time

    def check_q(qid: str) -> None:
        """Run the visible checks of question `qid` and print the result."""
        check(topic, qid, sys._getframe(1).f_globals)

    def hint_q(qid: str) -> None:
        """Show the next hint of question `qid`."""
        hint(topic, qid, sys._getframe(1).f_globals)

    def progress_all() -> None:
        """Show which questions of the course are done."""
        progress(topic)

    return check_q, hint_q, progress_all
