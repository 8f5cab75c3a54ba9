"""copy_lab: the copy cost model, sweeps, pointer picture, shrink and animation data."""

import numpy as np
import pytest

from gostack_kit import CallTrace, ContiguousStack, SegmentedStack, realgo
from gostack_kit.core import versions
from gostack_kit.labs import copying as lab


def test_copy_cost_is_fixed_plus_bytes_plus_frames():
    c = lab.CopyCost(call_ns=1.0, newstack_ns=100.0, byte_ns=0.5, frame_ns=10.0)
    assert c.copy_ns(1000, 7) == 100 + 500 + 70
    with pytest.raises(ValueError, match="frame_ns"):
        lab.CopyCost(frame_ns=-1)


def test_time_of_a_run_counts_calls_and_every_growth_with_its_live_frames():
    t = CallTrace.recursion(frame=88, depth=700, entry_used=120)
    run = ContiguousStack("1.27").run(t)
    c = lab.COPY_COST
    want = run.calls * c.call_ns + sum(c.newstack_ns + c.byte_ns * g.used + c.frame_ns * (g.depth + 1)
                                       for g in run.growths)
    assert lab.COPY_COST.time_ns(run, t) == pytest.approx(want)


@pytest.mark.parametrize("model", ["1.2", "1.3", "1.4", "1.27"])
def test_recursion_cost_is_running_total_over_calls(model):
    depth = 900
    curve = lab.recursion_cost(model, 88, depth, 120)
    t = CallTrace.recursion(frame=88, depth=depth, entry_used=120)
    extra = np.zeros(depth + 1)
    if model == "1.2":
        run = SegmentedStack("1.2").run(t)
        for e in run.split_events:
            extra[e.depth] += lab.SPLIT_COST.split_ns
    else:
        run = ContiguousStack(model).run(t)
        for g in run.growths:
            extra[g.depth] += lab.COPY_COST.copy_ns(g.used, g.depth + 1)
    calls = np.arange(1, depth + 2)
    np.testing.assert_allclose(curve.per_call_ns, (2.0 * calls + np.cumsum(extra)) / calls)
    assert curve.events == tuple(int(d) for d in np.flatnonzero(extra))


@pytest.mark.parametrize("frame", [24, 88, 1016, 4104])
def test_doubling_copies_less_than_the_final_stack(frame):
    t = CallTrace.recursion(frame=frame, depth=200_000 // (frame + 8), entry_used=120)
    run = ContiguousStack("1.27").run(t)
    prof = lab.depth_profile(run, t)
    assert prof.copied[-1] == run.bytes_copied < run.final_size
    assert prof.size[-1] == run.final_size and (np.diff(prof.size) >= 0).all()
    assert prof.growth_depths == tuple(g.depth for g in run.growths)


def test_nested_hot_loop_is_the_engines_hot_loop():
    mine = CallTrace.loop_body(callee=200, n=7).nested(82, 88)
    engine = CallTrace.hot_loop(81, 88, callee=200, n=7)
    assert np.array_equal(mine.kind, engine.kind) and np.array_equal(mine.frame, engine.frame)


def test_hot_loop_sweep_segments_split_every_call_where_the_engine_does_copying_at_most_once():
    n = 50
    sweep = lab.start_sweep(CallTrace.loop_body(200, n), range(0, 200), models=("1.2", "1.27"))
    go12 = SegmentedStack("1.2")
    seg = np.array([go12.run(CallTrace.hot_loop(d, 88, 200, n)).splits
                    - go12.run(CallTrace.hot_loop(d, 88, 200, 0)).splits for d in range(200)])
    np.testing.assert_allclose(sweep.events_per_call["Go 1.2 segments"], seg / n)
    np.testing.assert_allclose(sweep.per_call_ns["Go 1.2 segments"], 2.0 + 60.0 * seg / n)
    assert (seg == n).any()
    grows = sweep.events_per_call["Go 1.27 copying"]
    assert set(np.unique(grows * n)) <= {0.0, 1.0}
    assert (sweep.per_call_ns["Go 1.27 copying"][grows == 0] == 2.0).all()
    assert lab.worst_depth(sweep) == int(np.flatnonzero(seg == n)[0])


def test_repeated_passes_copy_once_but_split_every_pass():
    one = CallTrace.down_and_up(88, 500, 120)
    rows = {r.model: r for r in lab.program_rows(one.repeated(5), models=("1.2", "1.27"))}
    single = {r.model: r for r in lab.program_rows(one, models=("1.2", "1.27"))}
    assert rows["Go 1.2 segments"].events == 5 * single["Go 1.2 segments"].events > 0
    assert rows["Go 1.27 copying"].events == single["Go 1.27 copying"].events > 0
    with pytest.raises(ValueError, match="return every call"):
        CallTrace.recursion(88, 3).repeated(2)


def test_pointer_picture_adds_delta_to_every_stack_pointer_and_not_to_the_heap():
    pic = lab.pointer_picture(depth=4)
    ptrs = [s for s in pic.slots if s.points_to]
    assert len(ptrs) == 8
    for s in ptrs:
        assert pic.value(s, True) - pic.value(s, False) == pic.delta == pic.new_hi - pic.old_hi
        assert pic.new_lo <= pic.value(s, True) < pic.new_hi
    assert pic.heap_value(True) == pic.heap_value(False) and pic.dangling()
    assert len({s.offset for s in pic.slots}) == len(pic.slots)


def _halvings(size, used, v, gcs):
    out = [size]
    counted = used + (v.stack_nosplit if v.shrink_counts_nosplit else 0)
    for _ in range(gcs):
        if size // 2 >= v.stack_min and counted < size // 4:
            size //= 2
        out.append(size)
    return tuple(out)


@pytest.mark.parametrize("version", lab.COPYING)
def test_parked_goroutine_halves_once_per_gc_until_the_rule_stops(version):
    t = lab.parked_trace(frame=88, depth=500, gcs=6, park=192, entry_used=120)
    run = ContiguousStack(version).run(t)
    v = versions.get(version)
    used = 120 - 8 + 192 + 8
    assert lab.gc_sizes(run, t) == _halvings(run.peak_size, used, v, 6)


@pytest.mark.parametrize("i", range(3))
def test_go127_model_matches_the_recorded_shrinks(i):
    probe = realgo.load().shrink[i]
    model, real = lab.shrink_observed(probe)
    assert model["Go 1.27 copying"] == real


def test_growth_frames_show_every_growth_and_the_picture_before_it():
    frames = lab.growth_frames(frame=88, depth=400, version="1.27", entry_used=120, max_frames=40)
    run = ContiguousStack("1.27").run(CallTrace.recursion(88, 400, 120))
    grew = [f.depth for f in frames if f.grew]
    assert grew == [g.depth for g in run.growths] and len(frames) <= 40
    depths = [f.depth for f in frames]
    assert depths == sorted(set(depths)) and all(d - 1 in depths for d in grew)
    for f in frames:
        assert f.used == 120 + f.depth * 96 + 88 and f.used < f.size
        assert f.old_size == (f.size // 2 if f.grew else f.size)


def test_release_matrix_reads_every_recorded_release():
    from gostack_kit.labs.copying import release_matrix
    from gostack_kit.realgo import releases

    m = release_matrix()
    assert m.releases == tuple(r["go_version"] for r in releases.load_all())
    assert all(m.agree) and len(m.releases) == 8
    changed = {(r[2:6], fact) for r, fact, _, _ in m.changes()}
    assert changed == {("1.24", "MaxStackVarSize"), ("1.24", "a self-recursive func"),
                       ("1.25", "make([]int, n), n unknown"),
                       ("1.25", "allocs of make([]byte, 16)"),
                       ("1.26", "probe frame (64-byte array)")}
    assert all(len(set(v)) == 1 for t, _, v in m.rows if t == "runtime")
