"""Dashboards for notebook 03 (M:N scheduling).

`Scheduler`: GOMAXPROCS, goroutine count, share of time in blocking syscalls and the
threading model (1:1, N:1, M:N) -> a seeded workload, one simulated run, and its timeline,
threads created and stack memory. At 1:1 the thread limits of notebook 02 apply (their
defaults, address.limits.default_limits): past them pthread_create fails and the run stops,
and the status line says where and which limit. Every slider waits for release
(continuous_update=False): at 100,000 goroutines one update simulates for about a second.
"""

from __future__ import annotations

import ipywidgets as W

from ..labs.sched import MAX_SHARE, run_model, share_workload
from ..sched.record import Model
from ..sched.rivals import spawn_failure
from .base import Dashboard

__all__ = ["Scheduler", "DASHBOARDS", "GOROUTINE_COUNTS", "SEED", "default_run"]

SEED = 1  # one fixed workload per slider position: the same picture every time
GOMAXPROCS_MAX = 64  # a big server's core count; the engine accepts up to 256
GOROUTINE_COUNTS = (2, 5, 10, 20, 50, 100, 200, 300, 500, 1_000, 2_000, 5_000, 10_000, 20_000,
                    50_000, 100_000)  # roughly log-spaced up to 100,000
DEFAULT_GOROUTINES = 300  # keeps an update (engine + redraw) under 100 ms on 2 cores
MODEL_OPTIONS = (("1:1", Model.ONE_TO_ONE), ("N:1", Model.N_TO_ONE), ("M:N", Model.MN))


def default_run(gomaxprocs=2, n_goroutines=DEFAULT_GOROUTINES, syscall_share=0.3, model=Model.MN):
    """The run the dashboard draws for these settings (its defaults unless given)."""
    work = share_workload(n_goroutines, SEED, syscall_share)
    return run_model(work, model, gomaxprocs=gomaxprocs, seed=SEED)


class Scheduler(Dashboard):
    """GOMAXPROCS, goroutines, syscall share, model -> per-P timeline, threads, stack memory."""


    height = "330px"

    def controls(self):
        """Sliders keyed by the engine's argument names."""
        style, lazy = {"description_width": "initial"}, {"continuous_update": False}
        return {
            "gomaxprocs": W.IntSlider(value=2, min=1, max=GOMAXPROCS_MAX, description="GOMAXPROCS",
                                      style=style, **lazy),
            "n_goroutines": W.SelectionSlider(options=GOROUTINE_COUNTS, value=DEFAULT_GOROUTINES,
                                              description="goroutines", style=style, **lazy),
            "syscall_share": W.FloatSlider(value=0.3, min=0.0, max=MAX_SHARE, step=0.05,
                                           description="time in syscalls", style=style, **lazy),
            "model": W.Dropdown(options=MODEL_OPTIONS, value=Model.MN, description="model",
                                style=style),
        }

    def new_figure(self):
        """The three-panel figure from `plots.sched.dashboard_figure`."""
        from ..plots.sched import dashboard_figure

        return dashboard_figure()

    def draw(self, fig, *, gomaxprocs, n_goroutines, syscall_share, model) -> str:
        """Simulate the seeded workload under `model` and draw it; return the headline figures."""
        from ..plots.sched import dashboard
        from ..plots.style import kib

        run = default_run(gomaxprocs, n_goroutines, syscall_share, model)
        dashboard(fig, run)
        failed = spawn_failure(run)
        if failed:
            return f"{failed}; stacks {kib(run.memory.total_bytes)}"
        return (f"makespan {run.makespan_ns / 1e6:.2f} ms, {run.threads_created:,} threads "
                f"created, at most {run.peak_threads:,} alive at once, "
                f"stacks {kib(run.memory.total_bytes)}")


DASHBOARDS = {
    "sched.Scheduler": (
        Scheduler,
        {"gomaxprocs": 2, "n_goroutines": DEFAULT_GOROUTINES, "syscall_share": 0.3,
         "model": Model.MN},
        [{"gomaxprocs": GOMAXPROCS_MAX, "n_goroutines": 100_000, "model": Model.MN},
         {"gomaxprocs": 2, "n_goroutines": 100_000, "syscall_share": MAX_SHARE,
          "model": Model.ONE_TO_ONE},
         {"gomaxprocs": 1, "n_goroutines": 2, "syscall_share": 0.0, "model": Model.N_TO_ONE}],
    ),
}
