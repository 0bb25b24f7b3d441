"""Stage one: raw bytes to a YAML node tree with line numbers, plus the Markdown body.

Every scalar stays text here. YAML 1.1 would turn `NO` into false and `10:30`
into 630; we compose the tree from libyaml's event stream ourselves, so no
scalar is resolved, and tags, anchors, aliases and duplicate keys are refused
with the line they stand on. The loader gives each field its type.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from pressroom.errors import ContentError, Problem
from pressroom.model import RELEASE_FIELDS

try:  # libyaml's parser is some 10x faster; the pure-Python one gives the same events.
    _YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _YamlLoader = yaml.SafeLoader

# Front matter is at most this deep (release -> attendees -> attendee -> field).
_MAX_DEPTH = 8
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# What YAML refuses to read, found before it does: libyaml reports these with a
# byte offset and no line. The noncharacters U+FDD0..U+FDEF are refused too,
# because three of them stand in for line breaks below. Written as the characters
# refused (controls but tab and line feed, the carriage return among them, DEL to
# U+009F but NEL, surrogates, U+FFFE, U+FFFF), not as YAML's printable ranges:
# compiling those took milliseconds in every process.
_NOT_YAML = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
# YAML also breaks lines at NEL, LS and PS, where an editor shows one line:
# every line number after such a character would be off by one, and a pasted
# U+2028 in a title would be a baffling syntax error. YAML reads stand-ins
# instead; each scalar gets the real character back, and the loader refuses it
# in one-line fields like any other line break.
# Most text has none of them: a search is what most files and scalars cost, not a translate.
_HIDE_BREAKS = str.maketrans("\x85\u2028\u2029", "\ufdd0\ufdd1\ufdd2")
_SHOW_BREAKS = str.maketrans("\ufdd0\ufdd1\ufdd2", "\x85\u2028\u2029")
_BREAKS = re.compile("[\x85\u2028\u2029]")
_STAND_INS = re.compile("[\ufdd0-\ufdd2]")


@dataclass(frozen=True, slots=True)
class Scalar:
    value: str | None  # None for an empty or `null` plain scalar
    line: int


@dataclass(frozen=True, slots=True)
class Mapping:
    items: tuple[tuple[Scalar, Node], ...]
    line: int


@dataclass(frozen=True, slots=True)
class Sequence:
    items: tuple[Node, ...]
    line: int


Node = Scalar | Mapping | Sequence


@dataclass(frozen=True, slots=True)
class Document:
    """A release file split into its parts."""

    path: str
    front: Mapping
    body: str
    body_line: int  # file line where the body starts


def read_bytes(path: Path, rel: str) -> bytes:
    """The bytes of a regular file: every reader of a newsroom's files comes through here.

    A named pipe called releases/x.md would block a plain open() until
    something writes to it, and `check`, `build` and `serve` would wait
    forever; a device would be read without end. Such a file is refused
    without being read: looked at before it is opened (opening a device can
    act on it), opened without blocking, and looked at again through the open
    file, in case it was swapped in between.
    """
    ensure_regular(path, rel)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as handle:
            kind = _not_regular(os.fstat(fd).st_mode)
            if kind is None:
                return handle.read()
    except OSError as exc:
        raise _unreadable(rel, exc) from None
    raise ContentError([_irregular(rel, kind)])


Signature = tuple[int, int, int, int]  # size, modification and change times, inode
# A file changed twice within one tick of the file system's clock keeps its times (and,
# written in place, its size and inode): only a file left alone this long is known by them.
SETTLED_NS = 2_000_000_000


def signature(path: Path) -> Signature | None:
    """What the file system says of a regular file (a link followed), without reading it; None for
    anything else (read_bytes says what it is)."""
    try:
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def settled(found: Signature, now_ns: int) -> bool:
    """Whether a file with this signature, taken before it was read, will have another once changed.

    Every change sets the change time to the kernel's clock, which no one can
    set back; a change within the same tick as the last one may leave all four
    numbers as they were. So a file is known by its signature only once its
    change time is `SETTLED_NS` before `now_ns` (the rule git uses for its index).
    """
    return now_ns - found[2] > SETTLED_NS


def ensure_regular(path: Path, rel: str) -> None:
    """Raise ContentError unless `path` is a regular file (or a link to one); nothing is opened."""
    try:
        kind = _not_regular(path.stat().st_mode)
    except OSError as exc:
        raise _unreadable(rel, exc) from None
    if kind is not None:
        raise ContentError([_irregular(rel, kind)])


def _unreadable(rel: str, exc: OSError) -> ContentError:
    # a dangling link, a file without read permission
    reason = (exc.strerror or str(exc)).lower()
    return ContentError([Problem(rel, 0, "", f"cannot be read: {reason}")])


def _irregular(rel: str, kind: str) -> Problem:
    return Problem(rel, 0, "", f"not a regular file but {kind}; pressroom reads only plain files")


def _not_regular(mode: int) -> str | None:
    """What a file is when it is not a regular file, e.g. 'a named pipe (FIFO)'; None when it is one."""
    if stat.S_ISREG(mode):
        return None
    kinds = (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "a special file")


def read_text(path: Path, rel: str) -> str:
    """Read a UTF-8 regular file, drop a BOM and normalise line ends to \\n."""
    data = read_bytes(path, rel)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ContentError(
            [Problem(rel, line, "", f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8")]
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, rel: str) -> tuple[str, int, str, int]:
    """Return (yaml, first yaml line, body, first body line) of a `---` fenced file."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise ContentError(
            [Problem(rel, 1, "", "front matter missing: the file must start with a '---' line")]
        )
    for i in range(1, len(lines)):
        if lines[i].rstrip() == "---":
            body_lines = lines[i + 1 :]
            _refuse_second_block(body_lines, i + 2, rel)
            return "\n".join(lines[1:i]), 2, "\n".join(body_lines), i + 2
    raise ContentError(
        [Problem(rel, 1, "", "front matter never closed: add a '---' line after the last field")]
    )


_FIELD_LINE = re.compile(rf"^\s*({'|'.join(RELEASE_FIELDS)})\s*:")


def _refuse_second_block(lines: list[str], first_line: int, rel: str) -> None:
    """A second `key: value` block fenced by `---` in the body is front matter in disguise.

    Markdown would print it, or turn it into a heading, and a reader could
    believe `status: approved` there counts. Refuse it instead. Rules around
    ordinary text ("Note: ...") stay legal: only a block that sets a field of
    the contract counts.
    """
    fences = [i for i, line in enumerate(lines) if line.rstrip() == "---"]
    for a, b in itertools.pairwise(fences):
        if any(_FIELD_LINE.match(line) for line in lines[a + 1 : b]):
            raise ContentError(
                [
                    Problem(
                        rel,
                        first_line + a,
                        "",
                        "a second '---' block in the body: only the block at the top of the file "
                        "is front matter; move these fields there",
                    )
                ]
            )


def parse_front_matter(text: str, rel: str) -> Document:
    """Split a release file and parse its front matter into a Mapping node."""
    yaml_text, yaml_line, body, body_line = split_front_matter(text, rel)
    node = parse_yaml(yaml_text, rel, yaml_line)
    if node is None:
        raise ContentError(
            [Problem(rel, yaml_line, "", "front matter is empty: it needs at least title, date and location")]
        )
    if not isinstance(node, Mapping):
        raise ContentError([Problem(rel, node.line, "", "front matter must be 'field: value' lines")])
    return Document(rel, node, body, body_line)


def parse_yaml(text: str, rel: str, first_line: int = 1) -> Node | None:
    """Compose one YAML document into plain nodes; every scalar stays a string."""
    bad = _NOT_YAML.search(text)
    if bad:
        char = bad[0]
        what = "control character" if unicodedata.category(char) == "Cc" else "character"
        line = first_line + text.count("\n", 0, bad.start())
        raise ContentError([Problem(rel, line, "", f"contains the {what} U+{ord(char):04X}; remove it")])
    # Events are pulled one at a time, so the depth limit stops a pathological
    # file early: libyaml takes quadratic time over deeply nested flow collections.
    events = yaml.parse(text.translate(_HIDE_BREAKS) if _BREAKS.search(text) else text, Loader=_YamlLoader)
    try:
        return _Composer(events, rel, first_line).document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        raise ContentError(
            [Problem(rel, line, "", f"YAML syntax error: {exc.problem or exc.context}")]
        ) from None
    except yaml.YAMLError as exc:  # a reader error _NOT_YAML did not foresee: it has no mark
        raise ContentError([Problem(rel, first_line, "", f"YAML error: {exc}")]) from None


class _Composer:
    def __init__(self, events: Iterator[yaml.Event], rel: str, first_line: int) -> None:
        self._events = events
        self._ahead = next(events)
        self._rel = rel
        self._first = first_line

    def document(self) -> Node | None:
        self._next()  # StreamStart
        if isinstance(self._peek(), yaml.StreamEndEvent):
            return None
        self._next()  # DocumentStart
        node = self._node(0)
        self._next()  # DocumentEnd
        if not isinstance(self._peek(), yaml.StreamEndEvent):
            raise self._error(self._peek(), "", "only one YAML document is allowed")
        return node

    def _peek(self) -> yaml.Event:
        return self._ahead

    def _next(self) -> yaml.Event:
        event = self._ahead
        if not isinstance(event, yaml.StreamEndEvent):
            self._ahead = next(self._events)
        return event

    def _line(self, event: yaml.Event) -> int:
        mark = event.start_mark
        return self._first + (mark.line if mark else 0)

    def _error(self, event: yaml.Event, field: str, message: str) -> ContentError:
        return ContentError([Problem(self._rel, self._line(event), field, message)])

    def _node(self, depth: int, field: str = "") -> Node:
        event = self._next()
        if isinstance(event, yaml.AliasEvent):
            raise self._error(
                event, field, f"YAML aliases (*{event.anchor}) are not allowed; write the value out"
            )
        anchor, tag = getattr(event, "anchor", None), getattr(event, "tag", None)
        if anchor:
            raise self._error(event, field, f"YAML anchors (&{anchor}) are not allowed")
        if tag:
            tag = re.sub(r"^tag:yaml\.org,2002:", "!!", tag)  # as the author wrote it
            raise self._error(event, field, f"YAML tags ({tag}) are not allowed; write plain text")
        if depth > _MAX_DEPTH:
            raise self._error(event, field, f"nested more than {_MAX_DEPTH} levels deep")
        line = self._line(event)
        if isinstance(event, yaml.ScalarEvent):
            plain = not event.style  # None from the pure-Python parser, "" from libyaml
            value = None if plain and event.value in _NULLS else event.value
            if value is not None and _STAND_INS.search(value):
                value = value.translate(_SHOW_BREAKS)
            return Scalar(value, line)
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Node] = []
            while not isinstance(self._peek(), yaml.SequenceEndEvent):
                items.append(self._node(depth + 1, f"{field}[{len(items)}]"))
            self._next()
            return Sequence(tuple(items), line)
        if isinstance(event, yaml.MappingStartEvent):
            pairs: list[tuple[Scalar, Node]] = []
            seen: dict[str, int] = {}
            while not isinstance(self._peek(), yaml.MappingEndEvent):
                key_event = self._peek()
                key = self._node(depth + 1, field)
                if not isinstance(key, Scalar) or key.value is None:
                    raise self._error(key_event, field, "a field name must be plain text")
                path = f"{field}.{key.value}" if field else key.value
                if key.value in seen:
                    raise self._error(
                        key_event, path, f"duplicate field (first given on line {seen[key.value]})"
                    )
                seen[key.value] = key.line
                pairs.append((key, self._node(depth + 1, path)))
            self._next()
            return Mapping(tuple(pairs), line)
        raise self._error(event, field, "unexpected YAML structure")  # pragma: no cover
