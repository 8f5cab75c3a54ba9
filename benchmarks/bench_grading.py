"""Time to grade 20 submissions with `gostack-kit grade`, sandbox on and off (median of 3 runs each).

Target: <= 60 s with the sandbox on. The 20 submissions are 20 students in the
folder-per-student layout (student00/NN-topic.ipynb ...), cycling through the six topics
and alternating solution and untouched exercise notebooks, so about half the questions
pass and half fail; with --secret each student works on their own variant. The sandbox
row is skipped (and says why) where bubblewrap cannot run.

    python benchmarks/bench_grading.py [--n 20] [--repeat 3] [--jobs 2] [--check]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gostack_kit.grading import sandbox
from gostack_kit.grading.grader import grade_paths
from gostack_kit.grading.release import EXERCISES, SOLUTIONS

TARGET_S = 60.0  # 20 submissions on a 2-core machine, sandbox on
SECRET = "bench-course-secret"  # a made-up course secret: variants on, as in a graded course


def make_submissions(folder: Path, n: int) -> list[Path]:
    """n students, one notebook each: solution, exercise, solution... across the topics in turn."""
    sols = sorted(SOLUTIONS.glob("[0-9][0-9]-*.ipynb"))
    paths = []
    for i in range(n):
        src = (SOLUTIONS if i % 2 == 0 else EXERCISES) / sols[(i // 2) % len(sols)].name
        dst = folder / f"student{i:02d}" / src.name
        dst.parent.mkdir()
        dst.write_bytes(src.read_bytes())
        paths.append(dst)
    return paths


def _time(folder: Path, repeat: int, jobs: int, sandboxed: bool) -> list[float]:
    times = []
    for run in range(repeat):
        start = time.perf_counter()
        results = grade_paths([folder], workers=jobs, secret=SECRET, sandboxed=sandboxed)
        times.append(time.perf_counter() - start)
        full = sum(r.score == r.possible for r in results)
        print(f"  run {run + 1}: {times[-1]:.1f} s for {len(results)} submissions "
              f"({full} full marks, {len(results) - full} below)", flush=True)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--check", action="store_true", help="exit 1 when the sandboxed median misses the target")
    o = ap.parse_args()
    medians = {}
    with tempfile.TemporaryDirectory() as tmp:
        make_submissions(Path(tmp), o.n)
        for label, sandboxed in (("sandbox on", True), ("sandbox off", False)):
            if sandboxed and sandbox.available():
                print(f"{label}: skipped ({sandbox.available()})")
                continue
            print(f"{label}:", flush=True)
            medians[label] = statistics.median(_time(Path(tmp), o.repeat, o.jobs, sandboxed))
    for label, med in medians.items():
        print(f"median of {o.repeat}, {label}: {med:.1f} s to grade {o.n} submissions with {o.jobs} jobs")
    on = medians.get("sandbox on")
    met = on is not None and on <= TARGET_S
    print(f"target <= {TARGET_S:.0f} s with the sandbox on: "
          f"{'met' if met else 'MISSED' if on is not None else 'not measured (no sandbox here)'}")
    return 1 if o.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
