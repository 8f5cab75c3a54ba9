"""Ready-made toy programs, each the mirror of a small real Go program (its source included).

Node counts are calibrated so that the toy's inline costs equal what Go 1.27.3 prints with
`-gcflags='-m -m'` ("can inline inner with cost 67"): a body's nodes are its cost minus
what its calls add. Each Program carries its Go source in `go_source`, so a test (or a
notebook cell) can build the real thing and put both sets of decisions side by side.

    outer_inner   inlining merges two 64-byte buffers into one frame: $8 -> $144, and the
                  prologue moves from the one-compare class to the LEAQ class
    newpoint      a constructor's &point{...} escapes alone but stays on the stack once
                  inlined; a pointer stored in a global always moves to the heap
    big_locals    the 128 KiB / 64 KiB stack limits and the 32-byte buffer of make([]T, n)
    recursion     a recursive function is inlined once, then refused; mutual recursion
    args_shrink   inlining can also shrink a frame: main's area for g's arguments goes away
    big_function  a caller of 5000+ nodes only inlines callees that cost at most 20
"""

from __future__ import annotations

from ..core.validate import integer
from .program import Call, Func, Local, Param, Program

__all__ = ["EXAMPLES", "walk_program",
           "outer_inner", "newpoint", "big_locals", "recursion", "args_shrink", "big_function",
           "ALL"]

_USE = """//go:noinline
func use(p *byte) { *p++ }
"""


def _use() -> Func:
    return Func("use", nodes=5, params=(Param("p", pointer=True),), noinline=True)


def outer_inner(buf: int = 64) -> Program:
    """outer calls inner twice; inner has a `buf`-byte array it passes down to use."""
    src = f"""package main

{_USE}
func inner() {{
	var buf [{buf}]byte
	use(&buf[0])
}}

func outer() {{
	inner()
	inner()
}}

func main() {{
	outer()
}}
"""
    return Program((
        _use(),
        Func("inner", nodes=10, locals=(Local("buf", buf, addr_taken=True, flow="down"),),
             calls=(Call("use"),)),
        Func("outer", nodes=4, calls=(Call("inner"), Call("inner"))),
        Func("main", nodes=2, calls=(Call("outer"),)),
    ), go_source=src)


def newpoint() -> Program:
    """newPoint returns &point{x, y}; keep stores the address of a local in a global."""
    src = """package main

type point struct{ x, y int }

var global *int

func newPoint(x, y int) *point {
	return &point{x, y}
}

//go:noinline
func sum(p *point) int { return p.x + p.y }

func keep() {
	var v int
	global = &v
}

func main() {
	p := newPoint(1, 2)
	sum(p)
	keep()
}
"""
    return Program((
        Func("newPoint", nodes=7, params=(Param("x"), Param("y")),
             locals=(Local("&point{...}", 16, kind="new", flow="returned"),)),
        Func("sum", nodes=5, params=(Param("p", pointer=True),), noinline=True),
        Func("keep", nodes=8, locals=(Local("v", 8, addr_taken=True, flow="global"),)),
        Func("main", nodes=13, calls=(Call("newPoint", result="down"), Call("sum"),
                                      Call("keep"))),
    ), go_source=src)


def big_locals(n: int = 16) -> Program:
    """Locals at and just past the stack limits, and make([]byte, n) with n known late."""
    src = f"""package main

{_USE}
func stackArray() {{
	var a [128 << 10]byte
	use(&a[0])
}}

func heapArray() {{
	var b [128<<10 + 1]byte
	use(&b[0])
}}

func newSmall() {{
	p := new([64 << 10]byte)
	use(&p[0])
}}

func newBig() {{
	p := new([64<<10 + 1]byte)
	use(&p[0])
}}

//go:noinline
func makeDyn(n int) {{
	s := make([]byte, n)
	use(&s[0])
}}

func main() {{
	stackArray()
	heapArray()
	newSmall()
	newBig()
	makeDyn({n})
}}
"""

    def passes_down(name: str, size: int, kind: str = "var") -> Local:
        return Local(name, size, addr_taken=True, flow="down", kind=kind)

    return Program((
        _use(),
        Func("stackArray", nodes=10, locals=(passes_down("a", 128 << 10),),
             calls=(Call("use"),)),
        Func("heapArray", nodes=10, locals=(passes_down("b", (128 << 10) + 1),),
             calls=(Call("use"),)),
        Func("newSmall", nodes=12, locals=(passes_down("new([65536]byte)", 64 << 10, "new"),),
             calls=(Call("use"),)),
        Func("newBig", nodes=12,
             locals=(passes_down("new([65537]byte)", (64 << 10) + 1, "new"),),
             calls=(Call("use"),)),
        Func("makeDyn", nodes=12, params=(Param("n"),), noinline=True,
             locals=(passes_down("make([]byte, n)", n, "make"),), calls=(Call("use"),)),
        Func("main", nodes=11, calls=tuple(Call(f) for f in (
            "stackArray", "heapArray", "newSmall", "newBig", "makeDyn"))),
    ), go_source=src)


def recursion(depth: int = 9) -> Program:
    """fact(depth+1) and even(depth): each cycle goes `depth` recursive calls deep."""
    src = f"""package main

func fact(n int) int {{
	if n <= 1 {{
		return 1
	}}
	return n * fact(n-1)
}}

func even(n int) bool {{
	if n == 0 {{
		return true
	}}
	return odd(n - 1)
}}

func odd(n int) bool {{
	if n == 0 {{
		return false
	}}
	return even(n - 1)
}}

var sink int

func main() {{
	sink = fact({depth + 1})
	if even({depth}) {{
		sink = 0
	}}
}}
"""
    return Program((
        Func("fact", nodes=14, params=(Param("n"),), calls=(Call("fact"),)),
        Func("even", nodes=12, params=(Param("n"),), calls=(Call("odd"),)),
        Func("odd", nodes=12, params=(Param("n"),), calls=(Call("even"),)),
        Func("main", nodes=12, calls=(Call("fact"), Call("even"))),
    ), depth=depth, go_source=src)


def args_shrink() -> Program:
    """main calls g(a, b, c int), which calls a noinline h(): inlining g drops 24 arg bytes."""
    src = """package main

var sink int

//go:noinline
func h() { sink++ }

func g(a, b, c int) {
	if a+b+c > 0 {
		h()
	}
}

func main() {
	g(1, 2, 3)
}
"""
    return Program((
        Func("h", nodes=3, noinline=True),
        Func("g", nodes=10, params=(Param("a"), Param("b"), Param("c")), calls=(Call("h"),)),
        Func("main", nodes=5, calls=(Call("g"),)),
    ), go_source=src)


def big_function(statements: int = 1700) -> Program:
    """main has `statements` lines `sink += i` (3 nodes each) plus calls to small and mid."""
    body = "\n".join(f"\tsink += {i}" for i in range(statements))
    src = f"""package main

var sink int

func small(x int) int {{ return x + 1 }}

func mid(x int) int {{
	if x > 10 {{
		return x*x + x*3 + 7 + x*x*x + x/3 + x%5
	}}
	return x - 1
}}

func main() {{
	sink = small(sink)
	sink = mid(sink)
{body}
}}
"""
    return Program((
        Func("small", nodes=4, params=(Param("x"),)),
        Func("mid", nodes=32, params=(Param("x"),)),
        Func("main", nodes=3 * statements + 10, calls=(Call("small"), Call("mid"))),
    ), go_source=src)


#: Every example builder, by name (for notebooks and the real-Go test).
ALL = {"outer_inner": outer_inner, "newpoint": newpoint, "big_locals": big_locals,
       "recursion": recursion, "args_shrink": args_shrink,
       "big_function": big_function}


def walk_program(buf: int = 128, depth: int = 1000) -> Program:
    """walk(n) recurses `depth` deep; each level calls scratch, which has a `buf`-byte array."""
    buf = integer("buf", buf, 1, 64 << 10)
    depth = integer("depth", depth, 1, 1000)
    src = f"""package main

//go:noinline
func use(p *byte) {{ *p++ }}

func scratch() {{
	var buf [{buf}]byte
	use(&buf[0])
}}

func walk(n int) {{
	if n == 0 {{
		return
	}}
	scratch()
	walk(n - 1)
}}

func main() {{
	walk({depth})
}}
"""
    return Program((
        Func("use", nodes=5, params=(Param("p", pointer=True),), noinline=True),
        Func("scratch", nodes=10, locals=(Local("buf", buf, addr_taken=True, flow="down"),),
             calls=(Call("use"),)),
        Func("walk", nodes=12, params=(Param("n"),), calls=(Call("scratch"), Call("walk"))),
        Func("main", nodes=3, calls=(Call("walk"),)),
    ), depth=depth, go_source=src)


#: The programs the notebook puts beside the real compiler, by name.
EXAMPLES = {"outer_inner": outer_inner, "newpoint": newpoint,
            "big_locals": big_locals, "recursion": recursion,
            "args_shrink": args_shrink, "walk": walk_program}
