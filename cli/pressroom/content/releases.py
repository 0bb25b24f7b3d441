"""Stage two, a release: its front matter and body read into one Release, or the problems of its file.

A translation (releases/<slug>.<lang>.md) is read the same way and then held
to its original: it may repeat the original's date and embargo, not change
them, and what it does not state (issuers, reference, tags, contacts, custom
fields) it takes from the original. Either way the Release is made once, from
every value known, and only when the file has no error.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from pressroom.content.config import LANGUAGE
from pressroom.content.editorial import read_desk_fields
from pressroom.content.fields import FieldReader
from pressroom.content.media import check_references, hold_to_original, read_media
from pressroom.content.source import Mapping, Node
from pressroom.errors import Severity
from pressroom.languages import same_tag
from pressroom.model import (
    RELEASE_FIELDS,
    TRANSLATION_FIELDS,
    Attendee,
    Contact,
    Link,
    MediaFile,
    Release,
    Settings,
    Status,
)

ATTENDEE_FIELDS = ("name", "role", "organization")
LINK_FIELDS = ("title", "url")
# What the body may not keep: C0 controls but tab and line feed (a carriage return is
# a line end by now), DEL and C1. Invisible leftovers of copy and paste (ESC, the
# word processor's vertical tab), they would make the feeds' XML unwritable; each is
# dropped with a warning naming its line. NUL is refused: it means a binary file.
_BODY_CONTROLS = re.compile(r"[\x01-\x08\x0b-\x1f\x7f-\x9f]")


def read_release(
    r: FieldReader,
    slug: str,
    front: Mapping,
    body: str,
    body_line: int,
    settings: Settings,
    contacts: dict[str, Contact],
    *,
    digest: str = "",
    translation: str | None = None,
    original: Release | None = None,
    declared: list[tuple[int, MediaFile]] | None = None,
) -> Release | None:
    """One release; or with `translation` (its language tag), a translation of `original`.

    A translation's `original` is None when the original did not load: its
    own fields are still checked, and nothing is returned. `declared` receives
    the media list's good entries with their places, for the loader to check
    their files even when the release has errors.
    """
    # translated_from is known to every release, so that an original stating it
    # hears why it may not, rather than "unknown field".
    allowed = RELEASE_FIELDS + TRANSLATION_FIELDS + settings.custom_fields
    f = r.fields(front, "", allowed) or {}
    top = front.line
    title = r.required_text(f.get("title"), "title", top)
    before = r.errors
    day = r.date(f["date"], "date") if "date" in f else None
    # Missing, empty or blank is never dropped silently; a translation has its original's.
    if day is None and r.errors == before and translation is None:
        r.problem(f["date"].line if "date" in f else top, "date", "field required")
    location = r.required_text(f.get("location"), "location", top)
    subtitle = r.text(f["subtitle"], "subtitle") if "subtitle" in f else None
    reference = r.text(f["reference"], "reference") if "reference" in f else None
    language = _language(r, f, settings, translation)
    translated_from = _translated_from(r, f.get("translated_from"), translation, original)
    status = _status(r, f)
    desk = read_desk_fields(r, f, top, status, settings, digest)
    before = r.errors
    embargo = r.instant(f["embargo"], "embargo") if "embargo" in f else None
    if "embargo" in f and embargo is None and r.errors == before:
        # A blank field is one not filled in yet: publishing at once would be the worst guess.
        r.problem(
            f["embargo"].line,
            "embargo",
            "left empty: write when it lifts, e.g. 2018-05-25T12:00:00+02:00, "
            "or remove the line if there is no embargo",
        )
    issuers = r.text_list(f["issuers"], "issuers") if "issuers" in f else ()
    tags = r.text_list(f["tags"], "tags") if "tags" in f else ()
    background = r.text(f["background"], "background", multiline=True) if "background" in f else None
    attendees = _attendees(r, f)
    links = _links(r, f)
    named = _contacts(r, f, contacts)
    custom = _custom(r, f, settings)
    text = _body(r, body, body_line).strip("\n")
    if not text.strip():
        r.problem(body_line, "body", "the release has no text below the front matter")
    entries = read_media(r, f.get("media"), slug)
    if declared is not None:
        declared.extend(entries)
    media = tuple(m for _, m in entries)
    if translation is not None and original is not None:
        hold_to_original(r, entries, original)
        # The original's kit, in its order, told in the translation's words where it gives them.
        own = {m.name: m for m in media}
        media = tuple(own.get(m.name, m) for m in original.media)
    check_references(r, body, body_line, media, slug, f["media"].line if "media" in f else top)

    if translation is not None:
        if original is None or r.errors or title is None or location is None:
            return None
        day = day or original.date
        _hold_to_original(r, original, f, top, day, embargo, len(attendees), len(links))
        if r.errors:
            return None
        # Empty counts as absent here too; custom fields are taken one by one.
        embargo, published = original.embargo, original.published
        issuers, tags = issuers or original.issuers, tags or original.tags
        reference = reference or original.reference
        named = named or original.contacts
        custom = tuple((dict(original.custom) | dict(custom)).items())
    else:
        if r.errors or title is None or day is None or location is None:
            return None
        tz = settings.tz
        if embargo is not None and embargo.astimezone(tz).date() != day:
            r.problem(
                f["embargo"].line,
                "embargo",
                f"ends on {embargo.astimezone(tz).date()}, not on the release date {day}",
                Severity.WARNING,
            )
        published = embargo if embargo is not None else datetime.combine(day, time(0), tzinfo=tz)
        issuers = issuers or (settings.name,)
    return Release(
        slug=slug,
        path=r.rel,
        title=title,
        date=day,
        location=location,
        body=text,
        issuers=issuers,
        language=language,
        status=status,
        published=published,
        subtitle=subtitle,
        reference=reference,
        embargo=embargo,
        tags=tags,
        attendees=attendees,
        background=background,
        links=links,
        contacts=named,
        custom=custom,
        source_hash=digest,
        translation_of=slug if translation is not None else None,
        translated_from=translated_from,
        original=original if translation is not None else None,
        media=media,
        **desk,
    )


def _body(r: FieldReader, body: str, first_line: int) -> str:
    """The body without control characters, each line that had some named in one warning."""
    nul = body.find("\x00")
    if nul >= 0:
        r.problem(first_line + body.count("\n", 0, nul), "body", "contains a NUL character; remove it")
    found = list(_BODY_CONTROLS.finditer(body))
    if not found:
        return body
    lines = sorted({first_line + body.count("\n", 0, m.start()) for m in found})
    codes = ", ".join(sorted({f"U+{ord(m[0]):04X}" for m in found}))
    count = "an invisible control character"
    if len(found) > 1:
        count = f"{len(found)} invisible control characters"
    where = "" if len(lines) == 1 else f" on lines {_series([str(n) for n in lines])}"
    r.problem(
        lines[0],
        "body",
        f"dropped {count} ({codes}){where}, most likely left over from copying and pasting",
        Severity.WARNING,
    )
    return _BODY_CONTROLS.sub("", body)


def _series(items: list[str], most: int = 8) -> str:
    """'3, 5 and 9'; past `most` items, '3, 5, ... and 4 more'."""
    if len(items) > most:
        return f"{', '.join(items[:most])} and {len(items) - most} more"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _language(r: FieldReader, f: dict[str, Node], settings: Settings, translation: str | None) -> str:
    """The `language` field, else the newsroom's; a translation's is its file name's."""
    language = settings.language
    if "language" in f:
        language = r.text(f["language"], "language") or language
        if not LANGUAGE.match(language):
            r.problem(
                f["language"].line,
                "language",
                f"expected a language tag such as 'en' or 'fr', found '{language}'",
            )
        elif translation is not None and not same_tag(language, translation):
            r.problem(
                f["language"].line,
                "language",
                f"'{language}' differs from the file name's '{translation}': "
                "leave it out, a translation's file name gives its language",
            )
    return translation if translation is not None else language


def _status(r: FieldReader, f: dict[str, Node]) -> Status:
    if "status" not in f:
        return Status.DRAFT
    raw = r.text(f["status"], "status")
    if raw in tuple(Status):
        return Status(raw)
    if raw is not None:
        r.problem(f["status"].line, "status", f"expected 'draft', 'approved' or 'withdrawn', found '{raw}'")
    return Status.DRAFT


def _attendees(r: FieldReader, f: dict[str, Node]) -> tuple[Attendee, ...]:
    attendees = []
    for i, item in enumerate(r.items(f["attendees"], "attendees") if "attendees" in f else ()):
        path = f"attendees[{i}]"
        a = r.fields(item, path, ATTENDEE_FIELDS)
        if a is None:
            continue
        name = r.required_text(a.get("name"), f"{path}.name", item.line)
        extra = {k: r.text(a[k], f"{path}.{k}") if k in a else None for k in ("role", "organization")}
        if name:
            attendees.append(Attendee(name=name, **extra))
    return tuple(attendees)


def _links(r: FieldReader, f: dict[str, Node]) -> tuple[Link, ...]:
    links = []
    for i, item in enumerate(r.items(f["links"], "links") if "links" in f else ()):
        path = f"links[{i}]"
        lf = r.fields(item, path, LINK_FIELDS)
        if lf is None:
            continue
        before = r.errors
        url = r.url(lf["url"], f"{path}.url") if "url" in lf else None
        if url is None and r.errors == before:  # missing or `url:` left empty
            r.problem(lf["url"].line if "url" in lf else item.line, f"{path}.url", "field required")
        link_title = r.text(lf["title"], f"{path}.title") if "title" in lf else None
        if url:
            links.append(Link(title=link_title or url, url=url))
    return tuple(links)


def _contacts(r: FieldReader, f: dict[str, Node], contacts: dict[str, Contact]) -> tuple[Contact, ...]:
    """The `contacts` field: each an id of contacts/<id>.yaml, or a contact written inline."""
    found = []
    for i, item in enumerate(r.items(f["contacts"], "contacts") if "contacts" in f else ()):
        path = f"contacts[{i}]"
        contact = r.contact(item, path) if isinstance(item, Mapping) else r.contact_ref(item, path, contacts)
        if contact is not None:
            found.append(contact)
    return tuple(found)


def _custom(r: FieldReader, f: dict[str, Node], settings: Settings) -> tuple[tuple[str, str], ...]:
    """The custom fields pressroom.toml declares, in its order."""
    custom = []
    for name in settings.custom_fields:
        if name in f:
            value = r.text(f[name], name, multiline=True)
            if value is not None:
                custom.append((name, value))
    return tuple(custom)


def _translated_from(
    r: FieldReader, node: Node | None, translation: str | None, original: Release | None
) -> str | None:
    """The original's source_hash a translation was made from; a warning when it has changed since."""
    if node is None:
        return None
    if translation is None:
        r.text(node, "translated_from")
        r.problem(
            node.line,
            "translated_from",
            "only a translation (releases/<slug>.<lang>.md) names the original it was made from",
        )
        return None
    value = r.source_hash(node, "translated_from", "pressroom new --translate")
    if value is None:
        return None
    if original is not None and value != original.source_hash:
        r.problem(
            node.line,
            "translated_from",
            f"{original.path} has changed since this translation was made ({value}, now "
            f"{original.source_hash}): the translation may be out of date; bring it up to date, "
            f"then set translated_from: {original.source_hash}",
            Severity.WARNING,
        )
    return value


def _hold_to_original(
    r: FieldReader,
    original: Release,
    f: dict[str, Node],
    top: int,
    day: date,
    embargo: datetime | None,
    attendees: int,
    links: int,
) -> None:
    """A translation checked against its original.

    Date and embargo are the original's: a translation may repeat them, not
    change them, since a translation never goes public apart from its original.
    """
    if "date" in f and day != original.date:
        r.problem(
            f["date"].line,
            "date",
            f"{day} differs from the date of {original.path}, {original.date}: "
            "leave it out, a translation has its original's date",
        )
    if embargo is not None and embargo != original.embargo:
        was = original.embargo.isoformat() if original.embargo else "none"
        r.problem(
            f["embargo"].line,
            "embargo",
            f"differs from the embargo of {original.path} ({was}): "
            "leave it out, a translation has its original's embargo",
        )
    for name, mine, theirs in (
        ("attendees", attendees, len(original.attendees)),
        ("links", links, len(original.links)),
    ):
        if mine != theirs:
            r.problem(
                f[name].line if name in f else top,
                name,
                f"{theirs} in {original.path}, {mine} here: is one missing from the translation?",
                Severity.WARNING,
            )
