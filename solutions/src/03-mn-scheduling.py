# %% [markdown]
# # Exercises 03: M:N scheduling
#
# These exercises go with notebook 03. You will predict the order a fan-out runs in on one
# P, write a run-queue steal, predict how many goroutines an idle P takes from the global
# queue, explain the syscall hand-off, find when the schedtick % 61 check lets a waiting
# goroutine in, and use the model to see when sysmon hands off a syscall's P and preempts.
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
from gostack_kit.sched import Workload, simulate
from gostack_kit.sched.gmp import global_batch
from gostack_kit.sched.record import Costs, Ev

check, hint, progress = notebook("03-mn-scheduling")
task = task_for("03-mn-scheduling")

# %% [markdown]
# ## q1 (predict, 1 point)
#
# On one P with free switches (`Costs.zero()`), `main` runs `go` for `G1`, `G2`, ... `Gn`,
# then computes `main_us` microseconds and exits; child `Gi` computes `child_us[i-1]` and
# exits. `task("q1")` shows your `children`, `main_us` and `child_us` (3, 1 and (1, 1, 1)
# with no `STUDENT`). Predict when each child finishes, in µs from the start, as the list
# `finish_us` (G1 first). Notebook 03's sections 2 and 3 show which child runs first.
# `check("q1")` then says whether you were right; after that you may build the run with
# `simulate(Workload.from_phases(fan_rows(p)), gomaxprocs=1, costs=Costs.zero())`.

# %%
p = task("q1")

# %% role="answer:q1"
### BEGIN SOLUTION
# runnext holds the last child, so it runs first; the others follow from the ring, oldest first.
order = [p["children"], *range(1, p["children"])]
finish_us, t = [0] * p["children"], p["main_us"]
for g in order:
    t += p["child_us"][g - 1]
    finish_us[g - 1] = t
### END SOLUTION
print(finish_us)

# %% role="tests:q1"
check("q1")

# %% [markdown]
# ## q2 (implement, 2 points)
#
# A P with nothing to run steals from another P's local run queue. Write `steal(victim)`:
# `victim` is the list of Gs in the victim's queue, oldest first; return the pair
# `(stolen, left)` of lists, the way `runqgrab` splits the queue (notebook 03, section 5).
# The hidden tests also try your own victim queue (`task("q2")`).

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
# An idle P takes a batch from the global run queue (`globrunqgetbatch`, notebook 03
# section 4). `task("q3")` gives three (queue length, GOMAXPROCS) pairs ((10, 2), (300, 4)
# and (1, 8) with no `STUDENT`). Predict the batch for each and store the three numbers in
# the list `batches`. `check("q3")` then says whether you were right.

# %%
p = task("q3")

# %% role="answer:q3"
### BEGIN SOLUTION
batches = [min(128, size, size // procs + 1) for size, procs in p["pairs"]]
### END SOLUTION
print(batches)

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
# Notebook 03's section 4 builds a trap: `G1` calls `Gosched` once the first link and its
# helper have run (at 3 µs in the notebook, where every phase is 1 µs) and waits on the
# global queue while a chain of `links` goroutines keeps P0's local queue full. Each link
# computes `link_us`, starts the next link, then a helper that computes `helper_us`
# (`lab.fairness_chain(links, link_us=..., helper_us=...)`). `task("q5")` shows your
# numbers (100, 1 and 1 with no `STUDENT`: `G1` runs again at 116 µs). Predict when `G1`
# runs again, in whole µs, as `g1_runs_us`. `check("q5")` then says whether you were right.

# %%
p = task("q5")

# %% role="answer:q5"
### BEGIN SOLUTION
# The model solution asks the engine; a student works it out from hints 1-3.
chain = lab.fairness_chain(p["links"], link_us=p["link_us"], helper_us=p["helper_us"])
run = simulate(chain, gomaxprocs=1, costs=Costs.zero(), event_cap=100_000)
g1_runs_us = next(e.t for e in run.events if e.g == 1 and e.ev == Ev.GLOBAL) // 1000
### END SOLUTION
print(g1_runs_us)

# %% role="tests:q5"
check("q5")

# %% [markdown]
# ## q6 (compute, 2 points)
#
# One P, free switches. `main` starts `G1`, computes `main_us`, enters a blocking syscall
# of `syscall_us`, then computes 50 µs; `G1` computes `hog_us`. `task("q6")` shows your
# numbers (1000, 5000 and 30000 with no `STUDENT`). Build the two goroutines with
# `Workload.from_phases` (as notebook 03 section 2 does), simulate them, and read the run's
# event log: store when sysmon's `retake` takes P0 from the syscall in `handoff_us`, and
# when `G1` is first preempted in `preempt_us`, both in whole µs.

# %%
p = task("q6")

# %% role="answer:q6"
### BEGIN SOLUTION
rows = [[("go", 1), ("compute", p["main_us"]), ("syscall", p["syscall_us"]), ("compute", 50)],
        [("compute", p["hog_us"])]]
run = simulate(Workload.from_phases(rows), gomaxprocs=1, costs=Costs.zero())
handoff_us = run.events_of(Ev.RETAKE)[0].t // 1000
preempt_us = next(e.t for e in run.events_of(Ev.PREEMPT) if e.g == 1) // 1000
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
