# %% [markdown]
# # Exercises 03: M:N scheduling
#
# These exercises go with notebook 03. You will compare the stack memory of 1:1 threads
# and M:N goroutines, write a run-queue steal, predict how many goroutines an idle P takes
# from the global queue, and explain the syscall hand-off.
#
# Run the setup cell first. After each answer, run its test cell: `check("q2")` tells you
# which cases pass, `hint("q2")` shows one more hint each time, and `progress()` lists what
# you have done across the course.

# %% role="setup"
from gostack_kit.grading import notebook
from gostack_kit.grading.practice import show as practice
from gostack_kit.sched.record import Model, stack_memory

check, hint, progress = notebook("03-mn-scheduling")

# %% [markdown]
# ## q1 (compute, 1 point)
#
# With GOMAXPROCS=2, how many bytes of stack does M:N save over 1:1 for 10,000 goroutines?
# Use `stack_memory(n, model)` and its `.total_bytes`; store the difference in `saved_bytes`.

# %% role="answer:q1"
### BEGIN SOLUTION
one_to_one = stack_memory(10_000, Model.ONE_TO_ONE).total_bytes
m_n = stack_memory(10_000, Model.MN).total_bytes
saved_bytes = one_to_one - m_n
### END SOLUTION
print(saved_bytes)

# %% role="tests:q1"
check("q1")

# %% [markdown]
# ## q2 (implement, 2 points)
#
# A P with nothing to run steals from another P's local run queue. Write `steal(victim)`:
# `victim` is the list of Gs in the victim's queue, oldest first; return the pair
# `(stolen, left)` of lists, the way `runqgrab` splits the queue.

# %% role="answer:q2"
def steal(victim):
    ### BEGIN SOLUTION
    k = len(victim) - len(victim) // 2
    return victim[:k], victim[k:]
    ### END SOLUTION

# %% role="tests:q2"
check("q2")

# %% [markdown]
# ## q3 (predict, 1 point)
#
# An idle P takes a batch from the global run queue. Predict the batch for the (queue
# length, GOMAXPROCS) pairs (10, 2), (300, 4) and (1, 8); store the three numbers in
# the list `batches`.

# %% role="answer:q3"
### BEGIN SOLUTION
batches = [6, 76, 1]
### END SOLUTION

# %% role="tests:q3"
check("q3")

# %% [markdown]
# ## q4 (explain, 1 point, graded by your instructor)
#
# In one or two sentences: when a goroutine enters a blocking system call, why does the
# runtime hand its P to another thread instead of waiting?

# %% [markdown] role="explain:q4"
# The P is the right to run Go code; if it stayed with a thread stuck in the kernel, the
# goroutines queued on it could not run, so the runtime passes it to another thread and the
# blocked one gets a P back only when the call returns.

# %% [markdown]
# ## Practice
#
# Change the seed for a fresh problem; check it with `practice("sched", seed, compute=True)`
# or `gostack-kit practice sched -s SEED -c`.

# %%
practice("sched", seed=1)
