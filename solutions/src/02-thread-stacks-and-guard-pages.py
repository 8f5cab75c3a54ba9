# %% [markdown]
# # Exercises 02: thread stacks and guard pages
#
# These exercises go with notebook 02. You will find where a deep recursion meets the guard
# page, write the safe-depth formula yourself, predict where a small stack faults, and
# explain why a thread's stack size is fixed up front.
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
from gostack_kit import CallTrace, ThreadStack
from gostack_kit.grading import notebook, task_for
from gostack_kit.grading.practice import show as practice

check, hint, progress = notebook("02-thread-stacks-and-guard-pages")
task = task_for("02-thread-stacks-and-guard-pages")

# %% [markdown]
# ## q1 (compute, 1 point)
#
# A thread has an 8 MiB stack with a 4096-byte guard page. Its function recurses with
# `frame`-byte frames, starting with `entry_used` bytes in use; `task("q1")` shows your
# numbers (88 and 192 with no `STUDENT`). Use `ThreadStack` to find the depth of the call
# that first touches the guard page; store it in `overflow_depth`.

# %%
p = task("q1")

# %% role="answer:q1"
### BEGIN SOLUTION
stack = ThreadStack(size=8 << 20, guard=4096)
deep = CallTrace.recursion(frame=p["frame"], depth=(8 << 20) // (p["frame"] + 8) + 1,
                          entry_used=p["entry_used"])  # one call more than the stack could hold
overflow_depth = stack.run(deep).overflow.depth
### END SOLUTION
print(overflow_depth)

# %% role="tests:q1"
check("q1")

# %% [markdown]
# ## q2 (implement, 2 points)
#
# Write `max_depth(size, frame, entry_used)`: the deepest call depth a recursion of
# `frame`-byte calls reaches on a `size`-byte stack without a fault, when `entry_used`
# bytes are in use at the first call. Each call also pushes an 8-byte return address.

# %% role="answer:q2"
def max_depth(size, frame, entry_used):
    ### BEGIN SOLUTION
    return (size - entry_used - frame) // (frame + 8)
    ### END SOLUTION

# %% role="tests:q2"
check("q2")

# %% [markdown]
# ## q3 (predict, 1 point)
#
# `task("q3")` gives a stack `size`, its `guard` and a recursion's `frame` and `depth`
# (65536, 4096, 1000 and 100 with no `STUDENT`; nothing in use at entry). Predict, before
# running anything, where `ThreadStack(size, guard)` faults on
# `CallTrace.recursion(frame, depth)`, and store the fault's `(step, depth)` in
# `overflow_at`. `check("q3")` then says whether you were right.

# %%
p = task("q3")

# %% role="answer:q3"
### BEGIN SOLUTION
overflow_at = (p["size"] // (p["frame"] + 8), p["size"] // (p["frame"] + 8))
### END SOLUTION

# %% role="tests:q3"
check("q3")

# %% [markdown]
# ## q4 (explain, 1 point, graded by your instructor)
#
# In one or two sentences: why must a thread's stack size be chosen when the thread is
# created, while a goroutine's need not be?

# %% [markdown] role="explain:q4"
# C code may hold pointers into its stack anywhere, so the stack can never move, and the
# region must be reserved at its full size with a guard page below; Go's runtime knows
# every pointer into a goroutine stack, so it can start small and move the stack later.

# %% [markdown]
# ## Practice
#
# Change the seed for a fresh problem; check it with `practice("threads", seed, compute=True)`
# or `gostack-kit practice threads -s SEED -c`.

# %%
practice("threads", seed=1)
