"""stacks/protocol.py: the rules the three stack models, the toy compiler and realgo share, once."""

import pytest

from gostack_kit import CallTrace, ContiguousStack, SegmentedStack, ThreadStack
from gostack_kit.compiler import passes
from gostack_kit.core import versions
from gostack_kit.realgo import asm
from gostack_kit.stacks import copying, protocol, segmented


def test_each_rule_exists_once():
    assert passes.prologue_class is asm.expected_prologue is protocol.prologue_class
    assert segmented.check_fails is copying.check_fails is protocol.check_fails


@pytest.mark.parametrize("frame, cls", [(0, "small"), (128, "small"), (129, "leaq"),
                                        (4096, "leaq"), (4097, "subq")])
def test_prologue_class_boundaries(frame, cls):
    assert protocol.prologue_class(frame) == cls
    assert protocol.prologue_class(frame, nosplit=True) == "none"


def test_go_1_1_big_frames_fail_the_check_whatever_the_room():
    v11, v12 = versions.get("1.1"), versions.get("1.2")
    assert protocol.check_fails(1 << 20, 0, 4096, v11)
    assert not protocol.check_fails(1 << 20, 0, 4096, v12)


@pytest.mark.parametrize("model", [ThreadStack(16384), SegmentedStack("1.2"), ContiguousStack("1.27"),
                                   SegmentedStack(version="gcc", thread_stack=16384)])
def test_every_model_checks_its_trace_the_same_way(model):
    assert isinstance(model, protocol.StackModel)
    with pytest.raises(TypeError, match="trace must be a CallTrace"):
        model.run("not a trace")
    with pytest.raises(ValueError, match="trace.entry_used must fit"):
        model.run_readable(CallTrace.recursion(8, 1, entry_used=1 << 29))
