"""JSON as the exports write it: UTF-8, key order kept, a final newline, the same bytes for the
same data.

The bytes are those of the standard library's `json.dumps(data, ensure_ascii=False,
indent=2)` (or, compact, with `separators=(",", ":")`), a test holds them to it; msgspec
writes them, ten times as fast: the archive's releases.json and search index (1 MB and
2.5 MB at 1,000 releases) are written again on every edit that changes a listing.
"""

from __future__ import annotations

import msgspec.json


def dump(data: object, *, compact: bool = False) -> bytes:
    """`data` (mappings, lists, text, whole numbers, booleans, None) as JSON with a final newline;
    indented by two spaces unless `compact`."""
    return _text(data, compact=compact) + b"\n"


def script_value(data: object) -> str:
    """`data` as compact JSON to stand in a script as a JavaScript expression: JSON is one, once
    the two line separators that JavaScript once refused in a string are escaped."""
    text = _text(data, compact=True).decode("utf-8")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _text(data: object, *, compact: bool) -> bytes:
    encoded = msgspec.json.encode(data)
    return encoded if compact else msgspec.json.format(encoded, indent=2)
