# %% [markdown]
# # Exercises 06: inlining and escape analysis
#
# These exercises go with notebook 06. You will measure the stack checks inlining saves,
# write the prologue classifier, predict heap allocations with and without inlining, and
# explain how inlining changes escape analysis.
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
from gostack_kit import Compiler
from gostack_kit.compiler import examples
from gostack_kit.grading import notebook, task_for
from gostack_kit.grading.practice import show as practice

check, hint, progress = notebook("06-inlining-and-escape")
task = task_for("06-inlining-and-escape")

# %% [markdown]
# ## q1 (compute, 1 point)
#
# Run `examples.outer_inner()` `calls` times with the toy `Compiler`, once with inlining
# and an inlining budget of `budget` (`Compiler(inlining=True, budget=...)`), once without
# inlining; `task("q1")` shows your numbers (10 runs and the default budget, 80, with no
# `STUDENT`). How many fewer stack checks execute with inlining? Store the difference in
# `checks_saved`.

# %%
p = task("q1")

# %% role="answer:q1"
### BEGIN SOLUTION
with_inlining = Compiler(inlining=True, budget=p["budget"]).run(examples.outer_inner(),
                                                               calls=p["calls"])
without = Compiler(inlining=False).run(examples.outer_inner(), calls=p["calls"])
checks_saved = without.stack_checks - with_inlining.stack_checks
### END SOLUTION
print(checks_saved)

# %% role="tests:q1"
check("q1")

# %% [markdown]
# ## q2 (implement, 2 points)
#
# Write `prologue(frame, nosplit)`: which stack-check sequence the amd64 compiler emits for
# a function with a `frame`-byte frame: `"none"` for NOSPLIT functions, `"small"` when the
# frame is at most StackSmall (128), `"leaq"` up to StackBig (4096), `"subq"` beyond.
# The hidden tests also try your own `frame` and `nosplit` (`task("q2")`).

# %% role="answer:q2"
def prologue(frame, nosplit):
    ### BEGIN SOLUTION
    if nosplit:
        return "none"
    if frame <= 128:
        return "small"
    if frame <= 4096:
        return "leaq"
    return "subq"
    ### END SOLUTION

# %% role="tests:q2"
check("q2")

# %% [markdown]
# ## q3 (predict, 1 point)
#
# `examples.newpoint()`: `newPoint` returns `&point{x, y}`, and `keep` stores the
# address of a local in a global. `task("q3")` gives how many times `main` runs (`calls`;
# once with no `STUDENT`). Predict, without running the model, how many heap allocations
# those runs make, with inlining and without: store the pair in `heap_allocs`.
# `check("q3")` then says whether you were right.

# %%
p = task("q3")

# %% role="answer:q3"
### BEGIN SOLUTION
# The model solution asks the engine; a student works it out from the hints.
heap_allocs = tuple(Compiler(inlining=flag).run(examples.newpoint(), calls=p["calls"]).heap_allocs
                    for flag in (True, False))
### END SOLUTION

# %% role="tests:q3"
check("q3")

# %% [markdown]
# ## q4 (explain, 1 point, graded by your instructor)
#
# In one or two sentences: why can inlining turn a heap allocation into a stack one?

# %% [markdown] role="explain:q4"
# Escape analysis works one function at a time, so a pointer returned by a callee must be
# assumed to outlive it; once the callee is inlined, the caller sees the whole lifetime of
# the value and can keep it in its own frame when it never leaves.

# %% [markdown]
# ## q5 (compute, 1 point)
#
# `task("q5")` gives one of the kit's example programs (`example`, a key of `examples.ALL`),
# how one of the decisions the compiler prints about it begins (`decision`), and a list of
# releases, oldest first (`releases`). With no `STUDENT`: `recursion`, whose `fact` calls
# itself, `"can inline fact"`, and every release the kit measured, 1.19 to 1.27. Compile the
# example with the toy compiler for each release, `Compiler(version=v)`, and store in
# `first_release` the first of your releases whose decisions include one that begins so.

# %%
p = task("q5")

# %% role="answer:q5"
### BEGIN SOLUTION
program = examples.ALL[p["example"]]()
first_release = next(
    v for v in p["releases"]
    if any(d.text.startswith(p["decision"])
           for d in Compiler(version=v).compile(program).decisions))
### END SOLUTION
print(first_release)

# %% role="tests:q5"
check("q5")

# %% [markdown]
# ## Practice
#
# Change the seed for a fresh problem; check it with `practice("compiler", seed, compute=True)`
# or `gostack-kit practice compiler -s SEED -c`.

# %%
practice("compiler", seed=1)
