"""Live or recorded real-Go scheduler runs of the named workloads (realgo.sched_suite).

    sched_runs(spec, runs=N, prefer="auto") ──live──> sched_trace.trace_text ─parse─> [Timeline]
                                            └─recorded─> data/sched_trace.json (by spec)

`record()` runs every workload RUNS times on the live toolchain and writes
data/sched_trace.json with the Go version, a machine note and the date; `python -m
gostack_kit.realgo.record` calls it with the kit's other recordings.

Invariant: a recording is looked up by the spec itself (not only its name), so a changed
workload can never replay another workload's runs. Rejected alternative: storing the raw
trace text; it is ~1 KB per event with stacks, megabytes for one 300-goroutine run.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import platform
from pathlib import Path

from ..core.validate import integer
from ..sched.record import Timeline
from .sched_suite import WORKLOADS
from .sched_trace import parse, timeline_from_json, timeline_json, trace_text

__all__ = ["sched_runs", "record", "recording_head", "load", "save", "recorded_runs", "DATA_PATH", "RUNS"]

DATA_PATH = Path(__file__).with_name("data") / "sched_trace.json"
RUNS = 10  # fresh runs per workload: enough for nb03's two clusters of G1 finish times to both appear
MAX_SLICES = 120  # slices kept per recorded run; order-300 has 300+, kept whole would be most of the file


def _live(spec: dict, runs: int) -> list[Timeline]:
    """Fresh live runs of spec on the found toolchain."""
    from .toolchain import find_go
    version = find_go().version
    n = len(spec["goroutines"])
    return [parse(t, n, spec["gomaxprocs"], f"{version} live") for t in trace_text(spec, runs)]


def load(path: Path | str = DATA_PATH) -> dict:
    """The shipped recording: {"go", "machine", "date", "workloads": {name: {"spec", "runs"}}}."""
    return json.loads(Path(path).read_text())


def recorded_runs(spec: dict, path: Path | str = DATA_PATH) -> list[Timeline]:
    """The recorded runs of exactly this spec, or ValueError when none is recorded."""
    data = load(path)
    for w in data["workloads"].values():
        if w["spec"] == spec:
            src = f"{data['go']} recorded"
            return [timeline_from_json(r, spec["gomaxprocs"], src) for r in w["runs"]]
    raise ValueError(f"spec is not a recorded workload; recorded: {sorted(data['workloads'])}")


def sched_runs(spec: dict, runs: int = 3, prefer: str = "auto") -> list[Timeline]:
    """Timelines of `runs` real runs of spec: live with Go, else the recording (all its runs).

    When "auto" falls back for want of a toolchain, each Timeline's source says so.
    """
    from .prefer import live_or_recorded
    runs = integer("runs", runs, 1, 100)
    tls, note = live_or_recorded(prefer, lambda: _live(spec, runs), lambda: recorded_runs(spec))
    return [dataclasses.replace(t, source=t.source + note) for t in tls] if note else tls


def record(runs: int = RUNS, names=None) -> dict:
    """Run each named workload `runs` times live; the recording as a dict."""
    out = {}
    for name in (names or WORKLOADS):
        spec = WORKLOADS[name]
        out[name] = {"spec": spec, "runs": [timeline_json(t, MAX_SLICES) for t in _live(spec, runs)]}
    return {**recording_head(), "workloads": out}


def recording_head() -> dict:
    """The head of a recording made now: {"go": the live toolchain, "machine", "date" (UTC)}."""
    from .toolchain import find_go
    return {"go": find_go().version, "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
            f"{platform.system()} {platform.release()}",
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")}


def save(data: dict, path: Path | str = DATA_PATH) -> Path:
    """Write the recording, one workload per line."""
    lines = [f"{json.dumps(k)}:{json.dumps(v, separators=(',', ':'))}" for k, v in data["workloads"].items()]
    head = {k: data[k] for k in ("go", "machine", "date")}
    text = json.dumps(head)[:-1] + ',"workloads":{\n' + ",\n".join(lines) + "\n}}\n"
    Path(path).write_text(text)
    return Path(path)


def main() -> int:
    """Record every workload and save it (python -m gostack_kit.realgo.sched_runs)."""
    print(f"recorded scheduler traces -> {save(record())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
