"""The toy compiler: decisions and numbers on the examples, laws on random programs, errors."""

from collections import Counter

import numpy as np
import pytest

from gostack_kit.compiler.execute import walk
from gostack_kit.compiler.passes import Build, Call, Compiler, Func, Local, Param, Program, examples

ON, OFF = Compiler(), Compiler(inlining=False)


def texts(build, func=None):
    return Counter(d.text for d in build.decisions if func is None or d.func == func)


# --- outer/inner: inlining merges frames and removes checks --------------------------------


def test_outer_inner_inlined_decisions_and_frames():
    run = ON.run(examples.outer_inner(), calls=1)
    assert texts(run.build) == Counter({
        "cannot inline use: marked go:noinline": 1,
        "can inline inner with cost 67": 1,  # 10 nodes + 57 for the call to use
        "cannot inline outer: function too complex: cost 138 exceeds budget 80": 1,  # 4+2*67
        "can inline main with cost 59": 1,
        "inlining call to inner": 2,
        "p does not escape": 1,
    })
    inner, outer, use = run.function("inner"), run.function("outer"), run.function("use")
    assert (inner.frame, inner.prologue) == (64 + 8 + 8, "small")  # buf, arg for use, BP
    assert (outer.frame, outer.prologue) == (2 * 64 + 8 + 8, "leaq")  # both bufs in one frame
    assert outer.inlined == ("inner", "inner") and outer.locals == 128
    assert (outer.cost, outer.inlinable, inner.cost, inner.inlinable) == (138, False, 67, True)
    assert (use.frame, use.nosplit, use.prologue) == (0, True, "none")
    # main, outer, use, use are called; only main and outer run a check (use is NOSPLIT)
    assert (run.calls_executed, run.stack_checks, run.heap_allocs) == (4, 2, 0)
    assert dict(run.entries) == {"use": 2, "inner": 0, "outer": 1, "main": 1}
    assert run.max_stack == (8 + 8) + (144 + 8) + (0 + 8)


def test_outer_inner_without_inlining():
    run = OFF.run(examples.outer_inner(), calls=1000)
    assert texts(run.build) == Counter({"p does not escape": 1})  # -l: no inline lines at all
    assert run.function("outer").frame == 8  # no locals, no arguments: only the saved BP
    assert run.function("outer").prologue == "small"
    assert (run.calls_executed, run.stack_checks) == (6000, 4000)  # inner adds 2 calls+checks
    assert run.max_stack == 16 + 16 + 88 + 8


@pytest.mark.parametrize(("buf", "cls"), [(48, "small"), (56, "small"), (64, "leaq")])
def test_inlining_moves_the_caller_across_stack_small(buf, cls):
    # two buffers + use's argument slot + BP: 112 and 128 (<= StackSmall) keep the one-compare
    # check, 144 needs LEAQ
    outer = ON.compile(examples.outer_inner(buf)).function("outer")
    assert outer.frame == 2 * buf + 16
    assert outer.prologue == cls
    assert OFF.compile(examples.outer_inner(buf)).function("outer").prologue == "small"


# --- newpoint: escape analysis after inlining ------------------------------------------------


def test_newpoint_escape_depends_on_inlining():
    on, off = ON.run(examples.newpoint()), OFF.run(examples.newpoint())
    assert texts(on.build, "main") == Counter({
        "cannot inline main: function too complex: cost 85 exceeds budget 80": 1,
        "inlining call to newPoint": 1, "inlining call to keep": 1,
        "&point{...} does not escape": 1, "moved to heap: v": 1})
    assert texts(on.build, "newPoint") == Counter({
        "can inline newPoint with cost 7": 1, "&point{...} escapes to heap": 1})
    assert texts(off.build) == Counter({"&point{...} escapes to heap": 1,
                                        "p does not escape": 1, "moved to heap: v": 1})
    assert (on.heap_allocs, on.heap_bytes) == (1, 8)  # only v, stored in a global
    assert (off.heap_allocs, off.heap_bytes) == (2, 16 + 8)
    assert on.function("main").locals == 16  # the point now lives in main's frame
    assert off.function("main").frame == 16 + 8  # newPoint's x, y argument area + BP


def test_returned_pointer_escapes_when_the_caller_returns_it_too():
    prog = examples.newpoint()
    funcs = [f if f.name != "main" else Func("main", 13, calls=(Call("mk", result="down"),))
             for f in prog.funcs]
    funcs.insert(0, Func("mk", 3, calls=(Call("newPoint", result="returned"),)))
    build = ON.compile(Program(tuple(funcs)))
    assert texts(build, "mk")["&point{...} escapes to heap"] == 1
    assert texts(build, "main")["&point{...} does not escape"] == 1  # mk and newPoint inlined


def test_escape_analysis_off_puts_every_address_taken_local_on_the_heap():
    run = Compiler(escape=False).run(examples.outer_inner(), calls=10)
    assert (run.heap_allocs, run.heap_bytes) == (20, 20 * 64)
    outer = run.function("outer")
    assert (outer.locals, outer.heap_locals, outer.exact) == (0, 2, False)
    assert texts(run.build)["moved to heap: buf"] == 3  # inner itself and both copies
    assert not any("does not escape" in d.text for d in run.decisions)


# --- big locals: the stack limits ------------------------------------------------------------


def test_big_locals_limits():
    on = ON.run(examples.big_locals(16))
    assert texts(on.build, "heapArray")["moved to heap: b"] == 1
    assert texts(on.build, "stackArray") == Counter({"can inline stackArray with cost 67": 1})
    assert texts(on.build, "newSmall")["new([65536]byte) does not escape"] == 1
    assert texts(on.build, "newBig")["new([65537]byte) escapes to heap"] == 1
    assert texts(on.build, "makeDyn")["make([]byte, n) does not escape"] == 1
    assert on.function("stackArray").frame == (128 << 10) + 16
    assert on.function("stackArray").prologue == "subq"
    assert on.function("newSmall").frame == (64 << 10) + 16
    assert on.function("makeDyn").frame == 32 + 24 + 8  # buffer, makeslice's 3 words, BP
    assert (on.heap_allocs, on.heap_bytes) == (2, (128 << 10) + 1 + (64 << 10) + 1)
    big = ON.run(examples.big_locals(33))  # the cap no longer fits the 32-byte buffer
    assert (big.heap_allocs, big.heap_bytes) == (3, on.heap_bytes + 33)


# --- recursion --------------------------------------------------------------------------------


def test_recursion_is_inlined_once():
    on, off = ON.run(examples.recursion(9)), OFF.run(examples.recursion(9))
    assert texts(on.build) == Counter({
        "can inline fact with cost 71": 1, "can inline even with cost 69": 1,
        "cannot inline odd: function too complex: cost 81 exceeds budget 80": 1,
        "cannot inline main: function too complex: cost 152 exceeds budget 80": 1,
        "inlining call to fact": 2, "inlining call to even": 2,
        "cannot inline fact into main: repeated recursive cycle": 1})
    assert on.function("fact").inlined == ("fact",)
    # fact(10): 10 activations; even(9): 10. Inlined, each real call covers two levels.
    assert dict(off.entries) == {"fact": 10, "even": 5, "odd": 5, "main": 1}
    assert dict(on.entries) == {"fact": 5, "even": 0, "odd": 5, "main": 1}
    assert off.max_stack == 11 * (16 + 8)  # main and ten facts: 16-byte frames + return addr


def test_budget_and_big_functions():
    assert texts(Compiler(budget=66).compile(examples.outer_inner()))[
        "cannot inline inner: function too complex: cost 67 exceeds budget 66"] == 1
    assert not any(d.text.startswith("inlining")
                   for d in Compiler(budget=0).compile(examples.outer_inner()).decisions)
    prog = Program((Func("small", 19), Func("mid", 21),
                    Func("main", 5000, calls=(Call("small"), Call("mid")), panics=2)))
    build = ON.compile(prog)
    assert texts(build, "main") == Counter({
        "cannot inline main: function too complex: cost 5078 exceeds budget 80": 1,
        "function main considered 'big'; reducing max cost of inlinees": 1,
        "inlining call to small": 1})  # 5000 + 2 panics + 19 + 57: mid (21 > 20) stays a call
    assert build.function("main").inlined == ("small",)


# --- laws on random programs --------------------------------------------------------------------


def random_program(seed: int) -> Program:
    """A random call DAG (plus some self-recursion) with random locals and flows."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    funcs = []
    for i in range(n):
        callees = [f"f{j}" for j in range(i) if rng.random() < 0.5]
        if rng.random() < 0.2:
            callees.append(f"f{i}")
        locals_ = []
        for k in range(int(rng.integers(0, 3))):
            kind = str(rng.choice(["var", "new", "make"]))
            flow = str(rng.choice(["nowhere", "down", "returned", "global"]))
            size = int(rng.choice([8, 24, 64, 100, 40000, 70000, 140000]))
            locals_.append(Local(f"v{k}", size, addr_taken=bool(flow != "nowhere" or
                                                                rng.random() < 0.5),
                                 flow=flow, kind=kind))
        funcs.append(Func(f"f{i}", int(rng.integers(1, 40)),
                          params=tuple(Param(f"p{k}") for k in range(int(rng.integers(0, 3)))),
                          locals=tuple(locals_), noinline=bool(rng.random() < 0.15),
                          calls=tuple(Call(c, int(rng.integers(0, 4)),
                                           str(rng.choice(["nowhere", "down", "returned"])))
                                      for c in callees)))
    return Program(tuple(funcs), entry=f"f{n - 1}", depth=int(rng.integers(0, 5)))


def naive(build: Build):
    """Walk one run of the entry call by call: (calls, checks, allocs, bytes, max_stack)."""
    prog, roots = build.program, dict(build.copies)
    frames = {f.name: f for f in build.functions}
    sccs = prog.sccs()
    scc = {f.name: i for i, b in enumerate(sccs) for f in b}
    total = [0, 0, 0, 0]

    def body(copy, left, sp):
        total[2] += copy.allocs
        total[3] += copy.alloc_bytes
        deepest = sp
        for call, (kind, target) in zip(copy.func.calls, copy.sites, strict=True):
            rec = scc[call.callee] == scc[copy.func.name]
            if rec and left == 0:
                continue
            for _ in range(call.count):
                nl = left - 1 if rec else prog.depth
                if kind == "inline":
                    deepest = max(deepest, body(target, nl, sp))
                else:
                    deepest = max(deepest, enter(target, nl, sp))
        return deepest

    def enter(name, left, sp):
        total[0] += 1
        total[1] += not frames[name].nosplit
        return body(roots[name], left, sp + frames[name].frame + 8)

    deepest = enter(prog.entry, prog.depth, 0)
    return (*total, deepest)


@pytest.mark.parametrize("seed", range(40))
def test_laws_on_random_programs(seed):
    prog = random_program(seed)
    for escape in (True, False):
        on = Compiler(escape=escape).run(prog, calls=3)
        off = Compiler(inlining=False, escape=escape).run(prog, calls=3)
        assert on.stack_checks <= off.stack_checks
        assert on.calls_executed <= off.calls_executed
        for a, b in zip(on.functions, off.functions, strict=True):
            assert a.locals >= b.locals  # inlined copies only add locals to a frame
            if not a.inlined:
                assert (a.frame, a.prologue) == (b.frame, b.prologue)
    for inlining in (True, False):
        esc = Compiler(inlining=inlining).run(prog, calls=5)
        noesc = Compiler(inlining=inlining, escape=False).run(prog, calls=5)
        assert noesc.heap_allocs >= esc.heap_allocs
        assert noesc.heap_bytes >= esc.heap_bytes


@pytest.mark.parametrize("seed", range(40))
def test_executor_matches_a_naive_walk(seed):
    prog = random_program(seed)
    for compiler in (ON, OFF, Compiler(escape=False)):
        run = compiler.run(prog, calls=1)
        assert naive(run.build) == (run.calls_executed, run.stack_checks, run.heap_allocs,
                                    run.heap_bytes, run.max_stack)
        many = compiler.run(prog, calls=7)
        assert (many.calls_executed, many.heap_bytes) == (7 * run.calls_executed,
                                                          7 * run.heap_bytes)


def test_inlining_can_shrink_a_frame():
    # The law "inlining grows frames" holds for locals, not for the whole frame: the
    # argument area of the inlined call disappears (real Go 1.27: main $32 -> $8).
    on, off = ON.compile(examples.args_shrink()), OFF.compile(examples.args_shrink())
    assert (off.function("main").frame, on.function("main").frame) == (24 + 8, 8)


def test_inline_tree_matches_decisions():
    build = ON.compile(examples.big_locals())
    copies = [c.func.name for c in walk(dict(build.copies)["main"])]
    assert copies == ["main", "stackArray", "heapArray", "newSmall", "newBig"]
    assert build.function("main").locals == (128 << 10) + (64 << 10)


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "exc", "words"), [
    (lambda: Compiler(inlining="yes"), TypeError, "inlining"),
    (lambda: Compiler(budget=-1), ValueError, "budget"),
    (lambda: Compiler(budget=1.5), TypeError, "budget"),
    (lambda: ON.run(examples.newpoint(), calls=0), ValueError, "calls"),
    (lambda: ON.run("main"), TypeError, "program"),
    (lambda: Program((Func("main", 1, calls=(Call("nope"),)),)), ValueError, "callee"),
    (lambda: Program((Func("f", 1),)), ValueError, "entry"),
    (lambda: Program((Func("main", 1), Func("main", 2))), ValueError, "unique"),
    (lambda: Program(()), ValueError, "funcs"),
    (lambda: Program((Func("main", 1),), depth=5000), ValueError, "depth"),
    (lambda: Func("f", 0), ValueError, "nodes"),
    (lambda: Func("f", 1, locals=[1]), TypeError, "locals"),
    (lambda: Local("x", 8, flow="down"), ValueError, "flow"),
    (lambda: Local("x", 8, addr_taken=True, flow="stack"), ValueError, "flow"),
    (lambda: Local("x", -1), ValueError, "size"),
    (lambda: Local("x", 8, kind="alloca"), ValueError, "kind"),
    (lambda: Param("p", flow="global"), ValueError, "flow"),
    (lambda: Call("f", count=-1), ValueError, "count"),
])
def test_bad_input(make, exc, words):
    with pytest.raises(exc, match=words):
        make()


def test_toy_compiler_follows_the_release():
    from gostack_kit.compiler.passes import Compiler as C

    old, new = C(version="1.23"), C(version="1.24")
    sizes = examples.big_locals()
    assert "moved to heap: b" not in {d.text for d in old.compile(sizes).decisions}
    assert "moved to heap: b" in {d.text for d in new.compile(sizes).decisions}
    rec = examples.recursion()
    assert "cannot inline fact: recursive" in {d.text for d in old.compile(rec).decisions}
    assert "can inline fact with cost 71" in {d.text for d in new.compile(rec).decisions}
    with pytest.raises(ValueError, match="1.2 to 1.27"):
        C(version="1.28")
