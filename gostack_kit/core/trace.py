"""CallTrace: what one goroutine's stack goes through, step by step.

A trace is the input of every stack model. It records, in program order, each call
(with the callee's frame size and argument size), each return, and each point where a
garbage collection scans the goroutine's stack:

    step:   0        1        2      3      4
    kind:   call 88  call 24  ret    ret    gc
    depth:  0        1        1      0      -        (depth of the call a step makes or ends)

Frame sizes mean what `go build -gcflags=-S` prints: "$88-8" is a frame of 88 bytes
(the saved frame pointer included) and 8 bytes of arguments. On amd64 a CALL pushes an
8-byte return address, so each call moves SP down by frame + 8 and its return moves it
back up. `entry_used` is how much of the stack is already in use (hi - SP) when the
prologue of the trace's first call runs.

Storage is columnar numpy: one byte of kind, four of frame and four of argument size a
step, so ten million steps take 90 MB. A return stores the frame of the call it ends, so
bytes in use are a single cumulative sum and models never need a Python-level stack.

Invariants: a trace never returns more than it has called; every frame is a positive
integer; arrays are read-only once built. The alternative, a list of Python tuples, costs
about 100 bytes a step and makes a ten-million-step program a gigabyte.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property

import numpy as np

from .validate import integer, number

__all__ = ["CallTrace", "CALL", "RET", "GC", "MAX_STEPS", "MAX_FRAME", "DEFAULT_FRAMES"]

CALL, RET, GC = 0, 1, 2  # step kinds, stored as int8
_SIGN = np.array([1, -1, 0], np.int8)  # how each kind changes the number of live calls
KIND_NAMES = ("call", "ret", "gc")

#: Largest frame accepted; cmd/compile rejects frames over 1 GB ("stack frame too large").
MAX_FRAME = 1 << 30
#: Largest argument area accepted; the same compiler limit applies to argument space.
MAX_ARGS = 1 << 30
#: Largest trace built: 50 M steps are 450 MB of trace plus a few int64 work arrays in a
#: model, which still fits a 24 GiB machine; beyond that we refuse before allocating.
MAX_STEPS = 50_000_000
#: Bytes of storage per step (int8 kind + int32 frame + int32 args).
BYTES_PER_STEP = 9
#: Largest entry_used: bytes in use before the first call must fit a 1 GB stack.
MAX_ENTRY_USED = 1 << 30

#: Frame sizes (with weights) for seeded random programs: mostly the small frames real Go
#: code has (fib is $24, a loop with a few locals $40-$120), a tail of LEAQ-class frames
#: and a few frames past StackBig (large local arrays).
DEFAULT_FRAMES = (24, 40, 56, 88, 120, 136, 184, 312, 568, 1048, 4104, 8200)
DEFAULT_WEIGHTS = (20, 20, 15, 12, 10, 6, 5, 4, 3, 2, 2, 1)


class CallTrace:
    """An immutable sequence of call/ret/gc steps with frame and argument sizes."""

    __slots__ = ("kind", "frame", "args", "entry_used", "label", "__dict__")

    def __init__(self, kind, frame, args=None, entry_used: int = 0, label: str = "trace"):
        """Wrap validated columns; use the constructors below rather than this directly."""
        kind = np.asarray(kind, dtype=np.int8)
        frame = np.asarray(frame, dtype=np.int32)
        args = np.zeros(len(kind), np.int32) if args is None else np.asarray(args, np.int32)
        if not (kind.ndim == frame.ndim == args.ndim == 1 and len(kind) == len(frame) == len(args)):
            raise ValueError("kind, frame and args must be 1-D arrays of one length")
        if len(kind) > MAX_STEPS:
            raise ValueError(f"a trace may have at most {MAX_STEPS:,} steps; got {len(kind):,}")
        if len(kind) and (kind.min() < CALL or kind.max() > GC):
            raise ValueError("kind must hold only CALL (0), RET (1) and GC (2)")
        calls = kind == CALL
        if (frame[calls] < 1).any() or (frame[calls] > MAX_FRAME).any() or (args < 0).any():
            raise ValueError(f"every call's frame must be in [1, {MAX_FRAME}] and args >= 0")
        if len(kind) and np.cumsum(_SIGN[kind], dtype=np.int64).min() < 0:
            raise ValueError("the trace returns more than it called")
        for a in (kind, frame, args):
            a.setflags(write=False)
        self.kind, self.frame, self.args = kind, frame, args
        self.entry_used = integer("entry_used", entry_used, 0, MAX_ENTRY_USED)
        self.label = label

    # ------------------------------------------------------------------ constructors

    @classmethod
    def recursion(cls, frame: int, depth: int, entry_used: int = 0, args: int = 0) -> CallTrace:
        """One function calling itself: calls at depths 0..depth, and no returns."""
        frame = _frame("frame", frame)
        args = integer("args", args, 0, MAX_ARGS)
        depth = integer("depth", depth, 0, MAX_STEPS - 1)
        n = depth + 1
        return cls(
            np.zeros(n, np.int8), np.full(n, frame, np.int32), np.full(n, args, np.int32),
            entry_used, f"recursion(frame={frame}, depth={depth})",
        )

    @classmethod
    def from_steps(cls, steps: Iterable[Sequence], entry_used: int = 0) -> CallTrace:
        """A trace from ("call", frame[, args]), ("ret",) and ("gc",) tuples."""
        if isinstance(steps, (str, bytes)) or not isinstance(steps, Iterable):
            raise TypeError("steps must be a sequence of ('call', frame), ('ret',) or ('gc',)")
        kinds, frames, argss, live = [], [], [], []
        for i, step in enumerate(steps):
            if len(kinds) >= MAX_STEPS:
                raise ValueError(f"steps must have at most {MAX_STEPS} entries")
            if isinstance(step, str) or not isinstance(step, Sequence) or not step:
                raise TypeError(f"steps[{i}] must be a tuple like ('call', 88); got {step!r}")
            op = step[0]
            if op == "call":
                if len(step) not in (2, 3):
                    raise ValueError(f"steps[{i}] must be ('call', frame) or ('call', frame, args)")
                f = _frame(f"steps[{i}] frame", step[1])
                a = integer(f"steps[{i}] args", step[2], 0, MAX_ARGS) if len(step) == 3 else 0
                live.append((f, a))
                kinds.append(CALL), frames.append(f), argss.append(a)
            elif op == "ret":
                if len(step) != 1:
                    raise ValueError(f"steps[{i}] must be ('ret',)")
                if not live:
                    raise ValueError(
                        f"steps[{i}] is a 'ret' with no live call: the trace returns more "
                        "than it called"
                    )
                f, a = live.pop()
                kinds.append(RET), frames.append(f), argss.append(a)
            elif op == "gc":
                if len(step) != 1:
                    raise ValueError(f"steps[{i}] must be ('gc',)")
                kinds.append(GC), frames.append(0), argss.append(0)
            else:
                raise ValueError(f"steps[{i}][0] must be 'call', 'ret' or 'gc'; got {op!r}")
        return cls(kinds, frames, argss, entry_used, f"from_steps({len(kinds)} steps)")

    @classmethod
    def hot_loop(
        cls, depth: int, frame: int, callee: int, n: int, entry_used: int = 0,
        args: int = 0, callee_args: int = 0, unwind: bool = True,
    ) -> CallTrace:
        """A chain of `frame`-sized calls at depths 0..depth whose last calls `callee` n times."""
        depth = integer("depth", depth, 0, MAX_STEPS)
        frame = _frame("frame", frame)
        callee = _frame("callee", callee)
        n = integer("n", n, 0, MAX_STEPS)
        args = integer("args", args, 0, MAX_ARGS)
        callee_args = integer("callee_args", callee_args, 0, MAX_ARGS)
        total = (depth + 1) * (2 if unwind else 1) + 2 * n
        _check_size("n and depth", total)
        kind = np.empty(total, np.int8)
        fr = np.empty(total, np.int32)
        ar = np.empty(total, np.int32)
        c = depth + 1
        kind[:c], fr[:c], ar[:c] = CALL, frame, args
        kind[c:c + 2 * n:2], kind[c + 1:c + 2 * n:2] = CALL, RET
        fr[c:c + 2 * n], ar[c:c + 2 * n] = callee, callee_args
        kind[c + 2 * n:], fr[c + 2 * n:], ar[c + 2 * n:] = RET, frame, args
        return cls(kind, fr, ar, entry_used,
                   f"hot_loop(depth={depth}, frame={frame}, callee={callee}, n={n})")

    @classmethod
    def fib(cls, n: int, frame: int = 24, args: int = 8, entry_used: int = 0) -> CallTrace:
        """The calls of a recursive fib(n) (`$24-8` under Go 1.27 on amd64), run to completion."""
        n = integer("n", n, 0, 40)
        frame = _frame("frame", frame)
        args = integer("args", args, 0, MAX_ARGS)
        a, b = 1, 1  # calls(k) = 2*F(k+1) - 1 for the naive recursion
        for _ in range(n):
            a, b = b, a + b
        _check_size("n", 2 * (2 * a - 1))
        kinds = _fib_kinds(n)
        return cls(kinds, np.full(len(kinds), frame, np.int32), np.full(len(kinds), args, np.int32),
                   entry_used, f"fib({n})")

    @classmethod
    def random(
        cls, steps: int, seed: int, max_depth: int = 48, frames: Sequence[int] = DEFAULT_FRAMES,
        weights: Sequence[float] | None = None, gc_rate: float = 0.001, entry_used: int = 0,
    ) -> CallTrace:
        """A seeded random program: a call/ret walk in [0, max_depth] with gc points."""
        steps = integer("steps", steps, 1, MAX_STEPS)
        seed = integer("seed", seed, 0, 2**63 - 1)
        max_depth = integer("max_depth", max_depth, 1, 30_000)
        frames = np.array([_frame("frames[]", f) for f in frames], np.int32)
        if len(frames) == 0:
            raise ValueError("frames must hold at least one frame size")
        if weights is None:
            weights = DEFAULT_WEIGHTS if len(frames) == len(DEFAULT_WEIGHTS) else [1] * len(frames)
        p = np.asarray(weights, float)
        if p.shape != frames.shape or (p < 0).any() or p.sum() <= 0:
            raise ValueError("weights must be non-negative, one per frame, not all zero")
        gc_rate = number("gc_rate", gc_rate, 0, 0.5)
        rng = np.random.default_rng(seed)
        n_gc = int(rng.binomial(steps - 1, gc_rate)) if steps > 1 else 0
        n_walk = steps - n_gc
        x = np.cumsum(rng.integers(0, 2, n_walk, dtype=np.int8) * 2 - 1, dtype=np.int64)
        period = 2 * max_depth  # fold the free walk into [0, max_depth] (a triangle wave)
        level = max_depth - np.abs(max_depth - np.mod(x, period))
        prev = np.concatenate(([0], level[:-1]))
        kind = np.where(level > prev, CALL, RET).astype(np.int8)
        frame = rng.choice(frames, size=n_walk, p=p / p.sum()).astype(np.int32)
        args = (rng.integers(0, 5, n_walk, dtype=np.int32) * 8).astype(np.int32)
        if n_gc:
            at = np.sort(rng.choice(np.arange(1, n_walk + 1), size=n_gc, replace=True))
            kind = np.insert(kind, at, GC)
            frame = np.insert(frame, at, 0)
            args = np.insert(args, at, 0)
        _fill_ret_frames(kind, frame, args)
        return cls(kind, frame, args, entry_used, f"random(steps={steps}, seed={seed})")

    @classmethod
    def loop_body(cls, callee: int = 88, n: int = 1000, entry_used: int = 0) -> CallTrace:
        """The loop body alone: `n` calls of a `callee`-byte function, each returning at once."""
        n, callee = integer("n", n, 1, 1_000_000), _frame("callee", callee)
        return cls(np.tile(np.array([CALL, RET], np.int8), n), np.full(2 * n, callee), None,
                   entry_used, f"hot loop ({n} calls of a {callee} B function)")

    @classmethod
    def down_and_up(cls, frame: int, depth: int, entry_used: int = 0) -> CallTrace:
        """A recursion to `depth` that then returns all the way (one pass)."""
        depth = integer("depth", depth, 0, 1_000_000)
        kind = np.concatenate((np.full(depth + 1, CALL), np.full(depth + 1, RET))).astype(np.int8)
        return cls(kind, np.full(2 * depth + 2, _frame("frame", frame)), None, entry_used,
                   f"recursion to depth {depth} and back ({frame} B frames)")

    @classmethod
    def comb(cls, depth: int, frame: int, callee: int, entry_used: int = 0,
             callee_args: int = 0) -> CallTrace:
        """At each depth 0..depth: call a `frame` function, then call `callee` once and return."""
        k = integer("depth", depth, 0, 1_000_000) + 1
        frame, callee = _frame("frame", frame), _frame("callee", callee)
        return cls(np.tile(np.array([CALL, CALL, RET], np.int8), k),
                   np.tile(np.array([frame, callee, callee], np.int32), k),
                   np.tile(np.array([0, callee_args, callee_args], np.int32), k), entry_used,
                   f"comb(depth={depth}, frame={frame}, callee={callee})")

    def nested(self, depth: int, frame: int = 88) -> CallTrace:
        """This trace run below a chain of `depth` calls of `frame` bytes, which then returns."""
        depth = integer("depth", depth, 0, 1_000_000)
        kind = np.concatenate((np.full(depth, CALL), self.kind, np.full(depth, RET))).astype(np.int8)
        fr = np.concatenate((np.full(depth, frame), self.frame, np.full(depth, frame)))
        args = np.concatenate((np.zeros(depth), self.args, np.zeros(depth)))
        return CallTrace(kind, fr, args, self.entry_used, f"{self.label} at depth {depth}")

    def repeated(self, times: int) -> CallTrace:
        """This trace run `times` times in a row on the same goroutine (it must return fully)."""
        times = integer("times", times, 1, 10_000)
        if self.final_frames:
            raise ValueError("the trace must return every call it makes, e.g. a full recursion")
        return CallTrace(np.tile(self.kind, times), np.tile(self.frame, times),
                         np.tile(self.args, times), self.entry_used, f"{self.label} x{times}")

    # ------------------------------------------------------------------ derived views

    def __len__(self) -> int:
        return len(self.kind)

    def __repr__(self) -> str:
        return f"<CallTrace {self.label}: {len(self)} steps, max depth {self.max_depth}>"

    @cached_property
    def sign(self) -> np.ndarray:
        """How each step changes the number of live calls: +1 call, -1 ret, 0 gc (int8)."""
        k = self.kind
        # ((k - 2) * (3k - 1)) / 2 maps 0, 1, 2 to 1, -1, 0 in int8 arithmetic: a few SIMD
        # passes instead of a table lookup (a gather), which costs several times more.
        s = (k - np.int8(2)) * (k * np.int8(3) - np.int8(1))
        s >>= 1
        s.setflags(write=False)
        return s

    @cached_property
    def depth(self) -> np.ndarray:
        """Depth of each step: a call's own depth, a ret's depth, -1 for a gc step."""
        d = np.cumsum(self.sign, dtype=np.int32)  # live calls after each step
        d -= self.kind == CALL
        d[self.kind == GC] = -1
        if d.max(initial=0) < 2**15 - 1:  # int16 lets numpy radix-sort by depth
            d = d.astype(np.int16)
        d.setflags(write=False)
        return d

    @cached_property
    def used(self) -> np.ndarray:
        """Bytes in use (hi - SP) after each step; after a call, with its frame allocated.

        int32 when every value stays below 2**30 (so sums with a frame still fit), else int64.
        """
        base = self.entry_used - 8
        for dtype in (np.int32, np.int64):
            u = self.frame.astype(dtype)
            u += 8
            u *= self.sign
            np.cumsum(u, out=u)  # int32 wraps modulo 2**32 if the true sums leave it; see below
            # The true sums are bytes of live frames, never negative. Each step moves them by
            # at most MAX_FRAME + 8 < 2**31, so sums that climb past 2**31 land in [2**31, 2**32)
            # at least once and read as negative there: a non-negative minimum proves no wrap.
            if dtype is np.int64 or not len(u) or (u.min() >= 0 and int(u.max()) + base < 2**30):
                break
        u += base
        u.setflags(write=False)
        return u

    def depth_before(self, steps) -> np.ndarray:
        """Live calls just before each of `steps` (step numbers, any order): a call's depth."""
        steps = np.asarray(steps, dtype=np.int64)
        if not len(steps):
            return np.zeros(0, np.int64)
        at0 = steps[0] == 0
        cut = steps[1:] if at0 else steps
        if not (cut[1:] > cut[:-1]).all() or (len(cut) and cut[0] <= 0):  # not ascending
            cut = np.sort(steps[steps > 0])
            cut = cut[np.concatenate(([True], cut[1:] != cut[:-1]))] if len(cut) else cut
            ahead = self.depth_before(cut) if len(cut) else cut
            return np.concatenate(([0], ahead))[np.searchsorted(cut, steps, side="right")]
        # sums of the signs between consecutive cut points (reduceat needs them ascending)
        sums = np.add.reduceat(self.sign, np.concatenate(([0], cut)), dtype=np.int32)
        live = np.cumsum(sums[:-1], dtype=np.int64)
        return np.concatenate(([0], live)) if at0 else live

    @cached_property
    def max_depth(self) -> int:
        """The deepest call depth reached (-1 for a trace without calls)."""
        return int(self.depth.max()) if len(self) else -1

    @cached_property
    def final_frames(self) -> tuple[int, ...]:
        """Frame sizes of the calls still live after the last step, outermost first."""
        live: list[int] = []
        for k, f in zip(self.kind.tolist(), self.frame.tolist()):
            if k == CALL:
                live.append(f)
            elif k == RET:
                live.pop()
        return tuple(live)

    def chunks(self, size: int = 1 << 16) -> Iterator[tuple[int, list, list, list]]:
        """(first step, kinds, frames, args) in Python lists, a chunk at a time (readable paths)."""
        for lo in range(0, len(self), size):
            hi = lo + size
            yield lo, self.kind[lo:hi].tolist(), self.frame[lo:hi].tolist(), self.args[lo:hi].tolist()

    def steps(self) -> list[tuple]:
        """The trace as ("call", frame, args) / ("ret",) / ("gc",) tuples (small traces)."""
        out = []
        for k, f, a in zip(self.kind.tolist(), self.frame.tolist(), self.args.tolist()):
            out.append(("call", f, a) if k == CALL else (KIND_NAMES[k],))
        return out


def _frame(name: str, value) -> int:
    """A frame size: a positive integer no larger than MAX_FRAME."""
    return integer(name, value, 1, MAX_FRAME)


def _check_size(name: str, n_steps: int) -> None:
    """Refuse, before allocating, a trace longer than MAX_STEPS."""
    if n_steps > MAX_STEPS:
        raise ValueError(
            f"{name} give a trace of {n_steps:,} steps ({n_steps * BYTES_PER_STEP / 2**20:,.0f} MiB);"
            f" the limit is {MAX_STEPS:,} steps"
        )


def _fib_kinds(n: int) -> np.ndarray:
    """Step kinds of fib(n)'s calls: T(k) = call, T(k-1), T(k-2), ret for k >= 2."""
    memo = {0: np.array([CALL, RET], np.int8), 1: np.array([CALL, RET], np.int8)}
    for k in range(2, n + 1):
        memo[k] = np.concatenate(([CALL], memo[k - 1], memo[k - 2], [RET])).astype(np.int8)
        memo.pop(k - 2 - 1, None)  # keep only what the next levels need
    return memo[n]


def _fill_ret_frames(kind: np.ndarray, frame: np.ndarray, args: np.ndarray) -> None:
    """Give each ret the frame and args of the call it ends (a stable sort by call level)."""
    moving = np.flatnonzero(kind != GC)
    delta = np.where(kind[moving] == CALL, 1, -1).astype(np.int64)
    level = np.cumsum(delta) - (delta > 0)  # a call's depth; a ret's depth
    if level.size and level.min() < 0:
        raise ValueError("the trace returns more than it called")
    key = level.astype(np.int16 if level.size == 0 or level.max() < 2**15 else np.int64)
    order = moving[np.argsort(key, kind="stable")]
    rets = np.flatnonzero(kind[order] == RET)
    frame[order[rets]] = frame[order[rets - 1]]
    args[order[rets]] = args[order[rets - 1]]
