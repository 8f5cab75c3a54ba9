# %% [markdown]
# # Exercises 05: copying stacks
#
# These exercises go with notebook 05. You will find the first growth of a goroutine stack
# with the model, write newstack's sizing rule yourself, predict a growth log and explain
# why copying won over segments.
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
from gostack_kit import CallTrace, ContiguousStack
from gostack_kit.core import versions
from gostack_kit.grading import notebook, task_for
from gostack_kit.grading.practice import show as practice

check, hint, progress = notebook("05-copying-stacks")
task = task_for("05-copying-stacks")

# %% [markdown]
# ## q1 (compute, 1 point)
#
# A goroutine starts on a 2 KiB stack (Go 1.27) with `entry_used` bytes in use and recurses
# 600 calls deep with `frame`-byte frames; `task("q1")` shows your numbers (88 and 192 with
# no `STUDENT`). Use `ContiguousStack` to find the depth of the call that makes the stack
# grow for the first time. Store it in `first_growth_depth`.

# %%
p = task("q1")

# %% role="answer:q1"
### BEGIN SOLUTION
run = ContiguousStack("1.27").run(CallTrace.recursion(frame=p["frame"], depth=600,
                                                      entry_used=p["entry_used"]))
first_growth_depth = run.growths[0].depth
### END SOLUTION
print(first_growth_depth)

# %% role="tests:q1"
check("q1")

# %% [markdown]
# ## q2 (implement, 2 points)
#
# When a prologue check fails, `newstack` picks the new size. Write
# `newstack_size(size, used, frame)` for Go 1.27: `size` is the old stack size, `used` the
# bytes in use (hi - SP) at the failing prologue, `frame` the frame that must fit.
# The stack guard (`StackGuard`) is 928 bytes. The hidden tests also try a 2 KiB stack with
# your own `used` and `frame` (`task("q2")`).

# %% role="answer:q2"
def newstack_size(size, used, frame):
    ### BEGIN SOLUTION
    new = 2 * size
    while new - used < frame + versions.get("1.27").stack_guard:
        new *= 2
    return new
    ### END SOLUTION

# %% role="tests:q2"
check("q2")

# %% [markdown]
# ## q3 (predict, 2 points)
#
# `task("q3")` gives a recursion's `frame` and `depth` (88 and 100 with no `STUDENT`), on a
# 2 KiB stack with 192 bytes in use at entry. Predict, without running the model, its growth
# log under Go 1.27: a list of `(depth, old_size, new_size)` triples, one per growth (the
# depth of the call that grows the stack, counted as in notebook 05), stored in
# `growth_log`. `check("q3")` then says whether you were right.

# %%
p = task("q3")

# %% role="answer:q3"
### BEGIN SOLUTION
# The model solution asks the engine; a student works it out from hints 1-3.
growth_log = [(g.depth, g.old_size, g.new_size) for g in ContiguousStack("1.27").run(
    CallTrace.recursion(frame=p["frame"], depth=p["depth"], entry_used=192)).growths]
### END SOLUTION

# %% role="tests:q3"
check("q3")

# %% [markdown]
# ## q4 (explain, 1 point, graded by your instructor)
#
# In one or two sentences: copying a stack costs time proportional to its size, yet Go
# chose it over segments. Why is copying cheaper overall?

# %% [markdown] role="explain:q4"
# Each growth doubles the stack, so the bytes copied over a goroutine's life add up to less
# than its final size, a cost paid once; segments instead pay an allocation on every call
# that crosses a boundary, which a loop can repeat millions of times.

# %% [markdown]
# ## q5 (compute, 1 point)
#
# `task("q5")` gives a recursion like q1's (`frame`, `entry_used`; 600 deep; 88 and 192 with
# no `STUDENT`). Run it under Go 1.19, 1.22 and 1.27 (`ContiguousStack("1.22")` and so on)
# and store the depth of each first growth in `depths_by_release`, a dict keyed "1.19",
# "1.22" and "1.27".

# %%
p = task("q5")

# %% role="answer:q5"
### BEGIN SOLUTION
q5_trace = CallTrace.recursion(frame=p["frame"], depth=600, entry_used=p["entry_used"])
depths_by_release = {v: ContiguousStack(v).run(q5_trace).growths[0].depth
                     for v in ("1.19", "1.22", "1.27")}
### END SOLUTION
print(depths_by_release)

# %% role="tests:q5"
check("q5")

# %% [markdown]
# ## Practice
#
# A fresh problem for each seed: change the seed, work it out, then check with
# `practice("copying", seed, compute=True)` or `gostack-kit practice copying -s SEED -c`.

# %%
practice("copying", seed=1)
