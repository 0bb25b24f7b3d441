"""Machine-readable exports: one release as JSON, the archive as JSON, and the search index.

These are contracts for other programs (an intranet, a partner's aggregator,
the site's own search page), so their keys are the release format's field
names and their dates are ISO 8601. Output is UTF-8 JSON with a fixed key
order and a final newline, byte-identical for the same inputs.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime

from pressroom import layout
from pressroom.model import APPROVAL_FIELDS, RELEASE_FIELDS, MediaFile, Settings
from pressroom.render import jsontext, urls
from pressroom.render.summary import Summary
from pressroom.render.view import ReleaseView

FORMAT_VERSION = 1  # raised when a key changes meaning or goes away; new keys do not raise it


def _data(value: object) -> object:
    """A model value as JSON data: dates ISO 8601, enums their value, dataclasses objects."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_data(v) for v in value]
    return value


def render_release_json(
    view: ReleaseView,
    *,
    html_url: str,
    pdf_url: str | None,
    versions: Sequence[Mapping[str, str]] = (),
    ninjs_url: str | None = None,
    newsml_url: str | None = None,
) -> bytes:
    """releases/<slug>/release.json: every front-matter field, its addresses, body HTML, versions.

    The fields of docs/release-format.md come first, under their own names and
    in the contract's order (a missing optional field is null or an empty
    list), then the newsroom's custom fields under "custom", then what the
    house style made of the release. `media` lists the kit's files with their
    public addresses, `kit_url` is the zip of them all. A withdrawn release
    keeps its export with `pubStatus` "canceled" and without its text or kit.
    Only a public release has an export: staff gets none, and a draft handed
    here is refused rather than published.
    """
    r = view.release
    if not view.is_public:
        raise ValueError(f"{r.slug} is not public: its JSON export belongs on the public site only")
    data: dict[str, object] = {"format": FORMAT_VERSION, "slug": r.slug}
    # The approval trail names staff and stays in the newsroom's files.
    data |= {name: _data(getattr(r, name)) for name in RELEASE_FIELDS if name not in APPROVAL_FIELDS}
    withdrawn = view.withdrawal is not None
    data["media"] = [] if withdrawn else [_media(view.settings, r.slug, m) for m in r.media]
    if withdrawn:  # the notice stands instead of the text, here as on the page
        data |= {"background": None, "notes_to_editors": []}
    data |= {
        "custom": dict(r.custom),
        # IPTC's publication status, as news agencies' systems read it: "canceled" takes a story back.
        "pubStatus": "canceled" if withdrawn else "usable",
        "published": r.published.isoformat(),
        "modified": r.modified.isoformat(),
        "url": html_url,
        "pdf_url": pdf_url,
        "ninjs_url": ninjs_url,
        "newsml_url": newsml_url,
        "description": view.description,
        "body_html": None if withdrawn else str(view.body_html),
        "background_html": str(view.background_html) if view.background_html and not withdrawn else None,
        "kit_url": None if withdrawn or not r.media else urls.absolute(view.settings, layout.kit_zip(r.slug)),
        "versions": [dict(v) for v in versions],
    }
    return jsontext.dump(data)


def _media(settings: Settings, slug: str, m: MediaFile) -> dict[str, object]:
    """One file of the kit as the export names it: its texts, its public address and its facts.

    `url` is the copy for download; a photo is also at `web_url`, 1200 pixels wide.
    """
    entry: dict[str, object] = {
        "name": m.name,
        "kind": m.kind,
        "title": m.title,
        "caption": m.caption,
        "alt": m.alt,
        "credit": m.credit,
        "url": urls.absolute(settings, layout.media(slug, m.name)),
        "mime": m.mime,
        "size": m.size,
        "width": m.width,
        "height": m.height,
    }
    if m.is_image:
        entry["web_url"] = urls.absolute(settings, layout.media(slug, m.name, layout.WEB_WIDTH))
    return entry


def archive_json(members: Sequence[Summary], settings: Settings) -> bytes:
    """releases.json: the newsroom's public releases, newest first, each pointing at its own export."""
    releases = []
    for s in members:
        page = urls.absolute(settings, layout.folder(s.slug))
        releases.append(
            {
                "slug": s.slug,
                "title": s.title,
                "subtitle": s.subtitle,
                "date": s.date.isoformat(),
                "published": s.published.isoformat(),
                "language": s.language,
                "location": s.location,
                "issuers": list(s.issuers),
                "tags": list(s.tags),
                "description": s.description,
                "url": page,
                "json_url": page + layout.EXPORT,
                "translations": [
                    {"language": lang, "url": urls.absolute(settings, layout.folder(s.slug, lang))}
                    for lang in s.translations
                ],
            }
        )
    data = {
        "format": FORMAT_VERSION,
        "name": settings.name,
        "url": settings.url,
        "language": settings.language,
        "releases": releases,
    }
    return jsontext.dump(data)


def search_index(members: Sequence[Summary], url: Callable[[str], str]) -> dict[str, object]:
    """What search.js searches: one record per release, newest first.

    `url` makes a release's link relative to the search page (search/), which
    is where the index is read; `terms` is Summary.terms, already folded the
    way search.js folds a query.
    """
    return {
        "format": FORMAT_VERSION,
        "releases": [
            {
                "title": s.title,
                "url": url(urls.link(layout.folder(s.slug))),
                "date": s.date.isoformat(),
                "date_text": s.date_text,
                "language": s.language,
                "issuers": list(s.issuers),
                "tags": list(s.tags),
                "description": s.description,
                "terms": s.terms,
            }
            for s in members
        ],
    }


def search_index_json(members: Sequence[Summary], url: Callable[[str], str]) -> bytes:
    # Fetched by every visitor who searches: no indentation.
    return jsontext.dump(search_index(members, url), compact=True)


def search_part_js(year: int, members: Sequence[Summary], url: Callable[[str], str]) -> bytes:
    """One year of the staff search's records, as a script that hands them to search.js.

    A script rather than JSON: the staff tree is opened from disk, where a
    browser loads scripts but refuses fetch(). JSON is a JavaScript
    expression; the two line separators JavaScript once refused in a string
    are escaped all the same.
    """
    data = jsontext.script_value({**search_index(members, url), "year": year})
    return f"(window.pressroomSearch = window.pressroomSearch || []).push({data});\n".encode()
