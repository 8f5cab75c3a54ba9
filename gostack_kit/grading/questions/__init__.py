"""The course's graded questions: one module per concept notebook, and the machinery they share.

A topic module (`questions/copying.py`) defines TOPIC (the notebook's name) and QUESTIONS,
a tuple of `Question`. Each question names the student's answer (`names`), its visible
cases (what `check("q2")` runs and shows), its hidden cases (only the grader and the
hidden-test cells run them) and its hints, weakest first:

    Question("q2", "implement", points=2, names=("newstack_size",),
             cases=(Case("doubles a 2 KiB stack", _doubles), ...), hidden=(...), hints=(...))

A case is a function of the student's namespace that returns None or raises `Fail`
with a message that says what was expected and what came back. Cases compute their
expected values with the kit's own engine, never with anything the student defined, and
`verify` (called from hidden-test cells after a fresh import of the kit) runs the
visible and hidden cases together and raises AssertionError when any fails, which is what
nbgrader and `gostack-kit grade` count as a failed test cell. "explain" questions have no
cases: they are graded by a person.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Case", "Fail", "Question", "TOPICS", "topic_module", "questions", "question",
           "need", "need_int", "equal", "call", "run_cases", "verify"]

#: notebook name -> module holding its questions, in course order
TOPICS: dict[str, str] = {
    "01-address-space": "address",
    "02-thread-stacks-and-guard-pages": "threads",
    "03-mn-scheduling": "sched",
    "04-segmented-stacks-and-hot-split": "segmented",
    "05-copying-stacks": "copying",
    "06-inlining-and-escape": "compiler",
}

KINDS = ("compute", "implement", "predict", "explain")  # the four kinds docs/grading.md describes


class Fail(Exception):
    """A case failed; the message is shown to the student as it is."""


@dataclass(frozen=True)
class Case:
    """One named check of the student's answer: fn(namespace) returns None or raises Fail."""

    label: str
    fn: Callable[[dict], None]


@dataclass(frozen=True)
class Question:
    """One graded question of a notebook: its id, kind, points, answer names, cases and hints."""

    qid: str
    kind: str
    points: int
    title: str
    names: tuple[str, ...] = ()
    cases: tuple[Case, ...] = ()
    hidden: tuple[Case, ...] = ()
    hints: tuple[str, ...] = field(default=())

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {self.kind!r}")
        if self.kind != "explain" and not (self.cases and self.hidden):
            raise ValueError(f"{self.qid}: a {self.kind} question needs visible and hidden cases")

    @property
    def manual(self) -> bool:
        """True when a person grades the answer (explain questions)."""
        return self.kind == "explain"


def topic_module(topic: str):
    """The module of `topic` (a notebook name such as '05-copying-stacks', or its number '05')."""
    for name, module in TOPICS.items():
        if topic in (name, name[:2]):
            return importlib.import_module(f"{__name__}.{module}")
    raise ValueError(f"topic must be one of {', '.join(TOPICS)}; got {topic!r}")


def questions(topic: str) -> tuple[Question, ...]:
    """The questions of one notebook, in order."""
    return topic_module(topic).QUESTIONS


def question(topic: str, qid: str) -> Question:
    """One question of a notebook by id ('q2')."""
    for q in questions(topic):
        if q.qid == qid:
            return q
    ids = ", ".join(q.qid for q in questions(topic))
    raise ValueError(f"qid must be one of {ids} for {topic}; got {qid!r}")


# ---- helpers the cases use ----------------------------------------------------------------


def need(ns: dict, name: str):
    """The value the student bound to `name`, or Fail telling them how to define it."""
    if name not in ns:
        raise Fail(f"`{name}` is not defined yet: write your answer in the cell above and run it")
    return ns[name]


def need_int(ns: dict, name: str, lo: int, hi: int) -> int:
    """The int the student bound to `name`, or Fail saying it is not a whole number in [lo, hi]."""
    value = need(ns, name)
    if type(value) is not int:
        raise Fail(f"`{name}` should be a whole number (int); it is a {type(value).__name__}")
    if not lo <= value <= hi:
        raise Fail(f"`{name}` = {value} is outside the plausible range [{lo}, {hi}]")
    return value


def equal(got, want, what: str) -> None:
    """Fail unless got == want, naming `what` and showing both values."""
    if type(got) is bool and type(want) is not bool:
        raise Fail(f"{what}: expected {want!r}, got the boolean {got!r}")
    if got != want:
        raise Fail(f"{what}: expected {want!r}, got {got!r}")


def call(ns: dict, name: str, *args):
    """Call the student's function `name`; turn its exceptions into a readable Fail."""
    fn = need(ns, name)
    if not callable(fn):
        raise Fail(f"`{name}` should be a function; it is a {type(fn).__name__}")
    shown = ", ".join(repr(a) for a in args)
    try:
        return fn(*args)
    except NotImplementedError:
        raise Fail(f"`{name}` is not implemented yet (it still raises NotImplementedError)") from None
    except Exception as e:  # the student's bug, reported in one line
        raise Fail(f"{name}({shown}) raised {type(e).__name__}: {e}") from None


def run_cases(cases, ns: dict) -> list[tuple[str, str | None]]:
    """(label, None or failure message) for each case, never raising."""
    results = []
    for case in cases:
        try:
            case.fn(ns)
            results.append((case.label, None))
        except Fail as e:
            results.append((case.label, str(e)))
        except Exception as e:  # a case that trips over an odd answer still reports, never crashes
            results.append((case.label, f"could not check: {type(e).__name__}: {e}"))
    return results


def verify(topic: str, qid: str, ns: dict | None = None) -> None:
    """Hidden-test entry: visible + hidden cases on the caller's globals; AssertionError on failure."""
    ns = sys._getframe(1).f_globals if ns is None else ns
    q = question(topic, qid)
    failed = [(label, msg) for label, msg in run_cases(q.cases + q.hidden, ns) if msg]
    if failed:
        label, msg = failed[0]
        more = f" (and {len(failed) - 1} more failed checks)" if len(failed) > 1 else ""
        raise AssertionError(f"{qid}: {label}: {msg}{more}")
