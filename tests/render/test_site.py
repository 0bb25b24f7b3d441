"""The newsroom site around the release pages: listings, feeds, sitemap, exports and search.

Renderers only: summaries are made from a newsroom on disk and handed to
site_files / render_site_file as the build engine hands them. Listings are
compared with tests/golden/site/ (`pytest --update-golden` rewrites them).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import string
from datetime import date, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conftest import REPO
from helpers import NOW, SETTINGS, serving
from pressroom.content.loader import load_newsroom
from pressroom.languages import fold
from pressroom.layout import name_slug
from pressroom.model import APPROVAL_FIELDS, RELEASE_FIELDS
from pressroom.render.exports import render_release_json
from pressroom.render.site import SiteFile, render_site_file, site_files
from pressroom.render.summary import search_terms, summarise
from pressroom.render.templating import environment
from pressroom.render.view import ReleaseView

GOLDEN = REPO / "tests" / "golden" / "site"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HOSTILE = "<img src=x onerror=alert(1)> Zebra crossing"


def _release(title, day, *, status="approved", tags=(), issuers=(), contacts=(), embargo=None, body=None):
    lines = ["---", f"title: {json.dumps(title)}", f"date: {day.isoformat()}", "location: Brussels"]
    lines.append(f"status: {status}")
    if embargo:
        lines.append(f"embargo: {embargo}")
    for key, values in (("tags", tags), ("issuers", issuers), ("contacts", contacts)):
        if values:
            lines.append(f"{key}: [{', '.join(json.dumps(v) for v in values)}]")
    lines += ["---", body or f"The newsroom reports on {title.lower()}.", ""]
    return "\n".join(lines)


def _files():
    """45 releases in 2025 (three archive pages), two in 2024, a draft and a future embargo."""
    files = {
        "contacts/ines.yaml": "name: Inès Duarte\nrole: Spokesperson\ncity: Brussels\nemail: ines@example.org\n",
    }
    start = date(2025, 1, 6)
    for n in range(45):
        tags = ["Climate & Energy"] if n % 3 == 0 else ["Trade"]
        issuers = ["Ministère de l'Écologie"] if n % 10 == 0 else ()
        contacts = ["ines"] if n % 9 == 0 else ()
        files[f"releases/2025-r{n:02d}.md"] = _release(
            f"Release number {n}",
            start + timedelta(days=7 * n),
            tags=tags,
            issuers=issuers,
            contacts=contacts,
        )
    files["releases/2024-old-a.md"] = _release("Café society in Brussels", date(2024, 3, 1), tags=["Culture"])
    files["releases/2024-old-b.md"] = _release(
        "An older release", date(2024, 2, 1), body="Nothing about zebra here but the body mentions zebra."
    )
    # A body of its own: the headline's <img src=x> in the text would be a local path the loader refuses.
    files["releases/2025-hostile.md"] = _release(
        HOSTILE, date(2024, 1, 10), tags=["Climate & Energy"], body="The newsroom reports on zebra crossing."
    )
    files["releases/2025-secret-draft.md"] = _release(
        "Secret draft headline",
        date(2025, 12, 1),
        status="draft",
        tags=["Climate & Energy"],
        contacts=["ines"],
    )
    files["releases/2026-embargoed.md"] = _release(
        "Embargoed headline",
        date(2026, 2, 1),
        embargo="2026-02-01T12:00:00+01:00",
        tags=["Trade", "Secret Topic"],
    )
    return files


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    root = tmp_path_factory.mktemp("site-newsroom")
    (root / "pressroom.toml").write_text(SETTINGS, encoding="utf-8")
    for rel, text in _files().items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return load_newsroom(root)


@pytest.fixture(scope="module")
def summaries(newsroom):
    found = [summarise(ReleaseView(r, newsroom.settings, NOW)) for r in newsroom.releases]
    # As the build hands them: newest publication first.
    return sorted(found, key=lambda s: (s.published, s.slug), reverse=True)


@pytest.fixture(scope="module")
def rendered(newsroom, summaries):
    """{area/path: bytes} of both areas, as the build would write them."""
    env = environment(None)
    by_slug = {s.slug: s for s in summaries}
    out = {}
    for area in ("site", "staff"):
        for f in site_files(area, summaries, newsroom.settings, newsroom.contacts):
            out[f"{area}/{f.path}"] = render_site_file(env, f, by_slug, newsroom.settings, newsroom.contacts)
    return out


def _text(rendered, rel):
    return rendered[rel].decode("utf-8")


# -- the plan ---------------------------------------------------------------------


def test_the_plan_follows_the_url_scheme(rendered):
    site = {rel.removeprefix("site/") for rel in rendered if rel.startswith("site/")}
    assert {
        "index.html",
        "archive/index.html",
        "archive/2025/index.html",
        "archive/2025/page/2/index.html",
        "archive/2025/page/3/index.html",
        "archive/2024/index.html",
        "tags/index.html",
        "tags/climate-energy/index.html",
        "tags/climate-energy/atom.xml",
        "tags/climate-energy/rss.xml",
        "issuers/ministere-de-l-ecologie/index.html",
        "issuers/test-press-office/index.html",
        "issuers/test-press-office/page/3/index.html",
        "contacts/ines/index.html",
        "atom.xml",
        "rss.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "search/index.html",
        "search/index.json",
        "releases.json",
    } <= site
    assert "archive/2025/page/4/index.html" not in site
    assert "archive/2026/index.html" not in site  # only the embargoed release is from 2026


def test_tag_and_issuer_addresses_fold_case_accents_and_punctuation():
    assert name_slug("Climate & Energy") == "climate-energy"
    assert name_slug("Ministère de l'Écologie") == "ministere-de-l-ecologie"
    assert name_slug("  Straße--Ω ") == "strasse-ω"
    assert name_slug("&&").startswith("x-")
    assert len(name_slug("é" * 300).encode()) <= 120  # a folder name fits any file system


def test_pages_are_paginated_20_a_page_with_the_count_in_the_params(newsroom, summaries):
    files = {f.path: f for f in site_files("site", summaries, newsroom.settings, newsroom.contacts)}
    pages = [files[p] for p in ("archive/2025/index.html", "archive/2025/page/2/index.html")]
    assert [len(f.members) for f in pages] == [20, 20]
    assert len(files["archive/2025/page/3/index.html"].members) == 5
    assert pages[0].param("page") == "1" and pages[0].param("pages") == "3"
    assert len(files["index.html"].members) == 10
    assert len(files["atom.xml"].members) == 48  # every public release: fewer than 50


# -- golden listings --------------------------------------------------------------

GOLDEN_FILES = [
    "site/index.html",
    "site/archive/index.html",
    "site/archive/2025/index.html",
    "site/archive/2025/page/2/index.html",
    "site/archive/2025/page/3/index.html",
    "site/tags/index.html",
    "site/tags/climate-energy/index.html",
    "site/contacts/ines/index.html",
    "site/404.html",
    "site/search/index.html",
    "staff/index.html",
    "staff/tags/climate-energy/index.html",
]


@pytest.mark.parametrize("rel", GOLDEN_FILES)
def test_listing_matches_golden(rendered, rel, update_golden):
    path = GOLDEN / rel
    actual = _text(rendered, rel)
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"missing golden file {rel}: run pytest --update-golden"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), rel, "now"))
        pytest.fail(f"{rel} differs from its golden file:\n{diff}")


def test_pagination_marks_the_current_page_for_assistive_technology(rendered):
    page2 = _text(rendered, "site/archive/2025/page/2/index.html")
    assert '<nav class="pagination" aria-label="Pages">' in page2
    assert '<a href="../../../../archive/2025/page/2/" aria-current="page">2</a>' in page2
    assert '<a href="../../../../archive/2025/" rel="prev">Newer</a>' in page2
    assert '<a href="../../../../archive/2025/page/3/" rel="next">Older</a>' in page2
    assert '<link rel="next" href="../../../../archive/2025/page/3/">' in page2
    assert "aria-current" not in _text(rendered, "site/tags/climate-energy/index.html")  # one page


# -- nothing that is not public ---------------------------------------------------


def test_no_site_file_shows_a_draft_or_an_embargoed_release(rendered):
    for rel, data in rendered.items():
        if rel.startswith("site/"):
            text = data.decode("utf-8")
            for secret in (
                "Secret draft headline",
                "2025-secret-draft",
                "Embargoed headline",
                "Secret Topic",
            ):
                assert secret not in text, f"{secret} in {rel}"
    assert "site/tags/secret-topic/index.html" not in rendered


def test_a_hostile_headline_is_escaped_in_every_page(rendered):
    pages = [rel for rel in rendered if rel.endswith(".html")]
    assert all(b"<img src=x" not in rendered[rel] for rel in pages)
    assert "&lt;img src=x onerror=alert(1)&gt; Zebra crossing" in _text(
        rendered, "site/tags/climate-energy/index.html"
    )


def test_the_site_drops_non_public_summaries_it_is_handed_directly(newsroom, summaries):
    env = environment(None)
    by_slug = {s.slug: s for s in summaries}
    slugs = tuple(by_slug)
    for kind, path in [("home", "index.html"), ("atom", "atom.xml"), ("sitemap", "sitemap.xml")]:
        for params in [(("area", "site"),), ()]:  # no area: treated as public
            f = SiteFile(path, kind, slugs, params)
            text = render_site_file(env, f, by_slug, newsroom.settings, newsroom.contacts).decode()
            assert "Secret draft headline" not in text and "2025-secret-draft" not in text
    with pytest.raises(ValueError, match="public site only"):
        render_site_file(
            env, SiteFile("atom.xml", "atom", slugs, (("area", "staff"),)), by_slug, newsroom.settings, {}
        )


def test_staff_lists_drafts_and_embargoes_with_badges_and_turns_crawlers_away(rendered):
    home = _text(rendered, "staff/index.html")
    assert "Secret draft headline" in home and '<span class="badge badge-draft">Draft</span>' in home
    assert "Embargoed headline" in home and "EMBARGOED UNTIL 1 February 2026, 12:00 CET (11:00 UTC)" in home
    assert 'href="releases/2025-secret-draft/index.html"' in home  # opened from disk
    assert _text(rendered, "staff/robots.txt").endswith("User-agent: *\nDisallow: /\n")
    assert not [rel for rel in rendered if rel.startswith("staff/") and rel.endswith((".xml", ".json"))]


def test_every_page_has_open_graph_and_json_ld(rendered):
    for rel, data in rendered.items():
        if rel.endswith(".html"):
            text = data.decode()
            assert '<meta property="og:title"' in text and '<meta property="og:site_name"' in text, rel
            start = text.index('<script type="application/ld+json">') + len(
                '<script type="application/ld+json">'
            )
            ld = json.loads(text[start : text.index("</script>", start)])
            assert ld["@context"] == "https://schema.org" and ld["name"], rel
    home = _text(rendered, "site/index.html")
    start = home.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    ld = json.loads(home[start : home.index("</script>", start)])
    assert ld["@type"] == "WebSite"
    assert (
        ld["potentialAction"]["target"]["urlTemplate"]
        == "https://press.example.org/search/?q={search_term_string}"
    )


# -- feeds and sitemap -------------------------------------------------------------


def test_atom_feed_has_the_required_elements(rendered, summaries):
    feed = ET.fromstring(rendered["site/atom.xml"])
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{name}").text
    public = [s for s in summaries if s.public]
    assert feed.find(f"{ATOM}updated").text == max(s.published for s in public).isoformat()
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(public)
    first = entries[0]
    assert first.find(f"{ATOM}id").text == f"https://press.example.org/releases/{public[0].slug}/"
    assert first.find(f"{ATOM}title").text == public[0].title
    assert first.find(f"{ATOM}updated").text == public[0].published.isoformat()
    assert first.find(f"{ATOM}link").get("href") == f"https://press.example.org/releases/{public[0].slug}/"


def test_rss_feed_has_the_required_elements(rendered):
    channel = ET.fromstring(rendered["site/rss.xml"]).find("channel")
    assert channel.find("title").text == "Test Press Office"
    assert channel.find("link").text == "https://press.example.org/"
    assert channel.find("description").text
    items = channel.findall("item")
    assert items and all(i.find("guid").text.startswith("https://press.example.org/releases/") for i in items)
    assert all(parsedate_to_datetime(i.find("pubDate").text).tzinfo for i in items)


def test_a_hostile_headline_stays_text_in_the_feeds(rendered):
    for rel in ("site/atom.xml", "site/rss.xml", "site/tags/climate-energy/atom.xml"):
        assert b"<img" not in rendered[rel]  # escaped by the XML writer, so a reader sees text
        titles = [t.text for t in ET.fromstring(rendered[rel]).iter() if t.tag in (f"{ATOM}title", "title")]
        assert HOSTILE in titles, rel


def test_a_control_character_past_the_loader_cannot_fail_a_feed_or_an_export(newsroom, summaries):
    """Defence in depth: the loader drops them, but a feed must not fail the build on one."""
    import dataclasses
    import re

    from pressroom.render.exports import archive_json, search_index_json
    from pressroom.render.feeds import render_feed

    public = [s for s in summaries if s.public][:2]
    dirty = [
        dataclasses.replace(
            public[0],
            title="Tit\x1ble\x07",
            description="Sum\x0bmary\x00",
            issuers=("Iss\x1cuer",),
            tags=("ta\x0cg",),
        ),
        public[1],
    ]
    for kind in ("atom", "rss"):
        data = render_feed(
            kind, dirty, newsroom.settings, title="All\x1b", page_path="", feed_path="atom.xml"
        )
        text = data.decode("utf-8")
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text), kind
        titles = [t.text for t in ET.fromstring(data).iter() if t.tag in (f"{ATOM}title", "title")]
        assert "Title" in titles, kind
    for data in (archive_json(dirty, newsroom.settings), search_index_json(dirty, lambda u: u)):
        assert json.loads(data)["releases"][0]["title"] == "Tit\x1ble\x07"  # JSON escapes them


def test_a_tag_feed_lists_the_tag_only(rendered):
    feed = ET.fromstring(rendered["site/tags/climate-energy/atom.xml"])
    titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
    assert len(titles) == 16 and "Release number 1" not in titles and HOSTILE in titles
    assert feed.find(f"{ATOM}id").text == "https://press.example.org/tags/climate-energy/atom.xml"


def test_sitemap_lists_public_pages_with_absolute_addresses(rendered, summaries):
    urlset = ET.fromstring(rendered["site/sitemap.xml"])
    assert urlset.tag == f"{SITEMAP}urlset"
    locs = [u.find(f"{SITEMAP}loc").text for u in urlset.findall(f"{SITEMAP}url")]
    assert all(loc.startswith("https://press.example.org/") for loc in locs)
    assert "https://press.example.org/archive/2025/page/3/" in locs
    assert "https://press.example.org/releases/2025-r07/" in locs
    assert not [loc for loc in locs if "secret" in loc or "embargoed" in loc]
    assert len(set(locs)) == len(locs)
    assert all(u.find(f"{SITEMAP}lastmod") is not None for u in urlset.findall(f"{SITEMAP}url"))
    robots = _text(rendered, "site/robots.txt")
    assert "Sitemap: https://press.example.org/sitemap.xml" in robots


def test_rendering_is_deterministic(newsroom, summaries, rendered):
    env = environment(None)
    by_slug = {s.slug: s for s in summaries}
    for f in site_files("site", summaries, newsroom.settings, newsroom.contacts):
        assert (
            render_site_file(env, f, by_slug, newsroom.settings, newsroom.contacts)
            == rendered[f"site/{f.path}"]
        )


def test_a_listing_job_sent_to_a_worker_renders_the_same_bytes_without_what_it_does_not_read(
    newsroom, summaries
):
    """A job crosses to a worker without the summary fields its file is made without (site.unread):
    the house style's listings, feeds, indexes and exports come out the same byte for byte."""
    import pickle

    from pressroom.engine.jobs import ListingJob
    from pressroom.render.site import unread

    env = environment(None)
    by_slug = {s.slug: s for s in summaries}
    stripped = set()
    for area in ("site", "staff"):
        for f in site_files(area, summaries, newsroom.settings, newsroom.contacts):
            shown = tuple(by_slug[m] for m in f.members)
            job = ListingJob(area, f, shown, newsroom.contacts, unread(f.kind, house_style=True))
            sent = pickle.loads(pickle.dumps(job))
            there = {s.slug: s for s in sent.summaries}
            bytes_there = render_site_file(env, sent.file, there, newsroom.settings, newsroom.contacts)
            assert bytes_there == render_site_file(env, f, by_slug, newsroom.settings, newsroom.contacts), (
                f.path
            )
            if shown and not any(s.content for s in sent.summaries):
                stripped.add(f.kind)
            assert job.summaries == shown  # in this process, nothing is copied or blanked
    assert {"home", "archive", "tag", "sitemap", "search-index", "archive-json", "search-part"} <= stripped


def test_a_newsrooms_own_listing_templates_get_whole_summaries():
    from pressroom.render.site import unread

    assert unread("tag", house_style=False) == ()
    assert unread("home", house_style=False) == ()
    assert "content" in unread("tag", house_style=True)
    assert unread("atom", house_style=False) == ("terms",)  # written in Python: the same either way


def test_an_empty_newsroom_has_a_site_too(newsroom):
    env = environment(None)
    files = site_files("site", [], newsroom.settings, {})
    assert {f.path for f in files} >= {"index.html", "atom.xml", "archive/index.html", "search/index.json"}
    atom = next(f for f in files if f.kind == "atom")
    feed = ET.fromstring(render_site_file(env, atom, {}, newsroom.settings, {}))
    assert feed.find(f"{ATOM}updated").text == "1970-01-01T00:00:00+00:00"


# -- exports and the search index --------------------------------------------------


def test_the_search_index_holds_folded_terms_and_links_from_the_search_page(rendered):
    index = json.loads(rendered["site/search/index.json"])
    records = {r["title"]: r for r in index["releases"]}
    cafe = records["Café society in Brussels"]
    assert cafe["url"] == "../releases/2024-old-a/"
    assert cafe["date"] == "2024-03-01" and cafe["tags"] == ["Culture"]
    assert cafe["issuers"] == ["Test Press Office"]
    assert cafe["description"] == "The newsroom reports on café society in brussels."
    assert "cafe" in cafe["terms"].split() and "café" not in cafe["terms"]
    assert "Secret draft headline" not in records
    # The staff tree is opened from disk: its records come in a script a year, loaded by the page.
    staff = _text(rendered, "staff/search/index.html")
    years = sorted(p.removeprefix("staff/search/") for p in rendered if p.startswith("staff/search/2"))
    assert years == ["2024.js", "2025.js", "2026.js"]
    assert (
        all(f'<script src="../search/{y}" defer></script>' in staff for y in years)
        and 'data-parts="3"' in staff
    )
    script = _text(rendered, "staff/search/2025.js")
    assert script.startswith("(window.pressroomSearch = window.pressroomSearch || []).push(")
    part = json.loads(
        script.removeprefix("(window.pressroomSearch = window.pressroomSearch || []).push(")[:-3]
    )
    assert part["year"] == 2025
    assert "../releases/2025-secret-draft/index.html" in [r["url"] for r in part["releases"]]
    assert "search/2" not in _text(rendered, "site/search/index.html")
    assert not any(p.startswith("site/search/2") for p in rendered)


def test_the_archive_export_lists_public_releases(rendered):
    data = json.loads(rendered["site/releases.json"])
    assert data["url"] == "https://press.example.org/"
    first = data["releases"][0]
    assert first["json_url"] == first["url"] + "release.json"
    assert {r["slug"] for r in data["releases"]}.isdisjoint({"2025-secret-draft", "2026-embargoed"})


def test_a_release_export_has_every_field_of_the_contract(newsroom):
    r = newsroom.release("2025-r00")
    view = ReleaseView(r, newsroom.settings, NOW)
    url = "https://press.example.org/releases/2025-r00/"
    data = json.loads(
        render_release_json(
            view, html_url=url, pdf_url=url + "2025-r00.pdf", versions=[{"language": "en", "url": url}]
        )
    )
    # The approval trail names staff: it stays in the newsroom's files.
    assert set(RELEASE_FIELDS) - set(APPROVAL_FIELDS) <= set(data)
    assert set(APPROVAL_FIELDS).isdisjoint(data)
    assert data["pubStatus"] == "usable"
    assert data["date"] == "2025-01-06" and data["status"] == "approved" and data["embargo"] is None
    assert data["issuers"] == ["Ministère de l'Écologie"]
    assert data["contacts"][0]["id"] == "ines" and data["contacts"][0]["email"] == "ines@example.org"
    assert data["url"] == url and data["pdf_url"].endswith(".pdf")
    assert data["body_html"].startswith("<p>")
    assert data["versions"] == [{"language": "en", "url": url}]
    draft = ReleaseView(newsroom.release("2025-secret-draft"), newsroom.settings, NOW)
    with pytest.raises(ValueError, match="not public"):
        render_release_json(draft, html_url=url, pdf_url=None)


def write_area(rendered, area, target):
    """Write one area's files and the assets a page needs, as the build would."""
    for rel, data in rendered.items():
        if rel.startswith(f"{area}/"):
            path = target / rel.removeprefix(f"{area}/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    shutil.copytree(REPO / "templates" / "assets", target / "assets", dirs_exist_ok=True)
    return target


# -- search in a real browser -------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium():
    """The system Chromium and Playwright; without them, fail in CI and skip with the reason locally."""
    problem = None
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        problem = f"{path} is missing: run scripts/browser-deps (installs Debian's chromium package)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is missing: pip install --group tests (never `playwright install`)"
    if problem and os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {problem}", pytrace=False)
    if problem:
        pytest.skip(problem)
    return path, sync_playwright


@pytest.mark.browser
def test_search_finds_ranks_and_escapes_in_a_real_browser(rendered, tmp_path):
    executable, sync_playwright = _chromium()
    site = write_area(rendered, "site", tmp_path / "site")
    staff = write_area(rendered, "staff", tmp_path / "staff")
    dialogs = []
    with serving(site) as root, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            results = page.locator("#search-results li")

            # A link to a search works: ?q= fills the form and runs it. Accents fold both ways.
            page.goto(root + "search/?q=CAFE")
            page.wait_for_function("document.getElementById('search-status').textContent !== ''")
            assert results.count() == 1
            assert results.first.locator("a").inner_text() == "Café society in Brussels"
            assert results.first.locator("a").get_attribute("href") == "../releases/2024-old-a/"
            assert results.first.locator("time").inner_text() == "1 March 2024"
            assert "café society" in results.first.locator(".entry-description").inner_text()
            assert page.locator("#search-q").input_value() == "CAFE"

            # Typing searches; prefixes match; a headline hit outranks an older body hit.
            page.fill("#search-q", "zeb")
            page.wait_for_function("document.querySelectorAll('#search-results li').length === 2")
            first = results.first.locator("a")
            assert first.inner_text() == HOSTILE  # the headline, shown as text
            assert results.nth(1).locator("a").inner_text() == "An older release"
            assert page.locator("#search-results img").count() == 0
            assert page.locator("#search-status").inner_text() == "2 press releases match “zeb”."

            # Submitting the form keeps the query in the address, so the search can be shared.
            page.press("#search-q", "Enter")
            page.wait_for_function("location.search === '?q=zeb'")

            # Every word must match: nothing is both a café and a zebra.
            page.fill("#search-q", "cafe zebra")
            page.wait_for_function("document.querySelectorAll('#search-results li').length === 0")
            assert page.locator("#search-status").inner_text() == "No press release matches “cafe zebra”."

            # Drafts are not in the public index.
            page.fill("#search-q", "secret")
            page.wait_for_function("document.getElementById('search-status').textContent.startsWith('No ')")

            # The staff tree opens from disk, where fetch() is refused: its index is in the page.
            page.goto((staff / "search" / "index.html").as_uri() + "?q=secret")
            page.wait_for_function("document.querySelectorAll('#search-results li').length === 2")
            assert results.first.locator("a").inner_text() == "Secret draft headline"  # headline before tag
            assert results.nth(1).locator("a").inner_text() == "Embargoed headline"
        finally:
            browser.close()
    assert dialogs == []


@given(
    st.lists(st.one_of(st.none(), st.text(max_size=40), st.text(string.printable, max_size=40)), max_size=4)
)
@example(["Kigali – the 2026 summit, 3–4 May_ended\x1cHERE here", "Élysée «Paris» café", None, ""])
@example(["snake_case, x_1 & y.z\tq\x1cr _ here", "HERE_ ", "Zoë_x"])
def test_the_search_terms_are_the_unique_folded_words_in_order_of_first_use(texts) -> None:
    """The ASCII fast path and the regular expression find the same words (\\w+ of the folded text)."""
    words = [w for t in texts if t for w in re.findall(r"\w+", fold(t))]
    assert search_terms(*texts) == " ".join(dict.fromkeys(words))


@pytest.mark.parametrize("size", [4096, 3])
def test_listing_entries_made_once_for_every_page_come_out_as_each_page_would_make_them(
    newsroom, summaries, size
):
    """The house style's entries are rendered once for all the pages that list a release
    (pages.Entries), the few kept or all of them: every page is the same byte for byte."""
    from pressroom.render.pages import ENTRY, Entries

    env = environment(None)
    by_slug = {s.slug: s for s in summaries}
    entries = Entries(size)
    made = 0
    template = env.get_template(ENTRY)
    render = template.render

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal made
        made += 1
        return render(*args, **kwargs)

    template.render = counted  # type: ignore[method-assign]
    try:
        shown = 0
        for area in ("site", "staff"):
            for f in site_files(area, summaries, newsroom.settings, newsroom.contacts):
                once = render_site_file(env, f, by_slug, newsroom.settings, newsroom.contacts, entries)
                assert once == render_site_file(env, f, by_slug, newsroom.settings, newsroom.contacts), f.path
                shown += f.kind in {"home", "archive", "tag", "issuer", "contact"} and len(f.members)
    finally:
        del template.render
    assert shown > 100
    assert made < shown / 2 if size > 100 else made > 0
