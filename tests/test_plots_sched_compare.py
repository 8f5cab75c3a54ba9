"""plots.sched_compare: real Go's timeline over the model's, the slices table, sysmon's sleeps."""

import dataclasses
from collections import namedtuple

import pytest

from gostack_kit.labs import sched as lab
from gostack_kit.plots import describe
from gostack_kit.plots import sched_compare as sc

Look = namedtuple("Look", "t_ns delay_ns idle handoffs preempted")


@pytest.fixture(scope="module")
def nb03():
    return lab.real_vs_model("nb03", "recorded")


def test_the_figure_has_a_panel_per_side_and_names_every_slice(nb03):
    fig = sc.real_vs_model(nb03)
    text = describe(fig)
    assert len(fig.axes) == 2 and "real Go" in text and "model" in text
    for s in (*nb03.typical.slices, *nb03.model.slices):
        assert f"G{s.g} on P{s.p} {sc.ms(s.start_ns)}-{sc.ms(s.end_ns)} ms ({sc.END_MARKS[s.why][2]})" in text
    assert sum(len(ax.lines) for ax in fig.axes) == len(nb03.typical.slices) + len(nb03.model.slices)


def test_the_table_has_a_row_per_run_sorted_by_finish(nb03):
    lines = sc.slices_table(nb03, 1).splitlines()
    rows = lines[3:-2]
    assert len(rows) == len(nb03.real) + 1 and rows[-1].startswith("model")
    finish = [float(r.split()[-1]) for r in rows[:-1]]
    assert finish == sorted(finish)
    line = sc.stats_line(nb03.stats(1))
    assert lines[-2] == "real " + line
    model = " ".join(f"G{g}" for g in nb03.model.order)
    orders = nb03.orders()  # the recording: (1, 2) in 6 runs, (2, 1) in 4
    assert sum(c for _, c in orders) == len(nb03.real) and len(orders) == 2
    real = ", ".join(f"{sc._order(o)} in {c}" for o, c in orders)
    assert lines[-1] == f"first-run order: real {real}; model {model}"
    cut = sum(lab.slices_of(t, 1)[0].why == "preempted" for t in nb03.real)
    if cut:
        assert f"preempted in {cut} of {len(nb03.real)}" in line
    else:  # the recording: G1 ran its 2 ms uncut in all 10
        assert f"never preempted (it ran to its end in all {len(nb03.real)})" in line


def test_orders_count_each_first_run_order_commonest_first():
    rec = lab.real_vs_model("nb03", "recorded")
    t1, t2 = rec.real[0], rec.real[1]
    flipped = dataclasses.replace(t2, order=tuple(reversed(t2.order)))
    cmp = rec._replace(real=(t1, flipped, flipped))
    assert cmp.orders() == ((flipped.order, 2), (t1.order, 1))
    assert f"real {sc._order(flipped.order)} in 2, {sc._order(t1.order)} in 1;" in sc.slices_table(cmp)
    assert sc._order(tuple(range(1, 11))) == "G1 G2 G3 G4 G5 G6 G7 G8 ..."


def test_sysmon_sleeps_describes_the_back_off():
    looks = [Look(20_000 * (i + 1), 20_000, i, 0, 0) for i in range(3)] + [
        Look(100_000, 40_000, 3, 0, 0), Look(10_180_000, 10_000_000, 4, 0, 1)]
    fig = sc.sysmon_sleeps(looks)
    text = describe(fig)
    assert "5 looks" in text and "first sleeps are 20 us" in text and "longer from 0.1 ms" in text
    assert "preempting looks at 10.2 ms" in text and "10000 us" in text
    with pytest.raises(ValueError, match="looks"):
        sc.sysmon_sleeps([])


def test_real_sleeps_table_and_dots_come_from_the_probe_record():
    from gostack_kit.realgo import sysmon_probe as sp
    run = sp.ProbedRun(sp.ZeroState(3, 2, 0, 0, 4, 0, 0, -1), (
        sp.RealLook(-50_000, -49_000, 20, 4), sp.RealLook(50_000, 51_000, 20, 5),
        sp.RealLook(152_000, 153_000, 20, 6), sp.RealLook(400_000, 900_000, 20, 7)))  # deep sleep
    lines = sc.real_sleeps_table([run]).splitlines()
    assert lines[2].split() == ["20", "2", "99.0", "100.0", "101.0"]  # 50 - (-49), 152 - 51 us
    assert len(lines) == 3  # the look after the deep sleep is not a usleep's length
    looks = [Look(100_000, 100_000, 5, 0, 0), Look(200_000, 100_000, 6, 0, 0)]
    text = describe(sc.sysmon_sleeps(looks, real=("go1.27.3 recorded", [run])))
    assert "grey dots: 2 real looks from 1 runs (go1.27.3 recorded), sleeps 99-101 us" in text
    with pytest.raises(ValueError, match="real runs"):
        sc.sysmon_sleeps(looks[:1], real=("x", [run._replace(looks=run.looks[:1])]))
    with pytest.raises(ValueError, match="runs must hold"):
        sc.real_sleeps_table([])


def _backoff(n):
    """n looks of sysmon's loop with nothing to do, as `sysmon` in runtime/proc.go sleeps them."""
    t, d, out = 0, 0, []
    for idle in range(n):  # idle: looks in a row that found nothing, before this one
        d = 20_000 if idle == 0 else (2 * d if idle > 50 else d)
        d = min(d, 10_000_000)
        t += d
        out.append(Look(t, d, idle + 1, 0, int(t >= 10_000_000 and d == 5_120_000)))
    return out


def test_sysmon_stretches_group_equal_sleeps_and_the_table_shows_them():
    st = lab.sysmon_stretches(_backoff(62))
    assert (st[0].first, st[0].last, st[0].delay_ns) == (1, 51, 20_000)
    assert [s.delay_ns for s in st[1:]] == [20_000 * 2**k for k in range(1, 9)] + [10_000_000]
    assert (st[-1].first, st[-1].last) == (60, 62) and sum(s.preempted for s in st) == 1
    lines = sc.sysmon_table(st).splitlines()
    assert len(lines) == 2 + len(st) and lines[2].split()[:2] == ["1-51", "20"]
    assert lab.sysmon_stretches([]) == ()


def test_handoff_line_names_both_sides():
    line = sc.handoff_line(lab.real_vs_model("contract", "recorded"))
    assert line.startswith("contract, from a G entering a syscall") and "10 syscalls in 10 runs" in line
    assert "no syscall's P ran another G" in sc.handoff_line(lab.real_vs_model("syscall-lone", "recorded"))


def test_costs_figure_draws_the_models_costs_beside_every_run():
    from gostack_kit.realgo import costs_probe as cp
    from gostack_kit.sched import Costs
    runs = [dict.fromkeys(cp.FIELDS, v) | {"goroutine_life": 3 * v, "kernel_slice": 1000 * v}
            for v in (100, 200)]
    fig = sc.costs_figure("go1.27.3 recorded", runs, costs=Costs(**cp.costs_fields(runs[:1])))
    text = describe(fig)
    assert "2 measured runs, go1.27.3 recorded" in text
    assert "goroutine switch 100 ns (runs 100-200)" in text
    assert "goroutine create 200 ns (runs 200-400)" in text  # life less a switch, per run
    assert "kernel time slice 100,000 ns (runs 100,000-200,000)" in text
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [label for _, label in sc.COST_ROWS]
    assert ax.get_xscale() == "log"
    one = describe(sc.costs_figure("go1.27.3 live", runs[1:]))
    assert "1 measured run, go1.27.3 live" in one
    assert f"goroutine switch {Costs().goroutine_switch_ns} ns (measured 200)" in one
    source, recorded = cp.measured_runs("recorded")
    assert source == "go1.27.3 recorded" and recorded == cp.recorded_runs()
    assert f"thread create {Costs().thread_create_ns:,} ns" in describe(sc.costs_figure(source, recorded))
    with pytest.raises(ValueError, match="runs must hold"):
        sc.costs_figure("x", [])
    with pytest.raises(ValueError, match="prefer"):
        cp.measured_runs("sometimes")
