"""Every number in a stored notebook's prose is printed by one of its cells, recomputed here, or exempt.

nbval compares a cell's output with the stored one, but not the markdown around it: a sentence
that says "1973 calls" can drift from the cell that prints 1973.  This test reads each stored
notebook's markdown (inline code removed, since that is Go or Python source, not a claim) and
looks every number up in three places, in order:

1. the text outputs of the same notebook's code cells (or, for a number the prose says comes
   from another notebook, that notebook's outputs: ``FROM_NOTEBOOK``);
2. ``CHECKED``: numbers the prose derives by arithmetic, each recomputed here from its inputs, and
   ``MODEL``: numbers the prose reads off a figure, recomputed from the model that drew it;
3. the exemptions: a few patterns that are references rather than measurements (notebook and
   section numbers, Go releases, Go issue and CL numbers, a citation's year), and ``ALLOWED``,
   a small per-notebook list with the reason each entry is not a measurement.

The lists are keyed by the number, not by its place: a number exempt or recomputed once in a
notebook is accepted everywhere in that notebook's prose.
"""

import json
import re
from pathlib import Path

import pytest

from gostack_kit.realgo import netpoll_probe
from gostack_kit.sched import Costs

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ["01", "02", "03", "04", "05", "06"]

# 1,973 / 1973 / 0.3 / 16.8: digits with thousands commas or one decimal part, not inside a word.
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?!\w)")
# References, not measurements: each pattern names what it exempts.
EXEMPT_PATTERNS = [
    re.compile(r"^# (\d\d) ·"),  # the notebook's own number in its title
    re.compile(r"[Nn]otebooks? (\d\d)"),  # "notebook 04"
    re.compile(r"[Nn]otebooks \d\d and (\d\d)"),  # "notebooks 04 and 05"
    re.compile(r"Go (1\.\d+)"),  # a Go release
    re.compile(r"\b(1\.\d+) (?:to|and) 1\.\d+"),  # "1.19 to 1.23", "1.3 and 1.4"
    re.compile(r"\b1\.\d+ (?:to|and) (1\.\d+)"),
    re.compile(r"\b(1\.\d+)\.\d+\b"),  # a release's full number: "1.21.13"
    re.compile(r"issue #(\d+)"),  # a Go issue number
    re.compile(r"golang/go#(\d+)"),
    re.compile(r"CL (\d+)"),  # a Go change list
    re.compile(r", (\d{4})\)"),  # a citation's year: "(Qualys, 2017)"
]
# A number the prose attributes to another notebook must be in that notebook's outputs.
FROM_NOTEBOOK = {"05": {"1973": "04"}}
# Numbers derived in the prose by arithmetic, recomputed from their inputs.
KiB, MiB, GiB, TiB = 2**10, 2**20, 2**30, 2**40
CHECKED = {
    "01": {
        "8392704": 8 * MiB + 4 * KiB,  # an 8 MiB stack plus a 4 KiB guard
        "44000": round(128 * TiB / (3 * GiB), -3),  # 128 TiB is about 44,000 times 3 GiB
        "35": (128 * TiB // (4 * KiB)).bit_length() - 1,  # 128 TiB / 4 KiB = 2^35
        "47": (128 * TiB).bit_length() - 1,  # 47 bits = 128 TiB
        "16.8": round(128 * TiB / (8 * MiB + 4 * KiB) / 1e6, 1),  # stacks in 128 TiB, millions
    },
    "02": {
        "96": 88 + 8,  # an 88-byte frame plus the return address
        "16.8": round(128 * TiB / (8 * MiB + 4 * KiB) / 1e6, 1),
        "500": round(128 * TiB / (8 * MiB + 4 * KiB) / 32767, -2),  # 16.8 million vs 32,767 IDs
    },
    "03": {
        "299": 300 - 1,  # 300 goroutines, main included: main's go statements start the other 299
        "41": netpoll_probe.ROUNDS,  # the sleeps of each length that realgo.netpoll_probe times
        # 1:1 creates a thread per go statement (299) at Costs' measured thread_create_ns each, in ms
        "6.7": round(299 * Costs().thread_create_ns / 1e6, 1),
        "22.5": round(Costs().thread_create_ns / 1000, 1),  # thread_create_ns in us
        "0.5": round(Costs().goroutine_create_ns / 1000, 1),  # goroutine_create_ns in us
        "2.0": round(Costs().thread_switch_ns / 1000, 1),  # thread_switch_ns in us
        "20.8": round(Costs().thread_wake_ns / 1000, 1),  # thread_wake_ns in us
        # a thread switch in goroutine switches, a thread's creation in goroutine creations
        "25": round(Costs().thread_switch_ns / Costs().goroutine_switch_ns),
        "46": round(Costs().thread_create_ns / Costs().goroutine_create_ns),
    },
    "05": {
        "96": 88 + 8,
        "872": 2048 - (120 + 11 * 96),  # free bytes at the first copy
        "999": 1000 - 1,  # 1000 iterations, one copy at most
    },
}


def _nb01_fill_256():
    from gostack_kit.address import layout

    return layout(32, threads=256).fill


def _nb04_sweeps():
    from gostack_kit import SegmentedStack
    from gostack_kit.labs import segmented as lab

    return [lab.hot_split_sweep(SegmentedStack(v), 400, callee=200, n=1000) for v in ("1.1", "1.2")]


def _nb04_spike_ns():
    """Go 1.2's hot-split sweep: (ns per iteration at its cheapest spike, at its dearest plain depth)."""
    go12 = _nb04_sweeps()[1]
    spikes = [ns for ns, s in zip(go12.ns_per_iter, go12.split_per_iter, strict=True) if s > 0]
    plain = [ns for ns, s in zip(go12.ns_per_iter, go12.split_per_iter, strict=True) if s == 0]
    return min(spikes), max(plain)


def _nb04_hot_ratio():
    """Go 1.1's hot depths over Go 1.2's in section 3's sweep (the table's 20 against 8)."""
    go11, go12 = (sum(1 for s in w.split_per_iter if s > 0) for w in _nb04_sweeps())
    return go11 / go12


def _nb05_copying_settles():
    """Notebook 05 section 3: each copying curve's last per-call cost, to the nearest 5 ns."""
    from gostack_kit.labs import copying as lab

    ends = {round(lab.recursion_cost(m, 88, 2000, 120).per_call_ns[-1] / 5) * 5 for m in lab.COPYING}
    assert len(ends) == 1, ends
    return ends.pop()


def _nb05_segment_spike():
    from gostack_kit.core.trace import CallTrace
    from gostack_kit.labs import copying as lab

    loop = lab.start_sweep(CallTrace.loop_body(callee=200, n=1000), range(0, 400))
    return max(loop.per_call_ns["Go 1.2 segments"])


def _nb05_splits_per_pass():
    from gostack_kit.core.trace import CallTrace
    from gostack_kit.labs import copying as lab

    rows = lab.program_rows(CallTrace.down_and_up(88, 2000, 120).repeated(100))
    return rows[0].events / 100


def _nb06_deepest_kib(budget):
    from gostack_kit.labs import compiler as lab

    return round(lab.budget_sweep(lab.walk_program(buf=128, depth=1000), [budget])[0].max_stack / KiB)


def _nb03_putslow():
    """Section 9's M:N run: how many goroutines runqputslow moved to the global queue (the dotted line)."""
    from gostack_kit.labs import sched as lab
    from gostack_kit.sched import Ev, Model, workload

    runs = lab.compare(workload(300, 7, blocking_fraction=0.3, network_fraction=0.3), gomaxprocs=2)
    return runs[Model.MN].events_of(Ev.PUTSLOW)[0].value


def _nb03_last_look_age_ms():
    """nb03's model: how long after sysmon's first look (which saw main's tick) its last look came, ms."""
    from gostack_kit.labs import sched as lab
    from gostack_kit.realgo.sched_suite import workload

    looks = lab.sysmon_looks(workload("nb03"))
    return round((looks[-1].t_ns - looks[0].t_ns) / 1e6, 1)


def _nb03_contract_looks_us():
    """contract's model: (the look that noted G1's syscall, the one that took P0), us after it began."""
    from gostack_kit.realgo.sched_suite import workload
    from gostack_kit.sched import Ev, Workload, simulate

    run = simulate(Workload.from_spec(workload("contract")))
    (enter,) = run.events_of(Ev.SYSCALL)
    taken = run.events_of(Ev.RETAKE)[0].t
    noted = max(lk.t_ns for lk in run.sysmon if lk.t_ns < taken)
    return round((noted - enter.t) / 1000, 1), round((taken - enter.t) / 1000, 1)


def _nb03_chain_end_us():
    """Section 4's fairness chain without the 61-tick check would end with the chain: its end, in us."""
    from gostack_kit.labs import sched as lab
    from gostack_kit.sched import simulate

    return round(simulate(lab.fairness_chain(100), gomaxprocs=1, costs=Costs.zero()).makespan_ns / 1000, -2)


def _nb03_g_bytes():
    from gostack_kit.sched.record import G_STRUCT_BYTES

    return G_STRUCT_BYTES


# Numbers the prose reads off a figure, recomputed from the model that drew it (called lazily).
MODEL = {
    "03": {
        "129": _nb03_putslow,  # "the 129 goroutines that runqputslow moved there"
        "480": _nb03_g_bytes,  # "its g record, counted as 480 B": the model's G_STRUCT_BYTES
        "9.7": _nb03_last_look_age_ms,  # nb03's look 55 came "only 9.7 ms after" look 1
        "67.8": lambda: _nb03_contract_looks_us()[0],  # contract: the first look "came 67.8 us in"
        "155.5": lambda: _nb03_contract_looks_us()[1],  # and "the next, 155.5 us in, took the P"
        "200": _nb03_chain_end_us,  # the chain "ended, at about 200 us"
    },
    "01": {"70": lambda: round(_nb01_fill_256() * 100)},  # "256 stacks take about 70% of the space"
    "04": {
        "62": lambda: int(_nb04_spike_ns()[0]),  # "from about 2 ns to about 62 ns"
        "2.5": _nb04_hot_ratio,  # "2.5 times less likely"
        "30": lambda: round(_nb04_spike_ns()[0] / 2, -1),  # a split is ~30 times a 2 ns call
    },
    "05": {
        "85": _nb05_copying_settles,  # "about 85 ns per call"
        "62": _nb05_segment_spike,  # "The segmented spikes (62 ns per call)"
        "24": _nb05_splits_per_pass,  # "their 24 splits on every pass"
    },
    "06": {"149": lambda: _nb06_deepest_kib(67)},  # "about 24 KiB to about 149 KiB" at budget 67
}
# Inputs the prose sets (a question's parameters, a slider's range), each with its reason.
ALLOWED = {
    "01": {
        "128": "x86-64's 64-bit user space, 128 TiB, cited in the sentence (TASK_SIZE_MAX)",
        "191.6": "a gap of the recorded snapshot (read_sample(), fixed data) drawn in the figure above it",
    },
    "02": {"192": "the exercise's input: bytes in use at entry"},
    "03": {
        "0.3": "the workload's inputs blocking_fraction and network_fraction, set in the cell below",
        "64": "GOMAXPROCS values the dashboard suggestion asks the reader to try",
        "0.9": "the dashboard's highest syscall share (labs.sched.MAX_SHARE), a setting to try",
        "0.6": "a syscall share the dashboard suggestion asks the reader to try",
        "0.2": "syscall-p2/p4's compute bursts (realgo.sched_suite), the workload's input",
    },
    "04": {
        "7.9": "a frame of 6 to 7.9 KB: the input range of the sentence",
        "380": "free bytes before step 3, worked out in the prose from the program's frames (not printed)",
        "60": "Go 1.2's split estimate (stacks/segmented.py SplitCost), called an estimate in the prose",
        "100": "20-100 % slowdowns quoted from Go issue 4910",
        "400": "the slider's range in a prediction question",
        "928": "Go 1.27's stackGuard, cited to runtime/stack.go in the sentence",
        "16392": "the largest frame of the recording, an input",
        "3.6": "3584 bytes higher: 3.6 to 4 KB",
        "896": "the callee frame, an input",
        "10000": "the loop's iteration count, an input",
    },
    "05": {
        "60": "Go 1.2's split estimate, as in notebook 04",
        "120": "the program's input: bytes in use at entry",
        "1500": "the program's input depth",
        "2000": "the question's input depth",
        "199": "the range of depths, an input",
        "500": "the recording's input depth",
        "312": "the question's input: bytes in use",
        "136": "the question's input: bytes in use",
        "300": "the Play button's interval",
    },
    "06": {
        "4096": "StackBig, cited to internal/abi/stack.go in the sentence",
        "66": "the inlining budget slider's value in a suggestion",
    },
}


def _load(nn):
    (path,) = ROOT.glob(f"notebooks/{nn}-*.ipynb")
    return json.loads(path.read_text())


def _outputs(nb):
    texts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            text = out.get("text") or out.get("data", {}).get("text/plain", "")
            texts.append("".join(text))
    return {m.replace(",", "") for m in NUMBER.findall("\n".join(texts))}


def _exempt_spans(text):
    return {m.span(1) for pattern in EXEMPT_PATTERNS for m in pattern.finditer(text)}


def unexplained(nn, nb=None):
    """The prose numbers of notebook nn (or of nb, a copy of it) that nothing accounts for."""
    nb = _load(nn) if nb is None else nb
    printed, checked, allowed = _outputs(nb), CHECKED.get(nn, {}), ALLOWED.get(nn, {})
    elsewhere = {n: _outputs(_load(other)) for n, other in FROM_NOTEBOOK.get(nn, {}).items()}
    missing = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = re.sub(r"`[^`]*`", "", "".join(cell["source"]))
        spans = _exempt_spans(text)
        for m in NUMBER.finditer(text):
            n = m.group(1).replace(",", "")
            if m.span(1) in spans or n in printed or n in allowed:
                continue
            if n in elsewhere and n in elsewhere[n]:
                continue
            if n in checked and float(n) == float(checked[n]):
                continue
            if n in MODEL.get(nn, {}) and float(n) == float(MODEL[nn][n]()):
                continue
            missing.append(n)
    return missing


@pytest.mark.parametrize("nn", NOTEBOOKS)
def test_every_prose_number_is_accounted_for(nn):
    assert unexplained(nn) == []


@pytest.mark.parametrize("nn", NOTEBOOKS)
def test_checked_numbers_recompute(nn):
    for text, value in CHECKED.get(nn, {}).items():
        assert float(text) == float(value), (nn, text, value)
    for text, model in MODEL.get(nn, {}).items():
        assert float(text) == float(model()), (nn, text, model())
    assert not set(MODEL.get(nn, {})) & set(ALLOWED.get(nn, {})), "a recomputed number is not also exempt"


def test_the_06_deepest_stack_before_inlining_scratch():
    assert _nb06_deepest_kib(66) == 24  # the "about 24 KiB" beside 149, printed by no cell


def _mutate(nn, old, new):
    nb = _load(nn)
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            src = "".join(cell["source"])
            if re.search(rf"(?<![\w.,]){re.escape(old)}(?![\w,])", src):
                cell["source"] = re.sub(rf"(?<![\w.,]){re.escape(old)}(?![\w,])", new, src, count=1)
                return nb
    raise AssertionError(f"{old} not in notebook {nn}'s prose")


@pytest.mark.parametrize(
    ("nn", "old", "new"),
    [("04", "512", "511"), ("01", "8,392,704", "8,392,705"), ("05", "872", "873"), ("05", "1973", "1974"),
     ("04", "2.5", "2.4"), ("05", "85", "90"), ("06", "149", "150"), ("01", "70", "71"),
     ("03", "229.3", "229.4"), ("03", "129", "130")],
)
def test_a_wrong_number_in_prose_fails(nn, old, new):
    assert unexplained(nn) == []
    assert new.replace(",", "") in unexplained(nn, _mutate(nn, old, new))
