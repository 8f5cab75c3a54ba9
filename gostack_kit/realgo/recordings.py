"""Recorded real-Go measurements, for machines without a Go toolchain.

    live toolchain ──> probes + demo compile ──> Recording ──> save() ──> data/realgo.json
                                                     ^                        │
    no toolchain ─────────────────────── load() ─────┴────────────────────────┘

`measurements()` is what notebooks call: live when a toolchain is found, the shipped
recording otherwise, and the returned record's `source` says which (with the Go version and
platform that produced the numbers). Regenerate the file with
`python -m gostack_kit.realgo.record`.

Invariant: a Recording holds only records (frozen dataclasses and tuples), so a loaded one
and a live one compare field by field; the JSON is their plain `asdict` form.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from .asm import FuncFrame
from .facts import DemoOutput, demo_output
from .prefer import live_or_recorded
from .probes import (
    AdaptiveProbe,
    Growth,
    GrowthProbe,
    MemoryProbe,
    ParkedGC,
    ShrinkProbe,
    adaptive_probes,
    growth_probes,
    memory_probes,
    shrink_probes,
)
from .toolchain import find_go

DATA = Path(__file__).resolve().parent / "data"  # every recording of the real system, as JSON
DATA_PATH = DATA / "realgo.json"


@dataclass(frozen=True)
class Recording:
    """Everything the kit measured on one real toolchain, and where the numbers came from."""

    go_version: str
    platform: str
    growth: tuple[GrowthProbe, ...]
    shrink: tuple[ShrinkProbe, ...]
    adaptive: tuple[AdaptiveProbe, ...]
    memory: tuple[MemoryProbe, ...]
    demo: DemoOutput
    source: str = "live"  # "live" or "recorded", followed by the version and platform


def record(memory_counts=(1_000, 10_000, 100_000)) -> Recording:
    """Run every probe and the demo compile on the live toolchain."""
    tc = find_go()
    where = f"{tc.version} {tc.platform}"
    return Recording(tc.version, tc.platform, growth_probes(), shrink_probes(),
                     adaptive_probes(), memory_probes(memory_counts), demo_output(),
                     f"live: {where}")


def to_json(rec: Recording) -> str:
    """The recording as JSON text (its source left out: it is decided when loading)."""
    data = dataclasses.asdict(rec)
    data.pop("source")
    return json.dumps(data, indent=1) + "\n"


def _tuple(cls, rows):
    return tuple(cls(**row) for row in rows)


def from_json(text: str, source: str = "recorded") -> Recording:
    """A Recording from `to_json` text."""
    d = json.loads(text)
    growth = tuple(GrowthProbe(**{**g, "steps": tuple(g["steps"]),
                                  "growths": _tuple(Growth, g["growths"])})
                   for g in d["growth"])
    shrink = tuple(ShrinkProbe(**{**s, "log": _tuple(ParkedGC, s["log"])}) for s in d["shrink"])
    frames = [tuple(FuncFrame(**{**f, "flags": tuple(f["flags"])}) for f in d["demo"][key])
              for key in ("frames", "frames_noinline")]
    return Recording(d["go_version"], d["platform"], growth, shrink,
                     _tuple(AdaptiveProbe, d["adaptive"]), _tuple(MemoryProbe, d["memory"]),
                     DemoOutput(d["demo"]["m_output"], *frames),
                     f"{source}: {d['go_version']} {d['platform']}")


def save(rec: Recording, path: Path | str = DATA_PATH) -> Path:
    """Write the recording to `path` (default: the package's data/realgo.json)."""
    path = Path(path)
    path.write_text(to_json(rec))
    return path


def load(path: Path | str = DATA_PATH) -> Recording:
    """The shipped recording (source "recorded: <version> <platform>")."""
    return from_json(Path(path).read_text())


def measurements(prefer: str = "auto") -> Recording:
    """Live measurements when a toolchain is found (prefer="auto"/"live"), else the recording."""
    rec, note = live_or_recorded(prefer, lambda: record(memory_counts=(10_000,)), load)
    return dataclasses.replace(rec, source=rec.source + note) if note else rec
