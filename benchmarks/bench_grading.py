"""Time to grade 20 submissions with `gostack-kit grade` (median of 3 runs). Target: <= 60 s.

The 20 submissions cycle through the six topics, alternating solution and untouched
exercise notebooks, so half the questions pass and half fail (hidden tests included).

    python benchmarks/bench_grading.py [--n 20] [--repeat 3] [--jobs 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from gostack_kit.grading.grader import grade_paths
from gostack_kit.grading.release import EXERCISES, SOLUTIONS

TARGET_S = 60.0  # 20 submissions on a 2-core machine, sandbox on


def make_submissions(folder: Path, n: int) -> list[Path]:
    """n notebook files: solution, exercise, solution... across the topics in turn."""
    sols = sorted(SOLUTIONS.glob("[0-9][0-9]-*.ipynb"))
    paths = []
    for i in range(n):
        src = (SOLUTIONS if i % 2 == 0 else EXERCISES) / sols[(i // 2) % len(sols)].name
        dst = folder / f"student{i:02d}-{src.name}"
        dst.write_bytes(src.read_bytes())
        paths.append(dst)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    o = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        make_submissions(Path(tmp), o.n)
        times = []
        for run in range(o.repeat):
            start = time.perf_counter()
            results = grade_paths([tmp], workers=o.jobs)
            times.append(time.perf_counter() - start)
            full = sum(r.score == r.possible for r in results)
            print(f"run {run + 1}: {times[-1]:.1f} s for {len(results)} submissions "
                  f"({full} full marks, {len(results) - full} below)", flush=True)
    med = statistics.median(times)
    print(f"median of {o.repeat}: {med:.1f} s to grade {o.n} submissions with {o.jobs} jobs "
          f"(target <= {TARGET_S:.0f} s: {'met' if med <= TARGET_S else 'MISSED'})")


if __name__ == "__main__":
    main()
