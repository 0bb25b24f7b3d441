"""The site's HTML pages other than a release: listings, contact pages, 404 and search.

Python hands the templates data (the members, the page number, the names)
and the JSON-LD of the page; every word a reader sees, titles included, is
written in the templates, where `_()` can translate it. site.py decides which
pages exist and calls these functions with each page's members.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from pressroom import layout
from pressroom.model import Settings
from pressroom.render import listing, urls
from pressroom.render.context import template_context
from pressroom.render.summary import Summary
from pressroom.render.urls import Page

Url = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class RootPage:
    """Links from the site's root path ("/" or "/newsroom/"), for a page served at any address.

    A web server answers every unknown address with 404.html, so the links of
    that page cannot be relative to where the file sits.
    """

    root: str

    def url(self, path: str) -> str:
        return self.root + path


def site_ref(settings: Settings) -> dict[str, object]:
    return {"@type": "WebSite", "name": settings.name, "url": settings.url}


def website(settings: Settings) -> dict[str, object]:
    """schema.org WebSite, saying where a search is made (search/?q=...)."""
    return {
        "@context": "https://schema.org",
        **site_ref(settings),
        "inLanguage": settings.language,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": f"{settings.url}search/?q={{search_term_string}}",
            },
            "query-input": "required name=search_term_string",
        },
    }


def collection(settings: Settings, path: str, members: Sequence[Summary]) -> dict[str, object]:
    """schema.org CollectionPage listing its releases by their public address."""
    return {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "url": urls.absolute(settings, path),
        "inLanguage": settings.language,
        "isPartOf": site_ref(settings),
        "mainEntity": {
            "@type": "ItemList",
            "itemListElement": [
                {"@type": "ListItem", "position": n, "url": urls.absolute(settings, layout.folder(s.slug))}
                for n, s in enumerate(members, start=1)
            ],
        },
    }


def render_page(
    env: jinja2.Environment,
    template: str,
    settings: Settings,
    *,
    area: str,
    url: Url,
    path: str,
    json_ld: Mapping[str, object],
    context: dict[str, object] | None = None,
    **values: object,
) -> str:
    """One page of the site, in the newsroom's language; `path` is its own address, for the
    canonical link and og:url. `context`: template_context's, when the caller has it already.

    The templates add the page's title to `json_ld` as its name, so the name
    is translated with the title.
    """
    shared = context if context is not None else template_context(env, settings, url=url, area=area)
    return env.get_template(template).render(
        shared | {"canonical": urls.absolute(settings, path), "json_ld": json_ld} | values
    )


ENTRY = "partials/entry.html"


class Entries:
    """Listing entries rendered once: a release is on some eight listing pages of an area, at two or
    three depths (its links differ only between depths), so most entries come out the same.

    Only for the house style's own listing templates, whose entry reads its
    item, the labels and the settings alone; a newsroom's entry template may
    read anything its page has. Holds the last `size` entries; one per
    environment and settings (engine/jobs.py keeps one for each build).
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._made: dict[tuple[str, listing.Item], Markup] = {}  # oldest first

    def render(
        self, env: jinja2.Environment, context: dict[str, object], items: Sequence[listing.Item]
    ) -> list[Markup]:
        """Each item's entry, as `{% include ENTRY %}` would write it on the page of `context`."""
        template = env.get_template(ENTRY)
        area = str(context["area"])
        out = []
        for item in items:
            key = (area, item)
            html = self._made.pop(key, None)
            if html is None:
                html = Markup(template.render({**context, "i": item}))  # noqa: S704 - rendered, escaped
            self._made[key] = html  # the newest last
            if len(self._made) > self.size:
                del self._made[next(iter(self._made))]
            out.append(html)
        return out


def listing_page(
    env: jinja2.Environment,
    template: str,
    settings: Settings,
    page: Page,
    *,
    path: str,
    members: Sequence[Summary],
    pager: listing.Pager | None = None,
    feeds: Sequence[tuple[str, str]] = (),
    json_ld: Mapping[str, object] | None = None,
    entries: Entries | None = None,
    **values: object,
) -> str:
    """A list of releases: home, a year of the archive, a topic, an issuer, a contact.

    `feeds` are (media type, path) of the feeds that follow this listing, for
    the page's alternate links. `entries`: the house style's entries, rendered
    once for all the pages that list them (the page writes `entries_html`).
    """
    items = [listing.item(s, page, settings.language) for s in members]
    context = template_context(env, settings, url=page.url, area=page.area)
    if entries is not None:
        values["entries_html"] = entries.render(env, context, items)
    return render_page(
        env,
        template,
        settings,
        area=page.area,
        url=page.url,
        path=path,
        json_ld=json_ld if json_ld is not None else collection(settings, path, members),
        items=items,
        pager=pager,
        feeds=[(media, page.url(urls.link(p))) for media, p in feeds],
        context=context,
        **values,
    )


def groups_page(
    env: jinja2.Environment,
    template: str,
    settings: Settings,
    page: Page,
    *,
    path: str,
    groups: Sequence[listing.Group],
    path_of: Callable[[str], str],
) -> str:
    """The years of the archive, or the index of topics: each name, its count and its link."""
    rows = [(g.name, len(g.members), page.url(urls.link(path_of(g.key)))) for g in groups]
    json_ld = {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "url": urls.absolute(settings, path),
        "inLanguage": settings.language,
        "isPartOf": site_ref(settings),
        "hasPart": [
            {"@type": "CollectionPage", "url": urls.absolute(settings, path_of(g.key))} for g in groups
        ],
    }
    return render_page(
        env, template, settings, area=page.area, url=page.url, path=path, json_ld=json_ld, groups=rows
    )


def not_found_page(env: jinja2.Environment, settings: Settings, area: str) -> str:
    """404.html: served for any unknown address, so on the site its links start at the root path."""
    url = RootPage(urlsplit(settings.url).path or "/").url if area == layout.SITE else Page(area, 0).url
    json_ld = {"@context": "https://schema.org", "@type": "WebPage", "isPartOf": site_ref(settings)}
    return render_page(env, "404.html", settings, area=area, url=url, path=layout.NOT_FOUND, json_ld=json_ld)


def search_page(env: jinja2.Environment, settings: Settings, page: Page, parts: Sequence[str] | None) -> str:
    """search/index.html: the form, and where its records come from.

    A browser refuses fetch() on file:// addresses, and the staff tree is
    opened from disk, so the staff page loads `parts`, a script a year
    (exports.search_part_js); the public page (`parts` None) fetches
    search/index.json, which browsers cache between searches.
    """
    json_ld = {
        "@context": "https://schema.org",
        "@type": "SearchResultsPage",
        "url": urls.absolute(settings, layout.SEARCH),
        "isPartOf": site_ref(settings),
    }
    return render_page(
        env,
        "search.html",
        settings,
        area=page.area,
        url=page.url,
        path=layout.SEARCH,
        json_ld=json_ld,
        parts=parts,
    )
