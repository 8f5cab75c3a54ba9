"""Running a G: execute, its phases, `go`, Gosched, preemption, time.Sleep and system calls.

The second half of the G/M/P model (gmp.Sched mixes it in). Once findRunnable has chosen a
G, an M carries it through its phases until it gives the M back or waits on the clock:

    execute ─> start_slice ─> run_g: compute ──burst_end──> next phase
                                     go       newproc: child to runnext, wakep
                                     yield    goschedImpl: to the global queue
                                     sleep    timesleep: a timer on this P, gopark
                                     syscall  entersyscall ... exitsyscall, a kernel timer
                                              timer_late_ns after its ns (the thread's nanosleep)
                                     (end)    goexit
    sysmon ─> preemptone: a computing G is cut at once (gopreempt_m ─> goschedImpl)

Invariants: run_g returns True exactly when the M no longer has a G and must schedule;
every event an M is waiting on carries the M's token, so a preempted burst's end is ignored;
a G in a syscall keeps its M, and keeps its P until retake or entersyscallblock takes it.

Rejected alternative: one event per phase. A G whose next phases cost no time (a `go` with
zero cost, a park) would then queue behind everything else at the same instant; walking the
phases in a loop keeps same-instant work in program order, as a real G does.
"""

from __future__ import annotations

import heapq

from .record import Ev, Span
from .runq import P, runqput
from .workload import Phase

__all__ = ["M", "Running"]

PH_COMPUTE, PH_SYSCALL, PH_PARK, PH_GO, PH_BLOCK, PH_YIELD = map(int, Phase)  # plain ints: fast
SP_RUN, SP_SWITCH, SP_SPAWN, SP_THREAD, SP_SYSCALL = map(int, Span)


class M:
    """One OS thread: the P it holds, the G it runs, and whether it spins or sits in a syscall."""

    __slots__ = ("id", "p", "oldp", "curg", "spinning", "syscall_g", "token", "run_start",
                 "ran", "sys_start")

    def __init__(self, mid: int):
        self.id, self.p, self.oldp, self.curg = mid, None, None, -1
        self.spinning, self.syscall_g, self.token, self.run_start = False, -1, 0, -1
        self.ran = False  # ran a workload goroutine (id >= 1): what run.threads counts
        self.sys_start = 0


class Running:
    """The G-running half of gmp.Sched: the methods an M calls while it holds a G."""

    def execute(self, mp: M, g: int, inherit: bool, how: Ev, t: int) -> bool:
        """Run g on mp (a fresh time slice unless from runnext); True if mp must schedule again."""
        pp, sw, rec = mp.p, self.sw, self.rec
        if not inherit:
            pp.schedtick += 1
        mp.curg = g
        self.c["sw"] += 1
        if len(rec.events) < rec.event_cap:
            rec.events.append((t, pp.id, g, how, pp.schedtick))
        if sw:
            rec.span(pp.id, g, t, t + sw, SP_SWITCH)
            mp.token += 1
            self.at(t + sw, self.resume, (mp, mp.token))
            return False
        return self.start_slice(mp, t)

    def resume(self, t: int, arg) -> None:
        """Event: mp's G starts running after its switch cost."""
        mp, token = arg
        if token == mp.token and self.start_slice(mp, t):
            self.schedule(mp, t)

    def start_slice(self, mp: M, t: int) -> bool:
        """mp's G starts (or goes on) running at t; True if it gave mp back at once."""
        g = mp.curg
        if g > 0:
            mp.ran = True
        self.slice_start[g] = t
        return self.run_g(mp, t)

    def end_slice(self, mp: M, t: int, why: str) -> None:
        """Close the timeline slice of mp's G (workload Gs only), ended for `why`."""
        g = mp.curg
        if g > 0 and len(self.slices) < self.rec.cap:  # plain tuples here; Slice rows at the end
            self.slices.append((g, mp.id, mp.p.id if mp.p else -1, self.slice_start[g], t, why))

    def run_g(self, mp: M, t: int) -> bool:
        """Carry mp's G through its phases; True if it gave mp back (exit, yield, sleep)."""
        g, pp, pc = mp.curg, mp.p, self.pc
        ph = self.phases[g]
        n = len(ph)
        while True:
            i = pc[g]
            if i == n:  # goexit: the G is done, the M schedules again
                self.done[g] = t
                self.live -= 1
                self.rec.event(t, pp.id, g, Ev.EXIT, 0)
                self.end_slice(mp, t, "exit")
                mp.curg = -1
                return True
            kind, v = ph[i]
            if kind == PH_COMPUTE:
                if self.preempt[g]:  # asked to stop while not preemptible: stop here
                    self.gopreempt(mp, t)
                    return True
                rem = self.rem
                r = rem[g] = rem[g] or v
                mp.run_start = t
                mp.token += 1
                self.at(t + r, self.burst_end, (mp, mp.token))
                return False
            if kind == PH_GO:
                self.newproc(pp, g, v, t)
                pc[g] += 1
                if self.spawn_ns:
                    self.rec.span(pp.id, g, t, t + self.spawn_ns, SP_SPAWN)
                    mp.token += 1
                    self.at(t + self.spawn_ns, self.continue_g, (mp, mp.token))
                    return False
                continue
            pc[g] += 1
            if kind == PH_YIELD:
                self.end_slice(mp, t, "yield")
                self.goschedImpl(mp, t)
                return True
            if kind == PH_PARK:
                self.end_slice(mp, t, "sleep")
                self.timesleep(mp, v, t)
                return True
            self.end_slice(mp, t, "syscall" if kind == PH_SYSCALL else "block")
            self.entersyscall(mp, v, t, block=kind == PH_BLOCK)
            return False

    def continue_g(self, t: int, arg) -> None:
        """mp's G goes on after a cost it paid (a spawn)."""
        mp, token = arg
        if token == mp.token and self.run_g(mp, t):
            self.schedule(mp, t)

    def burst_end(self, t: int, arg) -> None:
        """mp's G finished a compute phase."""
        mp, token = arg
        if token != mp.token:
            return
        g = mp.curg
        self.rec.span(mp.p.id, g, mp.run_start, t, SP_RUN)
        mp.run_start, self.rem[g] = -1, 0
        self.pc[g] += 1
        if self.run_g(mp, t):
            self.schedule(mp, t)

    def newproc(self, pp: P, parent: int, child: int, t: int) -> None:
        """`go`: the child goes to runnext (the old runnext to the ring), and wakep."""
        self.c["spawns"] += 1
        kicked = pp.runnext  # the G that runqputslow moves if the ring is full
        moved = runqput(pp, child, True, self.globq)
        if moved:
            self.c["slow"] += 1
            self.rec.event(t, pp.id, kicked, Ev.PUTSLOW, moved)
        self.rec.event(t, pp.id, child, Ev.GO, parent)
        self.wakep(t)

    def goschedImpl(self, mp: M, t: int) -> None:
        """Gosched or preemption: the G to the global queue and wakep (the caller schedules)."""
        g = mp.curg
        self.rec.event(t, mp.p.id, g, Ev.PARK, 0)
        mp.curg = -1
        self.globq.append(g)
        self.wakep(t)

    def preemptone(self, pp: P, t: int) -> int:
        """sysmon asks pp's G to stop: at once if it is computing, else at its next compute."""
        mp = pp.m
        g = mp.curg
        if g < 0 or mp.syscall_g >= 0:
            return 0
        if mp.run_start < 0:
            self.preempt[g] = True
            return 1
        self.rec.span(pp.id, g, mp.run_start, t, SP_RUN)
        self.rem[g] -= t - mp.run_start
        mp.run_start = -1
        mp.token += 1
        self.gopreempt(mp, t)
        self.schedule(mp, t)
        return 1

    def gopreempt(self, mp: M, t: int) -> None:
        """gopreempt_m: count the preemption, then goschedImpl."""
        g = mp.curg
        self.preempt[g] = False
        self.c["preempt" if g > 0 else "main_preempt"] += 1
        self.rec.event(t, mp.p.id, g, Ev.PREEMPT, self.rem[g])
        self.end_slice(mp, t, "preempted")
        self.goschedImpl(mp, t)

    def timesleep(self, mp: M, ns: int, t: int) -> None:
        """time.Sleep: a timer on this P and the G parks (the caller schedules)."""
        pp, g = mp.p, mp.curg
        heapq.heappush(pp.timers, (t + ns, next(self.seq), g))
        self.rec.event(t, pp.id, g, Ev.PARK, ns)
        mp.curg = -1
        self.wakeNetPoller(t + ns, t)

    # -- system calls ----------------------------------------------------------------------
    def entersyscall(self, mp: M, ns: int, t: int, block: bool) -> None:
        """The G blocks in the kernel with the P still on its M; entersyscallblock hands it off."""
        g, pp = mp.curg, mp.p
        mp.syscall_g, mp.sys_start = g, t
        self.rec.event(t, pp.id, g, Ev.SYSCALL, ns)
        self.at(t + ns + self.late_ns, self.exitsyscall, mp)  # a timed wait: the kernel's timer is late
        if block:
            self.takep_from_syscall(pp, t)
        self.sysmon_wake(t)

    def takep_from_syscall(self, pp: P, t: int) -> None:
        """retake (or entersyscallblock): the P leaves the M in the syscall, then handoffp."""
        mp = pp.m
        self.c["handoffs"] += 1
        self.rec.span(pp.id, mp.syscall_g, mp.sys_start, t, SP_SYSCALL)
        self.rec.event(t, pp.id, mp.syscall_g, Ev.RETAKE, t - mp.sys_start)
        mp.p, mp.oldp, pp.m = None, pp, None
        pp.syscalltick += 1
        self.handoffp(pp, t)

    def exitsyscall(self, t: int, mp: M) -> None:
        """Back from the kernel: keep the P (fast), take an idle one, or queue the G (NoP)."""
        g, pp = mp.syscall_g, mp.p
        mp.syscall_g = -1
        if pp is None:
            pp = self.pidleget()  # exitsyscallTryGetP: the old P was taken; any idle one
            if pp is not None:
                self.acquirep(mp, pp)
            self.sysmon_wake(t)
        else:
            self.rec.span(pp.id, g, mp.sys_start, t, SP_SYSCALL)
        if pp is None:  # exitsyscallNoP: the G to the global queue, the M to sleep
            self.rec.event(t, -1, g, Ev.EXITSYSCALL, 0)
            mp.curg = -1
            self.globq.append(g)
            self.stopm(mp)
            return
        pp.syscalltick += 1  # no execute: the G goes on in the P's current time slice
        self.rec.event(t, pp.id, g, Ev.EXITSYSCALL, 1)
        if self.start_slice(mp, t):
            self.schedule(mp, t)
