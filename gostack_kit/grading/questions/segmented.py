"""Questions of notebook 04 (segmented stacks and the hot split): splits, segment sizes, event logs.

Each student's numbers (variant.py): q1 draws a hot-loop chain (chain frame, callee frame,
depth) whose callee straddles the first segment's end in two draws out of four, ends a little
short of it (no split) in one and a little past it (the chain splits once) in one, so the
right answer is not always "one split per call", and the loop count. q3 draws a chain that
straddles or passes the end (a short one would log nothing) and a loop of 2 or 3 calls.
q2 and q6 add a case on the student's own arguments; q5 draws the libgcc recursion's frame,
the bytes in use at entry, and a depth that switches segments once in each descent.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ...core import versions
from ...core.trace import CallTrace
from ...stacks.libgcc import segment_bytes
from ...stacks.segmented import SegmentedStack, segment_size
from . import Case, Fail, Question, call, equal, need

TOPIC = "04-segmented-stacks-and-hot-split"
HOT = {"depth": 79, "frame": 88, "callee": 200, "entry_used": 88}  # today's hot-split loop of q1 and q3
GO12 = versions.get("1.2")
CHAIN_FRAMES = (40, 56, 72, 88, 104, 120)  # 63 to 168 calls fill the first 8 KiB segment
CALLEES = (200, 400, 1000)  # the larger the callee, the more chain depths make it straddle (2 to 19)
SIGSTKSZ = (2048, 8192, 13504, 47808)  # LibgccStack's least, glibc's floor, AVX-512, AMX (its __init__)
LIBGCC_CALLS = range(2, 41)  # q5: the recursion depths tried for one switch per descent
LIBGCC_FRAMES = np.log(480), np.log(3000)  # q5 frames: the first switch 5 to 32 calls deep


def _hot_run(p, n):
    trace = CallTrace.hot_loop(p["depth"], p["frame"], p["callee"], n, entry_used=p["entry_used"])
    return SegmentedStack("1.2").run(trace)


@lru_cache(maxsize=64)
def _hot_depths(frame: int, callee: int) -> tuple[int, ...]:
    """The chain depths at which every callee call splits (a contiguous run, found with the engine)."""
    top = (8192 - HOT["entry_used"]) // (frame + 8)  # the chain itself fits the segment up to here
    base = {**HOT, "frame": frame, "callee": callee}
    return tuple(d for d in range(max(top - 40, 0), top + 3) if _hot_run({**base, "depth": d}, 2).splits == 2)


def _chain(rng, short: bool = True) -> dict:
    frame, callee = int(rng.choice(CHAIN_FRAMES)), int(rng.choice(CALLEES))
    hot = _hot_depths(frame, callee)
    # 0, 1: straddles; 2: ends short of the segment's end (skipped without `short`); 3: past it
    where = int(rng.choice((0, 1, 2, 3) if short else (0, 1, 3)))
    if where < 2:
        depth = int(rng.choice(hot))
    elif where == 2:
        depth = hot[0] - int(rng.integers(1, 8))
    else:
        depth = hot[-1] + int(rng.integers(1, 4))
    return {"depth": depth, "frame": frame, "callee": callee, "entry_used": HOT["entry_used"]}


def _q1_params(rng) -> dict:
    return {**_chain(rng), "n": int(rng.integers(200, 5001))}


def _splits(ns):
    value = need(ns, "splits")
    if type(value) is not int or value < 0:
        raise Fail(f"`splits` should be a count (an int >= 0); got {value!r}")
    return value


def _q1_exact(ns, p):
    if _splits(ns) != _hot_run(p, p["n"]).splits:
        raise Fail(f"`splits` is not the count SegmentedStack('1.2') reports for {p['n']} iterations")


def _seg_case(frame, args):
    def case(ns):
        equal(call(ns, "segment_size", frame, args), segment_size(frame, args, GO12, GO12.stack_min),
              f"segment_size({frame}, {args})")
    return Case(f"segment_size({frame}, {args})", case)


def _q2_params(rng) -> dict:
    args = int(rng.integers(0, 17)) * 8
    if rng.integers(2):  # near the linker's test (frame + args >= 7952), where the frame starts to count
        return {"frame": 7952 - args + int(rng.integers(-8, 9)) * 8, "args": args}
    return {"frame": int(rng.integers(1, 80)) * 256, "args": args}


def _your_segment(ns, p):
    frame, args = p["frame"], p["args"]
    equal(call(ns, "segment_size", frame, args), segment_size(frame, args, GO12, GO12.stack_min),
          f"segment_size({frame}, {args})")


def _q3_params(rng) -> dict:
    return {**_chain(rng, short=False), "n": int(rng.integers(2, 4))}  # short chains log nothing


def _log(ns):
    value = need(ns, "log")
    if not (isinstance(value, list) and all(isinstance(e, tuple) and len(e) == 2 for e in value)):
        raise Fail("`log` should be a list of (kind, step) tuples, e.g. [('split', 5), ...]")
    return value


def _q3_exact(ns, p):
    want = [(e.kind, e.step) for e in _hot_run(p, p["n"]).events]
    got = _log(ns)
    if len(got) != len(want):
        raise Fail(f"the log should have {len(want)} events; yours has {len(got)}")
    for i, (g, w) in enumerate(zip(got, want)):
        if tuple(g) != w:
            raise Fail(f"event {i} is wrong: {tuple(g)!r}")


def libgcc_steps(frame: int, calls: int) -> list[tuple]:
    """q5's trace: `calls` calls of `frame` bytes, as many returns, twice."""
    return ([("call", frame)] * calls + [("ret",)] * calls) * 2


def _libgcc_run(frame, calls, entry_used):
    return SegmentedStack(version="gcc").run(CallTrace.from_steps(libgcc_steps(frame, calls),
                                                                  entry_used=entry_used))


def _once_each_way(frame, calls, entry_used) -> bool:
    splits = _libgcc_run(frame, calls, entry_used).split_events
    return len(splits) == 2 and splits[0].step < 2 * calls <= splits[1].step


def _q5_params(rng) -> dict:
    while True:  # a frame and entry for which some depth switches once per descent (almost all do)
        frame = int(np.exp(rng.uniform(*LIBGCC_FRAMES))) // 8 * 8  # log-uniform: even spread of depths
        entry_used = int(rng.integers(1, 65)) * 16
        ok = [c for c in LIBGCC_CALLS if _once_each_way(frame, c, entry_used)]
        if ok:
            return {"frame": frame, "calls": int(rng.choice(ok)), "entry_used": entry_used}


def _depths(ns):
    for name in ("first", "second"):
        value = need(ns, name)
        if type(value) is not int or value < 0:
            raise Fail(f"`{name}` should be a call depth (an int >= 0); got {value!r}")


def _q5_exact(ns, p):
    _depths(ns)
    want = [e.depth for e in _libgcc_run(p["frame"], p["calls"], p["entry_used"]).split_events]
    if [ns["first"], ns["second"]] != want:
        raise Fail("one of the depths is not where SegmentedStack(version='gcc') switches")


def _lib_case(frame, args, sigstksz):
    def case(ns):
        equal(call(ns, "libgcc_segment", frame, args, sigstksz),
              segment_bytes(frame + 3584 + args, sigstksz),
              f"libgcc_segment({frame}, {args}, {sigstksz})")
    return Case(f"libgcc_segment({frame}, {args}, {sigstksz})", case)


def _q6_params(rng) -> dict:
    return {"frame": int(rng.integers(0, 2001)) * 24, "args": int(rng.integers(0, 9)) * 8,
            "sigstksz": int(rng.choice(SIGSTKSZ))}


def _your_libgcc(ns, p):
    _lib_case(p["frame"], p["args"], p["sigstksz"]).fn(ns)


QUESTIONS = (
    Question("q1", "compute", 1, "Splits caused by the iterations of a loop at a segment's end", ("splits",),
             cases=(Case("splits is a count", _splits),),
             hidden=(Case("splits matches the engine", _q1_exact),),
             hints=("Build the loop with CallTrace.hot_loop from your numbers: depth, frame, callee, n "
                    "and entry_used, in that order.",
                    "Run it on the Go 1.2 segmented model, SegmentedStack, and read .splits.",
                    "Whether a callee call splits depends on where the chain ends: a callee that "
                    "straddles the segment's end splits on every call."),
             defaults={**HOT, "n": 1000}, params=_q1_params),
    Question("q2", "implement", 2, "segment_size(frame, args) under Go 1.2", ("segment_size",),
             cases=(_seg_case(200, 0), _seg_case(9000, 16)),
             hidden=(_seg_case(0, 0), _seg_case(6144, 0), _seg_case(6144, 8), _seg_case(7000, 100),
                     _seg_case(7952, 0), _seg_case(100000, 64),
                     Case("segment_size on your own numbers", _your_segment)),
             hints=("A new segment must hold the frame, its arguments and some extra room.",
                    "Go 1.2 adds StackExtra (2048) and never allocates less than StackMin (8192).",
                    "Small frames fit the fixed room of every segment: decide first whether the frame "
                    "counts at all (q2's text gives the linker's test).",
                    "Add the parts that count to the extra room, then apply the floor of hint 2."),
             defaults={"frame": 7952, "args": 0}, params=_q2_params),
    Question("q3", "predict", 2, "The event log of a short loop at a segment's end", ("log",),
             cases=(Case("log is a list of (kind, step) pairs", _log),),
             hidden=(Case("log matches SegmentedStack", _q3_exact),),
             hints=("Steps 0..{depth} are the chain's calls; the callee's {n} calls and returns follow, "
                    "then the chain's returns.",
                    "A call whose frame does not fit splits; the return that leaves the new segment "
                    "frees it.",
                    "Kinds are 'split' and 'free'; steps count every call and ret."),
             defaults={**HOT, "n": 2}, params=_q3_params,
             model='[(e.kind, e.step) for e in SegmentedStack("1.2").run(CallTrace.hot_loop(p["depth"], '
                   'p["frame"], p["callee"], p["n"], entry_used=88)).events]  # p = task("q3")'),
    Question("q4", "explain", 1, "Why the hot split made Go 1.3 move to copying stacks"),
    Question("q5", "compute", 2, "Where gcc -fsplit-stack switches, going down twice", ("first", "second"),
             cases=(Case("first and second are depths", _depths),),
             hidden=(Case("both match SegmentedStack(version='gcc')", _q5_exact),),
             hints=("One descent is `calls` calls of `frame` bytes, then as many rets; the trace is "
                    "two descents, starting `entry_used` bytes below S.",
                    "Run SegmentedStack(version='gcc') and read .depth of each split event.",
                    "After the first split returns, libgcc's limit is no longer 16000 bytes below S."),
             defaults={"frame": 1560, "calls": 14, "entry_used": 112}, params=_q5_params),
    Question("q6", "implement", 2, "libgcc's segment size for a frame", ("libgcc_segment",),
             cases=(_lib_case(1560, 0, 13504), _lib_case(20000, 0, 13504)),
             hidden=(_lib_case(0, 0, 47808), _lib_case(50000, 0, 47808), _lib_case(100, 64, 2048),
                     _lib_case(12700, 8, 13504),
                     Case("libgcc_segment on your own numbers", _your_libgcc)),
             hints=("allocate_segment starts from one page (4096 bytes).",
                    "If that is below SIGSTKSZ, it takes SIGSTKSZ + 56 (the header), rounded up to pages.",
                    "The request is frame + 3584 (BACKOFF) + args; if the size is still below it, "
                    "take request + 56 rounded up to pages."),
             defaults={"frame": 1560, "args": 0, "sigstksz": 13504}, params=_q6_params),
)
