"""Build the course notebooks: text sources in, executed notebooks with stored outputs out.

    python -m tools.nbtools build            # every notebooks/src/NN-topic.py
    python -m tools.nbtools build 04 05      # only those numbers

A notebook's source is a jupytext "percent" script (`# %%` code cells, `# %% [markdown]`
prose, `# %% tags=["nbval-ignore-output"]` for widget cells). Building converts it,
executes it top to bottom in a fresh kernel from `notebooks/`, drops widget state (the
widgets are re-created when a student runs the cell) and gives cells stable ids, so a
rebuild with unchanged engine output gives an identical file and nbval has a reference.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

__all__ = ["build", "convert", "finish", "sources", "course_map", "update_readme"]

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TIMEOUT = 600  # seconds per cell: the real-Go cells compile programs on a cold cache


def sources(only: list[str] | None = None, folder: Path = NOTEBOOKS) -> list[Path]:
    """The notebook sources under `folder`/src, optionally only those whose name starts with `only`."""
    found = sorted((folder / "src").glob("[0-9][0-9]-*.py"))
    if only:
        found = [p for p in found if any(p.name.startswith(o) for o in only)]
    return found


def convert(src: Path):
    """The notebook a source converts to, not yet executed (cells with stable ids)."""
    import jupytext

    nb = jupytext.read(src)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.pop("jupytext", None)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{src.stem[:2]}-{i:03d}"
    return nb


def build(src: Path, out_dir: Path | None = None, execute: bool = True) -> Path:
    """Convert, execute and write one notebook; return the .ipynb path."""
    out_dir = out_dir or src.parent.parent
    return finish(convert(src), out_dir / f"{src.stem}.ipynb", execute)


def finish(nb, target: Path, execute: bool = True, env: dict[str, str] | None = None) -> Path:
    """Execute `nb` in a fresh kernel from target's folder (with `env` set), drop widget state, write it."""
    import nbformat
    from nbclient import NotebookClient

    if execute:
        saved = {k: os.environ.get(k) for k in env or {}}
        os.environ.update(env or {})  # the kernel inherits this process's environment
        try:
            NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3",
                           resources={"metadata": {"path": str(target.parent)}}).execute()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for out in cell.get("outputs", []):
            # widget state is not stored, so a stored view would point at a model that does
            # not exist (and carry a random model id): keep a note to run the cell instead
            if WIDGET_VIEW in out.get("data", {}):
                out["data"] = {"text/plain": "(a live dashboard: run this cell to get it)"}
    nbformat.write(nb, target)
    return target


MAP_START, MAP_END = "<!-- course-map:start -->", "<!-- course-map:end -->"


def title(notebook: Path) -> str:
    """The first Markdown heading of a built notebook (its title)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError(f"{notebook.name} has no '# Title' heading in a Markdown cell")


def course_map(root: Path = ROOT) -> str:
    """The README's course map: one line per notebook, from the notebooks' own titles."""
    lines = []
    for nb in sorted((root / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        name = re.sub(r"^\d\d\s*[·:.-]\s*", "", title(nb))  # "01 · Title" -> "Title"
        line = f"{nb.stem[:2]}. [{name}](notebooks/{nb.name})"
        exercise = root / "exercises" / nb.name
        if exercise.exists():
            line += f" · [exercises](exercises/{nb.name})"
        lines.append(line)
    return "\n".join(lines)


def update_readme(root: Path = ROOT, write: bool = True) -> str:
    """README.md with its course map regenerated (written back when `write`)."""
    path = root / "README.md"
    text = path.read_text()
    head, rest = text.split(MAP_START, 1)
    _, tail = rest.split(MAP_END, 1)
    new = f"{head}{MAP_START}\n{course_map(root)}\n{MAP_END}{tail}"
    if write and new != text:
        path.write_text(new)
    return new


def picture(path: Path = ROOT / "docs" / "course.png") -> Path:
    """Draw the README's picture: the hot split under Go 1.1 and 1.2 segments."""
    from gostack_kit.labs.segmented import hot_split_sweep
    from gostack_kit.plots.segmented import hot_split
    from gostack_kit.stacks.segmented import SegmentedStack

    sweeps = [hot_split_sweep(SegmentedStack(v), 300, callee=200, n=100) for v in ("1.1", "1.2")]
    fig = hot_split(sweeps)[0].figure
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=90, metadata={"Software": None})
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.nbtools", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="convert and execute notebook sources")
    b.add_argument("only", nargs="*", help="notebook numbers, e.g. 04 05 (default: all)")
    b.add_argument("--no-execute", action="store_true", help="convert only")
    sub.add_parser("readme", help="regenerate the course map in README.md from the notebooks' titles")
    sub.add_parser("picture", help="redraw docs/course.png, the README's picture")
    opts = ap.parse_args(argv)
    if opts.cmd == "readme":
        update_readme()
        print("README.md course map updated")
        return 0
    if opts.cmd == "picture":
        print(f"wrote {picture().relative_to(ROOT)}")
        return 0
    todo = sources(opts.only)
    if not todo:
        print(f"no notebook sources match {opts.only or 'notebooks/src/NN-*.py'}", file=sys.stderr)
        return 2
    for src in todo:
        print(f"building {src.name} ...", flush=True)
        print(f"  wrote {build(src, execute=not opts.no_execute).relative_to(ROOT)}")
    update_readme()
    from tools.start import write as write_start  # the landing page lists the same titles

    write_start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
