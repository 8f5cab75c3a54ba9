# %% [markdown]
# # Exercises 01: the address space
#
# These exercises go with notebook 01. You will count how many thread stacks fit in a
# process, write that count yourself, predict which 32-bit layouts fit, and explain why a
# huge address space does not make threads cheap.
#
# Write your login in the `STUDENT` cell, then run it and the setup cell. After each
# answer, run its test cell: `check("q2")` tells you which cases pass, `hint("q2")` shows
# one more hint each time, `task("q1")` shows your own numbers for a question, and
# `progress()` lists what you have done across the course.

# %%
# Your course login as your instructor gave it ("alice", or "alice:KEY"): your questions'
# numbers follow from it. Left empty, you get the course's default numbers.
STUDENT = ""

# %% role="setup"
from gostack_kit import address
from gostack_kit.grading import notebook, task_for
from gostack_kit.grading.practice import show as practice

check, hint, progress = notebook("01-address-space")
task = task_for("01-address-space")

# %% [markdown]
# ## q1 (compute, 1 point)
#
# Every thread reserves a stack plus a guard region below it; `task("q1")` shows your sizes
# (8 MiB and 4 KiB with no `STUDENT`). Counting address space alone, how many such threads
# fit in a 32-bit process? Use the `address` module and store the count in `threads_32`.

# %%
p = task("q1")

# %% role="answer:q1"
### BEGIN SOLUTION
threads_32 = address.threads_that_fit(32, p["stack"], p["guard"])
### END SOLUTION
print(threads_32)

# %% role="tests:q1"
check("q1")

# %% [markdown]
# ## q2 (implement, 2 points)
#
# Write `thread_count(bits, stack, guard)`: the number of threads whose stack and guard fit
# in the user space of a `bits`-bit process, counting address space only.
# `address.user_top(bits)` gives the end of user space.

# %% role="answer:q2"
def thread_count(bits, stack, guard):
    ### BEGIN SOLUTION
    return address.user_top(bits) // (stack + guard)
    ### END SOLUTION

# %% role="tests:q2"
check("q2")

# %% [markdown]
# ## q3 (predict, 1 point)
#
# A real 32-bit process also holds its program, heap, libraries and main stack. `task("q3")`
# gives you a stack size and some thread counts (8 MiB and 250, 350, 383 with no
# `STUDENT`). Predict, without running the model, whether
# `address.layout(32, threads=n, thread_stack=p["stack"]).fits` for each count, and
# store a tuple of booleans in `fits`, one per count in the same order. `check("q3")` then
# says whether you were right.

# %%
p = task("q3")

# %% role="answer:q3"
### BEGIN SOLUTION
fits = tuple(address.layout(32, threads=n, thread_stack=p["stack"]).fits for n in p["counts"])
### END SOLUTION

# %% role="tests:q3"
check("q3")

# %% [markdown]
# ## q4 (explain, 1 point, graded by your instructor)
#
# A 64-bit process has room for millions of 8 MiB stacks. In one or two sentences: why
# does that still not make a thread per connection cheap?

# %% [markdown] role="explain:q4"
# Address space is only one limit: every thread also costs kernel memory, a slot under
# the system's thread and mapping limits, and the pages its stack touches, and a stack
# sized for the worst case wastes memory in the common case.

# %% [markdown]
# ## Practice
#
# Change the seed for a fresh problem; check it with `practice("address", seed, compute=True)`
# or `gostack-kit practice address -s SEED -c`.

# %%
practice("address", seed=1)
