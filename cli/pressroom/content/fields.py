"""Stage two, field by field: typed values read from a file's node tree, each problem with its line.

`FieldReader` turns the nodes of source.py into text, dates, instants,
addresses, lists and contacts, appending a Problem for each value it refuses
and carrying on, so that one run reports every problem of a file.
releases.py reads a release's fields with it; the loader, contact files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from pressroom.content.source import Mapping, Node, Scalar, Sequence
from pressroom.content.suggest import did_you_mean
from pressroom.errors import Problem, Severity
from pressroom.model import Contact

# \Z, not $, in every pattern here: `$` also matches before a final newline, and a
# file named "abc\n.md" would pass as the slug "abc\n" and publish a folder of that name.
CONTACT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*\Z")
CONTACT_FIELDS = ("name", "role", "organization", "city", "email", "phone")
# ASCII digits only: `\d` alone would let Arabic-Indic digits through to a
# confusing "not a real date".
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(:\d{2}(\.\d+)?)?)"
    r"(?P<offset>Z|[+-]\d{2}:?\d{2})?\Z",
    re.ASCII,
)
# An instant is shown in the newsroom's zone and in UTC; within a day or so of the
# calendar's ends (years 1 and 9999) some zone has no such time, and converting
# raises OverflowError. Comparing aware datetimes never converts, so this check is safe.
_FIRST_INSTANT = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)
_LAST_INSTANT = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)
_EMAIL = re.compile(r"^[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+\Z")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]{5,40}\Z")
# Characters that have no place in a one-line field: C0/C1 controls and the
# Unicode line separators, which would split an email header or a dateline.
_LINE_BREAKERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\u2028\u2029]")


@dataclass
class FieldReader:
    """Typed reading of node trees for one file, appending problems as it goes.

    `errors` counts the errors so far, so a caller can tell whether a step added one.
    """

    rel: str
    problems: list[Problem]
    errors: int = field(default=0)

    def problem(self, line: int, path: str, message: str, severity: Severity = Severity.ERROR) -> None:
        if severity is Severity.ERROR:
            self.errors += 1
        self.problems.append(Problem(self.rel, line, path, message, severity))

    # -- scalars ---------------------------------------------------------------

    def text(self, node: Node, path: str, *, multiline: bool = False) -> str | None:
        if not isinstance(node, Scalar):
            kind = "a list" if isinstance(node, Sequence) else "a set of fields"
            self.problem(node.line, path, f"expected text, found {kind}")
            return None
        if node.value is None:
            return None
        value = node.value.strip()
        bad = (_CONTROLS if multiline else _LINE_BREAKERS).search(value)
        if bad:
            what = (
                "a line break"
                if bad[0] in "\n\r\u2028\u2029"
                else f"the control character U+{ord(bad[0]):04X}"
            )
            self.problem(
                node.line, path, f"contains {what}; {'remove it' if multiline else 'keep it on one line'}"
            )
            return None
        return value or None

    def required_text(self, node: Node | None, path: str, line: int, **kw: bool) -> str | None:
        before = self.errors
        value = None if node is None else self.text(node, path, **kw)
        # "field required" only for a missing or empty value: a refused one has its own message.
        if value is None and self.errors == before:
            self.problem(node.line if node else line, path, "field required")
        return value

    def date(self, node: Node, path: str) -> date | None:
        value = self.text(node, path)
        if value is None:
            return None
        if not _DATE.match(value):
            self.problem(node.line, path, f"expected a date as YYYY-MM-DD, found '{value}'")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problem(node.line, path, f"'{value}' is not a real date")
            return None

    def instant(self, node: Node, path: str) -> datetime | None:
        value = self.text(node, path)
        if value is None:
            return None
        match = _DATETIME.match(value)
        if not match:
            self.problem(
                node.line,
                path,
                f"expected a date and time such as 2018-05-25T12:00:00+02:00, found '{value}'",
            )
            return None
        if not match["offset"]:
            self.problem(
                node.line, path, f"'{value}' has no UTC offset: add one, e.g. '{value}+02:00' or '{value}Z'"
            )
            return None
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
        except ValueError:
            self.problem(node.line, path, f"'{value}' is not a real date and time")
            return None
        if not _FIRST_INSTANT <= moment <= _LAST_INSTANT:
            self.problem(node.line, path, f"'{value}' is too near the year 1 or 9999 for every time zone")
            return None
        return moment

    def email(self, node: Node, path: str) -> str | None:
        value = self.text(node, path)
        if value is not None and not _EMAIL.match(value):
            self.problem(node.line, path, f"'{value}' is not an email address")
            return None
        return value

    def url(self, node: Node, path: str) -> str | None:
        value = self.text(node, path)
        if value is None:
            return None
        parts = urlsplit(value)
        ok = (parts.scheme in ("http", "https") and parts.netloc) or (parts.scheme == "mailto" and parts.path)
        if not ok or re.search(r"\s", value):
            self.problem(node.line, path, f"expected an http, https or mailto address, found '{value}'")
            return None
        return value

    def text_list(self, node: Node, path: str) -> tuple[str, ...]:
        if isinstance(node, Scalar) and node.value is None:
            return ()  # `tags:` left empty means none, as an empty `subtitle:` does
        if not isinstance(node, Sequence):
            self.problem(node.line, path, "expected a list, e.g. [first, second]")
            return ()
        values = (self.text(item, f"{path}[{i}]") for i, item in enumerate(node.items))
        return tuple(v for v in values if v)

    def items(self, node: Node, path: str) -> tuple[Node, ...]:
        if isinstance(node, Sequence):
            return node.items
        if isinstance(node, Scalar) and node.value is None:
            return ()
        self.problem(node.line, path, "expected a list (one '- ' line per entry)")
        return ()

    def fields(self, node: Node, path: str, allowed: tuple[str, ...]) -> dict[str, Node] | None:
        """A mapping's fields by name, after reporting the unknown ones."""
        if not isinstance(node, Mapping):
            self.problem(node.line, path, f"expected fields ({', '.join(allowed)})")
            return None
        found = {}
        for key, value in node.items:
            name = key.value or ""
            if name in allowed:
                found[name] = value
            else:
                where = f"{path}.{name}" if path else name
                self.problem(key.line, where, f"unknown field{did_you_mean(name, allowed)}")
        return found

    # -- records ---------------------------------------------------------------

    def contact(self, node: Mapping, path: str, contact_id: str | None = None) -> Contact | None:
        before = self.errors
        f = self.fields(node, path, CONTACT_FIELDS) or {}
        p = f"{path}." if path else ""
        name = self.required_text(f.get("name"), f"{p}name", node.line)
        reach = self.errors
        email = self.email(f["email"], f"{p}email") if "email" in f else None
        phone = self.text(f["phone"], f"{p}phone") if "phone" in f else None
        if phone is not None and not _PHONE.match(phone):
            self.problem(
                f["phone"].line, f"{p}phone", f"'{phone}' is not a phone number (digits, spaces, + - ( ) . /)"
            )
        if email is None and phone is None and self.errors == reach:  # `email:` left empty counts too
            self.problem(node.line, path or "email", "a contact needs an email or a phone number")
        opt = {k: self.text(f[k], f"{p}{k}") if k in f else None for k in ("role", "organization", "city")}
        if self.errors > before or name is None:
            return None
        return Contact(name=name, id=contact_id, email=email, phone=phone, **opt)

    def contact_ref(self, item: Node, path: str, contacts: dict[str, Contact]) -> Contact | None:
        before = self.errors
        contact_id = self.text(item, path)
        if contact_id is None:
            if isinstance(item, Scalar) and self.errors == before:  # a refused value has its message
                self.problem(item.line, path, "expected a contact id or a contact with name and email")
            return None
        if not CONTACT_ID.match(contact_id):
            self.problem(
                item.line,
                path,
                f"'{contact_id}' is not a valid contact id: use lowercase letters, digits, '-' and '_'",
            )
            return None
        if contact_id not in contacts:
            hint = did_you_mean(contact_id, contacts)
            self.problem(
                item.line, path, f"unknown contact '{contact_id}' (no contacts/{contact_id}.yaml){hint}"
            )
            return None
        return contacts[contact_id]
