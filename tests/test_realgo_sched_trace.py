"""realgo.sched_trace / sched_runs: real Go's runtime/trace read into the scheduler's Timeline."""

import os
from pathlib import Path

import pytest

from gostack_kit.realgo import INSTALL_HINT, have_go
from gostack_kit.realgo.sched_runs import DATA_PATH, load, recorded_runs, sched_runs
from gostack_kit.realgo.sched_suite import WORKLOADS, workload
from gostack_kit.realgo.sched_trace import CHUNK, check_spec, go_program, parse, warm_count
from gostack_kit.sched.record import SLICE_ENDS, Slice, Timeline

FIXTURE = Path(__file__).with_name("data") / "sched_trace_contract.txt"
# like every live test: skipped without Go on a student's machine, a failure under CI=true
needs_go = pytest.mark.skipif(not have_go() and os.environ.get("CI") != "true", reason=INSTALL_HINT)


def test_parser_reads_the_stored_contract_trace_exactly():
    # tests/data/sched_trace_contract.txt: the StateTransition/Log lines of one live run of
    # WORKLOADS["contract"]; zero is the Log at Time=34365444710464, GoID 8 is g1, GoID 9 is g2
    tl = parse(FIXTURE.read_text(), 2, 1, "fixture")
    assert tl == Timeline(
        source="fixture", gomaxprocs=1, order=(2, 1), finish_ns=(8053632, 7445824), preemptions=0,
        handoffs=1, threads=2, slices=(
            Slice(2, 0, 0, 33152, 342272, "sleep"), Slice(1, 0, 0, 343808, 2415680, "syscall"),
            Slice(2, 1, 0, 7435392, 7438592, "yield"), Slice(2, 1, 0, 7439680, 7445824, "exit"),
            Slice(1, 0, 0, 7466688, 8053632, "exit")))


def test_parser_counts_a_preemption_and_rejects_a_trace_without_the_mark():
    text = FIXTURE.read_text().replace('GoID=9 Running->Runnable Reason="runtime.Gosched"',
                                       'GoID=9 Running->Runnable Reason="preempted"')
    tl = parse(text, 2, 1)
    assert tl.preemptions == 1 and tl.slices[2].why == "preempted"
    with pytest.raises(ValueError, match="zero"):
        parse(FIXTURE.read_text().replace('Message="zero"', 'Message="other"'), 2, 1)
    with pytest.raises(ValueError, match="n=3"):
        parse(FIXTURE.read_text(), 3, 1)


def test_bad_specs_name_the_field():
    good = workload("contract")
    assert check_spec(good) is good
    for bad, field in [({**good, "gomaxprocs": 0}, "gomaxprocs"),
                       ({**good, "spawn_gap_ns": -1}, "spawn_gap_ns"),
                       ({**good, "goroutines": []}, "goroutines"), ({**good, "extra": 1}, "unknown"),
                       ({**good, "goroutines": [{"phases": [["spin", 5]]}]}, r"goroutines\[0\].phases\[0\]"),
                       ({**good, "goroutines": [{"phases": [["yield", 5]]}]}, "yield")]:
        with pytest.raises(ValueError, match=field):
            go_program(bad)
    with pytest.raises(ValueError, match="name"):
        workload("nope")


def test_go_program_encodes_every_phase_and_the_gap():
    src = go_program(workload("mix-gap"))
    assert "runtime.GOMAXPROCS(2)" in src and "run(1000000)" in src
    assert "\t{{0, 3000000}, {1, 1000000}, {0, 1000000}},\n" in src  # run, syscall, run
    assert "{3, 0}" in src  # the yield


def test_the_program_warms_up_whole_61s_of_gs_and_reads_the_clock_every_chunk():
    for n in (1, 8, 60, 61, 62, 300, 10_000):
        k = warm_count(n)
        assert k >= n and k % 61 == 0 and k - n < 61  # enough free Gs; P0's tick % 61 unchanged
    src = go_program(workload("order-8"))
    assert src.count("warm.Add(61)") == 1 and src.count("i < 61; i++") == 1
    assert src.count(f"i < {CHUNK}; i++") == 1 and "CompareAndSwap(mark, mark+1)" in src


def test_recording_covers_every_workload_and_replays_without_go():
    data = load()
    assert set(data["workloads"]) == set(WORKLOADS) and data["go"].startswith("go1.")
    assert DATA_PATH.stat().st_size < 2_000_000
    for name, spec in WORKLOADS.items():
        runs = sched_runs(spec, prefer="recorded")
        assert len(runs) >= 8, name
        n = len(spec["goroutines"])
        for tl in runs:
            assert "recorded" in tl.source and sorted(tl.order) == list(range(1, n + 1))
            assert len(tl.finish_ns) == n and all(s.why in SLICE_ENDS for s in tl.slices)
    with pytest.raises(ValueError, match="recorded"):
        recorded_runs({**workload("order-8"), "spawn_gap_ns": 7})


def test_recorded_runtime_facts():
    # the deterministic ones, in every recorded run (Go 1.27.3, GOMAXPROCS=1)
    for tl in recorded_runs(WORKLOADS["order-8"]):
        assert tl.order == (8, 1, 2, 3, 4, 5, 6, 7)  # runnext, then FIFO
    # order-300's overflow into the global queue: tests/test_sched_crossval.py, every run and the model
    for tl in recorded_runs(WORKLOADS["syscall-lone"]):
        assert tl.handoffs == 1 and tl.threads == 1
    # hog-60's first slice: preempted, after 14.7-15.1 ms in 9 of the 10 recorded runs, and after
    # 11.4 ms in one: never before forcePreemptNS
    firsts = [tl.slices[0] for tl in recorded_runs(WORKLOADS["hog-60"])]
    assert all(s.why == "preempted" and 10_000_000 <= s.end_ns - s.start_ns <= 30_000_000 for s in firsts)
    for tl in recorded_runs(WORKLOADS["mix-longspawn"]):
        assert tl.order[0] != 1  # main was preempted in its spawn loop; runnext's G ran first


def _runnext_fifo_orders(n):
    """First-run orders at GOMAXPROCS=1 if main loses its P after its k-th go statement (k = n:
    never): G(k) from runnext, the ring's G1..G(k-1), then main's later Gs the same way. A live
    order-8 run went (3, 1, 2, 8, 4, 5, 6, 7) once: sysmon can preempt main soon after zero, when
    its note of P0's tick is older than 10 ms (tests/test_realgo_sysmon_probe.py: stale notes)."""
    return {(k, *range(1, k), *((n, *range(k + 1, n)) if k < n else ())) for k in range(1, n + 1)}


def _shape(tl):
    """Per goroutine, why each of its slices ended (preemptions aside): what does not vary."""
    return {g: tuple(s.why for s in tl.slices if s.g == g and s.why != "preempted") for g in tl.order}


@needs_go
def test_live_run_agrees_with_the_recordings_shape():
    from gostack_kit.realgo.toolchain import find_go
    for name in ("order-8", "contract"):
        spec = WORKLOADS[name]
        rec = recorded_runs(spec)
        n = len(spec["goroutines"])
        assert rec[0].order == (n, *range(1, n))  # every recorded run: runnext, then FIFO
        for tl in sched_runs(spec, runs=2, prefer="live"):
            assert tl.source == f"{find_go().version} live"
            assert tl.order in _runnext_fifo_orders(n), (name, tl.order)
            assert _shape(tl) == _shape(rec[0]), name
            assert 1 <= tl.threads <= tl.handoffs + 1  # a second M only after a hand-off


@needs_go
def test_recording_comes_from_the_live_toolchain():
    from gostack_kit.realgo.toolchain import find_go
    live, rec = find_go().version, load()["go"]
    if live != rec:
        # the shipped recording must come from the toolchain CI installs: a mismatch is drift
        message = (f"sched_trace.json is {rec}, live toolchain is {live}: "
                   "rerun python -m gostack_kit.realgo.record")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


# Metrics on which every recorded run and the model agree (tests/test_sched_crossval.py): each
# fresh live run must give the model's value too, so the cross-validation runs against real Go.
# Not hog-60's preemptions: 3 in every recorded run, but 4 in 2 of about 150 live runs made
# while this test was written, so exact only in the recording.
LIVE_EXACT = {"contract": ("order", "handoffs", "threads"),
              "syscall-lone": ("order", "handoffs", "threads"),
              "hog-60": ("order", "handoffs", "threads")}


@needs_go
def test_live_runs_give_the_models_values_where_every_recorded_run_agreed():
    from gostack_kit.sched import Workload, simulate
    for name, metrics in LIVE_EXACT.items():
        spec = WORKLOADS[name]
        model = simulate(Workload.from_spec(spec))
        for m in metrics:  # the premise: exact in the recording
            assert {getattr(t, m) for t in recorded_runs(spec)} == {getattr(model, m)}, (name, m)
        for tl in sched_runs(spec, runs=3, prefer="live"):
            assert {m: getattr(tl, m) for m in metrics} == {m: getattr(model, m) for m in metrics}, name
