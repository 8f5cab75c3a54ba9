"""Questions of notebook 02 (thread stacks and guard pages): where a recursion meets the guard.

Each student's numbers (variant.py): q1 draws the frame and the bytes in use at entry on
an 8 MiB stack; q3 draws the stack size and the frame of the recursion that faults.
"""

from __future__ import annotations

from ...address.limits import guard_depth
from ...core.trace import CallTrace
from ...stacks.thread import ThreadStack
from . import Case, Fail, Question, call, equal, need, need_int

TOPIC = "02-thread-stacks-and-guard-pages"
Q3_SIZES = (16384, 32768, 65536)  # q3 stacks: small enough that a few dozen frames reach the guard


def _q1_params(rng) -> dict:
    return {"frame": int(rng.integers(2, 64)) * 16 + 8, "entry_used": int(rng.integers(0, 8)) * 64}


def _q1_exact(ns, p):
    want = guard_depth(8 << 20, p["frame"], guard=4096, entry_used=p["entry_used"])
    if need_int(ns, "overflow_depth", 1, 10**7) != want:
        raise Fail("`overflow_depth` is not the depth of the call that first touches the guard page")


def _max_depth_case(size, frame, entry_used):
    def case(ns):
        equal(call(ns, "max_depth", size, frame, entry_used),
              ThreadStack(size, 4096).max_depth(frame, entry_used),
              f"max_depth({size}, {frame}, {entry_used})")
    return Case(f"max_depth({size}, {frame}, {entry_used})", case)


def _your_max_depth(ns, p):
    size, frame, used = 8 << 20, p["frame"], p["entry_used"]
    equal(call(ns, "max_depth", size, frame, used), ThreadStack(size, 4096).max_depth(frame, used),
          f"max_depth({size}, {frame}, {used})")


def _q3_params(rng) -> dict:
    size, frame = int(rng.choice(Q3_SIZES)), int(rng.integers(25, 250)) * 8
    return {"size": size, "guard": 4096, "frame": frame, "depth": size // (frame + 8) + 20}


def _overflow_shape(ns):
    value = need(ns, "overflow_at")
    if not (isinstance(value, tuple) and len(value) == 2 and all(type(v) is int for v in value)):
        raise Fail("`overflow_at` should be a tuple (step, depth) of two ints")
    return value


def _q3_exact(ns, p):
    hit = ThreadStack(p["size"], p["guard"]).run(CallTrace.recursion(p["frame"], p["depth"])).overflow
    if _overflow_shape(ns) != (hit.step, hit.depth):
        raise Fail("the predicted (step, depth) is not where ThreadStack reports the fault")


QUESTIONS = (
    Question("q1", "compute", 1, "Depth at which an 8 MiB thread stack hits its guard", ("overflow_depth",),
             cases=(Case("overflow_depth is a plausible depth",
                         lambda ns: need_int(ns, "overflow_depth", 1, 10**7)),),
             hidden=(Case("overflow_depth matches the engine", _q1_exact),),
             hints=("Each call moves SP down by its frame plus an 8-byte return address.",
                    "Run ThreadStack(8 << 20, 4096) on CallTrace.recursion({frame}, depth, "
                    "entry_used={entry_used}) with a depth large enough to overflow.",
                    "The run's overflow event records where the guard was first touched; read its depth."),
             defaults={"frame": 88, "entry_used": 192}, params=_q1_params),
    Question("q2", "implement", 2, "max_depth(size, frame, entry_used)", ("max_depth",),
             cases=(_max_depth_case(65536, 88, 0), _max_depth_case(8 << 20, 88, 192)),
             hidden=(_max_depth_case(16384, 1, 0), _max_depth_case(65536, 4000, 100),
                     _max_depth_case(1 << 20, 96, 1000),
                     Case("max_depth on your own numbers", _your_max_depth)),
             hints=("Depth d's frame ends entry_used + (d + 1) * (frame + 8) - 8 bytes below the top.",
                    "The deepest safe call is the last one whose frame still ends inside the stack.",
                    "Write hint 1's end as an inequality against size and solve it for the largest "
                    "whole d: one floor division does it."),
             defaults={"frame": 88, "entry_used": 192}, params=_q1_params),
    Question("q3", "predict", 1, "Where a small stack with large frames faults", ("overflow_at",),
             cases=(Case("overflow_at is a (step, depth) pair", _overflow_shape),),
             hidden=(Case("overflow_at matches ThreadStack", _q3_exact),),
             hints=("Every call takes {frame} + 8 bytes of the {size}.",
                    "The fault happens at the first call whose frame reaches below the stack's low end.",
                    "In a recursion trace, a call's step equals its depth."),
             defaults={"size": 65536, "guard": 4096, "frame": 1000, "depth": 100}, params=_q3_params,
             model='ThreadStack(p["size"], p["guard"]).run(CallTrace.recursion(p["frame"], p["depth"]))'
                   '.overflow  # p = task("q3")'),
    Question("q4", "explain", 1, "Why a thread's stack size must be chosen up front"),
)
