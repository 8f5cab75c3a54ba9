"""Build the graded notebooks: solution sources -> executed solutions/ -> generated exercises/.

    python -m tools.exercises            # solutions (executed) and exercises
    python -m tools.exercises exercises  # only regenerate exercises/ from solutions/
    python -m tools.exercises --check    # exit 1 when exercises/ is out of date

The format (markers, stubs, nbgrader metadata) is `gostack_kit.grading.release`; this tool
adds what needs a kernel: converting a source and executing it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from gostack_kit.grading.questions import TOPICS
from gostack_kit.grading.release import (
    ROOT,
    SOLUTIONS,
    hidden_block,
    nbgrader_meta,
    stale_exercises,
    write_exercises,
)
from tools.nbtools import finish

__all__ = ["build_solution", "main"]


def _convert(src: Path):
    import jupytext

    topic = src.stem
    if topic not in TOPICS:
        raise ValueError(f"solution source must be named after a topic ({', '.join(TOPICS)}); got {src.name}")
    nb = jupytext.read(src)
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}, "gostack_kit": {"topic": topic}}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{topic[:2]}-{i:03d}"
        role = cell.metadata.pop("role", None)
        if role is None:
            continue
        cell.metadata["nbgrader"] = nbgrader_meta(role, topic)
        if role.startswith("tests:"):
            cell.source = cell.source.rstrip() + "\n" + hidden_block(topic, role.partition(":")[2])
    return nb


def build_solution(src: Path, out_dir: Path = SOLUTIONS, execute: bool = True) -> Path:
    """Convert one solution source, execute it in a fresh kernel and write the .ipynb."""
    nb = _convert(src)
    with tempfile.TemporaryDirectory() as home:  # keep the author's own progress file out of it
        return finish(nb, out_dir / f"{src.stem}.ipynb", execute, env={"GOSTACK_KIT_HOME": home})



def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.exercises",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("what", nargs="?", choices=["all", "solutions", "exercises"], default="all")
    ap.add_argument("only", nargs="*", help="notebook numbers, e.g. 04 05 (default: all)")
    ap.add_argument("--check", action="store_true", help="only report whether exercises/ is up to date")
    o = ap.parse_args(argv)
    if o.check:
        stale = stale_exercises()
        for name in stale:
            print(f"exercises/{name} is out of date: run python -m tools.exercises exercises")
        return 1 if stale else 0
    if o.what in ("all", "solutions"):
        for src in sorted((SOLUTIONS / "src").glob("[0-9][0-9]-*.py")):
            if o.only and not any(src.name.startswith(n) for n in o.only):
                continue
            print(f"building {src.name} ...", flush=True)
            print(f"  wrote {build_solution(src).relative_to(ROOT)}")
    if o.what in ("all", "exercises"):
        for path in write_exercises():
            print(f"  wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
