"""Tests for the process layout model and the compressed picture axis."""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gostack_kit.address.layout import (
    GiB,
    KiB,
    Layout,
    MiB,
    Region,
    compressed_axis,
    format_size,
    layout,
    mmap_base,
    user_top,
)
from gostack_kit.address.limits import threads_that_fit


def test_user_tops_are_3_gib_and_47_bits_minus_a_page():
    assert user_top(32) == 0xC000_0000
    assert user_top(64) == 0x7FFF_FFFF_F000
    assert user_top(32, kernel=64) == 0xFFFF_E000  # a 32-bit process on a 64-bit kernel: almost 4 GiB
    assert (threads_that_fit(32), threads_that_fit(32, kernel=64)) == (383, 511)
    for bad in ({"bits": 64, "kernel": 32}, {"bits": 32, "kernel": 16}):
        with pytest.raises(ValueError, match="kernel must be 32 or 64"):
            user_top(**bad)


def test_mmap_base_keeps_the_128_mib_minimum_gap_below_the_stack():
    assert mmap_base(32) == 0xB800_0000
    assert mmap_base(64) == 0x7FFF_F7FF_F000
    # A 1 GiB stack limit pushes the mmap area down by limit + 1 MiB guard gap.
    assert mmap_base(64, main_stack=GiB) == user_top(64) - GiB - MiB


def test_32_bit_layout_fits_367_default_threads_by_hand():
    lay = layout(bits=32, threads=1000)
    step = 8 * MiB + 4 * KiB
    heap_end = 0x0804_8000 + 64 * KiB + 8 * KiB + 8 * KiB + 132 * KiB
    libs_bottom = 0xB800_0000 - 2 * MiB
    # 351 between the heap and the libraries, 16 more under the executable.
    assert (libs_bottom - heap_end) // step == 351
    assert (0x0804_8000 - 64 * KiB) // step == 16
    assert lay.threads_fit == 367 and lay.threads_placed == 367
    assert not lay.fits
    upper = (libs_bottom - heap_end) - 351 * step
    lower = (0x0804_8000 - 64 * KiB) - 16 * step
    assert lay.free == upper + lower
    low = lay.regions[0]
    assert (low.kind, low.count, low.end) == ("thread-stack", 16, 0x0804_8000)


def test_64_bit_layout_fits_about_16_8_million():
    lay = layout(bits=64, threads=10_000)
    step = 8 * MiB + 4 * KiB
    heap_end = 0x5555_5555_4000 + (64 + 8 + 8 + 132) * KiB
    libs_bottom = 0x7FFF_F7FF_F000 - 2 * MiB
    expect = (libs_bottom - heap_end) // step + (0x5555_5555_4000 - 64 * KiB) // step
    assert lay.threads_fit == expect == 16_769_010
    assert lay.fits and lay.threads_placed == 10_000
    # All 10,000 fit above the heap: nothing below the executable.
    assert lay.regions[0].kind == "text"


def test_layout_places_exactly_the_threads_that_fit():
    lay = layout(bits=32, threads=360, detail=0)
    pairs = sum(r.count for r in lay.regions if r.kind == "thread-stack")
    assert pairs == 360 and lay.fits
    assert sum(r.size for r in lay.regions if r.kind == "thread-stack") == 360 * (8 * MiB + 4 * KiB)


def test_regions_are_ordered_disjoint_and_inside_user_space():
    for bits in (32, 64):
        lay = layout(bits=bits, threads=40)
        regs = lay.regions
        assert all(a.end <= b.start for a, b in zip(regs, regs[1:], strict=False))
        assert regs[0].start > 0 and regs[-1].end == lay.user_top


def test_every_thread_stack_has_its_guard_directly_below():
    lay = layout(bits=64, threads=5, thread_stack=256 * KiB, guard=8 * KiB)
    stacks = [r for r in lay.regions if r.name.startswith("thread stack ")]
    guards = {r.end: r for r in lay.regions if r.name.startswith("guard ")}
    assert len(stacks) == 5
    for s in stacks:
        g = guards[s.start]
        assert g.size == 8 * KiB and s.size == 256 * KiB and s.grows == "down"
        assert g.name == "guard " + s.name.removeprefix("thread stack ")
    # Thread 0 sits right under the shared libraries; later threads go lower.
    libs = next(r for r in lay.regions if r.kind == "mmap")
    assert next(s for s in stacks if s.name == "thread stack 0").end == libs.start


def test_threads_beyond_detail_become_one_aggregate_region():
    lay = layout(bits=64, threads=100, detail=4)
    agg = [r for r in lay.regions if r.count > 1]
    assert len(agg) == 1 and agg[0].count == 96
    assert agg[0].size == 96 * (8 * MiB + 4 * KiB)
    single = [r for r in lay.regions if r.name.startswith("thread stack ")]
    assert len(single) == 4
    stack_bytes = sum(r.size for r in lay.regions if r.kind in ("thread-stack",))
    guard_bytes = sum(r.size for r in lay.regions if r.name.startswith("guard "))
    assert stack_bytes + guard_bytes == 100 * (8 * MiB + 4 * KiB)


def test_heap_grows_up_and_main_stack_grows_down():
    lay = layout(bits=64, heap=MiB)
    by_name = {r.name: r for r in lay.regions}
    assert by_name["heap"].grows == "up" and by_name["heap"].size == MiB
    assert by_name["main stack"].grows == "down"
    assert by_name["stack guard gap"].end == by_name["main stack"].start
    assert by_name["heap"].start == by_name["bss"].end


def test_zero_guard_places_no_guard_regions():
    lay = layout(bits=32, threads=3, guard=0)
    assert not [r for r in lay.regions if r.name.startswith("guard ")]


def test_layout_is_immutable():
    lay = layout()
    with pytest.raises(dataclasses.FrozenInstanceError):
        lay.threads = 3
    assert isinstance(lay.regions, tuple)


@pytest.mark.parametrize(
    ("kwargs", "exc", "word"),
    [
        ({"bits": 16}, ValueError, "bits"),
        ({"threads": -1}, ValueError, "threads"),
        ({"threads": 2.0}, TypeError, "threads"),
        ({"thread_stack": 1000}, ValueError, "thread_stack"),
        ({"thread_stack": 4 * KiB}, ValueError, "thread_stack"),
        ({"guard": 100}, ValueError, "guard"),
        ({"guard": "4096"}, TypeError, "guard"),
        ({"heap": 4 * GiB, "bits": 32}, ValueError, "heap"),
        ({"detail": -1}, ValueError, "detail"),
    ],
)
def test_bad_inputs_name_the_argument(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        layout(**kwargs)


def test_format_size():
    assert format_size(4096) == "4 KiB"
    assert format_size(8 * MiB + 4 * KiB) == "8.0 MiB"
    assert format_size(user_top(64)) == "128.0 TiB"
    assert format_size(100) == "100 B"


def test_compressed_axis_makes_a_128_tib_space_legible():
    lay = layout(bits=64, threads=2)
    ax = compressed_axis(lay)
    kinds = [b.kind for b in ax.bands]
    # Leading hole, the executable, a huge hole, the mmap area, a hole, the main stack.
    assert kinds[0] == "gap" and kinds[-1] == "stack"
    assert ax.bands[0].start == 0 and ax.bands[-1].end == lay.user_top
    # Contiguous bands, no overlaps, heights stack up to the total.
    pairs = zip(ax.bands, ax.bands[1:], strict=False)
    assert all(a.y1 == b.y0 and a.end == b.start for a, b in pairs)
    assert ax.height == ax.bands[-1].y1
    guard = next(b for b in ax.bands if b.name == "guard 0")
    stack = next(b for b in ax.bands if b.name == "thread stack 0")
    gaps = [b for b in ax.bands if b.kind == "gap"]
    # 4 KiB -> the minimum height; 8 MiB -> 11 doublings more; every gap the same.
    assert guard.y1 - guard.y0 == pytest.approx(1.0)
    assert stack.y1 - stack.y0 == pytest.approx(1.0 + 0.15 * 11)
    assert {round(g.y1 - g.y0, 9) for g in gaps} == {0.6}
    # The biggest region is under 7 units tall although it is 2^11 times a guard.
    assert max(b.y1 - b.y0 for b in ax.bands) < 7
    assert gaps[1].label == format_size(gaps[1].size) + " free"
    assert ax.ticks[0] == (0.0, 0) and ax.ticks[-1] == (ax.height, lay.user_top)


def test_compressed_axis_accepts_plain_records_and_rejects_overlaps():
    regs = [Region("b", "anon", 3 * 4096, 4 * 4096), Region("a", "anon", 0, 4096)]
    ax = compressed_axis(regs)
    assert [b.name for b in ax.bands] == ["a", "", "b"]
    with pytest.raises(ValueError, match="overlap"):
        compressed_axis([Region("a", "anon", 0, 8192), Region("b", "anon", 4096, 12288)])
    with pytest.raises(ValueError, match="span"):
        compressed_axis(regs, span=(4096, 8192))


def test_layout_type():
    assert isinstance(layout(bits=32), Layout)


def test_compressed_axis_merges_a_librarys_mappings():
    from gostack_kit.address.maps import read_sample

    sample = read_sample()
    plain = compressed_axis(sample)
    merged = compressed_axis(sample, merge=True)
    names = [b.name for b in merged.bands if b.kind != "gap"]
    assert names.count("libc.so.6") == 1 and names.count("libpython3.11.so.1.0") == 1
    libc = next(b for b in merged.bands if b.name == "libc.so.6")
    parts = [m for m in sample.mappings if m.name == "libc.so.6"]
    assert (libc.start, libc.end, libc.kind) == (parts[0].start, parts[-1].end, "text")
    assert len(merged.bands) < len(plain.bands) and merged.height < plain.height
    # Guards and stacks have different names, so merging never swallows a guard.
    assert [b.kind for b in merged.bands].count("guard") == 2


def test_fill_grows_with_threads():
    fills = [layout(bits=32, threads=n).fill for n in (0, 100, 200, 367, 400)]
    assert fills[0] == 0 and fills[-2] == fills[-1] < 1
    assert fills == sorted(fills)
    lay = layout(bits=32, threads=100)
    assert lay.thread_bytes == 100 * (8 * MiB + 4 * KiB)


@settings(max_examples=60, deadline=None)
@given(
    bits=st.sampled_from([32, 64]),
    threads=st.integers(0, 2000),
    stack_pages=st.integers(4, 4096),
    guard_pages=st.integers(0, 16),
    detail=st.integers(0, 20),
)
def test_layout_laws(bits, threads, stack_pages, guard_pages, detail):
    stack, guard = stack_pages * 4096, guard_pages * 4096
    lay = layout(bits=bits, threads=threads, thread_stack=stack, guard=guard, detail=detail)
    regs = lay.regions
    assert all(a.end <= b.start for a, b in zip(regs, regs[1:], strict=False))
    assert regs[0].start > 0 and regs[-1].end == lay.user_top
    assert lay.threads_placed == min(threads, lay.threads_fit)
    assert lay.threads_fit <= threads_that_fit(bits, stack, guard)  # the division is an upper bound
    pairs = sum(r.count for r in regs if r.kind == "thread-stack")
    assert pairs == lay.threads_placed
    starts = {r.start for r in regs if r.name.startswith("thread stack ")}
    for g in (r for r in regs if r.name.startswith("guard ")):
        assert g.end in starts and g.size == guard
    ax = compressed_axis(lay)
    assert ax.bands[0].start == 0 and ax.bands[-1].end == lay.user_top
