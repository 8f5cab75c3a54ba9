"""Cross-validation: the engine's models against the real Go runtime, measured by probes.

Skipped with a one-line reason when no Go toolchain is found, except under CI=true, where a
missing toolchain fails. Each probe runs once per module (one Go build, batched cases).
"""

import os

import pytest

from gostack_kit import CallTrace, ContiguousStack
from gostack_kit.realgo import (
    INSTALL_HINT,
    adaptive_probes,
    compiler_facts,
    expected_prologue,
    find_go,
    growth_probes,
    have_go,
    load,
    memory_probes,
    parked_goroutine_bytes,
    parse_decisions,
    shrink_probes,
    shrink_trace,
)
from gostack_kit.realgo.facts import demo_output
from gostack_kit.realgo.probes import GROWTH_FRAMES, MAIN_FRAMES, SHRINK_CASES, size_after


@pytest.fixture(scope="module", autouse=True)
def toolchain():
    """The live toolchain, or a skip (a failure under CI=true) when there is none."""
    if not have_go():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    tc = find_go()
    if not tc.platform.endswith("/amd64"):
        pytest.skip(f"the stack probe reads g from R14: amd64 only, this is {tc.platform}")
    return tc


@pytest.fixture(scope="module")
def growth(toolchain):
    return {(p.where, p.frame): p for p in growth_probes()}


@pytest.fixture(scope="module")
def shrink(toolchain):
    return shrink_probes()


@pytest.fixture(scope="module")
def demo(toolchain):
    return demo_output()


@pytest.fixture(scope="module")
def adaptive(toolchain):
    return adaptive_probes()


@pytest.fixture(scope="module")
def memory(toolchain):
    return memory_probes((1_000, 10_000, 100_000))


GROWTH_CASES = [("goroutine", f) for f in GROWTH_FRAMES] + [("main", f) for f in MAIN_FRAMES]


def test_cases_cover_every_prologue_class_and_edge():
    classes = {expected_prologue(f) for _, f in GROWTH_CASES}
    assert classes == {"small", "leaq", "subq"}
    assert len(GROWTH_CASES) >= 20
    for edge in (128, 136, 4096, 4104):
        assert ("goroutine", edge) in GROWTH_CASES and ("main", edge) in GROWTH_CASES
    assert min(f for _, f in GROWTH_CASES) == 24


@pytest.mark.parametrize(("where", "frame"), GROWTH_CASES, ids=[f"{w}-{f}" for w, f in
                                                                GROWTH_CASES])
def test_growth_model_reproduces_real_events(growth, where, frame):
    real = growth[(where, frame)]
    # The probe's frame is -S's, and its prologue class is the one obj6.go picks for it.
    assert real.frame == frame and real.prologue == expected_prologue(frame)
    # Each level moves SP by the frame plus the return address.
    assert real.steps == (frame + 8,)
    trace = CallTrace.recursion(frame=real.frame, depth=real.depth, entry_used=real.entry_used)
    run = ContiguousStack(version="1.27", initial_size=real.initial_size).run(trace)
    model = [(g.depth, g.old_size, g.new_size) for g in run.growths]
    events = [(g.depth, g.old_size, g.new_size) for g in real.growths]
    assert events, "the probe must grow the stack at least once"
    assert model == events
    assert run.final_size == real.final_size


def test_fresh_goroutine_starts_at_2048_and_main_is_measured(growth):
    fresh = {p.initial_size for (w, _), p in growth.items() if w == "goroutine"}
    assert fresh == {2048}  # GC off during the probe: no adaptive start yet
    main = {p.initial_size for (w, _), p in growth.items() if w == "main"}
    assert len(main) == 1 and main.pop() >= 2048


@pytest.mark.parametrize("index", range(len(SHRINK_CASES)),
                         ids=[f"frame{c[0]}-depth{c[1]}-park{c[2]}" for c in SHRINK_CASES])
def test_shrink_model_matches_size_after_every_gc(shrink, index):
    real = shrink[index]
    trace, marks = shrink_trace(real)
    run = ContiguousStack(version="1.27", initial_size=real.initial_size).run(trace)
    model = [size_after(run, real.initial_size, m) for m in marks]
    assert model == [p.size for p in real.log]
    assert max(p.size for p in real.log) == 65536  # each case grew to 64 KB first
    assert real.log[-1].size < 65536  # and shrank once parked after returning


def test_parked_goroutine_sits_a_fixed_runtime_depth_below_its_caller(shrink):
    # hi - sched.sp of a goroutine parked in park() -> chanrecv1 -> chanrecv -> gopark is
    # the caller's bytes + one return address + the same runtime chain, wherever it parks.
    deep = [p for p in shrink if p.park_at >= 0]
    chains = {p.log[0].used - p.used_at_park - 8 for p in deep}
    assert len(chains) == 1 and 0 < chains.pop() < 1024


def test_memory_model_within_ten_percent(memory):
    model = parked_goroutine_bytes()
    for real in memory:
        assert abs(model.total - (real.stack_per_g + real.heap_per_g)) <= 0.10 * model.total
        if real.n >= 10_000:  # 1,000 goroutines still partly fit in cached stack spans
            assert real.stack_per_g == pytest.approx(model.stack, rel=0.01)
            assert real.heap_per_g == pytest.approx(model.heap, rel=0.10)


def test_every_compiler_fact_holds_on_the_real_compiler(demo):
    facts = compiler_facts(demo)
    assert len(facts) >= 14
    failed = [(f.name, f.evidence) for f in facts if not f.holds]
    assert failed == []


def test_adaptive_start_after_a_gc_saw_deep_stacks(adaptive):
    default, off = adaptive
    assert (default.godebug, off.godebug) == ("default", "adaptivestackstart=0")
    assert default.fresh == off.fresh == 2048
    # 200 goroutines parked ~29 KB deep: round2(average scanned + 928) is above 2048.
    assert default.after_gc > 2048 and default.after_gc & (default.after_gc - 1) == 0
    assert off.after_gc == 2048


def test_live_run_agrees_with_the_recording(toolchain, growth, shrink, demo, adaptive, memory):
    rec = load()
    if not toolchain.version.startswith(rec.go_version.rsplit(".", 1)[0]):
        # the shipped recording must come from the toolchain CI installs: a mismatch is drift
        message = (f"recording is {rec.go_version}, live toolchain is {toolchain.version}: "
                   "regenerate it with python -m gostack_kit.realgo.record")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    assert {(p.where, p.frame): p for p in rec.growth} == growth
    assert rec.shrink == shrink
    assert parse_decisions(rec.demo.m_output) == parse_decisions(demo.m_output)
    assert (rec.demo.frames, rec.demo.frames_noinline) == (demo.frames, demo.frames_noinline)
    assert rec.adaptive == adaptive
    assert [m.n for m in rec.memory] == [m.n for m in memory]
    for recorded, live in zip(rec.memory, memory, strict=True):
        assert live.stack_per_g == pytest.approx(recorded.stack_per_g, rel=0.05)
        assert live.heap_per_g == pytest.approx(recorded.heap_per_g, rel=0.10)
