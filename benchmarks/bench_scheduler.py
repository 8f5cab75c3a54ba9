"""Time the scheduler models: median of 5 runs at 100,000 goroutines, and at widget defaults.

Usage: python benchmarks/bench_scheduler.py [--runs 5] [--n 100000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from gostack_kit.sched.gmp import Model, simulate, stack_memory
from gostack_kit.sched.workload import workload


def median_ms(fn, runs: int) -> float:
    """Median wall time of `runs` calls of fn, in milliseconds."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--n", type=int, default=100_000)
    args = ap.parse_args()
    params = {"blocking_fraction": 0.2, "network_fraction": 0.1, "bursts": 3}
    print(f"workload: blocking_fraction=0.2 network_fraction=0.1 bursts=3 seed=1; "
          f"median of {args.runs}")
    build = median_ms(lambda: workload(args.n, 1, **params), args.runs)
    print(f"build workload({args.n:,}): {build:8.1f} ms")
    w = workload(args.n, 1, **params)
    for procs in (2, 64):
        for model in Model:
            ms = median_ms(lambda m=model, p=procs: simulate(w, m, gomaxprocs=p), args.runs)
            r = simulate(w, model, gomaxprocs=procs)
            print(f"simulate n={args.n:,} GOMAXPROCS={procs:<2} {model.value:>3}: {ms:8.1f} ms"
                  f"  (makespan {r.makespan_ns / 1e6:9.1f} ms, threads {r.threads_created:,},"
                  f" spans kept {len(r.spans):,}{'+' if r.spans_truncated else ''})")
    small = workload(1000, 1)
    for model in Model:
        ms = median_ms(lambda m=model: simulate(small, m, gomaxprocs=2), args.runs)
        print(f"widget default n=1,000 GOMAXPROCS=2 {model.value:>3}: {ms:8.2f} ms")
    ms = median_ms(lambda: [stack_memory(1_000_000, m) for m in Model], args.runs)
    print(f"stack_memory(1,000,000) for all models: {ms:8.4f} ms")


if __name__ == "__main__":
    main()
