"""The hot split measured for real: ns per loop iteration at each caller depth.

    pad(0) -> pad(1) -> ... -> pad(hi)         then, on the way back up, at each depth d:
                                                 h() once (did it run on another segment?)
                                                 for n iterations: h()   (timed, best of reps)

A caller at depth d calls h in a loop. Where h's frame does not fit what is left of the
caller's segment, every iteration runs __morestack: the hot split. The probe runs in a C
thread with libgcc's signal masking (its default), in a C thread with it turned off
(__splitstack_block_signals), and in a gccgo goroutine (which never masks). `cost_rows`
turns the runs into a cost model: ns per ordinary call, ns per split with its spread.

Invariant: split depths come from the segment pointers, not from the timings, so a noisy
machine changes the nanoseconds but never which depths are hot.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..core.trace import CallTrace
from ..stacks.segmented import SegmentedStack
from . import splitstack_source as src
from .splitstack import C_FLAGS, GO_FLAGS, INITIAL_LEN, _run, find_gcc, find_gccgo, frames_from_asm

__all__ = ["HotProbe", "CostRow", "hot_probe", "cost_rows", "model_hot_depths", "HOT"]

#: (toolchain, masked, h's local bytes, pad's local bytes, lo, hi): the three standard runs.
#: The C window holds the thread's first split and the next segment's; the gccgo window
#: sits at the end of the 4 MiB first segment (frames of 3000 bytes reach it near 1380).
HOT = (("gcc", True, 1000, 200, 20, 100), ("gcc", False, 1000, 200, 20, 100),
       ("gccgo", False, 1000, 3000, 1350, 1420))


@dataclass(frozen=True)
class HotProbe:
    """One hot-loop sweep: per depth, whether h split and the best ns per iteration."""

    toolchain: str  # "gcc" (a pthread) or "gccgo" (a goroutine)
    masked: bool  # libgcc blocks signals around each split
    h_frame: int  # %r10 of h
    pad_frame: int  # %r10 of pad (the callers)
    entry_used: int  # S - pad(0)'s entry SP (gcc; 0 for gccgo)
    init_sp_mod512: int  # S mod 512 (gcc)
    call_ns: float  # a loop of calls to a tiny function, ns per call
    rows: tuple[tuple[int, bool, float], ...]  # (depth, h split, ns per iteration)

    @property
    def hot_depths(self) -> tuple[int, ...]:
        """The depths whose loop split on every iteration."""
        return tuple(d for d, s, _ in self.rows if s)


def hot_probe(toolchain: str, masked: bool, h_buf: int, pad_buf: int, lo: int, hi: int,
              n: int = 100_000, reps: int = 3) -> HotProbe:
    """Build and run one hot-loop sweep (depths lo..hi, n timed calls a depth, best of reps)."""
    with tempfile.TemporaryDirectory(prefix="gostack-hot-") as tmp:
        d, gcc = Path(tmp), find_gcc()
        if toolchain == "gcc":
            (d / "hot.c").write_text(src.C_HOT)
            _run([gcc, *C_FLAGS, f"-DHFRAME={h_buf}", f"-DPFRAME={pad_buf}", "-S", "hot.c",
                  "-o", "hot.s"], d)
            _run([gcc, "-fsplit-stack", "-pthread", "hot.s", "-o", "hot"], d)
            frames = _named_frames((d / "hot.s").read_text(), "")
            out = json.loads(_run(["./hot", "thread", str(int(not masked)), str(lo), str(hi),
                                   str(n), str(reps)], d))
            S = out["limit0"] + INITIAL_LEN
            used, mod = S - out["entry0"], S % 512
        else:
            go = src.GO_HOT.replace("HFRAME", str(h_buf)).replace("PFRAME", str(pad_buf))
            (d / "hot.go").write_text(go)
            (d / "seg.c").write_text(src.GO_SEG)
            _run([gcc, "-O1", "-fsplit-stack", "-c", "seg.c"], d)
            _run([find_gccgo(), *GO_FLAGS, "-S", "hot.go", "-o", "hot.s"], d)
            _run([find_gccgo(), "hot.s", "seg.o", "-o", "hot"], d)
            frames = _named_frames((d / "hot.s").read_text(), "main.")
            out = json.loads(_run(["./hot", str(lo), str(hi), str(n), str(reps)], d))
            used, mod = 0, 0
    rows = tuple((int(r[0]), bool(r[1]), float(r[2])) for r in out["rows"])
    return HotProbe(toolchain, masked, frames["h"], frames["pad"], used, mod,
                    float(out["call_ns"]), rows)


def _named_frames(asm: str, prefix: str) -> dict[str, int]:
    """{"h": %r10, "pad": %r10} from an assembly listing."""
    out = {}
    for name in ("h", "pad"):
        text = asm.replace(f"{prefix}{name}:", f"{prefix}f0:")
        only = text[text.index(f"{prefix}f0:"):]
        out[name] = frames_from_asm(only, prefix)[0]
    return out


def model_hot_depths(p: HotProbe, sigstksz: int) -> tuple[int, ...]:
    """The depths SegmentedStack(version="gcc") says split, for the probe's own call pattern."""
    lo, hi = p.rows[0][0], p.rows[-1][0]
    steps: list[tuple] = []
    marks = []  # (step of the h call, depth), second pass only (it overwrites the first)
    for sweep in range(2):
        steps += [("call", p.pad_frame)] * (hi + 1)
        for d in range(hi, -1, -1):
            if d >= lo:
                if sweep:
                    marks.append((len(steps), d))
                steps += [("call", p.h_frame), ("ret",)]
            steps.append(("ret",))
    run = SegmentedStack(version="gcc", sigstksz=sigstksz, init_sp_mod512=p.init_sp_mod512).run(
        CallTrace.from_steps(steps, entry_used=p.entry_used))
    split_steps = {e.step for e in run.split_events}
    return tuple(sorted(d for step, d in marks if step in split_steps))


@dataclass(frozen=True)
class CostRow:
    """Costs calibrated from one hot-loop sweep (ns)."""

    name: str
    call_ns: float  # one ordinary call (a loop of calls to a tiny function)
    iteration_ns: float  # median loop iteration at depths that do not split
    split_ns: float  # median extra cost of an iteration that splits
    split_min: float  # the spread of that extra cost over the hot depths
    split_max: float
    hot: int  # how many depths split


def cost_rows(probes) -> tuple[CostRow, ...]:
    """One CostRow per hot probe, plus C's signal masking (masked minus unmasked split)."""
    rows = []
    for p in probes:
        base = statistics.median(t for _, s, t in p.rows if not s)
        extra = [t - base for _, s, t in p.rows if s]
        name = f"{p.toolchain} ({'signals masked' if p.masked else 'no signal mask'})"
        rows.append(CostRow(name, p.call_ns, base, statistics.median(extra), min(extra),
                            max(extra), len(extra)))
    by = {r.name: r for r in rows}
    masked, plain = by.get("gcc (signals masked)"), by.get("gcc (no signal mask)")
    if masked and plain:
        rows.append(CostRow("gcc: the signal mask alone", 0.0, 0.0,
                            masked.split_ns - plain.split_ns, masked.split_min - plain.split_max,
                            masked.split_max - plain.split_min, masked.hot))
    return tuple(rows)


def run_all(n: int = 100_000, reps: int = 3, runs: int = 3) -> tuple[HotProbe, ...]:
    """The three standard sweeps of HOT, each the per-depth median of `runs` runs."""
    out = []
    for h in HOT:
        got = [hot_probe(*h, n=n, reps=reps) for _ in range(runs)]
        if len({g.hot_depths for g in got}) != 1:
            raise RuntimeError(f"hot depths differ between runs of {h}")
        rows = tuple((d, s, statistics.median(g.rows[i][2] for g in got))
                     for i, (d, s, _) in enumerate(got[0].rows))
        out.append(dataclasses.replace(got[0], rows=rows,
                                       call_ns=statistics.median(g.call_ns for g in got)))
    return tuple(out)
