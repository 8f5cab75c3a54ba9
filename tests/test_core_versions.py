"""Version records: the constants that the runtime sources pin."""

import pytest

from gostack_kit.core import versions


def test_current_is_1_27_and_matches_runtime_arithmetic():
    v = versions.get("current")
    assert v is versions.get("1.27") is versions.get("go1.27")
    assert v.stack_guard == v.stack_nosplit + v.stack_small == 928
    assert (v.initial_stack, v.stack_min, v.stack_big, v.max_stack) == (2048, 2048, 4096, 10**9)


def test_history():
    assert versions.get("1.1").stack_min == 4096 and versions.get("1.2").stack_min == 8192
    assert versions.get("1.2").stack_extra == 2048 and versions.get("1.1").stack_extra == 1024
    assert versions.get("1.3").initial_stack == 8192 and versions.get("1.4").initial_stack == 2048
    assert [versions.get(n).growth for n in ("1.2", "1.3", "1.4", "1.19", "1.27")] == [
        "segments", "copying", "copying", "copying", "copying"]
    assert not versions.get("1.4").grow_to_fit and versions.get("1.19").grow_to_fit
    assert versions.get("1.19").adaptive_start and not versions.get("1.4").adaptive_start
    for v in versions.VERSIONS.values():
        assert v.stack_guard == v.stack_nosplit + v.stack_small
        assert v.source


def test_unknown_versions():
    with pytest.raises(ValueError, match="1.27"):
        versions.get("1.20")
    with pytest.raises(TypeError):
        versions.get(2)
