"""Update time of every course dashboard (engine + redraw to PNG, headless), median of 10.

For each dashboard in `gostack_kit.widgets.registry()` this times `update()` at the
default settings and at each extreme setting the dashboard declares. Target: <= 100 ms
median at defaults.

    python benchmarks/bench_widgets.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from gostack_kit.widgets import registry  # noqa: E402


def median_ms(board, values: dict, repeat: int) -> float:
    """Median milliseconds of `board.update(**values)` over `repeat` runs (after one warm-up)."""
    board.update(**values)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        board.update(**values)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    opts = ap.parse_args()
    boards = registry()
    if not boards:
        raise SystemExit("no dashboards registered")
    print(f"{'dashboard':<28}{'setting':<52}{'median ms':>10}")
    for name, (factory, defaults, extremes) in boards.items():
        board = factory()
        print(f"{name:<28}{'defaults':<52}{median_ms(board, defaults, opts.repeat):>10.1f}")
        for ext in extremes:
            label = ", ".join(f"{k}={v}" for k, v in ext.items())[:50]
            print(f"{'':<28}{label:<52}{median_ms(board, ext, opts.repeat):>10.1f}")
        board.close()


if __name__ == "__main__":
    main()
