"""NewsML-G2: the same news item as render/ninjs.py, as the XML newsItem older editorial systems read.

It is written from the ninjs item, never from the release directly, so the
two files carry the same facts. The output is well-formed XML (tests parse
it), but it is not checked against the IPTC XSD, which no package registry
ships; docs/ninjs.md says so. Nothing here touches the disk.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from pressroom.render.ninjs import Sibling, ninjs_item
from pressroom.render.view import ReleaseView
from pressroom.render.xmltext import xml_text

NAR = "http://iptc.org/std/nar/2006-10-01/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STANDARD_VERSION = "2.34"
# The IPTC catalog resolves the scheme aliases of the qcodes below (ninat:, stat:, genre:, ...).
CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_38.xml"
MEDIA_TYPE = "application/vnd.iptc.g2.newsitem+xml"


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, name, {key: xml_text(value) for key, value in attributes.items()})
    element.text = xml_text(text) if text is not None else None
    return element


def _named(parent: ET.Element, element_name: str, name: str, **attributes: str) -> ET.Element:
    """A G2 property with a <name> child, the way parties, places and concepts are written."""
    element = _add(parent, element_name, **attributes)
    _add(element, "name", name)
    return element


def _item_meta(root: ET.Element, item: Mapping[str, Any], provider: str) -> None:
    meta = _add(root, "itemMeta")
    _add(meta, "itemClass", qcode="ninat:text")
    _named(meta, "provider", provider)
    _add(meta, "versionCreated", item["versionCreated"])
    _add(meta, "firstCreated", item["firstCreated"])
    if "embargoedUntil" in item:
        _add(meta, "embargoed", item["embargoedUntil"])
    _add(meta, "pubStatus", qcode=f"stat:{item['pubStatus']}")
    if "edNote" in item:
        _add(meta, "edNote", item["edNote"])
    # The other language versions; the kit's photos are ninjs's alone (docs/ninjs.md).
    for other in (a for a in item.get("associations", ()) if a["type"] == "text"):
        _add(
            meta,
            "link",
            rel="irel:seeAlso",
            href=other["uri"],
            contenttype="text/html",
            hreflang=other["language"],
            title=other["name"],
        )


def _contact(parent: ET.Element, person: Mapping[str, Any]) -> None:
    source = _named(parent, "infoSource", person["name"])
    info = person.get("contactInfo", ())
    if not info:
        return
    details = _add(_add(source, "personDetails"), "contactInfo")
    for way in info:
        if way["type"] == "address":
            _named(_add(details, "address"), "locality", way["address"]["locality"])
        else:
            _add(details, way["type"], way["value"])


def _content_meta(root: ET.Element, item: Mapping[str, Any], dateline: str) -> None:
    meta = _add(root, "contentMeta")
    _named(meta, "located", item["located"], type="cptype:city")
    people = item.get("people", ())
    for person in people:
        if person["rel"] == "contact":
            _contact(meta, person)
    for organisation in item["organisations"]:
        _named(meta, "creator", organisation["name"], type="cpnat:organisation")
    for alt in item.get("altIds", ()):
        _add(meta, "altId", alt["value"])
    _add(meta, "language", tag=item["language"])
    for genre in item["genres"]:
        _named(meta, "genre", genre["name"], qcode="genre:" + genre["uri"].rsplit("/", 1)[-1])
    for subject in item.get("subjects", ()):
        _named(meta, "subject", subject["name"], type="cpnat:abstract")
    for person in people:
        if person["rel"] == "attendee":
            _named(meta, "subject", person["name"], type="cpnat:person")
    _add(meta, "slugline", item["slugline"])
    for headline in item["headlines"]:  # the headline, then the subtitle if there is one
        _add(meta, "headline", headline["value"])
    _add(meta, "dateline", dateline)
    for description in item["descriptions"]:
        _add(meta, "description", description["value"], role="drol:summary")


def _content_set(root: ET.Element, item: Mapping[str, Any]) -> None:
    """The text and its sections as one HTML document, then the page and the PDF as remote renditions."""
    content = _add(root, "contentSet")
    parts = []
    for body in item["bodies"]:
        html = body["value"]
        parts.append(html if body["role"] == "main" else f'<section class="{body["role"]}">{html}</section>')
    words = sum(body["wordCount"] for body in item["bodies"])
    _add(content, "inlineData", "\n".join(parts), contenttype="text/html", wordcount=str(words))
    for rendition in item["renditions"]:
        _add(content, "remoteContent", href=rendition["href"], contenttype=rendition["contentType"])


def render_newsml(
    view: ReleaseView,
    *,
    url: str,
    pdf_url: str | None,
    siblings: Sequence[Sibling] = (),
    bodies: list[dict[str, Any]] | None = None,
) -> bytes:
    """releases/<slug>/newsml.xml: a NewsML-G2 newsItem in UTF-8, byte-identical for the same inputs.

    `bodies`: ninjs.body_parts(view), when the caller has them already."""
    item = ninjs_item(view, url=url, pdf_url=pdf_url, siblings=siblings, bodies=bodies)
    # Unqualified names under a default namespace declared by hand: ElementTree would
    # otherwise need a module-wide prefix registration to write NAR without a prefix.
    root = ET.Element(
        "newsItem",
        {
            "xmlns": NAR,
            "guid": item["uri"],
            "standard": "NewsML-G2",
            "standardversion": STANDARD_VERSION,
            "conformance": "power",
            XML_LANG: item["language"],
        },
    )
    _add(root, "catalogRef", href=CATALOG)
    _item_meta(root, item, view.settings.name)
    _content_meta(root, item, view.dateline)
    _content_set(root, item)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode("utf-8")
