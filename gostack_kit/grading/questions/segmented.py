"""Questions of notebook 04 (segmented stacks and the hot split): splits, segment sizes, event logs."""

from __future__ import annotations

from ...core import versions
from ...core.trace import CallTrace
from ...stacks.libgcc import segment_bytes
from ...stacks.segmented import SegmentedStack, segment_size
from . import Case, Fail, Question, call, equal, need

TOPIC = "04-segmented-stacks-and-hot-split"
HOT = {"depth": 79, "frame": 88, "callee": 200, "entry_used": 88}  # the hot-split loop of q1 and q3
GO12 = versions.get("1.2")


def _hot_run(n):
    return SegmentedStack("1.2").run(CallTrace.hot_loop(HOT["depth"], HOT["frame"], HOT["callee"], n,
                                                        entry_used=HOT["entry_used"]))


def _splits(ns):
    value = need(ns, "splits")
    if type(value) is not int or value < 0:
        raise Fail(f"`splits` should be a count (an int >= 0); got {value!r}")
    return value


def _q1_exact(ns):
    if _splits(ns) != _hot_run(1000).splits:
        raise Fail("`splits` is not the count SegmentedStack('1.2') reports for 1000 iterations")


def _seg_case(frame, args):
    def case(ns):
        equal(call(ns, "segment_size", frame, args), segment_size(frame, args, GO12, GO12.stack_min),
              f"segment_size({frame}, {args})")
    return Case(f"segment_size({frame}, {args})", case)


def _log(ns):
    value = need(ns, "log")
    if not (isinstance(value, list) and all(isinstance(e, tuple) and len(e) == 2 for e in value)):
        raise Fail("`log` should be a list of (kind, step) tuples, e.g. [('split', 5), ...]")
    return value


def _q3_exact(ns):
    want = [(e.kind, e.step) for e in _hot_run(2).events]
    got = _log(ns)
    if len(got) != len(want):
        raise Fail(f"the log should have {len(want)} events; yours has {len(got)}")
    for i, (g, w) in enumerate(zip(got, want)):
        if tuple(g) != w:
            raise Fail(f"event {i} is wrong: {tuple(g)!r}")


LIBGCC_STEPS = ([("call", 1560)] * 14 + [("ret",)] * 14) * 2  # q5: the same recursion twice


def _depths(ns):
    for name in ("first", "second"):
        value = need(ns, name)
        if type(value) is not int or value < 0:
            raise Fail(f"`{name}` should be a call depth (an int >= 0); got {value!r}")


def _q5_exact(ns):
    _depths(ns)
    run = SegmentedStack(version="gcc").run(CallTrace.from_steps(LIBGCC_STEPS, entry_used=112))
    want = [e.depth for e in run.split_events]
    if [ns["first"], ns["second"]] != want:
        raise Fail("one of the depths is not where SegmentedStack(version='gcc') switches")


def _lib_case(frame, args, sigstksz):
    def case(ns):
        equal(call(ns, "libgcc_segment", frame, args, sigstksz),
              segment_bytes(frame + 3584 + args, sigstksz),
              f"libgcc_segment({frame}, {args}, {sigstksz})")
    return Case(f"libgcc_segment({frame}, {args}, {sigstksz})", case)


QUESTIONS = (
    Question("q1", "compute", 1, "Splits caused by 1000 iterations of the hot loop", ("splits",),
             cases=(Case("splits is a count", _splits),),
             hidden=(Case("splits matches the engine", _q1_exact),),
             hints=("Build the loop with CallTrace.hot_loop(79, 88, 200, 1000, entry_used=88).",
                    "Run it on SegmentedStack('1.2') and read .splits.",
                    "The callee's frame straddles the segment's end on every call.")),
    Question("q2", "implement", 2, "segment_size(frame, args) under Go 1.2", ("segment_size",),
             cases=(_seg_case(200, 0), _seg_case(9000, 16)),
             hidden=(_seg_case(0, 0), _seg_case(6144, 0), _seg_case(6144, 8), _seg_case(7000, 100),
                     _seg_case(7952, 0), _seg_case(100000, 64)),
             hints=("A new segment must hold the frame, its arguments and some extra room.",
                    "Go 1.2 adds StackExtra (2048) and never allocates less than StackMin (8192).",
                    "Small frames fit the fixed room of every segment: decide first whether the frame "
                    "counts at all (q2's text gives the linker's test).",
                    "Add the parts that count to the extra room, then apply the floor of hint 2.")),
    Question("q3", "predict", 2, "The event log of two hot-loop iterations", ("log",),
             cases=(Case("log is a list of (kind, step) pairs", _log),),
             hidden=(Case("log matches SegmentedStack", _q3_exact),),
             hints=("Steps 0..79 are the chain of calls; the callee's calls and returns follow.",
                    "Each callee call splits, and its return frees the segment again.",
                    "Kinds are 'split' and 'free'; steps count every call and ret.")),
    Question("q4", "explain", 1, "Why the hot split made Go 1.3 move to copying stacks"),
    Question("q5", "compute", 2, "Where gcc -fsplit-stack switches, going down twice", ("first", "second"),
             cases=(Case("first and second are depths", _depths),),
             hidden=(Case("both match SegmentedStack(version='gcc')", _q5_exact),),
             hints=("Build the steps: 14 calls of 1560, 14 rets, twice; entry_used=112.",
                    "Run SegmentedStack(version='gcc') and read .depth of each split event.",
                    "After the first split returns, libgcc's limit is no longer 16000 bytes below S.")),
    Question("q6", "implement", 2, "libgcc's segment size for a frame", ("libgcc_segment",),
             cases=(_lib_case(1560, 0, 13504), _lib_case(20000, 0, 13504)),
             hidden=(_lib_case(0, 0, 47808), _lib_case(50000, 0, 47808), _lib_case(100, 64, 2048),
                     _lib_case(12700, 8, 13504)),
             hints=("allocate_segment starts from one page (4096 bytes).",
                    "If that is below SIGSTKSZ, it takes SIGSTKSZ + 56 (the header), rounded up to pages.",
                    "The request is frame + 3584 (BACKOFF) + args; if the size is still below it, "
                    "take request + 56 rounded up to pages.")),
)
