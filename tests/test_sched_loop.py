"""The event loop all three models share (sched/loop.py): order, the stuck-run check, early end."""

import pytest

from gostack_kit.sched.gmp import Sched
from gostack_kit.sched.loop import Loop
from gostack_kit.sched.record import Counts, Recorder
from gostack_kit.sched.rivals import NToOne, OneToOne


class Toy(Loop):
    """n Gs; each event logs (t, name) and may exit its G."""

    def __init__(self, n):
        self.loop_init(n, Recorder(1, 100, 100, 16))
        self.log, self.woken = [], []

    def queue_lengths(self):
        return 0, [0]

    def note(self, t, arg):
        name, g = arg
        self.log.append((t, name))
        if g >= 0:
            self.done[g] = t
            self.live -= 1

    def daemon(self, t, arg):
        self.woken.append(t)
        self.at_daemon(t + 10, arg)  # a daemon that never stops sleeping and waking


def test_every_model_runs_on_the_one_loop():
    for cls in (Sched, OneToOne, NToOne):
        assert issubclass(cls, Loop)
        assert cls.run is Loop.run and cls.at is Loop.at and cls.counts is Loop.counts


def test_events_run_in_time_order_and_same_time_events_in_scheduling_order():
    toy = Toy(1)
    toy.at(5, toy.note, ("b", -1))
    toy.at(3, toy.note, ("a", -1))
    toy.at(5, toy.note, ("c", -1))
    toy.at(7, toy.note, ("exit", 0))
    toy.at(9, toy.note, ("after the last exit", -1))
    toy.run()
    assert toy.log == [(3, "a"), (5, "b"), (5, "c"), (7, "exit")]
    assert toy.done == [7]


def test_daemon_events_alone_do_not_keep_a_stuck_run_alive():
    toy = Toy(2)
    toy.at_daemon(1, None)
    toy.at(4, toy.note, ("exit G0", 0))
    with pytest.raises(RuntimeError, match="G1 can never finish"):
        toy.run()
    assert toy.woken == [1] and toy.log == [(4, "exit G0")]


def test_live_zero_ends_the_run_with_events_left():
    toy = Toy(1)
    toy.at(2, lambda t, _: setattr(toy, "live", 0), None)
    toy.at(3, toy.note, ("never", 0))
    toy.run()
    assert toy.log == [] and len(toy.heap) == 1 and toy.done == [-1]


def test_counts_follow_counts_field_order():
    toy = Toy(1)
    toy.c.update(sw=1, steals=2, stolen=3, gtakes=4, slow=5, handoffs=6, preempt=7, spawns=8,
                 wakeups=9, main_preempt=10)
    assert toy.counts() == Counts(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
