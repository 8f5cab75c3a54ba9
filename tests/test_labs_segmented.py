"""segment_lab: snapshots agree with the engine's events; sweeps agree with whole engine runs."""

import numpy as np
import pytest

from gostack_kit import CallTrace, SegmentedStack, SplitCost
from gostack_kit.core import versions
from gostack_kit.labs import segmented as lab
from gostack_kit.realgo import recordings
from gostack_kit.realgo.probes import Growth, GrowthProbe
from gostack_kit.stacks.segmented import check_fails

PROGRAM = [("call", 3000), ("call", 2500, 16), ("call", 2000, 16), ("call", 1200, 8), ("call", 600),
           ("call", 9000, 32), ("ret",), ("ret",), ("ret",), ("ret",)]


def traces():
    return [
        CallTrace.from_steps(PROGRAM, entry_used=200),
        CallTrace.hot_loop(81, 88, 200, 3),
        CallTrace.hot_loop(170, 40, 3000, 2, entry_used=500, args=16, callee_args=24),
        CallTrace.fib(9, entry_used=3700),
        CallTrace.random(1200, seed=7, max_depth=60),
    ]


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("k", range(5))
def test_snapshot_matches_every_split_and_free(version, k):
    """Before a split the top segment is the event's old segment and its entry is the event's `used`;
    after a free the restored segment has the event's size and bytes in use."""
    stack = SegmentedStack(version)
    trace = traces()[k]
    run = stack.run(trace)
    for e in run.split_events:
        seg = lab.snapshot(stack, trace, e.step).segments[-1]
        assert (seg.size, seg.used + 8) == (e.old_size, e.used)
        after = lab.snapshot(stack, trace, e.step + 1).segments[-1]
        assert (after.size, after.made_at, after.frames[0].frame) == (e.new_size, e.step, e.frame)
        assert after.reserved == e.nbytes + 8  # args copied, plus lessstack's return PC
    for e in run.frees:
        seg = lab.snapshot(stack, trace, e.step + 1).segments[-1]
        assert (seg.size, seg.used) == (e.new_size, e.used)


@pytest.mark.parametrize("k", range(5))
def test_snapshot_frames_segments_and_checks(k):
    """At every step: frames are the live calls, sizes add up to the run's total, and every frame
    that did not start a segment passed its prologue check where it sits."""
    stack = SegmentedStack("1.2")
    trace = traces()[k]
    v = versions.get("1.2")
    steps = range(0, len(trace) + 1, max(1, len(trace) // 60))
    for step in [*steps, len(trace)]:
        snap = lab.snapshot(stack, trace, step)
        assert snap.frames == stack.run(CallTrace(trace.kind[:step], trace.frame[:step],
                                                  trace.args[:step], trace.entry_used)).final_frames
        for seg in snap.segments:
            for i, f in enumerate(seg.frames):
                if i or seg.made_at < 0:
                    assert not check_fails(seg.capacity, f.start, f.frame, v)
                else:
                    assert f.start == seg.reserved and f.step == seg.made_at
            end = seg.frames[-1].start + seg.frames[-1].frame if seg.frames else seg.reserved
            assert seg.used == end
    final = lab.snapshot(stack, trace, len(trace))
    assert final.total == stack.run(trace).final_size and final.next_step == "end"


def test_snapshot_of_the_small_program():
    """The worked example of notebook 4, by hand: 3000 + 2500 + 2000 fit, 1200 splits, 9000 splits."""
    stack = SegmentedStack("1.2")
    snap = lab.snapshot(stack, CallTrace.from_steps(PROGRAM, entry_used=200), 6)
    assert [s.size for s in snap.segments] == [8192, 8192, 9000 + 32 + 2048]
    assert [[f.frame for f in s.frames] for s in snap.segments] == [[3000, 2500, 2000], [1200, 600], [9000]]
    assert [f.start for f in snap.segments[0].frames] == [200, 3208, 5716]
    assert snap.segments[1].frames[1].start == 16 + 1200 + 8 and snap.next_step == "ret"


def test_snapshot_refuses_steps_outside_the_trace():
    t = CallTrace.hot_loop(3, 88, 200, 1)
    with pytest.raises(ValueError, match="step must be an integer in"):
        lab.snapshot(SegmentedStack(), t, len(t) + 1)
    with pytest.raises(TypeError, match="step"):
        lab.snapshot(SegmentedStack(), t, 1.5)


@pytest.mark.parametrize("version,stack_min,frame,callee,n,entry", [
    ("1.2", None, 88, 200, 7, 0), ("1.1", None, 88, 200, 1, 0), ("1.2", 2048, 40, 3000, 3, 128),
    ("1.2", 16384, 136, 120, 5, 900), ("1.1", None, 24, 8200, 2, 64),
])
def test_hot_split_sweep_equals_whole_hot_loop_runs(version, stack_min, frame, callee, n, entry):
    """The comb trace gives, at every depth, the splits, calls and ns per iteration of the real hot loop."""
    stack = SegmentedStack(version, stack_min=stack_min)
    cost = SplitCost(call_ns=1.5, split_ns=75.0)
    sw = lab.hot_split_sweep(stack, 230, callee, n, frame=frame, entry_used=entry, cost=cost)
    for d in range(0, 231):
        run = stack.run(CallTrace.hot_loop(d, frame, callee, n, entry_used=entry))
        assert (sw.splits[d], sw.calls[d]) == (run.splits, run.calls)
        assert sw.ns_per_iter[d] == cost.per_iteration_ns(run, n)
    engine = stack.hot_split_sweep(range(231), frame, callee, n=2, entry_used=entry)
    assert np.array_equal(sw.split_per_iter, engine)
    assert sw.hot.tolist() == np.flatnonzero(engine).tolist()


def test_hot_split_spacing_doubles_from_go11_to_go12():
    """Go 1.2's 8 KB segments put the hot depths of a 200-byte callee about twice as far apart, but
    each boundary stays just as wide (two depths: 200 - 128 + 256 bytes of shortage over 96-byte levels)."""
    s11 = lab.hot_split_sweep(SegmentedStack("1.1"), 400, 200, 100)
    s12 = lab.hot_split_sweep(SegmentedStack("1.2"), 400, 200, 100)
    assert s11.hot[:2].tolist() == [38, 39] and s12.hot[:2].tolist() == [80, 81]
    for sw in (s11, s12):
        starts = sw.hot[np.r_[True, np.diff(sw.hot) > 1]]
        assert len(sw.hot) == 2 * len(starts) and set(sw.split_per_iter.tolist()) == {0, 1}


def test_fib_sweep_matches_direct_runs_and_worst_case_does_not_shrink():
    offsets = np.arange(0, 4096, 64)
    fib = lab.fib_sweep(10, offsets, stack_mins=(2048, 4096))
    cost = SplitCost()
    for k, m in enumerate((2048, 4096)):
        stack = SegmentedStack("1.2", stack_min=m)
        for i, off in enumerate(offsets.tolist()):
            if off >= m - 96:
                assert fib.splits[k, i] == -1 and np.isnan(fib.ns_per_call[k, i])
                continue
            run = stack.run(CallTrace.fib(10, entry_used=off))
            assert fib.splits[k, i] == run.splits
            assert fib.ns_per_call[k, i] == cost.time_ns(run) / run.calls
    assert fib.worst(0)[1] == fib.worst(1)[1] > 0
    assert fib.share_hit(1) < fib.share_hit(0)


def test_fib_sweep_refuses_bad_offsets():
    with pytest.raises(ValueError, match="offsets"):
        lab.fib_sweep(5, [])
    with pytest.raises(ValueError, match="offsets"):
        lab.fib_sweep(5, [-8, 16])


def test_prologue_predictions_on_a_made_up_probe():
    """A 24-byte frame entered with 128 bytes in use on 2 KB fails Go 1.27's check at depth 31 (by hand:
    2048 - (128 + 31*32) = 928 = StackGuard), and on 4 KB at depth 95."""
    probe = GrowthProbe(24, "small", "goroutine", 200, 2048, 128, (32,),
                        (Growth(31, 2048, 4096), Growth(95, 4096, 8192)), 8192)
    preds = lab.prologue_predictions([probe])
    assert [(p.real_depth, p.predicted_depth) for p in preds] == [(31, 31), (95, 95)]


def test_prologue_predictions_match_every_recorded_real_growth():
    preds = lab.prologue_predictions(recordings.load().growth)
    assert len(preds) == sum(len(p.growths) for p in recordings.load().growth) > 100
    assert all(p.real_depth == p.predicted_depth for p in preds)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="n must be"):
        lab.hot_split_sweep(SegmentedStack(), 10, 200, 0)
    with pytest.raises(TypeError, match="cost must be a SplitCost"):
        lab.hot_split_sweep(SegmentedStack(), 10, 200, 1, cost=2.0)
    with pytest.raises(ValueError, match="callee"):
        CallTrace.comb(3, 88, 0)


def test_switch_checks_on_the_recording_are_all_exact():
    from gostack_kit.realgo import splitstack_record
    checks = lab.switch_checks(splitstack_record.load())
    assert len(checks) == len(splitstack_record.CASES) + len(splitstack_record.GO_CASES)
    assert all(c.same for c in checks), [c.case for c in checks if not c.same]
    # a wrong model shows up as not the same
    c = checks[0]
    wrong = lab.SwitchCheck(c.case, c.toolchain, c.real, c.model[1:], c.real_death, c.model_death)
    assert not wrong.same


def test_measured_costs_sit_beside_the_go_1_2_estimate():
    from gostack_kit.realgo import splitstack_record
    costs = lab.measured_costs(splitstack_record.load())
    assert costs["Go 1.2 (estimate)"] == lab.COST
    masked, plain = costs["gcc (signals masked)"], costs["gcc (no signal mask)"]
    assert masked.split_ns > 10 * plain.split_ns > 0
    assert all(c.call_ns > 0 for c in costs.values())


def test_policy_rows_read_the_records():
    rows = {r[0]: r[1:] for r in lab.policy_rows(47808)}
    assert "49,152" in rows["new segment"][0]  # SIGSTKSZ 47808 + 56 rounded up to pages
    assert rows["on return"][2].startswith("freed")
    assert "4,198,400" in rows["first stack"][1]
