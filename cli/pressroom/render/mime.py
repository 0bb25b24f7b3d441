"""The email package's header encoding and header classes, without its repeated work.

Both give exactly what the standard library gives (tests/render/test_mime.py
compares them on generated text); they only stop redoing work per character or
per header, which was a third of the time of rendering an email:

- `Utf8`: the encoded words of a header (email.header.Header with this
  charset). The library's `Charset.header_encode_lines` fits a header into
  lines by encoding the whole line again for every character it adds
  (quadratic in the header's length, its own comments say "brute force it").
  The length of an encoded line only grows with each character, by an amount
  that character alone decides, so the same lines come from a running total.
- `HeaderClasses`: the policy's header factory. The library's registry
  creates a new class for every header set or read, parses every value it is
  given and folds each header again whenever the message is written; this
  one creates each name's class once, and parses and folds each value once:
  most headers of an email (Content-Type, its encoding, MIME-Version) are the
  same in every message, and setting a parameter sets the whole header again.
  A header object is never changed once made, so one can serve many messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from email import base64mime, quoprimime
from email.charset import RFC2047_CHROME_LEN, Charset
from email.headerregistry import BaseHeader, HeaderRegistry
from typing import Any

# The length a byte adds to a "Q"-encoded word: 1, or 3 for "=XX" (quoprimime.header_length).
_QP_LENGTH = bytes(len(quoprimime.header_encode(bytes([b]))) - len("=?iso-8859-1?q??=") for b in range(256))


class Utf8(Charset):
    """UTF-8 for headers (base64 or "Q", whichever is shorter), encoded in linear time."""

    def __init__(self) -> None:
        super().__init__("utf-8")

    def header_encode_lines(self, string: str, maxlengths: Iterator[int]) -> list[str | None]:
        """The lines `Charset.header_encode_lines` gives, each found with a running length."""
        codec = "utf-8"
        whole = string.encode(codec)
        # Base64 or "Q" for the whole header, whichever is shorter (the library's SHORTEST, UTF-8's).
        b64 = -(-len(whole) // 3) * 4 < sum(_QP_LENGTH[b] for b in whole)
        module: Any = base64mime if b64 else quoprimime
        extra = len(codec) + RFC2047_CHROME_LEN
        lines: list[str | None] = []
        current: list[str] = []
        octets = encoded = 0  # of the current line: bytes, and their "Q" length
        maxlen = next(maxlengths) - extra
        for character in string:
            data = character.encode(codec)
            size, q_size = len(data), sum(_QP_LENGTH[b] for b in data)
            length = -(-(octets + size) // 3) * 4 if b64 else encoded + q_size
            if length > maxlen:
                if not lines and not current:  # nothing fits on the first line
                    lines.append(None)
                else:
                    lines.append(module.header_encode("".join(current).encode(codec), codec))
                current, octets, encoded = [character], size, q_size
                maxlen = next(maxlengths) - extra
            else:
                current.append(character)
                octets, encoded = octets + size, encoded + q_size
        lines.append(module.header_encode("".join(current).encode(codec), codec))
        return lines


class _Header(BaseHeader):
    """A header that remembers how it was folded, for the policy it was folded for."""

    def fold(self, *, policy: Any) -> str:
        done = self.__dict__.get("_folded")
        if done is None or done[0] is not policy:
            done = self.__dict__["_folded"] = (policy, super().fold(policy=policy))
        return done[1]


class HeaderClasses(HeaderRegistry):
    """The policy's header factory: each name's class made once, each value parsed once."""

    _KEPT = 256  # distinct (name, value) pairs kept: the headers every message repeats, and more

    def __init__(self) -> None:
        super().__init__(base_class=_Header)
        self._made: dict[str, Any] = {}
        self._parsed: dict[tuple[str, str], Any] = {}

    def __getitem__(self, name: str) -> Any:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: Any) -> Any:
        if type(value) is not str:
            return super().__call__(name, value)
        key = (name, value)
        header = self._parsed.get(key)
        if header is None:
            if len(self._parsed) >= self._KEPT:
                self._parsed.clear()
            header = self._parsed[key] = super().__call__(name, value)
        return header
