"""`pressroom lint --fix`: the only rewrites safe without a person, typographic quotes and dashes.

Only the body's prose is touched: code, URLs, link targets, HTML tags and
Markdown's own markers (a `- ` list bullet, a `---` rule) are left exactly
as written, and so is the front matter, where a quote may be YAML's. The
straight-quotes lint rule asks `rewrites` the same question, so the linter
never reports what --fix would not change, nor the other way round.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pressroom.content.source import split_front_matter

# Spans of a line that are not prose: inline code, autolinks and HTML tags,
# link and image targets, bare URLs and e-mail addresses.
_PROTECTED = re.compile(r"`+[^`]*`+|<[^>\n]*>|\]\([^)\n]*\)|\b(?:https?|mailto|ftp):[^\s)>\]]+|\S+@\S+\.\w+")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_INDENTED_CODE = re.compile(r"^( {4}|\t)")
_DASH = re.compile(r"(?<=\S) -{1,2} (?=\S)")
_OPENS_AFTER = " \t([{\u2014\u2013/-\u00a0"  # a quote after these (or at the start) opens
# (double open, double close, single open, single close) by primary language tag.
QUOTES = {
    "de": ("\u201e", "\u201c", "\u201a", "\u2018"),
    "fr": ("\u00ab", "\u00bb", "\u2039", "\u203a"),
}
ENGLISH_QUOTES = ("\u201c", "\u201d", "\u2018", "\u2019")


def quotes_for(language: str) -> tuple[str, str, str, str]:
    """The typographic quotes a language prints: “…” in English, „…“ in German, «…» in French."""
    return QUOTES.get(language.split("-")[0].lower(), ENGLISH_QUOTES)


@dataclass(frozen=True, slots=True)
class Rewrite:
    """One change --fix makes: at a column of a body line, `old` becomes `new`."""

    line: int  # 0-based within the body
    column: int  # 0-based
    old: str
    new: str


def prose_lines(body: str) -> Iterator[tuple[int, str]]:
    """(index, line) of the body's lines that are prose: not in a fenced or indented code block."""
    fenced = False
    previous_blank = True
    for i, line in enumerate(body.split("\n")):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or (previous_blank and _INDENTED_CODE.match(line) and line.strip()):
            previous_blank = not line.strip()
            continue
        previous_blank = not line.strip()
        yield i, line


def _quote(line: str, at: int, quotes: tuple[str, str, str, str]) -> str:
    double_open, double_close, single_open, single_close = quotes
    char = line[at]
    before = line[at - 1] if at else " "
    after = line[at + 1] if at + 1 < len(line) else " "
    opens = before in _OPENS_AFTER or before in (double_open, single_open, '"', "'")
    if char == "'":
        if before.isalnum():
            return "\u2019"  # an apostrophe, in every language: Union's, l'Union, the 1990s'
        return single_open if opens and not after.isspace() else single_close
    return double_open if opens and not after.isspace() else double_close


def rewrites(body: str, language: str = "en") -> list[Rewrite]:
    """Every typographic rewrite of the body's prose, in reading order, with `language`'s quotes."""
    quotes = quotes_for(language)
    found = []
    for i, line in prose_lines(body):
        shielded = {k for m in _PROTECTED.finditer(line) for k in range(m.start(), m.end())}
        for at, char in enumerate(line):
            if char in "\"'" and at not in shielded:
                found.append(Rewrite(i, at, char, _quote(line, at, quotes)))
        for m in _DASH.finditer(line):
            if m.start() not in shielded:
                found.append(Rewrite(i, m.start(), m[0], " \u2013 "))
    return sorted(found, key=lambda r: (r.line, r.column))


def fixed_body(body: str, language: str = "en") -> str:
    lines = body.split("\n")
    by_line: dict[int, list[Rewrite]] = {}
    for r in rewrites(body, language):
        by_line.setdefault(r.line, []).append(r)
    for i, changes in by_line.items():
        line = lines[i]
        for r in sorted(changes, key=lambda r: r.column, reverse=True):
            line = line[: r.column] + r.new + line[r.column + len(r.old) :]
        lines[i] = line
    return "\n".join(lines)


def fix_text(text: str, rel: str, language: str = "en") -> str:
    """The file's text with its body's quotes and dashes made typographic; the front matter as it was."""
    _, _, body, body_line = split_front_matter(text, rel)
    head = "\n".join(text.split("\n")[: body_line - 1])
    return head + "\n" + fixed_body(body, language)


def fix_file(root: Path, rel: str, language: str = "en") -> str:
    """Rewrite one release file in place (temp file, then rename); return the unified diff, '' if none."""
    path = root / rel
    raw = path.read_bytes()
    crlf = b"\r\n" in raw
    text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    new = fix_text(text, rel, language)
    if new == text:
        return ""
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{rel}", f"b/{rel}"
        )
    )
    write_atomically(path, new, "\r\n" if crlf else "\n")
    return diff


def write_atomically(path: Path, text: str, newline: str = "\n") -> None:
    """Write `text` to `path` so a reader sees the old file or the new one, never half of one."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp).chmod(mode)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
