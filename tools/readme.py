"""The README's two commands, read out of their marked blocks: one extraction for CI and tests.

    python3 -m tools.readme test-command     # prints the test command (what .ci/run runs)
    python3 -m tools.readme run-command      # prints the command that opens the course

Standard library only: .ci/run calls it before any virtual environment exists.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKERS = ("run-command", "test-command")


def command(marker: str, readme: Path = ROOT / "README.md") -> str:
    """The one-line shell command in the ```sh block right after `<!-- marker -->`."""
    if marker not in MARKERS:
        raise ValueError(f"marker must be one of {', '.join(MARKERS)}; got {marker!r}")
    m = re.search(rf"<!-- {marker} -->\n```sh\n(.+?)\n```", readme.read_text(), re.S)
    if not m:
        raise ValueError(f"README.md has no ```sh block after <!-- {marker} -->")
    return m.group(1)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(f"usage: python3 -m tools.readme {{{','.join(MARKERS)}}}", file=sys.stderr)
        return 2
    try:
        print(command(args[0]))
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
