"""Reading frame sizes and stack-check prologues out of `go build -gcflags=-S`.

The compiler prints every function it emits as a header line, then its instructions:

    main.rec STEXT size=253 args=0x10 locals=0x40 funcid=0x0 align=0x0
        0x0000 00000 (main.go:16)  TEXT  main.rec(SB), ABIInternal, $64-16
        0x0000 00000 (main.go:16)  CMPQ  SP, 16(R14)          <- the stack check
        0x0004 00004 (main.go:16)  JLS   223                  <- to morestack
        0x000a 00010 (main.go:16)  PUSHQ BP
        ...
                                                    $64-16: frame 64 (saved BP included),
                                                            16 bytes of argument space

The check has one of three shapes, chosen by the frame size N in
cmd/internal/obj/x86/obj6.go (stacksplit), g being in R14 and g.stackguard0 at 16(R14):

    N <= StackSmall (128)   CMPQ SP, 16(R14); JLS            "small"
    N <= StackBig (4096)    LEAQ -(N-128)(SP), R12;
                            CMPQ R12, 16(R14); JLS           "leaq"
    N >  StackBig           MOVQ SP, R12; SUBQ $(N-128), R12;
                            JCS (SP - (N-128) wrapped around); CMPQ; JLS   "subq"
    NOSPLIT (leaves)        nothing                          "none"

The compiler marks small leaves NOSPLIT by itself (obj6.go: a frame under StackSmall that
makes no calls), which is why tiny functions cost no check at all.

Invariant: the parser only reads what the compiler printed; it never guesses a class from N.
A test compares the class it reads with the class the frame size predicts, at every edge.
The alternative rejected: disassembling the linked binary (go tool objdump). It works, but
the linker's wrappers and relocated jumps blur which prologue belongs to which Go function,
while -S prints each function's TEXT line exactly as the compiler decided it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..stacks.protocol import prologue_class

# The rule for which check a frame gets is stacks/protocol.py prologue_class (StackSmall and
# StackBig from core/versions); this module reads what the real compiler emitted.
expected_prologue = prologue_class

_HEADER = re.compile(r"^(\S+) STEXT\b")
_INSTR = re.compile(r"^\s+0x[0-9a-f]+ \d+ \(([^)]*)\)\s+(\S+)(?:\s+(.*))?$")
_FRAME = re.compile(r"\$(-?\d+)-(\d+)\s*$")


@dataclass(frozen=True)
class FuncFrame:
    """One function's TEXT line and stack-check prologue as the compiler emitted them."""

    name: str  # full symbol, e.g. "main.rec" or "main.main.func1"
    frame: int  # bytes the prologue subtracts from SP, saved BP included ($frame-args)
    args: int  # argument area ($frame-args)
    flags: tuple[str, ...]  # e.g. ("NOSPLIT", "NOFRAME", "ABIInternal")
    prologue: str  # "small", "leaq", "subq" or "none"
    check_offset: int  # bytes below the entry SP that the check compares (0, N-128, N-128)
    position: str  # "main.go:16"

    @property
    def short_name(self) -> str:
        """The name without the package: "rec" for "main.rec"."""
        return self.name.split(".", 1)[1] if "." in self.name else self.name

    @property
    def nosplit(self) -> bool:
        """True when the function carries no stack check (marked NOSPLIT)."""
        return "NOSPLIT" in self.flags

    @property
    def noframe(self) -> bool:
        """True when the function pushes no frame pointer."""
        return "NOFRAME" in self.flags


def _classify(body: list[tuple[str, str]]) -> tuple[str, int]:
    """(class, check offset) from the first real instructions of a function."""
    ops = [(op, arg) for op, arg in body if op not in ("TEXT", "PCDATA", "FUNCDATA")][:6]
    for i, (op, arg) in enumerate(ops):
        arg = arg.replace(" ", "")
        if op == "CMPQ" and arg == "SP,16(R14)":
            return "small", 0
        m = re.fullmatch(r"-(\d+)\(SP\),R12", arg)
        if op == "LEAQ" and m:
            return "leaq", int(m.group(1))
        if op == "MOVQ" and arg == "SP,R12" and i + 1 < len(ops):
            nxt_op, nxt = ops[i + 1]
            m = re.fullmatch(r"\$(\d+),R12", nxt.replace(" ", ""))
            if nxt_op == "SUBQ" and m and any(o == "JCS" for o, _ in ops[i + 2:]):
                return "subq", int(m.group(1))
    return "none", 0


def parse_asm(text: str) -> tuple[FuncFrame, ...]:
    """Every STEXT function in `go build -gcflags=-S` output, in order of appearance."""
    if not isinstance(text, str):
        raise TypeError(f"text must be the compiler's -S output (str), not {type(text).__name__}")
    funcs: list[FuncFrame] = []
    name: str | None = None
    body: list[tuple[str, str]] = []
    text_line: tuple[str, str] | None = None

    def flush():
        if name is None or text_line is None:
            return
        position, arg = text_line
        m = _FRAME.search(arg)
        if not m:
            return
        parts = [p.strip() for p in arg[: m.start()].split(",")]
        flags = tuple(f for p in parts[1:] for f in p.split("|") if f)
        prologue, offset = _classify(body)
        funcs.append(FuncFrame(name, int(m.group(1)), int(m.group(2)), flags, prologue,
                               offset, position))

    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            flush()
            name, body, text_line = header.group(1), [], None
            continue
        m = _INSTR.match(line)
        if m and name is not None:
            op, arg = m.group(2), m.group(3) or ""
            if op == "TEXT" and text_line is None:
                text_line = (m.group(1), arg)
            body.append((op, arg))
    flush()
    return tuple(funcs)


def frames_by_name(funcs: tuple[FuncFrame, ...]) -> dict[str, FuncFrame]:
    """A lookup by full and by short name (the first function of each name wins)."""
    table: dict[str, FuncFrame] = {}
    for f in funcs:
        table.setdefault(f.name, f)
        table.setdefault(f.short_name, f)
    return table
