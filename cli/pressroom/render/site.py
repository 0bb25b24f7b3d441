"""The newsroom site around the release pages: which files it has, and each one's bytes.

`site_files` plans an area (the public "site" or the "staff" preview) from
the release summaries, newest first: the home page, the archive by year, a
page per topic, issuer and media contact, the feeds, the sitemap, the search
page and its index, the exports, robots.txt and 404.html. `render_site_file`
renders one planned file from its members' summaries. The build engine keys
each file on its members, its params, the settings and the contacts, and
renders again only the files whose inputs changed; so a file's bytes depend
on nothing else (no clock, no file), and everything a page shows besides its
members' summaries is in its params.

Defence in depth: the public area never shows a summary that is not public,
whatever it is handed, and never carries the staff-only kinds' data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import jinja2

from pressroom import layout
from pressroom.layout import AREAS, SITE, STAFF
from pressroom.model import Contact, Settings
from pressroom.render import exports, listing, pages
from pressroom.render.summary import Summary
from pressroom.render.urls import Page

LISTING_KINDS = ("home", "archive-years", "archive", "tags", "tag", "issuer", "contact")
# What each kind does not read of its members' summaries (site.unread). The body's HTML and the
# search words are most of a summary: the index and export files are written here in Python,
# and the pages of years and topics give their templates names and counts, never summaries.
_UNREAD = {
    "sitemap": ("content", "terms"),
    "archive-json": ("content", "terms"),
    "search-index": ("content",),
    "search-part": ("content",),
    "atom": ("terms",),
    "rss": ("terms",),
    "archive-years": ("content", "terms"),
    "tags": ("content", "terms"),
}
# The listings hand their templates each summary (`item.s`): the house style's read neither
# field (tests/render/test_site.py holds it to that); a newsroom's own may read anything.
_HOUSE_STYLE_UNREAD = ("content", "terms")
PUBLIC_ONLY_KINDS = ("atom", "rss", "sitemap", "search-index", "archive-json")
ATOM, RSS = "application/atom+xml", "application/rss+xml"


@dataclass(frozen=True, slots=True)
class SiteFile:
    """One file of an area, as planned: where it goes, what it is, what it shows."""

    path: str  # relative to the area root, e.g. "tags/climate/index.html"
    kind: str  # "home", "archive", "tag", "atom", "sitemap", "search-index", ... (see site_files)
    members: tuple[str, ...]  # slugs of the releases whose Summary it shows, in order
    params: tuple[tuple[str, str], ...] = ()  # e.g. (("area", "site"), ("tag", "climate"), ("page", "2"))

    def param(self, key: str, default: str = "") -> str:
        return next((value for name, value in self.params if name == key), default)


def _shown(area: str, summaries: Sequence[Summary]) -> list[Summary]:
    if area not in AREAS:
        raise ValueError(f"unknown area {area!r}; expected one of {', '.join(AREAS)}")
    return [s for s in summaries if area == STAFF or s.public]


def _slugs(members: Sequence[Summary]) -> tuple[str, ...]:
    return tuple(s.slug for s in members)


def _paged(
    kind: str, group: listing.Group, folder: Callable[[int], str], params: tuple[tuple[str, str], ...]
) -> list[SiteFile]:
    chunks = listing.chunks(group.members)
    # The page count is a param: page 1's links change when a page 3 appears, its members do not.
    return [
        SiteFile(
            layout.file_of(folder(n)),
            kind,
            _slugs(chunk),
            (*params, ("page", str(n)), ("pages", str(len(chunks)))),
        )
        for n, chunk in enumerate(chunks, start=1)
    ]


def site_files(
    area: str, summaries: Sequence[Summary], settings: Settings, contacts: Mapping[str, Contact]
) -> list[SiteFile]:
    """Every file of an area besides the release pages, from its summaries (newest first).

    "site" gets the public summaries only (any other is dropped here too),
    "staff" gets all of them. Staff has the listings, the topic, issuer and
    contact pages, the archive, 404 and search (its records in a script a year), and
    a robots.txt that turns crawlers away; only the site has feeds, the sitemap
    and the JSON exports.
    """
    shown = _shown(area, summaries)
    public = area == SITE
    a = (("area", area),)
    everyone = _slugs(shown)
    files = [
        SiteFile(layout.file_of(""), "home", _slugs(shown[: listing.HOME_SIZE]), a),
        SiteFile(layout.file_of(layout.archive()), "archive-years", everyone, a),
    ]
    by_year = listing.years(shown)
    for g in by_year:
        files += _paged("archive", g, partial(layout.archive, int(g.key)), (*a, ("year", g.key)))
    files.append(SiteFile(layout.file_of(layout.tag()), "tags", _slugs([s for s in shown if s.tags]), a))
    for g in listing.topics(shown):
        named = (*a, ("tag", g.key), ("name", g.name))
        files += _paged("tag", g, partial(layout.tag, g.key), named)
        if public:
            latest = _slugs(g.members[: listing.FEED_SIZE])
            files += [SiteFile(layout.feed(kind, g.key), kind, latest, named) for kind in layout.FEEDS]
    for g in listing.issuers(shown):
        files += _paged("issuer", g, partial(layout.issuer, g.key), (*a, ("issuer", g.key), ("name", g.name)))
    for g in listing.named_contacts(shown):
        if g.key in contacts:
            files += _paged("contact", g, partial(layout.contact, g.key), (*a, ("contact", g.key)))
    if public:
        files.append(SiteFile(layout.file_of(layout.SEARCH), "search", (), a))
    else:
        # Opened from disk, where fetch() is refused, the staff search loads its records in one
        # script a year: an edit renders that year's again, not a page holding the whole archive.
        years = " ".join(g.key for g in by_year)
        files.append(SiteFile(layout.file_of(layout.SEARCH), "search", (), (*a, ("years", years))))
        files += [
            SiteFile(layout.search_part(int(g.key)), "search-part", _slugs(g.members), (*a, ("year", g.key)))
            for g in by_year
        ]
    files += [
        SiteFile(layout.NOT_FOUND, "404", (), a),
        SiteFile(layout.ROBOTS, "robots", (), a),
    ]
    if public:
        latest = _slugs(shown[: listing.FEED_SIZE])
        files += [SiteFile(layout.feed(kind), kind, latest, a) for kind in layout.FEEDS]
        files += [
            SiteFile(layout.SITEMAP, "sitemap", everyone, a),
            SiteFile(layout.SEARCH_INDEX, "search-index", everyone, a),
            SiteFile(layout.ARCHIVE_JSON, "archive-json", everyone, a),
        ]
    return files


def unread(kind: str, *, house_style: bool) -> tuple[str, ...]:
    """The summary fields a file of `kind` is made without: a job sent to a worker leaves them out.

    `house_style`: the listing templates are the house style's own, none of
    them the newsroom's.
    """
    if kind in _UNREAD:
        return _UNREAD[kind]
    return _HOUSE_STYLE_UNREAD if house_style and kind in LISTING_KINDS else ()


def without(summaries: Sequence[Summary], fields: Sequence[str]) -> tuple[Summary, ...]:
    """The summaries with these fields blank."""
    if not fields:
        return tuple(summaries)
    blank: dict[str, Any] = dict.fromkeys(fields, "")  # text fields only: content, terms
    return tuple(dataclasses.replace(s, **blank) for s in summaries)


def shown_by(f: SiteFile, files: Sequence[SiteFile], summaries: Mapping[str, Summary]) -> str | None:
    """What a whole-archive file shows, as text, when it is much less than its members' summaries.

    The planner keys these files with it rather than with every member's
    summary, so that an edit to a release's text renders the sitemap and the
    indexes of years and topics again only when it changes what they show.
    `files` are the other files of the same area (site_files), whose paths and
    members these pages are made from; None for every other kind.
    """
    match f.kind:
        case "archive-years" | "tags":
            # Each group's name, count and link (pages.groups_page): its pages' params and sizes.
            paged = "archive" if f.kind == "archive-years" else "tag"
            return repr([(g.params, len(g.members)) for g in files if g.kind == paged])
        case "sitemap":
            # _sitemap_pages: every listing page with its members, then each release's dates.
            listed = [(g.path, g.members) for g in files if g.kind in LISTING_KINDS]
            dated = [
                (m, summaries[m].published, summaries[m].modified, summaries[m].translations)
                for m in f.members
            ]
            return repr((listed, dated))
    return None


def render_site_file(
    env: jinja2.Environment,
    f: SiteFile,
    summaries: Mapping[str, Summary],
    settings: Settings,
    contacts: Mapping[str, Contact],
    entries: pages.Entries | None = None,
) -> bytes:
    """The bytes of one planned file, from the summaries of its members.

    A file without an "area" param is treated as public, so a mistake hides
    releases rather than publishing them. `entries`: the house style's listing
    entries, made once for every page that shows them (pages.Entries).
    """
    area = f.param("area", SITE)
    members = _shown(area, [summaries[slug] for slug in f.members])
    if area != SITE and f.kind in PUBLIC_ONLY_KINDS:
        raise ValueError(f"{f.path}: a {f.kind} file belongs on the public site only")
    out = _render(env, f, area, members, settings, contacts, entries)
    return out.encode("utf-8") if isinstance(out, str) else out


def _render(
    env: jinja2.Environment,
    f: SiteFile,
    area: str,
    members: list[Summary],
    settings: Settings,
    contacts: Mapping[str, Contact],
    entries: pages.Entries | None,
) -> str | bytes:
    page = Page(area, f.path.count("/"))
    number, count = int(f.param("page", "1")), int(f.param("pages", "1"))
    key = f.param("tag") or f.param("issuer") or f.param("contact")

    def listed(
        template: str,
        path_of: Callable[[int], str],
        *,
        name: str = f.param("name"),
        feeds: Sequence[tuple[str, str]] = (),
        json_ld: Mapping[str, object] | None = None,
        **values: object,
    ) -> str:
        # Only the public site has feeds; the home page and each topic have one each.
        feeds = feeds if area == SITE else ()
        return pages.listing_page(
            env,
            template,
            settings,
            page,
            path=path_of(number),
            members=members,
            pager=listing.pager(number, count, path_of, page),
            feeds=feeds,
            page_number=number,
            pages=count,
            name=name,
            json_ld=json_ld,
            entries=entries,
            **values,
        )

    match f.kind:
        case "home":
            home_feeds = [(ATOM, layout.feed("atom")), (RSS, layout.feed("rss"))]
            return listed(
                "index.html",
                lambda n: "",
                feeds=home_feeds,
                json_ld=pages.website(settings),
                listing_kind="home",
            )
        case "archive":
            year = int(f.param("year"))
            return listed(
                "listing.html", partial(layout.archive, year), name=str(year), listing_kind="archive"
            )
        case "tag":
            tag_feeds = [(ATOM, layout.feed("atom", key)), (RSS, layout.feed("rss", key))]
            return listed("listing.html", partial(layout.tag, key), feeds=tag_feeds, listing_kind="tag")
        case "issuer":
            return listed("listing.html", partial(layout.issuer, key), listing_kind="issuer")
        case "contact":
            contact = contacts[key]
            return listed(
                "contact.html",
                partial(layout.contact, key),
                name=contact.name,
                listing_kind="contact",
                contact=contact,
            )
        case "archive-years":
            groups = listing.years(members)
            return pages.groups_page(
                env, "archive.html", settings, page, path=layout.archive(), groups=groups,
                path_of=lambda k: layout.archive(int(k)),
            )  # fmt: skip
        case "tags":
            return pages.groups_page(
                env,
                "tags.html",
                settings,
                page,
                path=layout.tag(),
                groups=listing.topics(members),
                path_of=layout.tag,
            )
        case "atom" | "rss":
            from pressroom.render.feeds import render_feed  # feedgenerator: 20 ms of imports, when due

            title = f"{settings.name} – {f.param('name')}" if key else settings.name
            page_path = layout.tag(key) if key else ""
            return render_feed(f.kind, members, settings, title=title, page_path=page_path, feed_path=f.path)
        case "sitemap":
            from pressroom.render.feeds import render_sitemap

            return render_sitemap(_sitemap_pages(members, settings, contacts), settings)
        case "robots":
            from pressroom.render.feeds import render_robots

            return render_robots(area, settings)
        case "404":
            return pages.not_found_page(env, settings, area)
        case "search":
            years = f.param("years").split()
            parts = [page.url(layout.search_part(int(y))) for y in years] if area == STAFF else None
            return pages.search_page(env, settings, page, parts)
        case "search-part":
            return exports.search_part_js(int(f.param("year")), members, page.url)
        case "search-index":
            return exports.search_index_json(members, page.url)
        case "archive-json":
            return exports.archive_json(members, settings)
    raise ValueError(f"{f.path}: unknown kind of site file {f.kind!r}")


def _sitemap_pages(
    members: Sequence[Summary], settings: Settings, contacts: Mapping[str, Contact]
) -> list[tuple[str, datetime | None]]:
    """Every public page a crawler should know, with the publication or correction of its newest release.

    A withdrawn release is not among `members`: its address answers with the
    withdrawal notice, marked noindex, and no list sends crawlers there.
    """
    from pressroom.render.feeds import newest

    by_slug = {s.slug: s for s in members}
    found: list[tuple[str, datetime | None]] = [
        (f.path.removesuffix("index.html"), newest(by_slug[m] for m in f.members))
        for f in site_files(SITE, members, settings, contacts)
        if f.kind in LISTING_KINDS
    ]
    for s in members:
        found.append((layout.folder(s.slug), s.modified or s.published))
        found += [(layout.folder(s.slug, lang), s.published) for lang in s.translations]
    return found
