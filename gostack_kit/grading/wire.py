"""Answers as data: how a student's answer leaves the kernel and reaches the grader.

    kernel (student code)                      grader (its own process)
    snapshot(ns, names) --JSON text-->  decode -> plain values -> cases compare
    call_all(ns, name, args) --JSON-->  decode -> replayed results -> cases compare

Only plain data crosses: None, bool, int, float, str and lists, tuples and dicts of them,
checked by exact type (a subclass of int is not an int here). Anything else arrives as an
`Opaque` stand-in that carries its type's name and equals nothing but itself, so an object
that claims equality with everything compares unequal in the grader. A function crosses
as the results of calling it on the grader's own inputs. Encoding runs in the student's
kernel and may be subverted there; what it can then produce is still only data, the same
the student could have written down, so it cannot earn a point a right answer would not.
The rejected alternative, running the hidden checks inside the kernel, lets the student's
code redefine what "equal" means.
"""

from __future__ import annotations

import json

__all__ = ["Opaque", "RemoteError", "encode", "decode", "collect", "dumps", "loads"]

MAX_DEPTH = 32  # nesting levels kept; an answer nested deeper becomes opaque
MAX_ITEMS = 200_000  # values in one answer; the largest legitimate answer has a few hundred
MAX_CHARS = 4 << 20  # characters of JSON per reply (4 MiB), beyond that the answer is refused


class Opaque:
    """Stands for a value that is not plain data; equal only to itself."""

    type_name = "object"

    def __repr__(self) -> str:
        return f"<{self.type_name} (not plain data)>"


class RemoteError(Exception):
    """An exception the student's function raised in the kernel (type name kept)."""


def _opaque(type_name: str) -> Opaque:
    cls = type(type_name.rpartition(".")[2] or "object", (Opaque,), {"type_name": type_name})
    return cls()


def encode(value, _depth: int = 0, _count: list | None = None):
    """A JSON-able form of `value`; lists stay lists, tuples and dicts are tagged objects."""
    count = _count if _count is not None else [0]
    count[0] += 1
    if count[0] > MAX_ITEMS or _depth > MAX_DEPTH:
        return {"opaque": "too large"}
    t = type(value)
    if value is None or t in (bool, int, str):
        return value
    if t is float:
        finite = value == value and value not in (float("inf"), float("-inf"))
        return value if finite else {"float": repr(value)}
    if t is list:
        return [encode(v, _depth + 1, count) for v in value]
    if t is tuple:
        return {"tuple": [encode(v, _depth + 1, count) for v in value]}
    if t is dict:
        return {"dict": [[encode(k, _depth + 1, count), encode(v, _depth + 1, count)]
                         for k, v in value.items()]}
    if callable(value):
        name = getattr(value, "__name__", None)
        return {"function": name if type(name) is str else "?"}
    return {"opaque": f"{t.__module__}.{t.__qualname__}"}


def decode(data):
    """The plain value `encode` described (opaque values become `Opaque` stand-ins)."""
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v) for v in data]
    if type(data) is dict and len(data) == 1:
        (tag, body), = data.items()
        if tag == "tuple" and type(body) is list:
            return tuple(decode(v) for v in body)
        if tag == "dict" and type(body) is list:
            out = {}
            for pair in body:
                k = decode(pair[0])
                try:
                    out[k] = decode(pair[1])
                except TypeError:  # an unhashable key
                    return _opaque("dict")
            return out
        if tag == "float" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "opaque":
            return _opaque(str(body))
        if tag == "function":
            return _opaque("function")
    return _opaque("malformed")


def dumps(data) -> str:
    """JSON text of already-encoded data, refused (an 'error' object) when longer than MAX_CHARS."""
    text = json.dumps(data, allow_nan=False)
    return text if len(text) <= MAX_CHARS else json.dumps({"error": "the answer is too large"})


def loads(text) -> dict:
    """Parse a reply from the kernel; anything malformed becomes {'error': ...}."""
    if type(text) is not str or len(text) > MAX_CHARS + 1000:
        return {"error": "no readable answer came back from the kernel"}
    try:
        data = json.loads(text)
    except ValueError:
        return {"error": "no readable answer came back from the kernel"}
    return data if type(data) is dict else {"error": "no readable answer came back from the kernel"}


def collect(ns: dict, request: str) -> str:
    """Kernel side: JSON of each named answer as data, and of each planned call's result or error."""
    req = json.loads(request)
    names, calls = {}, {}
    for name in req.get("names", []):
        names[name] = {"value": encode(ns[name])} if name in ns else {"missing": True}
    for name, arglists in req.get("calls", {}).items():
        fn, results = ns.get(name), []
        for args in arglists if callable(ns.get(name)) else ():
            try:
                results.append({"ok": encode(fn(*[decode(a) for a in args]))})
            except Exception as e:  # the student's bug, reported by type and message
                results.append({"raised": _name_of(e), "message": _text_of(e)})
        calls[name] = results
    return dumps({"names": names, "calls": calls})


def _name_of(e: BaseException) -> str:
    name = type(e).__name__
    return name if type(name) is str else "Exception"


def _text_of(e: BaseException) -> str:
    try:
        text = str(e)
        return text[:300] if type(text) is str else ""
    except Exception:  # an exception whose __str__ fails still reports its type
        return ""
