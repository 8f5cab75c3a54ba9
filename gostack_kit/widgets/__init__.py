"""Live dashboards: sliders bound to a workload builder, a model and a plot.

A dashboard is built by a factory in a topic module (one per topic key, as in every layer:
`widgets.segmented`, `widgets.sched`, ...) from a `Dashboard` base: it owns its sliders,
an image of its figure, and a status line. Every update recomputes with the engine,
redraws one persistent matplotlib figure to PNG and writes `drawn: name=value, ...` into
the status line, which is how a browser test knows the final slider value has been drawn.
Slider ranges are exactly what the engine accepts, so no slider position can raise.

Each topic module lists its dashboards in `DASHBOARDS` (name -> factory) so that
`benchmarks/bench_widgets.py` can time every one of them headless.
"""

from . import address, compiler, copying, sched, segmented, threads
from .base import Dashboard, registry

__all__ = ["Dashboard", "registry", "address", "threads", "sched", "segmented", "copying", "compiler"]
