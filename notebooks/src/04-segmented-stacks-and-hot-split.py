# %% [markdown]
# # 04 · Segmented stacks and the hot split
#
# By the end of this notebook you will be able to explain:
#
# * how Go 1.0 to 1.2 grew a goroutine's stack by chaining *segments*, and gave each one back when the call that needed it returned;
# * why a call that lands on a segment boundary inside a loop pays for a new segment on **every** iteration: the *hot split*;
# * why Go 1.2's fix, a minimum segment of 8 KB instead of 4 KB, made hot splits rarer but not cheaper;
# * that the stack check Go 1.27 compiles into a function's prologue still tests the same inequality; only what happens when it fails has changed.
#
# The model lives in `gostack_kit.stacks.segmented` (the runtime's rules) and `gostack_kit.labs.segmented` (the experiments below).
# Go 1.2 cannot be installed here, so its behaviour comes from its sources, which are cited as we go;
# the real Go 1.27 toolchain (or its recording) is used where today's runtime can speak for itself.

# %%
import matplotlib.pyplot as plt
import numpy as np

from gostack_kit import CallTrace, SegmentedStack, SplitCost, plots, realgo, versions, widgets
from gostack_kit.labs import segmented as lab

# %matplotlib inline

# %% [markdown]
# ## 1. The rules of a segmented stack
#
# A goroutine started with one segment.
# Every function that could need more stack began with a check: is the stack pointer, minus the part of the frame
# larger than `StackSmall`, still above the *stackguard*, a line `StackGuard` bytes above the bottom of the current segment?
# If not, `morestack` ran and `newstack` allocated a fresh segment of `max(frame + args + StackExtra, StackMin)` bytes,
# copied the arguments into it and ran the function there (Go 1.2 `src/pkg/runtime/stack.c`, `runtime·newstack`).
# Two details of the linker (`src/cmd/6l/pass.c`, `stacksplit`) refine that rule.
# Go 1.2 tells `newstack` the frame size only when the frame would not fit a minimum segment; otherwise it passes 0,
# so a frame of 6 to 7.9 KB still gets exactly 8192 bytes.
# Go 1.1 emitted no check at all for frames of `StackBig` (4096) bytes or more: those called `morestack` every time.
# The top of every segment held a `Stktop` record pointing back to the previous one.
# When that function returned it did not return to its caller: it "returned" into `lessstack`,
# which copied the results back and freed the segment at once (`runtime·oldstack`, same file).
#
# The constants, as `src/pkg/runtime/stack.h` of Go 1.1 and Go 1.2 define them:

# %%
print(plots.segmented.constants_table(versions.get("1.1"), versions.get("1.2")))

# %% [markdown]
# Go 1.2 doubled the minimum segment because, with 4 KB, many programs were paying for segment switches
# inside their hottest code; the new size was picked by experiment (Go 1.2 release notes, *Stack size*).
# Section 4 measures what that bought.

# %% [markdown]
# ## 2. A stack made of segments, drawn
#
# A small program: six nested calls with big frames (bytes as `-S` would print them), entered with 200 bytes already in use,
# then four returns.
#
# **Predict:** the first segment is 8192 bytes, 96 of them taken by its `Stktop`.
# Which of the six calls will not fit, and how big will each new segment be?

# %%
program = CallTrace.from_steps([("call", 3000), ("call", 2500, 16), ("call", 2000, 16), ("call", 1200, 8),
                                ("call", 600), ("call", 9000, 32), ("ret",), ("ret",), ("ret",), ("ret",)],
                               entry_used=200)
go12 = SegmentedStack("1.2")
print(plots.segmented.events_table(go12.run(program)))

# %% [markdown]
# The 1200-byte call (step 3) split although 380 bytes were still free: the check keeps `StackGuard` (256) bytes
# in reserve and counts the frame beyond `StackSmall`.
# Its segment is the 8 KB minimum; the 9000-byte frame got a segment made to measure, 9000 + 32 + 2048 = 11080 bytes.
# Each `free` happens at the return of the very call that caused the split.
#
# The chain after the sixth call, while the 9000-byte function runs:

# %%
plots.segmented.segment_chain(lab.snapshot(go12, program, step=6))
plt.show()

# %% [markdown]
# Three segments, each with its `Stktop` at the top (the arrows: each one records the segment before it)
# and its guard zone at the bottom; the newest frame is orange.
# After the four returns only the first segment is left:

# %%
print(plots.segmented.snapshot_table(lab.snapshot(go12, program, step=len(program))))

# %% [markdown]
# So a segmented stack grows only by what is needed and shrinks the instant the need is gone.
# That works well in general: no copying, no pointer fix-ups, and a goroutine starts small.
#
# ## 3. The hot split
#
# Now a function `G` running at some depth calls `H` (a 200-byte frame) in a loop, a thousand times.
# The functions above `G` each have an 88-byte frame: with the return address, 96 bytes per level.
#
# **Predict:** how many splits in 1000 iterations when `G` runs at depth 50? At depth 81?

# %%
at50 = go12.run(CallTrace.hot_loop(50, 88, callee=200, n=1000))
at81 = go12.run(CallTrace.hot_loop(81, 88, callee=200, n=1000))
print("depth 50:", at50.splits, "splits;  depth 81:", at81.splits, "splits")

# %% [markdown]
# At depth 50 the loop never splits.
# At depth 81 every one of the 1000 calls to `H` splits, and every return frees the segment again,
# so the next call finds exactly the same shortage.
# Here is the stack while `H` runs at depth 81:

# %%
plots.segmented.segment_chain(lab.snapshot(go12, CallTrace.hot_loop(81, 88, 200, 1), step=83))
plt.show()

# %% [markdown]
# `G` and its 81 callers, eighty-two frames, fill segment 0 down to its guard; `H` alone sits in a fresh 8 KB segment.
#
# What does that cost? The kit's cost model (`SplitCost`) charges about 2 ns for an ordinary call with its check,
# and about 60 ns for a split: `morestack`, two trips to the scheduler stack, a segment from the allocator and back,
# the arguments copied both ways.
# The 60 ns is the kit's estimate (no per-split figure from the Go 1.2 era survives; see `SplitCost`),
# chosen to match the 20–100 % benchmark slowdowns traced to splitting in Go issue #4910
# ("runtime: copy and expand stacks instead of splitting them").

# %%
cost = SplitCost()
print(f"depth 50: {cost.per_iteration_ns(at50, 1000):.1f} ns per iteration;"
      f"  depth 81: {cost.per_iteration_ns(at81, 1000):.1f} ns per iteration")

# %% [markdown]
# A thirty-fold difference for the same code, decided only by how deep the stack was when the loop started.
#
# **Predict:** if you slide the loop's depth from 0 to 400, how often will it land on a boundary?
# And with Go 1.1's 4 KB segments?
# `hot_split_sweep` answers for every depth at once (one model run; see its docstring).

# %%
go11_sweep = lab.hot_split_sweep(SegmentedStack("1.1"), 400, callee=200, n=1000)
go12_sweep = lab.hot_split_sweep(go12, 400, callee=200, n=1000)
print(plots.segmented.sweep_table([go11_sweep, go12_sweep]))

# %%
plots.segmented.hot_split([go11_sweep, go12_sweep])
plt.show()

# %% [markdown]
# Each spike is a depth where `H` straddles a segment boundary: splits per iteration jump from 0 to 1,
# and the time per iteration from about 2 ns to about 62 ns.
# The sweep is the engine's own answer: `SegmentedStack.hot_split_sweep` runs a real hot loop at every depth and agrees.

# %%
np.array_equal(go12_sweep.split_per_iter, go12.hot_split_sweep(range(401), 88, 200, n=10))

# %% [markdown]
# ## 4. Go 1.2's mitigation only moves the problem
#
# Compare the two curves above.
# With 8 KB segments the spikes come every 81 levels instead of every 39: a loop is 2.5 times less likely to land on one
# (the table counts 20 hot depths against 8).
# But each spike is just as tall and just as wide, because the shortage is the same:
# at the boundary, `H` does not fit, whatever the segment size.
# A bigger minimum made hot splits rarer; it could not make them cheaper, and some program always lands on the boundary.
#
# ## 5. A real recursive program: fib
#
# Naive recursive `fib(15)` makes 1973 calls, each with a 24-byte frame and 8 bytes of arguments
# (`$24-8`, as Go 1.27's `-S` prints it; see `CallTrace.fib`).
# Where it starts depends on its caller, so we start it at every offset of its first segment (in 32-byte steps),
# for four minimum segment sizes under Go 1.2's rules.
#
# **Predict:** does a bigger minimum segment lower the *worst* case?

# %%
fib = lab.fib_sweep(15, offsets=np.arange(0, 16384, 32), stack_mins=(2048, 4096, 8192, 16384))
print(plots.segmented.fib_table(fib))

# %%
plots.segmented.fib_sizes(fib)
plt.show()

# %% [markdown]
# The worst start is equally bad for every size: 512 splits in 1973 calls, almost nine times the cost per call.
# Near a boundary, every call at the depth that crosses it splits, and recursion makes many calls at that depth.
# Doubling the minimum halves the share of starting points that hit; it does not touch the damage when one does.
#
# ## 6. The real runtime: today's check is the same inequality
#
# Go 1.3 switched to stacks that grow by copying, and its release notes declare the hot split solved;
# Go 1.4 removed segments altogether (Go 1.3 and Go 1.4 release notes, *Stack* / *Changes to the runtime*).
# The check in every prologue stayed.
# Go 1.27 compares SP, minus the part of the frame beyond `StackSmall`, with `g.stackguard0`
# (`cmd/internal/obj/x86/obj6.go`, `stacksplit`), exactly as above, with a bigger guard:
# `stackGuard` is 928 bytes (`runtime/stack.go`).
#
# The kit recorded real Go 1.27 goroutines recursing with frames from 24 to 16392 bytes and noted the depth of every
# stack growth (`realgo.recordings`; the next cell reads the shipped recording so that its output never changes).
# **Predict:** if we feed the segmented model's check, `check_fails`, Go 1.27's constants, at which depths will it say the check fails?

# %%
recorded = realgo.load()
print(recorded.source)
print(plots.segmented.prediction_table(lab.prologue_predictions(recorded.growth)))

# %% [markdown]
# Every growth the real runtime made happened at the very call the inequality picks.
# What changed in Go 1.3 is the other half: a failed check now copies the whole stack into one twice as big,
# so after the first call the check passes and a loop never pays again (notebook 05).
#
# The compiler picks one of three forms of the check from the frame size (`-S` prints which).
# In the recording, each function's form is the one its frame size predicts:

# %%
print(plots.segmented.prologue_class_table(recorded.demo.frames))

# %% [markdown]
# With a Go toolchain installed you can see it live: the cell below compiles a loop calling a 200-byte function
# and prints each function's frame and check form from `-S`
# (its output depends on the machine, so it is not compared when the notebook is tested).

# %%
# %load_ext gostack_kit

# %% tags=["nbval-ignore-output"]
# %%go -S h,g
package main

import (
	"fmt"
	"runtime"
)

//go:noinline
func h(x int) int {
	var buf [24]int
	buf[x%24] = x
	return buf[(x+7)%24] + x
}

//go:noinline
func g(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += h(i)
	}
	return s
}

func main() { fmt.Println("live run on", runtime.Version(), "- g(1000) =", g(1000)) }

# %% [markdown]
# ## 7. The same design today: GCC's split stacks, measured
#
# Go 1.2 cannot run here, but its mechanism still can.
# C compiled with `gcc -fsplit-stack` starts every function with a check of SP against a limit kept per thread
# (at `%fs:0x70`), and calls libgcc's `__morestack` when the frame does not fit
# (`gcc/config/i386/i386.cc`, `ix86_expand_split_stack_prologue`; `libgcc/config/i386/morestack.S`).
# gccgo compiles every Go function the same way.
# Its constants differ from Go 1.2's:
#
# * the thread's first limit sits 16000 bytes below the SP where libgcc set it up (`__stack_split_initialize`);
# * a new segment is at least `sysconf(_SC_SIGSTKSZ)` bytes, so its size depends on the CPU
#   (`libgcc/generic-morestack.c`, `allocate_segment`);
# * a segment is **kept** when its function returns, and the next split at that level reuses it (`__generic_morestack`).
#
# The kit ships probes in C and Go that record, at every depth, where the frame is and which segment holds it.
# **Predict:** a recursion goes down, comes back and goes down again. Does the second descent switch segments at the
# same depth as the first?

# %%
split = realgo.splitstack_record.splitstack("recorded")
print(split.source)
print(plots.segmented.switch_table(lab.switch_checks(split)))

# %% [markdown]
# It does not: the second descent switches two or three levels earlier.
# When the first split returns to the thread's own stack, libgcc recomputes the limit from the rounded starting SP
# and leaves 3584 bytes of `BACKOFF` free: the new limit is 3.6 to 4 KB higher than the first (`__generic_releasestack`).
# The model, `SegmentedStack(version="gcc")`, gets only what the probe measured (frames from `-S`, where the first
# call started, the thread's stack size) and switches, sizes and dies on the guard page exactly where the real
# programs did. A 16 KiB thread dies before it reaches its first split; a 20 KiB one dies inside `__morestack`.
#
# With gcc and gccgo installed, the cell below runs the probes live (about half a minute):

# %% tags=["nbval-ignore-output"]
if realgo.splitstack_record.have_tools():
    live = realgo.splitstack_record.record(n=20_000, reps=2)
    print(live.source, "- every case the same:", all(c.same for c in lab.switch_checks(live)))

# %% [markdown]
# Now the hot split, for real: a caller at each depth calls a 896-byte function in a loop.
# **Predict:** how much does an iteration that splits cost, with libgcc's default signal masking and without it?

# %%
hot = lab.hot_checks(split)
plots.segmented.real_hot_split(hot)
plt.show()
print(plots.segmented.hot_table(hot))

# %% [markdown]
# The spikes sit exactly at the depths the model picks (the circles).
# Without masking a split costs some 10 to 30 ns; with it, over a microsecond, because libgcc blocks and
# restores every signal around each split and each return (`__morestack_block_signals`).
# gccgo turns the masking off for its goroutines (`libgo/runtime/proc.c`, `runtime_malg`).
# The measured costs, beside the estimate this notebook used for Go 1.2 (timings are from the recording;
# `benchmarks/bench_splitstack.py` measures them again):

# %%
print(plots.segmented.cost_table(lab.measured_costs(split), realgo.splitstack_hot.cost_rows(split.hot)))

# %% [markdown]
# Go 1.2's 60 ns stays an estimate, now anchored: libgcc's unmasked split is the cheapest version of the
# mechanism, because it reuses a kept segment and never leaves the goroutine's stack.
# Go 1.2 did more on every split: it switched to the scheduler's stack twice, allocated a segment and freed it again,
# and copied the arguments in and the results out. How the three designs differ:

# %%
print(plots.segmented.policy_table(lab.policy_rows(split.sigstksz)))

# %% [markdown]
# ## 8. Explore: where does your loop run?
#
# The dashboard below runs the hot-split sweep for a minimum segment size, a callee frame and a number of iterations,
# marks the caller depth you choose, and draws the segments while the callee runs.
# Its default setting, computed here first:

# %%
sweep = lab.hot_split_sweep(SegmentedStack("1.2", stack_min=8192), 300, callee=200, n=1000)
print(sweep.hot, sweep.split_per_iter[81], round(sweep.ns_per_iter[81], 1))

# %% [markdown]
# If you are running this notebook live, try: a callee bigger than the segment (say 8192), one iteration instead of 10000,
# and 2 KB segments against 16 KB ones.

# %% tags=["nbval-ignore-output"]
widgets.segmented.HotSplit()

# %% [markdown]
# ## Summary
#
# * Segmented stacks work in general: a goroutine starts small, takes a new segment only when a call needs it,
#   and gives it back as soon as that call returns (section 2).
# * The cost shows up when a call sits on a segment boundary inside a loop, as in the talk's `G` calling `H`:
#   every iteration splits and frees, here about 30 times the cost of the call itself (section 3).
# * Go 1.2's bigger minimum segment spaced the boundaries further apart; the spikes and the worst case for fib stayed
#   exactly as bad (sections 4 and 5).
# * The prologue check is the same inequality in Go 1.27, checked against the real runtime's growth depths;
#   copying stacks changed only the response to a failed check (section 6), which is where notebook 05 picks up.
# * GCC's split stacks run the same design today. Measured, a split costs about ten times a call without signal
#   masking and hundreds of times with it; keeping segments removes the allocation, not the hot split (section 7).
