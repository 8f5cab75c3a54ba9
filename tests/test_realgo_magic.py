"""Tests of the %%go cell magic, driven through IPython's InteractiveShell."""

import os

import pytest

pytest.importorskip("IPython")

from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

from gostack_kit.core.text import text_table  # noqa: E402
from gostack_kit.realgo import (  # noqa: E402
    INSTALL_HINT,
    GoNotFoundError,
    have_go,
    magic,
    parse_asm,
)
from gostack_kit.realgo.magic import frames_table  # noqa: E402

needs_go = pytest.mark.skipif(not have_go() and os.environ.get("CI") != "true",
                              reason=INSTALL_HINT)

CELL = """package main

import "fmt"

type point struct{ x, y int }

func newPoint(x, y int) *point { return &point{x, y} }

//go:noinline
func rec(n int) int {
	var buf [64]byte
	buf[n%64] = 1
	if n == 0 {
		return int(buf[0])
	}
	return rec(n-1) + int(buf[3])
}

func main() {
	p := newPoint(1, 2)
	fmt.Println("hello", p.x, rec(10))
}
"""


@pytest.fixture(scope="module")
def shell():
    sh = InteractiveShell.instance()
    sh.run_line_magic("load_ext", "gostack_kit")
    return sh


def test_load_ext_registers_the_go_cell_magic(shell):
    assert "go" in shell.magics_manager.magics["cell"]


def test_no_toolchain_prints_one_line_and_no_traceback(shell, monkeypatch, capsys):
    def missing(*args, **kwargs):
        raise GoNotFoundError()

    monkeypatch.setattr(magic, "build_and_run", missing)
    shell.run_cell_magic("go", "", CELL)
    out, err = capsys.readouterr()
    assert out == INSTALL_HINT + "\n" and "Traceback" not in err


@needs_go
def test_cell_runs_and_shows_program_output(shell, capsys):
    shell.run_cell_magic("go", "", CELL)
    assert capsys.readouterr().out == "hello 1 2\n"


@needs_go
def test_m_option_shows_decisions_as_a_table(shell, capsys):
    shell.run_cell_magic("go", "-m", CELL)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "hello 1 2"
    header = next(i for i, line in enumerate(lines) if line.startswith("where"))
    assert lines[header].split() == ["where", "decision", "subject", "detail"]
    rows = [line.split() for line in lines[header + 2:]]
    assert ["7:6", "can", "inline", "newPoint", "cost", "7"] in rows
    text = "\n".join(lines[header:])
    assert "cannot inline    rec" in text and "marked go:noinline" in text
    assert "escapes to heap  &point{...}" in text and "does not escape  &point{...}" in text
    assert "flow:" not in out  # explanations are folded, not dumped


@needs_go
def test_S_option_shows_frames_and_prologues_of_named_functions(shell, capsys):
    shell.run_cell_magic("go", "-S rec,main,nosuch", CELL)
    out = capsys.readouterr().out.splitlines()
    header = out.index(next(line for line in out if line.startswith("func")))
    rows = {r.split()[0]: r.split() for r in out[header + 2:]}
    assert rows["rec"][1:4] == ["80", "8", "small"]
    assert rows["main"][3] in ("small", "leaq")
    assert "not compiled" in " ".join(rows["nosuch"])


@needs_go
def test_compile_error_shows_the_compiler_message(shell, capsys):
    shell.run_cell_magic("go", "", "package main\nfunc main() { x }\n")
    out, err = capsys.readouterr()
    assert out == "./main.go:2:15: undefined: x\n" and "Traceback" not in err


@needs_go
def test_timeout_is_reported(shell, capsys):
    shell.run_cell_magic("go", "--timeout 1", "package main\nfunc main() { for {} }\n")
    assert capsys.readouterr().out == "(killed: the program ran past the 1 s timeout)\n"


def test_text_table_aligns_columns():
    assert text_table(("a", "bb"), [(1, "x"), (100, "yyy")], align="left").splitlines() == [
        "a    bb", "---  ---", "1    x", "100  yyy"]
    assert text_table(("a", "bb"), [(1, "x"), (100, "yyy")]).splitlines() == [
        "  a   bb", "---  ---", "  1    x", "100  yyy"]


def test_frames_table_reads_the_prologue_words():
    text = ("main.f STEXT size=1 args=0x0 locals=0x0\n"
            "\t0x0000 00000 (main.go:3)\tTEXT\tmain.f(SB), ABIInternal, $1016-0\n"
            "\t0x0000 00000 (main.go:3)\tLEAQ\t-888(SP), R12\n")
    assert parse_asm(text)[0].prologue == "leaq"
    assert frames_table(text, ["f"]).splitlines()[2].split()[:4] == ["f", "1016", "0", "leaq"]


VERSION_CELL = """package main

import "runtime"

func main() { println(runtime.Version()) }
"""


@needs_go
def test_go_option_builds_with_the_named_release(shell, capsys):
    from gostack_kit.realgo import toolchains

    for tc in toolchains.find_toolchains():
        shell.run_cell_magic("go", f"--go {tc.version[2:]}", VERSION_CELL)
        out, err = capsys.readouterr()
        assert err == tc.version + "\n"


def test_go_option_names_a_missing_release_in_one_line(shell, capsys, monkeypatch):
    from gostack_kit.realgo import toolchains

    monkeypatch.setattr(toolchains, "find_toolchains", lambda: ())
    shell.run_cell_magic("go", "--go 1.23", VERSION_CELL)
    out, err = capsys.readouterr()
    assert out == ("no Go 1.23 toolchain found: python -m gostack_kit.realgo.toolchains "
                   "install 1.23\n") and "Traceback" not in err
    shell.run_cell_magic("go", "--go 1.99", VERSION_CELL)
    assert capsys.readouterr().out.startswith("%%go: version must be a Go release")


@needs_go
def test_stacks_option_prints_every_growth_and_keeps_the_trace(shell, capsys):
    shell.run_cell_magic("go", "--stacks", CELL.replace("rec(10)", "rec(100)"))
    out, _ = capsys.readouterr()
    trace = shell.user_ns["_go_stacks"]
    grown = trace.grown_in("main.rec")
    assert out.startswith("hello 1 3\n\n" + trace.go_version + ": ")
    assert [line.split()[1:5] for line in out.splitlines() if " main.rec " in line] == [
        ["grow", "main.rec", str(e.old_size), str(e.new_size)] for e in grown]
    assert [e.new_size for e in grown] == [2 * e.old_size for e in grown] and len(grown) >= 2
