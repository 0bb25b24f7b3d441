"""What a reader of the site meets around the releases: topic names, link previews, feeds, search."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from helpers import SETTINGS
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

SLUG = "2018-05-25-sea"
ORIGINAL = """\
---
title: Partners agree on maritime priorities
date: 2018-05-25
location: Brussels
status: approved
tags: [maritime-security, africa]
---
The partners agreed today on **four priorities** for the seas.

A second paragraph with [a link](https://example.org/).
"""
ITALIAN = """\
---
title: I partner concordano le priorità marittime
location: Bruxelles
status: approved
---
Oggi i partner hanno concordato quattro priorità contro la pirateria.
"""
TOPICS = """
[topics]
maritime-security = "Maritime security"
"""


@pytest.fixture
def site(make_newsroom, now):
    root = make_newsroom(
        {f"releases/{SLUG}.md": ORIGINAL, f"releases/{SLUG}.it.md": ITALIAN},
        settings='logo = "assets/logo.svg"\n' + SETTINGS + TOPICS,
    )
    build(load_newsroom(root), now, formats={"html"})
    return root / "build/site"


def test_topics_show_their_display_names_and_keep_their_addresses(site):
    home = (site / "index.html").read_text()
    assert '<a href="tags/maritime-security/">Maritime security</a>' in home
    assert '<a href="tags/africa/">africa</a>' in home  # not named in [topics]: as written
    topic = (site / "tags/maritime-security/index.html").read_text()
    assert '<h1 class="index-title">Topic: Maritime security</h1>' in topic
    assert 'Maritime security</a> <span class="count">' in (site / "tags/index.html").read_text()


@pytest.mark.parametrize(
    ("path", "locale"),
    [
        ("index.html", "en_GB"),
        (f"releases/{SLUG}/index.html", "en_GB"),
        (f"releases/{SLUG}/it/index.html", "it_IT"),
    ],
)
def test_link_previews_have_a_locale_with_its_territory_and_an_image(site, path, locale):
    page = (site / path).read_text()
    assert f'<meta property="og:locale" content="{locale}">' in page
    assert '<meta property="og:image" content="https://press.example.org/assets/logo.svg">' in page
    assert re.search(r'<link rel="icon" href="(\.\./)*assets/logo\.svg" type="image/svg\+xml">', page)


def test_feeds_carry_the_whole_release(site):
    atom = ET.parse(site / "atom.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = atom.find("a:entry", ns)
    content = entry.find("a:content", ns)
    assert content.get("type") == "html"
    assert "<strong>four priorities</strong>" in content.text
    assert '<a href="https://example.org/" rel="noopener">a link</a>' in content.text
    assert entry.find("a:summary", ns).text.startswith("The partners agreed today")
    rss = ET.parse(site / "rss.xml").getroot()
    assert "A second paragraph" in rss.find("channel/item/description").text


def test_the_search_finds_a_release_by_the_words_of_its_translation(site):
    index = json.loads((site / "search/index.json").read_text())
    (record,) = index["releases"]
    assert "pirateria" in record["terms"].split()  # only the Italian says it
    assert "priorities" in record["terms"].split()


def test_a_control_character_in_the_body_does_not_break_the_feeds(make_newsroom, now):
    text = ORIGINAL.replace("A second paragraph", "A second\x04 paragraph\x0b")
    root = make_newsroom({f"releases/{SLUG}.md": text})
    build(load_newsroom(root), now, formats={"html"})
    for feed in ("atom.xml", "rss.xml"):
        ET.parse(root / "build/site" / feed)  # well-formed XML 1.0
    assert "A second paragraph" in (root / "build/site/atom.xml").read_text()
