"""Stage two, the editorial desk's fields: corrections, withdrawal, notes to editors, the approval trail.

releases.py hands a release's front matter here; what comes back goes into
the Release as it is. Kept apart from releases.py because these fields change
for the desk's reasons (how a correction is dated, what an approval records),
not the file format's.
"""

from __future__ import annotations

from typing import Any

from pressroom.content.fields import FieldReader
from pressroom.content.source import Node, Scalar
from pressroom.errors import Severity
from pressroom.model import Notice, Settings, Status

NOTICE_FIELDS = ("date", "text")


def read_desk_fields(
    reader: FieldReader, f: dict[str, Node], top: int, status: Status, settings: Settings, digest: str
) -> dict[str, Any]:
    """The Release keyword arguments of the desk's optional fields, every problem reported.

    `digest` is the file's source_hash: when it differs from approved_hash the
    file was edited after its approval, which `check` warns about and `send`
    refuses.
    """
    corrections = []
    for i, item in enumerate(reader.items(f["corrections"], "corrections") if "corrections" in f else ()):
        notice = _notice(reader, item, f"corrections[{i}]", settings)
        if notice is not None:
            corrections.append(notice)
    withdrawn = _notice(reader, f["withdrawn"], "withdrawn", settings) if "withdrawn" in f else None
    if status is Status.WITHDRAWN and "withdrawn" not in f:
        line = f["status"].line if "status" in f else top
        reader.problem(line, "status", "a withdrawn release needs withdrawn: with the date and the reason")
    elif "withdrawn" in f and status is not Status.WITHDRAWN:
        reader.problem(f["withdrawn"].line, "withdrawn", "set status: withdrawn too, or leave withdrawn: out")
    notes: list[str] = []
    given = reader.items(f["notes_to_editors"], "notes_to_editors") if "notes_to_editors" in f else ()
    for i, item in enumerate(given):
        value = reader.text(item, f"notes_to_editors[{i}]", multiline=True)
        if value:
            notes.append(value)
    approved_by = reader.text(f["approved_by"], "approved_by") if "approved_by" in f else None
    approved_at = reader.instant(f["approved_at"], "approved_at") if "approved_at" in f else None
    approved_hash = None
    if "approved_hash" in f:
        approved_hash = reader.source_hash(f["approved_hash"], "approved_hash", "pressroom approve")
    if approved_hash is not None and approved_hash != digest:
        when = f["approved_at"].value if "approved_at" in f and isinstance(f["approved_at"], Scalar) else None
        reader.problem(
            f["approved_hash"].line,
            "approved_hash",
            f"changed since approval by {approved_by or 'someone'} at {when or 'an unknown time'}: "
            "approve it again (pressroom approve) before it is sent",
            Severity.WARNING,
        )
    return {
        "corrections": tuple(sorted(corrections, key=lambda n: n.at)),
        "withdrawn": withdrawn,
        "notes_to_editors": tuple(notes),
        "approved_by": approved_by,
        "approved_at": approved_at,
        "approved_hash": approved_hash,
    }


def _notice(reader: FieldReader, node: Node, path: str, settings: Settings) -> Notice | None:
    """{date, text}: a date (midnight in the newsroom's zone) or a date and time with its offset."""
    fields = reader.fields(node, path, NOTICE_FIELDS)
    if fields is None:
        return None
    when = fields.get("date")
    text = reader.required_text(fields.get("text"), f"{path}.text", node.line, multiline=True)
    before = reader.errors
    moment = reader.day_or_instant(when, f"{path}.date", settings.tz) if when is not None else None
    if moment is None and reader.errors == before:  # missing, or `date:` left empty
        reader.problem(when.line if when else node.line, f"{path}.date", "field required")
    if moment is None or text is None:
        return None
    return Notice(date=moment[0], at=moment[1], text=text)
