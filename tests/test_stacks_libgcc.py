"""SegmentedStack(version="gcc"/"gccgo"): libgcc's split stacks, worked out by hand from the rule.

Each expected number below is computed from the GCC 12.2 constants the module cites
(SPLIT_STACK_AVAILABLE 256, BACKOFF 3584, the 16000-byte first limit, the 56-byte segment
header, 4096-byte pages); the real-system checks are in test_realgo_splitstack.py.
"""

import pytest

from gostack_kit import CallTrace, SegmentedStack
from gostack_kit.stacks.libgcc import LIBGCC, segment_bytes


def splits(run):
    return [(e.step, e.depth, e.new_size) for e in run.split_events]


def descent(frames, times=1):
    steps = []
    for _ in range(times):
        steps += [("call", f) for f in frames] + [("ret",)] * len(frames)
    return steps


def test_contract_big_frames_compare_sp_minus_frame():
    # frame 1560 >= 256: split when entry + 1560 > 16000; entry = 112 + 1568 d, so d = 10
    seg = SegmentedStack(version="gcc", sigstksz=47808, init_sp_mod512=504)
    run = seg.run(CallTrace.from_steps(descent([1560] * 12), entry_used=112))
    # SIGSTKSZ 47808 + header 56 rounded up to pages is 49152
    assert splits(run) == [(10, 10, 49152)]
    e = run.split_events[0]
    assert (e.used, e.frame, e.old_size) == (112 + 10 * 1568, 1560, 0)
    assert run.final_size == 49152 and run.segments_peak == 2


def test_small_frames_compare_sp_itself():
    # frame 200 < 256: split when the entry SP itself is below the limit: 104 + 208 d > 16000
    run = SegmentedStack(version="gcc").run(CallTrace.recursion(200, 80, entry_used=104))
    assert splits(run)[0][1] == 77  # 104 + 208*77 = 16120 > 16000, 76 -> 15912
    # one byte more of frame makes the check use SP - frame: far earlier
    run = SegmentedStack(version="gcc").run(CallTrace.recursion(256, 80, entry_used=104))
    assert splits(run)[0][1] == 60  # 104 + 264*60 + 256 = 16200 > 16000; 59 -> 15936


def test_limit_in_a_segment_sits_header_plus_backoff_above_its_base():
    # in a 16384-byte segment the function resumes 8 bytes below the top and the limit sits
    # 56 + 3584 above the base: 12744 bytes below the top. Frames of 1560 move 1568 a level.
    seg = SegmentedStack(version="gcc", sigstksz=13504)
    run = seg.run(CallTrace.recursion(1560, 40, entry_used=112))
    depths = [d for _, d, _ in splits(run)]
    # next split in segment 1: 8 + 1568 k + 1560 > 12744 -> k = 8, so every 8 levels
    assert depths == [10, 18, 26, 34]


def test_second_descent_splits_earlier_the_limit_moved_up():
    # after the first split returns, the thread's limit is round_up(S - 8, 512) - 12416:
    # for S = 504 mod 512 that is S + 8 - 12416, 12408 bytes below S (not 16000)
    seg = SegmentedStack(version="gcc", init_sp_mod512=504)
    run = seg.run(CallTrace.from_steps(descent([1560] * 12, times=2), entry_used=112))
    first, second = splits(run)
    assert first[1] == 10
    assert second[1] == 7  # 112 + 1568*7 + 1560 = 12648 > 12408; depth 6: 11080 fits
    assert seg.libgcc.limit_after_return(112 + 1568 * 10 - 8) == 12408
    # a thread whose S is 88 mod 512 rounds up by 424 instead: the limit lands at 11992
    assert SegmentedStack(version="gcc", init_sp_mod512=88).libgcc.limit_after_return(100) == 11992


def test_kept_segments_are_reused_and_only_a_too_small_one_is_unmapped():
    seg = SegmentedStack(version="gcc", sigstksz=13504)
    # A makes a 16384-byte segment at depth 10; B's depth-7 call of a 20000-byte frame
    # needs 20000 + 3584 bytes, more than the kept segment's 16328: it is unmapped and a
    # 24576-byte one (23584 + 56 rounded to pages) takes its place; C reuses that one.
    steps = descent([1560] * 12) + descent([1560] * 7 + [20000]) + descent([1560] * 12)
    run = seg.run(CallTrace.from_steps(steps, entry_used=112))
    assert splits(run) == [(10, 10, 16384), (24 + 7, 7, 24576), (24 + 16 + 7, 7, 24576)]
    assert [(e.step, e.old_size) for e in run.frees] == [(24 + 7, 16384)]
    assert run.final_size == 24576 and run.peak_size == 24576


def test_gccgo_starts_on_a_4_mib_segment_and_never_masks_signals():
    seg = SegmentedStack(version="gccgo", sigstksz=13504)
    assert seg.libgcc.first == (4 << 20) + 4096
    assert LIBGCC["gccgo"].masks_signals is False and LIBGCC["gcc"].masks_signals is True
    # the limit is 56 + 3584 above the first segment's base: (4 MiB + 4096) - 3640 below its top
    limit = (4 << 20) + 4096 - 3640
    d = (limit - 360 - 1528) // 1536 + 1  # first depth whose entry + 1528 passes the limit
    run = seg.run(CallTrace.recursion(1528, d + 2, entry_used=360))
    assert splits(run)[0][1:] == (d, 16384)


def test_segment_sizes_follow_sigstksz_and_the_frame():
    assert segment_bytes(0, 13504) == 16384
    assert segment_bytes(0, 47808) == 49152
    assert segment_bytes(20000 + 3584, 13504) == 24576
    assert segment_bytes(0, 2048) == 4096  # a page when SIGSTKSZ is below it


def test_thread_stack_too_small_dies_on_the_guard_before_the_first_split():
    seg = SegmentedStack(version="gcc", thread_stack=11768)
    run = seg.run(CallTrace.recursion(1560, 20, entry_used=112))
    assert run.splits == 0 and run.overflow.kind == "segv"
    assert run.overflow.depth == 7  # 112 + 1568*7 + 1560 = 12648 > 11768; depth 6 fits


def test_a_split_on_a_thin_thread_stack_dies_inside_morestack():
    # 15864 bytes below S: the depth-10 split of 1560-byte frames enters at 15792, and
    # __morestack needs 304 more bytes of the old stack: 16096 > 15864
    seg = SegmentedStack(version="gcc", thread_stack=15864)
    run = seg.run(CallTrace.recursion(1560, 20, entry_used=112))
    assert run.splits == 0 and run.overflow.depth == 10
    # with no reach below the entry, the same split would succeed
    ok = SegmentedStack(version="gcc", thread_stack=15864, morestack_reach=0)
    assert ok.run(CallTrace.recursion(1560, 20, entry_used=112)).splits >= 1


@pytest.mark.parametrize("kwargs, name", [
    ({"sigstksz": 100}, "sigstksz"), ({"init_sp_mod512": 512}, "init_sp_mod512"),
    ({"thread_stack": 0}, "thread_stack"), ({"morestack_reach": -1}, "morestack_reach"),
    ({"stack_min": 8192}, "stack_min"),
])
def test_bad_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SegmentedStack(version="gcc", **kwargs)


def test_gccgo_has_no_thread_stack_and_go_versions_take_no_libgcc_arguments():
    with pytest.raises(ValueError, match="thread_stack"):
        SegmentedStack(version="gccgo", thread_stack=65536)
    with pytest.raises(TypeError, match="sigstksz"):
        SegmentedStack(version="1.2", sigstksz=13504)
    with pytest.raises(TypeError, match="trace"):
        SegmentedStack(version="gcc").run([("call", 8)])
