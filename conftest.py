"""pytest for the whole course: nbval only where notebooks are collected, and a report in tiers.

`pytest tests/test_stacks_copying.py` needs no nbval at all; `pytest` (the README's test
command) collects notebooks/, solutions/ and exercises/ too, and then runs them under nbval
with full output comparison. At the end the results are counted per tier, so a red run
says at once where it broke.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
NOTEBOOK_DIRS = tuple(ROOT / d for d in ("notebooks", "solutions", "exercises"))

#: (tier, how a test's node id starts), checked in order; the first match wins.
TIERS = (
    ("browser", ("tests/test_browser.py",)),
    ("real system", ("tests/test_realgo",)),
    ("grading", ("tests/test_grading_", "solutions/", "exercises/")),
    ("notebooks", ("notebooks/", "tests/test_readme.py")),
    ("engine", ("tests/",)),
)


def _collects_notebooks(args: list[str]) -> bool:
    for arg in args:
        path = (Path.cwd() / arg.split("::")[0]).resolve()
        if path.suffix == ".ipynb" or path == ROOT or any(
                path == d or d in path.parents or path in d.parents for d in NOTEBOOK_DIRS):
            return True
    return False


def pytest_configure(config):
    """Turn nbval on (current env, the course's sanitizer) only when notebooks are collected."""
    if not config.pluginmanager.hasplugin("nbval") or not _collects_notebooks(config.args):
        return
    opt = config.option
    if not (opt.nbval or opt.nbval_lax):
        opt.nbval = True
    opt.nbval_current_env = True
    opt.nbval_sanitize_with = opt.nbval_sanitize_with or str(ROOT / "nbval_sanitize.cfg")


def tier(nodeid: str) -> str:
    """The tier a test belongs to, from its node id."""
    for name, prefixes in TIERS:
        if nodeid.startswith(prefixes):
            return name
    return "engine"


def pytest_terminal_summary(terminalreporter):
    """One line per tier: how many passed, failed and were skipped."""
    counts: dict[str, Counter] = {name: Counter() for name, _ in TIERS}
    for outcome in ("passed", "failed", "error", "skipped"):
        for rep in terminalreporter.stats.get(outcome, []):
            if getattr(rep, "when", "call") in ("call", "setup") and hasattr(rep, "nodeid"):
                if outcome == "passed" and rep.when != "call":
                    continue
                counts[tier(rep.nodeid)]["failed" if outcome == "error" else outcome] += 1
    if not any(counts.values()):
        return
    terminalreporter.section("tiers")
    for name, c in counts.items():
        if c:
            mark = "FAILED" if c["failed"] else "ok"
            terminalreporter.write_line(f"tier {name:<12} {mark:<6} {c['passed']} passed · "
                                        f"{c['failed']} failed · {c['skipped']} skipped")
