"""Cross-validation: SegmentedStack(version="gcc" | "gccgo") against real gcc -fsplit-stack and gccgo.

Every probe case is checked twice: on the shipped recording (always), and live, built and
run with this machine's gcc and gccgo (skipped with a reason when they are missing, except
under CI=true, where a missing toolchain fails). The model gets only the probe's measured
inputs (frames from -S, entry_used, S mod 512, the stack below S, SIGSTKSZ) and must give
the real segment switches, their new sizes and the guard-page deaths exactly.
"""

import os

import pytest

from gostack_kit.realgo import splitstack as ss
from gostack_kit.realgo import splitstack_record as sr
from gostack_kit.realgo.splitstack_hot import cost_rows, model_hot_depths

RECORDED = sr.load()


@pytest.fixture(scope="module")
def live():
    """A fresh recording made with the live gcc and gccgo (or a skip; a failure under CI)."""
    if not sr.have_tools():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but gcc or gccgo-12 is missing (.ci/run installs gccgo-12)")
        pytest.skip("gcc and gccgo are needed for the live split-stack probes")
    return sr.record(n=20_000, reps=2)


def check_probe(p):
    run = ss.model_run(p)
    assert ss.model_switches(p, run) == p.switches
    death = ss.real_death(p)
    if death is None:
        assert run.overflow is None
    else:
        assert run.overflow.kind == "segv"
        assert (ss.model_switches(p, run), run.overflow.depth) == (p.switches, death[1])
    return run


def check_recording(rec, named=True):
    for name, p in zip(rec.names, rec.probes):
        try:
            check_probe(p)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None
    # a split resumes the function 8 bytes below its segment's top (gcc: ret - 8, no args)
    for p in rec.probes:
        if p.toolchain == "gcc":
            after = [lv for lv, prev in zip(p.levels[1:], p.levels) if lv[3] != prev[3] and lv[1] > 0]
            assert {lv[4] for lv in after if lv[3] > 0} == ({8} if p.switches else set())
    if not named:
        return
    by = dict(zip(rec.names, rec.probes))
    # the cases do what their names say (on the machine that made the recording)
    assert by["16 KiB pthread: guard page before the first split"].switches == ()
    assert by["16 KiB pthread: guard page before the first split"].signal == 11
    dies = by["20 KiB pthread: dies inside __morestack"]
    assert dies.signal == 11 and dies.thread_stack < 16000 + 304
    second = by["same recursion twice, pthread"].switches
    assert len(second) == 2 and second[1][1] < second[0][1]  # the second descent splits earlier
    assert by["a kept segment too small for a big frame"].switches[1][2] > \
        by["a kept segment too small for a big frame"].switches[0][2]
    # __morestack touches 304 bytes below the splitting entry with bound symbols (the
    # model's default); lazily bound, the resolver runs there too, still inside BACKOFF
    assert by["64 KiB pthread, bound symbols: __morestack's reach"].reach == 304
    assert 304 < by["64 KiB pthread, lazy binding: the resolver's reach"].reach < 3584
    # gccgo's first segment is 4 MiB + a page, its limit 56 + 3584 above its base: the
    # first switch is the first depth whose frame passes it
    go = by["same recursion twice, goroutine"]
    d, f, limit = go.switches[0][1], go.frames[4], (4 << 20) + 4096 - 3640
    assert go.entry_used + (d - 1) * (f + 8) + f <= limit < go.entry_used + d * (f + 8) + f


def check_hot(rec):
    for p in rec.hot:
        assert p.hot_depths, p
        if p.toolchain == "gcc":
            assert model_hot_depths(p, rec.sigstksz) == p.hot_depths
    rows = {r.name: r for r in cost_rows(rec.hot)}
    # masking costs four rt_sigprocmask calls a split: far more than the split itself
    assert rows["gcc (signals masked)"].split_min > 10 * rows["gcc (no signal mask)"].split_ns
    assert rows["gccgo (no signal mask)"].split_ns < rows["gcc (signals masked)"].split_min


def test_recorded_probes_match_the_model_exactly():
    check_recording(RECORDED)


def test_recorded_hot_loops_spike_where_the_model_says():
    check_hot(RECORDED)


def test_live_probes_match_the_model_exactly(live):
    check_recording(live, named=False)  # another machine may lay its threads out differently
    assert live.names == RECORDED.names  # the same seeded cases


def test_live_hot_loops_spike_where_the_model_says(live):
    check_hot(live)


def test_frames_are_read_from_the_compiler_listing():
    asm = "f0:\n\tmovl\t$72, %r10d\n\tcall\t__morestack\nf1:\n\tnop\n\tmovl\t$168, %r10d\n"
    assert ss.frames_from_asm(asm) == {0: 72, 1: 168}
    assert ss.frames_from_asm(asm.replace("f0:", "main.f0:").replace("f1:", "main.f1:"),
                              "main.") == {0: 72, 1: 168}


def test_prefer_is_checked():
    with pytest.raises(ValueError, match="prefer"):
        sr.splitstack("sometimes")
    assert sr.splitstack("recorded").source.startswith("recorded: gcc")
