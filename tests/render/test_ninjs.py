"""The IPTC news items of every release: ninjs 3.1 valid against IPTC's schema, NewsML-G2 well formed.

A newsroom system imports these without a parser of its own, so what it reads
back must be what the release says: the headline, the dateline city, every
attendee with their role, every media contact with the ways to reach them, and
the embargo. Staff copies say they are withheld; the public site has none of them.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from markupsafe import escape

from helpers import NINJS_SCHEMA_OFFICIAL, NINJS_SCHEMA_VENDORED, NOW, copy_sample, ninjs_errors, release
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build
from pressroom.render.markup import plain_text
from pressroom.render.newsml import NAR
from pressroom.render.ninjs import Sibling, render_ninjs, words
from pressroom.render.view import ReleaseView

G2 = f"{{{NAR}}}"
# As in test_golden: after the sample draft's date, before the sample embargo lifts.
SAMPLE_INSTANT = datetime.fromisoformat("2026-12-15T09:00:00+01:00")
EMBARGO = datetime.fromisoformat("2024-03-05T11:00:00+01:00")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The sample newsroom of this repository, built (pages and news items) at SAMPLE_INSTANT."""
    root = tmp_path_factory.mktemp("sample")
    copy_sample(root)
    build(load_newsroom(root), SAMPLE_INSTANT, formats=("html",))
    return root


def items(root: Path, area: str) -> dict[str, dict]:
    """Every ninjs item of an area, by the folder it is in ("releases/<slug>/" or ".../<lang>/")."""
    out = root / "build" / area
    return {
        p.parent.relative_to(out).as_posix() + "/": json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(out.rglob("ninjs.json"))
    }


def folder(r) -> str:
    return f"releases/{r.slug}/" + (f"{r.language}/" if r.is_translation else "")


# SHA-256 of IPTC's ninjs-schema_3.1.json as published: the vendored copy must be that file.
OFFICIAL_SHA256 = "404f578a299bf34e76e98f2de26ad9989882ebd7abf3a4d3cf3aa689b70a8744"


def test_the_vendored_schema_is_iptcs_official_one():
    vendored = NINJS_SCHEMA_VENDORED.read_bytes()
    assert json.loads(vendored)["$id"] == "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"
    assert hashlib.sha256(vendored).hexdigest() == OFFICIAL_SHA256
    if NINJS_SCHEMA_OFFICIAL.is_file():  # the standards folder beside the repository, where there is one
        assert vendored == NINJS_SCHEMA_OFFICIAL.read_bytes()


def test_the_schema_check_catches_what_the_schema_forbids(sample):
    item = items(sample, "site")[next(iter(items(sample, "site")))]
    assert ninjs_errors(item) == []
    broken = item | {"pubStatus": "embargoed", "versionCreated": "yesterday", "uri": "not a uri", "x": 1}
    found = "\n".join(ninjs_errors(broken))
    for word in (
        "'embargoed' is not one of",
        "'yesterday' is not a 'date-time'",
        "'not a uri' is not a 'uri'",
    ):
        assert word in found
    assert "Unevaluated properties are not allowed ('x'" in found


def test_every_sample_release_and_translation_has_a_valid_item_where_its_page_is(sample):
    newsroom = load_newsroom(sample)
    everything = (*newsroom.releases, *newsroom.translations)
    public = {folder(r) for r in everything if r.is_public(SAMPLE_INSTANT)}
    site, staff = items(sample, "site"), items(sample, "staff")
    assert set(staff) == {folder(r) for r in everything}
    assert set(site) == public
    assert len(public) < len(staff)  # the sample has a draft and an embargoed release at this instant
    for area, found in (("site", site), ("staff", staff)):
        for where, item in found.items():
            assert ninjs_errors(item) == [], f"{area}/{where}ninjs.json"
            assert item["uri"] == f"https://press.example.org/{where}"
            assert item["pubStatus"] == ("usable" if where in public else "withheld")


def test_every_sample_item_with_its_pdf_and_language_versions_is_valid(sample):
    """Rendered directly, with a PDF and siblings, as a build with every format writes them."""
    newsroom = load_newsroom(sample)
    for r in (*newsroom.releases, *newsroom.translations):
        view = ReleaseView(r, newsroom.settings, SAMPLE_INSTANT)
        url = f"https://press.example.org/{folder(r)}"
        siblings = [Sibling("fr", "français", url + "fr/"), Sibling("en", "English", url, original=True)]
        item = json.loads(render_ninjs(view, url=url, pdf_url=url + "x.pdf", siblings=siblings))
        assert ninjs_errors(item) == [], r.key
        assert item["renditions"][1] == {
            "name": "print",
            "href": url + "x.pdf",
            "contentType": "application/pdf",
        }
        texts = [a["rel"] for a in item["associations"] if a["type"] == "text"]
        assert texts == ["translation", "original"]
        # Then the media kit's photos, the lead first.
        pictures = [a for a in item["associations"] if a["type"] == "picture"]
        assert [a["name"] for a in pictures] == [m.caption or m.alt for m in r.images], r.key
        assert [a["rel"] for a in pictures] == ["featureimage", "gallery"][: len(pictures)]


def test_the_kit_photos_are_associated_pictures_with_their_three_copies(sample):
    joint = "releases/2026-10-14-eu-au-and-un-agree-joint-priorities-for-maritime-security/"
    item = items(sample, "site")[joint]
    lead = next(a for a in item["associations"] if a["type"] == "picture")
    media = f"https://press.example.org/{joint}media/"
    assert lead["uri"] == f"{media}patrol-vessel.jpg"
    assert lead["rel"] == "featureimage"
    assert lead["by"] == "Illustration: EEAS sample newsroom, CC0"
    assert lead["descriptions"][0]["role"] == "alt"
    assert [(x["name"], x["href"], x["width"], x["height"]) for x in lead["renditions"]] == [
        ("original", f"{media}patrol-vessel.jpg", 2400, 1600),
        ("web", f"{media}1200/patrol-vessel.jpg", 1200, 800),
        ("thumbnail", f"{media}400/patrol-vessel.jpg", 400, 267),
    ]
    # NewsML-G2 links the language versions only.
    newsml = (sample / "build/site" / joint / "newsml.xml").read_text(encoding="utf-8")
    assert "patrol-vessel" not in newsml


def test_translations_are_associated_where_they_are_shown(sample):
    site = items(sample, "site")
    original = "releases/2018-05-25-eu-un-strengthen-partnership-on-counter-terrorism/"
    assert [(a["language"], a["rel"]) for a in site[original]["associations"]] == [
        ("de", "translation"),
        ("fr", "translation"),
    ]
    french = site[original + "fr/"]
    assert french["language"] == "fr" and french["located"] == "Bruxelles"
    assert [(a["language"], a["rel"], a["uri"]) for a in french["associations"]] == [
        ("en", "original", "https://press.example.org/" + original),
        ("de", "translation", "https://press.example.org/" + original + "de/"),
    ]


def test_the_page_and_release_json_link_both_items(sample):
    slug = "2018-05-25-eu-un-strengthen-partnership-on-counter-terrorism"
    for area in ("site", "staff"):
        page = (sample / f"build/{area}/releases/{slug}/index.html").read_text()
        assert '<link rel="alternate" type="application/ninjs+json" href="ninjs.json">' in page
        assert '<link rel="alternate" type="application/vnd.iptc.g2.newsitem+xml" href="newsml.xml">' in page
        for name in ("ninjs.json", "newsml.xml"):  # what the page links is beside it
            assert (sample / f"build/{area}/releases/{slug}/{name}").is_file()
    export = json.loads((sample / f"build/site/releases/{slug}/release.json").read_text())
    assert export["ninjs_url"] == f"https://press.example.org/releases/{slug}/ninjs.json"
    assert export["newsml_url"] == f"https://press.example.org/releases/{slug}/newsml.xml"


def test_every_newsml_item_is_well_formed_and_says_what_its_ninjs_says(sample):
    for area in ("site", "staff"):
        for where, item in items(sample, area).items():
            root = ET.parse(sample / "build" / area / where / "newsml.xml").getroot()
            assert root.tag == G2 + "newsItem"
            assert root.get("guid") == item["uri"]
            assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == item["language"]
            meta, content = root.find(G2 + "itemMeta"), root.find(G2 + "contentMeta")
            assert meta.find(G2 + "pubStatus").get("qcode") == "stat:" + item["pubStatus"]
            embargo = meta.find(G2 + "embargoed")
            assert (embargo.text if embargo is not None else None) == item.get("embargoedUntil")
            assert [h.text for h in content.findall(G2 + "headline")] == [
                h["value"] for h in item["headlines"]
            ]
            assert content.find(f"{G2}located/{G2}name").text == item["located"]
            people = {p["name"] for p in item.get("people", ())}
            named = {n.text for n in content.iterfind(f"{G2}subject[@type='cpnat:person']/{G2}name")}
            named |= {n.text for n in content.iterfind(f"{G2}infoSource/{G2}name")}
            assert named == people
            body = root.find(f"{G2}contentSet/{G2}inlineData").text
            assert all(b["value"] in body for b in item["bodies"])


# -- a round trip: what a newsroom system reads back ------------------------------------------


class _Spans(HTMLParser):
    """The marked-up parts of each list item of a body: [{"name": ..., "role": ...}, ...]."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict[str, str]] = []
        self._part: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            self.items.append({})
        elif tag == "span":
            self._part = dict(attrs).get("class")

    def handle_endtag(self, tag):
        if tag == "span":
            self._part = None

    def handle_data(self, data):
        if self._part:
            self.items[-1][self._part] = self.items[-1].get(self._part, "") + data


def spans(html: str) -> list[dict[str, str]]:
    parser = _Spans()
    parser.feed(html)
    return parser.items


ROUND_TRIP = {
    "contacts/ana.yaml": "name: Ana Lopes\nrole: Spokesperson\norganization: Test Office\ncity: Lisbon\n"
    "email: ana@example.org\nphone: +351 21 000 0000\n",
    "releases/embargoed.md": f"""\
        ---
        title: Ministers agree on a <common> approach & more
        subtitle: A second line
        date: 2024-03-05
        location: Luxembourg
        status: approved
        embargo: {EMBARGO.isoformat()}
        reference: TPO/2024/7
        tags: [Energy, "Climate & Energy"]
        attendees:
          - name: Jürgen Stock
            role: Secretary-General
            organization: INTERPOL
          - name: Ana "Quote" O'Neil
          - name: Li Wei
            organization: United Nations
        contacts:
          - ana
          - name: Maja Kocijancic
            email: maja@example.eu
        ---
        The ministers met today.
        """,
}


def test_a_round_trip_reads_back_the_headline_dateline_people_and_embargo(make_newsroom):
    root = make_newsroom(ROUND_TRIP)
    newsroom = load_newsroom(root)
    (written,) = newsroom.releases
    build(newsroom, EMBARGO.replace(hour=9), formats=("html",))
    assert not (root / "build/site/releases/embargoed").exists()
    item = json.loads((root / "build/staff/releases/embargoed/ninjs.json").read_text())
    assert ninjs_errors(item) == []

    headlines = {h["role"]: h["value"] for h in item["headlines"]}
    assert headlines == {"main": written.title, "sub": "A second line"}
    assert item["located"] == "Luxembourg"
    assert datetime.fromisoformat(item["embargoedUntil"]) == EMBARGO
    assert item["pubStatus"] == "withheld"
    assert "Embargoed: not for publication before 5 March 2024, 11:00 CET" in item["edNote"]
    assert item["altIds"] == [{"role": "reference", "value": "TPO/2024/7"}]
    assert [s["name"] for s in item["subjects"]] == ["Energy", "Climate & Energy"]
    assert [o["name"] for o in item["organisations"]] == ["Test Press Office"]

    attendees = [p["name"] for p in item["people"] if p["rel"] == "attendee"]
    assert attendees == [a.name for a in written.attendees]
    bodies = {b["role"]: b for b in item["bodies"]}
    read = [(s["name"], s.get("role"), s.get("organization")) for s in spans(bodies["attendees"]["value"])]
    assert read == [(a.name, a.role, a.organization) for a in written.attendees]

    contacts = [p for p in item["people"] if p["rel"] == "contact"]
    assert [c["name"] for c in contacts] == ["Ana Lopes", "Maja Kocijancic"]
    ana = {i["type"]: i.get("value", i.get("address")) for i in contacts[0]["contactInfo"]}
    assert ana == {"email": "ana@example.org", "phone": "+351 21 000 0000", "address": {"locality": "Lisbon"}}
    assert contacts[1]["contactInfo"] == [{"type": "email", "value": "maja@example.eu"}]
    assert "Spokesperson" in bodies["contacts"]["value"]
    assert bodies["main"]["value"].startswith('<p><span class="dateline">Luxembourg, 5 March 2024 –</span>')
    assert bodies["main"]["wordCount"] == 8  # "Luxembourg, 5 March 2024" and "The ministers met today."

    g2 = ET.parse(root / "build/staff/releases/embargoed/newsml.xml").getroot()
    assert g2.find(f"{G2}itemMeta/{G2}embargoed").text == EMBARGO.isoformat()
    assert g2.find(f"{G2}contentMeta/{G2}headline").text == written.title
    assert g2.find(f"{G2}contentMeta/{G2}located/{G2}name").text == "Luxembourg"
    email = g2.find(f"{G2}contentMeta/{G2}infoSource/{G2}personDetails/{G2}contactInfo/{G2}email")
    assert email.text == "ana@example.org"

    # At the embargo, the public copy appears, usable; the staff copy says the same.
    build(load_newsroom(root), EMBARGO, formats=("html",))
    for area in ("site", "staff"):
        public = json.loads((root / f"build/{area}/releases/embargoed/ninjs.json").read_text())
        assert public["pubStatus"] == "usable" and "edNote" not in public
        assert datetime.fromisoformat(public["embargoedUntil"]) == EMBARGO


def test_a_draft_says_so_to_the_desk_and_stays_off_the_site(make_newsroom):
    root = make_newsroom({"releases/d.md": release("T", status="draft", body="Body.")})
    build(load_newsroom(root), NOW, formats=("html",))
    item = json.loads((root / "build/staff/releases/d/ninjs.json").read_text())
    assert item["pubStatus"] == "withheld"
    assert item["edNote"] == "DRAFT – not approved for publication"
    assert "embargoedUntil" not in item
    assert not list((root / "build/site").rglob("ninjs.json"))
    assert not list((root / "build/site").rglob("newsml.xml"))


def test_a_news_item_speaks_the_language_of_its_release(make_newsroom):
    root = make_newsroom(
        {
            "releases/r.md": release("T", embargo="2030-01-01T12:00:00+01:00", body="Body."),
            "releases/r.fr.md": "---\ntitle: Titre\nlocation: Bruxelles\nstatus: approved\n---\nCorps.\n",
        }
    )
    build(load_newsroom(root), NOW, formats=("html",))
    item = json.loads((root / "build/staff/releases/r/fr/ninjs.json").read_text())
    assert item["language"] == "fr"
    assert item["edNote"].startswith("Sous embargo")
    assert item["bodies"][0]["value"].startswith(
        '<p><span class="dateline">Bruxelles, le 25 mai 2018 –</span>'
    )


def test_approving_a_translation_adds_it_to_the_public_items_of_the_next_build(make_newsroom):
    root = make_newsroom(
        {
            "releases/r.md": release("T", body="Body."),
            "releases/r.fr.md": "---\ntitle: Titre\nlocation: Bruxelles\n---\nCorps.\n",
        }
    )
    build(load_newsroom(root), NOW, formats=("html",))
    assert "associations" not in items(root, "site")["releases/r/"]
    french = root / "releases/r.fr.md"
    french.write_text(french.read_text().replace("location:", "status: approved\nlocation:"))
    build(load_newsroom(root), NOW, formats=("html",))
    site = items(root, "site")
    assert [a["uri"] for a in site["releases/r/"]["associations"]] == [
        "https://press.example.org/releases/r/fr/"
    ]
    assert site["releases/r/fr/"]["pubStatus"] == "usable"


def test_an_instant_of_local_mean_time_is_given_in_utc(make_newsroom):
    """Brussels was +00:17:30 before 1892: RFC 3339 has no offset in seconds."""
    root = make_newsroom({"releases/old.md": release("T", "1890-06-01", body="B.")})
    newsroom = load_newsroom(root)
    build(newsroom, NOW, formats=("html",))
    item = items(root, "site")["releases/old/"]
    assert ninjs_errors(item) == []
    assert item["firstCreated"] == "1890-05-31T23:42:30+00:00"
    assert datetime.fromisoformat(item["firstCreated"]) == newsroom.releases[0].published


@given(st.text(st.sampled_from([*"ab1 -–_.\t\n", "\u00a0", "\u2003", "é", "٣", "&", "<", ">"]), max_size=60))
@example("Kigali – the 2026 summit, 3–4 May — ended _ here")
def test_the_word_count_counts_runs_of_text_with_a_letter_or_a_digit(text: str) -> None:
    html = f"<p>{escape(text)}</p>"
    expected = sum(1 for w in plain_text(html).split() if any(c.isalnum() for c in w))
    assert words(html) == expected
