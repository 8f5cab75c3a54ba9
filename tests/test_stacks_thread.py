"""ThreadStack: the call that touches the guard page, and the stack clash."""

import pytest

from gostack_kit import CallTrace, ThreadStack


def both(model, trace):
    fast, slow = model.run(trace), model.run_readable(trace)
    assert fast.same_as(slow), (fast.summary(), slow.summary())
    return fast


def test_overflow_depth_by_hand():
    # 64 KiB stack, entry 0: the call at depth d ends its frame at d*96 + 88 bytes;
    # 682*96 + 88 = 65560 > 65536, while depth 681 ends at 65464.
    th = ThreadStack(size=65536, guard=4096)
    run = both(th, CallTrace.recursion(frame=88, depth=1000))
    o = run.overflow
    assert (o.kind, o.step, o.depth, o.used, o.nbytes) == ("segv", 682, 682, 65472, 24)
    assert th.max_depth(88) == 681 and run.final_depth == 682 and run.calls == 683
    assert "guard page" in o.message


def test_eight_mebibytes_is_plenty_for_modest_recursion():
    run = both(ThreadStack(8 << 20), CallTrace.recursion(frame=88, depth=600, entry_used=192))
    assert run.overflow is None and run.max_used == 192 + 600 * 96 + 88


def test_frame_larger_than_guard_jumps_it():
    run = both(ThreadStack(size=16384, guard=4096),
               CallTrace.from_steps([("call", 1000), ("call", 20000)]))
    assert run.overflow.nbytes > 4096 and run.overflow.kind == "clash"  # past the guard page


def test_bad_arguments():
    with pytest.raises(ValueError, match="size"):
        ThreadStack(size=100)
    with pytest.raises(TypeError, match="guard"):
        ThreadStack(guard=4.0)
    with pytest.raises(ValueError, match="guard"):
        ThreadStack(guard=-1)


# A 16 KiB stack, then a 1000-byte frame and a 20000-byte one: the second call enters at
# 1008 bytes in use, so its frame's bottom lands 1008 + 20000 - 16384 = 4624 bytes below lo.
JUMP = [("call", 1000), ("call", 20000)]


@pytest.mark.parametrize("guard, kind", [(0, "clash"), (4096, "clash"), (4623, "clash"),
                                         (4624, "segv"), (1 << 20, "segv")])
def test_guard_decides_segv_or_clash(guard, kind):
    o = both(ThreadStack(size=16384, guard=guard), CallTrace.from_steps(JUMP)).overflow
    assert (o.kind, o.step, o.depth, o.used, o.nbytes) == (kind, 1, 1, 1008, 4624)
    assert ("guard page" in o.message) == (kind == "segv")
    assert ("stack clash" in o.message) == (kind == "clash")


def test_guard_size_changes_the_record():
    no_guard = both(ThreadStack(16384, guard=0), CallTrace.from_steps(JUMP))
    big_guard = both(ThreadStack(16384, guard=1 << 20), CallTrace.from_steps(JUMP))
    assert not no_guard.same_as(big_guard)
    assert no_guard.overflow.kind == "clash" and big_guard.overflow.kind == "segv"


def test_without_a_guard_every_overflow_is_a_clash():
    # even a frame that reaches a single byte below lo: there is no guard page to fault on
    for depth in (10, 100, 1000):
        run = both(ThreadStack(size=65536, guard=0), CallTrace.recursion(frame=88, depth=depth + 700))
        assert run.overflow.kind == "clash" and run.overflow.nbytes == 24
