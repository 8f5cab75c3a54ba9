"""Seconds per stack model on fib(27) and a 10-million-step random program (median of 5).

Each run gets a fresh CallTrace (same arrays), so the derived arrays a model needs are
computed inside the timing. The readable path is timed once per trace (it is slow by
design); the speed-up is readable / fast on the same trace.

    python benchmarks/bench_models.py [--repeat 5] [--steps 10000000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from gostack_kit import CallTrace, ContiguousStack, SegmentedStack, ThreadStack


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
    opts = ap.parse_args()
    traces = [CallTrace.fib(27), CallTrace.random(opts.steps, seed=2014)]
    models = [ContiguousStack("1.27"), ContiguousStack("1.4"), SegmentedStack("1.2"),
              ThreadStack(8 << 20)]
    print(f"{'trace':<52}{'model':<52}{'fast s':>8}{'readable s':>12}{'speed-up':>10}")
    for trace in traces:
        for model in models:
            fast = statistics.median(timed(model.run, trace) for _ in range(opts.repeat))
            slow = timed(model.run_readable, trace)
            label = f"{trace.label} ({len(trace):,} steps)"
            print(f"{label:<52}{model!r:<52}{fast:>8.3f}{slow:>12.2f}{slow / fast:>9.1f}x")


if __name__ == "__main__":
    main()
