"""Questions of notebook 01 (address space): how many thread stacks fit, computed and by hand.

Each student's numbers (variant.py): q1 and q3 draw the thread stack size (and q1 the
guard); q3 draws five thread counts around the last count whose 32-bit layout still
fits (two that fit, two that do not, one either way, shuffled), so the pattern of True
and False differs between students.
"""

from __future__ import annotations

from ...address.layout import layout
from ...address.limits import threads_that_fit
from . import Case, Fail, Question, call, equal, need, need_int

TOPIC = "01-address-space"
MiB, KiB = 1 << 20, 1 << 10
STACKS = tuple(s * MiB for s in (2, 4, 8, 16))  # q3 stack sizes: 183 to 1467 threads fit in 32 bits
GUARDS = (4 * KiB, 16 * KiB, 64 * KiB)  # q1 guards: one page, a few pages, a 64 KiB region
SPREAD = range(-40, 25)  # q3 counts are drawn this far from the last count that fits


def _q1_params(rng) -> dict:
    return {"stack": int(rng.integers(4, 65)) * 256 * KiB, "guard": int(rng.choice(GUARDS))}


def _q1_exact(ns, p):
    if need_int(ns, "threads_32", 1, 10**6) != threads_that_fit(32, p["stack"], p["guard"]):
        raise Fail(f"`threads_32` is not the count threads_that_fit gives for {p['stack']} byte stacks "
                   f"and {p['guard']} byte guards")


def _thread_count_case(bits, stack, guard):
    def case(ns):
        equal(call(ns, "thread_count", bits, stack, guard), threads_that_fit(bits, stack, guard),
              f"thread_count({bits}, {stack}, {guard})")
    return Case(f"thread_count({bits}, {stack}, {guard})", case)


def _your_thread_count(ns, p):
    equal(call(ns, "thread_count", 32, p["stack"], p["guard"]), threads_that_fit(32, p["stack"], p["guard"]),
          f"thread_count(32, {p['stack']}, {p['guard']})")


def _last_fit(stack: int) -> int:
    lo, hi = 0, user_threads_bound(stack)
    while lo < hi:  # layout(...).fits is monotone in the count: bisect for the last True
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if layout(32, threads=mid, thread_stack=stack).fits else (lo, mid - 1)
    return lo


def user_threads_bound(stack: int) -> int:
    """An upper bound on the 32-bit thread count for `stack` (the plain division of q1)."""
    return threads_that_fit(32, stack, 4096)


def _q3_params(rng) -> dict:
    stack = int(rng.choice(STACKS))
    edge = _last_fit(stack)
    fit = [int(d) for d in rng.choice([d for d in SPREAD if d <= 0], 2, replace=False)]
    miss = [int(d) for d in rng.choice([d for d in SPREAD if d > 0], 2, replace=False)]
    extra = int(rng.choice([d for d in SPREAD if d not in fit + miss]))
    offsets = [fit[0], fit[1], miss[0], miss[1], extra]
    order = rng.permutation(len(offsets))  # in no particular order: the pattern is the student's own
    return {"stack": stack, "guard": 4096, "counts": tuple(edge + offsets[i] for i in order)}


def _predicted(ns, p):
    value = need(ns, "fits")
    if not isinstance(value, tuple | list) or len(value) != len(p["counts"]):
        raise Fail(f"`fits` should be a tuple of {len(p['counts'])} booleans, one per thread count")
    if not all(isinstance(b, bool) for b in value):
        raise Fail("every entry of `fits` should be True or False")
    return tuple(value)


def _q3_exact(ns, p):
    want = tuple(layout(32, threads=n, thread_stack=p["stack"]).fits for n in p["counts"])
    got = _predicted(ns, p)
    wrong = [n for n, g, w in zip(p["counts"], got, want) if g != w]
    if wrong:
        raise Fail(f"the prediction is wrong for {wrong} threads")


QUESTIONS = (
    Question("q1", "compute", 1, "Thread stacks that fit in a 32-bit address space", ("threads_32",),
             cases=(Case("threads_32 is a plausible count",
                         lambda ns: need_int(ns, "threads_32", 1, 10**6)),),
             hidden=(Case("threads_32 matches the engine", _q1_exact),),
             hints=("A 32-bit process has 3 GiB of user space on x86 Linux.",
                    "Each thread reserves its stack plus one guard region: {stack} + {guard} bytes.",
                    "The `address` module has a function that counts threads by address space alone; "
                    "give it the bits, the stack size and the guard size."),
             defaults={"stack": 8 * MiB, "guard": 4 * KiB}, params=_q1_params),
    Question("q2", "implement", 2, "thread_count(bits, stack, guard)", ("thread_count",),
             cases=(_thread_count_case(32, 1 * MiB, 4 * KiB), _thread_count_case(64, 8 * MiB, 4 * KiB)),
             hidden=(_thread_count_case(32, 64 * KiB, 0), _thread_count_case(64, 2 * MiB, 64 * KiB),
                     _thread_count_case(32, 8 * MiB + 4096, 4096),
                     Case("thread_count on your own numbers", _your_thread_count)),
             hints=("Only the address space limits the count here: no RLIMIT, no max_map_count.",
                    "address.user_top(bits) is where user space ends.",
                    "Work out how many bytes one thread reserves, then how many whole such blocks "
                    "fit below the end of user space."),
             defaults={"stack": 8 * MiB, "guard": 4 * KiB}, params=_q1_params),
    Question("q3", "predict", 1, "Which 32-bit layouts fit", ("fits",),
             cases=(Case("fits is a tuple of booleans, one per count", _predicted),),
             hidden=(Case("fits matches address.layout", _q3_exact),),
             hints=("The layout also holds text, data, heap, libraries and the main stack.",
                    "So fewer threads fit than the plain division of q1 promises.",
                    "Find the largest count whose layout still fits (try a few counts near the plain "
                    "division), then compare each of your counts with it."),
             defaults={"stack": 8 * MiB, "guard": 4 * KiB, "counts": (250, 350, 383)}, params=_q3_params,
             model='[address.layout(32, threads=n, thread_stack=p["stack"]).fits for n in p["counts"]]'
                   '  # p = task("q3")'),
    Question("q4", "explain", 1, "Why 64-bit address space alone does not make threads cheap"),
)
