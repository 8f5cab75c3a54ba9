"""A toy Go compiler: inlining, then escape analysis, then frames, stack checks and garbage.

The real compiler (cmd/compile, Go 1.27) runs two passes that decide what the stack costs.
Inlining (inline/inl.go) copies small callees into their callers: the call, its return
address, its saved BP and the callee's stack check disappear, and the callee's locals join
the caller's frame. Escape analysis (escape/*.go) then decides, for every variable and
allocation in the final bodies, whether it may live in the frame or must be moved to the
heap. Because it runs second, a pointer returned by an inlined callee can stay on the stack:

    func newPoint() *point { return &point{} }      // alone: &point{...} escapes to heap
    func main() { p := newPoint(); use(p) }         // inlined: &point{...} does not escape

    before inlining            after inlining
    main   [BP|args]           main   [BP|point|args]      one frame, one check
      └─ newPoint [BP|args]      └─ use (NOSPLIT leaf, no check)
           └─ runtime.newobject  (no heap allocation left)

The model. A Program is a list of Funcs in source order. A Func has a body size in IR nodes,
parameters, locals (each with where its address flows) and call sites with counts. The
passes follow the real ones where it matters for the stack:
  * cost = nodes + panics + for each call site either the callee's own cost (callee already
    found inlinable, bottom-up over the call graph) or inlineExtraCallCost (57);
  * a callee is inlined when its cost fits the budget (20 in a "big" caller), unless that
    very call site is already on the inline chain (silently refused) or the callee is
    (reported as a repeated recursive cycle): so a recursive function is inlined once;
  * a local escapes when its address is stored in a global or returned past the outermost
    frame, or when it is too large (128 KiB explicit, 64 KiB implicit); a non-constant
    make keeps a 32-byte stack buffer and calls makeslice only when the cap does not fit;
  * the frame is locals + the largest outgoing argument area + 8 for the saved BP (none for
    a leaf without locals), and a leaf under StackSmall is NOSPLIT, with no check.

Invariants: inlining never adds a stack check or a call to a run; it never takes bytes of
locals out of a frame (the whole frame can still shrink: the argument area of an inlined call
goes away); with escape analysis off every address-taken local goes to the heap.

What the toy does not model (ToyFrame.exact says where this matters): register spill slots
(an inlined callee's parameter that stays live across a call needs one), the slot holding a
heap copy's address and runtime-call temporaries (estimated: 8 bytes per heap local), stack
slot merging, results, closures, interfaces, PGO and the new inliner heuristics. The real
compiler prints a recursive-cycle refusal once per fixed-point pass; the toy prints it once.
The order the compiler rejected: escape analysis before inlining would be simpler, but then
every pointer a constructor returns would go to the heap, inlined or not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core import versions
from ..core.validate import integer
from ..stacks.protocol import prologue_class
from .execute import Copy, Run, execute, walk
from .program import Call, Func, Local, Param, Program

__all__ = ["Call", "Compiler", "ToyDecision", "Build", "Func", "ToyFrame", "Local", "Param",
           "Program", "Run", "examples"]

_GO = versions.get("1.27")
INLINE_MAX_BUDGET = 80  # inlineMaxBudget (inline/inl.go:50)
INLINE_EXTRA_CALL_COST = 57  # inlineExtraCallCost: a call that stays a call (inl.go:53)
INLINE_EXTRA_PANIC_COST = 1  # inlineExtraPanicCost (inl.go:55)
INLINE_BIG_FUNCTION_NODES = 5000  # inlineBigFunctionNodes: "big" from this many (inl.go:58)
INLINE_BIG_FUNCTION_MAX_COST = 20  # inlineBigFunctionMaxCost: inlinees of big callers (inl.go:59)
# The three size limits of escape analysis are per release: versions.GoVersion fields
# max_stack_var_size, max_implicit_stack_var_size and variable_make_threshold. These are Go 1.27's.
MAX_STACK_VAR_SIZE = _GO.max_stack_var_size  # ir.MaxStackVarSize: explicit variables (ir/cfg.go)
MAX_IMPLICIT_STACK_VAR_SIZE = _GO.max_implicit_stack_var_size  # new, &T{}, make (ir/cfg.go)
VARIABLE_MAKE_THRESHOLD = _GO.variable_make_threshold  # stack buffer of make([]T, n) (base/flag.go)
PTR_SIZE = 8  # amd64: saved BP, return address, pointer slots
NEWOBJECT_ARGS = 8  # runtime.newobject(typ) takes one pointer argument
MAKESLICE_ARGS = 24  # runtime.makeslice(et, len, cap) takes three words
MAX_CALLS = 10**9  # runs of the entry function accepted by Compiler.run
ESCAPING = ("global", "returned")


@dataclass(frozen=True)
class ToyDecision:
    """One line of `-gcflags='-m -m'`, attributed to the function whose code it is about."""

    func: str
    kind: str  # "inline" or "escape"
    text: str


@dataclass(frozen=True)
class ToyFrame:
    """A compiled function: its inline cost, what was inlined into it, its frame and check."""

    name: str
    cost: int | None  # inline cost, also when over budget (None: inlining off, or go:noinline)
    inlinable: bool
    inlined: tuple[str, ...]  # callees copied into this body, in the order they were inlined
    frame: int  # N in `TEXT f(SB), $N-M`: locals + outgoing args + saved BP
    locals: int  # bytes of the frame that hold locals (all inlined copies included)
    args: int  # M: the argument area (spill slots of register arguments)
    nosplit: bool  # auto-NOSPLIT leaf: no stack check at all
    prologue: str  # "none", "small" (CMPQ SP), "leaq" (LEAQ -(N-128)(SP)) or "subq"
    heap_locals: int  # locals (in all inlined copies) that live on the heap
    exact: bool  # False where spills or heap-copy pointers make the real frame differ


@dataclass(frozen=True)
class Build:
    """The output of both passes for one program and one compiler setting."""

    program: Program
    inlining: bool
    budget: int
    escape: bool
    functions: tuple[ToyFrame, ...]
    decisions: tuple[ToyDecision, ...]
    copies: tuple = field(repr=False, compare=False)  # the inline trees (for Compiler.run)

    def function(self, name: str) -> ToyFrame:
        """The ToyFrame called `name` (KeyError if none)."""
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)


class Compiler:
    """The toy compiler: `Compiler(inlining, budget, escape, version).run(program, calls)`."""

    def __init__(self, inlining: bool = True, budget: int = INLINE_MAX_BUDGET,
                 escape: bool = True, version: str = "current"):
        for name, flag in (("inlining", inlining), ("escape", escape)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be True or False; got {flag!r}")
        self.inlining = inlining
        self.budget = integer("budget", budget, 0, 10_000)
        self.escape = escape
        self.v = versions.get(version)  # the release whose escape-analysis limits apply

    def compile(self, program: Program) -> Build:
        """Run inlining, then escape analysis, then lay out every function's frame."""
        if not isinstance(program, Program):
            raise TypeError(f"program must be a compiler.Program; got {type(program).__name__}")
        decisions: list[ToyDecision] = []
        costs: dict[str, int] = {}  # every analysed function's cost, inlinable or not
        inlinable = self._can_inline(program, decisions, costs)
        roots, frames = {}, []
        for fn in program.funcs:
            root = self._expand(program, fn, inlinable, decisions)
            roots[fn.name] = root
            self._escape_messages(root, fn.name, decisions)
            frames.append(self._frame(program, root, costs.get(fn.name), fn.name in inlinable))
        return Build(program, self.inlining, self.budget, self.escape, tuple(frames),
                     tuple(decisions), tuple(roots.items()))

    def run(self, program: Program, calls: int = 1) -> Run:
        """Compile `program` and execute its entry function `calls` times."""
        calls = integer("calls", calls, 1, MAX_CALLS)
        return execute(self.compile(program), calls)

    # --- inlining (inline/inl.go CanInline, interleaved.go) ---------------------------------

    def _can_inline(self, program: Program, out: list[ToyDecision],
                    all_costs: dict[str, int]) -> dict[str, int]:
        """Inline cost of every inlinable function, visiting the call graph bottom-up."""
        costs: dict[str, int] = {}
        if not self.inlining:
            return costs
        for block in program.sccs():
            for fn in block:
                if (not self.v.inline_recursive and len(block) == 1
                        and any(c.callee == fn.name for c in fn.calls)):
                    # before Go 1.24 a self-recursive function is never analysed (inl.go)
                    out.append(ToyDecision(fn.name, "inline",
                                           f"cannot inline {fn.name}: recursive"))
                    continue
                if fn.noinline:
                    out.append(ToyDecision(fn.name, "inline",
                                        f"cannot inline {fn.name}: marked go:noinline"))
                    continue
                # Go 1.22+ applies a big caller's smaller inlinee limit while costing it too
                limit = self._max_cost(fn) if self.v.big_limits_cost else self.budget
                cost = fn.nodes + INLINE_EXTRA_PANIC_COST * fn.panics
                cost += self.v.new_extra_nodes * sum(v.name.startswith("new(") for v in fn.locals)
                for call in fn.calls:
                    callee = costs.get(call.callee)
                    ok = callee is not None and callee <= limit
                    cost += callee if ok else INLINE_EXTRA_CALL_COST
                all_costs[fn.name] = cost
                if cost > self.budget:
                    out.append(ToyDecision(fn.name, "inline", f"cannot inline {fn.name}: function "
                                        f"too complex: cost {cost} exceeds budget {self.budget}"))
                else:
                    costs[fn.name] = cost
                    out.append(ToyDecision(fn.name, "inline",
                                        f"can inline {fn.name} with cost {cost}"))
        return costs

    def _max_cost(self, fn: Func) -> int:
        """The largest inlinee `fn` accepts: the budget, or 20 in a big function."""
        if fn.nodes >= INLINE_BIG_FUNCTION_NODES:
            return min(self.budget, INLINE_BIG_FUNCTION_MAX_COST)
        return self.budget

    def _expand(self, program: Program, root: Func, costs: dict[str, int],
                out: list[ToyDecision]) -> Copy:
        """The inline tree of `root`: which call sites become copies of their callee."""
        limit = self._max_cost(root)
        if self.inlining and self.v.big_message and root.nodes >= INLINE_BIG_FUNCTION_NODES:
            out.append(ToyDecision(root.name, "inline", f"function {root.name} considered "
                                "'big'; reducing max cost of inlinees"))

        def expand(fn: Func, out_flow: str, chain: tuple, inlined: tuple) -> Copy:
            sites = []
            for i, call in enumerate(fn.calls):
                callee = program.func(call.callee)
                cost = costs.get(callee.name)
                if cost is None or cost > limit or (fn.name, i) in chain:
                    sites.append(("call", callee.name))
                    continue
                if callee.name in inlined:
                    out.append(ToyDecision(root.name, "inline", f"cannot inline {callee.name} "
                                        f"into {root.name}: repeated recursive cycle"))
                    sites.append(("call", callee.name))
                    continue
                out.append(ToyDecision(root.name, "inline", f"inlining call to {callee.name}"))
                flow = out_flow if call.result == "returned" else call.result
                sites.append(("inline", expand(callee, flow, (*chain, (fn.name, i)),
                                               (*inlined, callee.name))))
            allocs = [v.size for v in fn.locals if self.on_heap(v, out_flow)
                      or (v.kind == "make" and v.size > self.v.variable_make_threshold)]
            return Copy(fn, out_flow, tuple(sites), len(allocs), sum(allocs))

        return expand(root, "returned", (), ())

    # --- escape analysis (escape/*.go) --------------------------------------------------------

    def on_heap(self, local: Local, out_flow: str) -> bool:
        """True when `local` (in a body whose results go to `out_flow`) is heap-allocated."""
        flow = out_flow if local.flow == "returned" else local.flow
        if local.kind == "var" and local.size > self.v.max_stack_var_size:
            return True  # "moved to heap" whatever its address does (too large for stack)
        if local.kind == "make" and not self.v.variable_make_threshold:
            return True  # before Go 1.25: "make([]T, n) escapes to heap" (non-constant size)
        if not self.escape:
            return local.addr_taken or local.kind != "var"
        if local.kind == "new" and local.size > self.v.max_implicit_stack_var_size:
            return True
        return flow in ESCAPING

    def _escape_messages(self, root: Copy, name: str, out: list[ToyDecision]) -> None:
        """The `-m` lines for the parameters of `root` and the locals of every copy in it."""
        if self.escape:
            for p in root.func.params:
                if p.pointer and p.flow in ("nowhere", "down"):
                    out.append(ToyDecision(name, "escape", f"{p.name} does not escape"))
                elif p.pointer and p.flow == "global":
                    out.append(ToyDecision(name, "escape", f"leaking param: {p.name}"))
                elif p.pointer:
                    out.append(ToyDecision(name, "escape",
                                        f"leaking param: {p.name} to result ~r0 level=0"))
        for copy in walk(root):
            for local in copy.func.locals:
                heap = self.on_heap(local, copy.out_flow)
                if local.kind == "var":
                    if heap:
                        out.append(ToyDecision(name, "escape", f"moved to heap: {local.name}"))
                elif heap:
                    out.append(ToyDecision(name, "escape", f"{local.name} escapes to heap"))
                elif self.escape:
                    out.append(ToyDecision(name, "escape", f"{local.name} does not escape"))

    # --- frame layout (ssagen defframe, obj/x86 preprocess and stacksplit) ---------------------

    def _frame(self, program: Program, root: Copy, cost: int | None,
               inlinable: bool) -> ToyFrame:
        """Frame size, NOSPLIT-ness and prologue class of one compiled function."""
        stack = outgoing = heap = 0
        has_call, exact = False, True
        for copy in walk(root):
            for kind, target in copy.sites:
                if kind == "call":
                    has_call = True
                    outgoing = max(outgoing, program.func(target).arg_bytes)
            for local in copy.func.locals:
                on_heap = self.on_heap(local, copy.out_flow)
                if local.kind == "make":
                    has_call = True
                    exact = False
                    outgoing = max(outgoing, MAKESLICE_ARGS)
                    stack += 0 if on_heap else self.v.variable_make_threshold
                elif on_heap:
                    has_call = True
                    exact = False
                    outgoing = max(outgoing, NEWOBJECT_ARGS)
                else:
                    stack += local.size
                heap += on_heap
            if any(p.flow == "global" for p in copy.func.params):
                has_call = True  # storing a pointer in the heap calls the write barrier
            if copy is not root and copy.func.params and _any_call(copy):
                exact = False  # an inlined parameter may need a spill slot across the call
        auto = _round8(stack) + _round8(outgoing) + PTR_SIZE * heap
        frame = auto + PTR_SIZE if (auto or has_call) else 0  # NOFRAME leaf: no saved BP
        nosplit = not has_call and frame < _GO.stack_small
        inlined = tuple(c.func.name for c in walk(root) if c is not root)
        return ToyFrame(root.func.name, cost, inlinable, inlined, frame, _round8(stack),
                         root.func.arg_bytes, nosplit, prologue_class(frame, nosplit), heap, exact)


def _any_call(copy: Copy) -> bool:
    """True when a real call remains anywhere inside this inlined copy."""
    return any(kind == "call" for c in walk(copy) for kind, _ in c.sites)


def _round8(n: int) -> int:
    return -(-n // PTR_SIZE) * PTR_SIZE


from . import examples  # noqa: E402  (examples build Programs from above)
