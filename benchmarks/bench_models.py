"""Seconds per stack model on fib(27) and a 10-million-step random program (median of 5).

Each run gets a fresh CallTrace (same arrays), so the derived arrays a model needs are
computed inside the timing. The readable path is timed once per trace (it is slow by
design); the speed-up is readable / fast on the same trace. Targets: each
model <= 1 s on fib(27) and <= 5 s on 10 million steps; fast path >= 20x the readable.

    python benchmarks/bench_models.py [--repeat 5] [--steps 10000000] [--check]

With --check the exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import time

from gostack_kit import CallTrace, ContiguousStack, SegmentedStack, ThreadStack

SPEEDUP = 20.0  # the fast path must beat the readable path at least this much


def fresh(t: CallTrace) -> CallTrace:
    """The same trace without its cached derived arrays."""
    return CallTrace(t.kind, t.frame, t.args, t.entry_used, t.label)


def timed(fn, trace: CallTrace) -> float:
    """Seconds for one call of `fn` on a fresh copy of `trace`."""
    t = fresh(trace)
    start = time.perf_counter()
    fn(t)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10_000_000)
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    opts = ap.parse_args()
    missed = []
    traces = [CallTrace.fib(27), CallTrace.random(opts.steps, seed=2014)]
    models = [ContiguousStack("1.27"), ContiguousStack("1.4"), SegmentedStack("1.2"),
              ThreadStack(8 << 20)]
    print(f"{'trace':<56}{'model':<52}{'fast s':>8}{'readable s':>12}{'speed-up':>10}")
    for trace in traces:
        for model in models:
            fast = statistics.median(timed(model.run, trace) for _ in range(opts.repeat))
            slow = timed(model.run_readable, trace)
            label = f"{trace.label} ({len(trace):,} steps)"
            print(f"{label:<56}{model!r:<52}{fast:>8.3f}{slow:>12.2f}{slow / fast:>9.1f}x")
            limit = 1.0 if len(trace) < 2_000_000 else 5.0  # seconds: fib(27), then 10M steps
            if fast > limit or slow / fast < SPEEDUP:
                missed.append(f"{model!r} on {trace.label}")
    print("targets met" if not missed else "targets missed: " + "; ".join(missed))
    if opts.check and missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
