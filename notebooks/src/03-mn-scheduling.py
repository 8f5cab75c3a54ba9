# %% [markdown]
# # 03 · M:N scheduling: many goroutines, a few threads
#
# By the end of this notebook you will be able to explain:
#
# * what Go's G, M and P are, and why an M needs a P before it may run Go code;
# * where a P looks for its next goroutine: `runnext`, its own run queue, the global queue on every 61st tick,
#   and other Ps' queues (stealing half);
# * what happens to the thread and to the P when a goroutine blocks in a system call, and why a goroutine that
#   waits on a channel or the network holds no thread at all;
# * when sysmon preempts a goroutine that computes without pause, why a slice lasts 10 ms at the least and
#   usually longer, and how sysmon looks less often when it finds nothing to do (real Go beside the model);
# * how one program fares under three designs, 1:1 (a kernel thread per goroutine), N:1 (all goroutines on
#   one thread) and Go's M:N: time, threads, run queues and stack memory;
# * why multiplexing only pays because a goroutine's stack starts at 2 KiB instead of 8 MiB.
#
# The model is `gostack_kit.sched.gmp` (a discrete-event simulation of `runtime/proc.go`), fed by seeded
# workloads from `gostack_kit.sched.workload` and `gostack_kit.labs.sched`; figures come from `plots.sched`, and
# real Go's runtime traces of the same workloads (`realgo.sched_runs`) are drawn beside the model's by
# `plots.sched_compare`.

# %%
from gostack_kit import plots, realgo, widgets
from gostack_kit.labs import sched as lab
from gostack_kit.sched import Costs, Ev, Model, Workload, simulate, workload

# %matplotlib inline

# %% [markdown]
# ## 1. G, M and P
#
# The runtime's scheduler names three things (the glossary at the top of `runtime/proc.go`):
#
# * **G**, a goroutine: a function with its own stack, waiting, runnable or running;
# * **M**, a "machine": an OS thread;
# * **P**, a "processor": a permit to run Go code. There are `GOMAXPROCS` of them (`runtime/extern.go`).
#   An M must hold a P to run Go code, but an M stuck in a system call can let its P go.
#
# ```
#   global runq (one, under a lock)   [G9 G12 ...]
#   P0  runnext [G7]  local runq [G3 G4 G5 ... up to 256]   <- held by M0, which runs G1
#   P1  runnext [  ]  local runq [ ]                         <- held by M1: nothing to do, so it steals
#       M2 sits in a syscall with G2 and holds no P
# ```
#
# Each P owns a ring of 256 runnable Gs plus one extra slot, `runnext` (`p.runq` and `p.runnext` in
# `runtime/runtime2.go`). The functions we will watch at work, all in `runtime/proc.go`:
# `newproc` and `runqput` (a `go` statement), `runqputslow` (a full ring spills half to the global queue),
# `findRunnable` (where a P looks for work), `stealWork`/`runqsteal` (taking from another P),
# `entersyscallblock` and `handoffp` (giving a P away), and `sysmon`/`retake` (the watchdog thread that
# preempts long runners and takes Ps back from slow syscalls).
# The model uses the same constants:

# %%
print(plots.sched.constants_table())

# %% [markdown]
# ## 2. A run you can check by hand
#
# A workload is a list of goroutines, each a short program of phases in microseconds: `compute` needs a CPU,
# `syscall` blocks its thread in the kernel, `park` waits on a channel or the network, `go` starts a child.
# `Costs.zero()` makes switches free, so every time below is a sum you can do in your head.
#
# Here `G0` (main) starts `G1`, then `G2`, then computes for 10 µs. `G1` computes 20 µs; `G2` computes 5 µs,
# makes a 50 µs syscall, and computes 5 µs more. Two Ps.
#
# **Predict:** which P runs `G1`, and when does `G2` first run? When does the whole program end?

# %%
tiny = Workload.from_phases([[("go", 1), ("go", 2), ("compute", 10)],
                             [("compute", 20)],
                             [("compute", 5), ("syscall", 50), ("compute", 5)]])
run = simulate(tiny, Model.MN, gomaxprocs=2, costs=Costs.zero())
print(plots.sched.event_log(run))

# %% [markdown]
# Read it line by line. `go G1` puts `G1` in P0's `runnext`; `go G2` takes that slot and pushes `G1` into the
# ring (`runqput` with `next=true`). The first `go` also made `wakep` start a second thread, M1, for the idle P1,
# and that M, finding nothing of its own, stole `G1` from P0's ring.
# `G2` waits in `runnext` until `G0` exits at 10 µs. The same run as a timeline:

# %%
plots.sched.timeline(run)

# %% [markdown]
# The hatched bar is P0 held by `G2`'s syscall. Nothing took the P away: sysmon, the thread that takes Ps from
# syscalls (section 7), sleeps before its first look, and this program ended at 70 µs, before that look came.
# Its record of looks in this run is empty:

# %%
run.sysmon

# %% [markdown]
# ## 3. `runnext`: the newest goroutine runs first
#
# One P. `G0` starts `G1`, `G2` and `G3`, then computes 1 µs; each child computes 1 µs.
#
# **Predict:** in which order do the three children run?

# %%
fan = Workload.from_phases([[("go", 1), ("go", 2), ("go", 3), ("compute", 1)]] + [[("compute", 1)]] * 3)
print(plots.sched.event_log(simulate(fan, gomaxprocs=1, costs=Costs.zero()), kinds=(Ev.RUNNEXT, Ev.LOCAL)))

# %% [markdown]
# `G3`, then `G1`, then `G2`: the last child started sits in `runnext` and jumps the queue, the older ones wait in
# the ring in order. A `runnext` goroutine also keeps the current time slice (`runqget` returns `inheritTime`,
# and `execute` does not bump `schedtick`): two goroutines that wake each other over a channel run as a pair,
# without queueing behind everything else in the ring each time (the comment on `runnext` in
# `runtime/runtime2.go` gives this reason).

# %% [markdown]
# ## 4. The global queue, every 61st tick
#
# A P prefers its own ring, so a goroutine on the global queue could wait forever while two goroutines keep
# re-creating each other on the ring. `findRunnable` guards against this: when `schedtick % 61 == 0` it takes
# one G from the global queue first (the comment above that check in `runtime/proc.go` gives exactly this reason).
#
# `fairness_chain()` builds that trap: `G1` calls `runtime.Gosched` at 3 µs, which puts it on the global queue
# (`goschedImpl`), while a chain of goroutines, each starting the next, keeps P0's ring non-empty (one P, free
# switches).
#
# **Predict:** the chain runs one goroutine per microsecond. When does `G1` get to run?

# %%
chain = simulate(lab.fairness_chain(100), gomaxprocs=1, costs=Costs.zero(), event_cap=100_000)
print(plots.sched.event_log(chain, gs={1}))

# %% [markdown]
# `G1` waits from 3 µs to 116 µs: it runs only when `schedtick` reaches 62 (the check happens before the tick
# is bumped, at 61), never because the ring ran dry. The P starts at tick 3, where the probe leaves real Go's P at
# time zero, so the 58th link makes tick 61. Without the check `G1` would have waited until the chain ended, at
# about 200 µs.

# %% [markdown]
# When a P finds its own queues empty it does not take just one G from the global queue but a batch
# (`globrunqgetbatch` in `runtime/proc.go`, asked for half a ring, `len(pp.runq)/2` = 128): the batch is
# `min(128, size, size/GOMAXPROCS + 1)` for a global queue of `size` Gs. The `+ 1` means a lone G is still
# taken; dividing by GOMAXPROCS leaves a fair share for every other P. The P runs the first G of the batch
# and puts the rest on its ring. `lab.batch_sweep` applies that line (`sched.gmp.global_batch`) to a few queues:

# %%
print(plots.sched.batch_table(lab.batch_sweep((3, 40, 1_000), (1, 4))))

# %% [markdown]
# ## 5. Stealing half
#
# When a P's own queues and the global queue are empty, its M makes up to four passes over the other Ps in a
# random order (`stealWork`, `stealTries = 4`) and takes half of a victim's ring, rounded up (`runqgrab` takes
# `n - n/2`); on the last pass it may also take the victim's `runnext`.
#
# Two Ps. `G0` starts six children, then computes 100 µs on P0; each child computes 10 µs.
# `G6`, the last one, is in `runnext`; `G1`..`G5` are in P0's ring.
#
# **Predict:** how many goroutines does P1 take in its first steal, and which one does it run first?

# %%
six = Workload.from_phases([[("go", 1), ("go", 2), ("go", 3), ("go", 4), ("go", 5), ("go", 6), ("compute", 100)]]
                           + [[("compute", 10)]] * 6)
stolen = simulate(six, gomaxprocs=2, costs=Costs.zero())
print(plots.sched.event_log(stolen, kinds=(Ev.STEAL, Ev.LOCAL, Ev.RUNNEXT)))

# %% [markdown]
# The first steal takes 3 of the 5 (`G1`..`G3`): it runs the last one grabbed, `G3`, and queues `G1` and `G2`.
# Later steals take 1 of 2, 1 of 1, and finally `G6` out of P0's `runnext`, while P0 is still busy with `G0`.

# %%
plots.sched.timeline(stolen)

# %% [markdown]
# P1 did all six children while P0 ran `G0`: the idle P found work without anyone handing it over.

# %% [markdown]
# ## 6. Preemption: sysmon looks, then backs off
#
# A goroutine that computes without pause is not stopped by a timer. The runtime has a watchdog thread,
# sysmon, that wakes up now and then and looks at every P (`sysmon` and `retake` in Go 1.27.3's
# `runtime/proc.go`):
#
# * **How often it looks.** `sysmon` counts in `idle` its looks in a row at which `retake` took no P away from
#   a system call (`retake` returns how many it took). While `idle` is 50 or less it sleeps `usleep(20)`
#   before each look; after that every sleep is twice the one before, up to 10 ms. A look that takes a P from a
#   syscall sets `idle` back to 0 and the sleep back to 20 µs; preempting a goroutine does not count, so in a
#   program that only computes, sysmon soon looks once every 10 ms. (When every P is idle it stops looking and
#   sleeps until the next timer; a syscall that wakes it early resets `idle` too, a timer does not.)
# * **When it preempts.** For each P, `retake` keeps the `schedtick` it saw last and when it first saw it
#   (`pd.schedtick`, `pd.schedwhen`). A look that finds a new tick only writes it down. A look that finds the
#   same tick, at least `forcePreemptNS` (10 ms) after the look that wrote it down, calls `preemptone` to ask
#   the running G to stop (it sets a flag that the G's next function call checks, and sends its thread a signal,
#   `preemptM`). So no slice is shorter than 10 ms, and a slice goes on until the first look after those 10 ms,
#   however long sysmon's sleep makes it wait.
# * **Who shares a slice.** `execute` adds one to `schedtick` unless the G inherits the time slice, and
#   `runqget` hands out the G in `runnext` with `inheritTime` set. A G picked from `runnext` runs on in the
#   slice of the G before it.
# * **Where the preempted G goes.** To the global queue (`gopreempt_m` calls `goschedImpl`).
#
# The kit ran each scheduler workload of `realgo.sched_suite` ten times under Go's `runtime/trace`
# (`realgo.sched_runs`; the recording says which Go and which machine) and replays the same spec through the
# model. Start with one goroutine that computes 60 ms alone on one P (`hog-60`).
#
# **Predict:** how long is its first slice, and how long are the ones after it?

# %%
hog = lab.real_vs_model("hog-60", prefer="recorded")
print(plots.sched_compare.slices_table(hog))

# %% [markdown]
# In 9 of the 10 recorded runs the first preemption came after 14.7 to 15.1 ms, and in the other after 11.4 ms:
# never before the 10 ms of `forcePreemptNS`, and mostly well after it, because the look that preempts comes only
# when sysmon's current sleep ends. The later preempted slices have a median of 20.2 ms. After a preemption the G
# comes back from the global queue without inheriting, so `schedtick` moves on: the next look only notes the new
# tick and its time, and the look after it, one 10 ms sleep later, finds the same tick 10 ms old and preempts.
# Two full sleeps make about 20 ms.
#
# A run phase counts the time its goroutine kept its thread (`run` in the Go program of `realgo.sched_trace`), as
# the model counts the time a G holds its P, so in every run the 60 ms of work ended at 60.0 ms. The typical run
# (the median of the ten by its end), with the model's run below it:

# %%
plots.sched_compare.real_vs_model(hog)

# %% [markdown]
# The model's row runs sysmon's own loop (`sched/sysmon.py`): slices of 15.0, 20.2 and 20.2 ms, and the rest,
# the same to a tenth of a millisecond as real runs 2 and 3.
# Each of its looks is a record in `SchedRun.sysmon`: when it came, the sleep before it, sysmon's `idle` count after
# it, and what `retake` did. The model's looks in `hog-60`, grouped by the sleep before them:

# %%
looks = lab.sysmon_looks(hog.spec)
print(plots.sched_compare.sysmon_table(lab.sysmon_stretches(looks)))

# %% [markdown]
# Looks 1 to 48 come 87.741 µs apart: that is how long `usleep(20)` lasted in real Go, the median of sysmon's own
# log of its looks (`realgo.sysmon_probe`, which rebuilds the runtime with two log calls in `sysmon`; the sleeps
# are `SLEEP_NS` in `sched/sysmon.py`). The 20 µs become 87.7 because the kernel may end a `nanosleep` up to the
# thread's timer slack late (50 µs: `init_task.timer_slack_ns` in Linux's `init/init_task.c`) and the thread must
# then be woken. No look takes a P from a syscall, so `idle` grows by one at each. It starts at 3, the median that
# log shows when a workload begins (`SYSMON_IDLE_AT_START`), so after look 48 it has passed 50, and from look 49
# on each sleep doubles: 107.641 µs, 147.835 µs and so on, until looks 57 to 60 each wait the full 10 ms, which
# last 10078.8 µs.
#
# Look 1, at 0.088 ms, wrote down `G1`'s `schedtick`. Look 55, at 9.8 ms, came less than 10 ms after it, so it
# let `G1` run on; look 56, at 15.0 ms, is the first one 10 ms or more after it, so it preempts: the first slice
# is as long as the back-off took to get past 10 ms. `G1` then comes back from the global queue on a new tick,
# which the next look (at 25.0 ms) only writes down; the look after that, 10 ms later, preempts (at 35.1 ms), and
# so on (55.3 ms). The same looks on a log scale:

# %%
plots.sched_compare.sysmon_sleeps(looks, title="sysmon's sleep before each look (model, hog-60)")

# %% [markdown]
# Real Go keeps its own record of the same looks if asked. `realgo.sysmon_probe` builds `hog-60` against a copy of
# the runtime's `proc.go` with two log calls added to `sysmon` (`go build -overlay`, in a temp dir; the toolchain
# is never touched), and the kit ships 20 such runs. How long each real `usleep` lasted:

# %%
source, probed = realgo.sysmon_probe.probed_runs("hog-60", prefer="recorded")
print(source, plots.sched_compare.real_sleeps_table(probed), sep="\n")

# %% [markdown]
# Every one of those looks followed the rule above exactly, 20 µs until `idle` passed 50, then doubling up to the
# 10 ms cap (`tests/test_realgo_sysmon_probe.py` checks each). What varies is how long a sleep lasts: a `usleep(20)`
# took from 36.5 to 117.7 µs. The model's sleeps are the medians of this table. Its line, with every real look
# drawn behind it as a dot:

# %%
plots.sched_compare.sysmon_sleeps(looks, title="sysmon's sleeps: the model (line) and real Go (dots), hog-60",
                                  real=(source, probed))

# %% [markdown]
# The real doublings begin at different times from run to run, because sysmon's `idle` count when the workload
# starts differs from run to run; once they begin, each real sleep sits close to the model's step.

# %% [markdown]
# Now a G that waits in `runnext` while `main` computes. One P; `main` starts `G1` (2 ms of work), computes for
# 12 ms, then starts `G2` (10 µs) (`nb03` in `realgo.sched_suite`).
#
# **Predict:** when does `G1` first run? Once it runs, does it get a full slice of its own?

# %%
nb03 = lab.real_vs_model("nb03", prefer="recorded")
print(plots.sched_compare.slices_table(nb03))

# %% [markdown]
# In 9 of the 10 runs no look preempted `main` before its 12 ms were done. `main` then started `G2`, which took
# `runnext` from `G1`, so `G2` ran first, and `G1` ran at 12.0 ms and finished at 14.0 ms. In the other run (run 7)
# sysmon preempted `main` at 10.3 ms, and `G1` ran first. It came from `runnext`, so it ran in what was left of
# `main`'s slice: the same `schedtick`, written down 10 ms or more before. The next look could have cut it, but its
# 2 ms were done first, and it finished at 12.3 ms. Which way a run goes depends on when sysmon's looks fall, that
# is, on its sleeps, and the trace does not record sysmon's sleeps.
#
# The model went the first way, as the table's last line shows: `G2` ran first, and `G1` ran at 12.0 ms and
# finished at 14.0 ms. Its sysmon looks the same way as in `hog-60` (nothing here makes a syscall):

# %%
calm = lab.sysmon_looks(nb03.spec)
print(plots.sched_compare.sysmon_table(lab.sysmon_stretches(calm)))

# %% [markdown]
# Look 55, at 9.8 ms, found `main` still on the tick that look 1 wrote down, but only 9.7 ms after it, so it let
# `main` run on. The next look would have come 5193.28 µs later, at 15.0 ms, after the program's end at 14.0 ms.
# A real sysmon's sleeps vary from one look to the next (`realgo.sysmon_probe` records them), so whether some look
# lands 10 ms after the note and before `main` is done varies too: in 1 of the 10 recorded runs one did. The
# typical run and the model:

# %%
plots.sched_compare.real_vs_model(nb03)

# %% [markdown]
# Under N:1 nothing preempts: the one thread runs `main` until it finishes its gap and exits. `G1` waits:

# %%
one = lab.model_timeline(nb03.spec, model="n:1")
print(plots.sched_compare.stats_line(lab.slice_stats([one])))

# %% [markdown]
# With Go installed, `nb03` live: three fresh runs on your machine, and the typical one drawn. Without Go the
# cells show the recording again, and its source says that no Go toolchain was found:

# %% tags=["nbval-ignore-output"]
live = lab.real_vs_model("nb03")
print(plots.sched_compare.slices_table(live))

# %% tags=["nbval-ignore-output"]
plots.sched_compare.real_vs_model(live)

# %% [markdown]
# ## 7. A blocking syscall hands its P to a new thread
#
# A goroutine in a system call keeps its thread busy in the kernel. In Go it does not keep its P for long.
# Each P's `syscalltick` goes up by one whenever a syscall is over as far as the P is concerned: the call returns
# (`exitsyscall`) or the P is taken from it (`releaseP`). A look of sysmon that finds a P in a syscall compares
# that tick with the one it wrote down for the P: if they differ, it writes the new one down and leaves the P
# alone; if they match, `retake` takes the P and `handoffp` gives it to another M. It leaves the P alone also
# when there is nothing for it to do: its run queue is empty, another P or M is idle or looking for work, and
# the look that wrote the tick down was less than 10 ms ago. sysmon's shortest sleep is `usleep(20)`, which
# lasted 87.741 µs in real Go (`sched.sysmon.SLEEP_NS`, measured).
#
# One P. `G0` starts `G1` (100 µs of compute), then makes a 250 µs syscall.
#
# **Predict:** does `G1` wait for the syscall? How many threads does the program end up with?

# %%
syscall = Workload.from_phases([[("go", 1), ("syscall", 250), ("compute", 10)], [("compute", 100)]])
handed = simulate(syscall, gomaxprocs=1, costs=Costs.zero())
print(plots.sched.event_log(handed))

# %% [markdown]
# At 87.741 µs, its first look, sysmon found P0 in the syscall with a tick that differed from its note, and only
# wrote the tick down. The model starts every P the way the recorded real runs had them at time zero: with
# syscalls behind it that sysmon never saw (before time zero the probe program of `realgo/sched_trace.py` opens
# its trace file and starts the tracer, which writes to it), so the note is stale (checked against the traces
# below, after `contract`). At 175.482 µs, the second look, the tick matched and sysmon took P0; a new M (thread 2)
# picked it up and ran `G1` while `G0`'s thread stayed in the kernel. When the syscall returned at 250 µs, P0 was
# busy and no P was idle, so `exitsyscall` queued `G0` on the global queue and parked its thread; `G0` ran again
# when `G1` finished.

# %%
plots.sched.timeline(handed)

# %% [markdown]
# Two variations. A syscall that ends before sysmon's second look (175.482 µs) keeps its P. A call the runtime knows
# will block for long goes through `entersyscallblock`, which gives the P away at once, without waiting for sysmon:

# %%
short = Workload.from_phases([[("go", 1), ("syscall", 15), ("compute", 10)], [("compute", 50)]])
block = Workload.from_phases([[("go", 1), ("block", 100), ("compute", 10)], [("compute", 50)]])
print(plots.sched.summary_table({"15 us syscall": simulate(short, gomaxprocs=1, costs=Costs.zero()),
                                 "100 us block": simulate(block, gomaxprocs=1, costs=Costs.zero())}))

# %% [markdown]
# The 15 µs syscall: one thread, no hand-off, and `G1` simply waited (the program takes 0.075 ms).
# The known-blocking call: a hand-off at time 0 and a second thread, so the program ends at 0.11 ms.

# %% [markdown]
# Real Go hands a P off the same way. In `contract` (one P), `G1` computes 2 ms and then makes
# a 1 ms syscall; `G2` computes 0.3 ms and sleeps 2 ms, so it is ready to run again about when `G1` enters the
# kernel. `G2` can run only on P0, and only once sysmon has taken P0 from `G1`'s syscall.
#
# **Predict:** how long after `G1` enters its syscall does `G2` run?

# %%
con = lab.real_vs_model("contract", prefer="recorded")
print(plots.sched_compare.handoff_line(con))

# %% [markdown]
# In all 10 recorded runs another thread ran `G2` on P0 0.11 to 0.21 ms after `G1` entered the kernel, and the
# model's 0.18 ms falls inside that range. Its sysmon still looks every 87.7 µs at that point. The first look after
# `G1` entered the kernel came 67.8 µs in and only wrote P0's tick down (the note was stale, as above); the next,
# 155.5 µs in, took the P, and the new thread it started for P0 took 22.5 µs (`thread_create_ns`, section 9).
# Real Go needs the second look too. Over every recorded run of every workload, how soon a P was taken from its
# first syscall:

# %%
print(plots.sched_compare.first_handoff_line(lab.first_handoff_stats("recorded")))

# %% [markdown]
# With a fresh note the first look after the syscall began would take the P, and that look comes anywhere in a
# look interval, so nearly all of these hand-offs would come within one interval. In the real runs 4 of 64 did, and
# the median, 229.3 µs, is more than two intervals: a later look took the P. Those 4 need not be fresh notes:
# a look interval varies, and a `usleep(20)` lasted as little as 36.5 µs (section 6), so two looks can
# both fall within one median interval. The typical `contract` run and the model:

# %%
plots.sched_compare.real_vs_model(con)

# %% [markdown]
# ## 8. A parked goroutine holds no thread
#
# Waiting on a channel, a mutex or a network socket is different: the goroutine parks (`gopark`), and its M
# simply runs another G. Nothing sits in the kernel on its behalf; whoever ends the wait makes it runnable again
# (a channel sender through `goready`, the network poller through `netpoll` and `injectglist`).
#
# Two programs of 1,000 goroutines, each computing, waiting about 1 ms once, and computing again.
# In the first, every wait is a park; in the second, every wait is a blocking syscall. Two Ps, default costs.
#
# **Predict:** how many threads does each program create?

# %%
parked = simulate(workload(1000, 1, blocking_fraction=0, network_fraction=1, park_us=1000), gomaxprocs=2)
blocked = simulate(workload(1000, 1, blocking_fraction=1, syscall_us=1000), gomaxprocs=2)
print(plots.sched.summary_table({"parked": parked, "in syscalls": blocked}))

# %% [markdown]
# Parking: 3 threads for 1,000 goroutines. Syscalls: 18 threads and 938 hand-offs. Every goroutine
# inside a syscall keeps its M in the kernel, so a new M is needed whenever a P is handed off and no M is free:
# the thread count follows how many syscalls overlap, not how many goroutines exist.
# A goroutine that merely waits costs no thread at all.

# %% [markdown]
# Real Go does the same. `realgo.sched.SOURCE` is a small Go program that starts n goroutines which wait for ever,
# either on a channel nobody sends on or in `read(2)` on a pipe nobody writes to; it sleeps 200 ms, then reads its
# own thread count from the `Threads:` line of `/proc/self/status`. Beside it, the model runs the same shape of
# program (n goroutines, each waiting 200 ms). The model counts `m0` and the Ms it creates; real Go already has a
# few threads of its own (sysmon among them) before the experiment starts.
#
# **Predict:** how many threads does real Go have with 1,000 goroutines blocked in `read(2)`?

# %%
source, real = realgo.sched.thread_counts("recorded")
print(source, plots.sched.thread_count_table(real, realgo.sched.model_counts()), sep="\n")

# %% [markdown]
# Parked goroutines: the thread count never moves, whether 10 or 1,000 wait. Goroutines in `read(2)`: real Go grew
# from 4 to 1,003 threads, the model from 1 to 1,001, one new M for each goroutine stuck in the kernel.
# (Go refuses to go past 10,000 threads by default: `sched.maxmcount` in `schedinit`, `runtime/proc.go`;
# `runtime/debug.SetMaxThreads` changes it.) With Go installed, the same experiment live:

# %% tags=["nbval-ignore-output"]
source, real = realgo.sched.thread_counts()
print(source, plots.sched.thread_count_table(real, realgo.sched.model_counts()), sep="\n")

# %% [markdown]
# A sleeping goroutine holds no thread either: `time.Sleep` leaves a timer on its P and parks. When no goroutine
# is runnable, `findRunnable` gives the P up and the M blocks in `netpoll` until the next timer is due. On Linux,
# `netpoll` (`runtime/netpoll_epoll.go`) passes `epoll_wait` a timeout in whole milliseconds: 1 if the timer is
# less than 1 ms away, else the delay rounded down. If the wait ends before the timer is due, the M looks again
# and waits again. Each wait also ends a little after its timeout, as every kernel timer does (section 9).
# `realgo.netpoll_probe` times lone sleeps of four lengths in one Go program with nothing else to run, 41 of each,
# interleaved. The model charges every wait the median lateness of the 1 ms sleeps, which wait once.
#
# **Predict:** with nothing else to run, how late does a 100 µs sleep end? And a 1.5 ms one?

# %%
source, rows = lab.sleep_lateness("recorded")
print(source, plots.sched.sleep_table(rows), sep="\n")

# %% [markdown]
# A 100 µs sleep ended 954.9 to 985.2 µs late: its one wait lasted a whole millisecond. A 1.5 ms sleep waited
# twice, 1 ms and then 1 ms more, and ended 604.2 to 667.4 µs late. A 2 ms sleep waits twice too: the delay left
# when the M reaches `epoll_wait` is a little under 2 ms and rounds down to 1, so it is late by two waits, a
# median of 145.4 µs against 76.2 µs for the single wait of a 1 ms sleep. The model's lateness falls inside every
# real range. When other goroutines keep the P busy there is no `netpoll` wait: the timer runs when the P next
# schedules (`pp.timers.check` at the top of `findRunnable` in `runtime/proc.go`), as in section 7's `contract`.
# With Go installed, the same sleeps live:

# %% tags=["nbval-ignore-output"]
source, rows = lab.sleep_lateness()
print(source, plots.sched.sleep_table(rows), sep="\n")

# %% [markdown]
# ## 9. Three designs, one program
#
# Now the same seeded program under three designs, on the same two cores:
#
# * **1:1**: every goroutine is a kernel thread. Starting one is a `clone()`, switching is the kernel's job,
#   the kernel preempts on its time slice, and a syscall blocks only its own thread.
# * **N:1**: all goroutines share one kernel thread (user-level "green threads"). Switches are cheap, but there is
#   one core only, no preemption, and a blocking syscall stalls everybody.
# * **M:N**: Go's scheduler, as above.
#
# The models charge these costs for switching and creating. Each was measured on the real system by one Go
# program (`realgo.costs_probe`, run 7 times in fresh processes; the table shows the medians, the defaults of the
# `Costs` record in `gostack_kit/sched/record.py`):

# %%
print(plots.sched.costs_table())

# %% [markdown]
# Each bar is the cost the models charge; the dots are the 7 measured runs:

# %%
plots.sched_compare.costs_figure(*realgo.costs_probe.measured_runs("recorded"))

# %% [markdown]
# A thread switch costs 25 times a goroutine switch, and a new thread 46 times a new goroutine. On this VM, waking an
# idle thread on the other CPU costs almost as much as creating one, ten times a switch on the same CPU. A kernel
# timer (a `nanosleep`, or the `epoll_wait` an idle Go thread blocks in) ends tens of microseconds after the time
# it was asked for: the kernel may fire it up to the thread's timer slack late (50 µs: `init_task.timer_slack_ns`
# in Linux's `init/init_task.c`), and the thread must then be woken.
# With Go installed, the same probe on your machine (one run, a few seconds):

# %% tags=["nbval-ignore-output"]
plots.sched_compare.costs_figure(*realgo.costs_probe.measured_runs())

# %% [markdown]
# The program: 300 goroutines, `main` included (`main` starts the other 299 with `go` statements), each with two
# compute bursts (mean 50 µs); between them a
# blocking syscall with probability 0.3, a park with probability 0.3, or no wait (seed 7).
#
# **Predict:** rank the three designs by total time, by threads created and by stack memory.

# %%
work = workload(300, 7, blocking_fraction=0.3, network_fraction=0.3)
runs = lab.compare(work, gomaxprocs=2)
print(plots.sched.summary_table(runs))

# %% [markdown]
# 1:1 ends first, at 18.966 ms against M:N's 21.812 ms, but it spends 20.4% of both cores on thread
# switches and creation, and reserves 2.0 GiB of stacks; M:N's median goroutine is done sooner (12.665 ms
# against 14.551 ms), with 4 threads. N:1 has one core and stalls on every syscall, so it takes more than twice as long.
# The per-P (per-core) timelines, on one time axis:

# %%
plots.sched.timelines(runs)

# %% [markdown]
# 1:1 spends its first milliseconds on core 0 creating 299 threads (orange); N:1's single core is grey whenever a
# syscall holds it; M:N's two Ps stay mostly green. How many goroutines were waiting for a CPU along the way:

# %%
plots.sched.queue_lengths(runs)

# %% [markdown]
# N:1 and M:N have about 300 runnable goroutines almost at once (creating one costs 0.5 µs), while 1:1
# climbs for 6.7 ms as core 0 creates a thread for each of `main`'s 299 `go` statements, at 22.5 µs each.
# N:1 then drains at the speed of one core.
# M:N's dotted line is the global queue: first the 129 goroutines that `runqputslow` moved there when `main`'s 299
# `go` statements overflowed P0's ring of 256, later the goroutines coming back from syscalls and parks.

# %%
plots.sched.completions(runs)

# %% [markdown]
# The completion curves tell the same story per goroutine: M:N's median goroutine finishes first.

# %%
plots.sched.threads_memory(runs)

# %% [markdown]
# The bars are on a log scale: 300 threads (`main`'s own among them) against 4 and 1; 2 GiB of reserved stacks
# against tens of MiB.
#
# **Predict:** if switching and creating threads were free, which design would win?

# %%
print(plots.sched.summary_table(lab.compare(work, gomaxprocs=2, costs=Costs.zero())))

# %% [markdown]
# With free switches and creation 1:1 pulls further ahead, 15.074 ms against 18.959 ms, though its median
# goroutine (10.967 ms) still finishes after M:N's (10.356 ms). A kernel thread gives up its core the moment it
# blocks, while a Go syscall keeps its P until one of sysmon's looks takes it (29 hand-offs in this run).
# Time alone does not make the case for M:N: its advantage is cheap creation and switching (measured above)
# and, above all, memory, which no cost setting changes: 300 thread stacks still reserve over 2 GiB.

# %% [markdown]
# ## 10. Stack memory, up to a million goroutines
#
# Memory is pure arithmetic, so it is instant even for 1,000,000 goroutines (`sched.record.stack_memory`).
# A thread reserves glibc's default stack, 8 MiB plus a 4 KiB guard page (notebook 02); a goroutine starts with a
# 2 KiB stack (`stackMin = 2048` in `runtime/stack.go`) plus its `g` record, counted as 480 B (real Go's heap cost
# per goroutine is measured below); the M:N and N:1 figures also pay for their few threads' stacks.
#
# **Predict:** stack memory for a million goroutines under 1:1, and under M:N?

# %%
sweep = lab.memory_sweep()
print(plots.sched.memory_table(sweep))

# %% [markdown]
# A million threads would reserve 7.6 TiB of address space, more than 2,000 times a 32-bit process's whole 3 GiB;
# a million goroutines take 2.4 GiB. (On 64 bits the address space would hold the threads, but the thread
# limits of notebook 02 would stop them long before.)

# %%
plots.sched.memory_scaling(sweep)

# %% [markdown]
# Go itself agrees on the 2 KiB. The kit measured real parked goroutines with `runtime.MemStats`
# (`realgo.memory_probes`: `StackInuse` per goroutine); here is the recorded measurement:

# %%
source, probes = lab.goroutine_memory("recorded")
print(source, plots.sched.probe_table(probes), sep="\n")

# %% [markdown]
# About 2048 bytes of stack each at 10,000 and 100,000 goroutines, plus 638 to 647 bytes of heap (the `g`, its
# wait record, its slot in `allgs`). If Go is installed (`pip install "gostack-kit[go]"`), the next cell measures
# it live on your machine:

# %% tags=["nbval-ignore-output"]
source, probes = lab.goroutine_memory()
print(source, plots.sched.probe_table(probes), sep="\n")

# %% [markdown]
# ## 11. Your turn: the scheduler dashboard
#
# The dashboard draws one run: the per-P timeline, the threads created and the stack memory, for a workload whose
# share of time in blocking syscalls you choose. If you are running this notebook live, move its sliders (each
# update waits until you let go):
#
# * switch the model between M:N and 1:1 with the syscall share at 0, then at 0.6: watch the thread count;
# * push the syscall share to 0.9 under N:1: the single core is mostly grey;
# * raise GOMAXPROCS from 2 to 8 and 64: the run gets shorter, but at 64 the Ps sit idle most of the time
#   (300 goroutines are not enough work to keep them busy) while M:N starts more threads (the model gives
#   every P a core of its own: see the caution after the dashboard);
# * set 100,000 goroutines (about a second per update): compare the memory strip under 1:1 and M:N.
#
# First its picture at the default settings (300 goroutines, GOMAXPROCS=2, 30% of time in syscalls, M:N, seed 1),
# then the live dashboard:

# %%
plots.sched.dashboard_plot(widgets.sched.default_run())

# %% tags=["nbval-ignore-output"]
widgets.sched.Scheduler()

# %% [markdown]
# A caution before you read the GOMAXPROCS slider as advice. The model gives every P a core of its own, as a
# machine with that many cores would have; a real program has only its machine's cores. The recorded
# `syscall-p2` and `syscall-p4` runs (four goroutines that compute 0.2 ms, make a 3 ms syscall and compute
# 0.2 ms more, beside two that compute 5 ms) ran on the kit's 2-core VM with 2 and with 4 Ps:

# %%
print(plots.sched.finish_table(lab.finish_ranges(("syscall-p2", "syscall-p4"))))

# %% [markdown]
# With 4 Ps on 2 cores the median real run ended at 7.99 ms, later than with 2 Ps (6.76 ms): the Ms that hold
# the 4 Ps share 2 cores. The model, with a core for every P, ends sooner with 4 (5.46 ms against 6.43 ms). Past
# the machine's cores more Ps buy no CPU time; the dashboard's larger GOMAXPROCS draw a larger machine.

# %% [markdown]
# ## Summary
#
# * Go runs many G on a few M; a P is the permit to run Go code, and there are `GOMAXPROCS` of them.
# * A P looks for work in a fixed order: `runnext` (which keeps the time slice), its own ring of 256, the global
#   queue every 61st tick or when the ring is empty, then other Ps' rings, half at a time.
# * Sysmon looks at the Ps after `usleep(20)` (87.741 µs in real Go) at first; after 50 looks in a row that take
#   no P from a syscall, each sleep doubles, up to 10 ms, and preempting does not bring it back down. It preempts
#   a goroutine on the first look at least 10 ms after the look that first saw the P's `schedtick`, so a slice
#   lasts 10 ms or more (15.0 ms, then 20.2 ms, in the model; a median of 20.2 ms after the first in the
#   recordings), and a goroutine taken from `runnext` runs in the slice of the one before it.
#   One busy goroutine cannot starve the rest.
# * A goroutine blocked in a syscall keeps its thread, but sysmon's `retake` takes its P away, on the second
#   look that finds it there (the first only writes the P's `syscalltick` down), and another thread runs it; a
#   goroutine parked on a channel or the network keeps neither. Threads grow with simultaneous syscalls, not
#   with goroutines.
# * Measured, a goroutine switch costs 81 ns and a thread switch 2.0 µs; a goroutine's creation 0.5 µs, a
#   thread's 22.5 µs; waking an idle thread on another CPU 20.8 µs.
# * On the same program, 1:1 ended sooner than M:N, but M:N's median goroutine finished first, with 4
#   threads instead of 300; N:1 was held back by one core and by every syscall. With free thread switches 1:1
#   was faster still: what it cannot match is memory.
#
# The talk this course starts from makes one claim here: many goroutines on a few threads are cheap only because
# their stacks are small and can grow. Section 10 is that claim in numbers: with 8 MiB per goroutine, a million
# goroutines would need terabytes of address space no matter how clever the scheduler. The next two notebooks
# show how a stack that starts at 2 KiB can grow when a goroutine needs more: Go 1.2's segments, then Go 1.3's
# copying stacks.
