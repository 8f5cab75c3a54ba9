"""stack_moves: a real goroutine's local moves at the depths the model predicts."""

import os

import pytest

from gostack_kit.realgo import INSTALL_HINT, have_go, stack_moves

# like every live test: skipped without Go on a student's machine, a failure under CI=true
needs_go = pytest.mark.skipif(not have_go() and os.environ.get("CI") != "true", reason=INSTALL_HINT)


def test_recording_agrees_with_the_model_at_every_move():
    runs = stack_moves.load()
    assert {r.frame for r in runs} == set(stack_moves.FRAMES)
    assert stack_moves.source(runs).startswith("recorded: go1.27")
    rows = [row for r in runs for row in stack_moves.compare(r)]
    assert len(rows) == 14 and all(row.agrees for row in rows)
    assert "14 of 14" in stack_moves.agreement(runs) and "agrees" in stack_moves.agreement(runs)


def test_compare_pads_and_flags_a_disagreement():
    real = stack_moves.load()[0]
    wrong = stack_moves.MoveRun(real.frame, real.depth, real.entry_used,
                                (real.moved_at[0] + 1,), "test")
    rows = stack_moves.compare(wrong)
    assert not rows[0].agrees and rows[1].measured is None and not rows[1].agrees
    assert "DISAGREES" in stack_moves.agreement((wrong,))


def test_prefer_must_be_known():
    with pytest.raises(ValueError, match="prefer"):
        stack_moves.moves("sometimes")


@needs_go
def test_live_run_moves_where_the_model_says():
    run = stack_moves.measure(88, depth_bytes=40_000)
    assert run.source.startswith("live: go")
    rows = stack_moves.compare(run)
    assert len(rows) >= 4 and all(r.agrees for r in rows)
