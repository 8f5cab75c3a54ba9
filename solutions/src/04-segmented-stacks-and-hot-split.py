# %% [markdown]
# # Exercises 04: segmented stacks and the hot split
#
# These exercises go with notebook 04. You will count the splits of a hot loop, write the
# segment allocator's sizing rule, predict a split/free event log, and explain why the hot
# split ended segmented stacks.
#
# Run the setup cell first. After each answer, run its test cell: `check("q2")` tells you
# which cases pass, `hint("q2")` shows one more hint each time, and `progress()` lists what
# you have done across the course.

# %% role="setup"
from gostack_kit import CallTrace, SegmentedStack
from gostack_kit.grading import notebook
from gostack_kit.grading.practice import show as practice

check, hint, progress = notebook("04-segmented-stacks-and-hot-split")

# %% [markdown]
# ## q1 (compute, 1 point)
#
# Under Go 1.2, a chain of calls with 88-byte frames reaches depth 79 (88 bytes in use at
# entry); the last one calls a 200-byte function 1000 times in a loop. Build the trace with
# `CallTrace.hot_loop` and count the splits with `SegmentedStack`; store them in `splits`.

# %% role="answer:q1"
### BEGIN SOLUTION
loop = CallTrace.hot_loop(depth=79, frame=88, callee=200, n=1000, entry_used=88)
splits = SegmentedStack("1.2").run(loop).splits
### END SOLUTION
print(splits)

# %% role="tests:q1"
check("q1")

# %% [markdown]
# ## q2 (implement, 2 points)
#
# When a prologue check fails, Go 1.2's `newstack` allocates a new segment. Write
# `segment_size(frame, args)`: the segment must hold the frame, its arguments and
# `StackExtra` (2048 bytes), and is never smaller than `StackMin` (8192 bytes).

# %% role="answer:q2"
def segment_size(frame, args):
    ### BEGIN SOLUTION
    return max(frame + args + 2048, 8192)
    ### END SOLUTION

# %% role="tests:q2"
check("q2")

# %% [markdown]
# ## q3 (predict, 2 points)
#
# Same chain, but the loop runs only twice. Predict the whole event log as a list of
# `(kind, step)` pairs; kinds are `"split"` and `"free"`.

# %% role="answer:q3"
### BEGIN SOLUTION
log = [("split", 80), ("free", 81), ("split", 82), ("free", 83)]
### END SOLUTION

# %% role="tests:q3"
check("q3")

# %% [markdown]
# ## q4 (explain, 1 point, graded by your instructor)
#
# In one or two sentences: why did the hot split make Go 1.3 replace segments with
# copying stacks?

# %% [markdown] role="explain:q4"
# A call sitting right at a segment boundary allocates and frees a segment on every
# iteration, so a tiny change in stack depth could make a loop many times slower, and no
# segment size removes the boundary; copying pays once per doubling instead.

# %% [markdown]
# ## Practice
#
# Change the seed for a fresh problem; check it with `practice("segmented", seed, compute=True)`
# or `gostack-kit practice segments -s SEED -c`.

# %%
practice("segmented", seed=1)
