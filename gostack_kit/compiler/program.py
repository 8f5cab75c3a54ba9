"""The toy compiler's input: a Go program reduced to what inlining and escape analysis see.

A Program is what `go build -gcflags='-m -m'` would reason about, with the expressions gone:

    Program(funcs=(Func("inner", nodes=10, locals=(Local("buf", 64, addr_taken=True,
                                                          flow="down"),),
                        calls=(Call("use"),)),
                   Func("outer", nodes=4, calls=(Call("inner", count=2),)), ...))

    Func      name, body size in IR nodes (each costs 1 in the inline budget), parameters,
              locals, call sites, go:noinline, panics
    Local     name (as -m spells it: "buf", "&point{...}", "make([]byte, n)"), bytes, kind:
                var   explicit variable (var x T, x := ...)       stack limit 128 KiB
                new   implicit allocation (new, &T{}, make const) stack limit 64 KiB
                make  make([]T, n) with n known only at run time: size = bytes at run time
              and where its address flows: nowhere, down (to a callee that does not keep
              it), returned (to the caller), global (stored in a global or heap object)
    Call      callee, how many times the site runs per run of the caller, and where a
              pointer result goes in the caller (the flow of the callee's returned locals)

Invariants checked here: names are unique, every callee exists, the entry exists, a flow
other than "nowhere" needs a taken address. Recursion is allowed; at run time each
recursive cycle is followed `depth` calls deep before its base case (one depth for every
cycle is the toy's simplification of a data-dependent stopping rule).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.validate import integer

__all__ = ["Call", "Func", "Local", "Param", "Program", "FLOWS", "KINDS"]

FLOWS = ("nowhere", "down", "returned", "global")
KINDS = ("var", "new", "make")
MAX_DEPTH = 1000  # recursion levels the executor follows (it tabulates every level)


def _choice(name: str, value, options: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {', '.join(options)}; got {value!r}")
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(options)}; got {value!r}")
    return value


def _name(what: str, value) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{what} must be a non-empty string; got {value!r}")
    return value


def _tuple_of(what: str, value, cls) -> tuple:
    if not isinstance(value, tuple | list) or not all(isinstance(v, cls) for v in value):
        raise TypeError(f"{what} must be a tuple of {cls.__name__}; got {value!r}")
    return tuple(value)


@dataclass(frozen=True)
class Param:
    """A parameter: its size in the argument area; for pointers, where it flows."""

    name: str
    size: int = 8
    pointer: bool = False
    flow: str = "nowhere"

    def __post_init__(self):
        _name("Param.name", self.name)
        integer("Param.size", self.size, 0, 1 << 20)
        _choice("Param.flow", self.flow, FLOWS)
        if self.flow != "nowhere" and not self.pointer:
            raise ValueError(f"Param.flow must be 'nowhere' for a non-pointer ({self.name})")


@dataclass(frozen=True)
class Local:
    """A local variable or allocation: bytes, kind, taken address and where it flows."""

    name: str
    size: int
    addr_taken: bool = False
    flow: str = "nowhere"
    kind: str = "var"

    def __post_init__(self):
        _name("Local.name", self.name)
        integer("Local.size", self.size, 0, 1 << 40)
        _choice("Local.kind", self.kind, KINDS)
        _choice("Local.flow", self.flow, FLOWS)
        if not isinstance(self.addr_taken, bool):
            raise TypeError(f"Local.addr_taken must be True or False; got {self.addr_taken!r}")
        if self.kind != "var" and not self.addr_taken:
            object.__setattr__(self, "addr_taken", True)  # new/&T{}/make yield a pointer
        if self.flow != "nowhere" and not self.addr_taken:
            raise ValueError(f"Local.flow must be 'nowhere' when the address of {self.name} "
                             f"is not taken; got {self.flow!r}")


@dataclass(frozen=True)
class Call:
    """A call site: callee, runs per run of the caller, where a pointer result goes."""

    callee: str
    count: int = 1
    result: str = "nowhere"

    def __post_init__(self):
        _name("Call.callee", self.callee)
        integer("Call.count", self.count, 0, 1 << 30)
        _choice("Call.result", self.result, FLOWS)


@dataclass(frozen=True)
class Func:
    """A function: body size in IR nodes, parameters, locals, call sites, pragmas."""

    name: str
    nodes: int
    params: tuple[Param, ...] = ()
    locals: tuple[Local, ...] = ()
    calls: tuple[Call, ...] = ()
    noinline: bool = False
    panics: int = 0

    def __post_init__(self):
        _name("Func.name", self.name)
        integer("Func.nodes", self.nodes, 1, 1 << 30)
        integer("Func.panics", self.panics, 0, 1 << 30)
        object.__setattr__(self, "params", _tuple_of("Func.params", self.params, Param))
        object.__setattr__(self, "locals", _tuple_of("Func.locals", self.locals, Local))
        object.__setattr__(self, "calls", _tuple_of("Func.calls", self.calls, Call))
        if not isinstance(self.noinline, bool):
            raise TypeError(f"Func.noinline must be True or False; got {self.noinline!r}")
        names = [p.name for p in self.params] + [v.name for v in self.locals]
        if len(set(names)) != len(names):
            raise ValueError(f"Func.params and Func.locals of {self.name} need unique names")

    @property
    def arg_bytes(self) -> int:
        """The argument area a caller reserves for this function (M in `$N-M`)."""
        return -(-sum(p.size for p in self.params) // 8) * 8


@dataclass(frozen=True)
class Program:
    """Functions in source order, the entry function, recursion depth, the Go it mirrors."""

    funcs: tuple[Func, ...]
    entry: str = "main"
    depth: int = 10
    go_source: str = ""

    def __post_init__(self):
        object.__setattr__(self, "funcs", _tuple_of("Program.funcs", self.funcs, Func))
        if not self.funcs:
            raise ValueError("Program.funcs must hold at least one Func")
        names = [f.name for f in self.funcs]
        if len(set(names)) != len(names):
            raise ValueError(f"Program.funcs need unique names; got {names}")
        if self.entry not in names:
            raise ValueError(f"Program.entry must name one of {names}; got {self.entry!r}")
        integer("Program.depth", self.depth, 0, MAX_DEPTH)
        for f in self.funcs:
            for c in f.calls:
                if c.callee not in names:
                    raise ValueError(f"Call.callee must name one of {names}; "
                                     f"{f.name} calls {c.callee!r}")

    def func(self, name: str) -> Func:
        """The Func called `name` (KeyError if none)."""
        for f in self.funcs:
            if f.name == name:
                return f
        raise KeyError(name)

    def sccs(self) -> list[list[Func]]:
        """Strongly connected components of the call graph, callees first (ir/scc.go order)."""
        order: dict[str, int] = {}
        stack: list[str] = []
        blocks: list[list[Func]] = []
        done = 1 << 62

        def visit(name: str) -> int:  # bottomUpVisitor.visit: Tarjan with visit numbers
            if name in order:
                return order[name]
            me = len(order) * 2 + 1
            order[name] = me
            low = me + 1
            stack.append(name)
            for call in self.func(name).calls:
                low = min(low, visit(call.callee))
            if low in (me, me + 1):
                i = stack.index(name)
                blocks.append([self.func(n) for n in stack[i:]])
                for n in stack[i:]:
                    order[n] = done
                del stack[i:]
            return low

        for f in self.funcs:
            visit(f.name)
        return blocks
