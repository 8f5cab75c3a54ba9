"""The course's graded questions: one module per concept notebook, and the machinery they share.

A topic module (`questions/copying.py`) defines TOPIC (the notebook's name) and QUESTIONS,
a tuple of `Question`. Each question names the student's answer (`names`), its visible
cases (what `check("q2")` runs and shows), its hidden cases (only the grader and the
hidden-test cells run them) and its hints, weakest first:

    Question("q2", "implement", points=2, names=("newstack_size",),
             cases=(Case("doubles a 2 KiB stack", _doubles), ...), hidden=(...), hints=(...))

A case is a function `fn(ns)` or `fn(ns, p)` that returns None or raises `Fail` with a
message that says what was expected and what came back; `p` is the question's numbers for
the student's variant (`numbers`: `defaults` without an identity, else `params(rng)` drawn
from the student's key, see variant.py). Cases compute their expected values with the
kit's own engine. `ns` never holds the student's objects: `evaluate` fetches each answer
name as data (wire.py) and replaces a function by the results of calling it on the cases'
own arguments, so `check` (in the notebook), `verify` (nbgrader's hidden tests) and
`gostack-kit grade` (outside the kernel) compare the same plain values. Hints may name
numbers as `{field}` of `p`. "explain" questions have no cases: a person grades them.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import variant as _variant
from .. import wire

__all__ = ["Case", "Fail", "Question", "TOPICS", "topic_module", "questions", "question",
           "need", "need_int", "equal", "call", "run_cases", "plan_calls", "judge", "evaluate", "verify"]


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
    fn: Callable[..., None]

    def run(self, ns: dict, p: dict) -> None:
        """Call fn(ns) or fn(ns, p), whichever it takes."""
        if len(inspect.signature(self.fn).parameters) >= 2:
            self.fn(ns, p)
        else:
            self.fn(ns)


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
    defaults: dict = field(default_factory=dict)  # today's numbers: the variant without an identity
    params: Callable[[np.random.Generator], dict] | None = None  # one student's numbers from their rng
    model: str = ""  # code a student can run to see the model's answer (shown after a prediction)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {self.kind!r}")
        if self.kind != "explain" and not (self.cases and self.hidden):
            raise ValueError(f"{self.qid}: a {self.kind} question needs visible and hidden cases")
        if self.kind != "explain" and not self.names:
            raise ValueError(f"{self.qid}: a {self.kind} question must name its answer (names=...)")

    def numbers(self, variant=None) -> dict:
        """This question's numbers for `variant`: the defaults, or params drawn from the student's key."""
        if variant is None or variant.default or self.params is None:
            return dict(self.defaults)
        topic = getattr(sys.modules.get(self.params.__module__), "TOPIC", "")
        rng = np.random.default_rng(_variant.seed_for(variant, topic, self.qid))
        return {**self.defaults, **self.params(rng)}

    def hint_texts(self, variant=None) -> tuple[str, ...]:
        """The hints with this variant's numbers filled in ({field} of numbers())."""
        p = self.numbers(variant)
        return tuple(h.format(**p) if p else h for h in self.hints)

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


def run_cases(cases, ns: dict, p: dict | None = None) -> list[tuple[str, str | None]]:
    """(label, None or failure message) for each case, never raising."""
    results = []
    for case in cases:
        try:
            case.run(ns, p or {})
            results.append((case.label, None))
        except Fail as e:
            results.append((case.label, str(e)))
        except Exception as e:  # a case that trips over an odd answer still reports, never crashes
            results.append((case.label, f"could not check: {type(e).__name__}: {e}"))
    return results


# ---- answers as data: the same comparison in check(), in verify() and in the grader ---------


class _Stand(Exception):
    """Raised by a stand-in for the student's function on arguments it has no result for."""


class _Function:
    """Stands for the student's function in a case: replays the results the kernel sent."""

    def __init__(self, name: str, known: dict):
        self.__name__, self.known, self.asked = name, known, []

    def __call__(self, *args):
        key = wire.dumps([wire.encode(a) for a in args])
        if key not in self.known:
            self.asked.append([wire.encode(a) for a in args])
            raise _Stand("no result for these arguments")
        result = self.known[key]
        if type(result) is dict and "ok" in result:
            return wire.decode(result["ok"])
        kind = str(result.get("raised", "Exception")) if type(result) is dict else "Exception"
        message = str(result.get("message", "")) if type(result) is dict else ""
        if kind == "NotImplementedError":
            raise NotImplementedError(message)
        raise type(kind, (wire.RemoteError,), {})(message)


def _cases(q: Question, hidden: bool):
    return q.cases + (q.hidden if hidden else ())


def plan_calls(q: Question, variant=None, hidden: bool = True) -> dict:
    """{name: [encoded args, ...]}: every call the cases make, found by a dry run."""
    p = q.numbers(variant)
    stands = {name: _Function(name, {}) for name in q.names}
    run_cases(_cases(q, hidden), dict(stands), p)
    plan = {}
    for name, stand in stands.items():
        unique = {wire.dumps(a): a for a in stand.asked}
        if unique:
            plan[name] = list(unique.values())
    return plan


def judge(q: Question, reply: dict, variant=None, hidden: bool = True) -> list[tuple[str, str | None]]:
    """(label, None or failure) per case, from a kernel's JSON reply; runs only the kit's code."""
    p = q.numbers(variant)
    if type(reply) is not dict or "error" in reply:
        why = reply.get("error") if type(reply) is dict else "no reply"
        return [(c.label, f"no answer came back from the kernel ({why})") for c in _cases(q, hidden)]
    names, calls, ns = reply.get("names", {}), reply.get("calls", {}), {}
    for name in q.names:
        entry = names.get(name) if type(names) is dict else None
        if type(entry) is not dict or "value" not in entry:
            continue
        data = entry["value"]
        if type(data) is dict and set(data) == {"function"}:
            asked = plan_calls(q, variant, hidden).get(name, [])
            results = calls.get(name, []) if type(calls) is dict else []
            ns[name] = _Function(name, {wire.dumps(a): r for a, r in zip(asked, results)})
        else:
            ns[name] = wire.decode(data)
    return run_cases(_cases(q, hidden), ns, p)


def evaluate(q: Question, ns: dict, variant=None, hidden: bool = True) -> list[tuple[str, str | None]]:
    """judge() on `ns` sent through the wire in this process, exactly as the grader would see it."""
    request = {"names": list(q.names), "calls": plan_calls(q, variant, hidden)}
    return judge(q, wire.loads(wire.collect(ns, json.dumps(request))), variant, hidden)


def verify(topic: str, qid: str, ns: dict | None = None) -> None:
    """Hidden-test entry: every case on the caller's answers as data; AssertionError on failure."""
    ns = sys._getframe(1).f_globals if ns is None else ns
    q = question(topic, qid)
    failed = [(label, msg) for label, msg in evaluate(q, ns, _variant.identify(ns)) if msg]
    if failed:
        label, msg = failed[0]
        more = f" (and {len(failed) - 1} more failed checks)" if len(failed) > 1 else ""
        raise AssertionError(f"{qid}: {label}: {msg}{more}")
