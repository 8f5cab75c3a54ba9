"""Questions of notebook 02 (thread stacks and guard pages): where a recursion meets the guard."""

from __future__ import annotations

from ...address.limits import guard_depth
from ...core.trace import CallTrace
from ...stacks.thread import ThreadStack
from . import Case, Fail, Question, call, equal, need, need_int

TOPIC = "02-thread-stacks-and-guard-pages"
PREDICT = {"size": 65536, "guard": 4096, "frame": 1000, "depth": 100}  # the q3 program


def _q1_exact(ns):
    if need_int(ns, "overflow_depth", 1, 10**7) != guard_depth(8 << 20, 88, guard=4096, entry_used=192):
        raise Fail("`overflow_depth` is not the depth of the call that first touches the guard page")


def _max_depth_case(size, frame, entry_used):
    def case(ns):
        equal(call(ns, "max_depth", size, frame, entry_used),
              ThreadStack(size, 4096).max_depth(frame, entry_used),
              f"max_depth({size}, {frame}, {entry_used})")
    return Case(f"max_depth({size}, {frame}, {entry_used})", case)


def _overflow_shape(ns):
    value = need(ns, "overflow_at")
    if not (isinstance(value, tuple) and len(value) == 2 and all(type(v) is int for v in value)):
        raise Fail("`overflow_at` should be a tuple (step, depth) of two ints")
    return value


def _q3_exact(ns):
    p = PREDICT
    hit = ThreadStack(p["size"], p["guard"]).run(CallTrace.recursion(p["frame"], p["depth"])).overflow
    if _overflow_shape(ns) != (hit.step, hit.depth):
        raise Fail("the predicted (step, depth) is not where ThreadStack reports the SIGSEGV")


QUESTIONS = (
    Question("q1", "compute", 1, "Depth at which an 8 MiB thread stack hits its guard", ("overflow_depth",),
             cases=(Case("overflow_depth is a plausible depth",
                         lambda ns: need_int(ns, "overflow_depth", 1, 10**7)),),
             hidden=(Case("overflow_depth matches the engine", _q1_exact),),
             hints=("Each call moves SP down by its frame plus an 8-byte return address.",
                    "Run ThreadStack(8 << 20, 4096) on CallTrace.recursion(88, depth, entry_used=192) "
                    "with a depth large enough to overflow.",
                    "The answer is run.overflow.depth (or address.guard_depth(8 << 20, 88)).")),
    Question("q2", "implement", 2, "max_depth(size, frame, entry_used)", ("max_depth",),
             cases=(_max_depth_case(65536, 88, 0), _max_depth_case(8 << 20, 88, 192)),
             hidden=(_max_depth_case(16384, 1, 0), _max_depth_case(65536, 4000, 100),
                     _max_depth_case(1 << 20, 96, 1000)),
             hints=("Depth d's frame ends (d + 1) * (frame + 8) - 8 bytes below the entry point.",
                    "The deepest safe call is the last one whose frame still ends inside the stack.",
                    "(size - entry_used - frame) // (frame + 8)")),
    Question("q3", "predict", 1, "Where a 64 KiB stack with 1000-byte frames faults", ("overflow_at",),
             cases=(Case("overflow_at is a (step, depth) pair", _overflow_shape),),
             hidden=(Case("overflow_at matches ThreadStack", _q3_exact),),
             hints=("Every call takes 1008 bytes of the 65536.",
                    "The fault happens at the first call whose frame reaches below the stack's low end.",
                    "In a recursion trace, a call's step equals its depth.")),
    Question("q4", "explain", 1, "Why a thread's stack size must be chosen up front"),
)
