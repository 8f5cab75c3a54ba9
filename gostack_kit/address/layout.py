"""Address space: where a Linux process keeps its code, heap and stacks.

A process sees one flat range of virtual addresses, from 0 up to the end of
user space.  The kernel carves it into areas (VMAs).  With address-space
randomisation turned off (what gdb shows), an x86 process looks like this,
low addresses at the bottom:

    user_top  +--------------------------+
              | main stack   (grows v)   |  up to RLIMIT_STACK (8 MiB)
              | stack guard gap          |  kernel-enforced, not a mapping
              +--------------------------+
              |   ... >= 128 MiB hole ...|
    mmap_base +--------------------------+
              | shared libraries         |  mmap area grows v
              | thread stack 0           |  8 MiB rw-p
              | guard 0                  |  4 KiB ---p: touching it faults
              | thread stack 1           |
              | guard 1                  |
              |   ... free ...           |
              | heap         (grows ^)   |  brk
              | bss, data, text          |  the executable
    text base +--------------------------+
              | more thread stacks       |  once the hole above is full
              +--------------------------+  mmap_min_addr
              0

The difference between the two machines is only the size of the space: a
32-bit process has 3 GiB, so a few hundred 8 MiB thread stacks exhaust it; a
64-bit process has 128 TiB (47 bits), so address space stops being the limit
and other limits bite first (see address/limits.py).

Invariants of the model:
  * regions never overlap and all lie inside [0, user_top);
  * every thread stack has its guard directly below it, because stacks grow
    down and running off the low end must hit an unmapped-access fault;
  * a thread that does not fit is not placed: the record says how many fit.

Rejected alternative: growing thread stacks on demand, like the main stack.
The main stack can grow because nothing is mapped below it for 128 MiB; a
thread stack sits among other mappings, so glibc reserves its full size up
front, and the space is spent whether or not it is ever touched.  Go's answer
is to not use these stacks for goroutines at all.

The picture helper `compressed_axis` turns regions of 4 KiB next to holes of
127 TiB into bands of legible height: each region's height grows with the
logarithm of its size, each hole is drawn as a fixed-height break.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..core.validate import integer

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30
TiB = 1 << 40

PAGE = 4 * KiB  # x86 base page: the unit of every mapping and guard.

# End of user space: i386 with the default 3G/1G split keeps the top GiB (arch/x86/Kconfig VMSPLIT_3G).
USER_TOP_32 = 3 * GiB
# A 32-bit process on a 64-bit kernel shares no kernel half: almost 4 GiB, up to IA32_PAGE_OFFSET
# (arch/x86/include/asm/page_64_types.h, a compat task's TASK_SIZE; the last two pages stay unmapped).
USER_TOP_32_ON_64 = 0xFFFF_E000
# x86-64 TASK_SIZE_MAX = 2^47 - one page (arch/x86/include/asm/page_64_types.h).  The top canonical page
# stays unmapped: a SYSCALL there would make SYSRET return to a non-canonical
# address, which Intel CPUs fault on in kernel mode.
USER_TOP_64 = (1 << 47) - PAGE

# Where the executable is loaded without randomisation: the traditional i386
# link address, and ELF_ET_DYN_BASE (2/3 of the 47-bit window) for x86-64 PIE.
TEXT_BASE_32 = 0x0804_8000
TEXT_BASE_64 = 0x5555_5555_4000

# arch/x86/mm/mmap.c mmap_base() (x86's own; mm/util.c is the generic one): the mmap area starts below
# the stack's rlimit plus the guard gap, never closer than 128 MiB and never lower than 1/6 of the space.
MMAP_MIN_GAP = 128 * MiB
# mm/mmap.c stack_guard_gap: 256 pages kept free below the main stack (the
# 2017 "Stack Clash" fix); it is a gap the kernel enforces, not a mapping.
STACK_GUARD_GAP = 256 * PAGE

# vm.mmap_min_addr: mmap never goes below it (65536 on Debian/Ubuntu kernels;
# this kit's VM says 4096), so a NULL dereference cannot hit a mapping.
MMAP_MIN_ADDR = 64 * KiB

# glibc: the RLIMIT_STACK soft limit, and a one-page guard (sysdeps/nptl/pthread_early_init.h).
DEFAULT_THREAD_STACK = 8 * MiB
DEFAULT_GUARD = PAGE
DEFAULT_MAIN_STACK = 8 * MiB  # `ulimit -s` 8192 KiB, the usual default.
DEFAULT_HEAP = 132 * KiB  # glibc malloc's first brk extension (0x21000), as seen in maps.
DEFAULT_TEXT = 64 * KiB  # a small program; any page multiple works.
DEFAULT_DATA = 8 * KiB
DEFAULT_BSS = 8 * KiB
DEFAULT_LIBS = 2 * MiB  # libc + ld.so, roughly (libc.so.6 maps ~1.9 MiB here).
DETAIL = 16  # thread stacks drawn one by one; the rest become one aggregate region.


@dataclass(frozen=True, slots=True)
class Region:
    """One area of the address space: [start, end), what it holds, which way it grows."""

    name: str
    kind: str  # text, data, bss, heap, mmap, thread-stack, guard, stack
    start: int
    end: int
    grows: str | None = None  # "up", "down" or None
    count: int = 1  # how many stack+guard pairs an aggregate region stands for

    @property
    def size(self) -> int:
        """Bytes covered by the region."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Layout:
    """A whole process layout: its regions (low to high) and whether the threads fit."""

    bits: int
    user_top: int
    mmap_base: int
    regions: tuple[Region, ...]
    threads: int  # threads asked for
    threads_placed: int  # threads actually placed (min of asked and fit)
    threads_fit: int  # stack+guard pairs the two free holes could hold
    thread_stack: int
    guard: int
    free: int  # bytes of those holes left unused

    @property
    def fits(self) -> bool:
        """True when every requested thread got its stack."""
        return self.threads <= self.threads_fit

    @property
    def mapped(self) -> int:
        """Bytes reserved by all regions (guards included)."""
        return sum(r.size for r in self.regions)

    @property
    def thread_bytes(self) -> int:
        """Bytes of address space the placed thread stacks and their guards take."""
        return self.threads_placed * (self.thread_stack + self.guard)

    @property
    def fill(self) -> float:
        """Share of the space free for thread stacks that they now take (0 to 1)."""
        return self.thread_bytes / (self.thread_bytes + self.free)


def _check_size(name: str, value: object, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int number of bytes, got {type(value).__name__}")
    if not minimum <= value <= maximum or value % PAGE:
        raise ValueError(
            f"{name} must be a multiple of {PAGE} between {minimum} and {maximum}, got {value}"
        )
    return value


def _page_up(n: int) -> int:
    return -(-n // PAGE) * PAGE


def user_top(bits: int, kernel: int | None = None) -> int:
    """End of user space for a 32- or 64-bit x86 Linux process on a `kernel`-bit kernel (default: same)."""
    if bits not in (32, 64):
        raise ValueError(f"bits must be 32 or 64, got {bits!r}")
    kernel = bits if kernel is None else kernel
    if kernel not in (32, 64) or kernel < bits:
        raise ValueError(f"kernel must be 32 or 64 and at least bits={bits}, got {kernel!r}")
    if bits == 64:
        return USER_TOP_64
    return USER_TOP_32 if kernel == 32 else USER_TOP_32_ON_64


def mmap_base(bits: int, main_stack: int = DEFAULT_MAIN_STACK) -> int:
    """Top of the mmap area: below the main stack's limit and guard gap, >= 128 MiB down."""
    top = user_top(bits)
    gap = min(max(main_stack + STACK_GUARD_GAP, MMAP_MIN_GAP), top // 6 * 5)
    return top - _page_up(gap)


def layout(
    bits: int = 64,
    threads: int = 0,
    thread_stack: int = DEFAULT_THREAD_STACK,
    guard: int = DEFAULT_GUARD,
    heap: int = DEFAULT_HEAP,
    *,
    text: int = DEFAULT_TEXT,
    data: int = DEFAULT_DATA,
    bss: int = DEFAULT_BSS,
    libs: int = DEFAULT_LIBS,
    main_stack: int = DEFAULT_MAIN_STACK,
    detail: int = DETAIL,
) -> Layout:
    """Lay out a process (ASLR off) with `threads` thread stacks of `thread_stack` + `guard`."""
    top = user_top(bits)
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be an int, got {type(threads).__name__}")
    if threads < 0:
        raise ValueError(f"threads must be >= 0, got {threads}")
    detail = integer("detail", detail, 0)
    _check_size("thread_stack", thread_stack, minimum=4 * PAGE, maximum=top // 2)
    _check_size("guard", guard, minimum=0, maximum=top // 2)
    _check_size("text", text, minimum=PAGE, maximum=top // 4)
    _check_size("data", data, minimum=0, maximum=top // 4)
    _check_size("bss", bss, minimum=0, maximum=top // 4)
    _check_size("heap", heap, minimum=0, maximum=top)
    _check_size("libs", libs, minimum=0, maximum=top // 4)
    _check_size("main_stack", main_stack, minimum=PAGE, maximum=top // 4)

    base = mmap_base(bits, main_stack)
    regions: list[Region] = []
    at = TEXT_BASE_32 if bits == 32 else TEXT_BASE_64
    for name, size in (("text", text), ("data", data), ("bss", bss)):
        if size:
            regions.append(Region(name, name, at, at + size))
            at += size
    heap_end = at + heap
    libs_bottom = base - libs
    if heap_end > libs_bottom:
        raise ValueError(
            f"heap must leave room below the mmap area: at most {libs_bottom - at}, got {heap}"
        )
    if heap:
        regions.append(Region("heap", "heap", at, heap_end, "up"))

    # The kernel's top-down search fills the hole under the mmap area first, then
    # the one under the executable (mmap_min_addr up to the text base).
    holes = ((heap_end, libs_bottom), (MMAP_MIN_ADDR, regions[0].start))
    step = thread_stack + guard
    fit = sum((hi - lo) // step for lo, hi in holes)
    placed = min(threads, fit)
    left, free, below = placed, 0, []
    for lo, hi in holes:
        k = min(left, (hi - lo) // step)
        part = _thread_regions(hi, placed - left, k, thread_stack, guard, detail)
        (below if lo == MMAP_MIN_ADDR else regions).extend(part)
        free += hi - lo - k * step
        left -= k
    regions[:0] = below
    if libs:
        regions.append(Region("shared libraries", "mmap", libs_bottom, base, "down"))
    regions.append(
        Region("stack guard gap", "guard", top - main_stack - STACK_GUARD_GAP, top - main_stack)
    )
    regions.append(Region("main stack", "stack", top - main_stack, top, "down"))
    return Layout(
        bits=bits,
        user_top=top,
        mmap_base=base,
        regions=tuple(regions),
        threads=threads,
        threads_placed=placed,
        threads_fit=fit,
        thread_stack=thread_stack,
        guard=guard,
        free=free,
    )


def _thread_regions(top: int, first: int, k: int, stack: int, guard: int, detail: int):
    """Stacks first..first+k-1 placed down from `top`, each guard directly below its stack.

    Threads numbered below `detail` get their own regions; the rest of this hole
    becomes one aggregate region.  Returned low to high.
    """
    step = stack + guard
    shown = max(0, min(k, detail - first))
    out: list[Region] = []
    if k > shown:
        lo = top - k * step
        name = f"thread stacks {first + shown}..{first + k - 1}"
        out.append(Region(name, "thread-stack", lo, top - shown * step, "down", count=k - shown))
    for i in reversed(range(first, first + shown)):
        hi = top - (i - first) * step
        if guard:
            out.append(Region(f"guard {i}", "guard", hi - step, hi - stack))
        out.append(Region(f"thread stack {i}", "thread-stack", hi - stack, hi, "down"))
    return out


# ---------------------------------------------------------------------------
# A legible picture of a huge, sparse space.


@dataclass(frozen=True, slots=True)
class Band:
    """One horizontal band of the compressed picture: a region or a compressed gap."""

    name: str
    kind: str  # a region kind, or "gap"
    start: int
    end: int
    y0: float
    y1: float
    label: str

    @property
    def size(self) -> int:
        """Bytes the band stands for."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Axis:
    """Bands from low to high address on a compressed vertical axis of `height` units."""

    bands: tuple[Band, ...]
    height: float
    ticks: tuple[tuple[float, int], ...]  # (y, address) at every band boundary


def format_size(n: int) -> str:
    """Human size with binary units: 4096 -> '4 KiB', 2**47 - 4096 -> '128.0 TiB'."""
    for unit, scale in (("TiB", TiB), ("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


def compressed_axis(
    regions: Layout | Iterable,
    *,
    span: tuple[int, int] | None = None,
    min_height: float = 1.0,
    per_doubling: float = 0.15,
    gap_height: float = 0.6,
    merge: bool = False,
) -> Axis:
    """Give every region a height min_height + per_doubling * log2(size / 4 KiB), every gap one.

    `regions` is a Layout, a proc_maps.Maps, or records with .name .kind .start .end;
    `span` adds leading and trailing gaps (a Layout's default span is [0, user_top));
    `merge` joins touching regions of the same name (a library's five mappings) into
    one band of the kind of its largest part.
    """
    if isinstance(regions, Layout):
        span = span if span is not None else (0, regions.user_top)
        regions = regions.regions
    regions = getattr(regions, "mappings", regions)
    items: Sequence = sorted(regions, key=lambda r: r.start)
    if min_height <= 0 or per_doubling < 0 or gap_height < 0:
        raise ValueError("min_height must be > 0, per_doubling and gap_height >= 0")
    for a, b in zip(items, items[1:], strict=False):
        if b.start < a.end:
            raise ValueError(f"regions overlap: {a.name!r} and {b.name!r}")
    if merge:
        items = _merge_named(items)
    lo = span[0] if span else (items[0].start if items else 0)
    hi = span[1] if span else (items[-1].end if items else 0)
    if items and (items[0].start < lo or items[-1].end > hi):
        raise ValueError(f"span must cover all regions, got {span}")

    bands: list[Band] = []
    y = 0.0
    at = lo

    def gap_to(addr: int) -> None:
        nonlocal y
        if addr > at:
            label = f"{format_size(addr - at)} free"
            bands.append(Band("", "gap", at, addr, y, y + gap_height, label))
            y += gap_height

    for r in items:
        gap_to(r.start)
        size = r.end - r.start
        h = min_height + per_doubling * math.log2(max(size, PAGE) / PAGE)
        label = f"{r.name} {format_size(size)}"
        bands.append(Band(r.name, r.kind, r.start, r.end, y, y + h, label))
        y += h
        at = r.end
    gap_to(hi)
    ticks = tuple((b.y0, b.start) for b in bands) + ((y, bands[-1].end),) if bands else ()
    return Axis(bands=tuple(bands), height=y, ticks=ticks)


def _merge_named(items: Sequence) -> list[Region]:
    """Touching regions with one name become one Region (kind of the largest part)."""
    out: list[Region] = []
    biggest: list[int] = []
    for r in items:
        last = out[-1] if out else None
        if last is not None and r.name and r.name == last.name and r.start == last.end:
            kind = r.kind if r.end - r.start > biggest[-1] else last.kind
            biggest[-1] = max(biggest[-1], r.end - r.start)
            out[-1] = Region(last.name, kind, last.start, r.end, last.grows, last.count)
        else:
            out.append(Region(r.name, r.kind, r.start, r.end, getattr(r, "grows", None),
                              getattr(r, "count", 1)))  # fmt: skip
            biggest.append(r.end - r.start)
    return out
