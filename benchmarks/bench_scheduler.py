"""Time the scheduler models on 100,000 goroutines with blocking phases, and notebook 03's dashboard.

Targets (median of 5): each model ("mn", "1:1", "n:1") at most 1.5 s on the workload below; the
notebook-03 Scheduler dashboard's update (engine + redraw to PNG) at its defaults at most 50 ms.

The workload is a scheduler spec built through Workload.from_spec, seeded: every goroutine runs,
then blocks once (a syscall, a sleep, or a yield, or not at all), then runs again. Under 1:1 the
thread limits apply: with notebook 02's defaults the run stops where pthread_create fails, so the
time measured is the time until that failure; a second 1:1 line passes limits no run reaches, so
that every thread is created and the run goes to the end.

Usage: python benchmarks/bench_scheduler.py [--runs 5] [--n 100000] [--check]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import replace

import matplotlib
import numpy as np

matplotlib.use("Agg")

from gostack_kit.address.limits import default_limits  # noqa: E402
from gostack_kit.labs.sched import run_model  # noqa: E402
from gostack_kit.sched.rivals import spawn_failure, thread_cap  # noqa: E402
from gostack_kit.sched.workload import Workload  # noqa: E402

MODEL_BOUND_MS = 1500.0  # the bound for one model at 100,000 goroutines
DASHBOARD_BOUND_MS = 50.0  # the bound for one dashboard update at its defaults
SEED = 1  # one fixed spec: the same program for every model and every run
GOMAXPROCS = 2  # this kit's default machine: two cores
RUN_NS = 50_000  # mean compute burst, as labs.sched.COMPUTE_US
WAIT_NS = 100_000  # mean syscall or sleep, as the workload builder's defaults
# How each goroutine blocks between its two bursts: syscall, sleep, yield, not at all.
BLOCKING = (("syscall", 0.3), ("sleep", 0.3), ("yield", 0.2), (None, 0.2))
NO_LIMIT = 10**9  # above any 1:1 run here: every thread gets created


def spec(n: int, seed: int = SEED) -> dict:
    """A scheduler spec of n goroutines: run, one blocking phase (or none), run; seeded."""
    rng = np.random.default_rng(seed)
    runs = np.maximum(1000, rng.exponential(RUN_NS, (n, 2))).astype(int).tolist()
    waits = np.maximum(1000, rng.exponential(WAIT_NS, n)).astype(int).tolist()
    kinds = rng.choice(len(BLOCKING), n, p=[p for _, p in BLOCKING]).tolist()
    goroutines = []
    for (a, b), w, k in zip(runs, waits, kinds, strict=True):
        kind = BLOCKING[k][0]
        middle = [] if kind is None else [["yield"]] if kind == "yield" else [[kind, w]]
        goroutines.append({"phases": [["run", a], *middle, ["run", b]]})
    return {"gomaxprocs": GOMAXPROCS, "goroutines": goroutines, "spawn_gap_ns": 0}


def roomy_limits():
    """notebook 02's default limits with every settable thread cap raised to NO_LIMIT."""
    lim = default_limits()
    return replace(lim, **{f: replace(getattr(lim, f), value=NO_LIMIT)
                           for f in ("threads_max", "pid_max", "max_map_count", "nproc")})


def median_ms(fn, runs: int) -> tuple[float, object]:
    """Median wall time of `runs` calls of fn in ms, and the last call's result."""
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def verdict(ms: float, bound: float) -> str:
    """'ok' or 'OVER' against a bound in ms."""
    return f"{'ok' if ms <= bound else 'OVER'} (bound {bound:g} ms)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--check", action="store_true", help="exit 1 if any median is over its bound")
    args = ap.parse_args()
    s = spec(args.n)
    build, work = median_ms(lambda: Workload.from_spec(s), args.runs)
    print(f"spec: {args.n:,} goroutines, GOMAXPROCS={GOMAXPROCS}, seed {SEED}; blocking phases "
          + ", ".join(f"{k or 'none'} {p:.0%}" for k, p in BLOCKING) + f"; median of {args.runs}")
    print(f"Workload.from_spec: {build:8.1f} ms (not bounded); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    over = []
    raised = thread_cap(roomy_limits())
    cases = (("mn", None, "M:N"), ("n:1", None, "N:1"),
             ("1:1", None, "1:1, notebook 02's default limits"),
             ("1:1", roomy_limits(), f"1:1, limits raised ({raised.name} binds)"))
    for model, limits, label in cases:
        ms, r = median_ms(lambda m=model, lim=limits: run_model(work, m, limits=lim), args.runs)
        failed = spawn_failure(r)
        threads = f"{r.threads_created:,} thread{'s' if r.threads_created > 1 else ''}"
        what = (f"until the failure: {failed}" if failed else
                f"to the end: makespan {r.makespan_ns / 1e6:,.1f} ms, {threads} created, "
                f"at most {r.peak_threads:,} alive at once")
        print(f"{label:<40} {ms:8.1f} ms  {verdict(ms, MODEL_BOUND_MS)}\n    measured {what}")
        if ms > MODEL_BOUND_MS:
            over.append(label)
    from gostack_kit.widgets.sched import DASHBOARDS, default_run

    factory, defaults, _ = DASHBOARDS["sched.Scheduler"]
    engine, _ = median_ms(lambda: default_run(**defaults), args.runs)
    board = factory()
    try:
        board.update(**defaults)  # warm-up: the first update clears the Axes
        ms, _ = median_ms(lambda: board.update(**defaults), args.runs)
    finally:
        board.close()
    print(f"{'notebook-03 dashboard update':<40} {ms:8.1f} ms  {verdict(ms, DASHBOARD_BOUND_MS)}\n"
          f"    at its defaults {defaults}; of which the engine run {engine:.1f} ms")
    if ms > DASHBOARD_BOUND_MS:
        over.append("dashboard")
    print(f"bounds: {'all met' if not over else 'missed by ' + ', '.join(over)}")
    if args.check and over:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
