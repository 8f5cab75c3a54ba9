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


def test_frame_larger_than_guard_skips_it():
    run = both(ThreadStack(size=16384, guard=4096),
               CallTrace.from_steps([("call", 1000), ("call", 20000)]))
    assert run.overflow.nbytes > 4096  # reaches past the guard page: a stack clash


def test_bad_arguments():
    with pytest.raises(ValueError, match="size"):
        ThreadStack(size=100)
    with pytest.raises(TypeError, match="guard"):
        ThreadStack(guard=4.0)
    with pytest.raises(ValueError, match="guard"):
        ThreadStack(guard=-1)
