"""Regenerate the shipped real-Go recording: `python -m gostack_kit.realgo.record [path]`."""

from __future__ import annotations

import sys

from .recordings import DATA_PATH, record, save


def main(argv: list[str] | None = None) -> int:
    """Run every probe on the live toolchain and write the JSON recording."""
    args = sys.argv[1:] if argv is None else argv
    rec = record()
    path = save(rec, args[0] if args else DATA_PATH)
    print(f"recorded {rec.source} -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
