"""Property tests on random traces: fast paths equal readable paths, logs stay consistent."""

import contextlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gostack_kit import CallTrace, ContiguousStack, SegmentedStack, ThreadStack
from gostack_kit.core.trace import CALL

FRAMES = st.sampled_from([8, 24, 88, 120, 128, 136, 1016, 4096, 4104, 9000, 70000])


@st.composite
def traces(draw, max_steps=300):
    """A random valid trace built through from_steps (never returns below its base)."""
    ops, live = [], 0
    for _ in range(draw(st.integers(0, max_steps))):
        op = draw(st.sampled_from(["call", "call", "ret", "gc"]))
        if op == "call":
            ops.append(("call", draw(FRAMES), draw(st.sampled_from([0, 8, 24]))))
            live += 1
        elif op == "ret" and live:
            ops.append(("ret",))
            live -= 1
        elif op == "gc":
            ops.append(("gc",))
    if draw(st.booleans()):  # sometimes return to the base and collect
        ops += [("ret",)] * live + [("gc",)]
    return CallTrace.from_steps(ops, entry_used=draw(st.integers(0, 2000)))


MODELS = [ContiguousStack(v) for v in ("1.3", "1.4", "1.19", "1.27")] + [
    ContiguousStack("1.27", initial_size=8192, max_stack=1 << 20),
    SegmentedStack("1.2"), SegmentedStack("1.1"), SegmentedStack("1.2", max_stack=60_000),
    ThreadStack(65536), ThreadStack(8 << 20),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traces())
def test_fast_paths_equal_readable_paths(t):
    for m in MODELS:
        assert m.run(t).same_as(m.run_readable(t)), m


@settings(max_examples=100, deadline=None)
@given(traces())
def test_segment_levels_path_equals_readable(t):
    seg = SegmentedStack("1.2", stack_min=4096)
    calls_at = np.flatnonzero(t.kind == CALL)
    if len(calls_at):
        assert seg._run_chain(t, budget=1e9).same_as(seg.run_readable(t))


@settings(max_examples=150, deadline=None)
@given(traces())
def test_contiguous_logs_are_consistent(t):
    for version in ("1.4", "1.27"):
        run = ContiguousStack(version).run(t)
        size, steps = run.initial_size, [e.step for e in run.events]
        assert steps == sorted(steps)
        for e in run.events:
            if e.kind == "grow":
                assert e.old_size == size < e.new_size and e.new_size & (e.new_size - 1) == 0
                assert e.copied == e.used < e.old_size
            elif e.kind == "shrink":
                assert e.old_size == size and e.new_size == size // 2 >= 2048
            size = e.new_size if e.kind != "overflow" else size
        assert size == run.final_size
        if run.overflow is None and not run.shrinks:
            assert run.bytes_copied < 2 * run.final_size


@settings(max_examples=150, deadline=None)
@given(traces())
def test_every_model_ends_with_the_same_live_frames(t):
    runs = [m.run(t) for m in MODELS]
    whole = [r for r in runs if r.steps_run == len(t)]
    for r in whole:
        assert r.final_frames == t.final_frames and r.final_depth == len(t.final_frames)


@settings(max_examples=150, deadline=None)
@given(traces())
def test_segments_are_freed_by_the_call_that_made_them(t):
    run = SegmentedStack("1.2").run(t)
    open_ = []
    for e in run.events:
        if e.kind == "split":
            open_.append((e.depth, e.frame, e.new_size))
        elif e.kind == "free":
            assert open_.pop() == (e.depth, e.frame, e.old_size)
    if run.overflow is None:
        assert run.final_size == 8192 + sum(s for _, _, s in open_)
        assert run.segments_peak >= len(open_) + 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_big_random_traces_agree(seed):
    t = CallTrace.random(120_000, seed=seed, max_depth=30, gc_rate=0.002)
    for m in (ContiguousStack("1.27"), ContiguousStack("1.4"), SegmentedStack("1.2"),
              SegmentedStack("1.1"), ThreadStack(65536)):
        assert m.run(t).same_as(m.run_readable(t))


@given(st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=True), st.text(max_size=3),
                 st.none(), st.booleans()))
@settings(max_examples=200, deadline=None)
def test_constructors_only_raise_value_or_type_errors(x):
    for build in (
        lambda: CallTrace.recursion(x, 10), lambda: CallTrace.recursion(88, x),
        lambda: CallTrace.hot_loop(x, 88, 88, 3), lambda: CallTrace.fib(x),
        lambda: ContiguousStack("1.27", initial_size=x), lambda: ContiguousStack(max_stack=x),
        lambda: SegmentedStack(stack_min=x), lambda: ThreadStack(size=x),
        lambda: ThreadStack(guard=x), lambda: CallTrace.from_steps([("call", x)]),
    ):
        with contextlib.suppress(ValueError, TypeError):
            build()


def test_models_agree_when_bytes_in_use_pass_int32():
    # frames of 512 MB: bytes in use reach 2.5 GB, so CallTrace.used is int64 here
    big = 1 << 29
    t = CallTrace.from_steps([("call", big), ("call", 88), ("gc",), ("call", big), ("call", big),
                              ("ret",), ("gc",), ("call", big), ("call", big), ("ret",), ("ret",),
                              ("ret",), ("gc",)], entry_used=300)
    assert t.used.dtype == np.int64 and t.used.max() > 2**31
    models = [ContiguousStack("1.27", max_stack=1 << 40), ContiguousStack("1.27"),
              SegmentedStack("1.2", max_stack=1 << 40), ThreadStack(1 << 33), ThreadStack(1 << 31)]
    for m in models:
        assert m.run(t).same_as(m.run_readable(t)), m
    assert ContiguousStack("1.27").run(t).overflow is not None
    assert ContiguousStack("1.27", max_stack=1 << 40).run(t).peak_size == 1 << 32
