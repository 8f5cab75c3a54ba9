"""`gostack-kit doctor`: check this environment for the course, one line per check.

Each check answers "ok" or says what to fix. Nothing is changed; the command exits 1
when a check that the course needs failed (a missing Go toolchain only means the
notebooks use their recordings, so it is a note, not a failure).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["Check", "checks", "main"]


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, whether it is fine, and what to do."""

    name: str
    ok: bool
    detail: str
    required: bool = True

    def line(self) -> str:
        """The report line, e.g. `ok    jupyterlab 4.6.6`."""
        mark = "ok  " if self.ok else ("FIX " if self.required else "note")
        return f"{mark}  {self.name:<18} {self.detail}"


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _major(v: str) -> int:
    return int(v.split(".")[0])


def checks(prefix: Path | None = None, maps: Path = Path("/proc/self/maps")) -> list[Check]:
    """All checks for the environment rooted at `prefix` (default: this interpreter's)."""
    from .. import __version__

    prefix = Path(prefix or sys.prefix)
    out = [Check("gostack-kit", True, f"{__version__} (Python {sys.version.split()[0]})")]
    lab = _version("jupyterlab")
    out.append(Check("jupyterlab", bool(lab) and _major(lab) >= 4,
                     f"{lab}" if lab and _major(lab) >= 4
                     else f"{lab or 'not installed'}: pip install 'jupyterlab>=4'"))
    w = _version("ipywidgets")
    fix = f"{w or 'not installed'}: pip install 'ipywidgets>=8'"
    out.append(Check("ipywidgets", bool(w) and _major(w) >= 8, f"{w}" if w and _major(w) >= 8 else fix))
    ext = prefix / "share/jupyter/labextensions/@jupyter-widgets/jupyterlab-manager/package.json"
    fix = "missing: pip install --force-reinstall jupyterlab_widgets, then restart JupyterLab"
    out.append(Check("widgets extension", ext.exists(),
                     "active (@jupyter-widgets/jupyterlab-manager)" if ext.exists() else fix))
    import matplotlib

    backend = matplotlib.get_backend()
    out.append(Check("matplotlib", True, f"{matplotlib.__version__}, backend {backend} "
                     "(notebooks use the inline backend)"))
    try:
        from ..realgo.toolchain import find_go

        tc = find_go()
        out.append(Check("go toolchain", True, f"{tc.version} {tc.platform} ({tc.source})", required=False))
        from ..realgo.toolchains import find_toolchains

        others = [t.version for t in find_toolchains() if t.goroot != tc.goroot]
        out.append(Check("other go releases", True, (", ".join(others) if others else "none")
                         + " (%%go --go 1.N; python -m gostack_kit.realgo.toolchains install 1.N)",
                         required=False))
    except Exception as e:  # any failure means: no usable toolchain
        out.append(Check("go toolchain", False, f"{e}; notebooks will use the recordings", required=False))
    try:
        readable = bool(maps.read_text().strip())
    except OSError:
        readable = False
    out.append(Check("/proc/self/maps", readable,
                     "readable" if readable else "not readable: notebooks 01-02 will use the recorded sample",
                     required=False))
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the report; exit 1 if a required check failed."""
    report = checks()
    for c in report:
        print(c.line())
    return 0 if all(c.ok or not c.required for c in report) else 1


if __name__ == "__main__":
    raise SystemExit(main())
