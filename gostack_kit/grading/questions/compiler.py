"""Questions of notebook 06 (inlining and escape): stack checks saved, prologue classes, heap allocs."""

from __future__ import annotations

from ...compiler import examples
from ...compiler.passes import Compiler, prologue_class
from . import Case, Fail, Question, call, equal, need

TOPIC = "06-inlining-and-escape"


def _saved(ns):
    value = need(ns, "checks_saved")
    if type(value) is not int or value < 0:
        raise Fail(f"`checks_saved` should be an int >= 0; got {value!r}")
    return value


def _q1_exact(ns):
    on = Compiler(inlining=True).run(examples.outer_inner(), calls=10).stack_checks
    off = Compiler(inlining=False).run(examples.outer_inner(), calls=10).stack_checks
    if _saved(ns) != off - on:
        raise Fail("`checks_saved` is not stack_checks without inlining minus with inlining")


def _prologue_case(frame, nosplit):
    def case(ns):
        equal(call(ns, "prologue", frame, nosplit), prologue_class(frame, nosplit),
              f"prologue({frame}, {nosplit})")
    return Case(f"prologue({frame}, nosplit={nosplit})", case)


def _allocs(ns):
    value = need(ns, "heap_allocs")
    if not (isinstance(value, tuple) and len(value) == 2 and all(type(v) is int for v in value)):
        raise Fail("`heap_allocs` should be a pair (with inlining, without inlining) of ints")
    return value


def _q3_exact(ns):
    want = tuple(Compiler(inlining=flag).run(examples.newpoint(), calls=1).heap_allocs
                 for flag in (True, False))
    if _allocs(ns) != want:
        raise Fail("the predicted heap allocations differ from the toy compiler's")


#: The releases q5 asks about: every one the kit measured (core/versions.py MEASURED).
RELEASES = ("1.19", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27")


def _release(ns):
    value = need(ns, "first_recursive_inline")
    if value not in RELEASES:
        raise Fail(f"`first_recursive_inline` should be one of {RELEASES}; got {value!r}")
    return value


def _q5_exact(ns):
    def inlines(v):
        build = Compiler(version=v).compile(examples.recursion())
        return any(d.text == "can inline fact with cost 71" for d in build.decisions)
    want = next(v for v in RELEASES if inlines(v))
    if _release(ns) != want:
        raise Fail("in that release the toy compiler (and the real one) still refuses `fact`")


QUESTIONS = (
    Question("q1", "compute", 1, "Stack checks inlining saves in outer_inner", ("checks_saved",),
             cases=(Case("checks_saved is a count", _saved),),
             hidden=(Case("checks_saved matches the compiler", _q1_exact),),
             hints=("Run Compiler(inlining=...).run(examples.outer_inner(), calls=10) twice.",
                    "Compare the runs' .stack_checks.",
                    "The saving is how many fewer checks the inlined run performs than the other.")),
    Question("q2", "implement", 2, "prologue(frame, nosplit): the stack-check sequence", ("prologue",),
             cases=(_prologue_case(88, False), _prologue_case(5000, False), _prologue_case(88, True)),
             hidden=(_prologue_case(128, False), _prologue_case(129, False), _prologue_case(4096, False),
                     _prologue_case(4097, False), _prologue_case(0, False), _prologue_case(10000, True)),
             hints=("NOSPLIT functions have no check at all: 'none'.",
                    "Frames up to StackSmall (128) compare SP directly: 'small'.",
                    "Up to StackBig (4096) 'leaq'; larger frames 'subq'.")),
    Question("q3", "predict", 1, "Heap allocations of newpoint with and without inlining", ("heap_allocs",),
             cases=(Case("heap_allocs is a pair of ints", _allocs),),
             hidden=(Case("heap_allocs matches the compiler", _q3_exact),),
             hints=("newPoint returns &point{...}: the point outlives newPoint's frame.",
                    "Once newPoint is inlined into main, the point may stay in main's frame.",
                    "keep stores a local's address in a global: that one escapes either way.")),
    Question("q4", "explain", 1, "Why inlining changes which values escape to the heap"),
    Question("q5", "compute", 1, "The first release that inlines a recursive function",
             ("first_recursive_inline",),
             cases=(Case("first_recursive_inline is a release", _release),),
             hidden=(Case("first_recursive_inline is the first release that inlines fact",
                          _q5_exact),),
             hints=("Compile examples.recursion() with Compiler(version=v) for each release.",
                    "Look for the decision 'can inline fact with cost 71' in build.decisions.",
                    "Before that release the decision reads 'cannot inline fact: recursive'.")),
)
