# %% [markdown]
# # Exercises 06: inlining and escape analysis
#
# These exercises go with notebook 06. You will measure the stack checks inlining saves,
# write the prologue classifier, predict heap allocations with and without inlining, and
# explain how inlining changes escape analysis.
#
# Run the setup cell first. After each answer, run its test cell: `check("q2")` tells you
# which cases pass, `hint("q2")` shows one more hint each time, and `progress()` lists what
# you have done across the course.

# %% role="setup"
from gostack_kit import Compiler
from gostack_kit.compiler import examples
from gostack_kit.grading import notebook
from gostack_kit.grading.practice import show as practice

check, hint, progress = notebook("06-inlining-and-escape")

# %% [markdown]
# ## q1 (compute, 1 point)
#
# Run `examples.outer_inner()` ten times (`calls=10`) with the toy `Compiler`,
# once with inlining and once without. How many fewer stack checks execute with inlining?
# Store the difference in `checks_saved`.

# %% role="answer:q1"
### BEGIN SOLUTION
with_inlining = Compiler(inlining=True).run(examples.outer_inner(), calls=10)
without = Compiler(inlining=False).run(examples.outer_inner(), calls=10)
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
# address of a local in a global. Predict how many heap allocations one run of `main`
# makes, with inlining and without: store the pair in `heap_allocs`.

# %% role="answer:q3"
### BEGIN SOLUTION
heap_allocs = (1, 2)
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
# `examples.recursion()` has a self-recursive `fact`. Compile it with the toy compiler for
# each release the kit measured, `Compiler(version=v)` for v in "1.19", "1.21", "1.22",
# "1.23", "1.24", "1.25", "1.26", "1.27", and store in `first_recursive_inline` the first
# release whose decisions say that `fact` can be inlined.

# %% role="answer:q5"
### BEGIN SOLUTION
releases = ("1.19", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27")
first_recursive_inline = next(
    v for v in releases
    if any(d.text.startswith("can inline fact")
           for d in Compiler(version=v).compile(examples.recursion()).decisions))
### END SOLUTION
print(first_recursive_inline)

# %% role="tests:q5"
check("q5")

# %% [markdown]
# ## Practice
#
# Change the seed for a fresh problem; check it with `practice("compiler", seed, compute=True)`
# or `gostack-kit practice compiler -s SEED -c`.

# %%
practice("compiler", seed=1)
