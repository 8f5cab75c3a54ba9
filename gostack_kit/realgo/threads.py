"""Watching real thread stacks appear in this process's address space.

address/limits.py counts thread stacks on paper; this module makes some.  It starts
n real Python threads (each a pthread) with `threading.stack_size(size)`,
parks them on an Event, and looks at /proc/self before and during:

    before            during
    ...               ...
                      ---p   4 KiB   guard      <- new, one per thread
                      rw-p 256 KiB   stack      <- new; only a few KiB touched
    [heap]            [heap]
    VmSize  X         VmSize  X + n * (256 KiB + 4 KiB) + (malloc arenas, ...)
    VmRSS   Y         VmRSS   Y + a little

VmSize counts address space reserved, VmRSS memory actually touched: the gap
between the two is the whole argument for lazy, small stacks.  Each thread also
asks glibc for its own stack address (pthread_getattr_np) so the record can
point at its exact mapping even when glibc reused a cached stack of an earlier
thread (glibc keeps up to 40 MiB of freed stacks for reuse, so a second run
of the same size may add no mappings at all).

Invariant: every thread started is stopped, joined and gone from
/proc/self/task before the function returns or raises, and
threading.stack_size is restored.  A thread's stack is never overflowed
here: overflow is a SIGSEGV for the whole process; the model in
threads.guard_depth answers that question instead.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..address import maps as proc_maps
from ..address.maps import Mapping, Maps, diff, read_maps
from ..core.validate import integer

PROC_SELF = Path("/proc/self")
# CPython refuses smaller stacks (THREAD_STACK_MIN, 32 KiB); 1 GiB keeps the
# experiment to reservations any 64-bit machine grants.
MIN_STACK, MAX_STACK = 32 * 1024, 1 << 30
MAX_THREADS = 256  # enough to see the pattern; far below every limit in address/limits.py
TIMEOUT = 10.0  # seconds to wait for threads to start or stop


@dataclass(frozen=True, slots=True)
class StackInfo:
    """A thread's own view of its stack, from pthread_getattr_np (None if unavailable)."""

    native_id: int
    lo: int | None  # lowest address of the stack mapping
    size: int | None  # bytes, guard excluded
    guard: int | None


@dataclass(frozen=True, slots=True)
class Observation:
    """What n parked threads with `stack_size` stacks added to the address space."""

    n: int
    stack_size: int
    before: Maps
    during: Maps
    added: tuple[Mapping, ...]  # mappings present only while the threads ran
    removed: tuple[Mapping, ...]  # mappings present only before (rare: merges, frees)
    threads: tuple[StackInfo, ...]
    # (guard, stack) holding each thread; guard None when no ---p sits below
    stacks: tuple[tuple[Mapping | None, Mapping], ...]
    touched: tuple[int, ...]  # Rss bytes of each stack mapping (smaps), same order
    vm_size: tuple[int, int]  # VmSize before, during (bytes)
    vm_rss: tuple[int, int]  # VmRSS before, during (bytes)

    @property
    def new_stacks(self) -> tuple[tuple[Mapping | None, Mapping], ...]:
        """(guard, stack) pairs that were mapped for this run (not reused from glibc's cache)."""
        fresh = {(m.start, m.end) for m in self.added}
        return tuple(p for p in self.stacks if (p[1].start, p[1].end) in fresh)

    @property
    def others(self) -> tuple[Mapping, ...]:
        """Added mappings that are not thread stacks or guards (malloc arenas, ...)."""
        mine = {m.start for pair in self.stacks for m in pair if m is not None}
        return tuple(m for m in self.added if m.start not in mine)

    @property
    def mapped_growth(self) -> int:
        """Bytes added minus bytes removed, by the maps diff (should match VmSize)."""
        return sum(m.size for m in self.added) - sum(m.size for m in self.removed)

    @property
    def reserved(self) -> int:
        """Bytes of address space the threads' stacks and guards occupy."""
        return sum(s.size + (g.size if g else 0) for g, s in self.stacks)

    @property
    def vm_size_growth(self) -> int:
        """VmSize during minus before."""
        return self.vm_size[1] - self.vm_size[0]

    @property
    def vm_rss_growth(self) -> int:
        """VmRSS during minus before."""
        return self.vm_rss[1] - self.vm_rss[0]


def read_status(path: str | Path | None = None) -> dict[str, int]:
    """The Vm* lines of /proc/self/status, in bytes (e.g. {"VmSize": ..., "VmRSS": ...})."""
    path = Path(path) if path is not None else PROC_SELF / "status"
    out = {}
    for line in path.read_text().splitlines():
        key, _, rest = line.partition(":")
        if key.startswith("Vm") and rest.strip().endswith("kB"):
            out[key] = int(rest.split()[0]) * 1024
    return out


def read_rss(path: str | Path | None = None) -> dict[int, int]:
    """Rss bytes of every mapping in /proc/self/smaps, keyed by start address."""
    path = Path(path) if path is not None else PROC_SELF / "smaps"
    out, start = {}, None
    for line in path.read_text().splitlines():
        head = line.split(maxsplit=1)[0] if line.strip() else ""
        if "-" in head and not head.endswith(":"):
            start = int(head.split("-")[0], 16)
        elif head == "Rss:" and start is not None:
            out[start] = int(line.split()[1]) * 1024
    return out


def _own_stack() -> StackInfo:
    """Ask glibc where the calling thread's stack is (Linux/glibc; None fields elsewhere)."""
    nid = threading.get_native_id()
    try:
        libc = ctypes.CDLL(None)
        attr = ctypes.create_string_buffer(256)  # pthread_attr_t is 56 bytes on x86-64
        if libc.pthread_getattr_np(ctypes.c_ulong(threading.get_ident()), attr) != 0:
            return StackInfo(nid, None, None, None)
        lo, size, guard = ctypes.c_void_p(), ctypes.c_size_t(), ctypes.c_size_t()
        libc.pthread_attr_getstack(attr, ctypes.byref(lo), ctypes.byref(size))
        libc.pthread_attr_getguardsize(attr, ctypes.byref(guard))
        libc.pthread_attr_destroy(attr)
    except (OSError, AttributeError):
        return StackInfo(nid, None, None, None)
    return StackInfo(nid, lo.value, size.value, guard.value)


@contextlib.contextmanager
def parked_threads(n: int, stack_size: int) -> Iterator[tuple[StackInfo, ...]]:
    """Start n threads with `stack_size` stacks parked on an Event; stop and join them on exit."""
    n = integer("n", n, 1, MAX_THREADS)
    stack_size = integer("stack_size", stack_size, MIN_STACK, MAX_STACK)
    if stack_size % 4096:
        raise ValueError(f"stack_size must be a multiple of 4096 in [{MIN_STACK}, {MAX_STACK}]")
    stop = threading.Event()
    started = threading.Barrier(n + 1)
    infos: list[StackInfo | None] = [None] * n
    threads: list[threading.Thread] = []

    def park(i: int) -> None:
        infos[i] = _own_stack()
        with contextlib.suppress(threading.BrokenBarrierError):
            started.wait(TIMEOUT)
        stop.wait(TIMEOUT * 30)  # bounded, in case the owner vanished

    old = threading.stack_size(stack_size)
    try:
        try:
            for i in range(n):
                t = threading.Thread(target=park, args=(i,), name=f"parked-{i}", daemon=True)
                t.start()
                threads.append(t)
        finally:
            threading.stack_size(old)  # only the threads above get the odd size
        started.wait(TIMEOUT)
        yield tuple(infos)
    finally:
        stop.set()
        started.abort()  # frees any thread still waiting if a start failed
        for t in threads:
            t.join(TIMEOUT)
        _wait_gone([t.native_id for t in threads])


def _wait_gone(tids: list[int | None]) -> None:
    """Wait (bounded) until the kernel has reaped the joined threads.

    join() returns once Python is done with a thread; the OS thread may live a
    few microseconds longer, still listed in /proc/self/task.
    """
    task = PROC_SELF / "task"
    deadline = time.monotonic() + TIMEOUT
    while task.exists() and time.monotonic() < deadline:
        if not any((task / str(tid)).exists() for tid in tids if tid is not None):
            return
        time.sleep(0.001)


def _find_stack(maps: Maps, info: StackInfo) -> tuple[Mapping | None, Mapping] | None:
    """(guard or None, stack mapping) holding the thread's stack, by its own address."""
    if info.lo is None:
        return None
    for i, m in enumerate(maps.mappings):
        if m.start <= info.lo < m.end:
            below = maps.mappings[i - 1] if i else None
            is_guard = below is not None and below.kind == "guard" and below.end == m.start
            return (below if is_guard else None, m)
    return None


def observe_threads(n: int = 4, stack_size: int = 256 * 1024) -> Observation:
    """Start n parked threads, snapshot maps/status/smaps before and during, then stop them.

    Raises OSError when /proc/self/maps is missing (not Linux): there is nothing
    live to observe; use proc_maps.read_sample() for the recorded picture.
    """
    if not proc_maps.PROC_SELF_MAPS.exists():
        raise OSError(f"observe_threads needs {proc_maps.PROC_SELF_MAPS} (Linux)")
    status0 = read_status()
    before = read_maps()
    with parked_threads(n, stack_size) as infos:
        status1 = read_status()
        during = read_maps()
        rss = read_rss()
    added, removed = diff(before, during)
    stacks = [_find_stack(during, info) for info in infos]
    if None in stacks:  # no pthread_getattr_np: fall back to the new guard/stack pairs
        fresh = {(m.start, m.end) for m in added}
        stacks = [p for p in during.thread_stacks() if (p[1].start, p[1].end) in fresh]
    return Observation(
        n=n,
        stack_size=stack_size,
        before=before,
        during=during,
        added=added,
        removed=removed,
        threads=infos,
        stacks=tuple(stacks),
        touched=tuple(rss.get(s.start, 0) for _, s in stacks),
        vm_size=(status0["VmSize"], status1["VmSize"]),
        vm_rss=(status0["VmRSS"], status1["VmRSS"]),
    )
