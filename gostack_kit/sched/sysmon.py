"""sysmon: the runtime's watchdog thread, with its back-off, and retake, which preempts and hands off.

sysmon runs on its own M without a P. It sleeps, looks at every P, and sleeps again
(`runtime/proc.go`, sysmon and retake):

    delay: 20 us while retake keeps taking Ps from syscalls (idle == 0)
           after 50 looks that took nothing, doubled each look, up to 10 ms
    look:  retake(now)
           P running on the schedtick it had at the last look, and that look >= 10 ms ago
               -> preemptone: the G is preempted (to the global queue, goschedImpl)
           P whose G is in a syscall, seen in that same syscall on an earlier look
               -> skip if its run queue is empty, some P is idle or spinning, and the
                  syscall is younger than 10 ms; else take the P (handoffp)
           return the number of Ps taken: only that resets idle, so preemptions do not
    all Ps idle: sleep until the next timer; an entersyscall or exitsyscall wakes it
           early and resets the back-off, a timer does not

So a time slice is not a flat 10 ms: a G is preempted on the first look at least 10 ms
after the look that first saw its schedtick, and once sysmon has backed off, looks are
10 ms apart, so steady slices last about 20 ms.

Invariants: sysmon never holds a P; retake looks at each P once per wake-up, in P order;
a look changes only sysmontick notes, the preempted G and the taken Ps.

Two values are measured rather than read from the source: how long each sleep really lasts
(SLEEP_NS) and where sysmon's idle count stands when the workload starts
(SYSMON_IDLE_AT_START), both from sysmon's own log (realgo.sysmon_probe, a build overlay).
So the fast looks come every 88 us, the back-off begins about 4.3 ms in, and the first
preemption of a G that started at time zero comes at 15.0 ms: the look at 9.8 ms is under
10 ms after the first look's note. Rejected alternative: a
preemption timer per G firing at 10 ms. It is simpler, and it is what the runtime does not
do; notebook 03 shows the difference against real traces.
"""

from __future__ import annotations

from typing import NamedTuple

from .runq import P_RUNNING

__all__ = ["SysmonLook", "Sysmon", "FORCE_PREEMPT_NS", "sysmon_delay_us", "sysmon_sleep_ns"]

FORCE_PREEMPT_NS = 10_000_000  # proc.go forcePreemptNS: the time slice sysmon enforces
SYSMON_MIN_US = 20  # sysmon: "start with 20us sleep..."
SYSMON_MAX_US = 10_000  # sysmon: "up to 10ms"
SYSMON_IDLE_LOOKS = 50  # sysmon: doubling starts when idle > 50, i.e. after ~1 ms of looks
SYSCALL_RETAKE_NS = 10_000_000  # retake: a syscall older than 10 ms loses its P even with idle Ps
# MEASURED (go1.27.3, realgo.sysmon_probe: sysmon's own look times, logged through a build
# overlay; data/sysmon_probe.json, hog-60, 20 runs on the kit's idle 2-core VM): how long each
# usleep(delay) really lasted, from one look to the end of the next sleep, median per delay.
# usleep is nanosleep(2), which the kernel may end up to the thread's timer slack late (50 us
# for every thread: init/init_task.c, init_task.timer_slack_ns), and the thread then has to be
# woken and scheduled: 68 us beyond the delay for short sleeps, 79 us at 10 ms.
SLEEP_NS = {20: 87_741, 40: 107_641, 80: 147_835, 160: 228_171, 320: 388_399, 640: 708_652,
            1280: 1_349_067, 2560: 2_631_600, 5120: 5_193_280, 10_000: 10_078_828}
# MEASURED the same way: sysmon's idle count at its first look after time zero (median 3,
# 2-6 in the 20 runs): trace.Start's stop-the-world reset it ~20 ms earlier, and the deep
# sleep that followed ended on a timer, which does not reset it.
SYSMON_IDLE_AT_START = 3
DEEP_SLEEP_NS = 60_000_000_000  # sysmon: forcegcperiod/2 (2 minutes / 2) when no timer is due


class SysmonLook(NamedTuple):
    """One sysmon wake-up: when, the sleep before it, its idle count after, what retake did."""

    t_ns: int
    delay_ns: int  # how long sysmon slept before this look (sysmon_sleep_ns of its usleep)
    idle: int  # sysmon's count of looks in a row that took no P, after this look
    handoffs: int  # Ps this look took from syscalls (retake's result)
    preempted: int  # Gs this look asked to stop


def sysmon_delay_us(idle: int, delay_us: int) -> int:
    """sysmon's next usleep argument (us) given its idle count and its last one."""
    if idle == 0:
        delay_us = SYSMON_MIN_US
    elif idle > SYSMON_IDLE_LOOKS:
        delay_us *= 2
    return min(delay_us, SYSMON_MAX_US)


def sysmon_sleep_ns(delay_us: int) -> int:
    """How long usleep(delay_us) lasts on Linux: the measured median (SLEEP_NS) of one of sysmon's delays."""
    try:
        return SLEEP_NS[delay_us]
    except KeyError:
        raise ValueError(f"delay_us must be one of sysmon's delays {sorted(SLEEP_NS)}; "
                         f"got {delay_us!r}") from None


class Sysmon:
    """The sysmon half of the G/M/P model; mixed into gmp.Sched, whose state it reads."""

    def sysmon_init(self, t: int) -> None:
        """Start sysmon as the probe leaves it: backed off to its threshold, about to sleep."""
        self.sysmon_idle, self.sysmon_delay_us = SYSMON_IDLE_AT_START, SYSMON_MIN_US
        self.sysmonwait, self.sysmon_token = False, 0
        self.sysmon_looks = []
        self.sysmon_sleep(t)

    def sysmon_sleep(self, t: int) -> None:
        """Choose the next delay from the back-off rule and schedule the next look."""
        self.sysmon_delay_us = sysmon_delay_us(self.sysmon_idle, self.sysmon_delay_us)
        self.sysmon_token += 1
        self.sysmon_slept_from = t
        self.at_sysmon(t + sysmon_sleep_ns(self.sysmon_delay_us), self.sysmon_token)

    def sysmon(self, t: int, token: int) -> None:
        """One trip round sysmon's loop: deep sleep if every P is idle, else retake."""
        if token != self.sysmon_token:
            return  # woken early by a syscall; this wake-up was cancelled
        if self.npidle == self.gomaxprocs and not self.sysmonwait:
            self.sysmonwait = True  # notetsleep until the next timer (never reset by one)
            nxt = self.next_timer()
            self.sysmon_token += 1
            # notetsleep is a futex wait with a timeout: a kernel timer, so late like the rest
            until = t + DEEP_SLEEP_NS if nxt is None else max(nxt, t) + self.late_ns
            self.at_sysmon(until, self.sysmon_token)
            return
        self.sysmonwait = False
        self.sysmon_look(t)

    def sysmon_wake(self, t: int) -> None:
        """entersyscall/exitsyscall found sysmon in deep sleep: wake it, back-off reset."""
        if not self.sysmonwait:
            return
        self.sysmonwait = False
        self.sysmon_idle, self.sysmon_delay_us = 0, SYSMON_MIN_US
        self.sysmon_token += 1
        self.sysmon_look(t)

    def sysmon_look(self, t: int) -> None:
        """retake at t, then count an idle look unless a P was taken, then sleep again."""
        n, preempted = self.retake(t)
        self.sysmon_idle = 0 if n else self.sysmon_idle + 1
        if len(self.sysmon_looks) < self.event_cap:
            self.sysmon_looks.append(SysmonLook(t, t - self.sysmon_slept_from,
                                                self.sysmon_idle, n, preempted))
        self.sysmon_sleep(t)

    def retake(self, now: int) -> tuple[int, int]:
        """Preempt long-running Gs and take Ps from long syscalls; (Ps taken, Gs preempted)."""
        n = preempted = 0
        for pp in self.allp:
            if pp.status != P_RUNNING:
                continue
            sysretake = False
            if pp.seen_schedtick != pp.schedtick:
                pp.seen_schedtick, pp.schedwhen = pp.schedtick, now
            elif pp.schedwhen + FORCE_PREEMPT_NS <= now:
                preempted += self.preemptone(pp, now)
                sysretake = True  # a G in a syscall cannot be preempted: take its P instead
            mp = pp.m
            if mp is None or mp.syscall_g < 0:
                continue
            if not sysretake and pp.seen_syscalltick != pp.syscalltick:
                pp.seen_syscalltick, pp.syscallwhen = pp.syscalltick, now
                continue
            if (pp.runqempty() and self.nmspinning + self.npidle > 0
                    and pp.syscallwhen + SYSCALL_RETAKE_NS > now):
                continue
            self.takep_from_syscall(pp, now)
            n += 1
        return n, preempted
