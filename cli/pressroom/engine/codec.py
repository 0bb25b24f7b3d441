"""Frozen model objects to JSON and back, for the build cache.

The cache keeps loaded releases and listing summaries between builds. JSON
rather than pickle: a cache file is data, and reading a damaged or planted one
must never run code. Decoding is strict, field by field against the
dataclass's own type hints, and any mismatch raises `ValueError`, after which
the caller ignores the cache.
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
    try:
        return typing.cast(T, _decoder(typing.cast(Any, cls))(data))
    except (TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"not a {cls.__name__}: {exc}") from exc


Decoder = typing.Callable[[Any], Any]


@functools.cache
def _decoder(kind: Any) -> Decoder:
    """A function decoding one type, worked out once: a build decodes thousands of releases."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [_decoder(o) for o in typing.get_args(kind) if o is not type(None)]
        optional = type(None) in typing.get_args(kind)

        def union(data: Any) -> Any:
            if data is None and optional:
                return None
            for option in options:
                try:
                    return option(data)
                except (TypeError, ValueError, KeyError):
                    continue
            raise ValueError(f"no type of {kind} fits")

        return union
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            return lambda data: tuple(item(v) for v in _list(data))
        items = [_decoder(a) for a in args]

        def fixed(data: Any) -> tuple[Any, ...]:
            values = _list(data)
            if len(values) != len(items):
                raise ValueError("tuple of the wrong length")
            return tuple(f(v) for f, v in zip(items, values, strict=True))

        return fixed
    if origin is dict:
        key, value = (_decoder(a) for a in typing.get_args(kind))
        return lambda data: {key(k): value(v) for k, v in _dict(data).items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclass_decoder(kind)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return lambda data: kind(data)
    if kind is datetime:
        return _instant
    if kind is date:
        return lambda data: date.fromisoformat(_str(data))
    if kind is Path:
        return lambda data: Path(_str(data))
    if kind in (str, int, float, bool):
        return functools.partial(_plain, kind)
    raise TypeError(f"cannot decode {kind}")


def _dataclass_decoder(kind: type) -> Decoder:
    names = frozenset(f.name for f in dataclasses.fields(kind) if f.init)
    fields: list[tuple[str, Decoder]] = []  # filled on first use: a type may refer to itself

    def decode_fields(data: Any) -> Any:
        if not fields:
            hints = typing.get_type_hints(kind)
            fields.extend((name, _decoder(hints[name])) for name in sorted(names))
        mapping = _dict(data)
        if mapping.keys() != names:
            raise ValueError(f"fields of {kind.__name__} differ: {sorted(set(mapping) ^ names)}")
        return kind(**{name: f(mapping[name]) for name, f in fields})

    return decode_fields


def _instant(data: Any) -> datetime:
    moment = datetime.fromisoformat(_str(data))
    if moment.tzinfo is None:
        raise ValueError("an instant without a time zone")
    return moment


def _plain(kind: type, data: Any) -> Any:
    if type(data) is not kind and not (kind is float and type(data) is int):
        raise ValueError(f"expected {kind.__name__}, found {type(data).__name__}")
    return data


def _list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise ValueError(f"expected a list, found {type(data).__name__}")
    return data


def _dict(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"expected a mapping, found {type(data).__name__}")
    return data


def _str(data: Any) -> str:
    if not isinstance(data, str):
        raise ValueError(f"expected text, found {type(data).__name__}")
    return data
