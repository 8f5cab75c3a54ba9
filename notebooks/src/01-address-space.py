# %% [markdown]
# # 01 · The address space: where a thread's stack has to fit
#
# By the end of this notebook you will be able to explain:
#
# * where a Linux process keeps its code, its globals, its heap, its libraries and its stacks, in 32 and in 64 bits;
# * why every thread stack is a big block reserved up front, with an unmapped guard page under it;
# * how to read this very process's `/proc/self/maps` and spot those stacks and guards;
# * why a few hundred 8 MiB stacks fill a 32-bit process, while a 64-bit one barely notices.
#
# The models live in `gostack_kit.address.layout` (layouts) and `gostack_kit.address.maps` (the real maps file).

# %%
import matplotlib.pyplot as plt

from gostack_kit import plots, widgets
from gostack_kit.address import format_size, layout, read_maps, read_sample, threads_that_fit

# %matplotlib inline

# %% [markdown]
# ## 1. A process on paper
#
# Every process sees one flat range of virtual addresses, starting at 0.
# The executable sits low (text, then initialised data, then zeroed `bss`), the heap grows up from just above it,
# the main stack sits at the top and grows down, and everything `mmap` hands out (shared libraries, thread stacks)
# is stacked downward from a point a little below the main stack (on x86, `mmap_base` in `arch/x86/mm/mmap.c`).
#
# How much of that range a process gets depends on the process *and* on the kernel it runs on.
# A 32-bit process on a 32-bit x86 kernel gets 3 GiB (the kernel keeps the top GiB: the default `VMSPLIT_3G` in
# `arch/x86/Kconfig`). The same 32-bit program on a 64-bit kernel gets almost all of 4 GiB, because that kernel
# lives far above 4 GiB (`IA32_PAGE_OFFSET` in `arch/x86/include/asm/page_64_types.h`). A 64-bit process gets
# 47 bits, 128 TiB (`TASK_SIZE_MAX` in the same header). The 32-bit pictures below are the 32-bit kernel's 3 GiB.
# Let us lay out both with four threads, each with glibc's default stack: the `ulimit -s` size, 8 MiB,
# with one 4 KiB guard page below it (glibc `nptl/allocatestack.c`; notebook 02 watches real ones appear).

# %%
small, big = layout(32, threads=4), layout(64, threads=4)
print(plots.address.layout_table(small))

# %% [markdown]
# Read the table from the top: the main stack, the kernel's 1 MiB `stack_guard_gap` under it (`mm/mmap.c`),
# the libraries, then each thread stack with its guard *directly below*: stacks grow down, so running off the
# end means touching the guard.
# The same two processes as pictures (not to scale: more on that in section 3):

# %%
plots.address.side_by_side(small, big)
plt.show()

# %% [markdown]
# The two pictures have the same shape; only the hatched holes differ: 128 TiB is about 44,000 times 3 GiB.
#
# **Predict:** an 8 MiB stack plus a 4 KiB guard is 8,392,704 bytes.
# How many of them fit in 3 GiB? In almost 4 GiB? In 128 TiB? Write your three numbers down before running the next cell.

# %%
print("32-bit process, 32-bit kernel:", threads_that_fit(32), "by division,", small.threads_fit, "in the layout's holes")
print("32-bit process, 64-bit kernel:", threads_that_fit(32, kernel=64), "by division")
print("64-bit:", f"{threads_that_fit(64):,}", "by division,", f"{big.threads_fit:,}", "in the layout's holes")

# %% [markdown]
# A few hundred threads on 32 bits (which few hundred depends on the kernel), about 16.8 million on 64 bits.
# The layout fits fewer than plain division: the executable, heap, libraries and main stack split the space into
# holes, and a stack must fit whole inside one of them.

# %% [markdown]
# ## 2. The real thing: `/proc/self/maps`
#
# The kernel lists every mapping of a process, one per line: `start-end perms offset dev inode path`.
# Thread stacks and guard pages have no name there; `proc_maps` recognises them by shape: a small `---p`
# (no access) mapping sitting right under a large anonymous `rw-p` one.
#
# First a recorded snapshot (a Python process with two extra threads, 256 KiB stacks), so that everyone sees the
# same thing:

# %%
sample = read_sample()
print(plots.address.kind_summary(sample))

# %%
print(plots.address.maps_table(sample, kinds=("heap", "guard", "thread-stack", "stack")))

# %% [markdown]
# Two guard pages of 4 KiB, each exactly under a 256 KiB stack: the two threads.
# The `[stack]` line is the main thread's stack; the kernel grows it on demand, which is why it is only 132 KiB so far.
# The two `reserved` 64 MiB `---p` areas are *not* guards: they are glibc malloc arenas for the two threads
# (`malloc/arena.c`, `HEAP_MAX_SIZE`), address space set aside with no memory behind it.
#
# **Predict:** this notebook runs in a Jupyter kernel, which starts a few helper threads of its own
# (heartbeat, I/O). How many guard pages will *this* process have, and how big will its thread stacks be?

# %% tags=["nbval-ignore-output"]
live = read_maps()
print(plots.address.kind_summary(live))
print(plots.address.maps_table(live, kinds=("guard", "thread-stack")))

# %% [markdown]
# (This cell reads the live file, so its output differs from machine to machine; the first line says whether it
# was `live` or the `recorded` fallback.)
# On the machine this notebook was built on there were a dozen or more (the kernel's own threads plus numpy's OpenBLAS
# workers), each an 8 MiB stack (the `ulimit -s` value) with a 4 KiB guard: the shape of the recorded sample, only bigger.

# %% [markdown]
# ## 3. A legible picture of 128 TiB
#
# A guard page is 4 KiB; a 64-bit user space is 2^35 times bigger.
# Drawn to scale, every region is thinner than a pixel and the picture is one big empty bar:

# %%
print(f"user space {format_size(big.user_top)} = {big.user_top // 4096:,} pages; "
      f"the whole layout maps {format_size(big.mapped)}")

# %% [markdown]
# So the pictures in this course compress the axis (`address_space.compressed_axis`): a region's height grows
# with the logarithm of its size (a 4 KiB guard gets the minimum height, an 8 MiB stack a little more), and each
# hole, however huge, is one short hatched band with its size written on it.
# Here is the recorded process, all of its regions labelled:

# %%
plots.address.space_map(sample)
plt.show()

# %% [markdown]
# The holes carry the story: 41.9 TiB free between the executable's heap and the libraries, 191.6 GiB between the
# libraries and the stack. Everything the process uses fits in a sliver.

# %% [markdown]
# ## 4. Watch the stacks fill the space
#
# **Predict:** with 8 MiB stacks, how many of 512 requested threads get a stack in a 32-bit process?
# And what share of the 64-bit free space do all 512 take?

# %%
print(layout(32, threads=512).threads_placed, "of 512 threads placed in 32 bits;",
      f"{layout(64, threads=512).fill:.6%}", "of the 64-bit free space used")

# %% [markdown]
# Only 367: the 368th has nowhere to go (`pthread_create` fails with `EAGAIN`, `man 3 pthread_create`),
# while 512 stacks do not make a dent in 64 bits.
#
# The dashboard below shows one setting at a time: on the left the compressed picture, on the right the same
# layout to scale, where the blue block of stacks is the only thing you can see. Here is 256 threads in 32 bits,
# drawn once, then the live version: switch between 32 and 64 bits, grow the stacks, add threads.
# Find the stack size at which 64 bits fill up with 16 million threads.

# %%
plots.address.fill_figure(layout(32, threads=256, detail=2))
plt.show()

# %% tags=["nbval-ignore-output"]
widgets.address.StacksFill()

# %% [markdown]
# 256 stacks take about 70% of the space a 32-bit process has free for them.

# %% [markdown]
# ## Summary
#
# The seed talk for this course ("Five things that make Go fast", part 5) starts from exactly this picture: heap low
# and growing up, stack high and growing down, an unwritable guard page so that a collision kills the program
# instead of corrupting it. What we added is the numbers and the live view:
#
# * A process is one flat address range; code and heap sit low, the main stack at the top, and `mmap` stacks
#   libraries and thread stacks downward in between.
# * Every thread needs its own stack, and nothing can predict how deep it will go, so each one gets a large block
#   reserved up front (8 MiB here) with a guard page under it that turns running off the end into a crash rather
#   than silent corruption. We saw exactly that shape in this process's own maps.
# * That reservation is what caps threads: a 32-bit process runs out of room after a few hundred of them.
#   In 64 bits room is plentiful; notebook 02 finds the limits that bite there instead, and why goroutines, with
#   small growable stacks and no guard pages, avoid all of them.
