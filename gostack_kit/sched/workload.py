"""Workloads for the scheduler models: what each goroutine does, phase by phase.

A goroutine's life is a short program of phases. Compute bursts want a CPU; a blocking
syscall wants nothing but keeps its thread inside the kernel; a park (a channel or a
network wait) wants nothing and, under Go, keeps no thread at all; `go` starts a child.

    G0 (main)  go G1 | go G2 | go G3 | compute 40us
    G1         compute 12us | syscall 90us | compute 30us
    G2         compute 55us | park 100us   | compute 8us
    G3         compute 20us | block 5ms (a call Go knows is slow: its P is handed off at once)

Invariants: G0 is the root and is runnable at time 0; every other G is started by exactly
one `go` phase of a G reachable from G0; durations are whole nanoseconds > 0. The
description is immutable, so a single workload can be replayed under M:N, 1:1 and N:1 and
the three runs compared fairly (the kit's law: total compute demand is the same).

The scheduler's JSON spec (`Workload.from_spec`, the format realgo.sched_trace runs for
real) maps onto the same phases: "run" is COMPUTE, "syscall" is SYSCALL, "sleep" is PARK
(time.Sleep parks the G), "yield" is YIELD; main is G0 and its row is `go 1, gap, go 2, ...,
go n` (the gap is CPU time, spawn_gap_ns).

Rejected alternative: drawing random durations inside the simulator. Then two models
would see different programs, and a comparison would mix the policy with the dice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..core.validate import integer, number
from .record import MAX_GOMAXPROCS

SPEC_KEYS = frozenset({"gomaxprocs", "goroutines", "spawn_gap_ns"})  # a spec's only fields

__all__ = ["Phase", "Spawn", "Workload", "workload", "MAX_GOROUTINES"]

MAX_GOROUTINES = 1_000_000  # the memory comparison's largest count; simulations use fewer
NS_PER_US = 1000  # phases are given in microseconds and simulated in whole nanoseconds
MIN_BURST_NS = 1000  # a random burst shorter than 1 us would be pure scheduler noise


class Phase(enum.IntEnum):
    """What a goroutine does next: the value of a phase is a duration (ns) or a child G."""

    COMPUTE = 0  # needs a CPU for `value` ns
    SYSCALL = 1  # blocks its thread in the kernel: a nanosleep of `value` ns, which ends late
    PARK = 2  # waits `value` ns on a channel or the netpoller, holding no thread
    GO = 3  # `go` statement: starts goroutine number `value`
    BLOCK = 4  # a syscall known to block long (entersyscallblock): Go hands off the P at once
    YIELD = 5  # runtime.Gosched: value is unused (1); goschedImpl puts the G on the global queue


_KINDS = frozenset(Phase)


class Spawn(enum.Enum):
    """Who starts whom in a generated workload."""

    MAIN = "main"  # G0 starts every other goroutine, then computes
    TREE = "tree"  # G(i) starts G(2i+1) and G(2i+2) first: a binary tree of spawners


@dataclass(frozen=True)
class Workload:
    """An immutable description of every goroutine's phases; G0 is runnable at time 0."""

    phases: tuple  # phases[g] = tuple of (Phase, value) pairs
    seed: int | None = None
    gomaxprocs: int | None = None  # from a spec: simulate runs on this many Ps unless told
    trusted: bool = field(default=False, compare=False, repr=False)  # built valid: skip check

    def __post_init__(self):
        if not isinstance(self.phases, tuple):
            raise TypeError(f"phases must be a tuple of per-G tuples; got {type(self.phases)}")
        if not self.trusted:
            self.check()

    @property
    def n_goroutines(self) -> int:
        """Number of goroutines, main included."""
        return len(self.phases)

    @cached_property
    def demand_ns(self) -> int:
        """Total CPU time the goroutines ask for (compute phases only), in ns."""
        return sum(v for g in self.phases for k, v in g if k == Phase.COMPUTE)

    @cached_property
    def syscall_share(self) -> float:
        """Fraction of the goroutines' own time (compute + waits) spent in blocking syscalls."""
        total = dict.fromkeys(Phase, 0)
        for row in self.phases:
            for k, v in row:
                total[k] += v
        own = total[Phase.COMPUTE] + total[Phase.SYSCALL] + total[Phase.BLOCK] + total[Phase.PARK]
        return (total[Phase.SYSCALL] + total[Phase.BLOCK]) / own if own else 0.0

    @classmethod
    def from_phases(cls, phases) -> Workload:
        """Build a workload from per-G lists of (kind, microseconds or child) pairs."""
        if isinstance(phases, (str, bytes)) or not hasattr(phases, "__iter__"):
            raise TypeError("phases must be a sequence of per-goroutine phase lists")
        rows = []
        for g, row in enumerate(phases):
            out = []
            for item in row:
                if not isinstance(item, tuple) or len(item) != 2:
                    raise TypeError(f"phases[{g}] items must be (kind, value) pairs; got {item!r}")
                kind = _kind(item[0], g)
                if kind == Phase.GO:
                    out.append((kind, integer(f"phases[{g}] go child", item[1], 1)))
                else:
                    out.append((kind, _us_to_ns(f"phases[{g}] {kind.name.lower()}", item[1])))
            rows.append(tuple(out))
        return cls(tuple(rows))

    @classmethod
    def from_spec(cls, spec) -> Workload:
        """Build a workload from a JSON-able scheduler spec (gomaxprocs, goroutines, spawn_gap_ns)."""
        if not isinstance(spec, dict):
            raise TypeError(f"spec must be a dict; got {type(spec).__name__}")
        extra = set(spec) - SPEC_KEYS
        if extra:
            raise ValueError(f"spec has unknown field {sorted(map(str, extra))[0]!r}; "
                             f"allowed: {', '.join(sorted(SPEC_KEYS))}")
        for key in ("gomaxprocs", "goroutines"):
            if key not in spec:
                raise ValueError(f"spec field {key!r} is missing")
        procs = integer("gomaxprocs", spec["gomaxprocs"], 1, MAX_GOMAXPROCS)
        gap = integer("spawn_gap_ns", spec.get("spawn_gap_ns", 0), 0)
        gs = spec["goroutines"]
        if not isinstance(gs, (list, tuple)):
            raise TypeError(f"goroutines must be a list; got {type(gs).__name__}")
        if not 1 <= len(gs) < MAX_GOROUTINES:
            raise ValueError(f"goroutines must list between 1 and {MAX_GOROUTINES - 1} goroutines")
        main = []
        for i in range(1, len(gs) + 1):  # main: go 1, gap, go 2, gap, ... then wg.Wait
            main.append((Phase.GO, i))
            if gap and i < len(gs):
                main.append((Phase.COMPUTE, gap))
        rows = [tuple(main)] + [_spec_row(i, g) for i, g in enumerate(gs)]
        return cls(tuple(rows), gomaxprocs=procs)

    def check(self) -> None:
        """Raise unless phases are valid and every G but G0 is started once, reachably from G0."""
        n, go = len(self.phases), int(Phase.GO)
        if not 1 <= n <= MAX_GOROUTINES:
            raise ValueError(f"phases must describe between 1 and {MAX_GOROUTINES} goroutines")
        started = [0] * n
        for g, row in enumerate(self.phases):
            if not all(isinstance(item, tuple) and len(item) == 2 for item in row):
                raise TypeError(f"phases[{g}] must be a tuple of (Phase, int) pairs")
            for kind, value in row:
                if kind not in _KINDS or isinstance(value, bool) or not isinstance(value, int):
                    raise TypeError(f"phases[{g}] must hold (Phase, int) pairs; got {kind, value}")
                if kind == go:
                    if not 1 <= value < n:
                        raise ValueError(f"go child must be in [1, {n - 1}]; got {value}")
                    started[value] += 1
                elif value <= 0:
                    raise ValueError(f"phases[{g}] durations must be > 0 ns; got {value}")
        bad = [g for g in range(1, n) if started[g] != 1]
        if bad:
            raise ValueError(f"every goroutine but G0 must be started exactly once; G{bad[0]}")
        seen, todo = {0}, [0]
        while todo:
            for kind, value in self.phases[todo.pop()]:
                if kind == go and value not in seen:
                    seen.add(value)
                    todo.append(value)
        if len(seen) != n:
            raise ValueError("every goroutine must be reachable from G0 through go phases")


def workload(n_goroutines, seed, *, blocking_fraction=0.2, network_fraction=0.0, bursts=2,
             compute_us=50.0, syscall_us=100.0, park_us=100.0, spawn=Spawn.MAIN) -> Workload:
    """Draw a workload from `seed`: `bursts` compute bursts per G, with waits between them.

    Each gap between two bursts is a blocking syscall with probability `blocking_fraction`,
    a park with probability `network_fraction`, and otherwise no wait (the bursts merge).
    Durations are exponential with the given means (microseconds).
    """
    n = integer("n_goroutines", n_goroutines, 1, MAX_GOROUTINES)
    seed = integer("seed", seed, 0)
    fb = _fraction("blocking_fraction", blocking_fraction)
    fn = _fraction("network_fraction", network_fraction)
    if fb + fn > 1.0:
        raise ValueError(f"blocking_fraction + network_fraction must be <= 1; got {fb + fn}")
    k = integer("bursts", bursts, 1, 64)
    means = [_positive(name, v) for name, v in
             (("compute_us", compute_us), ("syscall_us", syscall_us), ("park_us", park_us))]
    if not isinstance(spawn, Spawn):
        raise TypeError(f"spawn must be a Spawn member ({', '.join(s.name for s in Spawn)})")
    rng = np.random.default_rng(seed)
    burst = _durations(rng, means[0], (n, k)).tolist()
    gap_u = rng.random((n, max(k - 1, 1)))  # which kind of wait ends each burst
    sys_ns = _durations(rng, means[1], (n, max(k - 1, 1)))
    park_ns = _durations(rng, means[2], (n, max(k - 1, 1)))
    gap_kind = np.where(gap_u < fb, 1, np.where(gap_u < fb + fn, 2, 0)).tolist()
    wait_ns = np.where(gap_u < fb, sys_ns, park_ns).tolist()
    compute, waits = Phase.COMPUTE, (None, Phase.SYSCALL, Phase.PARK)
    rows = []
    for b, kinds, ws in zip(burst, gap_kind, wait_ns, strict=True):
        row, acc = [], b[0]
        for j in range(1, k):
            if kinds[j - 1]:  # a wait ends this burst
                row.append((compute, acc))
                row.append((waits[kinds[j - 1]], ws[j - 1]))
                acc = b[j]
            else:  # no wait: the next burst merges into this one
                acc += b[j]
        row.append((compute, acc))
        rows.append(row)
    go = Phase.GO
    if spawn is Spawn.MAIN:
        rows[0] = [(go, c) for c in range(1, n)] + rows[0]
    else:
        for g in range(n):
            kids = [(go, c) for c in (2 * g + 1, 2 * g + 2) if c < n]
            rows[g] = kids + rows[g]
    return Workload(tuple(map(tuple, rows)), seed, trusted=True)


_SPEC_KINDS = {"run": Phase.COMPUTE, "syscall": Phase.SYSCALL, "sleep": Phase.PARK}


def _spec_row(i: int, g) -> tuple:
    """The phases of spec goroutine i (list index; its id is i + 1) as (Phase, ns) pairs."""
    where = f"goroutines[{i}].phases"
    if not isinstance(g, dict) or "phases" not in g:
        raise ValueError(f"goroutines[{i}] must be a dict with a 'phases' field")
    if set(g) - {"phases"}:
        raise ValueError(f"goroutines[{i}] has unknown field {sorted(set(g) - {'phases'})[0]!r}")
    phases = g["phases"]
    if not isinstance(phases, (list, tuple)):
        raise TypeError(f"{where} must be a list; got {type(phases).__name__}")
    out = []
    for j, ph in enumerate(phases):
        if not isinstance(ph, (list, tuple)) or not ph or not isinstance(ph[0], str):
            raise ValueError(f"{where}[{j}] must be [kind, ns] or ['yield']; got {ph!r}")
        if ph[0] == "yield":
            if len(ph) != 1:
                raise ValueError(f"{where}[{j}] 'yield' takes no duration; got {ph!r}")
            out.append((Phase.YIELD, 1))
            continue
        if ph[0] not in _SPEC_KINDS or len(ph) != 2:
            raise ValueError(f"{where}[{j}] must be ['run'|'syscall'|'sleep', ns] or ['yield']; "
                             f"got {ph!r}")
        ns = ph[1]
        if type(ns) is not int or ns < 1:  # the fast path is a plain positive int; else say why
            ns = integer(f"{where}[{j}] ns", ns, 1)
        out.append((_SPEC_KINDS[ph[0]], ns))
    return tuple(out)


def _durations(rng, mean_us: float, shape) -> np.ndarray:
    """Exponential durations in whole ns, at least MIN_BURST_NS."""
    ns = np.maximum(rng.exponential(mean_us * NS_PER_US, shape), MIN_BURST_NS)
    return np.rint(ns).astype(np.int64)


def _kind(value, g: int) -> Phase:
    if isinstance(value, Phase):
        return value
    if isinstance(value, str) and value.upper() in Phase.__members__:
        return Phase[value.upper()]
    names = ", ".join(p.name.lower() for p in Phase)
    raise ValueError(f"phases[{g}] kind must be one of {names}; got {value!r}")


def _us_to_ns(name: str, value) -> int:
    ns = round(number(name, value, 0.0, unit="microseconds") * NS_PER_US)
    if ns <= 0:
        raise ValueError(f"{name} must be a number of microseconds > 0; got {value!r}")
    return ns


def _fraction(name: str, value) -> float:
    return number(name, value, 0.0, 1.0)


def _positive(name: str, value) -> float:
    value = number(name, value, 0.0, 1e9, unit="microseconds")
    if value == 0.0:
        raise ValueError(f"{name} must be a number of microseconds in (0, 1e9]; got {value!r}")
    return value
