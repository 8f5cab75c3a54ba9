"""Tests for thread capacity, machine limits and the guard-page depth."""

import dataclasses
import os
import resource
from pathlib import Path

import pytest

from gostack_kit import CallTrace, ThreadStack
from gostack_kit.address.limits import (
    ARCH_STACK_DEFAULT_SIZE,
    GO_MAX_THREADS,
    Limit,
    Limits,
    guard_depth,
    read_limits,
    thread_budget,
    threads_that_fit,
)

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30


def test_address_space_alone_by_hand():
    # 3 GiB / (8 MiB + 4 KiB) = 383.8; 2^47 - 4 KiB over the same is 16.77 million.
    assert threads_that_fit(32) == 383 == (3 * GiB) // (8 * MiB + 4 * KiB)
    assert threads_that_fit(64) == 16_769_027 == ((1 << 47) - 4 * KiB) // (8 * MiB + 4 * KiB)
    assert threads_that_fit(32, stack=2 * MiB, guard=0) == 1536
    per = 2 * MiB + 4 * KiB
    assert threads_that_fit(64, stack=2 * MiB, guard=4 * KiB) == ((1 << 47) - 4096) // per


def test_fewer_threads_fit_as_the_stack_grows():
    counts = [threads_that_fit(32, stack=s) for s in (64 * KiB, 1 * MiB, 8 * MiB, 64 * MiB)]
    assert counts == sorted(counts, reverse=True) and counts[-1] == (3 * GiB) // (64 * MiB + 4096)


def _limits(**values):
    """Limits with chosen values, every one tagged as a test value."""
    base = {
        "threads_max": ("kernel.threads-max", 192_729, "system"),
        "pid_max": ("kernel.pid_max", 32_768, "system"),
        "max_map_count": ("vm.max_map_count", 65_530, "process"),
        "nproc": ("RLIMIT_NPROC", 96_364, "user"),
        "address_space": ("RLIMIT_AS", None, "process"),
        "stack": ("RLIMIT_STACK", 8 * MiB, "process"),
        "go_max_threads": ("Go", 10_000, "go"),
    }
    out = {}
    for field, (name, value, scope) in base.items():
        value = values.get(field, value)
        out[field] = Limit(name, value, "test", scope)
    return Limits(**out)


def test_budget_on_the_reference_machine_binds_on_max_map_count():
    b = thread_budget(_limits(), bits=64)
    caps = {c.name: c.threads for c in b.caps}
    assert caps == {
        "address space": 16_769_027,
        "kernel.threads-max": 192_729,
        "kernel.pid_max": 32_767,
        "vm.max_map_count": 32_765,  # 65,530 VMAs / (stack + guard)
        "RLIMIT_NPROC": 96_364,
        "RLIMIT_AS": None,
        "Go": 10_000,
    }
    assert b.binding.name == "vm.max_map_count" and b.threads == 32_765
    assert b.stack == 8 * MiB  # taken from RLIMIT_STACK


def test_budget_for_go_binds_on_set_max_threads():
    assert thread_budget(_limits(), go=True).binding.name == "Go"


def test_budget_32_bit_binds_on_address_space():
    b = thread_budget(_limits(), bits=32)
    assert b.binding.name == "address space" and b.threads == 383


def test_budget_without_guard_needs_one_vma_per_thread_and_counts_vmas_in_use():
    assert thread_budget(_limits(), guard=0).binding.name == "kernel.pid_max"
    b = thread_budget(_limits(), vmas_in_use=530)
    assert next(c for c in b.caps if c.name == "vm.max_map_count").threads == 32_500


def test_budget_with_rlimit_as():
    b = thread_budget(_limits(address_space=4 * GiB), stack=1 * MiB, guard=0)
    assert b.binding.name == "RLIMIT_AS" and b.threads == 4096


def test_unenforced_limit_is_reported_but_does_not_bind():
    lims = dataclasses.replace(
        _limits(nproc=100), nproc=Limit("RLIMIT_NPROC", 100, "test", "user", enforced=False)
    )
    b = thread_budget(lims)
    assert next(c for c in b.caps if c.name == "RLIMIT_NPROC").threads == 100
    assert b.binding.name == "vm.max_map_count"


def test_default_stack_follows_glibc_rules():
    assert _limits(stack=8 * MiB).default_stack == 8 * MiB
    assert _limits(stack=None).default_stack == ARCH_STACK_DEFAULT_SIZE == 2 * MiB
    assert _limits(stack=1000).default_stack == 16 * KiB  # raised to PTHREAD_STACK_MIN
    assert _limits(stack=20_000).default_stack == 20_480  # rounded up to a page


@pytest.mark.skipif(not Path("/proc/sys/kernel/pid_max").exists(), reason="needs Linux /proc")
def test_read_limits_reads_this_machine():
    lims = read_limits()
    for lim, path in (
        (lims.threads_max, "/proc/sys/kernel/threads-max"),
        (lims.pid_max, "/proc/sys/kernel/pid_max"),
        (lims.max_map_count, "/proc/sys/vm/max_map_count"),
    ):
        assert lim.source == f"read from {path}"
        assert lim.value == int(Path(path).read_text())
    soft = resource.getrlimit(resource.RLIMIT_NPROC)[0]
    assert lims.nproc.value == (None if soft == resource.RLIM_INFINITY else soft)
    assert lims.nproc.source.startswith("read via resource.getrlimit(RLIMIT_NPROC)")
    assert lims.nproc.enforced == (os.geteuid() != 0)
    soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
    assert lims.stack.value == (None if soft == resource.RLIM_INFINITY else soft)
    assert lims.go_max_threads.value == GO_MAX_THREADS == 10_000
    assert lims.go_max_threads.source.startswith("default")


def test_read_limits_falls_back_to_defaults(tmp_path):
    lims = read_limits(tmp_path / "missing")
    assert lims.pid_max == Limit("kernel.pid_max", 32_768, "default: PID_MAX_DEFAULT", "system")
    assert lims.max_map_count.value == 65_530 and lims.max_map_count.source.startswith("default")
    ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert lims.threads_max.value == ram // (128 * KiB)
    assert "fork_init" in lims.threads_max.source


def test_guard_depth_matches_a_full_thread_stack_run():
    for stack, frame, entry in ((8 * MiB, 88, 192), (1 * MiB, 8, 0), (64 * KiB, 4000, 100)):
        model = ThreadStack(size=stack)
        trace = CallTrace.recursion(frame=frame, depth=model.max_depth(frame, entry) + 3,
                                    entry_used=entry)  # fmt: skip
        assert guard_depth(stack, frame, entry_used=entry) == model.run(trace).overflow.depth


def test_guard_depth_by_hand():
    # Call k leaves entry_used + k*(frame+8) + frame in use; it faults once that tops 8 MiB.
    d = guard_depth(8 * MiB, 88, entry_used=192)
    assert d == 87_379
    assert 192 + d * 96 + 88 > 8 * MiB >= 192 + (d - 1) * 96 + 88
    assert guard_depth(1 * GiB, 8, entry_used=0) == GiB // 16


@pytest.mark.parametrize(
    ("call", "exc", "word"),
    [
        (lambda: threads_that_fit(48), ValueError, "bits"),
        (lambda: threads_that_fit(64, stack=1024), ValueError, "stack"),
        (lambda: threads_that_fit(64, stack=8.0 * MiB), TypeError, "stack"),
        (lambda: threads_that_fit(64, guard=-1), ValueError, "guard"),
        (lambda: thread_budget({}), TypeError, "limits"),
        (lambda: thread_budget(_limits(), vmas_in_use=-1), ValueError, "vmas_in_use"),
        (lambda: guard_depth(2 * GiB), ValueError, "stack"),
        (lambda: guard_depth(8 * MiB, 0), ValueError, "frame"),
        (lambda: guard_depth(8 * MiB, 88, entry_used=8 * MiB), ValueError, "entry_used"),
    ],
)
def test_bad_inputs(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
