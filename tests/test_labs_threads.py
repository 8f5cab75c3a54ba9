"""thread_lab: sweeps agree with the engines they call, and with the laws they should obey."""

import pytest

from gostack_kit import CallTrace, ThreadStack
from gostack_kit.address.layout import user_top
from gostack_kit.address.limits import thread_budget
from gostack_kit.labs.threads import (
    GUARD_SIZES,
    STACK_SIZES,
    default_limits,
    depth_sweep,
    fit_sweep,
    thread_costs,
)


def test_default_limits_read_nothing_and_are_the_documented_defaults():
    lim = default_limits()
    assert lim == default_limits()
    assert (lim.threads_max.value, lim.pid_max.value, lim.max_map_count.value) == (192_729, 32_768, 65_530)
    assert (lim.nproc.value, lim.address_space.value, lim.stack.value) == (96_364, None, 8 << 20)
    assert lim.go_max_threads.value == 10_000
    assert all(getattr(lim, f).source.startswith("default") for f in lim.__slots__)


def test_default_budget_binds_on_the_map_count_for_c_and_on_go_for_go():
    c = thread_budget(default_limits(), 64)
    assert (c.binding.name, c.threads) == ("vm.max_map_count", 65_530 // 2)
    go = thread_budget(default_limits(), 64, go=True)
    assert (go.binding.name, go.threads) == ("Go debug.SetMaxThreads", 10_000)


def test_fit_sweep_divides_and_layouts_fit_no_more():
    s = fit_sweep(guard=4096)
    assert s.stacks == STACK_SIZES
    for bits, divide, placed in ((32, s.divide32, s.layout32), (64, s.divide64, s.layout64)):
        assert divide == tuple(user_top(bits) // (st + 4096) for st in s.stacks)
        assert all(p <= d for p, d in zip(placed, divide))
        # doubling the stack (nearly) halves the count; the guard keeps it a bit under 2x
        assert all(1.6 * b - 1 <= a <= 2 * b + 1 for a, b in zip(divide, divide[1:]))
    assert s.divide32[s.stacks.index(8 << 20)] == 383
    assert s.layout32[s.stacks.index(8 << 20)] == 367


def test_depth_sweep_matches_a_direct_model_run():
    stack = 128 << 10
    s = depth_sweep(stack, (8, 88, 1000, 4096, 16384), guard=4096)
    for frame, depth in zip(s.frames, s.depths):
        run = ThreadStack(size=stack, guard=4096).run(
            CallTrace.recursion(frame=frame, depth=stack // frame + 10, entry_used=192))
        assert run.overflow.depth == depth
        assert depth == ThreadStack(stack).max_depth(frame, 192) + 1
        assert s.clash[s.frames.index(frame)] == (run.overflow.kind == "clash")
    # by hand, frame 4096: depth 31 enters at 192 + 31 * 4104 = 127,416 bytes in use, so its
    # bottom lands 127,416 + 4096 - 131,072 = 440 bytes into the 4 KiB guard: a fault, not a clash
    assert s.depths[3] == 31 and s.clash == (False, False, False, False, False)
    assert depth_sweep(stack, (8, 88, 1000, 4096, 16384), guard=0).clash == (True,) * 5


def test_thread_costs_one_setting():
    c = thread_costs(8 << 20, 4096, 128, 1024)
    assert c.reserved == 1024 * ((8 << 20) + 4096)
    assert c.share32 == c.reserved / (3 << 30) and c.share64 == c.reserved / ((1 << 47) - 4096)
    assert (c.fit32, c.fit64) == (383, 16_769_027)
    assert c.depth == ThreadStack(8 << 20).max_depth(128, 192) + 1 and not c.clash
    assert c.budget.binding.name == "Go debug.SetMaxThreads"
    assert thread_costs(1 << 17, 0, 1 << 16, 1).clash


@pytest.mark.parametrize("kwargs, err", [
    ({"frame": 5 << 20}, ValueError),   # frame above stack / 2
    ({"stack": 4096}, ValueError),      # below PTHREAD_STACK_MIN
    ({"threads": 0}, ValueError),
    ({"guard": 1.5}, TypeError),
])
def test_thread_costs_rejects_bad_arguments(kwargs, err):
    with pytest.raises(err, match=next(iter(kwargs))):
        thread_costs(**kwargs)


def test_guard_sizes_are_accepted_everywhere():
    for g in GUARD_SIZES:
        assert thread_costs(1 << 17, g, 1 << 16, 1).guard == g
