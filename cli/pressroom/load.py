"""Stage two: node trees to one validated Newsroom, or every problem at once.

An editor who made five typos wants five messages in one run, so nothing here
stops at the first problem: each check appends a Problem and carries on, and
`load_newsroom` raises a single ContentError at the end. Past this module the
code trusts the model.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from pressroom.errors import ContentError, Problem, Severity
from pressroom.model import RELEASE_FIELDS, Attendee, Contact, Link, Newsroom, Release, Settings, Status
from pressroom.settings import LANGUAGE, load_settings
from pressroom.source import Mapping, Node, Scalar, Sequence, parse_front_matter, parse_yaml, read_text
from pressroom.suggest import did_you_mean

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
CONTACT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TRANSLATION = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]*)\.(?P<lang>[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$")
# ASCII digits only: `\d` alone would let Arabic-Indic digits through to a
# confusing "not a real date".
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(:\d{2}(\.\d+)?)?)(?P<offset>Z|[+-]\d{2}:?\d{2})?$",
    re.ASCII,
)
# An instant is shown in the newsroom's zone and in UTC; within a day or so of the
# calendar's ends (years 1 and 9999) some zone has no such time, and converting
# raises OverflowError. Comparing aware datetimes never converts, so this check is safe.
_FIRST_INSTANT = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)
_LAST_INSTANT = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)
_EMAIL = re.compile(r"^[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+$")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]{5,40}$")
# Characters that have no place in a one-line field: C0/C1 controls and the
# Unicode line separators, which would split an email header or a dateline.
_LINE_BREAKERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")

REQUIRED = ("title", "date", "location")
ATTENDEE_FIELDS = ("name", "role", "organization")
LINK_FIELDS = ("title", "url")
CONTACT_FIELDS = ("name", "role", "organization", "city", "email", "phone")


def load_newsroom(root: Path) -> Newsroom:
    """Load pressroom.toml, contacts/ and releases/ under `root` into a Newsroom.

    Raises ContentError with every error found; warnings ride along on the
    returned Newsroom.
    """
    root = root.resolve()
    problems: list[Problem] = []
    try:
        settings = load_settings(root)
    except ContentError as exc:
        problems.extend(exc.problems)
        settings = Settings(name="Newsroom", url="https://example.org/", language="en", timezone="UTC")
    contacts, contact_files = _load_contacts(root, problems)
    templates = _templates(root, problems)
    releases = []
    for path in _files(root, "releases", ".md", problems):
        release = _load_release(root, path, settings, contacts, problems)
        if release is not None:
            releases.append(release)
    used = {c.id for r in releases for c in r.contacts if c.id}
    for contact_id, rel in sorted(contact_files.items()):
        if contact_id not in used and releases:
            problems.append(Problem(rel, 0, "", "no release names this contact", Severity.WARNING))
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise ContentError(problems)
    releases.sort(key=lambda r: (r.published, r.slug), reverse=True)
    return Newsroom(
        root=root,
        settings=settings,
        releases=tuple(releases),
        contacts=contacts,
        templates=templates,
        warnings=tuple(sorted(problems)),
    )


def _files(root: Path, folder: str, suffix: str, problems: list[Problem]) -> list[Path]:
    """The files of one content folder, refusing links that lead out of the newsroom."""
    base = root / folder
    if not base.is_dir():
        return []
    found = []
    for path in sorted(base.iterdir()):
        if path.name.startswith(".") or path.suffix != suffix or path.is_dir():
            continue
        rel = f"{folder}/{path.name}"
        if not path.resolve().is_relative_to(root):
            problems.append(
                Problem(rel, 0, "", "is a link to a file outside the newsroom; copy the file in instead")
            )
            continue
        found.append(path)
    return found


def _templates(root: Path, problems: list[Problem]) -> Path | None:
    """The newsroom's own templates/ folder, refusing links that lead out of the newsroom.

    Jinja reads templates and the build copies assets/ into the site following
    links, so a link in templates/ to a file elsewhere on the machine would put
    that file into the output. Links to folders are followed to check what they
    hold, each real folder once, so a loop of links ends.
    """
    folder = root / "templates"
    if not folder.is_dir():
        return None
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        real = Path(os.path.realpath(dirpath))
        here = Path(dirpath).relative_to(root).as_posix()
        if not real.is_relative_to(root):
            problems.append(
                Problem(here, 0, "", "is a link to a folder outside the newsroom; copy the folder in instead")
            )
            dirnames.clear()
            continue
        if str(real) in seen:
            dirnames.clear()
            continue
        seen.add(str(real))
        for name in filenames:
            if not Path(os.path.realpath(Path(dirpath) / name)).is_relative_to(root):
                message = "is a link to a file outside the newsroom; copy the file in instead"
                problems.append(Problem(f"{here}/{name}", 0, "", message))
    return folder


def _load_contacts(root: Path, problems: list[Problem]) -> tuple[dict[str, Contact], dict[str, str]]:
    contacts: dict[str, Contact] = {}
    files: dict[str, str] = {}
    base = root / "contacts"
    if base.is_dir():
        for path in sorted(base.glob("*.yml")):
            problems.append(Problem(f"contacts/{path.name}", 0, "", "contact files end in .yaml; rename it"))
    for path in _files(root, "contacts", ".yaml", problems):
        rel = f"contacts/{path.name}"
        contact_id = path.stem
        if not CONTACT_ID.match(contact_id):
            problems.append(
                Problem(
                    rel,
                    0,
                    "",
                    f"'{contact_id}' is not a valid contact id: use lowercase letters, digits, '-' and '_'",
                )
            )
            continue
        try:
            node = parse_yaml(read_text(path, rel), rel)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        if not isinstance(node, Mapping):
            problems.append(
                Problem(rel, node.line if node else 1, "", "a contact must be 'field: value' lines")
            )
            continue
        contact = FieldReader(rel, problems).contact(node, "", contact_id)
        if contact is not None:
            contacts[contact_id] = contact
            files[contact_id] = rel
    return contacts, files


def _load_release(
    root: Path, path: Path, settings: Settings, contacts: dict[str, Contact], problems: list[Problem]
) -> Release | None:
    rel = f"releases/{path.name}"
    slug = path.name[: -len(".md")]
    if _TRANSLATION.match(slug):
        problems.append(
            Problem(
                rel,
                0,
                "",
                "translations (<slug>.<lang>.md) are recognised but not built yet",
                Severity.WARNING,
            )
        )
        return None
    if not SLUG.match(slug):
        hint = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-") or "my-release"
        problems.append(
            Problem(
                rel,
                0,
                "",
                f"'{slug}' is not a valid slug: use lowercase letters, digits and '-', e.g. '{hint}.md'",
            )
        )
        return None
    try:
        doc = parse_front_matter(read_text(path, rel), rel)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None
    return FieldReader(rel, problems).release(slug, doc.front, doc.body, doc.body_line, settings, contacts)


@dataclass
class FieldReader:
    """Typed reading of node trees for one file, appending problems as it goes."""

    rel: str
    problems: list[Problem]
    _errors: int = field(default=0)

    def problem(self, line: int, path: str, message: str, severity: Severity = Severity.ERROR) -> None:
        if severity is Severity.ERROR:
            self._errors += 1
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
        before = self._errors
        value = None if node is None else self.text(node, path, **kw)
        # "field required" only for a missing or empty value: a refused one has its own message.
        if value is None and self._errors == before:
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
        before = self._errors
        f = self.fields(node, path, CONTACT_FIELDS) or {}
        p = f"{path}." if path else ""
        name = self.required_text(f.get("name"), f"{p}name", node.line)
        reach = self._errors
        email = self.email(f["email"], f"{p}email") if "email" in f else None
        phone = self.text(f["phone"], f"{p}phone") if "phone" in f else None
        if phone is not None and not _PHONE.match(phone):
            self.problem(
                f["phone"].line, f"{p}phone", f"'{phone}' is not a phone number (digits, spaces, + - ( ) . /)"
            )
        if email is None and phone is None and self._errors == reach:  # `email:` left empty counts too
            self.problem(node.line, path or "email", "a contact needs an email or a phone number")
        opt = {k: self.text(f[k], f"{p}{k}") if k in f else None for k in ("role", "organization", "city")}
        if self._errors > before or name is None:
            return None
        return Contact(name=name, id=contact_id, email=email, phone=phone, **opt)

    def release(
        self,
        slug: str,
        front: Mapping,
        body: str,
        body_line: int,
        settings: Settings,
        contacts: dict[str, Contact],
    ) -> Release | None:
        allowed = RELEASE_FIELDS + settings.custom_fields
        f = self.fields(front, "", allowed) or {}
        top = front.line
        title = self.required_text(f.get("title"), "title", top)
        before = self._errors
        day = self.date(f["date"], "date") if "date" in f else None
        if day is None and self._errors == before:  # missing, empty or blank; never dropped silently
            self.problem(f["date"].line if "date" in f else top, "date", "field required")
        location = self.required_text(f.get("location"), "location", top)
        opt = {k: self.text(f[k], k) if k in f else None for k in ("subtitle", "reference")}

        language = settings.language
        if "language" in f:
            language = self.text(f["language"], "language") or language
            if not LANGUAGE.match(language):
                self.problem(
                    f["language"].line,
                    "language",
                    f"expected a language tag such as 'en' or 'fr', found '{language}'",
                )
        status = Status.DRAFT
        if "status" in f:
            raw = self.text(f["status"], "status")
            if raw in ("draft", "approved"):
                status = Status(raw)
            elif raw is not None:
                self.problem(f["status"].line, "status", f"expected 'draft' or 'approved', found '{raw}'")
        embargo = self.instant(f["embargo"], "embargo") if "embargo" in f else None
        issuers = self.text_list(f["issuers"], "issuers") if "issuers" in f else ()
        tags = self.text_list(f["tags"], "tags") if "tags" in f else ()
        background = self.text(f["background"], "background", multiline=True) if "background" in f else None

        attendees = []
        for i, item in enumerate(self.items(f["attendees"], "attendees") if "attendees" in f else ()):
            path = f"attendees[{i}]"
            a = self.fields(item, path, ATTENDEE_FIELDS)
            if a is None:
                continue
            name = self.required_text(a.get("name"), f"{path}.name", item.line)
            extra = {k: self.text(a[k], f"{path}.{k}") if k in a else None for k in ("role", "organization")}
            if name:
                attendees.append(Attendee(name=name, **extra))

        links = []
        for i, item in enumerate(self.items(f["links"], "links") if "links" in f else ()):
            path = f"links[{i}]"
            lf = self.fields(item, path, LINK_FIELDS)
            if lf is None:
                continue
            before = self._errors
            url = self.url(lf["url"], f"{path}.url") if "url" in lf else None
            if url is None and self._errors == before:  # missing or `url:` left empty
                self.problem(lf["url"].line if "url" in lf else item.line, f"{path}.url", "field required")
            link_title = self.text(lf["title"], f"{path}.title") if "title" in lf else None
            if url:
                links.append(Link(title=link_title or url, url=url))

        release_contacts = []
        for i, item in enumerate(self.items(f["contacts"], "contacts") if "contacts" in f else ()):
            path = f"contacts[{i}]"
            if isinstance(item, Mapping):
                contact = self.contact(item, path)
            else:
                contact = self._contact_ref(item, path, contacts)
            if contact is not None:
                release_contacts.append(contact)

        custom = []
        for name in settings.custom_fields:
            if name in f:
                value = self.text(f[name], name, multiline=True)
                if value is not None:
                    custom.append((name, value))

        text = body.strip("\n")
        if "\x00" in text:
            self.problem(body_line, "body", "contains a NUL character; remove it")
        if not text.strip():
            self.problem(body_line, "body", "the release has no text below the front matter")

        if self._errors or title is None or day is None or location is None:
            return None
        tz = settings.tz
        if embargo is not None and embargo.astimezone(tz).date() != day:
            self.problem(
                f["embargo"].line,
                "embargo",
                f"ends on {embargo.astimezone(tz).date()}, not on the release date {day}",
                Severity.WARNING,
            )
        published = embargo if embargo is not None else datetime.combine(day, time(0), tzinfo=tz)
        return Release(
            slug=slug,
            path=self.rel,
            title=title,
            date=day,
            location=location,
            body=text,
            issuers=issuers or (settings.name,),
            language=language,
            status=status,
            published=published,
            embargo=embargo,
            tags=tags,
            attendees=tuple(attendees),
            background=background,
            links=tuple(links),
            contacts=tuple(release_contacts),
            custom=tuple(custom),
            **opt,
        )

    def _contact_ref(self, item: Node, path: str, contacts: dict[str, Contact]) -> Contact | None:
        before = self._errors
        contact_id = self.text(item, path)
        if contact_id is None:
            if isinstance(item, Scalar) and self._errors == before:  # a refused value has its message
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
