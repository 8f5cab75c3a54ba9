"""CallTrace: constructors, derived arrays, memory, and refusal of bad input."""

import numpy as np
import pytest

from gostack_kit import CallTrace
from gostack_kit.core.trace import CALL, GC, MAX_STEPS, RET


def test_recursion_steps_and_used():
    t = CallTrace.recursion(frame=88, depth=3, entry_used=192)
    assert t.steps() == [("call", 88, 0)] * 4
    assert t.depth.tolist() == [0, 1, 2, 3]
    # after each call: entry_used + depth*96 + 88 (each call moves SP by frame + 8)
    assert t.used.tolist() == [280, 376, 472, 568]
    assert t.max_depth == 3 and t.final_frames == (88, 88, 88, 88)


def test_from_steps_fills_ret_frames_and_depths():
    t = CallTrace.from_steps([("call", 88), ("call", 4104, 16), ("ret",), ("gc",), ("ret",)],
                             entry_used=192)
    assert t.kind.tolist() == [CALL, CALL, RET, GC, RET]
    assert t.frame.tolist() == [88, 4104, 4104, 0, 88]
    assert t.args.tolist() == [0, 16, 16, 0, 0]
    assert t.depth.tolist() == [0, 1, 1, -1, 0]
    assert t.used.tolist() == [280, 4392, 280, 280, 184]
    assert t.final_frames == ()


def test_hot_loop_layout():
    t = CallTrace.hot_loop(depth=2, frame=40, callee=120, n=2)
    assert t.steps() == [("call", 40, 0)] * 3 + [("call", 120, 0), ("ret",)] * 2 + [("ret",)] * 3
    assert t.frame.tolist() == [40, 40, 40, 120, 120, 120, 120, 40, 40, 40]
    assert CallTrace.hot_loop(2, 40, 120, 2, unwind=False).final_frames == (40, 40, 40)


def test_fib_trace_matches_a_real_recursion():
    calls = []

    def fib(n, depth):
        calls.append(depth)
        if n < 2:
            return n
        return fib(n - 1, depth + 1) + fib(n - 2, depth + 1)

    fib(12, 0)
    t = CallTrace.fib(12)
    assert t.depth[t.kind == CALL].tolist() == calls
    assert int((t.kind == CALL).sum()) == int((t.kind == RET).sum()) == 2 * 233 - 1
    assert set(t.frame.tolist()) == {24} and t.final_frames == ()


def test_random_is_seeded_bounded_and_consistent():
    a = CallTrace.random(50_000, seed=3, max_depth=20, gc_rate=0.01)
    b = CallTrace.random(50_000, seed=3, max_depth=20, gc_rate=0.01)
    c = CallTrace.random(50_000, seed=4, max_depth=20, gc_rate=0.01)
    assert np.array_equal(a.kind, b.kind) and np.array_equal(a.frame, b.frame)
    assert not np.array_equal(a.kind, c.kind)
    assert len(a) == 50_000 and 0 <= a.max_depth <= 20
    assert (a.kind == GC).sum() > 0
    # every ret carries the frame of its call: rebuilding from steps gives the same arrays
    r = CallTrace.from_steps(a.steps(), entry_used=a.entry_used)
    assert np.array_equal(r.frame, a.frame) and np.array_equal(r.args, a.args)


def test_ten_million_steps_fit_in_200_mb():
    t = CallTrace.hot_loop(depth=10, frame=88, callee=200, n=5_000_000)
    assert len(t) > 10_000_000
    assert t.kind.nbytes + t.frame.nbytes + t.args.nbytes < 200e6


def test_arrays_are_read_only():
    t = CallTrace.recursion(88, 10)
    with pytest.raises(ValueError):
        t.frame[0] = 1


@pytest.mark.parametrize("bad", [0, -8, 2.5, "88", None, True])
def test_bad_frames(bad):
    with pytest.raises((ValueError, TypeError), match="frame"):
        CallTrace.recursion(frame=bad, depth=3)
    with pytest.raises((ValueError, TypeError), match="frame"):
        CallTrace.from_steps([("call", bad)])


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="depth"):
        CallTrace.recursion(88, -1)
    with pytest.raises(ValueError, match="entry_used"):
        CallTrace.recursion(88, 3, entry_used=-1)
    with pytest.raises(ValueError, match="returns more than it called"):
        CallTrace.from_steps([("call", 8), ("ret",), ("ret",)])
    with pytest.raises(ValueError, match="call', 'ret' or 'gc"):
        CallTrace.from_steps([("jump", 8)])
    with pytest.raises(TypeError, match="steps"):
        CallTrace.from_steps("call")
    with pytest.raises(ValueError, match="max_depth"):
        CallTrace.random(100, seed=1, max_depth=0)
    with pytest.raises(ValueError, match="gc_rate"):
        CallTrace.random(100, seed=1, gc_rate=2)
    with pytest.raises(ValueError, match="returns more than it called"):
        CallTrace([CALL, RET, RET], [8, 8, 8])


def test_too_large_traces_are_refused_before_allocating():
    with pytest.raises(ValueError, match="depth"):
        CallTrace.recursion(88, depth=10**12)
    with pytest.raises(ValueError, match=f"{MAX_STEPS:,}"):
        CallTrace.hot_loop(depth=1, frame=88, callee=88, n=MAX_STEPS)
    with pytest.raises(ValueError, match="limit"):
        CallTrace.fib(39)
    with pytest.raises(ValueError, match="steps"):
        CallTrace.random(MAX_STEPS + 1, seed=1)


def test_used_switches_to_int64_when_stack_bytes_pass_a_gigabyte():
    # three 1 GB frames: 3 GB in use would wrap in int32, so the column must widen
    t = CallTrace.from_steps([("call", 1 << 30)] * 3 + [("ret",)] * 3, entry_used=100)
    g = (1 << 30) + 8
    assert t.used.dtype == np.int64
    assert t.used.tolist() == [92 + g, 92 + 2 * g, 92 + 3 * g, 92 + 2 * g, 92 + g, 92]
    small = CallTrace.recursion(88, 3)
    assert small.used.dtype == np.int32 and small.used.tolist() == [88, 184, 280, 376]


def test_sign_and_depth_before_agree_with_the_depth_column():
    t = CallTrace.random(20_000, seed=9, max_depth=30, gc_rate=0.05)
    assert t.sign.tolist() == [{0: 1, 1: -1, 2: 0}[k] for k in t.kind.tolist()]
    calls = np.flatnonzero(t.kind == 0)
    assert t.depth_before(calls).tolist() == t.depth[calls].tolist()
    steps = np.array([0, 0, 5, 5, 19_999])
    live = np.concatenate(([0], np.cumsum(t.sign)))
    assert t.depth_before(steps).tolist() == live[steps].tolist()
    assert t.depth_before([]).tolist() == []


def test_validate_number_names_the_argument_and_type():
    from gostack_kit.core.validate import number

    assert number("x", 3, 0, 5) == 3.0
    with pytest.raises(TypeError, match=r"x must be a number in \[0, 5\] ns; got '3' \(str\)"):
        number("x", "3", 0, 5, unit="ns")
    with pytest.raises(TypeError, match="x must be a number"):
        number("x", True, 0, 5)
    for bad in (-1, 6, float("nan")):
        with pytest.raises(ValueError, match=r"x must be a number in \[0, 5\]"):
            number("x", bad, 0, 5)
