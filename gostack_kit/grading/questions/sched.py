"""Questions of notebook 03 (M:N scheduling): stack memory, work stealing and the global queue."""

from __future__ import annotations

from ...sched.gmp import global_batch, steal_count
from ...sched.record import Model, stack_memory
from . import Case, Fail, Question, call, equal, need

TOPIC = "03-mn-scheduling"
N_GOROUTINES = 10_000  # the q1 program: this many goroutines, GOMAXPROCS=2
BATCHES = ((10, 2), (300, 4), (1, 8))  # (global queue length, GOMAXPROCS) pairs q3 predicts


def _q1_value(ns):
    value = need(ns, "saved_bytes")
    if type(value) is not int or value <= 0:
        raise Fail("`saved_bytes` should be a positive int: 1:1 bytes minus M:N bytes")
    return value


def _q1_exact(ns):
    want = (stack_memory(N_GOROUTINES, Model.ONE_TO_ONE).total_bytes
            - stack_memory(N_GOROUTINES, Model.MN).total_bytes)
    if _q1_value(ns) != want:
        raise Fail("`saved_bytes` differs from stack_memory(10_000, ...) 1:1 minus M:N")


def _steal_case(victim):
    def case(ns):
        got = call(ns, "steal", list(victim))
        if not (isinstance(got, tuple) and len(got) == 2):
            raise Fail("steal should return a pair (stolen, left)")
        k = steal_count(len(victim))
        equal((list(got[0]), list(got[1])), (list(victim[:k]), list(victim[k:])),
              f"steal({list(victim)})")
    shown = list(victim) if len(victim) < 8 else f"[{len(victim)} Gs]"
    return Case(f"steal({shown})", case)


def _batches(ns):
    value = need(ns, "batches")
    if not (isinstance(value, list | tuple) and len(value) == len(BATCHES)
            and all(type(v) is int for v in value)):
        raise Fail(f"`batches` should be a list of {len(BATCHES)} ints, one per (queue, GOMAXPROCS) pair")
    return list(value)


def _q3_exact(ns):
    got = _batches(ns)
    wrong = [pair for pair, g in zip(BATCHES, got) if g != global_batch(*pair)]
    if wrong:
        raise Fail(f"the prediction is wrong for (queue, GOMAXPROCS) = {wrong}")


QUESTIONS = (
    Question("q1", "compute", 1, "Stack bytes M:N saves over 1:1 for 10,000 goroutines", ("saved_bytes",),
             cases=(Case("saved_bytes is a positive int", _q1_value),),
             hidden=(Case("saved_bytes matches stack_memory", _q1_exact),),
             hints=("Under 1:1 every goroutine is a thread with an 8 MiB stack and a guard page.",
                    "Under M:N the goroutines get small stacks and only GOMAXPROCS threads exist.",
                    "Notebook 03's memory section prices both models with stack_memory; "
                    "compare the two records' total bytes.")),
    Question("q2", "implement", 2, "steal(victim) -> (stolen, left)", ("steal",),
             cases=(_steal_case([1, 2, 3, 4]), _steal_case([1, 2, 3, 4, 5])),
             hidden=(_steal_case([]), _steal_case([7]), _steal_case(list(range(256)))),
             hints=("The thief takes from the head of the victim's run queue (the oldest Gs).",
                    "runqgrab takes half, rounded up: n - n // 2.",
                    "Slice the list at the number of Gs taken: the stolen part first, then what is left.")),
    Question("q3", "predict", 1, "How many Gs an idle P takes from the global queue", ("batches",),
             cases=(Case("batches is a list of three ints", _batches),),
             hidden=(Case("batches match globrunqgetbatch", _q3_exact),),
             hints=("An idle P takes its fair share of the global queue, plus one.",
                    "But never more than the queue holds, and never more than half a local ring (128).",
                    "Notebook 03's section 4 shows globrunqgetbatch's rule and a table of it; "
                    "apply it to each pair.")),
    Question("q4", "explain", 1, "Why a blocked syscall hands its P to another thread"),
)
