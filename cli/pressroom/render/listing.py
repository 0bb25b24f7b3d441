"""How summaries are grouped, paged and shown in the site's listings.

The planning in site.py and the rendering of each page both go through these
functions, so the pages a listing links to are exactly the pages the plan
makes. Everything here is ordered by its input (newest first) and by names,
never by a set or a dict whose order could vary between runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pressroom import layout
from pressroom.languages import language_name, same_primary
from pressroom.render import urls
from pressroom.render.summary import Summary
from pressroom.render.urls import Page

PER_PAGE = 20  # releases on a page of the archive, a topic, an issuer or a contact
HOME_SIZE = 10  # the latest releases on the home page
FEED_SIZE = 50  # the latest releases in a feed


@dataclass(frozen=True, slots=True)
class Group:
    """The releases under one year, topic, issuer or contact, newest first."""

    key: str  # the URL segment: "2026", "climate-energy", a contact id
    name: str  # as shown: the first spelling met, newest release first
    members: tuple[Summary, ...]


@dataclass(frozen=True, slots=True)
class Named:
    """A name with its link, such as a topic under a release in a listing."""

    name: str
    url: str
    language: str = ""  # set for a translation, whose label is in its own language


@dataclass(frozen=True, slots=True)
class Item:
    """One release in a listing: its summary and the links around it."""

    s: Summary
    url: str
    tags: tuple[Named, ...]
    issuers: tuple[Named, ...]
    translations: tuple[Named, ...]
    lang: str = ""  # the release's language when the page is in another, for its lang attribute


@dataclass(frozen=True, slots=True)
class Pager:
    """Links to the pages of a listing; a number of 0 stands for a gap ("…")."""

    current: int
    count: int
    links: tuple[tuple[int, str], ...]
    previous: str | None  # the newer page
    next: str | None  # the older page


def years(summaries: Sequence[Summary]) -> list[Group]:
    """One group per year of release date, the latest year first."""
    found: dict[int, list[Summary]] = {}
    for s in summaries:
        found.setdefault(s.date.year, []).append(s)
    return [Group(str(y), str(y), tuple(found[y])) for y in sorted(found, reverse=True)]


def _by_name(summaries: Sequence[Summary], names: Callable[[Summary], Sequence[str]]) -> list[Group]:
    """Group by a list of names folded to their URL segment, in alphabetical order of segment.

    Two spellings that fold to one segment ("Climate & Energy", "climate energy")
    share one page, as they would share one address.
    """
    found: dict[str, tuple[str, list[Summary]]] = {}
    for s in summaries:
        keys: dict[str, str] = {}  # segment -> the first of this release's names folding to it
        for n in names(s):
            keys.setdefault(layout.name_slug(n), n)
        for key, first in keys.items():
            found.setdefault(key, (first, []))[1].append(s)
    return [Group(k, found[k][0], tuple(found[k][1])) for k in sorted(found)]


def topics(summaries: Sequence[Summary]) -> list[Group]:
    return _by_name(summaries, lambda s: s.tags)


def issuers(summaries: Sequence[Summary]) -> list[Group]:
    return _by_name(summaries, lambda s: s.issuers)


def named_contacts(summaries: Sequence[Summary]) -> list[Group]:
    """The contact files named by these releases, by id."""
    found: dict[str, list[Summary]] = {}
    for s in summaries:
        for cid in dict.fromkeys(s.contacts):
            found.setdefault(cid, []).append(s)
    return [Group(k, k, tuple(found[k])) for k in sorted(found)]


def chunks(members: Sequence[Summary], size: int = PER_PAGE) -> list[tuple[Summary, ...]]:
    """A listing's pages; an empty listing still has its first page."""
    return [tuple(members[i : i + size]) for i in range(0, len(members), size)] or [()]


def pager(current: int, count: int, path_of: Callable[[int], str], page: Page) -> Pager | None:
    """The page links of a listing, or None when it fits on one page.

    Long listings show the first and last pages and two either side of the
    current one, so the list of links stays short at 50 pages.
    """
    if count <= 1:
        return None
    shown = sorted({1, count} | set(range(max(1, current - 2), min(count, current + 2) + 1)))
    links: list[tuple[int, str]] = []
    for n in shown:
        if links and n - links[-1][0] > 1:
            links.append((0, ""))
        links.append((n, page.url(urls.link(path_of(n)))))
    return Pager(
        current=current,
        count=count,
        links=tuple(links),
        previous=page.url(urls.link(path_of(current - 1))) if current > 1 else None,
        next=page.url(urls.link(path_of(current + 1))) if current < count else None,
    )


def item(s: Summary, page: Page, language: str) -> Item:
    """A summary with the links a listing shows beside it, relative to `page`, a page in `language`."""

    def named(names: Sequence[str], path: Callable[[str], str]) -> tuple[Named, ...]:
        return tuple(Named(n, page.url(urls.link(path(layout.name_slug(n))))) for n in names)

    return Item(
        s=s,
        url=page.url(urls.link(layout.folder(s.slug))),
        tags=named(s.tags, layout.tag),
        issuers=named(s.issuers, layout.issuer),
        translations=tuple(
            Named(language_name(lang), page.url(urls.link(layout.folder(s.slug, lang))), lang)
            for lang in s.translations
        ),
        lang="" if same_primary(s.language, language) else s.language,
    )
