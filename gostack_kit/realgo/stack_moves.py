"""The real stack moving: a local's address, watched at every depth, against the model.

A goroutine's `start` keeps a local `x` and recurses with a pointer to it. Every level
writes that pointer, as an integer, into a table. The pointer lives in the stack, so when
newstack copies the stack (runtime/stack.go copystack -> adjustpointers) it is moved by
new.hi - old.hi; the integer copies in the table are in the heap and keep the old value:

    depth:      10            11            12
    &x:    0xc000046fd8  0xc000046fd8  0xc00008dfd8     <- moved between 11 and 12:
                                                           rec(12)'s prologue grew the stack

The depths where the address changes are the depths of the growths. The model needs only
the frame (read back from `-S`) and the bytes in use when rec(0) starts (read with the
probe assembly of realgo.probe_source), and predicts those depths before the run.

Invariants: the GC is off during a run, so nothing shrinks; the measured SP step is checked
against the frame (frame + 8 per level); a probe that breaks either raises. Live runs need
the toolchain; `load()` gives the shipped recording (data/stack_moves.json) so a notebook
stays deterministic. The alternative rejected: reading the stack bounds (what realgo's
growth probe does), which shows sizes but not that a real pointer was rewritten.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..core.trace import CallTrace
from ..core.validate import integer
from ..stacks.copying import ContiguousStack
from .recordings import DATA

__all__ = ["MoveRun", "MoveRow", "source", "measure", "load", "save", "moves", "compare",
           "agreement", "DATA_PATH", "FRAMES"]

DATA_PATH = DATA / "stack_moves.json"
#: Frames measured: a small-prologue frame and a LEAQ-prologue one (realgo/asm.py classes).
FRAMES = (88, 1016)
#: Bytes of frames each run recurses through: enough for six or seven doublings from 2 KB.
DEPTH_BYTES = 200_000

_GO = """package main

import (
	"encoding/json"
	"os"
	"runtime/debug"
	"unsafe"
)

var glo, ghi, gsp, gptr uintptr

func bounds()
func storeg()

var addrs, used []uintptr
var depthMax int
var sinkb byte

// rec records where root points (root is &x in start's frame) and hi - SP of its frame.
//
//go:noinline
func rec(d int, root *int) {
	var buf [%(k)d]byte
	bounds()
	addrs[d], used[d] = uintptr(unsafe.Pointer(root)), ghi-gsp
	buf[uint(d)%%%(k)d] = byte(d)
	if d < depthMax {
		rec(d+1, root)
	}
	sinkb ^= buf[uint(d+1)%%%(k)d]
}

// start owns x; its CALL to rec pushes 8 bytes, so rec(0) starts with hi - SP + 8 in use.
//
//go:noinline
func start() (entry uintptr) {
	var x int
	bounds()
	entry = ghi - gsp + 8
	rec(0, &x)
	return entry + uintptr(x)
}

func main() {
	debug.SetGCPercent(-1)
	depthMax = %(depth)d
	addrs, used = make([]uintptr, depthMax+1), make([]uintptr, depthMax+1)
	done := make(chan uintptr)
	go func() { done <- start() }()
	entry := <-done
	json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
		"entry_used": entry, "addrs": addrs, "used": used})
}
"""


@dataclass(frozen=True)
class MoveRun:
    """One recursion on a real goroutine: where the address of a local changed."""

    frame: int  # rec's frame as -S prints it
    depth: int  # deepest call
    entry_used: int  # hi - SP at rec(0)'s entry
    moved_at: tuple[int, ...]  # depths d where &x differs from depth d - 1
    source: str = "live"  # "live: <go version> <platform>" or "recorded: ..."


@dataclass(frozen=True)
class MoveRow:
    """One growth: the depth the model predicts beside the depth the address changed."""

    frame: int
    growth: int  # 1 for the first growth
    old_size: int
    new_size: int
    predicted: int | None  # depth of the model's growth (None: the model has fewer)
    measured: int | None  # depth where &x changed (None: the real run has fewer)

    @property
    def agrees(self) -> bool:
        """True when prediction and measurement name the same depth."""
        return self.predicted is not None and self.predicted == self.measured


def _source(k: int, depth: int) -> str:
    return _GO % {"k": k, "depth": depth}


def measure(frame: int = 88, depth_bytes: int = DEPTH_BYTES) -> MoveRun:
    """Build and run the probe on the live toolchain for one frame size (GoNotFoundError without Go)."""
    from .asm import frames_by_name, parse_asm
    from .probe_source import ASM
    from .toolchain import built, find_go

    frame = integer("frame", frame, 40, 65536)
    tc = find_go()
    depth = depth_bytes // (frame + 8)
    k = frame - 40  # first guess at the array size; corrected from -S below
    for _ in range(4):
        with built(_source(k, depth), gcflags="-S", asm=ASM) as prog:
            if prog.compile_error:
                raise RuntimeError(f"stack-move probe did not build: {prog.compile_error}")
            got = frames_by_name(parse_asm(prog.compiler_output))["rec"].frame
            if got == frame:
                res = prog.run(timeout=60)
                break
        k += frame - got
    else:
        raise RuntimeError(f"could not build rec with a {frame}-byte frame (last: {got})")
    if not res.ok:
        raise RuntimeError(f"stack-move probe failed: {res.stderr}")
    out = json.loads(res.stdout)
    addrs, used, entry = out["addrs"], out["used"], int(out["entry_used"])
    if used[0] - entry != frame or any(b - a != frame + 8 for a, b in zip(used, used[1:])):
        raise RuntimeError(f"frame {frame}: SP did not step by frame + 8 at every level")
    moved = tuple(d for d in range(1, len(addrs)) if addrs[d] != addrs[d - 1])
    return MoveRun(frame, depth, entry, moved, f"live: {tc.version} {tc.platform}")


def record(frames=FRAMES) -> tuple[MoveRun, ...]:
    """A live run for every frame in `frames`."""
    return tuple(measure(f) for f in frames)


def save(runs: tuple[MoveRun, ...], path: Path | str = DATA_PATH) -> Path:
    """Write runs as JSON; the source line is kept (it names the toolchain)."""
    path = Path(path)
    path.write_text(json.dumps([asdict(r) for r in runs], indent=1) + "\n")
    return path


def load(path: Path | str = DATA_PATH) -> tuple[MoveRun, ...]:
    """The shipped recording, each run's source rewritten as "recorded: <toolchain>"."""
    rows = json.loads(Path(path).read_text())
    return tuple(MoveRun(**{**r, "moved_at": tuple(r["moved_at"]),
                            "source": "recorded: " + r["source"].split(": ", 1)[-1]})
                 for r in rows)


def moves(prefer: str = "auto") -> tuple[MoveRun, ...]:
    """Live runs when a toolchain is found (prefer "auto"/"live"), else the recording."""
    from .prefer import live_or_recorded

    runs, note = live_or_recorded(prefer, record, load)
    return tuple(MoveRun(**{**asdict(r), "source": r.source + note}) for r in runs) if note else runs


def source(runs: tuple[MoveRun, ...]) -> str:
    """Where the runs came from (one line)."""
    return "; ".join(sorted({r.source for r in runs}))


def compare(run: MoveRun, version: str = "1.27") -> tuple[MoveRow, ...]:
    """The model's growths for this run's frame, depth and entry, paired with the measured moves."""
    trace = CallTrace.recursion(frame=run.frame, depth=run.depth, entry_used=run.entry_used)
    growths = list(ContiguousStack(version).run(trace).growths)
    rows = []
    for i in range(max(len(growths), len(run.moved_at))):
        g = growths[i] if i < len(growths) else None
        rows.append(MoveRow(run.frame, i + 1, g.old_size if g else 0, g.new_size if g else 0,
                            g.depth if g else None,
                            run.moved_at[i] if i < len(run.moved_at) else None))
    return tuple(rows)


def agreement(runs: tuple[MoveRun, ...], version: str = "1.27") -> str:
    """One line: how many real moves happened at the predicted depth, and where from."""
    rows = [r for run in runs for r in compare(run, version)]
    good = sum(r.agrees for r in rows)
    verdict = "agrees with the model" if good == len(rows) else "DISAGREES with the model"
    return f"{source(runs)}: {good} of {len(rows)} moves at the predicted depth: {verdict}"


if __name__ == "__main__":  # regenerate the recording: python -m gostack_kit.realgo.stack_moves
    print(f"wrote {save(record())}")
