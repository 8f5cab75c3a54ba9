"""The tree reads like the course: one topic key per notebook in every layer, small modules,
imports pointing one way, and a map (docs/architecture.md) that names what is there."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "gostack_kit"
TOPICS = ("address", "threads", "sched", "segmented", "copying", "compiler")
NOTEBOOK_KEYS = dict(zip(("01", "02", "03", "04", "05", "06"), TOPICS))
MAX_LINES = 400  # a module a reader can hold in mind
ENGINES = ("core", "address", "stacks", "sched", "compiler")  # pure: no plotting, no widgets, no Go


def modules():
    """Every Python module of the installed package."""
    return sorted(PKG.rglob("*.py"))


@pytest.mark.parametrize("layer", ["plots", "widgets", "grading/questions"])
def test_every_topic_has_one_module_in_each_layer(layer):
    have = {p.stem for p in (PKG / layer).glob("*.py")}
    assert set(TOPICS) <= have, f"{layer} lacks {sorted(set(TOPICS) - have)}"


def test_labs_are_named_by_topic_and_only_by_topic():
    have = {p.stem for p in (PKG / "labs").glob("*.py")} - {"__init__"}
    assert have <= set(TOPICS), sorted(have - set(TOPICS))


def test_notebooks_solutions_and_sources_carry_the_same_numbers():
    for folder in ("notebooks/src", "solutions/src"):
        nums = sorted(p.name[:2] for p in (ROOT / folder).glob("[0-9][0-9]-*.py"))
        assert nums == sorted(NOTEBOOK_KEYS), folder


def test_no_module_is_over_the_size_rule():
    big = {str(p.relative_to(ROOT)): n for p in modules()
           if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"


def _imports(path: Path) -> set[str]:
    """The absolute names a module imports, relative imports resolved inside gostack_kit."""
    tree = ast.parse(path.read_text())
    pkg = path.relative_to(ROOT).with_suffix("").parts[:-1]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - node.level + 1]
                out.add(".".join((*base, node.module)) if node.module else ".".join(base))
            else:
                out.add(node.module)
    return out


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_import_no_drawing_no_widgets_no_upper_layer(engine):
    banned = ("matplotlib", "ipywidgets", "IPython", "gostack_kit.plots", "gostack_kit.widgets",
              "gostack_kit.labs", "gostack_kit.realgo", "gostack_kit.grading", "gostack_kit.app")
    for path in (PKG / engine).rglob("*.py"):
        bad = sorted(m for m in _imports(path) if m.startswith(banned))
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_course_tools_live_outside_the_package():
    assert not (PKG / "nbtools.py").exists() and (ROOT / "tools" / "nbtools.py").exists()
    for path in modules():
        assert "tools" not in {m.split(".")[0] for m in _imports(path)}, path


def test_the_map_names_every_engine_and_realgo_module():
    text = (ROOT / "docs" / "architecture.md").read_text()
    for path in modules():
        rel = path.relative_to(PKG)
        if rel.name == "__init__.py" or rel.parts[0] not in (*ENGINES, "realgo", "labs"):
            continue
        stem = rel.stem
        named = str(rel) in text or re.search(rf"\b{re.escape(stem)}\b", text)
        assert named, f"docs/architecture.md does not name gostack_kit/{rel}"


def test_docstrings_name_only_modules_that_exist():
    pattern = re.compile(r"\b((?:gostack_kit/)?(?:core|address|stacks|sched|compiler|labs|plots|"
                         r"widgets|realgo|grading|app)/[a-z_]+)\.py\b")
    missing = []
    for path in modules():
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        for name in pattern.findall(doc):
            target = PKG / (name.removeprefix("gostack_kit/") + ".py")
            if not target.exists():
                missing.append(f"{path.relative_to(ROOT)} names {name}.py")
    assert not missing, missing


# Documents the repository does not ship: a clone has no issue tracker, fact sheet or design
# notes to open, so a claim must cite a source tree's file, a release note or a measurement.
UNSHIPPED = re.compile(r"(?<!Go )(?<!golang/go )\bissue \d{1,3}\b|go-facts|EXP-bench|fact sheet|"
                       r"design\.md|style-anchors|teaching-anchors", re.IGNORECASE)


def test_nothing_cites_a_document_the_repository_does_not_contain():
    files = [*modules(), *ROOT.glob("notebooks/src/*.py"), *ROOT.glob("solutions/src/*.py"),
             *ROOT.glob("tests/*.py"), *ROOT.glob("tools/*.py"), *ROOT.glob("benchmarks/*.py"),
             *ROOT.glob("docs/*.md"), ROOT / "README.md"]
    cited = [f"{p.relative_to(ROOT)}:{n}: {m.group(0)}"
             for p in files if p.name != "test_layout.py"
             for n, line in enumerate(p.read_text().splitlines(), 1)
             for m in [UNSHIPPED.search(line)] if m]
    assert not cited, cited


def test_the_unshipped_pattern_catches_what_it_names():
    for text in ("see issue 4", "go-facts 5.5", "EXP-bench", "the kit's fact sheet", "design.md"):
        assert UNSHIPPED.search(text), text
    assert not UNSHIPPED.search("Go issue 44") and not UNSHIPPED.search("golang/go issue 44")
