"""`gostack-kit lab`: open the course in JupyterLab (the README's first command ends here).

It starts JupyterLab at the course root, where `notebooks/`, `exercises/` and `solutions/`
are all visible in the file browser, and opens the landing page `START.ipynb`, which lists
the course in order (JupyterLab makes a file argument's folder its root and opens the
file). Jupyter refuses to run as root unless told to, which would stop a fresh container or
VM where the only user is root, so `--allow-root` is added exactly when the effective user
is root. Extra arguments are passed to JupyterLab unchanged (e.g. `--no-browser`,
`--port 8890`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["COURSE", "START", "command", "main"]

COURSE = Path(__file__).resolve().parents[2]  # the repository root: notebooks/ and exercises/ side by side
START = "START.ipynb"  # the landing page (written by tools/start.py)


def command(argv: list[str], euid: int | None = None, course: Path = COURSE) -> list[str]:
    """The JupyterLab command line for `argv` (run as user `euid`, default: this process's)."""
    euid = os.geteuid() if euid is None else euid
    root = course if (course / "notebooks").is_dir() else Path.cwd()  # an installed copy: where it is run
    target = root / START if (root / START).is_file() else root
    cmd = [sys.executable, "-m", "jupyterlab", str(target)]
    if euid == 0 and "--allow-root" not in argv:
        cmd.append("--allow-root")
    return cmd + list(argv)


def main(argv: list[str] | None = None) -> int:
    """Replace this process with JupyterLab on the course folder."""
    cmd = command(sys.argv[1:] if argv is None else argv)
    print("+", " ".join(cmd), flush=True)
    os.execv(cmd[0], cmd)
    return 0  # not reached
