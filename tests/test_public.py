"""One rule for "public", through every output of the public site.

A draft, an embargoed release, a release dated in the future and a draft
translation each carry canaries in their headline, body, tag and issuer. Before
their time none of them may appear anywhere under build/site/: file names,
pages, listings, feeds, sitemap, search index, JSON exports, the IPTC news items
(ninjs.json, newsml.xml), PDF text, the media kit's photos, documents and zip
(whose file names carry the canary too). The same
newsroom built again at the embargo instant publishes the embargoed release,
and its approved translation, everywhere at once.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

EMBARGO = datetime.fromisoformat("2024-03-05T11:00:00+01:00")
BEFORE = EMBARGO - timedelta(seconds=1)


def release(title: str, day: str, canary: str, *, extra: str = "", status: str = "approved") -> str:
    return f"""---
title: {title} {canary}
date: {day}
location: Brussels
status: {status}
issuers: [Shared Issuer, Issuer {canary}]
tags: [Shared topic, Topic {canary}]
contacts:
  - ana
media:
  - file: {canary.lower()}-photo.jpg
    alt: Photo {canary}
    caption: Caption {canary}
  - file: {canary.lower()}-facts.txt
    title: Fact sheet {canary}
{extra}
---
Body of the release, {canary}-BODY. ![Photo {canary}](media/{canary.lower()}-photo.jpg)
"""


def kit(slug: str, canary: str) -> dict[str, str | bytes]:
    """The photo and the fact sheet of a release: the photo's EXIF says where it was taken."""
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = f"EXIFSECRET {canary}"  # ImageDescription: never published, whoever the release
    Image.new("RGB", (1600, 900), (20, 60, 120)).save(out, "JPEG", exif=exif)
    return {
        f"media/{slug}/{canary.lower()}-photo.jpg": out.getvalue(),
        f"media/{slug}/{canary.lower()}-facts.txt": f"Facts {canary}-FACTS\n",
    }


def translation(title: str, canary: str, *, status: str = "approved") -> str:
    return f"""---
title: {title} {canary}
location: Bruxelles
status: {status}
---
Corps du communiqué, {canary}-BODY.
"""


@pytest.fixture
def newsroom(make_newsroom) -> Path:
    return make_newsroom(
        {
            "contacts/ana.yaml": "name: Ana Lopes\nemail: ana@example.org\n",
            "releases/public.md": release("Public news", "2024-03-01", "CANARYPUBLIC"),
            "releases/public.fr.md": translation("Nouvelle publique", "CANARYDRAFTFR", status="draft"),
            "releases/draft.md": release("Draft news", "2024-03-02", "CANARYDRAFT", status="draft"),
            "releases/embargoed.md": release(
                "Embargoed news", "2024-03-05", "CANARYEMBARGO", extra=f"embargo: {EMBARGO.isoformat()}"
            ),
            "releases/embargoed.fr.md": translation("Nouvelle sous embargo", "CANARYEMBFR"),
            "releases/future.md": release("Future news", "2024-04-01", "CANARYFUTURE"),
            **kit("public", "CANARYPUBLIC"),
            **kit("draft", "CANARYDRAFT"),
            **kit("embargoed", "CANARYEMBARGO"),
            **kit("future", "CANARYFUTURE"),
        }
    )


def site_files(root: Path) -> dict[str, str]:
    """Every file of the public site as text: its name, then its content (PDFs: their text)."""
    found = {}
    for path in sorted((root / "build/site").rglob("*")):
        if not path.is_file() or "assets" in path.parts:
            continue
        rel = path.relative_to(root / "build/site").as_posix()
        if path.suffix == ".pdf":
            text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
        elif path.suffix in (".jpg", ".zip"):  # the bytes, and a zip's file names and files
            data = path.read_bytes()
            text = data.decode("latin-1")
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as z:
                    text += "".join(f"\n{name}\n{z.read(name).decode('latin-1')}" for name in z.namelist())
        else:
            text = path.read_text(encoding="utf-8")
        found[rel] = f"{rel}\n{text}"
    return found


WITHHELD = ("CANARYDRAFT", "CANARYEMBARGO", "CANARYEMBFR", "CANARYFUTURE", "canarydraft", "canaryembargo")
ALWAYS_WITHHELD = ("CANARYDRAFT", "CANARYFUTURE", "canarydraft", "canaryfuture")


def leaks(files: dict[str, str], canaries: tuple[str, ...]) -> list[str]:
    return [f"{rel}: {c}" for rel, text in files.items() for c in canaries if c in text]


@pytest.mark.pdf
def test_nothing_withheld_reaches_any_output_then_the_embargo_lifts_everywhere_at_once(newsroom):
    build(load_newsroom(newsroom), BEFORE)
    before = site_files(newsroom)
    assert not leaks(before, WITHHELD)
    assert any("CANARYPUBLIC" in text for text in before.values())
    assert {"releases/public/media/kit.zip", "releases/public/media/1200/canarypublic-photo.jpg"} <= set(
        before
    )
    assert (newsroom / "build/staff/releases/embargoed/media/kit.zip").is_file()
    kinds = {"index.html", "atom.xml", "rss.xml", "sitemap.xml", "search/index.json", "releases.json"}
    assert kinds <= set(before)
    # The staff tree has them all, with their banners.
    staff = (newsroom / "build/staff/releases/embargoed/index.html").read_text()
    assert "EMBARGOED UNTIL" in staff
    # Its news items too, marked withheld until the embargo, which they name.
    for rel in ("releases/embargoed/ninjs.json", "releases/embargoed/fr/ninjs.json"):
        item = json.loads((newsroom / "build/staff" / rel).read_text())
        assert item["pubStatus"] == "withheld"
        assert datetime.fromisoformat(item["embargoedUntil"]) == EMBARGO
    assert (
        '<pubStatus qcode="stat:withheld" />'
        in (newsroom / "build/staff/releases/embargoed/newsml.xml").read_text()
    )
    assert "releases/public/ninjs.json" in before and "releases/public/newsml.xml" in before

    build(load_newsroom(newsroom), EMBARGO)
    after = site_files(newsroom)
    assert not leaks(after, (*ALWAYS_WITHHELD, "CANARYDRAFTFR"))
    published = [rel for rel, text in after.items() if "CANARYEMBARGO" in text]
    expected = {
        "index.html",
        "atom.xml",
        "rss.xml",
        "search/index.json",
        "releases.json",
        "archive/2024/index.html",
        "tags/shared-topic/index.html",
        "tags/topic-canaryembargo/index.html",
        "tags/shared-topic/atom.xml",
        "issuers/shared-issuer/index.html",
        "contacts/ana/index.html",
        "releases/embargoed/index.html",
        "releases/embargoed/release.json",
        "releases/embargoed/embargoed.pdf",
        "releases/embargoed/fr/index.html",
        "releases/embargoed/ninjs.json",
        "releases/embargoed/newsml.xml",
        "releases/embargoed/fr/ninjs.json",
        "releases/embargoed/fr/newsml.xml",
    }
    assert expected <= set(published), sorted(expected - set(published))
    kit_files = {
        "releases/embargoed/media/canaryembargo-photo.jpg",
        "releases/embargoed/media/1200/canaryembargo-photo.jpg",
        "releases/embargoed/media/400/canaryembargo-photo.jpg",
        "releases/embargoed/media/canaryembargo-facts.txt",
        "releases/embargoed/media/kit.zip",
    }
    assert kit_files <= set(after)
    assert "CANARYEMBARGO-FACTS" in after["releases/embargoed/media/kit.zip"]
    # What the cameras wrote is in no published copy, of any release, at any time.
    assert not [rel for rel, text in {**before, **after}.items() if "EXIFSECRET" in text]
    assert any("CANARYEMBFR" in after[rel] for rel in after if rel.startswith("releases/embargoed/fr/"))
    sitemap = ET.fromstring(after["sitemap.xml"].split("\n", 1)[1])
    locs = {loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert "https://press.example.org/releases/embargoed/" in locs
    assert "https://press.example.org/releases/draft/" not in locs
    page = after["releases/embargoed/index.html"]
    assert "FOR IMMEDIATE RELEASE" in page and "EMBARGOED UNTIL" not in page
    item = json.loads(after["releases/embargoed/ninjs.json"].split("\n", 1)[1])
    assert item["pubStatus"] == "usable"
    # The language versions; the kit's photos follow as pictures.
    assert [a["language"] for a in item["associations"] if a["type"] == "text"] == ["fr"]


def test_a_draft_translation_of_a_public_release_stays_out_of_the_site(newsroom):
    build(load_newsroom(newsroom), BEFORE, formats=("html", "email"))
    assert not (newsroom / "build/site/releases/public/fr").exists()
    assert (newsroom / "build/staff/releases/public/fr/index.html").is_file()
    page = (newsroom / "build/site/releases/public/index.html").read_text()
    assert 'hreflang="fr"' not in page
    export = json.loads((newsroom / "build/site/releases/public/release.json").read_text())
    assert [v["language"] for v in export["versions"]] == ["en-GB"] or len(export["versions"]) <= 1
    # The public item does not name the draft translation; the staff copy does.
    item = json.loads((newsroom / "build/site/releases/public/ninjs.json").read_text())
    assert not [a for a in item.get("associations", ()) if a["type"] == "text"]
    staff = json.loads((newsroom / "build/staff/releases/public/ninjs.json").read_text())
    texts = [(a["language"], a["rel"]) for a in staff["associations"] if a["type"] == "text"]
    assert texts == [("fr", "translation")]
    assert json.loads((newsroom / "build/staff/releases/public/fr/ninjs.json").read_text())["pubStatus"] == (
        "withheld"
    )


def test_a_release_dated_tomorrow_waits_for_its_day(newsroom):
    day_before = datetime.fromisoformat("2024-03-31T23:59:59+02:00")
    build(load_newsroom(newsroom), day_before, formats=("html",))
    assert not leaks(site_files(newsroom), ("CANARYFUTURE", "canaryfuture"))
    build(load_newsroom(newsroom), day_before + timedelta(seconds=1), formats=("html",))
    assert "CANARYFUTURE" in (newsroom / "build/site/index.html").read_text()
