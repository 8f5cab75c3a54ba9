# %% [markdown]
# # Exercises 04: segmented stacks and the hot split
#
# These exercises go with notebook 04. You will count the splits of a hot loop, write the
# segment allocator's sizing rule, predict a split/free event log, explain why the hot
# split ended segmented stacks, and then do the same for GCC's split stacks, which still run.
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
# One detail: the linker tells `newstack` the frame size only when
# `StackTop (96) + args + 8 + frame + 8 + StackLimit (128)` reaches `StackMin`; otherwise it passes 0.

# %% role="answer:q2"
def segment_size(frame, args):
    ### BEGIN SOLUTION
    if 96 + args + 8 + frame + 8 + 128 < 8192:
        frame = 0
    return max(frame + args + 2048, 8192)
    ### END SOLUTION

# %% role="tests:q2"
check("q2")

# %% [markdown]
# ## q3 (predict, 2 points)
#
# Same chain, but the loop runs only twice. Predict the whole event log as a list of
# `(kind, step)` pairs and store it in `log`; kinds are `"split"` and `"free"`.

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
# ## q5 (compute, 2 points)
#
# A pthread built with `gcc -fsplit-stack` recurses 14 levels of 1560-byte frames (`%r10` =
# 1560), returns all the way, and recurses again; the first call starts 112 bytes below S.
# With `SegmentedStack(version="gcc")`, find the depth of the segment switch in each
# descent; store them in `first` and `second`.

# %% role="answer:q5"
### BEGIN SOLUTION
steps = ([("call", 1560)] * 14 + [("ret",)] * 14) * 2
run = SegmentedStack(version="gcc").run(CallTrace.from_steps(steps, entry_used=112))
first, second = (e.depth for e in run.split_events)
### END SOLUTION
print(first, second)

# %% role="tests:q5"
check("q5")

# %% [markdown]
# ## q6 (implement, 2 points)
#
# libgcc's `allocate_segment` sizes a new segment from the request `frame + 3584 + args`
# (3584 is `BACKOFF`): one 4096-byte page, or `SIGSTKSZ + 56` rounded up to pages if that
# is more, or `request + 56` rounded up to pages if the request is bigger still (56 bytes
# are the segment's header). Write `libgcc_segment(frame, args, sigstksz)`.

# %% role="answer:q6"
def libgcc_segment(frame, args, sigstksz):
    ### BEGIN SOLUTION
    def pages(n):
        return (n + 4095) // 4096 * 4096
    request = frame + 3584 + args
    size = 4096
    if size < sigstksz:
        size = pages(sigstksz + 56)
    if size < request:
        size = pages(request + 56)
    return size
    ### END SOLUTION

# %% role="tests:q6"
check("q6")

# %% [markdown]
# ## Practice
#
# Change the seed for a fresh problem; check it with `practice("segmented", seed, compute=True)`
# or `gostack-kit practice segments -s SEED -c`.

# %%
practice("segmented", seed=1)
