"""Questions of notebook 01 (address space): how many thread stacks fit, computed and by hand."""

from __future__ import annotations

from ...address.layout import layout
from ...address.limits import threads_that_fit
from . import Case, Fail, Question, call, equal, need, need_int

TOPIC = "01-address-space"
MiB, KiB = 1 << 20, 1 << 10
PREDICT_COUNTS = (250, 350, 383)  # thread counts whose 32-bit layouts the student predicts


def _q1_exact(ns):
    if need_int(ns, "threads_32", 1, 10**6) != threads_that_fit(32, 8 * MiB, 4 * KiB):
        raise Fail("`threads_32` is not the count threads_that_fit gives for 8 MiB stacks + 4 KiB guards")


def _thread_count_case(bits, stack, guard):
    def case(ns):
        equal(call(ns, "thread_count", bits, stack, guard), threads_that_fit(bits, stack, guard),
              f"thread_count({bits}, {stack}, {guard})")
    return Case(f"thread_count({bits}, {stack}, {guard})", case)


def _predicted(ns):
    value = need(ns, "fits")
    if not isinstance(value, tuple | list) or len(value) != len(PREDICT_COUNTS):
        raise Fail(f"`fits` should be a tuple of {len(PREDICT_COUNTS)} booleans, one per thread count")
    if not all(isinstance(b, bool) for b in value):
        raise Fail("every entry of `fits` should be True or False")
    return tuple(value)


def _q3_exact(ns):
    want = tuple(layout(32, threads=n).fits for n in PREDICT_COUNTS)
    got = _predicted(ns)
    wrong = [n for n, g, w in zip(PREDICT_COUNTS, got, want) if g != w]
    if wrong:
        raise Fail(f"the prediction is wrong for {wrong} threads")


QUESTIONS = (
    Question("q1", "compute", 1, "Thread stacks that fit in a 32-bit address space", ("threads_32",),
             cases=(Case("threads_32 is a plausible count",
                         lambda ns: need_int(ns, "threads_32", 1, 10**6)),),
             hidden=(Case("threads_32 matches the engine", _q1_exact),),
             hints=("A 32-bit process has 3 GiB of user space on x86 Linux.",
                    "Each thread reserves its stack plus one guard region: 8 MiB + 4 KiB.",
                    "Call gostack_kit.address.limits.threads_that_fit(32, 8 << 20, 4096).")),
    Question("q2", "implement", 2, "thread_count(bits, stack, guard)", ("thread_count",),
             cases=(_thread_count_case(32, 1 * MiB, 4 * KiB), _thread_count_case(64, 8 * MiB, 4 * KiB)),
             hidden=(_thread_count_case(32, 64 * KiB, 0), _thread_count_case(64, 2 * MiB, 64 * KiB),
                     _thread_count_case(32, 8 * MiB + 4096, 4096)),
             hints=("Only the address space limits the count here: no RLIMIT, no max_map_count.",
                    "gostack_kit.address.layout.user_top(bits) is where user space ends.",
                    "Integer-divide the user space by the bytes one thread reserves (stack + guard).")),
    Question("q3", "predict", 1, "Which 32-bit layouts fit", ("fits",),
             cases=(Case("fits is a tuple of three booleans", _predicted),),
             hidden=(Case("fits matches address.layout", _q3_exact),),
             hints=("The layout also holds text, data, heap, libraries and the main stack.",
                    "So fewer threads fit than the plain division of q1 promises.",
                    "Look at address.layout(32, threads=n).fits for n near the q1 answer.")),
    Question("q4", "explain", 1, "Why 64-bit address space alone does not make threads cheap"),
)
