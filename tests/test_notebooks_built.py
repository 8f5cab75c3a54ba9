"""The stored notebooks are built from notebooks/src: same cells, same sources, same tags."""

import nbformat
import pytest

from tools.nbtools import NOTEBOOKS, convert, sources

SOURCES = sources()


def test_every_notebook_has_a_source_and_back():
    assert [p.stem for p in SOURCES] == sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    assert len(SOURCES) == 6


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_notebook_is_built_from_its_source(src):
    built = convert(src)
    stored = nbformat.read(NOTEBOOKS / f"{src.stem}.ipynb", as_version=4)

    def cells(nb):
        return [(c.id, c.cell_type, c.source, c.metadata.get("tags", [])) for c in nb.cells]

    assert cells(built) == cells(stored), f"run: python -m tools.nbtools build {src.stem[:2]}"
