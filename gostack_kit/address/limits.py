"""How many OS threads a process can have, and what stops it.

Every pthread costs one reservation of address space, the stack, plus a guard
page below it (address/layout.py draws them).  Divide the user space by that
and you get the first limit:

    per thread = stack + guard             8 MiB + 4 KiB
    32-bit:  3 GiB   / per thread  =       383 threads
    64-bit:  128 TiB / per thread  = 16,769,027 threads

On 32 bits that is the wall.  On 64 bits nobody reaches it; these bite first:

    limit                   scope     counts                        typical value
    kernel.threads-max      system    tasks of all processes        RAM / 128 KiB
    kernel.pid_max          system    thread ids share PID space    32,768 .. 4,194,304
    vm.max_map_count        process   VMAs; stack + guard = 2       65,530
    RLIMIT_NPROC (ulimit -u) user     tasks of the user (not root)  threads-max / 2
    RLIMIT_AS (ulimit -v)   process   bytes of address space        unlimited
    debug.SetMaxThreads     Go only   Ms (threads) of one program   10,000

Each value is read from this machine where it can be and tagged with where it
came from; unreadable values fall back to the kernel's or Go's default, and
the tag says "default".  A goroutine pays none of these: its stack lives inside
the Go heap (runtime/stack.go stackalloc), so only memory limits it.

Invariants: `thread_budget` is a pure function of its arguments (reading the
machine happens once, in `read_limits`, and `default_limits` is the same record
with the kernel's and Go's defaults, read from nowhere); the binding limit is the smallest
enforced cap; limits that do not apply (RLIMIT_NPROC for root) are reported but
not enforced.  The experiment in realgo/threads.py watches real stacks appear.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from ..core.events import Event
from ..core.trace import CallTrace
from ..core.validate import integer
from ..stacks.thread import ThreadStack
from .layout import DEFAULT_GUARD, DEFAULT_THREAD_STACK, GiB, KiB, MiB, user_top

try:  # POSIX only; elsewhere every rlimit falls back to its default
    import resource
except ImportError:  # pragma: no cover - exercised on Windows only
    resource = None

PROC = Path("/proc")

# glibc ARCH_STACK_DEFAULT_SIZE on x86-64: the pthread stack when RLIMIT_STACK
# is unlimited (glibc sysdeps/x86_64/nptl/pthreaddef.h).
ARCH_STACK_DEFAULT_SIZE = 2 * MiB
# glibc PTHREAD_STACK_MIN on x86-64; a smaller RLIMIT_STACK is raised to it.
PTHREAD_STACK_MIN = 16 * KiB
# kernel/fork.c fork_init: threads-max = RAM / (8 * THREAD_SIZE), THREAD_SIZE
# being a task's 16 KiB kernel stack on x86-64: one thread per 128 KiB of RAM.
RAM_PER_THREAD = 8 * 16 * KiB
# include/linux/threads.h PID_MAX_DEFAULT (0x8000); systemd and big machines
# raise it to 4,194,304 (PID_MAX_LIMIT).
PID_MAX_DEFAULT = 32_768
# include/linux/mm.h DEFAULT_MAX_MAP_COUNT = USHRT_MAX - 5, room for ELF core
# dump section headers.
MAX_MAP_COUNT_DEFAULT = 65_530
# kernel/fork.c: init's RLIMIT_NPROC soft and hard limit is threads-max / 2.
NPROC_SHARE = 2
# include/uapi/linux/resource.h _STK_LIM: the default `ulimit -s`, 8 MiB.
STK_LIM = 8 * MiB
# Go runtime/proc.go schedinit: sched.maxmcount = 10000 (debug.SetMaxThreads).
GO_MAX_THREADS = 10_000
# kernel.threads-max on a machine with 23.5 GiB of RAM: the kernel derives it from RAM
# (kernel/fork.c set_max_threads: RAM / 128 KiB on x86-64), so no machine-free default exists.
REFERENCE_THREADS_MAX = 192_729


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit's value and where it came from ("read from ..." or "default ...")."""

    name: str
    value: int | None  # None: unlimited
    source: str
    scope: str  # "system", "user", "process", "go"
    enforced: bool = True  # False when it does not apply here (RLIMIT_NPROC for root)


@dataclass(frozen=True, slots=True)
class Limits:
    """The thread limits of a machine, each tagged with its source."""

    threads_max: Limit
    pid_max: Limit
    max_map_count: Limit
    nproc: Limit
    address_space: Limit  # RLIMIT_AS
    stack: Limit  # RLIMIT_STACK, which glibc turns into the default pthread stack size
    go_max_threads: Limit

    @property
    def default_stack(self) -> int:
        """The pthread stack size glibc picks from RLIMIT_STACK (unlimited -> 2 MiB)."""
        if self.stack.value is None:
            return ARCH_STACK_DEFAULT_SIZE
        return max(PTHREAD_STACK_MIN, -(-self.stack.value // 4096) * 4096)


@dataclass(frozen=True, slots=True)
class Cap:
    """How many threads one limit allows for a given stack and guard."""

    name: str
    threads: int | None  # None: this limit sets no cap
    limit: Limit | None  # None for the address-space division itself
    why: str
    enforced: bool = True


@dataclass(frozen=True, slots=True)
class Budget:
    """Every cap on the thread count, and the one that binds."""

    bits: int
    stack: int
    guard: int
    caps: tuple[Cap, ...]

    @property
    def binding(self) -> Cap:
        """The enforced cap with the fewest threads."""
        return min((c for c in self.caps if c.enforced and c.threads is not None),
                   key=lambda c: c.threads)  # fmt: skip

    @property
    def threads(self) -> int:
        """How many threads fit under every enforced limit."""
        return self.binding.threads


def threads_that_fit(bits: int = 64, stack: int = DEFAULT_THREAD_STACK,
                     guard: int = DEFAULT_GUARD, kernel: int | None = None) -> int:  # fmt: skip
    """User space // (stack + guard): the thread count by address space alone (`kernel`: see user_top)."""
    top = user_top(bits, kernel)
    stack = integer("stack", stack, PTHREAD_STACK_MIN, top)
    guard = integer("guard", guard, 0, GiB)
    return top // (stack + guard)


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _proc_limit(name: str, path: Path, default: int, why: str, scope: str) -> Limit:
    value = _read_int(path)
    if value is None:
        return Limit(name, default, f"default: {why}", scope)
    return Limit(name, value, f"read from {path}", scope)


def _rlimit(name: str, which: str, default: int | None, why: str, scope: str) -> Limit:
    """The soft limit of resource.RLIMIT_<which> (None = unlimited), or the default."""
    try:
        soft, _ = resource.getrlimit(getattr(resource, f"RLIMIT_{which}"))
    except (AttributeError, OSError, ValueError):
        return Limit(name, default, f"default: {why}", scope)
    value = None if soft == resource.RLIM_INFINITY else int(soft)
    return Limit(name, value, f"read via resource.getrlimit(RLIMIT_{which})", scope)


def read_limits(proc: str | Path | None = None) -> Limits:
    """Read this machine's thread limits (each tagged with its source); defaults if unreadable."""
    proc = Path(proc) if proc is not None else PROC
    try:
        ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        tmax_default, tmax_why = ram // RAM_PER_THREAD, "RAM / 128 KiB (kernel fork_init)"
    except (AttributeError, OSError, ValueError):
        tmax_default, tmax_why = 192_729, "RAM / 128 KiB for 23.5 GiB of RAM (kernel/fork.c)"
    tmax = _proc_limit("kernel.threads-max", proc / "sys/kernel/threads-max",
                       tmax_default, tmax_why, "system")  # fmt: skip
    nproc = _rlimit("RLIMIT_NPROC (ulimit -u)", "NPROC", tmax.value // NPROC_SHARE,
                    "threads-max / 2 (kernel fork_init)", "user")  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # copy_process skips the RLIMIT_NPROC check for root (CAP_SYS_RESOURCE).
        nproc = Limit(nproc.name, nproc.value, nproc.source + "; not enforced for root",
                      nproc.scope, enforced=False)  # fmt: skip
    return Limits(
        threads_max=tmax,
        pid_max=_proc_limit("kernel.pid_max", proc / "sys/kernel/pid_max",
                            PID_MAX_DEFAULT, "PID_MAX_DEFAULT", "system"),  # fmt: skip
        max_map_count=_proc_limit("vm.max_map_count", proc / "sys/vm/max_map_count",
                                  MAX_MAP_COUNT_DEFAULT, "DEFAULT_MAX_MAP_COUNT",
                                  "process"),  # fmt: skip
        nproc=nproc,
        address_space=_rlimit("RLIMIT_AS (ulimit -v)", "AS", None, "unlimited", "process"),
        stack=_rlimit("RLIMIT_STACK (ulimit -s)", "STACK", STK_LIM, "_STK_LIM", "process"),
        go_max_threads=Limit("Go debug.SetMaxThreads", GO_MAX_THREADS,
                             "default: runtime/proc.go schedinit sched.maxmcount", "go"),
    )  # fmt: skip


def default_limits() -> Limits:
    """The kernel's and Go's default limits (no machine read): deterministic output."""
    tmax = Limit("kernel.threads-max", REFERENCE_THREADS_MAX,
                 "default: RAM / 128 KiB for 23.5 GiB of RAM (kernel/fork.c)", "system")  # fmt: skip
    return Limits(
        threads_max=tmax,
        pid_max=Limit("kernel.pid_max", PID_MAX_DEFAULT,
                      "default: PID_MAX_DEFAULT (include/linux/threads.h)", "system"),  # fmt: skip
        max_map_count=Limit("vm.max_map_count", MAX_MAP_COUNT_DEFAULT,
                            "default: DEFAULT_MAX_MAP_COUNT (include/linux/mm.h)",
                            "process"),  # fmt: skip
        nproc=Limit("RLIMIT_NPROC (ulimit -u)", REFERENCE_THREADS_MAX // NPROC_SHARE,
                    "default: threads-max / 2 (kernel fork_init)", "user"),  # fmt: skip
        address_space=Limit("RLIMIT_AS (ulimit -v)", None, "default: unlimited", "process"),
        stack=Limit("RLIMIT_STACK (ulimit -s)", STK_LIM, "default: _STK_LIM", "process"),
        go_max_threads=Limit("Go debug.SetMaxThreads", GO_MAX_THREADS,
                             "default: runtime/proc.go schedinit sched.maxmcount", "go"),
    )  # fmt: skip


def thread_budget(limits: Limits, bits: int = 64, stack: int | None = None,
                  guard: int = DEFAULT_GUARD, *, vmas_in_use: int = 0,
                  go: bool = False) -> Budget:  # fmt: skip
    """Each limit's thread cap for `stack` (default: the machine's) + `guard`; pure.

    `vmas_in_use`: mappings the process already has (len(read_maps().mappings));
    `go=True` counts Go's SetMaxThreads default as enforced (for a Go program).
    """
    if not isinstance(limits, Limits):
        raise TypeError(f"limits must be a Limits from read_limits(), got {type(limits).__name__}")
    stack = limits.default_stack if stack is None else stack
    vmas_in_use = integer("vmas_in_use", vmas_in_use, 0)
    by_space = threads_that_fit(bits, stack, guard)
    per = stack + guard
    vmas = 2 if guard else 1  # the guard is its own VMA (different protection)
    lim = limits
    caps = [
        Cap("address space", by_space, None,
            f"{user_top(bits):,} bytes of user space / {per:,} bytes per thread"),
        _cap(lim.threads_max, lambda v: v, "every task on the machine counts"),
        _cap(lim.pid_max, lambda v: v - 1, "thread ids are PIDs 1 .. pid_max-1, shared"),
        _cap(lim.max_map_count, lambda v: max(0, v - vmas_in_use) // vmas,
             f"{vmas} VMA{'s' if vmas > 1 else ''} per thread (stack"
             f"{' + guard' if guard else ''}); {vmas_in_use} already in use"),
        _cap(lim.nproc, lambda v: v, "tasks of this user, all processes"),
        _cap(lim.address_space, lambda v: v // per, f"bytes / {per:,} per thread"),
        _cap(lim.go_max_threads, lambda v: v, "a Go program dies past it", enforced=go),
    ]  # fmt: skip
    return Budget(bits=bits, stack=stack, guard=guard, caps=tuple(caps))


def _cap(limit: Limit, rule, why: str, *, enforced: bool | None = None) -> Cap:
    threads = None if limit.value is None else rule(limit.value)
    on = limit.enforced if enforced is None else enforced
    return Cap(limit.name, threads, limit, why, on)


# The model runs the last calls only; a fixed stack treats all earlier calls the
# same, so they are folded into entry_used (keeps sliders fast for tiny frames). The
# overflow lands exactly at ThreadStack.max_depth + 1, so a window of 64 calls on each
# side of it is ample; a wider one only costs time.
_WINDOW = 64


def guard_hit(stack: int = DEFAULT_THREAD_STACK, frame: int = 88, *,
              guard: int = DEFAULT_GUARD, entry_used: int = 192) -> Event:  # fmt: skip
    """The ThreadStack event that ends a recursion of `frame`-byte calls: a segv or a clash."""
    stack = integer("stack", stack, PTHREAD_STACK_MIN, GiB)
    frame = integer("frame", frame, 1, stack)
    entry_used = integer("entry_used", entry_used, 0, stack - 1)
    model = ThreadStack(size=stack, guard=guard)
    step = frame + 8  # each call pushes its frame and an 8-byte return address
    skip = max(0, model.max_depth(frame, entry_used) - _WINDOW)
    trace = CallTrace.recursion(frame=frame, depth=2 * _WINDOW,
                                entry_used=entry_used + skip * step)  # fmt: skip
    hit = model.run(trace).overflow
    if hit is None:  # cannot happen: the window reaches past max_depth
        raise AssertionError("ThreadStack did not overflow")
    return replace(hit, depth=skip + hit.depth, step=skip + hit.step)


def guard_depth(stack: int = DEFAULT_THREAD_STACK, frame: int = 88, *,
                guard: int = DEFAULT_GUARD, entry_used: int = 192) -> int:  # fmt: skip
    """Depth of the recursive call whose frame first reaches below the stack (ThreadStack)."""
    return guard_hit(stack, frame, guard=guard, entry_used=entry_used).depth
