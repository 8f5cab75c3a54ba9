"""plots.segmented: the figures carry the engine's numbers; the tables print them."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from gostack_kit import CallTrace, SegmentedStack, versions  # noqa: E402
from gostack_kit.labs import segmented as lab  # noqa: E402
from gostack_kit.plots import segmented as P  # noqa: E402
from gostack_kit.realgo import recordings  # noqa: E402

PROGRAM = CallTrace.from_steps([("call", 3000), ("call", 2500, 16), ("call", 2000, 16), ("call", 1200, 8),
                                ("call", 600), ("call", 9000, 32), ("ret",), ("ret",)], entry_used=200)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _frames(ax):
    (coll,) = [c for c in ax.collections if c.get_gid() == "frames"]
    return [p.vertices for p in coll.get_paths()]


def test_segment_chain_draws_each_frame_where_the_snapshot_puts_it():
    stack = SegmentedStack("1.2")
    snap = lab.snapshot(stack, PROGRAM, 6)
    ax = P.segment_chain(snap)
    boxes = _frames(ax)
    want = [(i, seg.top + f.start, seg.top + f.start + f.frame)
            for i, seg in enumerate(snap.segments) for f in seg.frames]
    assert len(boxes) == len(want) == 6
    for v, (i, y0, y1) in zip(boxes, want):
        assert v[:, 1].min() == y0 and v[:, 1].max() == y1
        assert i - 0.5 < v[:, 0].mean() < i + 0.5
    outlines = [p for p in ax.patches if p.get_label() == "free"]
    assert outlines and outlines[0].get_height() == 8192
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[2].endswith("10.8 KiB, 1 frames") and "split at step 5" in labels[2]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # the top of each segment is at the top


def test_segment_chain_newest_frame_is_highlighted():
    snap = lab.snapshot(SegmentedStack("1.2"), CallTrace.hot_loop(81, 88, 200, 1), 83)
    ax = P.segment_chain(snap, legend=False)
    (coll,) = [c for c in ax.collections if c.get_gid() == "frames"]
    colors = coll.get_facecolors()
    assert len(colors) == 83
    orange = matplotlib.colors.to_rgba(P.COLORS["highlight"])
    assert [i for i, c in enumerate(colors) if tuple(c) == orange] == [82]
    assert ax.get_legend() is None


def test_hot_split_lines_are_the_sweep():
    s11 = lab.hot_split_sweep(SegmentedStack("1.1"), 200, 200, 100)
    s12 = lab.hot_split_sweep(SegmentedStack("1.2"), 200, 200, 100)
    ax_t, ax_s = P.hot_split([s11, s12])
    for line, sw in zip(ax_t.get_lines(), (s11, s12)):
        assert np.array_equal(line.get_xdata(), sw.depths)
        assert np.array_equal(line.get_ydata(), sw.ns_per_iter)
    for line, sw in zip(ax_s.get_lines(), (s11, s12)):
        assert np.array_equal(line.get_ydata(), sw.split_per_iter)
    assert [t.get_text() for t in ax_t.get_legend().get_texts()] == ["Go 1.1, StackMin 4 KiB",
                                                                    "Go 1.2, StackMin 8 KiB"]


def test_loop_cost_marks_the_chosen_depth():
    sw = lab.hot_split_sweep(SegmentedStack("1.2"), 150, 200, 10)
    ax = P.loop_cost(sw, 81)
    line, mark = ax.get_lines()
    assert np.array_equal(line.get_ydata(), sw.ns_per_iter)
    assert (mark.get_xdata()[0], mark.get_ydata()[0]) == (81, sw.ns_per_iter[81])


def test_fib_sizes_plots_only_fitting_offsets():
    fib = lab.fib_sweep(8, np.arange(0, 4096, 128), stack_mins=(2048, 4096))
    ax = P.fib_sizes(fib)
    small, big = ax.get_lines()
    assert small.get_xdata().max() < 2048 - 96 and len(big.get_xdata()) == 32
    assert np.array_equal(big.get_ydata(), fib.ns_per_call[1])


def test_tables_print_the_records():
    stack = SegmentedStack("1.2")
    run = stack.run(PROGRAM)
    events = P.events_table(run).splitlines()
    assert len(events) == 2 + len(run.events)
    assert events[2].split() == ["split", "3", "3", "1200", "8192", "8192", "7724", "8"]
    consts = P.constants_table(versions.get("1.1"), versions.get("1.2")).splitlines()
    assert consts[2].split() == ["StackMin", "4096", "8192"]
    snap = P.snapshot_table(lab.snapshot(stack, PROGRAM, len(PROGRAM))).splitlines()
    assert len(snap) == 2 + 2  # header, rule, two segments left after two returns
    sweeps = [lab.hot_split_sweep(SegmentedStack(v), 400, 200, 1000) for v in ("1.1", "1.2")]
    rows = P.sweep_table(sweeps).splitlines()
    assert rows[3].split()[:6] == ["Go", "1.2", "8192", "8", "80,", "81,"]
    assert rows[2].split()[-3] == "39" and rows[3].split()[-3] == "81"


def test_prediction_and_class_tables_say_when_they_disagree():
    rec = recordings.load()
    preds = lab.prologue_predictions(rec.growth)
    text = P.prediction_table(preds)
    assert text.endswith(f"{len(preds)} of {len(preds)} recorded growths at the predicted depth")
    wrong = [lab.GrowthPrediction(24, "small", 2048, 4096, 31, 30)]
    assert "NO" in P.prediction_table(wrong) and "0 of 1" in P.prediction_table(wrong)
    classes = P.prologue_class_table(rec.demo.frames)
    assert " NO" not in classes and "outer" in classes and "leaq" in classes


def test_split_stack_tables_and_figure_read_the_recording():
    from gostack_kit import plots
    from gostack_kit.labs import segmented as lab
    from gostack_kit.realgo import splitstack_record
    from gostack_kit.realgo.splitstack_hot import cost_rows
    rec = splitstack_record.load()
    table = plots.segmented.switch_table(lab.switch_checks(rec))
    assert "NO" not in table and table.count("yes") == len(rec.probes)
    hot = lab.hot_checks(rec)
    assert "same" in plots.segmented.hot_table(hot)
    text = plots.segmented.cost_table(lab.measured_costs(rec), cost_rows(rec.hot))
    assert "Go 1.2 (estimate)" in text and "the signal mask alone" in text
    ax = plots.segmented.real_hot_split(hot)
    marked = [ln for ln in ax.lines if ln.get_gid() == "model"]
    assert sum(len(ln.get_xdata()) for ln in marked) == sum(len(m) for _, m in hot if m)
    assert "kept" in plots.segmented.policy_table(lab.policy_rows())
