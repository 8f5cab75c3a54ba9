"""The named scheduler workloads that the real trace (realgo.sched_trace) and the model both run.

Each entry is a scheduler spec (Workload.from_spec's format):
{"gomaxprocs", "goroutines": [{"phases": [...]}], "spawn_gap_ns"}. One place for them, so the
recordings in data/sched_trace.json and the model's cross-validation tests name the same workloads.

    order-*      GOMAXPROCS=1 first-run order (runnext, FIFO local queue, 256-slot overflow)
    hog-*        CPU hogs of 15-60 ms: when sysmon preempts
    gosched-*    runtime.Gosched chains
    sleep-*      time.Sleep beside a hog: parked goroutines hold no thread
    syscall-*    blocking syscalls at GOMAXPROCS 1, 2, 4: hand-off and new threads
    mix-*        mixes with spawn gaps
    nb03         notebook 03's example: G0 holds the only P > 10 ms with G1 in runnext

Invariant: every spec is plain JSON (lists, ints, strings), so it round-trips through a file.
Rejected alternative: specs in the JSON recording only; the model's tests would then depend
on the recording file existing to know what to run.
"""

from __future__ import annotations

import copy

__all__ = ["WORKLOADS", "workload"]

MS = 1_000_000  # ns per millisecond
US = 1_000  # ns per microsecond


def _run(ns: int) -> dict:
    """A goroutine that only computes for ns."""
    return {"phases": [["run", ns]]}


WORKLOADS: dict[str, dict] = {
    # 8 short goroutines: the last spawned runs first (runnext), then the rest in spawn order.
    "order-8": {"gomaxprocs": 1, "goroutines": [_run(50 * US) for _ in range(8)], "spawn_gap_ns": 0},
    # 300 > 256 local slots: runqputslow moves half the queue to the global queue.
    "order-300": {"gomaxprocs": 1, "goroutines": [_run(20 * US) for _ in range(300)], "spawn_gap_ns": 0},
    # one hog alone, and two hogs sharing one P: when does sysmon preempt?
    "hog-60": {"gomaxprocs": 1, "goroutines": [_run(60 * MS)], "spawn_gap_ns": 0},
    "hog-2x30": {"gomaxprocs": 1, "goroutines": [_run(30 * MS), _run(30 * MS)], "spawn_gap_ns": 0},
    "hog-3x15": {"gomaxprocs": 1, "goroutines": [_run(15 * MS) for _ in range(3)], "spawn_gap_ns": 0},
    # three goroutines passing the P around with Gosched
    "gosched-3": {"gomaxprocs": 1, "goroutines": [
        {"phases": [["run", 100 * US], ["yield"]] * 5} for _ in range(3)], "spawn_gap_ns": 0},
    # sleepers beside a hog on one P: they wake late
    "sleep-hog": {"gomaxprocs": 1, "goroutines": [_run(40 * MS)] + [
        {"phases": [["sleep", 2 * MS], ["run", 100 * US]]} for _ in range(4)], "spawn_gap_ns": 0},
    # 50 sleepers: parked goroutines hold no thread
    "sleep-50": {"gomaxprocs": 2, "goroutines": [
        {"phases": [["sleep", 5 * MS], ["run", 10 * US]]} for _ in range(50)], "spawn_gap_ns": 0},
    # a lone blocking syscall under GOMAXPROCS=1
    "syscall-lone": {"gomaxprocs": 1, "goroutines": [
        {"phases": [["run", 100 * US], ["syscall", 5 * MS], ["run", 100 * US]]}], "spawn_gap_ns": 0},
    # syscall beside CPU work, at 1, 2, 4 Ps
    **{f"syscall-p{p}": {"gomaxprocs": p, "goroutines": [
        {"phases": [["run", 200 * US], ["syscall", 3 * MS], ["run", 200 * US]]} for _ in range(4)] + [
        _run(5 * MS) for _ in range(2)], "spawn_gap_ns": 0} for p in (1, 2, 4)},
    # the contract's example, and a mix with spawn gaps
    "contract": {"gomaxprocs": 1, "goroutines": [
        {"phases": [["run", 2 * MS], ["syscall", 1 * MS], ["run", 500 * US]]},
        {"phases": [["run", 300 * US], ["sleep", 2 * MS], ["yield"], ["run", 1 * US]]}],
        "spawn_gap_ns": 0},
    "mix-gap": {"gomaxprocs": 2, "goroutines": [
        {"phases": [["run", 3 * MS], ["syscall", 1 * MS], ["run", 1 * MS]]},
        {"phases": [["run", 500 * US], ["sleep", 1 * MS], ["yield"], ["run", 500 * US]]},
        _run(12 * MS),
        {"phases": [["syscall", 2 * MS], ["run", 200 * US]]}], "spawn_gap_ns": 1 * MS},
    # main's own spawn loop runs long (200 gaps of 100 us = 20 ms): main is preempted too
    "mix-longspawn": {"gomaxprocs": 1, "goroutines": [_run(50 * US) for _ in range(200)],
                      "spawn_gap_ns": 100 * US},
    # notebook 03: main (G0) holds the only P for 12 ms of spawn gap while G1 sits in runnext
    "nb03": {"gomaxprocs": 1, "goroutines": [_run(2 * MS), _run(10 * US)], "spawn_gap_ns": 12 * MS},
}


def workload(name: str) -> dict:
    """The spec named `name` (a fresh copy), or ValueError listing the names."""
    if name not in WORKLOADS:
        raise ValueError(f"name must be one of {sorted(WORKLOADS)}; got {name!r}")
    return copy.deepcopy(WORKLOADS[name])
