"""Running a compiled toy program: calls, stack checks, heap allocations, deepest stack.

After the passes of compiler.py every function is an inline tree: its own body at the root,
copies of inlined callees below it. Only the edges that stayed calls cost anything at run
time: a CALL (return address), the callee's prologue check unless it is NOSPLIT, and a new
frame. Every body that runs, inlined or not, performs the heap allocations escape analysis
left it.

    main ─call─> outer [inner copy | inner copy] ─call─> use (NOSPLIT)
                         one frame, one check        two calls, no check

Counts multiply along call sites (a site that runs 3 times in a body that runs 5 times runs
15 times). A recursive edge (caller and callee in one strongly connected component) is
followed while the cycle has levels left: `Program.depth` levels from where the cycle was
entered, whether the recursive call was inlined or not. So the value of a body depends on
(body, levels left); the executor tabulates it callees-first, level by level, instead of
recursing once per simulated call: its cost is bodies x levels, whatever the call counts
(10**9 runs cost as much as one).

Invariant: the tabulated result equals walking the program call by call (the tests check
this against a naive walk). The alternative, simulating each call, would make a million
runs a million times slower; the counts are linear in `calls`, so one run is enough.
"""

from __future__ import annotations

from dataclasses import dataclass

from .program import Func

__all__ = ["Copy", "Run", "execute"]

RETURN_ADDRESS = 8  # CALL pushes the return address: each real call moves SP by frame + 8


@dataclass(frozen=True)
class Copy:
    """One body of an inline tree: a compiled function's own body or an inlined copy."""

    func: Func
    out_flow: str  # where this body's returned pointers end up ("returned" at the root)
    sites: tuple  # per call site: ("inline", Copy) or ("call", callee name)
    allocs: int  # heap allocations each run of this body makes
    alloc_bytes: int  # bytes those allocations request


@dataclass(frozen=True)
class Run:
    """What `calls` runs of the entry function execute, for one compiler.Build."""

    build: object  # compiler.Build
    calls: int  # runs of the entry function
    calls_executed: int  # CALLs between program functions, the entry's own runs included
    stack_checks: int  # prologue checks executed (NOSPLIT functions have none)
    heap_allocs: int  # runtime.newobject / makeslice calls that allocate
    heap_bytes: int  # bytes requested from the heap (size classes not modelled)
    max_stack: int  # deepest stack use: frame + 8 per real call along the deepest chain
    entries: tuple[tuple[str, int], ...]  # (function, times it was really called)

    @property
    def functions(self):
        """The compiled functions (frames, prologue classes) of the build."""
        return self.build.functions

    @property
    def decisions(self):
        """The build's `-m -m` decisions."""
        return self.build.decisions

    def function(self, name: str):
        """The ToyFrame called `name`."""
        return self.build.function(name)



def walk(copy: Copy):
    """Every body in an inline tree, root first, in call-site order."""
    yield copy
    for kind, target in copy.sites:
        if kind == "inline":
            yield from walk(target)


def execute(build, calls: int) -> Run:
    """Tabulate one run of the entry function per (body, levels left), then scale by calls."""
    program = build.program
    blocks = program.sccs()
    scc = {f.name: i for i, block in enumerate(blocks) for f in block}
    recursive = [len(b) > 1 or any(c.callee == b[0].name for c in b[0].calls) for b in blocks]
    names = [f.name for f in program.funcs]
    slot = {n: i for i, n in enumerate(names)}
    frames = {f.name: f for f in build.functions}
    roots = dict(build.copies)
    bodies = [c for _, root in build.copies for c in walk(root)]
    index = {id(c): i for i, c in enumerate(bodies)}
    edges = []  # per body: (count, recursive, inline?, target body, callee slot)
    for body in bodies:
        own = scc[body.func.name]
        edges.append([
            (call.count, scc[call.callee] == own, kind == "inline",
             index[id(target if kind == "inline" else roots[target])], slot[call.callee])
            for call, (kind, target) in zip(body.func.calls, body.sites, strict=True)
            if call.count
        ])
    by_scc: list[list[int]] = [[] for _ in blocks]
    for i, body in enumerate(bodies):
        by_scc[scc[body.func.name]].append(i)

    depth = program.depth
    cost = [(0 if frames[n].nosplit else 1, frames[n].frame + RETURN_ADDRESS) for n in names]
    full: dict[int, tuple] = {}  # body -> value at `depth` levels left
    for s, members in enumerate(by_scc):
        levels = range(depth + 1) if recursive[s] else (depth,)
        prev: dict[int, tuple] = {}
        for left in levels:
            cur = {i: _value(bodies[i], edges[i], left, prev, full, cost, len(names))
                   for i in members}
            prev = cur
        full.update(prev)

    entry = program.entry
    n, checks, allocs, nbytes, deep, entries = full[index[id(roots[entry])]]
    entries = list(entries)
    entries[slot[entry]] += 1
    check, step = cost[slot[entry]]
    return Run(build, calls, calls * (n + 1), calls * (checks + check), calls * allocs,
               calls * nbytes, step + deep, tuple(zip(names, (calls * e for e in entries),
                                                       strict=True)))


def _value(body: Copy, edges, left: int, prev, full, cost, nfuncs: int) -> tuple:
    """(calls, checks, allocs, bytes, deepest, entries) of one run of `body`."""
    n = checks = 0
    allocs, nbytes, deep = body.allocs, body.alloc_bytes, 0
    entries = [0] * nfuncs
    for count, rec, inline, target, callee in edges:
        if rec and left == 0:
            continue  # the cycle's base case: no deeper recursive call
        sub = prev[target] if rec else full[target]
        sn, sc, sa, sb, sd, se = sub
        n += count * sn
        checks += count * sc
        allocs += count * sa
        nbytes += count * sb
        for j, e in enumerate(se):
            entries[j] += count * e
        if inline:
            deep = max(deep, sd)
        else:
            check, step = cost[callee]
            n += count
            checks += count * check
            entries[callee] += count
            deep = max(deep, step + sd)
    return n, checks, allocs, nbytes, deep, tuple(entries)
