"""Plain-text tables: the one table format of the course (plots, the %%go magic, the CLI)."""

from __future__ import annotations

__all__ = ["text_table"]


def text_table(headers, rows, align: str = "right") -> str:
    """Rows as a plain-text table: columns aligned ("right" or "left") to their widest cell, a rule under
    the header."""
    if align not in ("right", "left"):
        raise ValueError(f"align must be 'right' or 'left'; got {align!r}")
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    if align == "right":
        lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    else:
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
