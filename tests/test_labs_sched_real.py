"""labs.sched's real-vs-model helpers: model slices from a run, the named workloads, slice statistics."""

import pytest

from gostack_kit.labs import sched as lab
from gostack_kit.realgo.sched_runs import recorded_runs
from gostack_kit.realgo.sched_suite import workload
from gostack_kit.sched import Workload, simulate
from gostack_kit.sched.record import SLICE_ENDS, Slice, Span, Timeline

MS = 1_000_000


def test_model_slices_follow_the_runs_spans_and_end_reasons():
    run = simulate(Workload.from_spec(workload("contract")))
    slices = lab.model_slices(run)
    assert {s.why for s in slices} <= set(SLICE_ENDS)
    g1 = [s.why for s in slices if s.g == 1]
    assert g1 == ["syscall", "exit"]  # run 2 ms, syscall 1 ms, run 0.5 ms
    for g, fin in enumerate(run.finish_ns, 1):
        last = [s for s in slices if s.g == g][-1]
        assert (last.why, last.end_ns) == ("exit", fin)
    runs = run.spans[(run.spans["kind"] == Span.RUN) & (run.spans["g"] > 0)]
    assert sum(s.end_ns - s.start_ns for s in slices) >= int((runs["end"] - runs["start"]).sum())


def test_model_slices_count_the_preemptions_of_a_hog():
    run = simulate(Workload.from_spec(workload("hog-60")))
    slices = lab.model_slices(run)
    assert sum(s.why == "preempted" for s in slices) == run.preemptions > 0
    assert all(a.end_ns <= b.start_ns for a, b in zip(slices, slices[1:]))  # one P: no overlap


def test_real_vs_model_pairs_the_recording_with_the_model():
    cmp = lab.real_vs_model("nb03", "recorded")
    assert cmp.real == tuple(recorded_runs(workload("nb03")))
    assert cmp.model.source.startswith("model") and cmp.model.slices
    lasts = sorted(max(t.finish_ns) for t in cmp.real)
    assert max(cmp.typical.finish_ns) == lasts[(len(lasts) - 1) // 2]
    with pytest.raises(ValueError, match="name"):
        lab.real_vs_model("no-such-workload", "recorded")


def _tl(*slices, finish):
    return Timeline("test", 1, tuple(sorted({s.g for s in slices})), finish, 0, 0, 1, tuple(slices))


def test_slice_stats_on_hand_made_runs():
    a = _tl(Slice(1, 0, 0, 1 * MS, 11 * MS, "preempted"), Slice(1, 0, 0, 12 * MS, 32 * MS, "preempted"),
            Slice(1, 0, 0, 33 * MS, 34 * MS, "exit"), finish=(34 * MS,))
    b = _tl(Slice(1, 0, 0, 2 * MS, 4 * MS, "exit"), finish=(4 * MS,))
    s = lab.slice_stats([a, b], 1)
    assert s.first_start == (1 * MS, 2 * MS) and s.first_cut == 1 and s.first_cut_len == (10 * MS, 10 * MS)
    assert s.later_cut == (20 * MS, 20 * MS, 20 * MS) and s.finish == (4 * MS, 34 * MS)
    assert lab.slice_stats([b]).later_cut is None and lab.slice_stats([b]).first_cut_len is None
    with pytest.raises(ValueError, match="timelines"):
        lab.slice_stats([])
    with pytest.raises(ValueError, match="g"):
        lab.slice_stats([a], 2)


def test_syscall_gaps_measure_until_another_g_runs_on_that_p():
    a = _tl(Slice(1, 0, 0, 0, 1 * MS, "syscall"), Slice(2, 1, 0, 1 * MS + 200_000, 2 * MS, "exit"),
            Slice(1, 0, 0, 3 * MS, 4 * MS, "exit"), finish=(4 * MS, 2 * MS))
    back_first = _tl(Slice(1, 0, 0, 0, 1 * MS, "syscall"), Slice(1, 0, 0, 2 * MS, 3 * MS, "exit"),
                     Slice(2, 0, 0, 3 * MS, 4 * MS, "exit"), finish=(3 * MS, 4 * MS))
    assert lab.syscall_gaps(a) == (200_000,) and lab.syscall_gaps(back_first) == ()
    assert lab.gap_stats([a, back_first, a]) == (200_000, 200_000, 200_000, 2)
    assert lab.gap_stats([back_first]) is None


def test_the_recorded_contract_hands_p0_over_while_g1_sits_in_its_syscall():
    real, model = lab.real_vs_model("contract", "recorded").gaps()
    assert real[3] == 10 and 0 < real[0] <= real[1] <= real[2]  # once in each of the 10 runs
    assert model is not None and model[3] == 1


def test_finish_ranges_read_every_recorded_run_and_the_models_last_finish():
    from gostack_kit.plots.sched import finish_table
    rows = lab.finish_ranges(("syscall-p2", "syscall-p4"))
    for (name, procs, lo, med, hi, model), want in zip(rows, ("syscall-p2", "syscall-p4"), strict=True):
        real = sorted(max(t.finish_ns) for t in recorded_runs(workload(want)))
        assert (name, procs) == (want, workload(want)["gomaxprocs"])
        assert (lo, hi) == (real[0], real[-1]) and lo <= med <= hi and len(real) == 10
        assert model == max(simulate(Workload.from_spec(workload(want))).finish_ns)
    # 4 Ps on the recording's 2 cores: the real median is later than at 2 Ps, the model's sooner
    (_, _, _, med2, _, model2), (_, _, _, med4, _, model4) = rows
    assert med4 > med2 and model4 < model2
    table = finish_table(rows).splitlines()
    assert table[0].split() == ["workload", "GOMAXPROCS", "real:", "min", "median", "max", "model"]
    assert table[3].split() == ["syscall-p4", "4", f"{rows[1][2] / 1e6:.2f}", f"{med4 / 1e6:.2f}",
                                f"{rows[1][4] / 1e6:.2f}", f"{model4 / 1e6:.2f}"]
    with pytest.raises(ValueError, match="name must be one of"):
        lab.finish_ranges(("syscall-p3",))
