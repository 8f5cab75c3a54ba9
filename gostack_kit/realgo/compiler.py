"""Real Go measurements behind notebook 06: where a real stack moves, and what `make` allocates.

Two small programs run on the real toolchain (live, or from data/compiler_real.json):

  * the walk probe: `walk` recurses 1,000 levels on a fresh goroutine and writes the address
    of one of its locals into a global table at every level. Consecutive levels sit exactly
    one frame + 8 apart, except where the stack was copied in between:

        level:     1000    999    998 | 997    996          (addresses, high to low)
        address:   hi-48  hi-216 hi-384 | new stack ...
                              step 168 ─┘└─ a jump: newstack moved the stack here

    built twice (default, and -gcflags=-l) it shows where inlining moves the growths;
  * the make probe: `make([]byte, n)` in a noinline function under testing.AllocsPerRun,
    for n around the 32-byte stack buffer (base.Debug.VariableMakeThreshold).

`predicted_moves` runs the same call structure through ContiguousStack with the frames the
real compiler chose (read back from -S, never assumed) and the bytes a fresh goroutine has
in use when its function starts (ENTRY_USED), so the notebook can put the real depths and
the model's in one table. Invariant: a probe whose addresses do not step by a constant
outside the jumps raises instead of returning depths. The alternative rejected: reading
the stack bounds from g with assembly (realgo.probes does that for notebook 05); a local's
address needs no assembly, and the moves are all this notebook asks about.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from ..compiler.calls import call_trace
from ..compiler.examples import EXAMPLES, walk_program
from ..compiler.passes import Compiler
from ..compiler.program import Program
from ..core.validate import integer
from ..stacks.copying import ContiguousStack
from .asm import FuncFrame as RealFrame
from .asm import frames_by_name, parse_asm
from .recordings import DATA

__all__ = ["DATA_PATH", "ENTRY_USED", "MAKE_SIZES", "MoveProbe", "RealCompile", "decision_lines",
           "real_compiles", "make_allocs", "make_allocs_real", "move_probes", "moves",
           "moves_with_predictions",
           "predicted_moves", "record", "recorded_make_allocs", "recorded_moves",
           "walk_probe_source"]

# The recording shipped with the package, for machines without Go (`record` rewrites it).
DATA_PATH = DATA / "compiler_real.json"
#: make([]byte, n) sizes around base.Debug.VariableMakeThreshold (32 bytes, base/flag.go).
MAKE_SIZES = (1, 16, 32, 33, 64, 1024)


# hi - SP when a new goroutine's function starts: newproc1 leaves 4 words free at the top
# (totalSize = 4*PtrSize + MinFrameSize, runtime/proc.go), then gostartcallfn
# (runtime/stack.go) -> gostartcall (runtime/sys_x86.go) pushes goexit's PC as the return
# address: 32 + 8.
ENTRY_USED = 40

# make([]byte, n) with n from a slice, so the compiler cannot know it: the hybrid of
# escape/utils.go (32-byte stack array, else makeslice) is what gets measured.
MAKE_PROBE = """package main

import "testing"

var sink byte

//go:noinline
func fill(n int) {
	s := make([]byte, n)
	s[0] = 1
	sink += s[n-1]
}

func main() {
	for _, n := range []int{%s} {
		println(n, int(testing.AllocsPerRun(100, func() { fill(n) })))
	}
}
"""


def walk_probe_source(buf: int = 128, depth: int = 1000) -> str:
    """walk_program's Go source, run on a fresh goroutine, printing where its stack moved."""
    buf = integer("buf", buf, 1, 64 << 10)
    depth = integer("depth", depth, 2, 1000)
    return f"""package main

import "unsafe"

const depth = {depth}

var addrs [depth + 1]uintptr

//go:noinline
func use(p *byte) {{ *p++ }}

func scratch() {{
	var buf [{buf}]byte
	use(&buf[0])
}}

func walk(n int) {{
	var mark byte
	addrs[n] = uintptr(unsafe.Pointer(&mark))
	if n == 0 {{
		return
	}}
	scratch()
	walk(n - 1)
}}

func main() {{
	done := make(chan bool)
	go func() {{
		walk(depth)
		done <- true
	}}()
	<-done
	step := addrs[depth] - addrs[depth-1]
	println("step", step)
	for n := depth; n > 0; n-- {{
		if addrs[n]-addrs[n-1] != step {{
			println("moved", depth-n+2)
		}}
	}}
}}
"""


@dataclass(frozen=True)
class MoveProbe:
    """One build of the walk probe: the frames Go chose and the call depths where it moved."""

    inlining: bool
    frames: tuple[tuple[str, int], ...]  # (toy function name, -S frame): main = the goroutine
    step: int  # bytes between two levels of walk (walk's frame + 8, plus scratch's when inlined)
    moved_at: tuple[int, ...]  # call depths (the goroutine's function is depth 0)


def _parse_moves(inlining: bool, asm: str, output: str) -> MoveProbe:
    found = frames_by_name(parse_asm(asm))
    names = {"main": "main.main.func1", "walk": "main.walk", "scratch": "main.scratch"}
    frames = tuple((toy, found[real].frame) for toy, real in names.items() if real in found)
    step, moved = None, []
    for line in output.splitlines():
        word, _, value = line.partition(" ")
        if word == "step":
            step = int(value)
        elif word == "moved":
            moved.append(int(value))
    walk = dict(frames)["walk"]
    if step != walk + 8:
        raise RuntimeError(f"walk probe: levels are {step} bytes apart, but walk is ${walk}")
    return MoveProbe(inlining, frames, step, tuple(sorted(moved)))


def move_probes(buf: int = 128, depth: int = 1000) -> tuple[MoveProbe, ...]:
    """Build and run the walk probe live, inlined and with -l."""
    from .toolchain import built

    out = []
    for inlining in (True, False):
        with built(walk_probe_source(buf, depth), gcflags="-S" + ("" if inlining else " -l")
                   ) as prog:
            if prog.compile_error:
                raise RuntimeError(f"walk probe did not build: {prog.compile_error}")
            res = prog.run(timeout=60)
        if res.returncode != 0:
            raise RuntimeError(f"walk probe failed: {res.stderr}")
        out.append(_parse_moves(inlining, prog.compiler_output, res.stderr + res.stdout))
    return tuple(out)


def predicted_moves(probe: MoveProbe, buf: int = 128, depth: int = 1000):
    """The ContiguousStack run (Go 1.27) of walk_program with the probe's real frames."""
    build = Compiler(inlining=probe.inlining).compile(walk_program(buf, depth))
    trace = call_trace(build, dict(probe.frames), entry_used=ENTRY_USED)
    return ContiguousStack(version="1.27").run(trace)


def make_allocs_real(sizes=MAKE_SIZES) -> tuple[tuple[int, int], ...]:
    """(n, heap allocations per call) of make([]byte, n) with n unknown at compile time, live."""
    from .toolchain import build_and_run

    res = build_and_run(MAKE_PROBE % ", ".join(str(integer("size", n, 1, 1 << 20))
                                               for n in sizes), timeout=60)
    if not res.ok:
        raise RuntimeError(f"make probe failed: {res.compile_error or res.stderr}")
    rows = [line.split() for line in (res.stderr + res.stdout).splitlines() if line.strip()]
    return tuple((int(n), int(a)) for n, a in rows)


def record(path: Path | str = DATA_PATH) -> Path:
    """Compile every example and run both probes live; save it all to `path`."""
    from .toolchain import find_go

    tc = find_go()
    data = {"go_version": tc.version, "platform": tc.platform,
            "programs": {name: asdict(_compile_live(name, make()))
                         for name, make in EXAMPLES.items()},
            "make_allocs": make_allocs_real(),
            "moves": [asdict(p) for p in move_probes()]}
    path = Path(path)
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path


def _recorded(path: Path | str = DATA_PATH) -> tuple[dict, str]:
    data = json.loads(Path(path).read_text())
    return data, f"recorded: {data['go_version']} {data['platform']}"


def recorded_make_allocs(path: Path | str = DATA_PATH) -> tuple[tuple[int, int], ...]:
    """The recorded (n, allocations per call) of the make probe."""
    return tuple(tuple(r) for r in _recorded(path)[0]["make_allocs"])


def recorded_moves(path: Path | str = DATA_PATH) -> tuple[MoveProbe, ...]:
    """The recorded walk probes (inlined, then -l)."""
    return tuple(MoveProbe(p["inlining"], tuple(map(tuple, p["frames"])), p["step"],
                           tuple(p["moved_at"])) for p in _recorded(path)[0]["moves"])


def _live_or_recorded(prefer: str, live, recorded):
    from .prefer import live_or_recorded
    from .toolchain import find_go

    def run_live():
        tc = find_go()
        return f"live: {tc.version} {tc.platform}", live()

    (source, value), note = live_or_recorded(prefer, run_live,
                                             lambda: (_recorded()[1], recorded()))
    return source + note, value


def make_allocs(prefer: str = "auto") -> tuple[str, tuple[tuple[int, int], ...]]:
    """(source, rows) of the make probe: live when Go is found (or prefer="live"), else recorded."""
    return _live_or_recorded(prefer, make_allocs_real, recorded_make_allocs)


def moves(prefer: str = "recorded") -> tuple[str, tuple[MoveProbe, ...]]:
    """(source, probes) of the walk probe: recorded by default, live with "auto" or "live"."""
    return _live_or_recorded(prefer, move_probes, recorded_moves)


def moves_with_predictions(prefer: str = "recorded") -> tuple[str, tuple]:
    """(source, ((probe, predicted StackRun), ...)): each real build beside the model's run."""
    source, probes = moves(prefer)
    return source, tuple((p, predicted_moves(p)) for p in probes)




# --- the real compiler on the toy examples, live or recorded ----------------------------------

@dataclass(frozen=True)
class RealCompile:
    """What Go printed for one program: -m -m decisions and -S frames, default and with -l."""

    name: str
    decisions: tuple[tuple[int, str], ...]  # (line, message) per -m decision, inlining on
    decisions_noinline: tuple[tuple[int, str], ...]  # the same with -l
    frames: tuple[RealFrame, ...]  # main.* functions, inlining on
    frames_noinline: tuple[RealFrame, ...]
    source: str  # "live: go1.27.3 linux/amd64" or "recorded: ..."

    def frame(self, name: str, inlining: bool = True) -> RealFrame | None:
        """The real frame of main.`name` (None when the compiler emitted no such function)."""
        for f in self.frames if inlining else self.frames_noinline:
            if f.name == f"main.{name}":
                return f
        return None


_DECISION = re.compile(r"^(?:\./)?main\.go:(\d+):\d+: (.*)$")


def decision_lines(output: str) -> tuple[tuple[int, str], ...]:
    """(line, message) of every -m decision in compiler output (explanations left out)."""
    out = []
    for line in output.splitlines():
        m = _DECISION.match(line)
        if not m or m.group(2).startswith(" ") or m.group(2).endswith(":"):
            continue
        out.append((int(m.group(1)), re.sub(r"^(can inline \S+ with cost \d+) as: .*$", r"\1",
                                            m.group(2))))
    return tuple(out)


def _compile_live(name: str, program: Program) -> RealCompile:
    from .toolchain import build_and_run, find_go

    tc = find_go()
    parts = []
    for flags in ("-m -m -S", "-m -m -S -l"):
        res = build_and_run(program.go_source, gcflags=flags, run=False)
        if res.compile_error:
            raise RuntimeError(f"{name} did not build: {res.compile_error}")
        text = res.compiler_output
        parts.append((decision_lines(text),
                      tuple(f for f in parse_asm(text) if f.name.startswith("main."))))
    (d, f), (dl, fl) = parts
    return RealCompile(name, d, dl, f, fl, f"live: {tc.version} {tc.platform}")


def _frames(rows) -> tuple[RealFrame, ...]:
    return tuple(RealFrame(**{**r, "flags": tuple(r["flags"])}) for r in rows)


def real_compiles(prefer: str = "recorded", path: Path | str = DATA_PATH) -> dict:
    """name -> RealCompile for every example: "recorded" (default), "live" or "auto"."""
    from .prefer import live_or_recorded

    def recorded() -> dict:
        return _load_compiles(path)

    return live_or_recorded(prefer, lambda: {name: _compile_live(name, make())
                                             for name, make in EXAMPLES.items()}, recorded)[0]


def _load_compiles(path: Path | str) -> dict:
    """name -> RealCompile from the recording at `path`."""
    data = json.loads(Path(path).read_text())
    where = f"recorded: {data['go_version']} {data['platform']}"
    return {name: RealCompile(name, tuple(map(tuple, p["decisions"])),
                              tuple(map(tuple, p["decisions_noinline"])),
                              _frames(p["frames"]), _frames(p["frames_noinline"]), where)
            for name, p in data["programs"].items()}


if __name__ == "__main__":  # python -m gostack_kit.realgo.compiler: refresh the recording
    print(f"wrote {record()}")
