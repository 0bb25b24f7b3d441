"""What listings, feeds, the sitemap and the search index know of a release.

Listings are rebuilt from these small records rather than from releases, so an
incremental build re-renders the archive without turning 1,000 bodies of
Markdown into HTML again: a summary is worked out once per release version and
kept in the build cache beside its outputs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pressroom import layout
from pressroom.languages import fold
from pressroom.model import Release
from pressroom.render import kit, markup
from pressroom.render.kit import NO_IMAGES
from pressroom.render.view import ReleaseView

_WORD = re.compile(r"\w+")
_ASCII_NOT_WORD = bytes.maketrans(
    (punctuation := bytes(c for c in range(128) if not (chr(c).isalnum() or chr(c) == "_"))),
    b" " * len(punctuation),
)  # \W in ASCII, as spaces


@dataclass(frozen=True, slots=True)
class Summary:
    """One release (original language) as the site's listings show it, at one instant."""

    slug: str
    language: str
    title: str
    subtitle: str | None
    date: date
    date_text: str  # the long date in the release's language
    published: datetime  # when it became (or becomes) public
    location: str
    issuers: tuple[str, ...]
    tags: tuple[str, ...]
    contacts: tuple[str, ...]  # ids of the contact files it names
    description: str  # one or two sentences, plain text
    terms: str  # the words of the release, lower-cased and unique, for the search index
    public: bool  # named by the public listings, feeds and search: public and not withdrawn (is_listed)
    draft: bool
    embargoed: bool
    release_line: str  # "FOR IMMEDIATE RELEASE" or "EMBARGOED UNTIL ..."
    translations: tuple[str, ...] = ()  # language tags of its translations shown beside it
    modified: datetime | None = None  # its last correction, when later than `published`
    content: str = ""  # the body as sanitised HTML, dateline first: feeds carry the whole release
    # Its lead photo, as feeds enclose it: the 1200-pixel copy's path from the area's root
    # (layout.media), its media type and its length in bytes (0 when not known). "" without one.
    image: str = ""
    image_type: str = ""
    image_length: int = 0


def search_terms(*texts: str | None) -> str:
    """Unique lower-case words without accents, in first-seen order, for a small static index."""
    seen: dict[str, None] = {}
    for text in texts:
        if text:
            seen.update(dict.fromkeys(_words(fold(text))))
    return " ".join(seen)


def _words(folded: str) -> list[str]:
    """`_WORD.findall(folded)`: over ASCII text (most releases), as bytes.translate and str.split, a
    quarter of the regular expression's time on a release's whole text."""
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_NOT_WORD).decode("ascii").split()
    return _WORD.findall(folded)


def summarise(
    view: ReleaseView,
    translations: tuple[str, ...] = (),
    translated: Sequence[Release] = (),
    *,
    images: Mapping[str, bytes] = NO_IMAGES,
) -> Summary:
    """A release as listings show it; `translated` are its public translations, searched with it.

    `images` are the 1200-pixel copies of kit photos by name, as the PDF and
    the email get them: the lead photo's gives the feeds' enclosure its length.
    """
    r = view.release
    lead = r.lead_image if kit.public_lead(view) is not None else None
    data = images.get(lead.name) if lead is not None else None
    others = [
        (t.title, t.subtitle, markup.plain_text(markup.to_html(t.body, language=t.language)))
        for t in translated
    ]
    attendees = " ".join(f"{a.name} {a.role or ''} {a.organization or ''}" for a in r.attendees)
    return Summary(
        slug=r.slug,
        language=r.language,
        title=r.title,
        subtitle=r.subtitle,
        date=r.date,
        date_text=view.date_text,
        published=r.published,
        location=r.location,
        issuers=r.issuers,
        tags=r.tags,
        contacts=tuple(c.id for c in r.contacts if c.id),
        description=view.description,
        terms=search_terms(
            r.title,
            r.subtitle,
            markup.plain_text(view.body_html),
            markup.plain_text(view.background_html or ""),
            attendees,
            " ".join(r.tags),
            *(text for texts in others for text in texts),
        ),
        public=view.is_listed,
        draft=r.is_draft,
        embargoed=view.is_embargoed,
        release_line=view.release_line,
        translations=translations,
        modified=r.modified if r.modified != r.published else None,
        content=str(view.body_html),
        image=layout.media(r.slug, lead.name, layout.WEB_WIDTH) if lead is not None else "",
        image_type=(kit.image_type(data) if data else lead.mime) if lead is not None else "",
        image_length=len(data) if data else 0,
    )
