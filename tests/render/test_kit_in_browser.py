"""The sample's photo release in a real browser: every photo loads, the kit downloads, a draft's stays home."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpers import copy_sample, serving
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

# Every sample release public but the draft, whose photo must stay off the site.
INSTANT = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
JOINT = "2026-10-14-eu-au-and-un-agree-joint-priorities-for-maritime-security"
DRAFT = "2026-12-03-eu-and-unesco-to-protect-cultural-heritage-in-armed-conflict"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("sample"))
    build(load_newsroom(root), INSTANT, formats=("html",))
    return root / "build"


@pytest.fixture(scope="module")
def served(built):
    """build/ over HTTP on loopback, as a web server serves it."""
    with serving(built) as url:
        yield url


PHOTOS = """() => Array.from(document.images).map(img => ({
    src: img.currentSrc, natural: img.naturalWidth, complete: img.complete, alt: img.alt,
    shown: img.getBoundingClientRect().width, lead: !!img.closest('.lead-image, figure.lead')
}))"""


def photos(tab) -> list[dict]:
    # Lazy images load once scrolled to: scroll through the page, then ask.
    tab.evaluate(
        "async () => { for (let y = 0; y < document.body.scrollHeight; y += 400) "
        "{ window.scrollTo(0, y); await new Promise(r => setTimeout(r, 30)); } }"
    )
    tab.wait_for_load_state("networkidle")
    return [p for p in tab.evaluate(PHOTOS) if "/media/" in p["src"]]


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_the_photo_release_shows_every_photo_on_a_phone_and_a_desk(browser, served, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        tab = context.new_page()
        tab.goto(f"{served}site/releases/{JOINT}/", wait_until="networkidle")
        found = photos(tab)
        assert {p["src"].rsplit("/", 1)[-1] for p in found} == {"patrol-vessel.jpg", "harbour-at-dusk.jpg"}
        assert all(p["complete"] and p["natural"] > 0 and p["alt"] for p in found), found
        assert all(0 < p["shown"] <= width for p in found), found
        # The Italian page shows the same photos, described in Italian.
        tab.goto(f"{served}site/releases/{JOINT}/it/", wait_until="networkidle")
        italian = photos(tab)
        assert italian and all(p["natural"] > 0 for p in italian)
        assert any("motovedetta" in p["alt"] for p in italian)
        # The whole kit, one click away.
        tab.goto(f"{served}site/releases/{JOINT}/", wait_until="networkidle")
        href = tab.get_attribute("a[href$='kit.zip']", "href")
        assert href is not None
        answer = tab.request.get(f"{served}site/releases/{JOINT}/{href}")
        assert answer.ok
        with zipfile.ZipFile(io.BytesIO(answer.body())) as kit:
            assert kit.namelist() == ["harbour-at-dusk.jpg", "patrol-vessel.jpg"]
    finally:
        context.close()


@pytest.mark.browser
def test_a_drafts_photo_shows_in_the_staff_tree_only(browser, served, built):
    assert not (built / "site/releases" / DRAFT).exists()
    assert not [p for p in (built / "site").rglob("heritage-site*")]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = context.new_page()
        tab.goto(f"{served}staff/releases/{DRAFT}/", wait_until="networkidle")
        found = photos(tab)
        assert found and all(p["natural"] > 0 and p["src"].endswith("/heritage-site.jpg") for p in found)
    finally:
        context.close()
