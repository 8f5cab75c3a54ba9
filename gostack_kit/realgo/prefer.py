"""The one rule for "live or recorded" that every real-system reader in the kit follows.

    prefer="recorded" ──────────────────────────────> recorded()
    prefer="live"     ──> live()  (no toolchain: its GoNotFoundError goes to the caller)
    prefer="auto"     ──> live() ──no toolchain──> recorded(), with a note saying so

A notebook asks for "recorded" to keep its stored output fixed, a student's live cell asks for
"auto", and a test that must see the real system asks for "live". The note ("" or " (no Go
toolchain found)") is what the caller appends to the source line it shows.

Invariant: only a missing tool falls back; any other failure of a live run reaches the caller,
so a broken probe is never hidden behind the recording. The alternative rejected: checking
have_go() first; a toolchain that is found but cannot build would then raise in "auto" mode
for one reader and fall back for another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .toolchain import GoNotFoundError

__all__ = ["PREFER", "NO_TOOLCHAIN", "check_prefer", "live_or_recorded"]

T = TypeVar("T")
#: The accepted values of every `prefer` argument in the kit.
PREFER = ("auto", "live", "recorded")
#: The note added to the source of a recording used because no toolchain was found.
NO_TOOLCHAIN = " (no Go toolchain found)"


def check_prefer(prefer: str) -> str:
    """`prefer` itself, or ValueError naming the accepted values."""
    if prefer not in PREFER:
        raise ValueError(f"prefer must be 'auto', 'live' or 'recorded'; got {prefer!r}")
    return prefer


def live_or_recorded(prefer: str, live: Callable[[], T], recorded: Callable[[], T],
                     missing: tuple[type[BaseException], ...] = (GoNotFoundError,),
                     note: str = NO_TOOLCHAIN) -> tuple[T, str]:
    """(value, note): live() or recorded() as `prefer` says; note is "" unless "auto" fell back."""
    if check_prefer(prefer) == "recorded":
        return recorded(), ""
    try:
        return live(), ""
    except missing:
        if prefer == "live":
            raise
    return recorded(), note
