"""Measuring real goroutine stacks: growth, shrinking, the starting size and memory per goroutine.

The probe program (probe_source.py) records, at every depth of a recursion, the goroutine's
stack size (hi - lo) and bytes in use (hi - SP). From those two columns this module derives
what the models predict:

    depth:   ...  12    13    14    15  ...
    size:        2048  2048  4096  4096       <- a change between depths is a growth event
    used:        1072  1144  1216  1288       <- (relative to hi, so unchanged by the copy)
                      └─ step = frame + 8 ─┘

    entry_used = hi - SP at rec(0)'s entry = (hi - SP in drive) + 8 (drive's CALL pushes
                 the return address), and used[0] - entry_used must equal the -S frame.

Shrinking is read from a parked goroutine through its g: after each forced GC,
hi - lo is the size and hi - sched.sp the bytes in use the runtime's shrinkstack saw.

Invariants checked here rather than assumed: the frame of every rec<i> is the one asked
for (read back from -S), the SP step is frame + 8 at every depth, and the entry SP agrees
with the frame. A probe that breaks one of them raises instead of returning numbers.
The alternative rejected: inferring growth from the address of a local;
it sees only that the stack moved, not the sizes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..core.validate import integer, power_of_two
from .asm import frames_by_name, parse_asm
from .probe_source import ASM, probe_source
from .toolchain import built, find_go

# The growth cases: frame sizes across the three prologue classes and their edges
# (asm.py: <= 128 one compare, <= 4096 LEAQ, above SUBQ + JCS).
GROWTH_FRAMES = (24, 40, 56, 88, 104, 120, 128, 136, 264, 520, 1016, 2056, 4096,
                 4104, 6000, 8200, 12296, 16392)
# The subset also run on the main goroutine (one process each: main's stack is not fresh).
MAIN_FRAMES = (24, 88, 128, 136, 1016, 4096, 4104, 8200)
# How deep each case recurses: about this many bytes of frames, so every case grows a few times.
GROWTH_BYTES = 200_000
# Bytes of rec<i>'s frame that are not its array (BP, spills, temporaries); the first guess,
# corrected by reading -S back.
_OVERHEAD = 24


@dataclass(frozen=True)
class Growth:
    """One real growth (newstack + copystack) seen between two depths."""

    depth: int
    old_size: int
    new_size: int


@dataclass(frozen=True)
class GrowthProbe:
    """One recursion measured at every depth, and what follows from it."""

    frame: int  # rec's frame as -S prints it
    prologue: str  # its prologue class as -S shows it
    where: str  # "goroutine" or "main"
    depth: int  # deepest call (calls at depths 0..depth)
    initial_size: int  # stack size before rec(0)
    entry_used: int  # hi - SP at rec(0)'s entry
    steps: tuple[int, ...]  # distinct SP steps between consecutive depths
    growths: tuple[Growth, ...]
    final_size: int


def tune_frames(n: int, targets: tuple[int, ...], depths: list[int]):
    """Array sizes so that rec<i>'s -S frame equals targets[i], and the parsed frames."""
    locals_ = [max(t - _OVERHEAD, 0) for t in targets]
    for _ in range(4):
        with built(probe_source(locals_, depths), gcflags="-S", asm=ASM) as prog:
            if prog.compile_error:
                raise RuntimeError(f"probe did not build: {prog.compile_error}")
            frames = frames_by_name(parse_asm(prog.compiler_output))
        got = [frames[f"rec{i}"] for i in range(n)]
        if all(f.frame == t for f, t in zip(got, targets, strict=True)):
            return locals_, got
        locals_ = [max(k + t - f.frame, 0) for k, t, f in zip(locals_, targets, got, strict=True)]
    wrong = {t: f.frame for t, f in zip(targets, got, strict=True) if f.frame != t}
    raise RuntimeError(f"could not build frames of exactly these sizes (asked: got): {wrong}")


def derive_growth(frame: int, prologue: str, where: str, record: dict) -> GrowthProbe:
    """Growth events, steps and entry bytes from one run's per-depth columns."""
    size, used = record["size"], record["used"]
    initial, start_used = record["start"][0], record["start"][1]
    entry_used = start_used + 8  # drive's CALL pushes the return address
    if used[0] - entry_used != frame:
        raise RuntimeError(f"frame {frame}: rec(0) used {used[0]} but entry {entry_used}")
    growths, prev = [], initial
    for depth, s in enumerate(size):
        if s != prev:
            growths.append(Growth(depth, prev, s))
        prev = s
    steps = tuple(sorted({b - a for a, b in zip(used, used[1:], strict=False)}))
    return GrowthProbe(frame, prologue, where, len(size) - 1, initial, entry_used, steps,
                       tuple(growths), size[-1])


def _depths(frames) -> list[int]:
    return [GROWTH_BYTES // (f + 8) for f in frames]


def growth_probes(frames=GROWTH_FRAMES, main_frames=MAIN_FRAMES) -> tuple[GrowthProbe, ...]:
    """Every frame in a fresh goroutine, and each of main_frames on the main goroutine."""
    frames = tuple(frames)
    if any(f not in frames for f in main_frames):
        raise ValueError(f"main_frames must be a subset of frames {frames}, got {main_frames}")
    depths = _depths(frames)
    locals_, parsed = tune_frames(len(frames), frames, depths)
    out = []
    with built(probe_source(locals_, depths), asm=ASM) as prog:
        res = prog.run(["grow"], timeout=120)
        if not res.ok:
            raise RuntimeError(f"growth probe failed: {res.stderr or res.compile_error}")
        for i, rec in enumerate(json.loads(res.stdout)):
            out.append(derive_growth(frames[i], parsed[i].prologue, "goroutine", rec))
        for f in main_frames:
            i = frames.index(f)
            res = prog.run(["main", str(i)], timeout=60)
            if not res.ok:
                raise RuntimeError(f"main-goroutine probe failed: {res.stderr}")
            out.append(derive_growth(f, parsed[i].prologue, "main", json.loads(res.stdout)))
    return tuple(out)


@dataclass(frozen=True)
class ParkedGC:
    """A parked goroutine's size and bytes in use (hi - sched.sp), before or after a GC."""

    phase: str  # "deep parked", "deep gc", "top parked", "top gc"
    size: int
    used: int


@dataclass(frozen=True)
class ShrinkProbe:
    """A goroutine grown by recursion, parked (deep, or after returning), across forced GCs."""

    frame: int
    depth: int  # deepest call
    park_at: int  # depth of the call that parks deep, or -1 (parks only after returning)
    initial_size: int
    entry_used: int
    used_at_park: int  # hi - SP of rec(park_at) after its prologue (0 when park_at < 0)
    log: tuple[ParkedGC, ...]


# The shrink cases: (frame, deepest call, park at (-1: only after returning), GCs per park).
SHRINK_CASES = ((88, 500, -1, 6), (88, 500, 500, 3), (1016, 40, 40, 3))


def shrink_probes(cases=SHRINK_CASES) -> tuple[ShrinkProbe, ...]:
    """Run each shrink case in its own process (a clean heap and GC history each)."""
    frames = tuple(sorted({c[0] for c in cases}))
    depths = [max(c[1] for c in cases if c[0] == f) for f in frames]
    locals_, _ = tune_frames(len(frames), frames, depths)
    out = []
    with built(probe_source(locals_, depths), asm=ASM) as prog:
        for frame, depth, at, gcs in cases:
            args = ["shrink", str(frames.index(frame)), str(depth), str(at), str(gcs)]
            res = prog.run(args, timeout=60)
            if not res.ok:
                raise RuntimeError(f"shrink probe failed: {res.stderr}")
            r = json.loads(res.stdout)
            log = tuple(ParkedGC(p["phase"], p["size"], p["used"]) for p in r["log"])
            out.append(ShrinkProbe(frame, depth, at, r["start"][0], r["start"][1] + 8,
                                   r["used"][at] if at >= 0 else 0, log))
    return tuple(out)


@dataclass(frozen=True)
class AdaptiveProbe:
    """A fresh goroutine's starting stack, and again after a GC scanned 200 deep stacks."""

    godebug: str
    fresh: int
    after_gc: int


def adaptive_probes(frame: int = 88, depth: int = 300) -> tuple[AdaptiveProbe, ...]:
    """The starting size with the default GODEBUG and with adaptivestackstart=0."""
    locals_, _ = tune_frames(1, (frame,), [depth])
    out = []
    with built(probe_source(locals_, [depth]), asm=ASM) as prog:
        for godebug in ("", "adaptivestackstart=0"):
            res = prog.run(["adaptive", "0", str(depth)], timeout=60,
                           env={"GODEBUG": godebug} if godebug else None)
            if not res.ok:
                raise RuntimeError(f"adaptive probe failed: {res.stderr}")
            r = json.loads(res.stdout)
            out.append(AdaptiveProbe(godebug or "default", r["fresh"], r["after_gc"]))
    return tuple(out)


@dataclass(frozen=True)
class MemoryProbe:
    """Bytes per parked goroutine, from runtime.MemStats deltas around n goroutines."""

    n: int
    stack_per_g: float  # StackInuse delta / n
    heap_per_g: float  # HeapInuse delta / n
    sys_per_g: float  # Sys delta / n


def memory_probes(counts=(1_000, 10_000, 100_000)) -> tuple[MemoryProbe, ...]:
    """MemStats deltas per goroutine for each n in counts (1,000 to 100,000)."""
    counts = tuple(integer(f"counts[{i}]", n, 1_000, 100_000) for i, n in enumerate(counts))
    out = []
    with built(probe_source([64], [0]), asm=ASM) as prog:
        for n in counts:
            res = prog.run(["memory", str(n)], timeout=120)
            if not res.ok:
                raise RuntimeError(f"memory probe failed: {res.stderr}")
            r = json.loads(res.stdout)
            out.append(MemoryProbe(n, r["stack_inuse"] / n, r["heap_inuse"] / n, r["sys"] / n))
    return tuple(out)


def toolchain_info() -> dict:
    """The Go version and platform a probe ran on."""
    tc = find_go()
    return {"go_version": tc.version, "platform": tc.platform}


@dataclass(frozen=True)
class GoroutineBytes:
    """The model's memory for one parked goroutine, part by part (bytes)."""

    stack: float
    g: float
    sudog: float
    allgs: float

    @property
    def heap(self) -> float:
        """Everything but the stack: what HeapInuse grows by."""
        return self.g + self.sudog + self.allgs

    @property
    def total(self) -> float:
        """Stack plus heap."""
        return self.stack + self.heap


# runtime/stack.go fixedStack: a new G's stack (stackMin 2048, power of two on Linux).
_STACK_MIN = 2048
# runtime/sizeof_test.go: G is 456 bytes on amd64 -> the 480-byte class, 17 per 8 KB span
# (internal/runtime/gc/sizeclasses.go class 25), so a full span costs 8192/17 per g.
_G_SHARE = 8192 / 17
# sudog is 104 bytes -> the 112-byte class, 73 per 8 KB span (class 10).
_SUDOG_SHARE = 8192 / 73
# runtime/proc.go allgadd appends to allgs: one 8-byte pointer, and append's growth
# (1.25x for large slices) leaves about a quarter of capacity spare on average.
_ALLGS_SHARE = 8 * 1.25


def parked_goroutine_bytes(stack: int = _STACK_MIN) -> GoroutineBytes:
    """Model: bytes a goroutine blocked on a channel holds (stack, g, its sudog, allgs slot)."""
    stack = power_of_two("stack", stack, _STACK_MIN, 1 << 30)
    return GoroutineBytes(float(stack), _G_SHARE, _SUDOG_SHARE, _ALLGS_SHARE)


def shrink_trace(probe: ShrinkProbe):
    """The model's trace of a shrink probe, and the step index of every logged observation.

    A parked goroutine sleeps inside the runtime (park -> chanrecv1 -> chanrecv -> gopark),
    so at a GC its bytes in use (hi - sched.sp) are more than its last user frame's. The
    trace stands those runtime frames in as one call whose frame makes the model's bytes in
    use at that point equal the measured ones; the model then decides the shrinks itself.
    """
    from ..core.trace import CallTrace

    if not -1 <= probe.park_at <= probe.depth or probe.park_at not in (-1, probe.depth):
        raise ValueError(f"park_at must be -1 or the deepest depth {probe.depth}")
    steps: list[tuple] = [("call", probe.frame)] * (probe.depth + 1)
    marks: list[int] = []
    phases = [p.phase.split()[0] for p in probe.log]
    for where in dict.fromkeys(phases):
        entries = [p for p in probe.log if p.phase.startswith(where)]
        if where == "deep":
            park = entries[0].used - probe.used_at_park - 8  # entry SP is one word below
        else:
            steps += [("ret",)] * (probe.depth + 1)
            park = entries[0].used - probe.entry_used
        steps.append(("call", park))
        marks.append(len(steps) - 1)
        for _ in entries[1:]:
            steps.append(("gc",))
            marks.append(len(steps) - 1)
        steps.append(("ret",))
    return CallTrace.from_steps(steps, entry_used=probe.entry_used), tuple(marks)


def size_after(run, initial_size: int, step: int) -> int:
    """A model run's stack size once trace step `step` is done."""
    size = initial_size
    for e in sorted([*run.growths, *run.shrinks], key=lambda e: e.step):
        if e.step > step:
            break
        size = e.new_size
    return size
