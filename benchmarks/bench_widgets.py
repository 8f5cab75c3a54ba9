"""Update time of every course dashboard (engine + redraw to PNG, headless), median of 10.

For each dashboard in `gostack_kit.widgets.registry()` this times `update()` at the
default settings and at each extreme setting the dashboard declares. Target: <= 100 ms
median at defaults. The fastest run is printed beside the median: on a busy machine the
median moves with the load, the minimum much less.

    python benchmarks/bench_widgets.py [--repeat 10] [--check]

With --check the exit status is 1 when a dashboard misses the target at its defaults.
"""

from __future__ import annotations

import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from gostack_kit.widgets import registry  # noqa: E402

TARGET_MS = 100.0  # issues 4 and 5: a slider's redraw must feel immediate


def times_ms(board, values: dict, repeat: int) -> list[float]:
    """Milliseconds of `board.update(**values)` over `repeat` runs (after one warm-up)."""
    board.update(**values)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        board.update(**values)
        times.append(1000 * (time.perf_counter() - start))
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--check", action="store_true",
                    help=f"exit 1 if a median at defaults exceeds {TARGET_MS:g} ms")
    opts = ap.parse_args()
    boards = registry()
    if not boards:
        raise SystemExit("no dashboards registered")
    print(f"{'dashboard':<28}{'setting':<52}{'median ms':>10}{'min ms':>8}")
    slow = []
    for name, (factory, defaults, extremes) in boards.items():
        board = factory()
        for i, setting in enumerate([defaults, *extremes]):
            label = "defaults" if i == 0 else ", ".join(f"{k}={v}" for k, v in setting.items())[:50]
            t = times_ms(board, setting, opts.repeat)
            print(f"{name if i == 0 else '':<28}{label:<52}{statistics.median(t):>10.1f}{min(t):>8.1f}")
            if i == 0 and statistics.median(t) > TARGET_MS:
                slow.append(name)
        board.close()
    verdict = f"missed by {', '.join(slow)}" if slow else "met"
    print(f"target <= {TARGET_MS:g} ms median at defaults: {verdict}")
    if opts.check and slow:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
