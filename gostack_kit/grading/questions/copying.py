"""Questions of notebook 05 (copying stacks): the first growth, newstack's sizing rule, growth logs."""

from __future__ import annotations

from ...core import versions
from ...core.trace import CallTrace
from ...stacks.copying import ContiguousStack, newstack_size
from . import Case, Fail, Question, call, equal, need

TOPIC = "05-copying-stacks"
GO = versions.get("1.27")


def _depth(ns):
    value = need(ns, "first_growth_depth")
    if type(value) is not int or value < 0:
        raise Fail(f"`first_growth_depth` should be a call depth (an int >= 0); got {value!r}")
    return value


def _q1_exact(ns):
    run = ContiguousStack("1.27").run(CallTrace.recursion(88, 600, entry_used=192))
    if _depth(ns) != run.growths[0].depth:
        raise Fail("`first_growth_depth` is not the depth of the first growth the engine records")


def _newstack_case(size, used, frame):
    def case(ns):
        equal(call(ns, "newstack_size", size, used, frame), newstack_size(size, used, frame, GO),
              f"newstack_size({size}, {used}, {frame})")
    return Case(f"newstack_size({size}, {used}, {frame})", case)


def _growths(ns):
    value = need(ns, "growth_log")
    if not (isinstance(value, list) and all(isinstance(e, tuple) and len(e) == 2 for e in value)):
        raise Fail("`growth_log` should be a list of (old_size, new_size) tuples")
    return [tuple(e) for e in value]


def _q3_exact(ns):
    run = ContiguousStack("1.27").run(CallTrace.recursion(88, 100, entry_used=192))
    want = [(g.old_size, g.new_size) for g in run.growths]
    got = _growths(ns)
    if got != want:
        raise Fail(f"expected {len(want)} growths with other sizes; got {got!r}")


def _by_release(ns):
    value = need(ns, "depths_by_release")
    if not (isinstance(value, dict) and set(value) == {"1.19", "1.22", "1.27"}
            and all(type(d) is int for d in value.values())):
        raise Fail("`depths_by_release` should be a dict {'1.19': depth, '1.22': depth, "
                   "'1.27': depth} of ints")
    return value


def _q5_exact(ns):
    trace = CallTrace.recursion(88, 600, entry_used=192)
    want = {v: ContiguousStack(v).run(trace).growths[0].depth for v in ("1.19", "1.22", "1.27")}
    if _by_release(ns) != want:
        raise Fail("at least one depth is not the first growth the engine records for that release")


QUESTIONS = (
    Question("q1", "compute", 1, "Depth of the first growth of a 2 KiB stack", ("first_growth_depth",),
             cases=(Case("first_growth_depth is a depth", _depth),),
             hidden=(Case("first_growth_depth matches the engine", _q1_exact),),
             hints=("Run ContiguousStack('1.27') on CallTrace.recursion(88, 600, entry_used=192).",
                    "run.growths lists every growth in order.",
                    "Each growth event records the call depth that triggered it; take the earliest.")),
    Question("q2", "implement", 2, "newstack_size(size, used, frame) under Go 1.27", ("newstack_size",),
             cases=(_newstack_case(2048, 1152, 88), _newstack_case(2048, 1000, 5000)),
             hidden=(_newstack_case(8192, 7296, 88), _newstack_case(4096, 3000, 20000),
                     _newstack_case(2048, 0, 1120), _newstack_case(2048, 0, 1121)),
             hints=("newstack always doubles first.",
                    "Since Go 1.15 it keeps doubling while the frame and StackGuard (928) do not fit "
                    "above the bytes in use.",
                    "Start from the doubled size and repeat hint 2's test after each further doubling; "
                    "stop at the first size that passes.")),
    Question("q3", "predict", 2, "The growth log of a 100-deep recursion", ("growth_log",),
             cases=(Case("growth_log is a list of (old, new) pairs", _growths),),
             hidden=(Case("growth_log matches ContiguousStack", _q3_exact),),
             hints=("Each call uses 96 bytes (frame 88 + return address).",
                    "Growth happens when fewer than 928 bytes would remain below the frame.",
                    "Sizes only double here: 2048 -> 4096 -> ...")),
    Question("q4", "explain", 1, "Why copying a stack is cheaper overall than splitting it"),
    Question("q5", "compute", 1, "The first growth of q1 under Go 1.19, 1.22 and 1.27",
             ("depths_by_release",),
             cases=(Case("depths_by_release has the three releases", _by_release),),
             hidden=(Case("depths_by_release matches the engine", _q5_exact),),
             hints=("ContiguousStack takes any release: ContiguousStack('1.22').",
                    "Run q1's trace under each and read run.growths[0].depth.",
                    "Notebook 05, section 9: the runtime rules did not change from 1.19 to 1.27.")),
)
