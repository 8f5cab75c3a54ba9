"""Argument checks shared by every model: clear errors that name the argument and its range."""

from __future__ import annotations

import numbers

__all__ = ["integer", "number", "power_of_two"]


def integer(name: str, value, lo: int | None = None, hi: int | None = None) -> int:
    """`value` as an int in [lo, hi], else TypeError/ValueError naming `name` and the range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer {_describe(lo, hi)}; "
                        f"got {value!r} ({type(value).__name__})")
    value = int(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(f"{name} must be an integer {_describe(lo, hi)}; got {value}")
    return value


def number(name: str, value, lo: float | None = None, hi: float | None = None,
           unit: str = "") -> float:
    """`value` as a float in [lo, hi], else TypeError (not a real number) or ValueError naming `name`."""
    def rng():
        return _describe(lo, hi) + (f" {unit}" if unit else "")

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number {rng()}; got {value!r} ({type(value).__name__})")
    value = float(value)
    if value != value or (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(f"{name} must be a number {rng()}; got {value}")
    return value


def power_of_two(name: str, value, lo: int, hi: int) -> int:
    """`value` as an int that is a power of two in [lo, hi], else a clear error."""
    value = integer(name, value, lo, hi)
    if value & (value - 1):
        raise ValueError(
            f"{name} must be a power of two in [{lo}, {hi}] (the runtime only allocates "
            f"power-of-two stacks); got {value}"
        )
    return value


def _describe(lo: int | None, hi: int | None) -> str:
    if lo is not None and hi is not None:
        return f"in [{lo}, {hi}]"
    if lo is not None:
        return f">= {lo}"
    if hi is not None:
        return f"<= {hi}"
    return ""
