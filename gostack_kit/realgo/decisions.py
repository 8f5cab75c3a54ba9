"""Reading the compiler's inlining and escape decisions out of `-gcflags='-m -m'`.

With `-m` the compiler says, per source position, what it decided; with `-m -m` it also
explains why, in indented "flow" lines that follow a header ending in a colon:

    ./main.go:7:6: can inline add with cost 4 as: func(int, int) int { return a + b }
    ./main.go:41:6: cannot inline main: function too complex: cost 203 exceeds budget 80
    ./main.go:42:13: inlining call to add
    ./main.go:34:11: make([]byte, 102400) escapes to heap in big:          <- explanation
    ./main.go:34:11:   flow: {heap} ← &{storage for make([]byte, 102400)}:
    ./main.go:34:11:     from make([]byte, 102400) (too large for stack) at ./main.go:34:11
    ./main.go:34:11: make([]byte, 102400) escapes to heap                    <- decision
    ./main.go:24:2: moved to heap: p
    ./main.go:29:11: make([]byte, 64) does not escape
    ./main.go:39:11: leaking param: p to result ~r0 level=0

Each decision becomes one `Decision` record; the reasons in parentheses from the flow lines
at the same position ("too large for stack", "address-of", "assign", ...) become its detail.
Wording comes from cmd/compile/internal/inline/inl.go and cmd/compile/internal/escape.

Invariant: one record per decision line, in the compiler's order; explanation lines never
become records of their own. Lines the parser does not know are kept as kind "other" so
nothing the compiler said is silently lost. The alternative rejected: a single `-m`, which
states the decisions but not why (no "too large for stack", no flow to {heap}).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("can inline", "cannot inline", "inlining call", "moved to heap", "escapes to heap",
         "does not escape", "leaking param", "other")

_POS = re.compile(r"^(?:\./)?([^:\s]+\.go):(\d+):(\d+): (.*)$")
_RULES = (
    ("can inline", re.compile(r"^can inline (\S+)(?: with cost (\d+))?(?: as: .*)?$")),
    ("cannot inline", re.compile(r"^cannot inline (\S+?)(?: into \S+)?: (.*)$")),
    ("inlining call", re.compile(r"^inlining call to (\S+)$")),
    ("moved to heap", re.compile(r"^moved to heap: (\S+)$")),
    ("leaking param", re.compile(r"^leaking param(?: content)?: (\S+)(.*)$")),
    ("escapes to heap", re.compile(r"^(.+) escapes to heap$")),
    ("does not escape", re.compile(r"^(.+) does not escape$")),
)
_REASON = re.compile(r"^\s+from .* \(([^()]*)\) at \S+$")
_COST = re.compile(r"cost (\d+)")


@dataclass(frozen=True)
class Decision:
    """One inlining or escape decision the compiler reported."""

    file: str  # "main.go"
    line: int
    column: int
    kind: str  # one of KINDS
    subject: str  # the function, variable or expression decided about
    detail: str  # cost, reason or flow reasons ("" when none)
    cost: int | None = None  # inlining cost when the compiler printed one


def _decide(text: str) -> tuple[str, str, str, int | None]:
    """(kind, subject, detail, cost) for the message part of one decision line."""
    for kind, rule in _RULES:
        m = rule.match(text)
        if not m:
            continue
        if kind == "can inline":
            cost = int(m.group(2)) if m.group(2) else None
            return kind, m.group(1), f"cost {cost}" if cost is not None else "", cost
        if kind == "cannot inline":
            into = re.match(r"^cannot inline \S+? (into \S+):", text)
            reason = m.group(2) if not into else f"{into.group(1)}: {m.group(2)}"
            cost = _COST.search(reason)
            return kind, m.group(1), reason, int(cost.group(1)) if cost else None
        if kind == "leaking param":
            detail = ("content " if " content:" in text else "") + m.group(2).strip()
            return kind, m.group(1), detail.strip(), None
        return kind, m.group(1), "", None
    return "other", "", text, None


def parse_decisions(text: str) -> tuple[Decision, ...]:
    """Every decision in `-m` or `-m -m` compiler output, flow reasons folded into detail."""
    if not isinstance(text, str):
        raise TypeError(f"text must be the compiler's -m output (str), not {type(text).__name__}")
    reasons: dict[tuple[str, int, int], list[str]] = {}
    decisions: list[tuple[str, int, int, str, str, str, int | None]] = []
    for line in text.splitlines():
        m = _POS.match(line)
        if not m:
            continue
        key = (m.group(1), int(m.group(2)), int(m.group(3)))
        message = m.group(4)
        reason = _REASON.match(message)
        if reason:
            reasons.setdefault(key, [])
            if reason.group(1) not in reasons[key]:
                reasons[key].append(reason.group(1))
            continue
        if message.startswith(" ") or message.endswith(":"):
            continue  # a -m -m explanation header or flow line
        decisions.append((*key, *_decide(message)))
    out = []
    for file, line, col, kind, subject, detail, cost in decisions:
        if kind in ("escapes to heap", "moved to heap") and (file, line, col) in reasons:
            detail = ", ".join(reasons[(file, line, col)])
        out.append(Decision(file, line, col, kind, subject, detail, cost))
    return tuple(out)


def find(decisions, kind: str, subject: str | None = None, line: int | None = None):
    """The decisions of `kind` (about `subject`, at `line`) in compiler order."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return tuple(d for d in decisions if d.kind == kind
                 and (subject is None or d.subject == subject)
                 and (line is None or d.line == line))
