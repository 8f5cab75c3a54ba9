"""Split stacks measured for real: gcc -fsplit-stack (libgcc) and gccgo, beside the model.

    plans ──> splitstack_source ──> gcc/gccgo -S ──> frames (%r10 of each function)
                                        │
                                        └──> link ──> run ──> every depth: position, segment
                                                               └──> SplitProbe ──> JSON

A probe runs "plans" (lists of function indices, one per depth; several plans are several
descents from the same caller) and records where every level's frame is and which segment
it is on, so each segment switch is seen exactly. `model_run` replays the same plans as a
CallTrace through SegmentedStack(version="gcc" | "gccgo") with the probe's measured inputs
(entry_used, S mod 512, the thread's stack below S, SIGSTKSZ); the tests compare the two.

Invariants: a probe's inputs to the model (frames, entry_used, init_sp_mod512,
thread_stack) are read from the compiler's output and the running program, never from the
model; its outputs (switch depths, new sizes, the death on a guard page) are what the
model must reproduce. Runs that compare death depths bind symbols at load (LD_BIND_NOW=1),
because a first, lazily bound split also runs the dynamic linker's resolver on the old stack.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..core.trace import CallTrace
from ..stacks.segmented import SegmentedStack
from . import splitstack_source as src

__all__ = ["SplitProbe", "find_gcc", "find_gccgo", "c_probe", "go_probe", "model_run",
           "model_switches", "frames_from_asm", "BUF_SIZES", "C_FLAGS"]

#: Local array sizes of the probe functions f0..f7: frames below and above the 256-byte
#: fast path, around a page, and one (20000) larger than a minimum segment.
BUF_SIZES = (16, 100, 240, 400, 1500, 3000, 7000, 20000)
#: Flags that keep one frame per call: no inlining, no tail calls, frame pointers.
C_FLAGS = ("-O1", "-fsplit-stack", "-fno-omit-frame-pointer", "-fno-inline",
           "-fno-optimize-sibling-calls", "-pthread")
GO_FLAGS = ("-O1", "-fno-inline", "-fno-omit-frame-pointer")
HEADER = 56  # sizeof(struct stack_segment) (libgcc/generic-morestack.c): base to first byte
INITIAL_LEN = 16000  # the first limit sits this far below S (morestack.S __stack_split_initialize)


@dataclass(frozen=True)
class SplitProbe:
    """One run of a probe: its inputs, every level's position and segment, how it ended."""

    toolchain: str  # "gcc" or "gccgo"
    where: str  # "main", "thread" or "goroutine"
    stack_size: int  # pthread_attr_setstacksize (0: the default)
    bind_now: bool  # LD_BIND_NOW=1
    frames: tuple[int, ...]  # %r10 of f0..f7, read from the compiler's -S output
    plans: tuple[tuple[int, ...], ...]  # function index at each depth, one tuple per descent
    entry_used: int  # region top (S, or the first segment's top) - depth 0's entry SP
    init_sp_mod512: int  # S mod 512 (gcc); 0 for gccgo
    thread_stack: int  # bytes from S down to the guard page (gcc threads); 0 if not measured
    sigstksz: int  # sysconf(_SC_SIGSTKSZ) of the machine
    signal: int  # the signal that ended the run (11: SIGSEGV), 0 if it finished
    levels: tuple[tuple[int, int, int, int, int], ...]  # (descent, depth, fn, segment, offset)
    switches: tuple[tuple[int, int, int], ...]  # (descent, depth, new segment's bytes)
    reach: int  # bytes below a splitting entry SP touched on the thread stack (0: unknown)


def find_gcc() -> str | None:
    """The gcc binary (gcc, or Debian's gcc-12 that gccgo-12 brings), or None."""
    return shutil.which("gcc") or shutil.which("gcc-12")


def find_gccgo() -> str | None:
    """The gccgo binary (Debian's gccgo-12, or gccgo), or None."""
    return shutil.which("gccgo-12") or shutil.which("gccgo")


def version_of(binary: str) -> str:
    """The first line of `binary --version`."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
    return out.stdout.splitlines()[0].strip() if out.stdout else ""


def frames_from_asm(text: str, prefix: str = "") -> dict[int, int]:
    """{k: %r10} for each function `<prefix>f<k>` of an assembly listing (its first movl to %r10d)."""
    frames, cur = {}, None
    label = re.compile(rf"^{re.escape(prefix)}f(\d+):")
    for line in text.splitlines():
        m = label.match(line)
        if m:
            cur = int(m.group(1))
            continue
        m = re.search(r"movl\s+\$(\d+),\s*%r10d", line)
        if m and cur is not None and cur not in frames:
            frames[cur] = int(m.group(1))
            cur = None
    return frames


def _run(cmd, cwd, env=None, timeout=300):
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                         env={**os.environ, **(env or {})})
    if out.returncode != 0 and not out.stdout:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed: {out.stderr[-2000:]}")
    return out.stdout


class _Built:
    """A probe program compiled in a temporary directory, with its functions' frames."""

    def __init__(self, toolchain: str):
        self.toolchain = toolchain
        self.dir = tempfile.TemporaryDirectory(prefix="gostack-split-")
        d = Path(self.dir.name)
        gcc = find_gcc()
        if gcc is None:
            raise RuntimeError("no gcc found")
        if toolchain == "gcc":
            body = "\n".join(f"BODY({k}, {n})" for k, n in enumerate(BUF_SIZES))
            table = ", ".join(f"f{k}" for k in range(len(BUF_SIZES)))
            (d / "probe.c").write_text(src.C_PROBE.replace("FUNCS", body).replace("TABLE", table))
            _run([gcc, *C_FLAGS, "-S", "probe.c", "-o", "probe.s"], d)
            _run([gcc, "-fsplit-stack", "-pthread", "probe.s", "-o", "probe"], d)
            self.frames = frames_from_asm((d / "probe.s").read_text())
        else:
            gccgo = find_gccgo()
            if gccgo is None:
                raise RuntimeError("no gccgo found")
            funcs = "".join(src.GO_PROBE_FUNC.format(k=k, n=n, last=n - 1)
                            for k, n in enumerate(BUF_SIZES))
            names = ", ".join(f"f{k}" for k in range(len(BUF_SIZES)))
            (d / "probe.go").write_text(src.GO_PROBE_HEAD + funcs + src.GO_PROBE_MAIN.format(names=names))
            (d / "helper.c").write_text(src.GO_HELPER)
            _run([gcc, "-O1", "-fsplit-stack", "-fno-omit-frame-pointer", "-c", "helper.c"], d)
            _run([gccgo, *GO_FLAGS, "-S", "probe.go", "-o", "probe.s"], d)
            _run([gccgo, "probe.s", "helper.o", "-o", "probe"], d)
            self.frames = frames_from_asm((d / "probe.s").read_text(), "main.")
        self.binary = str(d / "probe")

    def close(self):
        self.dir.cleanup()


def _regions(rows):
    """Map each segment pointer to 1, 2, ... in order of first appearance (0: the thread's own)."""
    ids = {0: 0}
    for seg in rows:
        ids.setdefault(seg, len(ids))
    return ids


def c_probe(plans, where: str = "thread", stack_size: int = 0, bind_now: bool = True,
            built: _Built | None = None) -> SplitProbe:
    """Run `plans` in a gcc -fsplit-stack program (in main or a pthread) and record every level."""
    own = built is None
    built = built or _Built("gcc")
    try:
        env = {"LD_BIND_NOW": "1"} if bind_now else {}
        out = _run([built.binary, where, str(stack_size), "0",
                    *(",".join(map(str, p)) for p in plans)], built.dir.name, env)
        d = json.loads(out)
    finally:
        if own:
            built.close()
    S = d["limit0"] + INITIAL_LEN
    recs = d["records"]
    ids = _regions(r[4] for r in recs)
    levels, switches, last = [], [], None
    for desc, dep, fn, e, seg, _lim, size in recs:
        top = S if seg == 0 else seg + HEADER + size
        levels.append((desc, dep, fn, ids[seg], top - e))
        if dep > 0 and seg != last:
            switches.append((desc, dep, size + HEADER if seg else 0))
        last = seg
    reach = 0
    if d["lowest"]:
        for a, b in zip(recs, recs[1:]):
            if b[4] != a[4] and a[4] == 0:  # the first split off the thread stack
                reach = a[3] - built.frames[a[2]] - 8 - d["lowest"]
                break
    thread_stack = S - d["stack_lo"] if where == "thread" else 0
    return SplitProbe("gcc", where, stack_size, bind_now, _frame_tuple(built.frames),
                      tuple(tuple(p) for p in plans), S - recs[0][3], S % 512, thread_stack,
                      d["sigstksz"], d["signal"], tuple(levels), tuple(switches), reach)


def go_probe(plans, built: _Built | None = None) -> SplitProbe:
    """Run `plans` in a gccgo goroutine and record every level's buffer and segment."""
    own = built is None
    built = built or _Built("gccgo")
    try:
        d = json.loads(_run([built.binary, *(",".join(map(str, p)) for p in plans)],
                            built.dir.name))
    finally:
        if own:
            built.close()
    rows = d["records"]
    ids = _regions(r[6] for r in rows)
    levels, switches, last = [], [], None
    for desc, dep, fn, _fixed, buf, _fa, seg, size in rows:
        levels.append((desc, dep, fn, ids[seg] - 1, seg + HEADER + size - buf))
        if dep > 0 and seg != last:
            switches.append((desc, dep, size + HEADER))
        last = seg
    desc, dep, fn, fixed, buf, fa, seg, size = rows[0]
    if fixed:
        raise RuntimeError("the first record's helper split: its entry SP is unknown")
    # the helper's frame pointer is 16 below the caller's SP after its prologue:
    # entry SP = fa + 16 + frame (call pushes 8, push %rbp 8)
    entry = fa + 16 + built.frames[fn]
    return SplitProbe("gccgo", "goroutine", 0, False, _frame_tuple(built.frames),
                      tuple(tuple(p) for p in plans), seg + HEADER + size - entry, 0, 0,
                      d["sigstksz"], 0, tuple(levels),
                      tuple(switches), 0)


def _frame_tuple(frames: dict[int, int]) -> tuple[int, ...]:
    return tuple(frames[k] for k in range(len(BUF_SIZES)))


def probe_trace(p: SplitProbe) -> CallTrace:
    """The probe's plans as one CallTrace: each descent calls down its plan and returns."""
    steps = []
    for plan in p.plans:
        steps += [("call", p.frames[k]) for k in plan] + [("ret",)] * len(plan)
    return CallTrace.from_steps(steps, entry_used=p.entry_used)


def model_run(p: SplitProbe, morestack_reach: int = 304):
    """SegmentedStack(version=p.toolchain) on the probe's plans, with the probe's measured inputs."""
    if p.toolchain == "gccgo":
        seg = SegmentedStack(version="gccgo", sigstksz=p.sigstksz)
    else:
        seg = SegmentedStack(version="gcc", sigstksz=p.sigstksz, init_sp_mod512=p.init_sp_mod512,
                             thread_stack=p.thread_stack or None, morestack_reach=morestack_reach)
    return seg.run(probe_trace(p))


def model_switches(p: SplitProbe, run) -> tuple[tuple[int, int, int], ...]:
    """The model's split events as (descent, depth, new_size), comparable to p.switches."""
    where = []
    for j, plan in enumerate(p.plans):
        where += [j] * len(plan) + [-1] * len(plan)
    return tuple((where[e.step], e.depth, e.new_size) for e in run.split_events)


def real_death(p: SplitProbe) -> tuple[int, int] | None:
    """(descent, depth) of the call that died on the guard page, or None if the run finished."""
    if not p.signal:
        return None
    desc, dep = p.levels[-1][:2]
    return desc, dep + 1  # the dying call never reached its record
