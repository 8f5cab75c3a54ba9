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
        versions.get("1.30")
    with pytest.raises(TypeError):
        versions.get(2)


def test_every_release_resolves_by_the_rule():
    for minor in range(2, 28):
        for text in (f"1.{minor}", f"1.{minor}.3", f"go1.{minor}.1"):
            v = versions.get(text)
            assert v.name == f"1.{minor}"
            assert (v.governed_by or v.name) == versions.governing(minor)
    assert versions.get("1.23").governed_by == "1.22" and versions.get("1.23").unverified == ""
    assert versions.get("1.20").governed_by == "1.19"
    assert versions.get("1.20").unverified and versions.get("1.10").unverified
    assert versions.get("1.24.11") is versions.VERSIONS["1.24"]


def test_compiler_facts_by_release():
    var = {m: versions.get(f"1.{m}").max_stack_var_size for m in range(19, 28)}
    assert var == {m: (10 << 20 if m < 24 else 128 << 10) for m in range(19, 28)}
    make = {m: versions.get(f"1.{m}").variable_make_threshold for m in range(19, 28)}
    assert make == {m: (0 if m < 25 else 32) for m in range(19, 28)}
    slot = {m: versions.get(f"1.{m}").bounds_slot for m in range(19, 28)}
    assert slot == {m: (8 if m < 26 else 0) for m in range(19, 28)}
    rec = {m: versions.get(f"1.{m}").inline_recursive for m in range(19, 28)}
    assert rec == {m: m >= 24 for m in range(19, 28)}
    assert [versions.get(f"1.{m}").big_message for m in (19, 21, 22)] == [False, True, True]
    assert [versions.get(f"1.{m}").big_limits_cost for m in (19, 21, 22)] == [False, False, True]


def test_runtime_rules_stand_still_from_1_19():
    fields = ("growth", "initial_stack", "stack_min", "stack_guard", "stack_small", "stack_big",
              "stack_nosplit", "max_stack", "grow_to_fit", "shrinks", "shrink_counts_nosplit",
              "adaptive_start")
    base = versions.get("1.19")
    for m in range(19, 28):
        v = versions.get(f"1.{m}")
        assert [getattr(v, f) for f in fields] == [getattr(base, f) for f in fields]


@pytest.mark.parametrize("bad", ["1.0", "1.28", "2.1", "1.x", "", "1.22.x"])
def test_releases_outside_the_range(bad):
    with pytest.raises(ValueError, match="1.2 to 1.27"):
        versions.get(bad)
