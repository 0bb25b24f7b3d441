"""IPTC ninjs 3.1: one release or translation as a news item a newsroom system imports as it is.

release.json is pressroom's own contract; ninjs is the one news agencies and
editorial systems already read. The item is worked out here once, as plain
data: render/newsml.py writes the same facts as NewsML-G2 from it, so the two
cannot disagree. docs/ninjs.md says which release field goes where, and what
was chosen where ninjs has no field (the dateline, an attendee's role).
Nothing here touches the disk: a view and its addresses in, bytes out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from markupsafe import Markup

from pressroom import layout
from pressroom.model import MediaFile
from pressroom.render import jsontext, kit, markup, urls
from pressroom.render.view import ReleaseView

VERSION = "3.1"
SCHEMA = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"
MEDIA_TYPE = "application/ninjs+json"
# The IPTC Genre NewsCodes have a concept for exactly this: "Press Release".
GENRE = {"name": "Press Release", "uri": "http://cv.iptc.org/newscodes/genre/Press_Release"}


@dataclass(frozen=True, slots=True)
class Sibling:
    """Another language version of the release, as the item associates it."""

    language: str  # BCP 47 tag
    name: str  # the language's own name, "français"
    uri: str  # its page's public address, which is also its item's uri
    original: bool = False  # the version the others were translated from


def moment(instant: datetime) -> str:
    """An instant as RFC 3339 (the schema's date-time): its offset must be whole minutes.

    Time zones before about 1900 used local mean time, such as Brussels' +00:17:30;
    such an instant is given in UTC instead, and at the very ends of the calendar,
    where UTC falls outside it, with its offset rounded to the minute.
    """
    offset = instant.utcoffset()
    if offset is None or not offset % timedelta(minutes=1):
        return instant.isoformat()
    try:
        return instant.astimezone(UTC).isoformat()
    except OverflowError:
        rounded = timedelta(minutes=round(offset / timedelta(minutes=1)))
        return instant.replace(tzinfo=timezone(rounded)).isoformat()


# A whole run of non-space without a letter or a digit (str.isalnum), such as a dash. \s is
# str.split()'s whitespace. Anchored at a run's start and possessive, so that the engine reads
# each character once: a long run of punctuation must not cost its length squared.
# A word's first letter or digit (\w but the underscore), and the rest of the word: one match a word.
_WORD = re.compile(r"[^\W_]\S*")


def words(html: str) -> int:
    """Words in sanitised HTML: runs of text with a letter or a digit, so a dash is not one."""
    return len(_WORD.findall(markup.plain_text(html)))


def _attendees_html(view: ReleaseView) -> str:
    """The attendees as the page lists them: name, role, organisation, the parts marked up."""
    items = []
    for a in view.release.attendees:
        parts = [Markup('<span class="name">{}</span>').format(a.name)]
        if a.role:
            parts.append(Markup('<span class="role">{}</span>').format(a.role))
        if a.organization:
            parts.append(Markup('<span class="organization">{}</span>').format(a.organization))
        items.append(Markup("<li>{}</li>").format(Markup(", ").join(parts)))
    return str(Markup("<ul>{}</ul>").format(Markup("").join(items)))


def _contacts_html(view: ReleaseView) -> str:
    """The media contacts as the page lists them, in the order written."""
    items = (Markup("<li>{}</li>").format(", ".join(view.contact_parts(c))) for c in view.release.contacts)
    return str(Markup("<ul>{}</ul>").format(Markup("").join(items)))


def _withdrawal_html(view: ReleaseView) -> str:
    """The notice a withdrawn release's page shows instead of its text."""
    assert view.withdrawal is not None
    day, reason, _ = view.withdrawal
    notice = view.gettext("This press release was withdrawn on %(date)s.", date=day)
    return str(Markup("<p>{}</p>{}").format(notice, reason or ""))


def body_parts(view: ReleaseView) -> list[dict[str, Any]]:
    """The text, then the sections of the page ninjs has no field for, each as HTML with its word count.

    A withdrawn release has only the notice its page shows instead of the text.
    The same in every area and in both news items: a build works them out once
    a release and hands them to each (`ninjs_item`'s `bodies`).
    """
    r = view.release
    if view.withdrawal is not None:
        sections = [("withdrawn", _withdrawal_html(view))]
    else:
        sections = [("main", str(view.body_html))]
        if r.attendees:
            sections.append(("attendees", _attendees_html(view)))
        if view.background_html:
            sections.append(("background", str(view.background_html)))
        if r.contacts:
            sections.append(("contacts", _contacts_html(view)))
        if view.notes:
            notes = Markup("").join(Markup("<li>{}</li>").format(html) for html, _ in view.notes)
            sections.append(("notes", str(Markup("<ol>{}</ol>").format(notes))))
    return [
        {"role": role, "contentType": "text/html", "wordCount": words(html), "value": html}
        for role, html in sections
    ]


def _people(view: ReleaseView) -> list[dict[str, Any]]:
    people: list[dict[str, Any]] = [{"name": a.name, "rel": "attendee"} for a in view.release.attendees]
    for c in view.release.contacts:
        info: list[dict[str, Any]] = []
        if c.email:
            info.append({"type": "email", "value": c.email})
        if c.phone:
            info.append({"type": "phone", "value": c.phone})
        if c.city:
            info.append({"type": "address", "address": {"locality": c.city}})
        person: dict[str, Any] = {"name": c.name, "rel": "contact"}
        if info:
            person["contactInfo"] = info
        people.append(person)
    return people


def _editorial_note(view: ReleaseView) -> str | None:
    """What the receiving desk must know before using the item, in the release's language.

    A staff copy's draft or embargo; a withdrawal; each correction, newest first.
    """
    r = view.release
    notes = []
    if view.withdrawal is not None:
        day, _, reason = view.withdrawal
        notes.append(view.gettext("This press release was withdrawn on %(date)s.", date=day))
        if reason:
            notes.append(" ".join(reason.split()))
    for day, _, text in view.corrections:
        label = view.gettext("Correction of %(date)s", date=day)
        notes.append(f"{label}: {' '.join(text.split())}")
    if r.is_draft:
        notes.append(view.gettext("DRAFT – not approved for publication"))
    if r.embargo is not None and view.is_embargoed:
        notes.append(
            view.gettext(
                "Embargoed: not for publication before %(moment)s", moment=view.format_moment(r.embargo)
            )
        )
    return " ".join(notes) or None


def _picture(view: ReleaseView, m: MediaFile, lead: bool) -> dict[str, Any]:
    """A photo of the kit as an associated picture: its texts, and its three copies at their public addresses.

    The lead photo's rel is "featureimage", the others' "gallery". No size in
    bytes: the published copies are not the file the loader measured.
    """
    slug, settings = view.release.slug, view.settings
    renditions = []
    for name, width in (("original", None), ("web", layout.WEB_WIDTH), ("thumbnail", layout.THUMB_WIDTH)):
        w, h = kit.fitted(m.width or 0, m.height or 0, width)
        rendition: dict[str, Any] = {
            "name": name,
            "href": urls.absolute(settings, layout.media(slug, m.name, width)),
            "contentType": m.mime,
        }
        if w and h:
            rendition |= {"width": w, "height": h}
        renditions.append(rendition)
    picture: dict[str, Any] = {
        "name": m.caption or m.alt or m.name,
        "rel": "featureimage" if lead else "gallery",
        "uri": renditions[0]["href"],
        "type": "picture",
        "headlines": [{"role": "main", "value": m.caption}] if m.caption else None,
        "descriptions": [{"role": "alt", "contentType": "text/plain", "value": m.alt}] if m.alt else None,
        "by": m.credit,
        "renditions": renditions,
    }
    return {key: value for key, value in picture.items() if value is not None}


def _pictures(view: ReleaseView) -> list[dict[str, Any]]:
    """The kit's photos, the lead first; a withdrawn release, as on its page, none."""
    if view.withdrawal is not None:
        return []
    return [_picture(view, m, i == 0) for i, m in enumerate(view.release.images)]


def ninjs_item(
    view: ReleaseView,
    *,
    url: str,
    pdf_url: str | None,
    siblings: Sequence[Sibling] = (),
    bodies: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The release as a ninjs 3.1 object, keys in a fixed order.

    `url` is the public address of its page, which is also its `uri`: stable
    (docs/urls.md) and the same in the staff copy, so a desk that imported an
    embargoed copy recognises the public one. `pdf_url` is None when there is
    no PDF; `siblings` are the other language versions the area shows, then
    come the media kit's photos (type "picture") among the associations.
    """
    r = view.release
    item: dict[str, Any] = {
        "uri": url,
        "standard": {"name": "ninjs", "version": VERSION, "schema": SCHEMA},
        "type": "text",
        "representationType": "full",
        "profile": "press-release",
        # No revision history is kept: the hash of the release's text changes with every edit.
        "version": r.source_hash or None,
        "firstCreated": moment(r.published),
        # Its last correction or its withdrawal, the change a desk that imported it must see.
        "versionCreated": moment(r.modified),
        "embargoedUntil": moment(r.embargo) if r.embargo else None,
        "pubStatus": "canceled" if view.withdrawal else "usable" if view.is_public else "withheld",
        "edNote": _editorial_note(view),
        "language": r.language,
        "altIds": [{"role": "reference", "value": r.reference}] if r.reference else None,
        "slugline": r.slug,
        "headlines": [{"role": "main", "value": r.title}]
        + ([{"role": "sub", "value": r.subtitle}] if r.subtitle else []),
        "located": r.location,
        "descriptions": [{"role": "summary", "contentType": "text/plain", "value": view.description}],
        "bodies": bodies if bodies is not None else body_parts(view),
        "organisations": [{"name": name, "rel": "issuer"} for name in r.issuers],
        "people": _people(view) or None,
        "subjects": [{"name": tag, "rel": "about"} for tag in r.tags] or None,
        "genres": [GENRE],
        "renditions": [{"name": "web", "href": url, "contentType": "text/html"}]
        + ([{"name": "print", "href": pdf_url, "contentType": "application/pdf"}] if pdf_url else []),
        "associations": [
            {
                "name": s.name,
                "rel": "original" if s.original else "translation",
                "uri": s.uri,
                "type": "text",
                "language": s.language,
            }
            for s in siblings
        ]
        + _pictures(view)
        or None,
    }
    return {key: value for key, value in item.items() if value is not None}


def render_ninjs(
    view: ReleaseView,
    *,
    url: str,
    pdf_url: str | None,
    siblings: Sequence[Sibling] = (),
    bodies: list[dict[str, Any]] | None = None,
) -> bytes:
    """releases/<slug>/ninjs.json: UTF-8 JSON, a final newline, byte-identical for the same inputs."""
    item = ninjs_item(view, url=url, pdf_url=pdf_url, siblings=siblings, bodies=bodies)
    return jsontext.dump(item)
