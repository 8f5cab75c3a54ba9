"""`gostack-kit lab`: open the course in JupyterLab (the README's first command ends here).

It starts JupyterLab on the course's `notebooks/` folder. Jupyter refuses to run as root
unless told to, which would stop a fresh container or VM where the only user is root, so
`--allow-root` is added exactly when the effective user is root. Extra arguments are
passed to JupyterLab unchanged (e.g. `--no-browser`, `--port 8890`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["command", "main"]

COURSE = Path(__file__).resolve().parents[2] / "notebooks"


def command(argv: list[str], euid: int | None = None, course: Path = COURSE) -> list[str]:
    """The JupyterLab command line for `argv` (run as user `euid`, default: this process's)."""
    euid = os.geteuid() if euid is None else euid
    folder = course if course.is_dir() else Path.cwd()
    cmd = [sys.executable, "-m", "jupyterlab", str(folder)]
    if euid == 0 and "--allow-root" not in argv:
        cmd.append("--allow-root")
    return cmd + list(argv)


def main(argv: list[str] | None = None) -> int:
    """Replace this process with JupyterLab on the course folder."""
    cmd = command(sys.argv[1:] if argv is None else argv)
    print("+", " ".join(cmd), flush=True)
    os.execv(cmd[0], cmd)
    return 0  # not reached
