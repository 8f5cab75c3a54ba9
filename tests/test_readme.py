"""The README says exactly two commands, CI runs the second one, and the course map is current."""

import re
import subprocess
from pathlib import Path

from tools.nbtools import update_readme

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _block(marker: str) -> str:
    m = re.search(rf"<!-- {marker} -->\n```sh\n(.+?)\n```", README, re.S)
    assert m, f"README has no {marker} block"
    return m.group(1)


def test_quick_start_has_exactly_two_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert quick.count("```sh") == 2
    run, test = _block("run-command"), _block("test-command")
    assert "\n" not in run and "\n" not in test
    assert "gostack-kit lab" in run and 'pip install -e ".[test]"' in test and "pytest" in test


def test_ci_runs_the_readme_test_command():
    out = subprocess.run(
        ["bash", "-c", "sed -n '/<!-- test-command -->/,/```$/p' README.md | "
         "sed -n '/^```sh$/,/^```$/p' | sed '1d;$d'"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert out == _block("test-command")
    assert "<!-- test-command -->" in (ROOT / ".ci" / "run").read_text().replace("'", "")


def test_course_map_is_generated_from_the_notebooks():
    assert update_readme(ROOT, write=False) == README, "run: python -m tools.nbtools readme"


def test_readme_picture_exists():
    for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / path).is_file(), path
