"""plots.copying: each figure draws exactly the numbers of the records it is given."""

import matplotlib
import numpy as np

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from gostack_kit import CallTrace, ContiguousStack, realgo, versions  # noqa: E402
from gostack_kit.labs import copying as lab  # noqa: E402
from gostack_kit.plots import copying as P  # noqa: E402
from gostack_kit.plots import describe as plots_describe  # noqa: E402
from gostack_kit.realgo import stack_moves  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _lines(ax):
    return {ln.get_label(): ln for ln in ax.get_lines()}


def test_start_sweep_draws_each_models_cost_per_call():
    sweep = lab.start_sweep(CallTrace.loop_body(200, 100), range(70, 90))
    lines = _lines(P.start_sweep(sweep))
    assert set(lines) == set(sweep.per_call_ns)
    for label, ns in sweep.per_call_ns.items():
        assert np.array_equal(lines[label].get_xdata(), sweep.depths)
        assert np.array_equal(lines[label].get_ydata(), ns)


def test_cost_per_call_lines_and_event_dots():
    curves = [lab.recursion_cost(m, 88, 500, 120) for m in ("1.2", "1.27")]
    ax = P.cost_per_call(curves)
    lines = ax.get_lines()
    for c in curves:
        line = next(ln for ln in lines if ln.get_label() == c.label)
        assert np.array_equal(line.get_ydata(), c.per_call_ns)
        dots = [ln for ln in lines if ln.get_marker() == "o"
                and np.array_equal(ln.get_xdata(), np.asarray(c.events))]
        assert dots and np.array_equal(dots[0].get_ydata(), c.per_call_ns[list(c.events)])


def test_growth_steps_draws_sizes_and_bytes_in_use():
    t = CallTrace.recursion(88, 800, 120)
    profs = [lab.depth_profile(ContiguousStack(v).run(t), t) for v in ("1.4", "1.27")]
    lines = _lines(P.growth_steps(profs))
    for p in profs:
        assert np.array_equal(lines[f"Go {p.version} copying: size"].get_ydata(), p.size)
    assert np.array_equal(lines["bytes in use (hi - SP)"].get_ydata(), t.used)


def test_shrink_figure_and_table_show_model_and_measurement():
    probe = realgo.load().shrink[0]
    model, real = lab.shrink_observed(probe)
    lines = _lines(P.shrink_across_gcs(model, real))
    for label, sizes in model.items():
        assert list(lines[label].get_ydata()) == list(sizes)
    assert list(lines["real Go (measured)"].get_ydata()) == list(real)
    text = P.shrink_table(model, real, [p.phase for p in probe.log])
    assert len(text.splitlines()) == 2 + len(real) and "top gc" in text


def test_pointer_picture_marks_each_pointer_word_in_both_stacks():
    pic = lab.pointer_picture(depth=3)
    ax = P.pointer_picture(pic)
    purple = [p for p in ax.patches if matplotlib.colors.to_hex(p.get_facecolor())
              == P.COLORS["contiguous"].lower()]
    assert len(purple) == 2 * sum(1 for s in pic.slots if s.points_to)
    assert any(f"{pic.delta:#x}" in t.get_text() for t in ax.texts)
    table = P.pointer_table(pic)
    assert f"{pic.heap_value(True):#x} (dangling)" in table
    assert table.count(f"{pic.address('run.total', True):#x}") == 3


def test_pointer_picture_says_what_it_shows():
    pic = lab.pointer_picture(depth=3)
    text = plots_describe(P.pointer_picture(pic).figure)
    pointers = [s for s in pic.slots if s.points_to]
    assert "a panel" not in text and f"{len(pic.slots)} words each" in text
    assert f"hi = {pic.old_hi:#x}" in text and f"hi = {pic.new_hi:#x}" in text
    assert f"{len(pointers)} words point into the stack" in text and f"delta = {pic.delta:#x}" in text
    assert all(f"{s.frame} {s.name} -> {s.points_to.replace('.', ' ')}" in text for s in pointers)
    assert f"heap object points at {pic.heap_target.replace('.', ' ')}" in text


def test_anim_frame_bars_are_size_used_and_guard():
    frames = lab.growth_frames(88, 100, "1.27", entry_used=120)
    f = next(fr for fr in frames if fr.grew)
    fig, ax = plt.subplots()
    P.anim_frame(ax, f, frames[-1].size)
    widths = [p.get_width() for p in ax.patches]
    assert widths == [f.size, f.used, f.guard, f.old_size]
    assert ax.patches[1].get_x() == f.size - f.used
    assert "GREW" in ax.get_title()


def test_tables_carry_the_numbers():
    rows = lab.program_rows(CallTrace.fib(10, entry_used=120))
    text = P.model_table(rows)
    assert all(r.model in text for r in rows) and len(text.splitlines()) == 2 + len(rows)
    vt = P.versions_table(*(versions.get(v) for v in lab.COPYING))
    assert "8 KiB" in vt and "928 B" in vt and "used + 800 < size/4" in vt
    runs = stack_moves.load()
    mt = P.moves_table([row for r in runs for row in stack_moves.compare(r)])
    assert mt.count(" yes") == 14 and " NO" not in mt
    wrong = stack_moves.MoveRun(88, 200, 136, (12,), "test")
    assert " NO" in P.moves_table(stack_moves.compare(wrong))
    run = ContiguousStack("1.27").run(CallTrace.recursion(88, 400, 120))
    gt = P.growth_table(run)
    assert [line.split()[0] for line in gt.splitlines()[2:]] == [str(g.depth) for g in run.growths]
    sweep = lab.start_sweep(CallTrace.loop_body(200, 100), [80])
    st = P.sweep_table(sweep, 80)
    assert "62.00" in st and "1000" in st


def test_release_figure_and_its_words():
    from gostack_kit import plots
    from gostack_kit.labs.copying import release_matrix

    m = release_matrix()
    ax = plots.copying.what_changed(m)
    orange = [p for p in ax.patches if p.get_facecolor()[:3] != ax.patches[0].get_facecolor()[:3]]
    assert len(orange) == len(m.changes()) == 5
    text = plots.copying.changes_text(m)
    assert text.splitlines()[0] == "Go 1.24.11: MaxStackVarSize: 10 MiB -> 128 KiB"
    assert "1.19.8" in plots.copying.releases_table(m, "runtime").splitlines()[0]
    with pytest.raises(ValueError, match="topic"):
        plots.copying.releases_table(m, "gc")
