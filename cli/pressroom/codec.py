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
        return typing.cast(T, _decode(cls, data))
    except (TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"not a {cls.__name__}: {exc}") from exc


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(kind: Any, data: Any) -> Any:  # noqa: C901, PLR0911, PLR0912 - one branch per kind of type
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if data is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _decode(option, data)
            except (TypeError, ValueError, KeyError) as exc:
                errors.append(exc)
        raise ValueError(f"no type of {kind} fits: {errors}")
    if origin is tuple:
        if not isinstance(data, list):
            raise ValueError(f"expected a list, found {type(data).__name__}")
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in data)
        if len(args) != len(data):
            raise ValueError("tuple of the wrong length")
        return tuple(_decode(a, v) for a, v in zip(args, data, strict=True))
    if origin is dict:
        key_type, value_type = typing.get_args(kind)
        if not isinstance(data, dict):
            raise ValueError("expected a mapping")
        return {_decode(key_type, k): _decode(value_type, v) for k, v in data.items()}
    if dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            raise ValueError(f"expected a mapping for {kind.__name__}")
        hints = _hints(kind)
        names = {f.name for f in dataclasses.fields(kind) if f.init}
        if set(data) != names:
            raise ValueError(f"fields of {kind.__name__} differ: {sorted(set(data) ^ names)}")
        return kind(**{name: _decode(hints[name], data[name]) for name in names})
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(data)
    if kind is datetime:
        moment = datetime.fromisoformat(_str(data))
        if moment.tzinfo is None:
            raise ValueError("an instant without a time zone")
        return moment
    if kind is date:
        return date.fromisoformat(_str(data))
    if kind is Path:
        return Path(_str(data))
    if kind is bool:
        if not isinstance(data, bool):
            raise ValueError("expected true or false")
        return data
    if kind in (str, int, float):
        if not isinstance(data, kind) or isinstance(data, bool):
            raise ValueError(f"expected {kind.__name__}, found {type(data).__name__}")
        return data
    raise TypeError(f"cannot decode {kind}")


def _str(data: Any) -> str:
    if not isinstance(data, str):
        raise ValueError(f"expected text, found {type(data).__name__}")
    return data
