"""plots.sched draws exactly the scheduler's numbers: bars, lines, tables come from the records."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402

from gostack_kit.labs.sched import compare, memory_sweep  # noqa: E402
from gostack_kit.plots import kib  # noqa: E402
from gostack_kit.plots import sched as ps  # noqa: E402
from gostack_kit.plots.sched_compare import COST_ROWS  # noqa: E402
from gostack_kit.realgo import load  # noqa: E402
from gostack_kit.sched import gmp as scheduler  # noqa: E402
from gostack_kit.sched.gmp import Model, simulate  # noqa: E402
from gostack_kit.sched.record import Costs, Span  # noqa: E402
from gostack_kit.sched.workload import Workload, workload  # noqa: E402

Z = Costs.zero()
HANDOFF = Workload.from_phases([[("go", 1), ("syscall", 250), ("compute", 10)], [("compute", 100)]])
TINY = Workload.from_phases([[("go", 1), ("go", 2), ("compute", 10)], [("compute", 20)],
                             [("compute", 5), ("syscall", 50), ("compute", 5)]])


@pytest.fixture(scope="module")
def runs():
    return compare(workload(120, 3, blocking_fraction=0.3, network_fraction=0.3))


def bars(ax):
    """The corners of every bar drawn: paths of a PolyCollection (few bars) or the closed
    five-vertex pieces of one compound PathPatch (many bars)."""
    for coll in ax.collections:
        if isinstance(coll, PolyCollection):
            for path in coll.get_paths():
                yield path.vertices
    for artist in ax.patches:
        if isinstance(artist, PathPatch):
            yield from artist.get_path().vertices.reshape(-1, 5, 2)


def rects(ax, p_row):
    """(x0, width) of every rectangle drawn at row y = p_row, in data units."""
    out = []
    for v in bars(ax):
        if abs((v[:, 1].min() + v[:, 1].max()) / 2 - p_row) < 0.01:
            out.append((v[:, 0].min(), v[:, 0].max() - v[:, 0].min()))
    return sorted(out)


def test_event_log_of_a_syscall_hand_off_reads_like_the_runtime():
    log = ps.event_log(simulate(HANDOFF, gomaxprocs=1, costs=Z)).splitlines()
    assert len(log) == 2 + 10  # header, rule, one line per event
    assert log[5].split()[:4] == ["175.482", "P0", "G0", "RETAKE"]  # sysmon's second look
    assert "sysmon retakes its P after 175.482 us (handoffp)" in log[5]
    assert log[6].split()[:4] == ["175.482", "P0", "-", "NEWM"] and "M1 (2 threads in all)" in log[6]
    assert "runs from runnext" in log[7] and log[7].split()[1:3] == ["P0", "G1"]


def test_event_log_filters_and_limits():
    r = simulate(TINY, gomaxprocs=2, costs=Z)
    only_g1 = ps.event_log(r, gs={1}).splitlines()[2:]
    assert [line.split()[2] for line in only_g1] == ["G1"] * sum(e.g == 1 for e in r.events)
    capped = ps.event_log(r, limit=3).splitlines()
    assert len(capped) == 2 + 3 + 1 and capped[-1] == f"... {len(r.events) - 3} more events"
    threads = ps.event_log(simulate(TINY, Model.ONE_TO_ONE, gomaxprocs=2, costs=Z))
    assert "core" in threads.splitlines()[0] and "runq" not in threads


def test_timeline_bars_are_the_runs_spans():
    r = simulate(TINY, gomaxprocs=2, costs=Z)
    fig = ps.timeline(r)
    ax = fig.axes[0]
    for p in range(2):  # P0 is drawn on top (row 1), P1 below (row 0); times in us
        drawn = rects(ax, 1 - p)
        want = sorted((s / 1e3, w / 1e3) for k in Span for s, w in r.bars(p, k).tolist())
        assert np.allclose(drawn, want)
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == sorted(f"G{g}" for g in r.spans["g"][r.spans["kind"] == Span.RUN])
    bottom_up = sorted(ax.get_yticklabels(), key=lambda t: t.get_position()[1])
    assert [t.get_text() for t in bottom_up] == ["P1", "P0"]
    assert ax.get_xlim() == (0, r.makespan_ns / 1e3)


def test_coalesce_merges_only_gaps_within_eps():
    bars = np.array([[0, 10], [10, 5], [16, 4], [40, 2], [30, 1]], float)
    assert ps.coalesce(bars, 0).tolist() == [[0, 15], [16, 4], [30, 1], [40, 2]]
    assert ps.coalesce(bars, 1).tolist() == [[0, 20], [30, 1], [40, 2]]
    assert ps.coalesce(bars, 100).tolist() == [[0, 42]]
    nested = np.array([[0, 50], [10, 5], [60, 1]], float)  # one interval inside another
    assert ps.coalesce(nested, 5).tolist() == [[0, 50], [60, 1]]


def test_timelines_share_one_axis_and_keep_busy_time(runs):
    fig = ps.timelines(runs)
    assert len(fig.axes) == 3
    span = max(r.makespan_ns for r in runs.values()) / 1e6
    assert all(ax.get_xlim() == (0, span) for ax in fig.axes)
    for ax, r in zip(fig.axes, runs.values(), strict=True):  # merging may fill gaps, never lose time
        drawn = sum(w for row in range(r.gomaxprocs) for _, w in rects(ax, row))
        kept = sum(int(w) for p in range(r.gomaxprocs) for k in Span for _, w in r.bars(p, k))
        assert drawn >= kept / 1e6 - 1e-9


def test_queue_lengths_and_completions_plot_the_records(runs):
    ax = ps.queue_lengths(runs).axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    for r in runs.values():
        s = r.samples
        assert lines[f"{r.model} waiting"].get_ydata().tolist() == \
            (s["global_len"] + s["local_len"]).tolist()
    mn = runs[Model.MN].samples
    assert lines["M:N of which global runq"].get_ydata().tolist() == mn["global_len"].tolist()
    ax = ps.completions(runs).axes[0]
    for ln, r in zip(ax.get_lines(), runs.values(), strict=True):
        assert np.allclose(ln.get_xdata(), np.sort(r.completion_ns) / 1e6)
        assert ln.get_ydata()[-1] == 1.0


def test_threads_memory_bars_equal_the_counts(runs):
    ax_t, ax_m = ps.threads_memory(runs).axes
    assert [b.get_height() for b in ax_t.patches] == [r.threads_created for r in runs.values()]
    assert [b.get_height() for b in ax_m.patches] == [r.memory.total_bytes for r in runs.values()]


def test_memory_scaling_and_table_show_the_sweep():
    sweep = memory_sweep((1, 1000, 1_000_000))
    ax = ps.memory_scaling(sweep).axes[0]
    lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]  # not the 3 GiB line
    for ln, (model, mems) in zip(lines, sweep.items(), strict=True):
        assert ln.get_label() == model.value
        assert ln.get_ydata().tolist() == [m.total_bytes for m in mems]
    rows = ps.memory_table(sweep).splitlines()
    assert rows[-1].split()[0] == "1,000,000"
    assert rows[-1].split()[1:] == " ".join(kib(sweep[m][-1].total_bytes) for m in sweep).split()


def test_summary_table_rows_come_from_the_runs(runs):
    rows = ps.summary_table(runs).splitlines()[2:]
    for row, r in zip(rows, runs.values(), strict=True):
        cells = row.split()
        assert cells[0] == r.model and int(cells[1]) == r.gomaxprocs
        assert float(cells[2]) == r.summary()["makespan_ms"]
        assert int(cells[5].replace(",", "")) == r.threads_created
    labelled = ps.summary_table({"first": runs[Model.MN]}).splitlines()
    assert labelled[2].split()[0] == "first" and len(labelled) == 3


def test_costs_constants_and_probe_tables():
    custom = Costs(goroutine_switch_ns=123, thread_create_ns=45_678)
    table = ps.costs_table(custom)
    assert "goroutine_switch_ns           123" in table and "45,678" in table
    # every cost the models charge has a row saying where it comes from, as has every bar
    assert sorted(line.split()[0] for line in table.splitlines()[2:]) == sorted(Costs.__dataclass_fields__)
    assert sorted(k for k, _ in COST_ROWS) == sorted(Costs.__dataclass_fields__)
    consts = ps.constants_table()
    assert f"{scheduler.FAIR_TICK:>12,}" in consts and f"{scheduler.RUNQ_SIZE:>12,}" in consts
    assert f"{'sysmon idle looks first':<27}{50:>12,}" in consts  # sysmon: idle > 50 doubles
    probes = load().memory
    rows = ps.probe_table(probes).splitlines()[2:]
    assert [int(r.split()[0].replace(",", "")) for r in rows] == [p.n for p in probes]
    assert [int(r.split()[1]) for r in rows] == [round(p.stack_per_g) for p in probes]


def test_dashboard_draws_the_timeline_and_the_memory_of_one_run(runs):
    r = runs[Model.ONE_TO_ONE]
    fig = ps.dashboard_figure()
    for _ in range(2):  # a redraw replaces the memory strip, it does not add another
        fig.axes[0].clear()
        ps.dashboard(fig, r)
    (ax_t,) = fig.axes
    assert ax_t.get_title(loc="left").startswith("1:1: 120 goroutines on 2 cores")
    assert any(True for _ in bars(ax_t)) and ax_t.get_xlim() == (0, r.makespan_ns / 1e6)
    goroutines, threads = fig.artists
    assert goroutines.get_width() == 0  # 1:1 has no goroutine stacks besides the threads'
    assert threads.get_width() == pytest.approx(ps.STRIP * ps.memory_bar(r.memory.thread_bytes))
    texts = [t.get_text() for t in fig.texts]
    assert texts[0] == (f"{r.threads_created:,} threads created, at most {r.peak_threads:,} alive "
                        f"at once; stacks reserved: {kib(r.memory.total_bytes)} (log scale)")
    assert f"{r.memory.threads:,} live thread stacks" in texts and len(texts) == 5


def test_memory_bar_is_log_scaled_from_1_kib_to_1_tib():
    assert [ps.memory_bar(b) for b in (0, 1024, 1 << 20, 1 << 30, 1 << 40, 1 << 50)] == \
        [0, 0, pytest.approx(1 / 3), pytest.approx(2 / 3), 1, 1]


def test_summary_of_a_1_1_run_stopped_by_eagain_says_so_and_counts_only_finished_goroutines():
    from dataclasses import replace

    from gostack_kit.address.limits import Limit, default_limits
    from gostack_kit.labs.sched import share_workload
    from gostack_kit.sched.rivals import spawn_failure

    lim = replace(default_limits(), max_map_count=Limit("vm.max_map_count", 201, "test", "process"))
    runs = compare(share_workload(3000, 1, 0.3), limits=lim)
    r = runs[Model.ONE_TO_ONE]
    lines = ps.summary_table(runs).splitlines()
    done = r.completion_ns[r.completion_ns >= 0]
    assert lines[2].split()[-2:] == [f"{np.percentile(done, q) / 1e6:.3f}" for q in (50, 99)]
    assert lines[-1] == (f"1:1: {spawn_failure(r)} ({len(done):,} of 3,000 goroutines finished; "
                         "the p50/p99 are theirs)")
    assert len(lines) == 2 + 3 + 1  # only the failed run gets a note
