"""Every scheduler model gives, run for run, the outputs stored in tests/data/sched_outputs.json.

The file was written by this module (`python tests/test_sched_outputs.py --write`) from the
engine as it stood before the event loop moved to sched/loop.py (issues 11 and 12), so a
refactor of the loop, the 1:1 and N:1 classes or the M:N hot paths must leave each of these
runs unchanged: event log, first-run order, finish times, counters, timeline slices, spans,
queue samples, sysmon looks, and where a 1:1 spawn failed. Scalars are stored as they are;
long sequences as a SHA-256 digest (16 hex digits) with their length, field by field, so a
failure names the field that changed. Regenerate only when a change of output is intended.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":  # `python tests/test_sched_outputs.py --write` from the checkout
    sys.path.insert(0, str(ROOT))

from gostack_kit.address.limits import Limit, default_limits  # noqa: E402
from gostack_kit.labs.sched import fairness_chain, run_model, share_workload  # noqa: E402
from gostack_kit.realgo.sched_suite import WORKLOADS  # noqa: E402
from gostack_kit.sched.record import Costs  # noqa: E402
from gostack_kit.sched.workload import Workload, workload  # noqa: E402
from gostack_kit.widgets.sched import DASHBOARDS, default_run  # noqa: E402

FIXTURE = ROOT / "tests" / "data" / "sched_outputs.json"
MODELS = ("mn", "1:1", "n:1")
SLOW_SWITCH = Costs(goroutine_switch_ns=300, goroutine_create_ns=700, thread_switch_ns=5000,
                    thread_create_ns=20000, kernel_slice_ns=200_000, thread_wake_ns=5000)  # short slices
COSTS = {"default": None, "zero": Costs.zero(), "slow": SLOW_SWITCH}
BLOCKING = (("syscall", 0.3), ("sleep", 0.3), ("yield", 0.2), (None, 0.2))  # as the benchmark's


def bench_spec(n: int, seed: int, gomaxprocs: int) -> dict:
    """benchmarks/bench_scheduler.py's spec generator (run, one blocking phase or none, run)."""
    rng = np.random.default_rng(seed)
    runs = np.maximum(1000, rng.exponential(50_000, (n, 2))).astype(int).tolist()
    waits = np.maximum(1000, rng.exponential(100_000, n)).astype(int).tolist()
    kinds = rng.choice(len(BLOCKING), n, p=[p for _, p in BLOCKING]).tolist()
    goroutines = []
    for (a, b), w, k in zip(runs, waits, kinds, strict=True):
        kind = BLOCKING[k][0]
        middle = [] if kind is None else [["yield"]] if kind == "yield" else [[kind, w]]
        goroutines.append({"phases": [["run", a], *middle, ["run", b]]})
    return {"gomaxprocs": gomaxprocs, "goroutines": goroutines, "spawn_gap_ns": 0}


def maps(value: int):
    """default_limits() with vm.max_map_count = value: value // 2 threads besides main."""
    return replace(default_limits(), max_map_count=Limit("vm.max_map_count", value, "test", "process"))


def fan(n: int, row) -> Workload:
    """Main starts G1..Gn in order; each runs `row`."""
    return Workload.from_phases([[("go", i) for i in range(1, n + 1)]] + [row] * n)


def cases() -> dict:
    """name -> a function returning the run (each a fresh engine call)."""
    out = {}
    for name, spec in WORKLOADS.items():
        for cname, costs in COSTS.items():
            for model in MODELS:
                out[f"suite/{name}/{cname}/{model}"] = (
                    lambda s=spec, m=model, c=costs: run_model(Workload.from_spec(s), m, costs=c))
    for seed in (1, 2, 3):
        for procs in (1, 2, 4):
            for model in MODELS:
                out[f"bench/n300/seed{seed}/p{procs}/{model}"] = (
                    lambda s=seed, p=procs, m=model: run_model(
                        Workload.from_spec(bench_spec(300, s, p)), m, seed=s))
    for model in MODELS:
        out[f"bench/n3000/seed7/p2/{model}"] = (
            lambda m=model: run_model(Workload.from_spec(bench_spec(3000, 7, 2)), m, seed=7))
        for share in (0.0, 0.3, 0.9):
            out[f"share/n500/{share}/{model}"] = (
                lambda m=model, s=share: run_model(share_workload(500, 3, s), m, gomaxprocs=3))
        nb = workload(300, 7, blocking_fraction=0.3, network_fraction=0.3)
        for cname, costs in COSTS.items():
            out[f"nb03/compare/{cname}/{model}"] = (
                lambda m=model, c=costs, w=nb: run_model(w, m, gomaxprocs=2, costs=c))
        out[f"nb03/fairness/{model}"] = (
            lambda m=model: run_model(fairness_chain(100), m, gomaxprocs=1, costs=Costs.zero(),
                                      event_cap=100_000))
        out[f"nb03/parked/{model}"] = (lambda m=model: run_model(
            workload(1000, 1, blocking_fraction=0, network_fraction=1, park_us=1000), m, gomaxprocs=2))
        out[f"nb03/blocked/{model}"] = (lambda m=model: run_model(
            workload(1000, 1, blocking_fraction=1, syscall_us=1000), m, gomaxprocs=2))
        defaults = dict(DASHBOARDS["sched.Scheduler"][1], model=model)
        out[f"dashboard/defaults/{model}"] = lambda d=defaults: default_run(**d)
        out[f"caps/bench/{model}"] = (lambda m=model: run_model(
            Workload.from_spec(bench_spec(300, 4, 2)), m, timeline_cap=100, event_cap=50,
            sample_cap=16))
    out["dashboard/n:1-two"] = lambda: default_run(1, 2, 0.0, "n:1")
    # 1:1 under a thread cap: pthread_create fails with EAGAIN and the run is cut there
    for cap in (3, 5, 11, 41, 201):
        for cname, costs in COSTS.items():
            out[f"eagain/bench/cap{cap}/{cname}"] = (
                lambda c=cap, k=costs: run_model(Workload.from_spec(bench_spec(300, 5, 2)), "1:1",
                                                 costs=k, limits=maps(c)))
    out["eagain/fan-park"] = lambda: run_model(fan(20, [("park", 1000), ("compute", 1)]), "1:1",
                                               limits=maps(11))
    out["eagain/fan-compute"] = lambda: run_model(fan(20, [("compute", 2.5)]), "1:1",
                                                  costs=SLOW_SWITCH, limits=maps(5))
    out["eagain/caps"] = lambda: run_model(Workload.from_spec(bench_spec(300, 5, 2)), "1:1",
                                           limits=maps(201), timeline_cap=60, event_cap=40)
    out["eagain/share-0.9"] = lambda: run_model(share_workload(2000, 1, 0.9), "1:1", limits=maps(301))
    return out


def digest(obj) -> str:
    """16 hex digits of SHA-256 over a canonical form of obj (bytes for arrays, JSON else)."""
    if isinstance(obj, np.ndarray):
        data = np.ascontiguousarray(obj).tobytes() + str(obj.dtype).encode()
    else:
        data = json.dumps(obj, separators=(",", ":"), default=int).encode()
    return hashlib.sha256(data).hexdigest()[:16]


def record(run) -> dict:
    """The outputs of one SchedRun that must not change: scalars as is, sequences digested."""
    events = [[int(x) for x in e] for e in run.events]
    out = {k: getattr(run, k) for k in (
        "model", "gomaxprocs", "n_goroutines", "makespan_ns", "demand_ns", "run_ns", "busy_ns",
        "spans_truncated", "threads_created", "peak_threads", "spawn_failed_at", "thread_limit",
        "thread_limit_name", "thread_limit_value", "threads_ran")}
    out["counts"] = list(vars(run.counts).values())
    out["memory"] = list(vars(run.memory).values())
    for name, seq in (("events", events), ("order", list(run.order)),
                      ("finish_ns", list(run.finish_ns)), ("slices", [list(s) for s in run.slices]),
                      ("sysmon", [list(s) for s in run.sysmon]), ("spans", run.spans),
                      ("samples", run.samples), ("local_samples", run.local_samples),
                      ("busy_per_p", run.busy_per_p), ("completion_ns", run.completion_ns)):
        out[name] = [len(seq), digest(seq)]
    return out


@functools.cache
def stored() -> dict:
    """The fixture: case name -> record."""
    return json.loads(FIXTURE.read_text())


CASES = cases()


def test_the_fixture_covers_every_case_and_every_model():
    have = stored()
    assert sorted(have) == sorted(CASES)
    assert {r["model"] for r in have.values()} == {"M:N", "1:1", "N:1"}
    failed = [r for r in have.values() if r["spawn_failed_at"] is not None]
    assert len(failed) >= 15 and all(r["model"] == "1:1" for r in failed)


@pytest.mark.parametrize("name", sorted(CASES))
def test_run_matches_the_stored_outputs(name):
    want, got = stored()[name], json.loads(json.dumps(record(CASES[name]())))
    assert got.keys() == want.keys()
    changed = {k: (want[k], got[k]) for k in want if want[k] != got[k]}
    assert not changed, f"{name}: fields changed (stored, now): {changed}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python tests/test_sched_outputs.py --write")
    rows = {name: record(fn()) for name, fn in sorted(CASES.items())}
    FIXTURE.write_text("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}"
                                          for k, v in rows.items()) + "\n}\n")
    print(f"wrote {len(rows)} runs to {FIXTURE}")
