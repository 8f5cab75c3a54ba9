"""Tests for the real-thread experiment: stacks and guards appearing in /proc/self/maps.

Stack sizes are chosen so glibc's stack cache cannot hand one test's freed
stacks to another: glibc reuses a cached stack only for requests between 1/4
of its size and its size, and 256 KiB, 32 KiB and 4 MiB requests never overlap.
"""

import sys
import threading
from pathlib import Path

import pytest

from gostack_kit.address import maps as proc_maps
from gostack_kit.realgo import threads as thread_observe
from gostack_kit.realgo.threads import (
    StackInfo,
    observe_threads,
    parked_threads,
    read_rss,
    read_status,
)

KiB = 1024
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux /proc")


@pytest.fixture
def baseline():
    before = threading.active_count()
    yield before
    assert threading.active_count() == before
    assert threading.stack_size() == 0


@linux
def test_four_threads_add_four_guarded_256k_stacks(baseline):
    obs = observe_threads(4, 256 * KiB)
    assert threading.active_count() == baseline  # stopped and joined
    assert len(obs.stacks) == 4 and len(obs.new_stacks) == 4
    for (guard, stack), info in zip(obs.stacks, obs.threads, strict=True):
        assert (guard.perms, guard.size, guard.kind) == ("---p", 4 * KiB, "guard")
        assert (stack.perms, stack.size, stack.kind) == ("rw-p", 256 * KiB, "thread-stack")
        assert guard.end == stack.start  # directly below
        assert (info.lo, info.size, info.guard) == (stack.start, 256 * KiB, 4 * KiB)
    assert len({i.native_id for i in obs.threads} | {threading.get_native_id()}) == 5
    assert obs.reserved == 4 * (256 + 4) * KiB
    # VmSize grows by at least the stacks, and by what the maps diff says (malloc
    # arenas included, when the threads got new ones), give or take a small alloc.
    assert obs.vm_size_growth >= obs.reserved
    assert abs(obs.vm_size_growth - obs.mapped_growth) <= 2 << 20
    # Touched memory is a few pages per stack; RSS grows far less than reserved.
    assert all(0 < t <= 64 * KiB for t in obs.touched)
    assert sum(obs.touched) <= obs.reserved // 4
    assert obs.vm_rss_growth < obs.reserved
    # Everything else that appeared is not a stack: arenas are anon + reserved.
    assert {m.kind for m in obs.others} <= {"anon", "reserved", "bss"}


@linux
def test_a_second_run_reuses_or_maps_stacks_and_finds_all(baseline):
    first = observe_threads(2, 4096 * KiB)
    second = observe_threads(2, 4096 * KiB)
    old = {(s.start, s.end) for _, s in first.stacks}
    assert len(second.stacks) == 2
    for pair in second.stacks:
        reused = (pair[1].start, pair[1].end) in old
        assert reused != (pair in second.new_stacks)  # each stack is one or the other
    gone = {i.native_id for i in first.threads + second.threads}
    tasks = {int(p.name) for p in Path("/proc/self/task").iterdir()}
    assert not gone & tasks


@linux
def test_threads_are_joined_when_the_body_raises(baseline):
    with pytest.raises(RuntimeError, match="boom"), parked_threads(3, 32 * KiB) as infos:
        assert threading.active_count() == baseline + 3
        assert [i.size for i in infos] == [32 * KiB] * 3
        assert threading.stack_size() == 0  # restored as soon as the threads started
        raise RuntimeError("boom")


@linux
def test_threads_are_joined_when_reading_proc_fails(baseline, monkeypatch):
    calls = []

    def failing_read_maps():
        calls.append(threading.active_count())
        if len(calls) == 2:
            raise OSError("maps vanished")
        return proc_maps.read_maps()

    monkeypatch.setattr(thread_observe, "read_maps", failing_read_maps)
    with pytest.raises(OSError, match="vanished"):
        observe_threads(2, 32 * KiB)
    assert calls == [baseline, baseline + 2]


def test_missing_proc_raises_before_starting_threads(baseline, monkeypatch, tmp_path):
    monkeypatch.setattr(proc_maps, "PROC_SELF_MAPS", tmp_path / "maps")
    with pytest.raises(OSError, match="needs"):
        observe_threads(2, 32 * KiB)


@pytest.mark.parametrize(
    ("kwargs", "exc", "word"),
    [
        ({"n": 0}, ValueError, "n must"),
        ({"n": 257}, ValueError, "n must"),
        ({"n": "4"}, TypeError, "n must"),
        ({"stack_size": 16 * KiB}, ValueError, "stack_size"),
        ({"stack_size": 32 * KiB + 1}, ValueError, "stack_size"),
        ({"stack_size": 2 << 30}, ValueError, "stack_size"),
    ],
)
def test_bad_inputs_start_nothing(baseline, kwargs, exc, word):
    args = {"n": 2, "stack_size": 32 * KiB} | kwargs
    with pytest.raises(exc, match=word), parked_threads(**args):
        pass


def test_status_and_smaps_parsers(tmp_path):
    status = tmp_path / "status"
    status.write_text("Name:\tpython\nVmPeak:\t  209784 kB\nVmSize:\t  144264 kB\n"
                      "VmRSS:\t    9480 kB\nThreads:\t3\n")  # fmt: skip
    assert read_status(status) == {"VmPeak": 209784 * KiB, "VmSize": 144264 * KiB,
                                   "VmRSS": 9480 * KiB}  # fmt: skip
    smaps = tmp_path / "smaps"
    smaps.write_text(
        "7f0000000000-7f0000001000 ---p 00000000 00:00 0\n"
        "Size:                  4 kB\nRss:                   0 kB\n"
        "7f0000001000-7f0000041000 rw-p 00000000 00:00 0\n"
        "Size:                256 kB\nRss:                  12 kB\nPss:   12 kB\n"
    )
    assert read_rss(smaps) == {0x7F0000000000: 0, 0x7F0000001000: 12 * KiB}


def test_find_stack_pairs_a_guard_only_when_one_sits_below():
    maps = proc_maps.Maps(proc_maps.parse_maps(
        "7f0000000000-7f0000001000 ---p 00000000 00:00 0\n"
        "7f0000001000-7f0000041000 rw-p 00000000 00:00 0\n"
        "7f0000100000-7f0000141000 rw-p 00000000 00:00 0\n"  # guard inside (MADV_GUARD)
    ), "live", "test")  # fmt: skip
    guarded = thread_observe._find_stack(maps, StackInfo(1, 0x7F0000002000, 0x3F000, 4096))
    assert guarded == maps.mappings[:2]
    bare = thread_observe._find_stack(maps, StackInfo(2, 0x7F0000101000, 0x40000, 4096))
    assert bare == (None, maps.mappings[2])
    assert thread_observe._find_stack(maps, StackInfo(3, 0x1000, 4096, 0)) is None
    assert thread_observe._find_stack(maps, StackInfo(4, None, None, None)) is None


@linux
def test_without_pthread_getattr_np_the_maps_diff_finds_the_stacks(baseline, monkeypatch):
    def blind():
        return StackInfo(threading.get_native_id(), None, None, None)

    monkeypatch.setattr(thread_observe, "_own_stack", blind)
    obs = observe_threads(3, 48 * KiB)
    assert [(g.size, s.size) for g, s in obs.stacks] == [(4 * KiB, 48 * KiB)] * 3
    assert obs.new_stacks == obs.stacks
