"""Write START.ipynb, the landing page `gostack-kit lab` opens: the course in order, with links.

    python -m tools.start            # rewrite START.ipynb from the notebooks' titles
    python -m tools.start --check    # exit 1 when START.ipynb is out of date

The page is Markdown only (nothing to run), so it is written, not executed; its course
list comes from the same titles as the README's course map (`tools.nbtools.title`).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from tools.nbtools import ROOT, title

__all__ = ["NAME", "landing", "write", "main"]

NAME = "START.ipynb"  # sorts before every folder name in JupyterLab's file browser

INTRO = """\
# Start here: why goroutines are cheap

Welcome. This course explains why a Go program can run a hundred thousand goroutines when a C
program struggles with a few thousand threads. It has six notebooks, each followed by a short
graded exercise notebook. Work through them in order: each one builds on the one before.

**How to work a notebook.** Click a cell and press Shift+Enter to run it and move to the next one
(or use *Run > Run All Cells*). When a cell says **Predict**, write your guess down before you run
the next cell. The dashboards are live: move a slider and the figure below it redraws; every figure
also has a text description for screen readers.

**How to do an exercise.** Open the exercise notebook linked beside a topic and run its setup
cell. Replace each `# YOUR CODE HERE` / `raise NotImplementedError()` with your answer (written
answers go where it says `YOUR ANSWER HERE`), then run the test cell below it, `check("q1")`, to
see which checks pass; `hint("q1")` gives one more hint each time, `progress()` shows what you
have done so far.
"""

OUTRO = """\
The folders beside this page: `notebooks/` holds the six topics, `exercises/` the graded exercises,
`solutions/` the instructor's solutions. From a terminal, `gostack-kit practice TOPIC -s SEED`
prints a fresh practice problem (`-c` adds the answer).
"""


def course(root: Path = ROOT) -> list[str]:
    """The course in order: one Markdown list item per notebook, with its exercise link."""
    items = []
    for nb in sorted((root / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        name = re.sub(r"^\d\d\s*[·:.-]\s*", "", title(nb))
        line = f"{int(nb.stem[:2])}. [{name}](notebooks/{nb.name})"
        if (root / "exercises" / nb.name).exists():
            line += f", then its [exercises](exercises/{nb.name})"
        items.append(line)
    return items


def landing(root: Path = ROOT):
    """The START notebook: an introduction, the course list, and what the folders hold."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    listing = "## The course, in order\n\n" + "\n".join(course(root)) + "\n"
    nb.cells = [nbformat.v4.new_markdown_cell(text, id=f"start-{i}")
                for i, text in enumerate((INTRO, listing, OUTRO))]
    return nb


def write(root: Path = ROOT) -> Path:
    """Write START.ipynb under `root` (only when its content changed); return its path."""
    import nbformat

    path = root / NAME
    text = nbformat.writes(landing(root)) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.start", description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only report whether START.ipynb is current")
    o = ap.parse_args(argv)
    if o.check:
        import nbformat

        current = (ROOT / NAME).exists() and (ROOT / NAME).read_text() == nbformat.writes(landing()) + "\n"
        print(f"{NAME} is {'up to date' if current else 'out of date: run python -m tools.start'}")
        return 0 if current else 1
    print(f"wrote {write().relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
