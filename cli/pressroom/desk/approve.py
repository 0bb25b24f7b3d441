"""`pressroom approve SLUG --by NAME`: a reference from its series, and the approval written into the file.

The release file is the editor's: approval changes the lines of the fields
it sets (reference, status, approved_by, approved_at, approved_hash) and
nothing else, so comments, quoting, order and blank lines stay as written.
The loader's node tree says on which line each field stands; a field the
file lacks is added as one new line. The new text is parsed again before
it replaces the file (temp file, then rename), so approval never leaves a
file the loader refuses.

approved_hash is the text's source_hash (model.py), which leaves out the
status line and the approval trail: a later edit of anything else shows in
`check` as "changed since approval", and `send` refuses the release until
it is approved again.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pressroom.content.loader import load_newsroom
from pressroom.content.source import Mapping, Scalar, parse_front_matter
from pressroom.content.suggest import did_you_mean
from pressroom.desk.config import DeskSettings, Series, load_desk_settings
from pressroom.desk.fix import write_atomically
from pressroom.desk.lint import rule_ids
from pressroom.desk.records import Approval, Records
from pressroom.errors import PressroomError, UnknownSlug
from pressroom.model import Newsroom, Status, source_hash

# The fields approval sets, in the order it adds the ones a file lacks.
ORDER = ("reference", "status", "approved_by", "approved_at", "approved_hash")
_PLAIN = re.compile(r"[A-Za-z0-9][\w .,/()'+:-]*[\w.)]|[A-Za-z0-9]")
_NAME_BREAKERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class ApproveError(PressroomError):
    """An approval was refused."""


@dataclass(frozen=True, slots=True)
class Approved:
    path: str
    reference: str | None
    allocated: bool  # the reference is new, from its series
    hash: str
    diff: str


def approve(root: Path, key: str, by: str, now: datetime, series: str | None = None) -> Approved:
    """Approve the release (or translation) `key` as `by` at `now`: see the module's docstring.

    Raises ContentError when the newsroom has errors (a release with errors is
    never approved), ApproveError for a refusal.
    """
    root = root.resolve()
    name = by.strip()
    if not name or _NAME_BREAKERS.search(name):
        raise ApproveError("--by needs the approver's name, on one line")
    newsroom = load_newsroom(root)
    release = newsroom.find(key)
    if release is None:
        keys = [r.key for r in (*newsroom.releases, *newsroom.translations)]
        raise UnknownSlug([key], did_you_mean(key, keys))
    desk = load_desk_settings(root, rule_ids())
    at = now.astimezone(newsroom.settings.tz).replace(microsecond=0)
    path = root / release.path
    raw = path.read_bytes()
    bom, crlf = raw.startswith(b"\xef\xbb\xbf"), b"\r\n" in raw
    text = raw.decode("utf-8-sig").replace("\r\n", "\n")

    reference, allocated = release.reference, False
    chosen = _series(desk, series)
    if release.reference is None and not release.is_translation and chosen is not None:
        with Records.open(root) as records:
            reference = records.allocate(
                release.slug,
                chosen.name,
                chosen.counter,
                str(release.date.year) if chosen.yearly else "",
                lambda n: chosen.reference(release.date.year, n),
                at,
                floor=_highest(newsroom, desk, chosen, release.date.year),
            )
        allocated = True
    values = {
        "status": Status.WITHDRAWN.value if release.status is Status.WITHDRAWN else Status.APPROVED.value,
        "approved_by": name,
        "approved_at": at.isoformat(),
        "approved_hash": "0" * 12,
    }
    if allocated and reference is not None:
        values = {"reference": reference} | values
    draft = set_fields(text, release.path, values)
    digest = source_hash(draft)  # leaves out the approval lines: the placeholder does not count
    new = set_fields(draft, release.path, {"approved_hash": digest})
    parse_front_matter(new, release.path)  # never write a file the loader would refuse
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"a/{release.path}",
            f"b/{release.path}",
        )
    )
    out = new.replace("\n", "\r\n") if crlf else new
    write_atomically(path, ("\ufeff" if bom else "") + out, "\n")
    with Records.open(root) as records:
        records.record(Approval(release.key, release.path, digest, name, at, reference))
    return Approved(release.path, reference, allocated, digest, diff)


def _series(desk: DeskSettings, name: str | None) -> Series | None:
    chosen = desk.find_series(name)
    if name is not None and chosen is None:
        known = [s.name for s in desk.series]
        if not known:
            raise ApproveError(f"--series {name}: pressroom.toml has no [references] series")
        raise ApproveError(f"no reference series {name} in pressroom.toml{did_you_mean(name, known)}")
    return chosen


def _highest(newsroom: Newsroom, desk: DeskSettings, series: Series, year: int) -> int:
    """The highest number of this counter already written in a release by hand, for `year`."""
    sharing = [s for s in desk.series if s.counter == series.counter]
    numbers = [
        n
        for r in newsroom.releases
        if r.reference is not None
        for s in sharing
        if (n := s.number_of(r.reference, year if s.yearly else 0)) is not None
    ]
    return max(numbers, default=0)


def set_fields(text: str, rel: str, values: dict[str, str]) -> str:
    """`text` with each top-level field of `values` set, every other line untouched.

    A field present keeps its line, its spacing after the colon and a trailing
    comment; a field absent is added on a line of its own next to its
    neighbours in ORDER (after the one before it, else before the one after
    it), else at the end of the front matter.
    """
    doc = parse_front_matter(text, rel)
    lines = text.split("\n")
    close = doc.body_line - 2  # index of the closing '---'
    where = _top_level_lines(doc.front, lines, close)
    for name, value in sorted(values.items(), key=lambda kv: ORDER.index(kv[0])):
        rendered = _scalar(value)
        if name in where:
            start, end = where[name]
            if end != start + 1:
                raise ApproveError(
                    f"{rel}:{start + 1}: {name}: its value spans several lines; "
                    f"write it on one line as '{name}: ...' and approve again"
                )
            match = re.match(r"^(\S+?\s*:[ \t]*)(.*?)((?:[ \t]+#.*)?)$", lines[start])
            assert match is not None  # the loader found the key on this line
            lines[start] = f"{match[1] if match[2] else name + ': '}{rendered}{match[3]}"
            continue
        index = ORDER.index(name)
        before = [n for n in reversed(ORDER[:index]) if n in where]
        after = [n for n in ORDER[index + 1 :] if n in where]
        at = where[before[0]][1] if before else where[after[0]][0] if after else close
        lines.insert(at, f"{name}: {rendered}")
        where = {n: (s + (s >= at), e + (e >= at)) for n, (s, e) in where.items()}
        where[name] = (at, at + 1)
        close += 1
    return "\n".join(lines)


def _top_level_lines(front: Mapping, lines: list[str], close: int) -> dict[str, tuple[int, int]]:
    """Each top-level field's lines as (first, after last) 0-based indexes.

    A value on the key's own line ends there, unless the lines up to the next
    field continue it (a plain scalar folded onto an indented line); comment
    and blank lines after it belong to no field and are kept where they are.
    """
    keys = [(key.value or "", key.line - 1, value) for key, value in front.items]
    spans = {}
    for n, (name, start, value) in enumerate(keys):
        end = keys[n + 1][1] if n + 1 < len(keys) else close
        if isinstance(value, Scalar) and value.line - 1 == start:
            rest = [line.strip() for line in lines[start + 1 : end]]
            if all(not line or line.startswith("#") for line in rest):
                end = start + 1
        spans[name] = (start, end)
    return spans


def _scalar(value: str) -> str:
    """A YAML scalar that reads back as `value`: plain when that is safe, else double-quoted."""
    if _PLAIN.fullmatch(value) and ": " not in value and " #" not in value and not value.endswith(":"):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
