"""Questions of notebook 03 (M:N scheduling): runnext, stealing, the global queue, sysmon.

Each student's numbers (variant.py) feed the G/M/P model (sched.gmp), which computes every
expected answer; nothing below is a hard-coded result. q1 draws a fan-out on one P (how many
children, main's and each child's compute time), so the finish times follow runnext and the
ring's FIFO order. q2 adds a steal case on the student's own victim queue. q3 draws three
(global queue, GOMAXPROCS) pairs: a short queue, a mid-sized one, a long one. q5 draws the
fairness trap's length and phase times: fewer than 61 links and G1 runs when the ring runs
dry, more and only the schedtick % 61 check lets it in. q6 draws when main enters a
syscall, how long it lasts, and a hog's length: the hand-off comes on sysmon's second look
after the syscall starts (the first only writes P0's syscalltick down: sysmon's note of it is
stale at zero, gmp.SYSCALLS_UNSEEN_AT_ZERO), and it resets sysmon's back-off, which decides
when the hog, running in main's inherited slice, is first preempted.
"""

from __future__ import annotations

from functools import lru_cache

from ...labs.sched import fairness_chain
from ...sched.gmp import global_batch, simulate, steal_count
from ...sched.record import Costs, Ev
from ...sched.workload import Workload
from . import Case, Fail, Question, call, equal, need

TOPIC = "03-mn-scheduling"
US = 1000  # the model works in ns; the questions speak in whole microseconds
FAN = {"children": 3, "main_us": 1, "child_us": (1, 1, 1)}  # notebook 03 section 3's fan-out
BATCHES = ((10, 2), (300, 4), (1, 8))  # today's (global queue length, GOMAXPROCS) pairs of q3
CHAIN = {"links": 100, "link_us": 1, "helper_us": 1}  # notebook 03 section 4's trap
HOG = {"main_us": 1000, "syscall_us": 5000, "hog_us": 30000}  # q6: G0 runs, then a syscall


def _fan_rows(p) -> list:
    n = p["children"]
    return ([[*(("go", g) for g in range(1, n + 1)), ("compute", p["main_us"])]]
            + [[("compute", us)] for us in p["child_us"]])


@lru_cache(maxsize=256)
def _run(kind: str, key: tuple):
    p = dict(key)
    if kind == "fan":
        work = Workload.from_phases(_fan_rows(p))
    elif kind == "chain":
        work = fairness_chain(p["links"], link_us=p["link_us"], helper_us=p["helper_us"])
    else:
        work = Workload.from_phases(_hog_rows(p))
    return simulate(work, gomaxprocs=1, costs=Costs.zero(), event_cap=100_000)


def _model(kind, p):
    keys = {"fan": FAN, "chain": CHAIN, "hog": HOG}[kind]
    return _run(kind, tuple((k, p[k]) for k in keys))


# ---- q1: runnext first, then the ring in order ----------------------------------------------

def _q1_params(rng) -> dict:
    n = int(rng.integers(3, 7))
    return {"children": n, "main_us": int(rng.integers(10, 501)),
            "child_us": tuple(int(v) for v in rng.integers(5, 401, n))}


def _finish(ns, p):
    value = need(ns, "finish_us")
    n = p["children"]
    if not (isinstance(value, list | tuple) and len(value) == n and all(type(v) is int for v in value)):
        raise Fail(f"`finish_us` should be a list of {n} ints: when G1..G{n} exit, in us")
    return list(value)


def q1_answer(p) -> list:
    """The model's finish times (us) of G1..Gn for q1's numbers."""
    return [int(t) // US for t in _model("fan", p).completion_ns[1:]]


def _q1_exact(ns, p):
    got, want = _finish(ns, p), q1_answer(p)
    wrong = [f"G{g}" for g, (a, b) in enumerate(zip(got, want), 1) if a != b]
    if wrong:
        raise Fail(f"the finish times of {', '.join(wrong)} are wrong")


# ---- q2: runqgrab takes half, rounded up ------------------------------------------------------

def _steal_check(ns, victim):
    got = call(ns, "steal", list(victim))
    if not (isinstance(got, tuple) and len(got) == 2):
        raise Fail("steal should return a pair (stolen, left)")
    k = steal_count(len(victim))
    shown = list(victim) if len(victim) < 8 else f"[{len(victim)} Gs]"
    equal((list(got[0]), list(got[1])), (list(victim[:k]), list(victim[k:])), f"steal({shown})")


def _steal_case(victim):
    shown = list(victim) if len(victim) < 8 else f"[{len(victim)} Gs]"
    return Case(f"steal({shown})", lambda ns: _steal_check(ns, victim))


def _q2_params(rng) -> dict:
    n = int(rng.integers(2, 41))
    return {"victim": sorted(int(g) for g in rng.choice(range(1, 500), n, replace=False))}


def _your_steal(ns, p):
    _steal_check(ns, p["victim"])


# ---- q3: globrunqgetbatch ---------------------------------------------------------------------

def _q3_params(rng) -> dict:
    short = (int(rng.integers(1, 13)), int(rng.choice((1, 2, 4, 8))))  # the queue's size binds
    mid = (int(rng.integers(20, 601)), int(rng.integers(2, 17)))  # the fair share binds
    long = (int(rng.integers(300, 5001)), int(rng.integers(1, 4)))  # half a ring (128) binds
    return {"pairs": (short, mid, long)}


def _batches(ns, p):
    value = need(ns, "batches")
    n = len(p["pairs"])
    if not (isinstance(value, list | tuple) and len(value) == n and all(type(v) is int for v in value)):
        raise Fail(f"`batches` should be a list of {n} ints, one per (queue, GOMAXPROCS) pair")
    return list(value)


def _q3_exact(ns, p):
    got = _batches(ns, p)
    wrong = [tuple(pair) for pair, g in zip(p["pairs"], got) if g != global_batch(*pair)]
    if wrong:
        raise Fail(f"the prediction is wrong for (queue, GOMAXPROCS) = {wrong}")


# ---- q5: the schedtick % 61 check -------------------------------------------------------------

def _q5_params(rng) -> dict:
    return {"links": int(rng.integers(30, 121)), "link_us": int(rng.integers(1, 10)),
            "helper_us": int(rng.integers(1, 10))}


def q5_answer(p) -> int:
    """The model's time (us) at which G1 runs again after its Gosched, for q5's numbers."""
    return next(e.t for e in _model("chain", p).events if e.g == 1 and e.ev == Ev.GLOBAL) // US


def _g1_back(ns):
    value = need(ns, "g1_runs_us")
    if type(value) is not int or value < 0:
        raise Fail(f"`g1_runs_us` should be a time in whole us (an int >= 0); got {value!r}")
    return value


def _q5_exact(ns, p):
    if _g1_back(ns) != q5_answer(p):
        raise Fail("`g1_runs_us` is not when the model takes G1 from the global queue")


# ---- q6: a syscall hand-off resets sysmon's back-off; a slice lasts until a late enough look ----

def _hog_rows(p) -> list:
    return [[("go", 1), ("compute", p["main_us"]), ("syscall", p["syscall_us"]), ("compute", 50)],
            [("compute", p["hog_us"])]]


def _q6_params(rng) -> dict:
    return {"main_us": int(rng.integers(100, 4001)), "syscall_us": int(rng.integers(3000, 8001)),
            "hog_us": int(rng.integers(20, 41)) * 1000}


def q6_answer(p) -> dict:
    """The model's hand-off time and G1's first preemption (us) for q6's numbers."""
    r = _model("hog", p)
    handoff = r.events_of(Ev.RETAKE)[0].t
    preempt = next(e.t for e in r.events_of(Ev.PREEMPT) if e.g == 1)
    return {"handoff_us": handoff // US, "preempt_us": preempt // US}


def _times(ns):
    for name in ("handoff_us", "preempt_us"):
        value = need(ns, name)
        if type(value) is not int or value < 0:
            raise Fail(f"`{name}` should be a time in whole us (an int >= 0); got {value!r}")


def _q6_handoff(ns, p):
    _times(ns)
    if ns["handoff_us"] != q6_answer(p)["handoff_us"]:
        raise Fail("`handoff_us` is not when sysmon's retake takes P0 in the model")


def _q6_preempt(ns, p):
    _times(ns)
    if ns["preempt_us"] != q6_answer(p)["preempt_us"]:
        raise Fail("`preempt_us` is not when the model first preempts G1")


QUESTIONS = (
    Question("q1", "predict", 1, "When each child of a fan-out finishes on one P", ("finish_us",),
             cases=(Case("finish_us is a list of ints, one per child", _finish),),
             hidden=(Case("finish_us matches the model", _q1_exact),),
             hints=("main runs first and computes {main_us} us after its {children} `go` statements.",
                    "Only the last child started sits in runnext; the others wait in the ring, "
                    "oldest first.",
                    "Switches are free: each child ends when the one before it ends plus its own "
                    "compute time (child_us is G1's first)."),
             defaults=dict(FAN), params=_q1_params,
             model="[int(t) // 1000 for t in simulate(Workload.from_phases(fan_rows(p)), gomaxprocs=1, "
                   "costs=Costs.zero()).completion_ns[1:]]  # p = task('q1')"),
    Question("q2", "implement", 2, "steal(victim) -> (stolen, left)", ("steal",),
             cases=(_steal_case([1, 2, 3, 4]), _steal_case([1, 2, 3, 4, 5])),
             hidden=(_steal_case([]), _steal_case([7]), _steal_case(list(range(256))),
                     Case("steal on your own numbers", _your_steal)),
             hints=("The thief takes from the head of the victim's run queue (the oldest Gs).",
                    "runqgrab takes half, rounded up.",
                    "Slice the list at the number of Gs taken: the stolen part first, then what is left."),
             defaults={"victim": [3, 5, 8, 13, 21]}, params=_q2_params),
    Question("q3", "predict", 1, "How many Gs an idle P takes from the global queue", ("batches",),
             cases=(Case("batches is a list of three ints", _batches),),
             hidden=(Case("batches match globrunqgetbatch", _q3_exact),),
             hints=("An idle P takes its fair share of the global queue, plus one.",
                    "But never more than the queue holds, and never more than half a local ring.",
                    "Apply notebook 03's rule (section 4) to each of {pairs}: three minimums."),
             defaults={"pairs": BATCHES}, params=_q3_params,
             model="[global_batch(size, procs) for size, procs in p['pairs']]  # p = task('q3')"),
    Question("q4", "explain", 1, "Why a blocked syscall hands its P to another thread"),
    Question("q5", "predict", 2, "When the fairness check lets a Gosched'ed goroutine run", ("g1_runs_us",),
             cases=(Case("g1_runs_us is a time in us", _g1_back),),
             hidden=(Case("g1_runs_us matches the model", _q5_exact),),
             hints=("Each link and its helper make one schedtick of {link_us} + {helper_us} us: "
                    "the helper comes from runnext and keeps the link's tick.",
                    "G1 runs once, after L1 and its helper, and its Gosched puts it on the global "
                    "queue; the ring is never empty while the chain lasts, so only findRunnable's "
                    "schedtick % 61 check can take G1 earlier.",
                    "Compare {links} links with the tick at which that check first fires, and count "
                    "the microseconds up to whichever comes first."),
             defaults=dict(CHAIN), params=_q5_params,
             model="simulate(lab.fairness_chain(p['links'], link_us=p['link_us'], helper_us=p['helper_us']), "
                   "gomaxprocs=1, costs=Costs.zero(), event_cap=100_000)  # then G1's GLOBAL event"),
    Question("q6", "compute", 2, "When sysmon hands off a syscall's P, and when it preempts the hog",
             ("handoff_us", "preempt_us"),
             cases=(Case("handoff_us and preempt_us are times in us", _times),),
             hidden=(Case("handoff_us matches the model", _q6_handoff),
                     Case("preempt_us matches the model", _q6_preempt)),
             hints=("Build the two goroutines of the question from your numbers with "
                    "Workload.from_phases and simulate them on one P with Costs.zero().",
                    "The hand-off is the RETAKE event in the run's event log; G1's first preemption "
                    "is its first PREEMPT event. Times in the log are ns: divide by 1000.",
                    "Why then: sysmon's first look after main enters the syscall finds a syscalltick "
                    "it has not seen and only writes it down; the next look takes the P. That hand-off "
                    "resets the back-off, and G1, taken from runnext, runs in main's slice."),
             defaults=dict(HOG), params=_q6_params),
)


def fan_rows(p) -> list:
    """q1's workload rows (main, then each child) for numbers `p`, as Workload.from_phases takes them."""
    return _fan_rows(p)
