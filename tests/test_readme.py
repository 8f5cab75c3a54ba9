"""The README says exactly two commands, CI runs the second one, and the course map is current."""

import subprocess
import sys
from pathlib import Path

import pytest

from tools.nbtools import update_readme
from tools.readme import command

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_quick_start_has_exactly_two_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert quick.count("```sh") == 2
    run, test = command("run-command"), command("test-command")
    assert "\n" not in run and "\n" not in test
    assert "gostack-kit lab" in run and 'pip install -e ".[test]"' in test and "pytest" in test


def test_ci_runs_the_readme_test_command_through_the_shared_extraction():
    out = subprocess.run([sys.executable, "-m", "tools.readme", "test-command"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == command("test-command")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 -m tools.readme test-command" in ci and 'bash -c "$cmd"' in ci


def test_extraction_names_a_missing_block(tmp_path):
    (tmp_path / "README.md").write_text("# no commands here\n")
    with pytest.raises(ValueError, match="test-command"):
        command("test-command", tmp_path / "README.md")
    with pytest.raises(ValueError, match="marker must be one of"):
        command("other")


def test_course_map_is_generated_from_the_notebooks():
    assert update_readme(ROOT, write=False) == README, "run: python -m tools.nbtools readme"


def test_readme_picture_exists():
    import re

    for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / path).is_file(), path
