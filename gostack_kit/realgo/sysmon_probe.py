"""Real sysmon, logged by the runtime itself: every look, and the scheduler's state at time zero.

`sched/sysmon.py` models sysmon's back-off from `runtime/proc.go`, and two of its numbers
(how long a sleep lasts, where the idle count stands when a workload starts) and one of
`sched/gmp.py`'s (main's schedtick at zero) can only be measured. This module measures them
the way the runtime would log them itself: `go build -overlay` over a temp-dir copy of the
toolchain's proc.go, with two calls added to sysmon's loop, plus one new runtime file that
keeps the log. The toolchain is never touched.

    proc.go sysmon:  usleep(delay)
                     gostackSysmonSlept(delay)        <- added: when the sleep ended
                     ... deep sleep if every P is idle ...
                     gostackSysmonLook(idle)          <- added: when the look starts
                     retake(now)
    zz_gostack_sysmon.go: the log, GostackMark (time zero: P0's schedtick, idle Ms, ...),
                          GostackLog (read back by main after the workload)

The program is `sched_trace.go_program(spec)` with GostackMark() just before its "zero"
trace.Log and the log printed to stderr at the end, so a probed run is the traced run.

Invariant: every look time is from the same nanotime() as the zero mark, so looks are in
ns since zero like the model's SysmonLook.t_ns. Rejected alternative: GODEBUG=schedtrace,
which prints every so many ms from sysmon itself, and so changes sysmon's own timing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import NamedTuple

from ..core.validate import integer
from .sched_suite import WORKLOADS, workload
from .sched_trace import ZERO_MESSAGE, go_program

__all__ = ["RealLook", "ZeroState", "ProbedRun", "overlay_for", "probe_program", "parse",
           "probe", "record", "save", "load", "recorded_runs", "probed_runs", "sleeps",
           "sleeps_by_delay", "DATA_PATH",
           "RECORDED"]

DATA_PATH = Path(__file__).with_name("data") / "sysmon_probe.json"
# what the recording holds: a hog keeps P0 busy, so sysmon never deep-sleeps after zero and its
# back-off runs to 10 ms; sleep-50 at GOMAXPROCS=2 for the idle Ms parked at zero
RECORDED = {"hog-60": 20, "sleep-50": 10, "order-300": 10}
WINDOW_NS = 70_000_000  # looks kept per run: zero to 70 ms covers hog-60 (60 ms) and its end
# a look that came this long after its usleep ended came out of a deep sleep (all Ps idle), not
# out of the usleep alone: the probe logs the two apart by well under 1 us otherwise
DEEP_SLEEP_GAP_NS = 50_000

_SLEPT = "\t\tusleep(delay)\n\n\t\t// sysmon should not enter deep sleep"
_LOOK = "\t\tlock(&sched.sysmonlock)\n\t\t// Update now in case we blocked on sysmonnote"
_RUNTIME_FILE = """package runtime

// Added by gostack-kit's sysmon probe (a build overlay; the toolchain is untouched).

var gostackLooks [16384][4]int64
var gostackNLooks int
var gostackSlept [2]int64
var gostackZero [9]int64

func gostackSysmonSlept(delay uint32) { gostackSlept = [2]int64{nanotime(), int64(delay)} }

func gostackSysmonLook(idle int) {
	if gostackNLooks < len(gostackLooks) {
		gostackLooks[gostackNLooks] = [4]int64{gostackSlept[0], nanotime(), gostackSlept[1], int64(idle)}
		gostackNLooks++
	}
}

// GostackMark records time zero and the scheduler's state at that moment.
func GostackMark() {
	z := &gostackZero
	z[0] = nanotime()
	pp := allp[0]
	z[1] = int64(pp.schedtick)
	z[2] = int64(sched.nmidle)
	z[3] = int64(sched.nmspinning.Load())
	z[4] = int64(sched.npidle.Load())
	z[5] = int64(mcount())
	z[6] = int64(pp.sysmontick.schedtick)
	z[7] = pp.sysmontick.schedwhen
	z[8] = -1
	if len(allp) > 1 {
		z[8] = int64(allp[1].schedtick)
	}
}

// GostackLog returns the looks so far and the zero mark.
func GostackLog() ([][4]int64, [9]int64) { return gostackLooks[:gostackNLooks], gostackZero }
"""
_DUMP = """	looks, z := runtime.GostackLog()
	println("zero", z[1], z[2], z[3], z[4], z[5], z[6], z[0]-z[7], z[8])
	for _, l := range looks {
		println("look", l[0]-z[0], l[1]-z[0], l[2], l[3])
	}
"""
_ZERO_RE = re.compile(r"^zero (-?\d+) (-?\d+) (-?\d+) (-?\d+) (-?\d+) (-?\d+) (-?\d+) (-?\d+)$")
_LOOK_RE = re.compile(r"^look (-?\d+) (-?\d+) (\d+) (-?\d+)$")


class RealLook(NamedTuple):
    """One real sysmon look: when its sleep ended, when it looked, that sleep's usleep, idle."""

    slept_ns: int  # ns since zero when usleep(delay_us) returned
    t_ns: int  # ns since zero when the look began (later than slept_ns after a deep sleep)
    delay_us: int  # the usleep argument of the sleep before this look
    idle: int  # sysmon's idle count when it looked (before retake's result updates it)


class ZeroState(NamedTuple):
    """The scheduler at the zero mark: P0's tick and sysmon's note of it, Ms and Ps."""

    schedtick: int  # allp[0].schedtick
    nmidle: int  # idle Ms parked in sched.midle
    nmspinning: int
    npidle: int  # idle Ps
    mcount: int  # Ms created so far, sysmon's among them
    sysmon_schedtick: int  # allp[0].sysmontick.schedtick: the tick sysmon last wrote down
    sysmon_age_ns: int  # zero - allp[0].sysmontick.schedwhen
    schedtick_p1: int  # allp[1].schedtick, -1 at GOMAXPROCS=1


class ProbedRun(NamedTuple):
    """One probed run of a workload: the state at zero and every look of sysmon's after it."""

    zero: ZeroState
    looks: tuple  # RealLook, in order, from the last look before zero to WINDOW_NS


def overlay_for(goroot: str) -> dict[str, str]:
    """{proc.go: with sysmon's two log calls, zz_gostack_sysmon.go: the log} under goroot."""
    src = Path(goroot, "src", "runtime", "proc.go")
    text = src.read_text()
    for anchor in (_SLEPT, _LOOK):
        if text.count(anchor) != 1:
            raise RuntimeError(f"{src}: sysmon's loop is not the one this probe knows")
    slept = _SLEPT.replace("usleep(delay)\n", "usleep(delay)\n\t\tgostackSysmonSlept(delay)\n")
    text = text.replace(_SLEPT, slept)
    text = text.replace(_LOOK, "\t\tgostackSysmonLook(idle)\n" + _LOOK)
    return {str(src): text, str(Path(src.parent, "zz_gostack_sysmon.go")): _RUNTIME_FILE}


def probe_program(spec: dict) -> str:
    """sched_trace's Go program for spec, with the zero mark and the log printed at the end."""
    src = go_program(spec)
    mark = f'\ttrace.Log(context.Background(), "gostack", "{ZERO_MESSAGE}")\n'
    stop = "\ttrace.Stop()\n"
    if src.count(mark) != 1 or src.count(stop) != 1:
        raise RuntimeError("sched_trace's program no longer has one zero mark and one trace.Stop")
    return src.replace(mark, "\truntime.GostackMark()\n" + mark).replace(stop, stop + _DUMP)


def parse(stderr: str) -> ProbedRun:
    """The ProbedRun a probed program printed: ValueError if it printed no zero line."""
    zero, looks = None, []
    for line in stderr.splitlines():
        if m := _ZERO_RE.match(line):
            zero = ZeroState(*map(int, m.groups()))
        elif m := _LOOK_RE.match(line):
            looks.append(RealLook(*map(int, m.groups())))
    if zero is None:
        raise ValueError("stderr has no 'zero' line: not a sysmon_probe program's output")
    before = [i for i, lk in enumerate(looks) if lk.t_ns < 0]
    start = before[-1] if before else 0
    return ProbedRun(zero, tuple(lk for lk in looks[start:] if lk.t_ns <= WINDOW_NS))


def probe(spec: dict, runs: int = 3, timeout: float = 60.0) -> list[ProbedRun]:
    """`runs` fresh probed runs of spec on the found toolchain (GoNotFoundError without Go)."""
    from .toolchain import built, find_go
    runs = integer("runs", runs, 1, 100)
    out = []
    with built(probe_program(spec), overlay=overlay_for(find_go().goroot)) as b:
        if b.compile_error:
            raise RuntimeError(f"the probed program did not build: {b.compile_error}")
        for k in range(runs):
            r = b.run([str(Path(b.workdir, f"trace{k}.out"))], timeout=timeout)
            if not r.ok:
                raise RuntimeError(f"the probed program failed: {r.stderr.strip()[-400:]}")
            out.append(parse(r.stderr))
    return out


def record(counts: dict | None = None) -> dict:
    """Probe each named workload its number of times (RECORDED); the recording as a dict."""
    from .sched_runs import recording_head
    data = {name: {"spec": WORKLOADS[name], "runs": [[list(r.zero), [list(lk) for lk in r.looks]]
                                                     for r in probe(WORKLOADS[name], n)]}
            for name, n in (counts or RECORDED).items()}
    return {**recording_head(), "workloads": data}


def save(data: dict, path: Path | str = DATA_PATH) -> Path:
    """Write the recording, one run per line."""
    head = json.dumps({k: data[k] for k in ("go", "machine", "date")})[:-1]
    parts = []
    for name, w in data["workloads"].items():
        runs = ",\n".join(json.dumps(r, separators=(",", ":")) for r in w["runs"])
        parts.append(f'{json.dumps(name)}:{{"spec":{json.dumps(w["spec"], separators=(",", ":"))},'
                     f'"runs":[\n{runs}]}}')
    Path(path).write_text(head + ',"workloads":{\n' + ",\n".join(parts) + "}}\n")
    return Path(path)


def load(path: Path | str = DATA_PATH) -> dict:
    """The shipped recording: {"go", "machine", "date", "workloads": {name: {"spec", "runs"}}}."""
    return json.loads(Path(path).read_text())


def recorded_runs(name: str, path: Path | str = DATA_PATH) -> list[ProbedRun]:
    """The recorded probed runs of workload `name` (ValueError naming the recorded ones)."""
    spec, w = workload(name), load(path)["workloads"]  # workload: ValueError naming the suite
    if name not in w:
        raise ValueError(f"{name} is not recorded; recorded: {sorted(w)}")
    if w[name]["spec"] != spec:
        raise ValueError(f"{name}: the recording was made from another spec; re-record it")
    return [ProbedRun(ZeroState(*z), tuple(RealLook(*lk) for lk in looks)) for z, looks in w[name]["runs"]]


def probed_runs(name: str, runs: int = 3, prefer: str = "auto") -> tuple[str, list[ProbedRun]]:
    """(source, runs) of workload `name`: live probes with Go (prefer="auto"/"live"), else the recording."""
    from .prefer import live_or_recorded
    from .toolchain import find_go
    runs, spec = integer("runs", runs, 1, 100), workload(name)
    value, note = live_or_recorded(prefer, lambda: (f"{find_go().version} live", probe(spec, runs)),
                                   lambda: (f"{load()['go']} recorded", recorded_runs(name)))
    return value[0] + note, value[1]


def sleeps(run: ProbedRun) -> list[tuple[int, int, int]]:
    """(t_ns, delay_us, slept_ns) per look after zero that followed a plain usleep (no deep sleep)."""
    return [(b.t_ns, b.delay_us, b.slept_ns - a.t_ns) for a, b in zip(run.looks, run.looks[1:])
            if b.t_ns >= 0 and b.t_ns - b.slept_ns < DEEP_SLEEP_GAP_NS]


def sleeps_by_delay(runs) -> dict[int, list[int]]:
    """Every plain usleep's length in ns over `runs`, by its argument (us), in sorted order."""
    by: dict[int, list[int]] = {}
    for run in runs:
        for _, delay, slept in sleeps(run):
            by.setdefault(delay, []).append(slept)
    return dict(sorted(by.items()))


if __name__ == "__main__":
    print(f"recorded sysmon probes -> {save(record())}")
