# %% [markdown]
# # Exercises 03: M:N scheduling
#
# These exercises go with notebook 03. You will predict when the children of a fan-out
# finish, write a run-queue steal, predict how many goroutines an idle P takes from the
# global queue, explain the syscall hand-off, predict when the 61st tick lets a waiting
# goroutine in, and find when sysmon hands off a syscall's P and preempts a hog.
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
from gostack_kit.grading import notebook, task_for
from gostack_kit.grading.practice import show as practice
from gostack_kit.grading.questions.sched import fan_rows
from gostack_kit.labs import sched as lab
from gostack_kit.sched import Costs, Ev, Workload, simulate
from gostack_kit.sched.gmp import global_batch

check, hint, progress = notebook("03-mn-scheduling")
task = task_for("03-mn-scheduling")

# %% [markdown]
# ## q1 (predict, 1 point)
#
# On one P with free switches, `main` runs `go` for `children` goroutines G1, G2, ... in
# that order, then computes `main_us` µs and exits; child Gi computes `child_us[i-1]` µs
# (`task("q1")`; 3 children of 1 µs after 1 µs of `main` with no `STUDENT`, notebook 03
# section 3). Predict, without running the model, when each child exits: store the times in
# µs, G1 first, in the list `finish_us`. `check("q1")` then says whether you were right.

# %%
p = task("q1")

# %% role="answer:q1"
### BEGIN SOLUTION
# The model solution asks the engine; a student works it out from hints 1-3.
fan = simulate(Workload.from_phases(fan_rows(p)), gomaxprocs=1, costs=Costs.zero())
finish_us = [int(t) // 1000 for t in fan.completion_ns[1:]]
### END SOLUTION

# %% role="tests:q1"
check("q1")

# %% [markdown]
# ## q2 (implement, 2 points)
#
# A P with nothing to run steals from another P's local run queue. Write `steal(victim)`:
# `victim` is the list of Gs in the victim's queue, oldest first; return the pair
# `(stolen, left)` of lists, the way `runqgrab` splits the queue. The hidden tests also try
# your own victim queue (`task("q2")`).

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
# An idle P takes a batch from the global run queue. `task("q3")` gives three (queue
# length, GOMAXPROCS) pairs ((10, 2), (300, 4) and (1, 8) with no `STUDENT`). Predict the
# batch for each and store the three numbers in the list `batches`.

# %%
p = task("q3")

# %% role="answer:q3"
### BEGIN SOLUTION
batches = [global_batch(size, procs) for size, procs in p["pairs"]]
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
# ## q5 (predict, 2 points)
#
# Notebook 03 section 4's trap, `lab.fairness_chain(links, link_us=..., helper_us=...)`, on
# one P with free switches: G1 calls Gosched while a chain of `links` links, each
# computing `link_us` µs and then starting a helper of `helper_us` µs, keeps the ring full.
# `task("q5")` gives your numbers (100 links of 1 µs and 1 µs helpers with no `STUDENT`,
# where G1 gets in at 116 µs). Predict when G1 is taken from the global queue, in whole µs:
# store it in `g1_runs_us`.

# %%
p = task("q5")

# %% role="answer:q5"
### BEGIN SOLUTION
# The model solution asks the engine; a student works it out from hints 1-3.
chain = simulate(lab.fairness_chain(p["links"], link_us=p["link_us"], helper_us=p["helper_us"]),
                 gomaxprocs=1, costs=Costs.zero(), event_cap=100_000)
g1_runs_us = next(e.t for e in chain.events if e.g == 1 and e.ev == Ev.GLOBAL) // 1000
### END SOLUTION

# %% role="tests:q5"
check("q5")

# %% [markdown]
# ## q6 (compute, 2 points)
#
# One P, free switches. `main` starts G1, computes `main_us` µs, enters a `syscall_us` µs
# system call, then computes 50 µs; G1 computes `hog_us` µs (`task("q6")`; 1000, 5000 and
# 30000 with no `STUDENT`). Run it in the model and store when sysmon's retake takes P0
# (`handoff_us`) and when G1 is first preempted (`preempt_us`), both in whole µs.

# %%
p = task("q6")

# %% role="answer:q6"
### BEGIN SOLUTION
hog = simulate(Workload.from_phases([
    [("go", 1), ("compute", p["main_us"]), ("syscall", p["syscall_us"]), ("compute", 50)],
    [("compute", p["hog_us"])]]), gomaxprocs=1, costs=Costs.zero())
handoff_us = hog.events_of(Ev.RETAKE)[0].t // 1000
preempt_us = next(e.t for e in hog.events_of(Ev.PREEMPT) if e.g == 1) // 1000
### END SOLUTION
print(handoff_us, preempt_us)

# %% role="tests:q6"
check("q6")

# %% [markdown]
# ## Practice
#
# Change the seed for a fresh problem; check it with `practice("sched", seed, compute=True)`
# or `gostack-kit practice sched -s SEED -c`.

# %%
practice("sched", seed=1)
