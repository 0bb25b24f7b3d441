"""A release's media kit through the build: copies without metadata, two widths, a zip, the cache."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import datetime, timedelta

from PIL import Image

from pictures import SECRETS, jpeg
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

NOW = datetime.fromisoformat("2024-03-10T12:00:00+01:00")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def size(path) -> tuple[int, int]:
    with Image.open(path) as im:
        return im.size


def release(status: str = "approved", caption: str = "The ship", extra: str = "") -> str:
    return f"""---
title: Ships at sea
date: 2024-03-01
location: Brussels
status: {status}
media:
  - file: ship.jpg
    alt: A grey ship at sea
    caption: {caption}
  - file: qa.pdf
    title: Questions and answers
{extra}---
The ships are at sea. ![The ship](media/ship.jpg)
"""


def kit(make_newsroom, **kw):
    return make_newsroom(
        {
            "releases/ships.md": release(**kw),
            "media/ships/ship.jpg": jpeg(2400, 1600),
            "media/ships/qa.pdf": PDF,
        }
    )


def test_a_public_kit_is_published_without_metadata_at_three_sizes_with_a_zip(make_newsroom):
    root = kit(make_newsroom)
    build(load_newsroom(root), NOW, formats=("html",))
    for area in ("site", "staff"):
        media = root / f"build/{area}/releases/ships/media"
        sizes = {rel: size(media / rel) for rel in ("ship.jpg", "1200/ship.jpg", "400/ship.jpg")}
        assert sizes == {"ship.jpg": (2400, 1600), "1200/ship.jpg": (1200, 800), "400/ship.jpg": (400, 267)}
        assert (media / "qa.pdf").read_bytes() == PDF
        with zipfile.ZipFile(media / "kit.zip") as z:
            assert z.namelist() == ["qa.pdf", "ship.jpg"]
            assert z.read("ship.jpg") == (media / "ship.jpg").read_bytes()
    # Where the photo was taken, the camera, the editor's comment: in no file of build/.
    for path in (root / "build").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [s for s in SECRETS if s in data], path


def test_a_draft_kit_is_for_staff_only_and_leaves_the_site_with_a_withdrawal(make_newsroom):
    root = kit(make_newsroom, status="draft")
    build(load_newsroom(root), NOW, formats=("html",))
    assert (root / "build/staff/releases/ships/media/kit.zip").is_file()
    assert not (root / "build/site/releases/ships").exists()
    (root / "releases/ships.md").write_text(release())
    build(load_newsroom(root), NOW, formats=("html",))
    assert (root / "build/site/releases/ships/media/1200/ship.jpg").is_file()
    withdrawn = "withdrawn:\n  date: 2024-03-09\n  text: Sent in error.\n"
    (root / "releases/ships.md").write_text(release(status="withdrawn", extra=withdrawn))
    build(load_newsroom(root), NOW, formats=("html",))
    assert (root / "build/site/releases/ships/index.html").is_file()  # the notice stands at its address
    assert not (root / "build/site/releases/ships/media").exists()
    assert (root / "build/staff/releases/ships/media/ship.jpg").is_file()


def test_a_new_caption_renders_no_photo_again_and_a_new_photo_does(make_newsroom):
    root = kit(make_newsroom)
    build(load_newsroom(root), NOW, formats=("html",))
    zipped = (root / "build/site/releases/ships/media/kit.zip").read_bytes()
    (root / "releases/ships.md").write_text(release(caption="Another caption"))
    report = build(load_newsroom(root), NOW, formats=("html",))
    assert report.rendered["jpg"] == 0 and report.rendered["zip"] == 0 and report.rendered["html"] > 0
    (root / "media/ships/ship.jpg").write_bytes(jpeg(1000, 500))
    report = build(load_newsroom(root), NOW, formats=("html",))
    assert report.rendered["jpg"] == 6 and report.rendered["zip"] == 2
    assert size(root / "build/site/releases/ships/media/400/ship.jpg") == (400, 200)
    assert (root / "build/site/releases/ships/media/kit.zip").read_bytes() != zipped
    # Taken off the list: its copies leave build/.
    (root / "releases/ships.md").write_text(
        release()
        .replace("  - file: ship.jpg\n    alt: A grey ship at sea\n    caption: The ship\n", "")
        .replace(" ![The ship](media/ship.jpg)", "")
    )
    build(load_newsroom(root), NOW, formats=("html",))
    assert not list((root / "build").rglob("ship.jpg"))


def test_the_kit_zip_is_the_same_bytes_from_a_clean_build(make_newsroom):
    root = kit(make_newsroom)
    build(load_newsroom(root), NOW, formats=("html",))
    first = (root / "build/site/releases/ships/media/kit.zip").read_bytes()
    build(load_newsroom(root), NOW + timedelta(days=300), formats=("html",), clean=True)
    assert (root / "build/site/releases/ships/media/kit.zip").read_bytes() == first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_feeds_enclose_the_lead_photo_with_its_published_size(make_newsroom):
    import re

    root = kit(make_newsroom)
    build(load_newsroom(root), NOW, formats=("html",))
    web = root / "build/site/releases/ships/media/1200/ship.jpg"
    rss = (root / "build/site/rss.xml").read_text()
    (enclosure,) = re.findall(r"<enclosure [^>]*>", rss)
    assert f'length="{web.stat().st_size}"' in enclosure and 'type="image/jpeg"' in enclosure
    assert 'url="https://press.example.org/releases/ships/media/1200/ship.jpg"' in enclosure
    atom = (root / "build/site/atom.xml").read_text()
    assert f'length="{web.stat().st_size}"' in atom


def test_an_unchanged_photo_is_decoded_once_and_a_replaced_one_renders_its_pages_again(
    make_newsroom, monkeypatch
):
    from pressroom.content import media
    from pressroom.engine import cache
    from pressroom.engine.build import load

    root = kit(make_newsroom)
    # Long after the files were written: a file changed moments before a load is read again by
    # the next (source.settled), and this is about the files that were not.
    monkeypatch.setattr(cache, "clock", lambda: time.time_ns() + 60_000_000_000)
    looked: list[str] = []
    inspect = media.inspect
    monkeypatch.setattr(media, "inspect", lambda name, data: looked.append(name) or inspect(name, data))
    newsroom, loader = load(root)
    build(newsroom, NOW, formats=("html",), loader=loader)
    assert sorted(looked) == ["qa.pdf", "ship.jpg"]
    newsroom, loader = load(root)  # as the next `pressroom build` loads it: with the cache
    report = build(newsroom, NOW, formats=("html",), loader=loader)
    assert sorted(looked) == ["qa.pdf", "ship.jpg"] and sum(report.rendered.values()) == 0
    page = root / "build/site/releases/ships/index.html"
    assert 'width="1200" height="800"' in page.read_text()
    # The same name, another photo: the copies and the pages that show it are made again.
    (root / "media/ships/ship.jpg").write_bytes(jpeg(900, 900))
    newsroom, loader = load(root)
    build(newsroom, NOW, formats=("html",), loader=loader)
    assert looked.count("ship.jpg") == 2
    assert 'width="900" height="900"' in page.read_text()


def test_a_photo_changed_moments_before_a_load_is_decoded_again_by_the_next(make_newsroom, monkeypatch):
    """The rule of release files (source.settled) holds for kit files: a photo read less than two
    seconds after its last change may change again within the same tick of the clock, unseen."""
    from pressroom.content import media
    from pressroom.engine import cache
    from pressroom.engine.build import load

    root = kit(make_newsroom)
    photo = root / "media/ships/ship.jpg"
    looked: list[str] = []
    inspect = media.inspect
    monkeypatch.setattr(media, "inspect", lambda name, data: looked.append(name) or inspect(name, data))

    def build_at(seconds: int) -> None:
        monkeypatch.setattr(cache, "clock", lambda: photo.stat().st_ctime_ns + seconds * 1_000_000_000)
        newsroom, loader = load(root)
        build(newsroom, NOW, formats=("html",), loader=loader)

    build_at(1)
    build_at(1)
    assert looked.count("ship.jpg") == 2
    build_at(3)
    build_at(3)
    assert looked.count("ship.jpg") == 3
