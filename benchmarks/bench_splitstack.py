"""The hot split measured with gcc -fsplit-stack and gccgo: ns per call and per split, with spread.

Runs the three hot-loop sweeps (realgo.splitstack_hot.HOT: a C pthread with libgcc's signal
masking, one without it, a gccgo goroutine) `--runs` times, takes the per-depth median, and
prints the calibrated costs beside the Go 1.2 estimate of stacks/segmented.py SplitCost.

    python benchmarks/bench_splitstack.py [--runs 5] [--n 100000] [--reps 3] [--record]

--record also writes the result into the shipped recording (realgo/data/splitstack.json).
"""

from __future__ import annotations

import argparse
import dataclasses

from gostack_kit import SplitCost, plots
from gostack_kit.realgo import splitstack_record
from gostack_kit.realgo.splitstack_hot import cost_rows, run_all


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    o = ap.parse_args()
    if not splitstack_record.have_tools():
        raise SystemExit("gcc and gccgo are needed (Debian: apt-get install gccgo-12)")
    hot = run_all(n=o.n, reps=o.reps, runs=o.runs)
    rows = cost_rows(hot)
    costs = {r.name: SplitCost(call_ns=r.call_ns, split_ns=r.split_ns) for r in rows if r.call_ns}
    costs["Go 1.2 (estimate)"] = SplitCost()
    print(f"median of {o.runs} runs, best of {o.reps} x {o.n} iterations per depth")
    print(plots.segmented.cost_table(costs, rows))
    for p in hot:
        print(f"{p.toolchain:6} {'masked' if p.masked else 'unmasked':9} hot depths {p.hot_depths}")
    if o.record:
        rec = dataclasses.replace(splitstack_record.load(), hot=hot)
        print("wrote", splitstack_record.save(rec))


if __name__ == "__main__":
    main()
