"""Tests for the /proc/self/maps reader and its classifier."""

import dataclasses
import sys
from pathlib import Path

import pytest

from gostack_kit.address import maps as proc_maps
from gostack_kit.address.maps import KINDS, Maps, diff, parse_maps, read_maps, read_sample

EXE = "/usr/bin/prog"
LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6"

# One mapping of every kind, plus the traps: an arena reservation above its
# rw-p part, a Go-sized ---p right below an rw-p, a small ---p below a mapping
# too small to be a stack, and a lone ---p.
SYNTHETIC = f"""\
00400000-00401000 r--p 00000000 fe:00 11 {EXE}
00401000-00403000 r-xp 00001000 fe:00 11 {EXE}
00403000-00404000 r--p 00003000 fe:00 11 {EXE}
00404000-00405000 rw-p 00004000 fe:00 11 {EXE}
00405000-00407000 rw-p 00000000 00:00 0
01000000-01021000 rw-p 00000000 00:00 0 [heap]
c000000000-c004000000 rw-p 00000000 00:00 0 [anon: Go: heap]
7f0000000000-7f0000021000 rw-p 00000000 00:00 0
7f0000021000-7f0004000000 ---p 00000000 00:00 0
7f0010000000-7f0014000000 ---p 00000000 00:00 0
7f0014000000-7f0014800000 rw-p 00000000 00:00 0
7f0020000000-7f0020001000 ---p 00000000 00:00 0
7f0020001000-7f0020002000 rw-p 00000000 00:00 0
7f0030000000-7f0030001000 ---p 00000000 00:00 0
7f0030001000-7f0030801000 rw-p 00000000 00:00 0
7f0030801000-7f0030802000 ---p 00000000 00:00 0
7f0030802000-7f0031002000 rw-p 00000000 00:00 0 [stack:4242]
7f0038000000-7f0038001000 ---p 00000000 00:00 0
7f0038001000-7f0038041000 rw-p 00000000 00:00 0 [anon: glibc: pthread stack: 4243]
7f0038041000-7f0038081000 rw-p 00000000 00:00 0 [anon: glibc: unused stack]
7f0040000000-7f0040010000 r--s 00000000 fe:00 21 /usr/lib/locale/locale-archive
7f0050000000-7f0050026000 r--p 00000000 fe:00 31 {LIBC}
7f0050026000-7f005017c000 r-xp 00026000 fe:00 31 {LIBC}
7f005017c000-7f005017d000 ---p 0017c000 fe:00 31 {LIBC}
7f005017d000-7f005017f000 rw-p 0017d000 fe:00 31 {LIBC}
7f005017f000-7f005018c000 rw-p 00000000 00:00 0
7f0060000000-7f0060001000 r--p 00000000 00:00 0 [uprobes]
7ffc00000000-7ffc00004000 r--p 00000000 00:00 0 [vvar]
7ffc00004000-7ffc00006000 r--p 00000000 00:00 0 [vvar_vclock]
7ffc00006000-7ffc00008000 r-xp 00000000 00:00 0 [vdso]
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]
"""

EXPECTED = [
    "rodata", "text", "rodata", "data", "bss", "heap", "anon",
    "anon", "reserved",              # glibc arena: rw-p with its ---p reservation above
    "reserved", "anon",              # 64 MiB ---p under an rw-p: not a guard
    "reserved", "anon",              # 4 KiB ---p under a 4 KiB rw-p: too small for a stack
    "guard", "thread-stack",         # a pthread: 4 KiB guard, 8 MiB stack
    "guard", "thread-stack",         # an old kernel's [stack:tid] above its guard
    "guard", "thread-stack",         # glibc 2.41+ decorated stack above its guard
    "thread-stack",                  # a cached stack, decorated, guard-less here
    "file", "rodata", "text", "file", "data", "bss",
    "special", "vvar", "vvar", "vdso", "stack", "vsyscall",
]  # fmt: skip


def test_synthetic_maps_classify_every_kind():
    maps = parse_maps(SYNTHETIC)
    assert [m.kind for m in maps] == EXPECTED
    used = {m.kind for m in maps}
    assert used == set(KINDS)


def test_synthetic_fields_are_parsed():
    m = parse_maps(SYNTHETIC)[1]
    assert (m.start, m.end, m.perms, m.offset, m.dev, m.inode) == (
        0x401000, 0x403000, "r-xp", 0x1000, "fe:00", 11,
    )  # fmt: skip
    assert m.path == EXE and m.name == "prog" and m.size == 0x2000
    assert not m.anonymous
    named = parse_maps(SYNTHETIC)[6]
    assert named.anonymous and named.path == "[anon: Go: heap]"


def test_thread_stacks_pair_each_guard_with_the_stack_above():
    maps = Maps(parse_maps(SYNTHETIC), "live", "test")
    pairs = maps.thread_stacks()
    assert [(g.start, s.start, s.size) for g, s in pairs[:2]] == [
        (0x7F0030000000, 0x7F0030001000, 8 << 20),
        (0x7F0030801000, 0x7F0030802000, 8 << 20),
    ]
    assert len(pairs) == 3 and pairs[2][1].path.endswith("pthread stack: 4243]")
    assert maps.counts()["guard"] == 3 and maps.counts()["reserved"] == 3
    assert maps.of_kind("vvar")[1].name == "[vvar_vclock]"
    assert maps.total == sum(m.end - m.start for m in maps.mappings)


def test_guard_limit_is_a_parameter():
    text = "1000000-1100000 ---p 00000000 00:00 0\n1100000-1900000 rw-p 00000000 00:00 0\n"
    assert [m.kind for m in parse_maps(text)] == ["reserved", "anon"]  # 1 MiB ---p
    big = parse_maps(text, max_guard=1 << 20)
    assert [m.kind for m in big] == ["guard", "thread-stack"]


def test_lines_are_sorted_and_blank_lines_ignored():
    lines = SYNTHETIC.splitlines()
    shuffled = "\n\n".join(reversed(lines))
    assert parse_maps(shuffled) == parse_maps(SYNTHETIC)


def test_the_recorded_sample_shows_two_python_thread_stacks_and_arena_traps():
    sample = read_sample()
    assert sample.source == "recorded" and "threading.stack_size" in sample.origin
    pairs = sample.thread_stacks()
    assert [(g.size, s.size) for g, s in pairs] == [(4096, 256 << 10), (4096, 256 << 10)]
    # Two malloc arenas: 64 MiB minus their 132 KiB rw-p heads, reserved ---p.
    assert [m.size for m in sample.of_kind("reserved")] == [(64 << 20) - 0x21000] * 2
    assert {m.name for m in sample.of_kind("vvar")} == {"[vvar]", "[vvar_vclock]"}
    assert len(sample.of_kind("heap")) == len(sample.of_kind("stack")) == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc (Linux only)")
def test_live_reader_sees_this_process():
    maps = read_maps()
    assert maps.source == "live" and maps.origin == "/proc/self/maps" and maps.note == ""
    kinds = maps.counts()
    assert kinds.get("stack") == 1 and kinds.get("vdso") == 1
    assert kinds.get("text", 0) >= 2  # the python binary or libpython, and libc
    paths = {m.path for m in maps.mappings}
    assert any(p.endswith(".so.6") or "libc" in p for p in paths)
    assert Path(sys.executable).resolve().name in {m.name for m in maps.of_kind("text")} | {
        m.name for m in maps.of_kind("rodata")
    }


def test_missing_proc_falls_back_to_the_recorded_sample(monkeypatch, tmp_path):
    missing = tmp_path / "no-proc" / "maps"
    monkeypatch.setattr(proc_maps, "PROC_SELF_MAPS", missing)
    maps = read_maps()
    assert maps.source == "recorded"
    assert str(missing) in maps.note and "recorded sample" in maps.note
    assert maps.mappings == read_sample().mappings


def test_explicit_path_is_read(tmp_path):
    f = tmp_path / "maps"
    f.write_text(SYNTHETIC)
    maps = read_maps(f)
    assert maps.source == "live" and maps.origin == str(f)
    assert [m.kind for m in maps.mappings] == EXPECTED


def test_diff_finds_added_and_removed_mappings():
    a = Maps(parse_maps(SYNTHETIC), "live", "a")
    extra = (
        "7e0000000000-7e0000001000 ---p 00000000 00:00 0\n"
        "7e0000001000-7e0000041000 rw-p 00000000 00:00 0\n"
    )
    text = "\n".join(x for x in SYNTHETIC.splitlines() if "[uprobes]" not in x)
    b = Maps(parse_maps(text + "\n" + extra), "live", "b")
    added, removed = diff(a, b)
    assert [(m.start, m.kind) for m in added] == [
        (0x7E0000000000, "guard"),
        (0x7E0000001000, "thread-stack"),
    ]
    assert [m.name for m in removed] == ["[uprobes]"]


def test_records_are_immutable():
    m = parse_maps(SYNTHETIC)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.kind = "text"


@pytest.mark.parametrize(
    ("text", "exc", "word"),
    [
        ("zzzz-1000 r--p 0 00:00 0", ValueError, "line 1"),
        ("1000-2000 r--p", ValueError, "line 1"),
        ("2000-1000 r--p 0 00:00 0", ValueError, "start < end"),
        ("1000-2000 rw 0 00:00 0", ValueError, "perms"),
        ("1000-3000 r--p 0 00:00 0\n2000-4000 r--p 0 00:00 0", ValueError, "overlap"),
        (b"1000-2000 r--p 0 00:00 0", TypeError, "text"),
    ],
)
def test_bad_maps_text(text, exc, word):
    with pytest.raises(exc, match=word):
        parse_maps(text)


def test_bad_max_guard_and_kind():
    with pytest.raises(ValueError, match="max_guard"):
        parse_maps(SYNTHETIC, max_guard=100)
    with pytest.raises(ValueError, match="kind"):
        read_sample().of_kind("stacks")
