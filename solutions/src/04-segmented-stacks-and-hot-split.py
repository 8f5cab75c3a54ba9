# %% [markdown]
# # Exercises 04: segmented stacks and the hot split
#
# These exercises go with notebook 04. You will count the splits of a hot loop, write the
# segment allocator's sizing rule, predict a split/free event log, explain why the hot
# split ended segmented stacks, and then do the same for GCC's split stacks, which still run.
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
from gostack_kit import CallTrace, SegmentedStack
from gostack_kit.grading import notebook, task_for
from gostack_kit.grading.practice import show as practice

check, hint, progress = notebook("04-segmented-stacks-and-hot-split")
task = task_for("04-segmented-stacks-and-hot-split")

# %% [markdown]
# ## q1 (compute, 1 point)
#
# Under Go 1.2, a chain of calls with `frame`-byte frames reaches depth `depth` (88 bytes
# in use at entry); the last one calls a `callee`-byte function `n` times in a loop.
# `task("q1")` shows your numbers (frame 88, depth 79, callee 200, n 1000 with no
# `STUDENT`). Build the trace with `CallTrace.hot_loop` and count the splits with
# `SegmentedStack`; store them in `splits`.

# %%
p = task("q1")

# %% role="answer:q1"
### BEGIN SOLUTION
loop = CallTrace.hot_loop(depth=p["depth"], frame=p["frame"], callee=p["callee"], n=p["n"],
                          entry_used=p["entry_used"])
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
# The hidden tests also try your own `frame` and `args` (`task("q2")`).

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
# `task("q3")` gives another chain like q1's (`frame`, `depth`, `callee`, 88 bytes in use
# at entry) whose loop runs only `n` times (with no `STUDENT`: q1's chain, twice), and the
# chain returns at the end. Predict, without running the model, the whole event log as a
# list of `(kind, step)` pairs and store it in `log`; kinds are `"split"` and `"free"`.
# `check("q3")` then says whether you were right.

# %%
p = task("q3")

# %% role="answer:q3"
### BEGIN SOLUTION
# The model solution asks the engine; a student works it out from hints 1-3.
log = [(e.kind, e.step) for e in SegmentedStack("1.2").run(CallTrace.hot_loop(
    depth=p["depth"], frame=p["frame"], callee=p["callee"], n=p["n"], entry_used=88)).events]
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
# A pthread built with `gcc -fsplit-stack` recurses `calls` levels of `frame`-byte frames
# (`%r10` = `frame`), returns all the way, and recurses again; the first call starts
# `entry_used` bytes below S. `task("q5")` shows your numbers (14, 1560 and 112 with no
# `STUDENT`). With `SegmentedStack(version="gcc")`, find the depth of the segment switch in
# each descent; store them in `first` and `second`.

# %%
p = task("q5")

# %% role="answer:q5"
### BEGIN SOLUTION
steps = ([("call", p["frame"])] * p["calls"] + [("ret",)] * p["calls"]) * 2
run = SegmentedStack(version="gcc").run(CallTrace.from_steps(steps, entry_used=p["entry_used"]))
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
# are the segment's header). Write `libgcc_segment(frame, args, sigstksz)`. The hidden tests
# also try your own `frame`, `args` and `sigstksz` (`task("q6")`).

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
