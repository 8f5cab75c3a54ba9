"""Practice problems: seeds are a contract (golden problems); ARG lines print only with -v."""

from __future__ import annotations

import pytest

from gostack_kit.app.cli import main as cli
from gostack_kit.grading.practice import TOPICS, generate, render, show, solve

# seed -> (parameters drawn, computed answer): pinned; a change here breaks every handout
GOLDEN = {
    ("address", 0): ((("bits", 64), ("stack", 2097152), ("guard", 4096)), "66978047"),
    ("threads", 0): ((("size", 262144), ("guard", 4096), ("frame", 664), ("entry_used", 256)), "389"),
    ("sched", 0): ((("runq", 218), ("global", 382), ("gomaxprocs", 9)), "steal 109, global batch 43"),
    ("segmented", 0): ((("depth", 58), ("frame", 120), ("callee", 400), ("n", 17), ("entry_used", 88)), "17"),
    ("copying", 0): ((("frame", 1000), ("depth", 262), ("entry_used", 128)),
                     "first growth at depth 1, final size 524288"),
    ("compiler", 0): ((("buf", 8192), ("calls", 13)), "inlining on: 26, off: 52"),
    ("address", 1): ((("bits", 32), ("stack", 2097152), ("guard", 65536)), "1489"),
    ("threads", 1): ((("size", 65536), ("guard", 4096), ("frame", 536), ("entry_used", 384)), "119"),
    ("sched", 1): ((("runq", 121), ("global", 307), ("gomaxprocs", 13)), "steal 61, global batch 24"),
    ("segmented", 1): ((("depth", 78), ("frame", 88), ("callee", 1000), ("n", 47), ("entry_used", 88)), "47"),
    ("copying", 1): ((("frame", 200), ("depth", 214), ("entry_used", 192)),
                     "first growth at depth 5, final size 65536"),
    ("compiler", 1): ((("buf", 128), ("calls", 10)), "inlining on: 20, off: 40"),
    ("segmented", 7): ((("depth", 58), ("frame", 120), ("callee", 400), ("n", 45), ("entry_used", 88)), "45"),
    ("copying", 7): ((("frame", 1000), ("depth", 257), ("entry_used", 128)),
                     "first growth at depth 1, final size 262144"),
}


@pytest.mark.parametrize("key", sorted(GOLDEN))
def test_golden_problems(key):
    problem = generate(*key)
    assert (problem.params, solve(problem).answer) == GOLDEN[key]


def test_golden_transcript(capsys):
    assert cli(["practice", "segmented", "-s", "1", "-c", "-v"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:9] == ["ARG topic segmented", "ARG seed 1", "ARG compute True", "ARG depth 78",
                       "ARG frame 88", "ARG callee 1000", "ARG n 47", "ARG entry_used 88", ""]
    assert out[-1] == "Answer: 47"
    trace = [line for line in out if line.startswith("  step")]
    assert len(trace) == 12 and trace[0].split()[2:4] == ["split", "depth"]
    assert out[-3] == "  ... 82 more events"  # 47 splits + 47 frees, 12 shown


def test_without_compute_no_answer(capsys):
    assert cli(["practice", "copying", "-s", "3", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "ARG compute False" in out and "Answer" not in out and "-c to check" in out


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_arg_lines_only_with_verbose(capsys, topic):
    quiet = [cli(["practice", topic, "-s", "2"]), cli(["practice", topic, "-s", "2", "-c"])]
    show(topic, 2)
    show(topic, 2, compute=True)
    out = capsys.readouterr().out
    assert quiet == [0, 0] and "ARG" not in out
    assert out.splitlines()[0] == generate(topic, 2).question.splitlines()[0]
    show(topic, 2, verbose=True)
    loud = capsys.readouterr().out.splitlines()
    params = generate(topic, 2).params
    assert loud[:3 + len(params)] == [f"ARG topic {topic}", "ARG seed 2", "ARG compute False",
                                      *(f"ARG {k} {v}" for k, v in params)]


def test_every_topic_renders_and_seeds_differ():
    for topic in TOPICS:
        texts = {render(generate(topic, seed), compute=True) for seed in range(6)}
        assert len(texts) >= 4, topic


def test_bad_input():
    with pytest.raises(ValueError, match="topic must be one of"):
        generate("heap", 1)
    with pytest.raises(ValueError, match="seed must be an int in \\[0, 4294967295\\]"):
        generate("copying", -1)
