"""Questions of notebook 05 (copying stacks): the first growth, newstack's sizing rule, growth logs.

Each student's numbers (variant.py): q1 and q5 draw the frame and the bytes in use at entry of
a recursion on a 2 KiB stack; q2 adds a case on a drawn (used, frame); q3 draws the frame (up to
StackSmall) and the depth of the recursion whose growths, with their depths, the student predicts.
"""

from __future__ import annotations

from ...core import versions
from ...core.trace import CallTrace
from ...stacks.copying import ContiguousStack, newstack_size
from . import Case, Fail, Question, call, equal, need

TOPIC = "05-copying-stacks"
GO = versions.get("1.27")


def _q1_params(rng) -> dict:
    return {"frame": int(rng.integers(4, 32)) * 8, "entry_used": int(rng.integers(0, 8)) * 64}


def _depth(ns):
    value = need(ns, "first_growth_depth")
    if type(value) is not int or value < 0:
        raise Fail(f"`first_growth_depth` should be a call depth (an int >= 0); got {value!r}")
    return value


def _q1_exact(ns, p):
    run = ContiguousStack("1.27").run(CallTrace.recursion(p["frame"], 600, entry_used=p["entry_used"]))
    if _depth(ns) != run.growths[0].depth:
        raise Fail("`first_growth_depth` is not the depth of the first growth the engine records")


def _newstack_case(size, used, frame):
    def case(ns):
        equal(call(ns, "newstack_size", size, used, frame), newstack_size(size, used, frame, GO),
              f"newstack_size({size}, {used}, {frame})")
    return Case(f"newstack_size({size}, {used}, {frame})", case)


def _q2_params(rng) -> dict:
    return {"used": int(rng.integers(0, 32)) * 64, "frame": int(rng.integers(1, 80)) * 64}


def _your_newstack(ns, p):
    size, used, frame = 2048, p["used"], p["frame"]
    equal(call(ns, "newstack_size", size, used, frame), newstack_size(size, used, frame, GO),
          f"newstack_size({size}, {used}, {frame})")


def _q3_params(rng) -> dict:
    # frames up to StackSmall (128): the prologue compares SP itself, as notebook 05 section 2 teaches
    return {"frame": int(rng.integers(4, 17)) * 8, "depth": int(rng.integers(40, 160))}


def _growths(ns):
    value = need(ns, "growth_log")
    if not (isinstance(value, list) and all(isinstance(e, tuple) and len(e) == 3 for e in value)):
        raise Fail("`growth_log` should be a list of (depth, old_size, new_size) tuples")
    return [tuple(e) for e in value]


def _q3_exact(ns, p):
    run = ContiguousStack("1.27").run(CallTrace.recursion(p["frame"], p["depth"], entry_used=192))
    want = [(g.depth, g.old_size, g.new_size) for g in run.growths]
    got = _growths(ns)
    if len(got) != len(want):
        raise Fail(f"the model grows the stack {len(want)} times; your log has {len(got)} growths")
    wrong = [i for i, (a, b) in enumerate(zip(got, want), 1) if a != b]
    if wrong:
        raise Fail(f"growth {', '.join(map(str, wrong))} of your log differs from the model's "
                   "(its depth or its sizes)")


def _by_release(ns):
    value = need(ns, "depths_by_release")
    if not (isinstance(value, dict) and set(value) == {"1.19", "1.22", "1.27"}
            and all(type(d) is int for d in value.values())):
        raise Fail("`depths_by_release` should be a dict {'1.19': depth, '1.22': depth, "
                   "'1.27': depth} of ints")
    return value


def _q5_exact(ns, p):
    trace = CallTrace.recursion(p["frame"], 600, entry_used=p["entry_used"])
    want = {v: ContiguousStack(v).run(trace).growths[0].depth for v in ("1.19", "1.22", "1.27")}
    if _by_release(ns) != want:
        raise Fail("at least one depth is not the first growth the engine records for that release")


QUESTIONS = (
    Question("q1", "compute", 1, "Depth of the first growth of a 2 KiB stack", ("first_growth_depth",),
             cases=(Case("first_growth_depth is a depth", _depth),),
             hidden=(Case("first_growth_depth matches the engine", _q1_exact),),
             hints=("Run ContiguousStack('1.27') on CallTrace.recursion({frame}, 600, "
                    "entry_used={entry_used}).",
                    "run.growths lists every growth in order.",
                    "Each growth event records the call depth that triggered it; take the earliest."),
             defaults={"frame": 88, "entry_used": 192}, params=_q1_params),
    Question("q2", "implement", 2, "newstack_size(size, used, frame) under Go 1.27", ("newstack_size",),
             cases=(_newstack_case(2048, 1152, 88), _newstack_case(2048, 1000, 5000)),
             hidden=(_newstack_case(8192, 7296, 88), _newstack_case(4096, 3000, 20000),
                     _newstack_case(2048, 0, 1120), _newstack_case(2048, 0, 1121),
                     Case("newstack_size on your own numbers", _your_newstack)),
             hints=("newstack always doubles first.",
                    "Since Go 1.15 it keeps doubling while the frame and StackGuard (928) do not fit "
                    "above the bytes in use.",
                    "Start from the doubled size and repeat hint 2's test after each further doubling; "
                    "stop at the first size that passes."),
             defaults={"used": 1152, "frame": 88}, params=_q2_params),
    Question("q3", "predict", 2, "The growth log of a recursion: each growth's depth and sizes",
             ("growth_log",),
             cases=(Case("growth_log is a list of (depth, old, new) triples", _growths),),
             hidden=(Case("growth_log matches ContiguousStack", _q3_exact),),
             hints=("Each call uses {frame} + 8 bytes (the frame and its return address); depth 0's "
                    "return address is already in the 192 bytes in use at entry.",
                    "The call at depth d grows the stack once 192 + d * ({frame} + 8) reaches the "
                    "size minus 928 (notebook 05, section 2: the prologue compares with <=).",
                    "With frames this small, sizes only double: each growth's old size is the "
                    "previous one's new size."),
             defaults={"frame": 88, "depth": 100}, params=_q3_params,
             model='ContiguousStack("1.27").run(CallTrace.recursion(p["frame"], p["depth"], '
                   'entry_used=192)).growths  # p = task("q3")'),
    Question("q4", "explain", 1, "Why copying a stack is cheaper overall than splitting it"),
    Question("q5", "compute", 1, "The first growth of q1 under Go 1.19, 1.22 and 1.27",
             ("depths_by_release",),
             cases=(Case("depths_by_release has the three releases", _by_release),),
             hidden=(Case("depths_by_release matches the engine", _q5_exact),),
             hints=("ContiguousStack takes any release: ContiguousStack('1.22').",
                    "Run q1's trace under each and read run.growths[0].depth.",
                    "Notebook 05, section 9: the runtime rules did not change from 1.19 to 1.27."),
             defaults={"frame": 88, "entry_used": 192}, params=_q1_params),
)
