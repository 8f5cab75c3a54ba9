"""A P and its run queues: runnext, the 256-slot local ring, and the global queue's batch rule.

Every P owns a ring of runnable Gs and a one-G `runnext` slot; one global queue, under
sched.lock, takes what does not fit and what lost its P. The functions here carry the names
of their counterparts in `runtime/proc.go` and do what they do, minus the atomics.

    runqput(pp, g, next=True)      runnext [g]  <- the old runnext is kicked to the ring's tail
    runqput(pp, g, next=False)     ring    [.. g]   a full ring: runqputslow moves its first
                                                    half and g to the global queue
    runqget(pp)                    runnext first (inherits the time slice), then the ring's head
    globrunqgetbatch(q, n, procs)  the global queue's head, plus a batch into the caller's ring
    runqgrab(thief, victim)        a thief's take: half the ring, rounded up; it runs the last

Invariants: len(runq) <= RUNQ_SIZE; runnext holds at most one G; a G is in at most one
queue; nothing here reads a clock or draws a random number.

Rejected alternative (the runtime's, too): a single shared queue. Go 1.0 had one, and every
schedule() took its lock; per-P rings let a P run its own work without touching anyone's.
"""

from __future__ import annotations

from collections import deque

__all__ = ["P", "RUNQ_SIZE", "runqput", "runqget", "globrunqgetbatch", "global_batch",
           "runqgrab", "steal_count"]

RUNQ_SIZE = 256  # runtime2.go, type p: runq [256]guintptr
P_IDLE, P_RUNNING = 0, 1  # runtime2.go's _Pidle and _Prunning (a P in a syscall stays _Prunning)


class P:
    """One P: its queues, its tick counters, sysmon's notes on it (sysmontick), its timers."""

    __slots__ = ("id", "status", "m", "runq", "runnext", "schedtick", "syscalltick",
                 "seen_schedtick", "schedwhen", "seen_syscalltick", "syscallwhen", "timers")

    def __init__(self, pid: int):
        self.id, self.status, self.m = pid, P_IDLE, None
        self.runq, self.runnext = deque(), -1
        self.schedtick = 0  # execute: bumped by every G that starts a fresh time slice
        self.syscalltick = 0  # bumped by every exitsyscall on this P and by every retake
        # sysmontick: what sysmon saw on its last look. -1 never matches a real schedtick,
        # so sysmon's first look at a running P only records it (retake's first branch).
        self.seen_schedtick, self.schedwhen = -1, 0
        # The zero value, as in the runtime: equal to syscalltick and long ago, so a P's first
        # syscall can be taken on sysmon's first look at it.
        self.seen_syscalltick, self.syscallwhen = 0, -(1 << 62)
        self.timers = []  # heap of (when, seq, g): time.Sleep's timers live on the sleeper's P

    def runqempty(self) -> bool:
        """True if neither runnext nor the ring holds a G (runqempty)."""
        return self.runnext < 0 and not self.runq


def runqput(pp: P, g: int, next_: bool, globq: deque) -> int:
    """Put g on pp (in runnext if next_); return how many Gs went to the global queue."""
    if next_:
        g, pp.runnext = pp.runnext, g
        if g < 0:
            return 0
    if len(pp.runq) < RUNQ_SIZE:
        pp.runq.append(g)
        return 0
    return runqputslow(pp, g, globq)


def runqputslow(pp: P, g: int, globq: deque) -> int:
    """Move the first half of pp's full ring, then g, to the global queue; return the count."""
    for _ in range(RUNQ_SIZE // 2):
        globq.append(pp.runq.popleft())
    globq.append(g)
    return RUNQ_SIZE // 2 + 1


def runqget(pp: P) -> tuple[int, bool]:
    """(g, inheritTime): runnext first, which keeps the running time slice; then the ring."""
    g = pp.runnext
    if g >= 0:
        pp.runnext = -1
        return g, True
    if pp.runq:
        return pp.runq.popleft(), False
    return -1, False


def global_batch(size: int, gomaxprocs: int, n: int = RUNQ_SIZE // 2) -> int:
    """How many Gs globrunqgetbatch(n) takes from a global queue of `size`."""
    return min(n, size, size // gomaxprocs + 1)


def globrunqgetbatch(pp: P, globq: deque, gomaxprocs: int) -> int:
    """Take the global queue's head and put a batch behind it in pp's empty ring (findRunnable)."""
    k = global_batch(len(globq), gomaxprocs)  # n = len(pp.runq)/2: half the ring's 256 slots
    g = globq.popleft()
    for _ in range(k - 1):
        pp.runq.append(globq.popleft())
    return g


def steal_count(size: int) -> int:
    """How many Gs a thief takes from a victim ring of `size` (runqgrab: half, rounded up)."""
    return size - size // 2


def runqgrab(thief: P, victim: P, stealRunNextG: bool) -> int:
    """runqsteal: move half of victim's ring to thief's and run the last G taken; -1 if none."""
    q = victim.runq
    if q:
        for _ in range(steal_count(len(q)) - 1):
            thief.runq.append(q.popleft())
        return q.popleft()
    if stealRunNextG and victim.runnext >= 0:  # the last pass may take a victim's runnext
        g, victim.runnext = victim.runnext, -1
        return g
    return -1
