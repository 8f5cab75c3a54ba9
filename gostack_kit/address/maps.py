"""Reading the real address space: /proc/self/maps, classified.

The kernel lists every VMA of a process, one line each, low to high:

    start-end         perms offset   dev   inode  path
    55f5...000-...000 r-xp  00001000 fe:00 26723  /usr/bin/python3.11   <- text
    7fcf...000-...000 ---p  00000000 00:00 0                            <- guard
    7fcf...000-...000 rw-p  00000000 00:00 0                            <- thread stack
    7fff...000-...000 rw-p  00000000 00:00 0      [stack]                <- main stack

The line names the kernel's own areas ([heap], [stack], [vdso], [vvar],
[vsyscall]) but not thread stacks or guard pages: those are plain anonymous
mappings, so this module recognises them by shape.

    a guard page is a ---p anonymous mapping of at most `max_guard` bytes
    whose upper neighbour starts exactly at its end and is an rw-p anonymous
    mapping of at least PTHREAD_STACK_MIN bytes: the thread stack.

Why so strict?  PROT_NONE (---p) is also how allocators reserve address space
without memory behind it.  glibc's per-thread malloc arenas are a 132 KiB
rw-p mapping with a ~64 MiB ---p reservation *above* it; Go reserves big ---p
ranges for future heap arenas.  Calling every ---p a guard would count those
as thread guards.  The rejected alternative, "every ---p is a guard", gets the
count wrong on the very processes (Python with threads, any Go program) this
kit looks at.

Other rules, in order:
  * a file is an *image* (executable or shared library) when some mapping of
    it is executable; its mappings are text (x), data (w) or rodata (r);
  * an anonymous rw-p mapping starting where an image's rw-p mapping ends is
    that image's bss (zero-filled memory past the file's end);
  * every other file mapping is `file`, every other anonymous one `anon`.

Limits of reading by shape (this machine: kernel 6.18, glibc 2.36):
  * bss is a guess; an unrelated anonymous mapping that lands right above a
    library's data (CPython's 16 KiB per-thread frame chunks sometimes do)
    is called bss too;
  * newer glibc on kernels >= 6.13 can make guards with madvise
    (MADV_GUARD_INSTALL) inside the stack's own VMA; such a guard shows no
    ---p line at all (not verified here).

When /proc is absent (macOS, a sandbox), the reader falls back to a recorded
snapshot shipped in data/maps_sample.json, and the record says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..core.validate import integer

PROC_SELF_MAPS = Path("/proc/self/maps")
SAMPLE = "maps_sample.json"  # in gostack_kit/data: a real recording, provenance inside

PAGE = 4096  # x86 base page
# glibc PTHREAD_STACK_MIN on x86-64 (16 KiB): no thread stack is smaller.
PTHREAD_STACK_MIN = 16 * 1024
# Largest ---p mapping still taken for a guard.  glibc's default is one page;
# 64 KiB covers a guard of one 64 KiB page (arm64, ppc64) and programs that ask
# for a few pages, while staying far below allocator reservations (megabytes).
MAX_GUARD = 64 * 1024

KINDS = (
    "text", "rodata", "data", "bss", "heap", "stack", "thread-stack", "guard",
    "reserved", "anon", "file", "vdso", "vvar", "vsyscall", "special",
)  # fmt: skip
_SPECIAL = {
    "[heap]": "heap",
    "[stack]": "stack",
    "[vdso]": "vdso",
    "[vvar]": "vvar",
    "[vvar_vclock]": "vvar",  # newer kernels split the vDSO data page
    "[vsyscall]": "vsyscall",
}


@dataclass(frozen=True, slots=True)
class Mapping:
    """One line of /proc/<pid>/maps, with the kind this module gave it."""

    start: int
    end: int
    perms: str  # e.g. "r-xp": read, write, exec, p(rivate) or s(hared)
    offset: int
    dev: str
    inode: int
    path: str  # "" for anonymous memory
    kind: str

    @property
    def size(self) -> int:
        """Bytes covered by the mapping."""
        return self.end - self.start

    @property
    def name(self) -> str:
        """Short label: the file's base name, the kernel's [name], or the kind."""
        return self.path.rsplit("/", 1)[-1] if self.path else self.kind

    @property
    def anonymous(self) -> bool:
        """True for memory with no file behind it (including named [anon:...] areas)."""
        return (not self.path and self.inode == 0) or self.path.startswith("[anon:")


@dataclass(frozen=True, slots=True)
class Maps:
    """A classified snapshot of an address space and where it came from."""

    mappings: tuple[Mapping, ...]
    source: str  # "live" (read just now) or "recorded" (the shipped sample)
    origin: str  # the path read, or the sample's description
    note: str = ""  # why the fallback was used, when it was

    def of_kind(self, kind: str) -> tuple[Mapping, ...]:
        """The mappings of one kind, low to high."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
        return tuple(m for m in self.mappings if m.kind == kind)

    def counts(self) -> dict[str, int]:
        """How many mappings of each kind (kinds in KINDS order, zeros left out)."""
        found = [m.kind for m in self.mappings]
        return {k: found.count(k) for k in KINDS if k in found}

    def thread_stacks(self) -> tuple[tuple[Mapping, Mapping], ...]:
        """(guard, stack) pairs, low to high."""
        by_start = {m.start: m for m in self.mappings if m.kind == "thread-stack"}
        return tuple((g, by_start[g.end]) for g in self.mappings if g.kind == "guard")

    @property
    def total(self) -> int:
        """Bytes of address space mapped (what VmSize counts)."""
        return sum(m.size for m in self.mappings)


def _parse_line(number: int, line: str) -> tuple:
    parts = line.split(maxsplit=5)
    try:
        lo, hi = parts[0].split("-")
        start, end = int(lo, 16), int(hi, 16)
        perms, offset, dev, inode = parts[1], int(parts[2], 16), parts[3], int(parts[4])
    except (IndexError, ValueError):
        raise ValueError(f"maps line {number} is not 'start-end perms offset dev inode [path]': "
                         f"{line!r}") from None  # fmt: skip
    if end <= start or len(perms) != 4:
        raise ValueError(f"maps line {number} needs start < end and 4 perms letters: {line!r}")
    path = parts[5].strip() if len(parts) > 5 else ""
    return start, end, perms, offset, dev, inode, path


def parse_maps(text: str, *, max_guard: int = MAX_GUARD) -> tuple[Mapping, ...]:
    """Parse and classify the text of a maps file; mappings sorted by address."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    max_guard = integer("max_guard", max_guard, PAGE)
    rows = sorted(
        _parse_line(i, line) for i, line in enumerate(text.splitlines(), 1) if line.strip()
    )
    for a, b in zip(rows, rows[1:], strict=False):
        if b[0] < a[1]:
            raise ValueError(f"maps mappings overlap at {b[0]:#x}")
    images = {r[6] for r in rows if r[6] and not r[6].startswith("[") and r[2][2] == "x"}
    kinds = [_kind_alone(r, images) for r in rows]
    for i, r in enumerate(rows):
        below = rows[i - 1] if i else None
        above = rows[i + 1] if i + 1 < len(rows) else None
        if kinds[i] != "anon":
            continue
        if r[2] == "---p":
            is_guard = (
                r[1] - r[0] <= max_guard
                and above is not None
                and above[0] == r[1]
                and kinds[i + 1] in ("anon", "thread-stack")
                and above[2] == "rw-p"
                and above[1] - above[0] >= PTHREAD_STACK_MIN
            )
            kinds[i] = "guard" if is_guard else "reserved"
            if is_guard:
                kinds[i + 1] = "thread-stack"
        elif (
            r[2] == "rw-p"
            and below is not None
            and below[1] == r[0]
            and below[6] in images
            and below[2] == "rw-p"
        ):
            kinds[i] = "bss"
    return tuple(Mapping(*r, kind=k) for r, k in zip(rows, kinds, strict=True))


def _kind_alone(row: tuple, images: set[str]) -> str:
    """The kind a mapping has by its own line; neighbours refine anon later."""
    perms, inode, path = row[2], row[5], row[6]
    if path in _SPECIAL:
        return _SPECIAL[path]
    if path.startswith(("[stack:", "[anon: glibc: pthread", "[anon: glibc: unused stack")):
        # Kernels before 4.5 named thread stacks [stack:tid]; glibc 2.41+ can
        # name its own (tunable glibc.mem.decorate_maps), cached ones "unused".
        return "thread-stack"
    if path.startswith("[anon:") or (not path and inode == 0):
        return "anon"
    if path.startswith("["):
        return "special"
    if path in images:
        if perms[2] == "x":
            return "text"
        if perms[1] == "w":
            return "data"
        return "rodata" if perms[0] == "r" else "file"
    return "file"


def read_maps(path: str | Path | None = None) -> Maps:
    """Read and classify a live maps file (default /proc/self/maps); fall back to the sample."""
    path = Path(path) if path is not None else PROC_SELF_MAPS
    try:
        text = path.read_text()
    except OSError as err:
        sample = read_sample()
        note = f"{path} unreadable ({err.strerror or err}); using the recorded sample"
        return Maps(sample.mappings, "recorded", sample.origin, note)
    return Maps(parse_maps(text), "live", str(path))


def read_sample() -> Maps:
    """The recorded snapshot shipped with the kit (deterministic, for notebooks and tests)."""
    doc = json.loads(resources.files("gostack_kit").joinpath("realgo", "data", SAMPLE).read_text())
    origin = f"{doc['description']} Recorded {doc['recorded']}, kernel {doc['kernel']}."
    return Maps(parse_maps("\n".join(doc["maps"])), "recorded", origin)


def diff(before: Maps, after: Maps) -> tuple[tuple[Mapping, ...], tuple[Mapping, ...]]:
    """(added, removed): mappings whose (start, end, perms) appear in only one snapshot."""
    key = lambda m: (m.start, m.end, m.perms)  # noqa: E731
    old = {key(m) for m in before.mappings}
    new = {key(m) for m in after.mappings}
    added = tuple(m for m in after.mappings if key(m) not in old)
    removed = tuple(m for m in before.mappings if key(m) not in new)
    return added, removed
