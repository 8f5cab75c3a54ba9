"""Real Go beside the scheduler model: threads for parked goroutines vs goroutines in syscalls.

A Go program starts n goroutines that all wait forever, in one of two ways, and then counts
its own OS threads (the `Threads:` line of /proc/self/status):

    park     <-ch on a channel nobody sends on      gopark: the M runs something else
    syscall  read(2) on a pipe nobody writes to     the M sits in the kernel with its G;
                                                    sysmon's retake hands the P to a new M

The model gets the same program shape (`model_workload`): main starts n goroutines, each
waits 200 ms once (the real ones wait for ever; 200 ms is how long the real program lets
them wait before it counts). `thread_counts` runs the real program when a Go toolchain is
found and otherwise returns the recording data/sched_threads.json, made by `record()` and
`save()` (from `python -m gostack_kit.realgo.record`) on the kit's 2-core VM.

Invariant: a live and a recorded answer are the same records, and the source string says
which one it is (and which Go produced it).

Rejected alternative: time.Sleep as the "blocking" wait. Sleeping goroutines park on a
runtime timer, so they would look exactly like the channel case: the point of the
experiment is a wait the runtime cannot see into, a real system call.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..core.validate import integer
from ..sched.workload import Workload

__all__ = ["ThreadCount", "DATA_PATH", "load", "save", "thread_counts", "model_workload",
           "model_counts", "record", "MODES", "SOURCE"]

MODES = ("park", "syscall")
COUNTS = (10, 100, 1000)  # goroutines per run: big enough to see the trend, quick to run
WAIT_US = 200_000  # the real program sleeps 200 ms before counting; the model's wait

SOURCE = """package main

import (
	"encoding/json"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func threads() int { // this process's OS threads, from the kernel
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\\n") {
		if strings.HasPrefix(line, "Threads:") {
			n, _ := strconv.Atoi(strings.TrimSpace(line[8:]))
			return n
		}
	}
	return -1
}

func main() {
	mode := os.Args[1]
	n, _ := strconv.Atoi(os.Args[2])
	before := threads()
	var started sync.WaitGroup
	started.Add(n)
	if mode == "park" {
		ch := make(chan int)
		for i := 0; i < n; i++ {
			go func() { started.Done(); <-ch }() // parks: gopark, no thread kept
		}
	} else {
		var fds [2]int
		if err := syscall.Pipe(fds[:]); err != nil {
			panic(err)
		}
		for i := 0; i < n; i++ {
			go func() {
				started.Done()
				var b [1]byte
				syscall.Read(fds[0], b[:]) // blocks in the kernel: nobody writes
			}()
		}
	}
	started.Wait()
	time.Sleep(200 * time.Millisecond) // time for sysmon to retake Ps and start Ms
	json.NewEncoder(os.Stdout).Encode(map[string]any{"mode": mode, "n": n,
		"gomaxprocs": runtime.GOMAXPROCS(0), "threads_before": before, "threads": threads()})
	os.Exit(0)
}
"""


@dataclass(frozen=True)
class ThreadCount:
    """One real run: n goroutines waiting by `mode`, and the process's threads before and after."""

    mode: str
    n: int
    gomaxprocs: int
    threads_before: int
    threads: int


DATA_PATH = Path(__file__).with_name("data") / "sched_threads.json"


def load(path: Path | str = DATA_PATH) -> tuple[str, tuple[ThreadCount, ...]]:
    """(source, counts) of the shipped recording: data/sched_threads.json, written by save()."""
    data = json.loads(Path(path).read_text())
    return f"recorded: {data['go']} {data['platform']}", tuple(ThreadCount(**r) for r in data["counts"])


def save(rows: tuple[ThreadCount, ...], path: Path | str = DATA_PATH) -> Path:
    """Write rows measured on the live toolchain as the recording, naming that toolchain."""
    from .probes import toolchain_info
    info = toolchain_info()
    Path(path).write_text(json.dumps({"go": info["go_version"], "platform": info["platform"],
                                      "counts": [asdict(r) for r in rows]}, indent=1) + "\n")
    return Path(path)


def record(counts=COUNTS, timeout: float = 60.0) -> tuple[ThreadCount, ...]:
    """Build and run the program for each mode and count on the live toolchain."""
    from .toolchain import built

    if not counts:
        raise ValueError("counts must name at least one count in [1, 10000]")
    counts = tuple(integer(f"counts[{i}]", n, 1, 10_000) for i, n in enumerate(counts))
    out = []
    with built(SOURCE) as prog:
        if prog.compile_error:
            raise RuntimeError(f"thread probe did not build: {prog.compile_error}")
        for mode in MODES:
            for n in counts:
                res = prog.run([mode, str(n)], timeout=timeout)
                if not res.ok:
                    raise RuntimeError(f"thread probe {mode} {n} failed: {res.stderr.strip()}")
                r = json.loads(res.stdout)
                out.append(ThreadCount(r["mode"], r["n"], r["gomaxprocs"], r["threads_before"],
                                       r["threads"]))
    return tuple(out)


def thread_counts(prefer: str = "auto", counts=COUNTS) -> tuple[str, tuple[ThreadCount, ...]]:
    """(source, counts): live when a Go toolchain is found (prefer "auto"/"live"), else recorded."""
    from .prefer import live_or_recorded
    from .probes import toolchain_info

    def live():
        info = toolchain_info()
        return f"live: {info['go_version']} {info['platform']}", record(counts)

    (source, rows), note = live_or_recorded(prefer, live, load)
    return source + note, rows


def model_workload(mode: str, n: int) -> Workload:
    """The same program for the simulator: main starts n goroutines that each wait 200 ms once."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}; got {mode!r}")
    n = integer("n", n, 1, 100_000)
    rows = [[("go", g) for g in range(1, n + 1)] + [("compute", 1)]]
    rows += [[(mode, WAIT_US), ("compute", 1)]] * n
    return Workload.from_phases(rows)


def model_counts(counts=COUNTS, *, gomaxprocs=2) -> tuple[ThreadCount, ...]:
    """The simulator's answer to the same runs: m0 before, threads created after."""
    from ..sched.gmp import simulate

    return tuple(ThreadCount(mode, n, gomaxprocs, 1,
                             simulate(model_workload(mode, n), gomaxprocs=gomaxprocs).threads_created)
                 for mode in MODES for n in counts)
