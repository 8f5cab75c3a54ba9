"""Regenerate every shipped recording of the real system: `python -m gostack_kit.realgo.record`.

Each recording in realgo/data/ has a module that measures it on the live toolchain:

    realgo.json        stack probes and compiler facts        realgo.recordings.record
    stack_moves.json   a local's address moving with a stack  realgo.stack_moves.record
    compiler_real.json toy examples and probes vs real Go     realgo.compiler.record
    sched_trace.json   scheduler workloads under runtime/trace realgo.sched_runs.record
    sched_threads.json threads: parked vs syscall-blocked Gs  realgo.sched.record
    sysmon_probe.json  sysmon's looks, the state at zero      realgo.sysmon_probe.record
    sched_costs.json   switch and creation costs (Costs)      realgo.costs_probe.record
    netpoll_sleeps.json lone time.Sleeps' lateness (netpoll) realgo.netpoll_probe.record
    releases/*.json    one per toolchain found (1.19-1.27)    realgo.releases.measure
"""

from __future__ import annotations

import sys

from . import compiler, costs_probe, netpoll_probe, releases, sched, sched_runs, stack_moves, sysmon_probe
from .recordings import DATA_PATH, record, save


def main(argv: list[str] | None = None) -> int:
    """Run every probe on the live toolchain and rewrite every JSON recording."""
    if (sys.argv[1:] if argv is None else argv):
        print("usage: python -m gostack_kit.realgo.record   (rewrites realgo/data/*.json)", file=sys.stderr)
        return 2
    rec = record()
    print(f"recorded {rec.source} -> {save(rec, DATA_PATH)}")
    print(f"recorded stack moves -> {stack_moves.save(stack_moves.record())}")
    print(f"recorded compiler probes -> {compiler.record()}")
    print(f"recorded thread counts -> {sched.save(sched.record())}")
    print(f"recorded scheduler traces -> {sched_runs.save(sched_runs.record())}")
    print(f"recorded sysmon probes -> {sysmon_probe.save(sysmon_probe.record())}")
    print(f"recorded scheduler costs -> {costs_probe.save(costs_probe.record())}")
    print(f"recorded lone sleeps -> {netpoll_probe.save(netpoll_probe.record())}")
    return releases.main(["record"])  # data/releases/: every toolchain found


if __name__ == "__main__":
    raise SystemExit(main())
