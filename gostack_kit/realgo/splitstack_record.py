"""The split-stack recording: every standard probe case, the hot loops, the machine, as JSON.

    CASES (gcc) + GO_CASES (gccgo) ──> c_probe / go_probe ──┐
    HOT ──> hot_probe ──────────────────────────────────────┴─> SplitRecording ──> data/splitstack.json

`splitstack(prefer)` is what notebooks and tests call: live when gcc and gccgo are found
(prefer="auto" or "live"), the shipped recording otherwise; its `source` says which, with
the compiler versions and the machine's SIGSTKSZ. Regenerate the file with
`python -m gostack_kit.realgo.splitstack_record` (about a minute).

Invariant: the cases are fixed and seeded, so a live run and the recording hold the same
plans, and only the measured fields (positions, segment sizes, timings) can differ.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from .recordings import DATA
from .splitstack import SplitProbe, _Built, c_probe, find_gcc, find_gccgo, go_probe, version_of
from .splitstack_hot import HotProbe, run_all

__all__ = ["SplitRecording", "CASES", "GO_CASES", "record", "save", "load", "splitstack",
           "SPLIT_PATH"]

SPLIT_PATH = DATA / "splitstack.json"

_rng = random.Random(13)  # seeded: the mixed plans are the same in every run
_MIXED = tuple(tuple(_rng.randrange(8) for _ in range(40)) for _ in range(3))
_GO_MIXED = tuple(tuple(_rng.randrange(8) for _ in range(1200)) for _ in range(3))

#: (name, where, pthread stack size, LD_BIND_NOW, plans) of the gcc cases. f4 is a
#: 1500-byte local (frame 1560 here), f7 a 20000-byte one, larger than a minimum segment.
CASES = (
    ("same recursion twice, main thread", "main", 0, True, ((4,) * 14,) * 2),
    ("same recursion twice, pthread", "thread", 0, True, ((4,) * 14,) * 2),
    ("mixed frames, main thread", "main", 0, True, _MIXED),
    ("mixed frames, pthread", "thread", 0, True, _MIXED),
    ("a kept segment too small for a big frame", "thread", 0, True,
     ((4,) * 12, (4,) * 7 + (7,), (4,) * 12)),
    ("16 KiB pthread: guard page before the first split", "thread", 16384, True, ((4,) * 20,)),
    ("16 KiB pthread, small frames", "thread", 16384, True, ((2,) * 60,)),
    ("20 KiB pthread: dies inside __morestack", "thread", 20480, True, ((4,) * 20,)),
    ("24 KiB pthread: splits and survives", "thread", 24576, True, ((4,) * 20, (4,) * 20)),
    ("64 KiB pthread, bound symbols: __morestack's reach", "thread", 65536, True, ((4,) * 14,)),
    ("64 KiB pthread, lazy binding: the resolver's reach", "thread", 65536, False, ((4,) * 14,)),
)
#: (name, plans) of the gccgo cases: a goroutine's first segment is 4 MiB, so the
#: descents are deep (2800 frames of 1536 bytes pass its end).
GO_CASES = (
    ("same recursion twice, goroutine", ((4,) * 2800,) * 2),
    ("mixed frames, goroutine", _GO_MIXED),
    ("big frames at the first segment's end", ((5,) * 1400 + (7,) * 3 + (3,) * 20,
                                               (5,) * 1400 + (6,) * 3, (5,) * 1420)),
)


@dataclass(frozen=True)
class SplitRecording:
    """Every split-stack probe case and hot loop of one machine, and where they came from."""

    gcc_version: str
    gccgo_version: str
    machine: str  # platform.machine() and the C library, e.g. "x86_64 glibc 2.36"
    sigstksz: int  # sysconf(_SC_SIGSTKSZ)
    names: tuple[str, ...]  # one per probe, in order
    probes: tuple[SplitProbe, ...]
    hot: tuple[HotProbe, ...]
    source: str = "live"  # "live: ..." or "recorded: ...", decided when made or loaded

    def probe(self, name: str) -> SplitProbe:
        """The probe of the case called `name`."""
        return self.probes[self.names.index(name)]


def have_tools() -> bool:
    """True when gcc and gccgo are both found."""
    return find_gcc() is not None and find_gccgo() is not None


def record(n: int = 100_000, reps: int = 3) -> SplitRecording:
    """Run every case and hot loop with the live gcc and gccgo."""
    gcc = _Built("gcc")
    try:
        probes = [c_probe(plans, where, size, bind, built=gcc) for _, where, size, bind, plans in CASES]
    finally:
        gcc.close()
    go = _Built("gccgo")
    try:
        probes += [go_probe(plans, built=go) for _, plans in GO_CASES]
    finally:
        go.close()
    names = tuple(c[0] for c in CASES) + tuple(c[0] for c in GO_CASES)
    libc = " ".join(platform.libc_ver())
    rec = SplitRecording(version_of(find_gcc()), version_of(find_gccgo()),
                         f"{platform.machine()} {libc}", probes[0].sigstksz, names,
                         tuple(probes), run_all(n, reps))
    return dataclasses.replace(rec, source=f"live: {rec.gcc_version}; {rec.gccgo_version}; "
                                           f"SIGSTKSZ {rec.sigstksz}")


def to_json(rec: SplitRecording) -> str:
    """The recording as JSON text (its source is decided when loading)."""
    data = dataclasses.asdict(rec)
    data.pop("source")
    return json.dumps(data, separators=(",", ":")) + "\n"


def _tuples(x):
    return tuple(_tuples(v) for v in x) if isinstance(x, list) else x


def from_json(text: str, source: str = "recorded") -> SplitRecording:
    """A SplitRecording from `to_json` text."""
    d = json.loads(text)
    probes = tuple(SplitProbe(**{k: _tuples(v) for k, v in p.items()}) for p in d["probes"])
    hot = tuple(HotProbe(**{k: _tuples(v) for k, v in h.items()}) for h in d["hot"])
    return SplitRecording(d["gcc_version"], d["gccgo_version"], d["machine"], d["sigstksz"],
                          tuple(d["names"]), probes, hot,
                          f"{source}: {d['gcc_version']}; {d['gccgo_version']}; "
                          f"SIGSTKSZ {d['sigstksz']}")


def save(rec: SplitRecording, path: Path | str = SPLIT_PATH) -> Path:
    """Write the recording as JSON; returns the path."""
    path = Path(path)
    path.write_text(to_json(rec))
    return path


def load(path: Path | str = SPLIT_PATH) -> SplitRecording:
    """The shipped (or a saved) recording."""
    return from_json(Path(path).read_text())


def splitstack(prefer: str = "auto") -> SplitRecording:
    """Live probes when gcc and gccgo are found (prefer "auto" or "live"), else the recording."""
    from .prefer import check_prefer, live_or_recorded

    if check_prefer(prefer) == "auto" and not have_tools():  # gcc/gccgo, not Go: checked first
        return load()
    return live_or_recorded(prefer, record, load, missing=())[0]


def main(argv: list[str] | None = None) -> int:
    """Regenerate the shipped recording: `python -m gostack_kit.realgo.splitstack_record [path]`."""
    args = sys.argv[1:] if argv is None else argv
    rec = record()
    path = save(rec, args[0] if args else SPLIT_PATH)
    print(f"recorded {rec.source} -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
