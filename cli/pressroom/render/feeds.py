"""Atom and RSS feeds, the sitemap and robots.txt: what readers and crawlers fetch.

Feeds are made with feedgenerator (Pelican's standalone copy of Django's feed
writer): it escapes and orders everything itself, formats dates with the
email module rather than the process-wide C locale, and so is safe to run in
several threads at once. Nothing here reads the clock: a feed's `updated` and
`lastBuildDate` are its newest member's publication, so the same releases
give the same bytes.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import feedgenerator

from pressroom import layout
from pressroom.model import Settings
from pressroom.render import urls
from pressroom.render.summary import Summary
from pressroom.render.xmltext import xml_text

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# The `updated` of a feed with no entry: a fixed instant rather than the clock,
# so an empty newsroom builds byte-identically too.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


def newest(members: Iterable[Summary]) -> datetime | None:
    """The latest publication or correction among these releases (embargoes can reorder them)."""
    return max((s.modified or s.published for s in members), default=None)


class _Fixed:
    """Feed classes whose last-change date is given, instead of "now" when a feed is empty."""

    updated: datetime = EMPTY_FEED_UPDATED

    def latest_post_date(self) -> datetime:
        return self.updated


class _Atom(_Fixed, feedgenerator.Atom1Feed):  # type: ignore[misc]
    pass


class _Rss(_Fixed, feedgenerator.Rss201rev2Feed):  # type: ignore[misc]
    pass


def render_feed(
    kind: str,
    members: Sequence[Summary],
    settings: Settings,
    *,
    title: str,
    page_path: str,
    feed_path: str,
) -> bytes:
    """An Atom ("atom") or RSS 2.0 ("rss") feed of these releases, in the order given.

    `page_path` is the listing the feed follows (the home page, a topic) and
    `feed_path` the feed's own address; entries link to and are identified by
    their release's public address, which never changes.
    """
    cls = _Atom if kind == "atom" else _Rss
    feed = cls(
        title=xml_text(title),
        link=urls.absolute(settings, page_path),
        description=xml_text(f"Press releases of {settings.name}"),
        language=settings.language,
        author_name=xml_text(settings.name),
        feed_url=urls.absolute(settings, feed_path),
        feed_guid=urls.absolute(settings, feed_path),
    )
    feed.updated = newest(members) or EMPTY_FEED_UPDATED
    for s in members:
        link = urls.absolute(settings, layout.folder(s.slug))
        feed.add_item(
            title=xml_text(s.title),
            link=link,
            # Both formats read a summary as HTML: escaped, a headline's "<b>" stays text.
            # RSS has no other field for the text, so its description is the whole release,
            # as readers expect; Atom keeps the short summary beside the whole release as content.
            description=xml_text(
                s.content if kind == "rss" and s.content else html.escape(s.description, quote=False)
            ),
            content=xml_text(s.content) or None,
            author_name=xml_text(", ".join(s.issuers)),
            pubdate=s.published,
            updateddate=s.modified or s.published,
            unique_id=link,
            unique_id_is_permalink=True,
            categories=[xml_text(t) for t in s.tags],
            # The lead photo: RSS's <enclosure>, Atom's <link rel="enclosure">, which readers
            # show beside the entry. Its length is 0 where unknown, as RSS advises.
            enclosures=[
                feedgenerator.Enclosure(urls.absolute(settings, s.image), str(s.image_length), s.image_type)
            ]
            if s.image
            else None,
        )
    out = io.StringIO()
    feed.write(out, "utf-8")
    return (out.getvalue() + "\n").encode("utf-8")


def render_sitemap(pages: Iterable[tuple[str, datetime | None]], settings: Settings) -> bytes:
    """sitemap.xml from (path, last change) pairs, in the order given, with absolute addresses."""
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for path, lastmod in pages:
        entry = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = urls.absolute(settings, path)
        if lastmod is not None:
            ET.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = lastmod.isoformat()
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=SITEMAP_NS)
    return data + b"\n"


def render_robots(area: str, settings: Settings) -> bytes:
    """robots.txt: the public site names its sitemap; the staff tree turns every crawler away."""
    if area != layout.SITE:
        return b"# Staff preview: drafts and embargoed releases.\nUser-agent: *\nDisallow: /\n"
    return f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(settings, layout.SITEMAP)}\n".encode()
