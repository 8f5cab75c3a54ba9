"""ContiguousStack: whole event logs checked by hand, edges of the prologue check, laws."""

import math

import pytest

from gostack_kit import CallTrace, ContiguousStack
from gostack_kit.core.events import Event

R = ContiguousStack


def grows(run):
    return [(g.step, g.depth, g.frame, g.old_size, g.new_size, g.used, g.copied) for g in run.growths]


def both(model, trace):
    """Run both paths, check they agree exactly, return the fast one."""
    fast, slow = model.run(trace), model.run_readable(trace)
    assert fast.same_as(slow), (fast.summary(), slow.summary())
    return fast


def test_leaq_frames_grow_by_hand():
    # entry 100; frame 1016 checks SP-888 against lo+928. Depth 1 enters at 1124:
    # 2048-1124-888 = 36 <= 928 -> 4096. Depth 3 enters at 3172: 4096-3172-888 = 36 -> 8192.
    run = both(R("1.27", 2048), CallTrace.recursion(frame=1016, depth=3, entry_used=100))
    assert grows(run) == [(1, 1, 1016, 2048, 4096, 1124, 1124), (3, 3, 1016, 4096, 8192, 3172, 3172)]
    assert run.final_size == 8192 and run.bytes_copied == 1124 + 3172
    assert run.shrinks == [] and run.overflow is None and run.calls == 4


def test_big_frame_grows_past_double_since_go_1_15():
    t = CallTrace.from_steps([("call", 88), ("call", 8200)], entry_used=192)
    # newstack doubles 2048 until newsize - 288 >= 8200 + 928: 4096, 8192 are short; 16384 fits.
    assert grows(both(R("1.27"), t)) == [(1, 1, 8200, 2048, 16384, 288, 288)]
    # Go 1.4 doubled once per morestack; the function's re-check failed twice more.
    assert grows(both(R("1.4"), t)) == [
        (1, 1, 8200, 2048, 4096, 288, 288),
        (1, 1, 8200, 4096, 8192, 288, 288),
        (1, 1, 8200, 8192, 16384, 288, 288),
    ]


@pytest.mark.parametrize(
    "frame,entry,grows_",
    [
        (24, 1120, True),  # small class: SP == stackguard0 -> JLS taken ("<=")
        (24, 1112, False),
        (128, 1120, True),  # exactly StackSmall is still the one-compare class
        (128, 1112, False),
        (136, 1112, True),  # LEAQ class: SP - 8 <= guard
        (136, 1104, False),
        (4096, 1, True),  # SP - 3968 is far below the guard of a 2 KB stack
        (4104, 1, True),  # SUBQ class
    ],
)
def test_prologue_edges(frame, entry, grows_):
    run = both(R("1.27", 2048), CallTrace.recursion(frame=frame, depth=0, entry_used=entry))
    assert (len(run.growths) == 1) is grows_


def test_subq_class_edge_on_a_bigger_stack():
    # frame 4104 on 8192: fails when 8192 - entry - 3976 <= 928, i.e. entry >= 3288
    assert len(both(R("1.27", 8192), CallTrace.recursion(4104, 0, entry_used=3288)).growths) == 1
    assert len(both(R("1.27", 8192), CallTrace.recursion(4104, 0, entry_used=3280)).growths) == 0


def test_shrink_at_gc_by_hand():
    steps = [("call", 1016)] * 4 + [("ret",)] * 4 + [("gc",)] * 3
    run = both(R("1.27"), CallTrace.from_steps(steps, entry_used=192))
    assert run.peak_size == 8192
    # no call live: used = 192 - 8 = 184; 184 + 800 < 8192/4 and < 4096/4; 2048 is the floor
    assert [(s.step, s.old_size, s.new_size, s.used) for s in run.shrinks] == [
        (8, 8192, 4096, 184), (9, 4096, 2048, 184)]
    assert run.final_size == 2048


def test_shrink_counts_innermost_frame_and_nosplit():
    # a live 1016 frame at entry 192: used = 1208; 1208 + 800 = 2008 < 8192/4 = 2048 -> halve
    steps = [("call", 1016)] * 4 + [("ret",)] * 3 + [("gc",), ("gc",)]
    run = both(R("1.27"), CallTrace.from_steps(steps, entry_used=192))
    assert [(s.old_size, s.new_size, s.used) for s in run.shrinks] == [(8192, 4096, 1208)]
    # Go 1.4 did not add the NOSPLIT room: 1208 < 4096/4 = 1024 is false, so one shrink too
    run4 = both(R("1.4"), CallTrace.from_steps(steps, entry_used=192))
    assert [(s.old_size, s.new_size) for s in run4.shrinks] == [(8192, 4096)]


def test_overflow_record_carries_runtime_message():
    run = both(R("1.27", max_stack=1 << 20), CallTrace.recursion(frame=4096, depth=400, entry_used=64))
    assert run.overflow.message == "goroutine stack exceeds 1048576-byte limit"
    assert run.final_size == 1 << 20  # the largest power of two <= the limit
    assert run.steps_run == run.overflow.step < 400
    big = both(R("1.27"), CallTrace.recursion(frame=1 << 20, depth=2000))
    assert big.overflow.message == "goroutine stack exceeds 1000000000-byte limit"
    assert big.final_size == 1 << 29


def test_event_records_are_frozen_and_typed():
    run = R().run(CallTrace.recursion(88, 100, entry_used=192))
    e = run.growths[0]
    assert isinstance(e, Event) and e.kind == "grow"
    with pytest.raises(AttributeError):
        e.depth = 3


@pytest.mark.parametrize("version", ["1.3", "1.4", "1.19", "1.27"])
@pytest.mark.parametrize("frame", [24, 88, 136, 1016, 4104, 9000])
def test_laws_for_recursion(version, frame):
    model = R(version)
    run = both(model, CallTrace.recursion(frame=frame, depth=3000, entry_used=192))
    assert run.bytes_copied < 2 * run.final_size
    assert len(run.growths) <= math.log2(run.final_size / model.initial_size) + 1
    sizes = [g.new_size for g in run.growths]
    assert sizes == sorted(set(sizes)) and all(s & (s - 1) == 0 for s in sizes)


def test_bad_arguments():
    with pytest.raises(ValueError, match="version"):
        R("1.28")
    with pytest.raises(TypeError, match="version"):
        R(1.27)
    with pytest.raises(ValueError, match="initial_size.*power of two"):
        R("1.27", 3000)
    with pytest.raises(ValueError, match="initial_size"):
        R("1.27", 1024)
    with pytest.raises(TypeError, match="initial_size"):
        R("1.27", 2048.0)
    with pytest.raises(ValueError, match="SegmentedStack"):
        R("1.2")
    with pytest.raises(TypeError, match="trace"):
        R().run([("call", 8)])
