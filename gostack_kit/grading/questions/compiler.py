"""Questions of notebook 06 (inlining and escape): stack checks saved, prologue classes, heap allocs.

Each student's numbers (variant.py): q1 draws the runs of main and an inlining budget that
inlines nothing, only inner, or outer as well (so the saving per run is 0, 2 or 3); q2 adds a
case on a frame drawn next to StackSmall or StackBig; q3 draws the runs of main; q5 draws one
of four compiler decisions that appeared in a release after 1.19 and the releases to try
(1.19, three of the six in between, 1.27), so the first one that prints it varies.
"""

from __future__ import annotations

from ...compiler import examples
from ...compiler.passes import Compiler, prologue_class
from . import Case, Fail, Question, call, equal, need

TOPIC = "06-inlining-and-escape"
BUDGETS = (56, 201)  # q1: inner costs 67 and outer 138 (examples.outer_inner): both sides of each, 0 rarely
BOUNDARIES = (128, 4096)  # q2: StackSmall and StackBig, where the prologue's class changes

#: The releases q5 asks about: every one the kit measured (core/versions.py MEASURED).
RELEASES = ("1.19", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27")

#: q5: (example, how one of its decisions starts); each first appears after 1.19 and stays
#: (Compiler(version=v).compile(examples.ALL[example]()).decisions over RELEASES)
DECISIONS = (
    ("recursion", "can inline fact"),  # 1.24: a self-recursive function is inlined once
    ("big_locals", "moved to heap: b"),  # 1.24: MaxStackVarSize down to 128 KiB
    ("big_locals", "make([]byte, n) does not escape"),  # 1.25: the 32-byte buffer of make
    ("big_function", "function main considered 'big'"),  # 1.21: the message appears
)


def _q1_params(rng) -> dict:
    return {"calls": int(rng.integers(2, 61)), "budget": int(rng.integers(*BUDGETS))}


def _saved(ns):
    value = need(ns, "checks_saved")
    if type(value) is not int or value < 0:
        raise Fail(f"`checks_saved` should be an int >= 0; got {value!r}")
    return value


def _q1_exact(ns, p):
    on = Compiler(inlining=True, budget=p["budget"]).run(examples.outer_inner(), calls=p["calls"])
    off = Compiler(inlining=False).run(examples.outer_inner(), calls=p["calls"])
    if _saved(ns) != off.stack_checks - on.stack_checks:
        raise Fail("`checks_saved` is not stack_checks without inlining minus with inlining")


def _prologue_case(frame, nosplit):
    def case(ns):
        equal(call(ns, "prologue", frame, nosplit), prologue_class(frame, nosplit),
              f"prologue({frame}, {nosplit})")
    return Case(f"prologue({frame}, nosplit={nosplit})", case)


def _q2_params(rng) -> dict:
    frame = int(rng.choice(BOUNDARIES)) + int(rng.integers(-3, 4)) * 8
    return {"frame": frame, "nosplit": bool(rng.integers(4) == 0)}  # one in four NOSPLIT


def _your_prologue(ns, p):
    _prologue_case(p["frame"], p["nosplit"]).fn(ns)


def _q3_params(rng) -> dict:
    return {"calls": int(rng.integers(2, 51))}


def _allocs(ns):
    value = need(ns, "heap_allocs")
    if not (isinstance(value, tuple) and len(value) == 2 and all(type(v) is int for v in value)):
        raise Fail("`heap_allocs` should be a pair (with inlining, without inlining) of ints")
    return value


def _q3_exact(ns, p):
    want = tuple(Compiler(inlining=flag).run(examples.newpoint(), calls=p["calls"]).heap_allocs
                 for flag in (True, False))
    if _allocs(ns) != want:
        raise Fail("the predicted heap allocations differ from the toy compiler's")


def _q5_params(rng) -> dict:
    example, decision = DECISIONS[int(rng.integers(len(DECISIONS)))]
    middle = sorted(rng.choice(len(RELEASES) - 2, 3, replace=False) + 1)
    releases = (RELEASES[0], *(RELEASES[i] for i in middle), RELEASES[-1])
    return {"example": example, "decision": decision, "releases": releases}


def _release(ns, p):
    value = need(ns, "first_release")
    if value not in p["releases"]:
        raise Fail(f"`first_release` should be one of {p['releases']}; got {value!r}")
    return value


def first_release(p) -> str:
    """The first release of p['releases'] whose decisions for p['example'] have one starting p['decision']."""
    def prints(v):
        build = Compiler(version=v).compile(examples.ALL[p["example"]]())
        return any(d.text.startswith(p["decision"]) for d in build.decisions)
    return next(v for v in p["releases"] if prints(v))


def _q5_exact(ns, p):
    if _release(ns, p) != first_release(p):
        raise Fail(f"in that release the toy compiler (and the real one) does not print "
                   f"{p['decision']!r} yet, or an earlier one of your releases already does")


QUESTIONS = (
    Question("q1", "compute", 1, "Stack checks inlining saves in outer_inner", ("checks_saved",),
             cases=(Case("checks_saved is a count", _saved),),
             hidden=(Case("checks_saved matches the compiler", _q1_exact),),
             hints=("Run examples.outer_inner() with your calls twice: with Compiler(inlining=True, "
                    "budget=...) and with Compiler(inlining=False).",
                    "Compare the runs' .stack_checks.",
                    "The budget decides what is inlined: each function's cost is in build.decisions."),
             defaults={"calls": 10, "budget": 80}, params=_q1_params),
    Question("q2", "implement", 2, "prologue(frame, nosplit): the stack-check sequence", ("prologue",),
             cases=(_prologue_case(88, False), _prologue_case(5000, False), _prologue_case(88, True)),
             hidden=(_prologue_case(128, False), _prologue_case(129, False), _prologue_case(4096, False),
                     _prologue_case(4097, False), _prologue_case(0, False), _prologue_case(10000, True),
                     Case("prologue on your own numbers", _your_prologue)),
             hints=("NOSPLIT functions have no check at all: 'none'.",
                    "Frames up to StackSmall (128) compare SP directly: 'small'.",
                    "Up to StackBig (4096) 'leaq'; larger frames 'subq'."),
             defaults={"frame": 128, "nosplit": False}, params=_q2_params),
    Question("q3", "predict", 1, "Heap allocations of newpoint with and without inlining", ("heap_allocs",),
             cases=(Case("heap_allocs is a pair of ints", _allocs),),
             hidden=(Case("heap_allocs matches the compiler", _q3_exact),),
             hints=("newPoint returns &point{{...}}: the point outlives newPoint's frame.",
                    "Once newPoint is inlined into main, the point may stay in main's frame.",
                    "keep stores a local's address in a global: that one escapes either way.",
                    "Every run of main allocates alike: count one run, then scale by your calls."),
             defaults={"calls": 1}, params=_q3_params,
             model='tuple(Compiler(inlining=f).run(examples.newpoint(), calls=p["calls"]).heap_allocs '
                   'for f in (True, False))  # p = task("q3")'),
    Question("q4", "explain", 1, "Why inlining changes which values escape to the heap"),
    Question("q5", "compute", 1, "The first of your releases that prints a compiler decision",
             ("first_release",),
             cases=(Case("first_release is one of your releases", _release),),
             hidden=(Case("first_release is the first of them that prints the decision", _q5_exact),),
             hints=("Compile examples.ALL[example]() with Compiler(version=v) for each of your "
                    "releases, oldest first.",
                    "Look through build.decisions for a d.text that starts with your decision.",
                    "A release that lacks the rule prints another line, or none, in its place."),
             defaults={"example": "recursion", "decision": "can inline fact", "releases": RELEASES},
             params=_q5_params),
)
