"""SegmentedStack: splits and frees by hand, the hot split, the cost model."""

import numpy as np
import pytest

from gostack_kit import CallTrace, SegmentedStack, SplitCost


def both(model, trace):
    fast, slow = model.run(trace), model.run_readable(trace)
    assert fast.same_as(slow), (fast.summary(), slow.summary())
    return fast


def rows(run):
    return [(e.kind, e.step, e.depth, e.frame, e.old_size, e.new_size, e.used, e.nbytes)
            for e in run.events]


def test_hot_split_whole_log_by_hand():
    # Go 1.2: 8192-byte segments with a 96-byte Stktop; guard 256. The caller at depth 80
    # has 64 + 80*96 = 7744 bytes in use at entry; its callee (frame 200) enters at 7840:
    # 8096 - 7840 - 72 = 184 <= 256, so every call of the callee splits and every return frees.
    t = CallTrace.hot_loop(depth=80, frame=88, callee=200, n=3, entry_used=64)
    run = both(SegmentedStack("1.2"), t)
    assert rows(run) == [
        ("split", 81, 81, 200, 8192, 8192, 7840, 0), ("free", 82, 81, 200, 8192, 8192, 7832, 0),
        ("split", 83, 81, 200, 8192, 8192, 7840, 0), ("free", 84, 81, 200, 8192, 8192, 7832, 0),
        ("split", 85, 81, 200, 8192, 8192, 7840, 0), ("free", 86, 81, 200, 8192, 8192, 7832, 0),
    ]
    assert run.splits == 3 and run.final_size == 8192 and run.segments_peak == 2
    assert run.segments_allocated == 4 and run.summary()["segments_allocated"] == 4


@pytest.mark.parametrize("n", [1, 10, 1000])
def test_hot_split_every_iteration_and_none_a_few_bytes_shallower(n):
    seg = SegmentedStack("1.2")
    # caller at depth 79 with 88 + 79*96 = 7672 bytes in use; its callee (200) enters at
    # 7768: 8096 - 7768 - 72 = 256 <= 256, one byte too little: it splits every time.
    at_boundary = seg.run(CallTrace.hot_loop(79, 88, 200, n, entry_used=88))
    assert at_boundary.splits == n
    # the same loop entered 8 bytes shallower: the callee fits, nothing splits
    assert seg.run(CallTrace.hot_loop(79, 88, 200, n, entry_used=80)).splits == 0


def test_bigger_minimum_only_moves_the_boundary():
    depths = np.arange(0, 200)
    s1 = SegmentedStack("1.1").hot_split_sweep(depths, frame=88, callee=200, n=4, entry_used=64)
    s2 = SegmentedStack("1.2").hot_split_sweep(depths, frame=88, callee=200, n=4, entry_used=64)
    assert set(s1) <= {0.0, 1.0} and set(s2) <= {0.0, 1.0}
    hot1, hot2 = depths[s1 == 1.0], depths[s2 == 1.0]
    assert len(hot1) >= 1 and len(hot2) >= 1  # both sizes have a hot depth
    assert hot1.min() < hot2.min()  # 8 KB pushes it deeper, it does not remove it


def test_stack_min_parameter_gives_go_1_1_minimum():
    a = SegmentedStack("1.2", stack_min=4096)
    assert a.run(CallTrace.recursion(88, 100)).splits > SegmentedStack("1.2").run(
        CallTrace.recursion(88, 100)).splits


def test_big_frame_gets_its_own_segment_size():
    t = CallTrace.from_steps([("call", 88, 8), ("call", 9000, 16), ("ret",), ("ret",)])
    run = both(SegmentedStack("1.2"), t)
    split = run.split_events[0]
    assert (split.step, split.new_size, split.nbytes) == (1, 9000 + 16 + 2048, 16)
    assert run.peak_size == 8192 + 11064 and run.final_size == 8192
    assert run.bytes_copied == 32  # args in, results back


def test_overflow_counts_all_segments():
    run = both(SegmentedStack("1.2", max_stack=100_000),
               CallTrace.recursion(frame=5000, depth=100))
    assert run.overflow.message == "goroutine stack exceeds 100000-byte limit"
    assert run.final_size <= 100_000


def test_long_segment_chains_take_the_readable_walk():
    # 3000 frames of 5000 bytes: almost every call opens a segment, so deciding the chain
    # one level at a time would take ~3000 passes; run() walks instead, with the same record
    deep = CallTrace.recursion(frame=5000, depth=3000)
    seg = SegmentedStack("1.2", max_stack=1 << 30)
    assert seg._run_chain(deep) is None
    run = both(seg, deep)
    assert run.splits == len(run.split_events) == 3000 and run.segments_peak == 3001  # call 0 fits
    wide = CallTrace.random(50_000, seed=5, max_depth=60)
    assert seg._run_chain(wide) is not None and both(seg, wide).splits > 0


def test_cost_model():
    seg = SegmentedStack("1.2")
    hot = seg.run(CallTrace.hot_loop(79, 88, 200, 1000, entry_used=88, unwind=False))
    cold = seg.run(CallTrace.hot_loop(79, 88, 200, 1000, entry_used=80, unwind=False))
    cost = SplitCost(call_ns=2.0, split_ns=60.0)
    assert cost.time_ns(hot) == hot.calls * 2.0 + 1000 * 60.0
    assert cost.per_iteration_ns(cold, 1000) == pytest.approx(cold.calls * 2.0 / 1000)
    assert cost.per_iteration_ns(hot, 1000) - cost.per_iteration_ns(cold, 1000) == 60.0
    with pytest.raises(ValueError, match="split_ns"):
        SplitCost(split_ns=-1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="ContiguousStack"):
        SegmentedStack("1.27")
    with pytest.raises(ValueError, match="stack_min"):
        SegmentedStack("1.2", stack_min=0)
    with pytest.raises(TypeError, match="stack_min"):
        SegmentedStack("1.2", stack_min="8k")


@pytest.mark.parametrize("block", [1, 37, 4096])
def test_fast_path_is_blind_to_its_block_size(monkeypatch, block):
    import gostack_kit.stacks.segmented as segmented

    monkeypatch.setattr(segmented, "_BLOCK", block)  # blocks of 1 step, odd and power-of-two
    for seed in (1, 2):
        t = CallTrace.random(6000, seed=seed, max_depth=60, entry_used=500)
        for seg in (SegmentedStack("1.2"), SegmentedStack("1.1"), SegmentedStack("1.2", stack_min=2048)):
            fast = seg._run_chain(t, budget=1e9)  # the level-by-level path, never the walk
            assert fast.splits > 0 and fast.same_as(seg.run_readable(t))


def test_go_1_1_frames_of_stackbig_or_more_split_on_every_call():
    # Go 1.1 6l/pass.c stacksplit: no compare for a frame >= StackBig (4096), only a call
    # to morestack. A 64 KiB first segment has room for all four calls, yet each splits.
    seg = SegmentedStack("1.1", stack_min=65536)
    big = both(seg, CallTrace.recursion(4096, 3, entry_used=64))
    assert [e.depth for e in big.split_events] == [0, 1, 2, 3]
    # one byte smaller gets the compare, and fits
    assert both(seg, CallTrace.recursion(4095, 3, entry_used=64)).splits == 0
    # Go 1.2 compares big frames too (the underflow-safe form): no split
    assert both(SegmentedStack("1.2", stack_min=65536),
                CallTrace.recursion(4096, 3, entry_used=64)).splits == 0


@pytest.mark.parametrize("frame, args, entry_used, size", [
    (6500, 0, 3000, 8192),    # 6500 + 2048 > 8192, but the frame fits a minimum segment
    (7000, 16, 3000, 8192),   # 96 + 16 + 8 + 7000 + 8 + 128 = 7256 < 8192: moreframesize 0
    (7950, 0, 3000, 8192),    # 8190 < 8192: still not passed
    (7952, 0, 3000, 10000),   # 8192 >= 8192: passed, 7952 + 2048
    (100, 7000, 7800, 9048),  # not passed: the segment is sized from args alone, 7000 + 2048
])
def test_go_1_2_newstack_gets_the_frame_only_when_it_would_not_fit(frame, args, entry_used, size):
    # Go 1.2 6l/pass.c stacksplit passes the frame size to morestack only when
    # StackTop + args + 8 + frame + 8 + StackLimit >= StackMin; newstack (stack.c) then
    # allocates max(moreframesize + args + StackExtra, StackMin). The caller (88) fits; its
    # callee does not: entry + frame - StackSmall > 8096 - 256.
    t = CallTrace.from_steps([("call", 88), ("call", frame, args), ("ret",), ("ret",)],
                             entry_used=entry_used)
    run = both(SegmentedStack("1.2"), t)
    assert [(e.depth, e.new_size) for e in run.split_events] == [(1, size)]
