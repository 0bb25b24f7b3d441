"""Frozen model objects to JSON and back, for the build cache.

The cache keeps loaded releases and listing summaries between builds. JSON
rather than pickle: a cache file is data, and reading a damaged or planted one
must never run code. Decoding is strict, against the dataclass's own type hints
(msgspec, in C: a rebuild decodes every cached release, and this is seven times
faster than doing it field by field in Python), and any mismatch raises
`ValueError`, after which the caller ignores the cache. A field the class does
not have is ignored and one it defaults may be missing: the same engine wrote
the file (its header says so), so such a file is damaged or forged, and what
would matter in one (a slug, a path, being public) is checked by the caller.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def encode(value: object) -> Any:
    """A JSON-ready form of a dataclass, tuple, date, enum or plain value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot encode {type(value).__name__}")


def decode(cls: type[T], data: Any) -> T:
    """Rebuild a `cls` from `encode`'s output; ValueError on anything unexpected."""
    import msgspec  # here: the no-op check imports this module and decodes nothing

    try:
        # The instants are read here, msgspec takes them as they are: it reads RFC 3339 alone,
        # whose offsets have no seconds, and a date before 1900 may be in local mean time.
        instants = _instants(typing.cast(Any, cls))(data)
        return msgspec.convert(instants, cls, builtin_types=(datetime,), dec_hook=_path)
    except (ValueError, TypeError) as exc:  # msgspec's errors are ValueErrors
        raise ValueError(f"not a {cls.__name__}: {exc}") from None


def _path(kind: type, data: Any) -> Any:
    """The one type of ours msgspec does not know."""
    if kind is Path and isinstance(data, str):
        return Path(data)
    raise TypeError(f"expected {kind.__name__}, found {type(data).__name__}")


Parse = typing.Callable[[Any], Any]


def _as_is(data: Any) -> Any:
    return data


def _instant(data: Any) -> Any:
    if type(data) is not str:
        return data  # not an instant: msgspec refuses it
    moment = datetime.fromisoformat(data)
    if moment.tzinfo is None:
        raise ValueError("an instant without a time zone")
    return moment


@functools.cache
def _instants(kind: Any) -> Parse:
    """A function turning the instants in the JSON form of a `kind` into datetimes, copying what it
    changes (the cache keeps the JSON for the next build). Worked out once a type, and only along
    the fields that can hold an instant: a few lookups a release."""
    if kind is datetime:
        return _instant
    if not _holds_instant(kind, frozenset()):
        return _as_is
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        # Which option the JSON is, by its own type: text an instant, an object a dataclass.
        options: dict[type, Parse] = {}
        for option in typing.get_args(kind):
            shape = str if option is datetime else list if typing.get_origin(option) is tuple else dict
            options.setdefault(shape, _instants(option))
        return lambda data: options.get(type(data), _as_is)(data)
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _instants(args[0])
            return lambda data: [item(v) for v in data] if type(data) is list else data
        items = [_instants(a) for a in args]

        def fixed(data: Any) -> Any:
            if type(data) is not list or len(data) != len(items):
                return data  # msgspec refuses it
            return [f(v) for f, v in zip(items, data, strict=True)]

        return fixed
    if origin is dict:
        value = _instants(typing.get_args(kind)[1])
        return lambda data: {k: value(v) for k, v in data.items()} if type(data) is dict else data
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclass_instants(kind)
    return _as_is


def _holds_instant(kind: Any, seen: frozenset[Any]) -> bool:
    """Whether a value of `kind` can hold an instant: the others are left as they are."""
    if kind is datetime:
        return True
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if kind in seen:
            return False
        hints = typing.get_type_hints(kind)
        return any(_holds_instant(hints[f.name], seen | {kind}) for f in dataclasses.fields(kind))
    return any(_holds_instant(a, seen) for a in typing.get_args(kind) if a is not Ellipsis)


def _dataclass_instants(kind: type) -> Parse:
    fields: list[tuple[str, Parse]] | None = None  # worked out on first use: a type may refer to itself

    def parse(data: Any) -> Any:
        nonlocal fields
        if type(data) is not dict:
            return data  # msgspec refuses it
        if fields is None:
            hints = typing.get_type_hints(kind)
            found = [(f.name, _instants(hints[f.name])) for f in dataclasses.fields(kind)]
            fields = [(name, f) for name, f in found if f is not _as_is]
        return {**data, **{name: f(data[name]) for name, f in fields if name in data}}

    return parse
