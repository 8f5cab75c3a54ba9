# %% [markdown]
# # 02 · Thread stacks and guard pages
#
# By the end of this notebook you will be able to explain:
#
# * what a thread's fixed stack and its guard page do when a recursion runs too deep, and at which depth;
# * how many threads fit for a given stack and guard, in 32 and in 64 bits;
# * which limits stop threads on a 64-bit machine long before address space does (and Go's own cap);
# * the difference between address space *reserved* for a stack and memory actually *touched*, seen on real threads.
#
# Models: `gostack_kit.stacks.thread` (`ThreadStack`), `gostack_kit.address.limits` (limits), `gostack_kit.labs.threads`
# (sweeps); the real thing: `gostack_kit.realgo.threads`.

# %%
import matplotlib.pyplot as plt

from gostack_kit import CallTrace, ThreadStack, plots, realgo, widgets
from gostack_kit.address import PROC_SELF_MAPS, guard_depth, read_limits, read_maps, read_sample, thread_budget
from gostack_kit.labs import threads as lab

# %matplotlib inline

# %% [markdown]
# ## 1. A fixed stack with a guard page
#
# A thread's stack is one block, fixed when the thread starts: glibc takes the `ulimit -s` size, 8 MiB by default,
# and puts one 4 KiB page with no access rights under it (glibc `nptl/allocatestack.c`; section 4 shows real ones).
# In a C program compiled the usual way no instruction checks the stack on a call: a call just moves the stack pointer down by the frame plus an 8-byte
# return address. The only check is the MMU's, when a frame lands on the guard page, and the answer is `SIGSEGV`.
#
# **Predict:** a recursive function with an 88-byte frame, started with 192 bytes already in use.
# At which call depth does it touch the guard of an 8 MiB stack? (Each call costs 88 + 8 = 96 bytes.)

# %%
run = ThreadStack(size=8 << 20, guard=4096).run(CallTrace.recursion(frame=88, depth=100_000, entry_used=192))
print(run.overflow)
print(run.overflow.message)

# %% [markdown]
# Depth 87,379: about 8 MiB / 96 bytes. The model stops there instead of crashing anything.
#
# **Conventions** (the same in every notebook, exercise, practice problem and `gostack-kit` command):
# depth counts from 0, so the first call is depth 0; each level's step is its frame plus the 8-byte return
# address its `CALL` pushes; `entry_used` is what is in use (hi - SP) when the prologue of the depth-0 call runs,
# so it already contains depth 0's return address. The call at depth d therefore finds
# `entry_used + d * (frame + 8)` bytes in use and needs `frame` more, and the first depth that does not fit is
# `(size - entry_used + 8) // (frame + 8)`. The natural first formula, `(size - entry_used) // (frame + 8)`,
# charges depth 0's return address twice: it comes out one too low whenever the space left over falls in the
# last 8 bytes of a step, as here:

# %%
size, frame, entry = 65536, 1016, 8
print("natural:", (size - entry) // (frame + 8), " corrected:", (size - entry + 8) // (frame + 8), " model:",
      ThreadStack(size, 4096).run(CallTrace.recursion(frame, 1000, entry_used=entry)).overflow.depth)

# %% [markdown]
# For the 8 MiB stack above both formulas give 87,379.
# `guard_depth` asks the same model the same question in one call:

# %%
guard_depth(8 << 20, frame=88)

# %% [markdown]
# **Predict:** how does that depth change as the frame grows from 8 bytes to 64 KiB?
# And what happens when one frame is bigger than the guard page itself?

# %%
plots.threads.depth_curve(lab.depth_sweep(8 << 20), mark=128)
plt.show()

# %% [markdown]
# Depth falls in proportion to the frame (a straight line on log-log axes).
# An overflow ends in one of two ways. If the bottom of the overflowing frame lands inside the guard, the first
# touch faults there: `kind='segv'`. If it lands below the whole guard, nothing faults at the guard: the frame has
# jumped it, and its writes go to whatever is mapped below (`kind='clash'`, the red crosses).
# Only frames bigger than the guard can jump it, and even they only when their last call starts close enough to the
# bottom: the 32 and 64 KiB frames above end inside the guard. The event's `nbytes` says how far below the stack
# the overflowing frame reaches:

# %%
deep = CallTrace.recursion(frame=16384, depth=1000, entry_used=192)
ThreadStack(size=8 << 20, guard=4096).run(deep).overflow

# %% [markdown]
# Past the 4 KiB guard, into whatever is mapped below, with no fault at all if that memory is writable.
# **Predict:** the same recursion with no guard at all, and with a 1 MiB guard?

# %%
{guard: ThreadStack(size=8 << 20, guard=guard).run(deep).overflow.kind for guard in (0, 4096, 1 << 20)}

# %% [markdown]
# Without a guard every overflow is a clash; a guard larger than the biggest frame turns it back into a fault.
# That is the "Stack Clash" class of bugs (Qualys, 2017); compilers answer it by touching every page of a big frame
# in order (`gcc -fstack-clash-protection`), the kernel by a 1 MiB gap under the main stack (`mm/mmap.c`,
# `stack_guard_gap`). A guard page protects only against small steps.

# %% [markdown]
# ## 2. How many threads fit
#
# Every thread reserves its whole stack plus its guard when it starts, used or not.
#
# **Predict:** halve the stack size; what happens to the number of threads that fit in 32 bits? In 64 bits?

# %%
fits = lab.fit_sweep()
plots.threads.fit_curves(fits)
plt.show()

# %%
i = fits.stacks.index(8 << 20)
print(f"8 MiB stacks: {fits.divide32[i]:,} fit in 32 bits, {fits.divide64[i]:,} in 64 bits")

# %% [markdown]
# Halving the stack doubles the count, on both lines. The dots are what fits in a real layout (notebook 01), a
# little below plain division. At 8 MiB, a 32-bit process stops at a few hundred threads; a 64-bit one could
# hold 16.8 million, so on 64 bits something else has to be the limit.

# %% [markdown]
# ## 3. The limits that bite on 64 bits
#
# Each thread is a kernel task with its own ID and two memory mappings (stack and guard), so:
#
# * `kernel.threads-max` caps tasks on the whole machine (`kernel/fork.c`, `set_max_threads`: RAM / 128 KiB);
# * `kernel.pid_max` caps IDs, and thread IDs share the PID space (`include/linux/threads.h`, 32,768 by default);
# * `vm.max_map_count` caps mappings per process (`include/linux/mm.h`, 65,530): two per thread;
# * `RLIMIT_NPROC` (`ulimit -u`) caps tasks per user (ignored for root);
# * a Go program adds its own: `debug.SetMaxThreads`, 10,000 by default (`runtime/proc.go`, `schedinit`), past
#   which the program dies with `thread exhaustion` (`checkmcount`).
#
# **Predict:** with the kernel's default values and 8 MiB stacks, which of these binds first for a C program?

# %%
print(plots.threads.caps_table(thread_budget(lab.default_limits(), 64)))

# %% [markdown]
# The map count: 65,530 mappings at two per thread leave room for 32,765 threads, just below the 32,767 thread IDs.
# The address space, 16.8 million, is 500 times further away. For a Go program, its own 10,000 comes first:

# %%
plots.threads.caps_bars(thread_budget(lab.default_limits(), 64, go=True), threads=10_000)
plt.show()

# %% [markdown]
# The table above uses fixed reference values, so it prints the same everywhere. Three of them are compile-time
# defaults (`pid_max`, `max_map_count`, Go's 10,000), but two scale with the machine's RAM: the kernel sets
# `threads-max` at boot to RAM / 128 KiB on x86-64 (`kernel/fork.c`, `set_max_threads`: total pages times the
# page size, over 8 times the 16 KiB `THREAD_SIZE`), and the default `ulimit -u` to half of that
# (`kernel/fork.c`, `fork_init`). The reference row is that formula for a machine with 23.5 GiB of RAM.
# This machine's RAM, the formula's value and the real setting side by side:

# %% tags=["nbval-ignore-output"]
ram = int(open("/proc/meminfo").read().split("MemTotal:")[1].split()[0]) * 1024
live_limits = read_limits()
print(f"RAM {ram / 2**30:.1f} GiB: RAM / 128 KiB = {ram // (128 << 10):,};",
      f"threads-max here = {live_limits.threads_max.value:,}; ulimit -u here = {live_limits.nproc.value}")

# %% [markdown]
# This machine's own values (read live from `/proc/sys` and `getrlimit`, each tagged with its source; the
# mappings this process already has are subtracted from the map count):

# %% tags=["nbval-ignore-output"]
print(plots.threads.limits_table(live_limits))
print(plots.threads.caps_table(thread_budget(live_limits, 64, vmas_in_use=len(read_maps().mappings))))

# %% [markdown]
# ## 4. Real threads, real guard pages
#
# Now the real thing: start threads from this notebook with `threading.stack_size`, look at `/proc/self/maps`
# while they wait, then stop them.
# First, the recorded run shipped with the kit (two threads with 256 KiB stacks), identical for everyone:

# %%
print(plots.address.maps_table(read_sample(), kinds=("guard", "thread-stack")))

# %% [markdown]
# Each thread: a 4 KiB `---p` guard, directly under a 256 KiB `rw-p` stack.
#
# **Predict:** start 8 threads with 1 MiB stacks. How much will this process's address space (`VmSize`) grow?
# How much memory (`VmRSS`) will it really use?

# %% tags=["nbval-ignore-output"]
obs = realgo.threads.observe_threads(n=8, stack_size=1 << 20) if PROC_SELF_MAPS.exists() else None
print(plots.threads.observation_table(obs))

# %% [markdown]
# (A live cell: the exact numbers change from run to run; the first line says where they came from.
# All threads are stopped and joined before `observe_threads` returns.)
# On the machine this notebook was built on: eight new 4 KiB guards under eight 1 MiB stacks, each stack touched
# for only 12 KiB; the whole process touched a few hundred KiB more, while its address space grew by hundreds of MiB.
# Most of that growth is not the stacks: glibc gave new threads their own malloc arenas, 64 MiB reservations each
# (`malloc/arena.c`, `HEAP_MAX_SIZE`). Reserving is nearly free; only touched pages cost memory.

# %% tags=["nbval-ignore-output"]
plots.threads.observed(obs)
plt.show()

# %% [markdown]
# ## 5. Explore: stack, guard, frame, threads
#
# The dashboard combines the three questions for one setting. Left: how many threads fit in a 32- and a 64-bit
# space and under each 64-bit cap (Go's included), the red line being the count you ask for, and in the title the
# address space those threads reserve. Right: the depth at which a recursion overflows, your frame circled.
# Here is the default setting computed and drawn once, then the live version.
# If you run this live: what stack size lets 16 million threads fit in 64 bits? Which guard size stops a 16 KiB
# frame from jumping the guard? Which limit binds when stacks are tiny?

# %%
plots.threads.costs_figure(lab.thread_costs(8 << 20, 4096, frame=128, threads=1024), lab.depth_sweep(8 << 20))
plt.show()

# %% tags=["nbval-ignore-output"]
widgets.threads.ThreadBudget()

# %% [markdown]
# 1,024 threads with 8 MiB stacks reserve 8 GiB: more than a whole 32-bit process, a rounding error of 64 bits.

# %% [markdown]
# ## Summary
#
# The seed talk's claim was that threads need large stacks reserved in advance, each with a guard page, and that
# this is what limits how many threads a program can have. We have now measured each part of it:
#
# * A thread's stack cannot grow: its size is fixed when the thread starts, and running off the end is caught only
#   by an unmapped guard page, a crash, and only for frames smaller than the guard.
# * Because nobody can predict how deep a thread will go, each one reserves a big stack (8 MiB) up front. We saw the
#   real reservations appear: megabytes of address space per thread, of which a few KiB were ever touched.
# * That up-front reservation is what limits threads: a few hundred in 32 bits; in 64 bits, tens of thousands
#   through the map count, thread IDs, and Go's own 10,000 cap.
# * Goroutines avoid all of it: their stacks start at 2 KiB (`runtime/stack.go`, `stackMin`) inside memory the Go
#   heap already mapped, with no guard page and no mapping of their own; a check in the prologue of each function
#   that needs one grows them when needed (`runtime/stack.go`, `newstack`; notebooks 04 and 05). Small leaf
#   functions are `NOSPLIT` and have no check at all (notebook 06).
