"""A release's media kit as `check` reads it: the list, the files, and the body's paths to them."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from pressroom.content.loader import load_newsroom
from pressroom.errors import ContentError, Severity


def jpeg(width: int = 300, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 140)).save(out, "JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

FRONT = """\
---
title: Ships at sea
date: 2024-03-01
location: Brussels
status: approved
media:
  - file: ship.jpg
    alt: A grey ship at sea
    caption: The ship
    credit: "Photo: Press Office"
  - file: qa.pdf
    title: Questions and answers
---
"""


def errors(exc: pytest.ExceptionInfo[ContentError]) -> list[str]:
    return [str(p) for p in exc.value.problems if p.severity is Severity.ERROR]


def test_a_kit_is_loaded_with_what_the_files_are(make_newsroom):
    root = make_newsroom(
        {
            "releases/ships.md": FRONT + "![The ship at dusk](media/ship.jpg) and [the Q&A](media/qa.pdf).\n",
            "media/ships/ship.jpg": jpeg(640, 480),
            "media/ships/qa.pdf": PDF,
        }
    )
    release = load_newsroom(root).release("ships")
    assert release is not None
    ship, qa = release.media
    assert (ship.name, ship.kind, ship.mime, ship.width, ship.height) == (
        "ship.jpg",
        "image",
        "image/jpeg",
        640,
        480,
    )
    assert (ship.alt, ship.caption, ship.credit) == ("A grey ship at sea", "The ship", "Photo: Press Office")
    assert (qa.kind, qa.mime, qa.title, qa.size) == (
        "document",
        "application/pdf",
        "Questions and answers",
        len(PDF),
    )
    assert release.lead_image == ship and release.documents == (qa,)
    assert len(ship.digest) == 64


def test_a_photo_without_alt_text_and_a_document_without_title_are_errors_naming_their_lines(make_newsroom):
    root = make_newsroom(
        {
            "releases/ships.md": FRONT.replace("    alt: A grey ship at sea\n", "").replace(
                "    title: Questions and answers\n", ""
            )
            + "Text.\n",
            "media/ships/ship.jpg": jpeg(),
            "media/ships/qa.pdf": PDF,
        }
    )
    with pytest.raises(ContentError) as exc:
        load_newsroom(root)
    assert errors(exc) == [
        "releases/ships.md:7: media[0].alt: a photo needs its alt text: say what it shows, "
        "for readers who cannot see it",
        "releases/ships.md:10: media[1].title: a document needs a title, e.g. 'Questions and answers'",
    ]


def test_a_local_path_outside_the_kit_is_an_error_naming_file_line_and_path(make_newsroom):
    body = (
        "First paragraph.\n\n"
        "![Minister](img/minister.jpg)\n\n"
        "See [the annex](../annex.pdf) and [our site](https://example.org/) and [note](#fn).\n\n"
        '<img src="/home/anna/Desktop/photo.png" alt="x">\n\n'
        "[fact sheet]: media/facts.pdf\n"
    )
    root = make_newsroom(
        {"releases/ships.md": FRONT + body, "media/ships/ship.jpg": jpeg(), "media/ships/qa.pdf": PDF}
    )
    with pytest.raises(ContentError) as exc:
        load_newsroom(root)
    hint = (
        "which readers cannot open: put the file in media/ships/, list it under media: and write media/<file>"
    )
    assert errors(exc) == [
        f"releases/ships.md:16: body: 'img/minister.jpg' is a path on this computer, {hint}",
        f"releases/ships.md:18: body: '../annex.pdf' is a path on this computer, {hint}",
        f"releases/ships.md:20: body: '/home/anna/Desktop/photo.png' is a path on this computer, {hint}",
        "releases/ships.md:22: body: 'media/facts.pdf' is not in this release's media list (line 7): "
        "add it there, with its alt text or title",
    ]


def test_a_path_written_in_a_code_block_is_shown_not_followed(make_newsroom):
    body = "Text.\n\n```\n![x](img/x.jpg)\n```\n"
    root = make_newsroom(
        {"releases/ships.md": FRONT + body, "media/ships/ship.jpg": jpeg(), "media/ships/qa.pdf": PDF}
    )
    assert load_newsroom(root).release("ships") is not None


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "media/ships/ship.jpg is not there: put the file in it"),
        ({"media/ships/ship.jpg": png()}, "media/ships/ship.jpg: the file is a PNG image, not JPEG"),
        ({"media/ships/ship.jpg": jpeg()[:300]}, "media/ships/ship.jpg: "),
        ({"media/ships/ship.jpg": b""}, "media/ships/ship.jpg: "),
    ],
    ids=["missing", "mislabelled", "truncated", "empty"],
)
def test_a_kit_file_that_cannot_be_published_is_an_error_on_its_line(make_newsroom, files, message):
    root = make_newsroom({"releases/ships.md": FRONT + "Text.\n", "media/ships/qa.pdf": PDF, **files})
    with pytest.raises(ContentError) as exc:
        load_newsroom(root)
    (only,) = errors(exc)
    assert only.startswith(f"releases/ships.md:7: media[0].file: {message}")


def test_a_text_file_called_pdf_and_an_unknown_kind_are_refused(make_newsroom):
    front = FRONT.replace("  - file: qa.pdf", "  - file: notes.exe\n    title: Notes\n  - file: qa.pdf")
    root = make_newsroom(
        {
            "releases/ships.md": front + "Text.\n",
            "media/ships/ship.jpg": jpeg(),
            "media/ships/qa.pdf": b"hello\n",
        }
    )
    with pytest.raises(ContentError) as exc:
        load_newsroom(root)
    # One run says both: the files of a release with errors are checked all the same.
    first, second = errors(exc)
    assert first.startswith(
        "releases/ships.md:11: media[1].file: 'notes.exe' is not a kind of file a kit takes"
    )
    assert second.startswith("releases/ships.md:13: media[2].file: media/ships/qa.pdf: ")
    # And no warning calls the kit's files unpublished for want of a release.
    assert not [p for p in exc.value.problems if "not published" in p.message]


def test_a_file_name_with_a_folder_or_named_twice_is_refused(make_newsroom):
    front = FRONT.replace(
        "  - file: qa.pdf", "  - file: ../../etc/passwd.txt\n    title: X\n  - file: qa.pdf"
    )
    front = front.replace(
        "    title: Questions and answers\n", "    title: Q\n  - file: qa.pdf\n    title: Again\n"
    )
    root = make_newsroom(
        {"releases/ships.md": front + "Text.\n", "media/ships/ship.jpg": jpeg(), "media/ships/qa.pdf": PDF}
    )
    with pytest.raises(ContentError) as exc:
        load_newsroom(root)
    found = errors(exc)
    assert any("'../../etc/passwd.txt' is not a file name of media/ships/" in e for e in found)
    assert any("'qa.pdf' is named twice (first on line 13)" in e for e in found)


def test_a_link_leading_out_of_the_newsroom_is_refused(make_newsroom, tmp_path):
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(jpeg())
    root = make_newsroom({"releases/ships.md": FRONT + "Text.\n", "media/ships/qa.pdf": PDF})
    (root / "media/ships/ship.jpg").symlink_to(outside)
    with pytest.raises(ContentError) as exc:
        load_newsroom(root)
    assert "a link to a file outside the newsroom" in errors(exc)[0]


def test_a_file_no_release_names_is_a_warning_that_it_is_not_published(make_newsroom):
    root = make_newsroom(
        {
            "releases/ships.md": FRONT + "Text.\n",
            "media/ships/ship.jpg": jpeg(),
            "media/ships/qa.pdf": PDF,
            "media/ships/outtake.jpg": jpeg(),
            "media/gone/photo.jpg": jpeg(),
        }
    )
    warnings = [str(w) for w in load_newsroom(root).warnings]
    assert (
        "media/ships/outtake.jpg: warning: not in the media list of releases/ships.md: it is not published"
        in warnings
    )
    assert "media/gone: warning: no release has this slug: nothing here is published" in warnings


def test_a_translation_captions_the_originals_files_or_takes_its_list(make_newsroom):
    fr = """\
---
title: Navires en mer
location: Bruxelles
status: approved
media:
  - file: ship.jpg
    alt: Un navire gris en mer
  - file: other.jpg
    alt: Autre
---
Texte.
"""
    root = make_newsroom(
        {
            "releases/ships.md": FRONT + "Text.\n",
            "releases/ships.fr.md": fr,
            "media/ships/ship.jpg": jpeg(),
            "media/ships/qa.pdf": PDF,
        }
    )
    with pytest.raises(ContentError) as exc:
        load_newsroom(root)
    assert errors(exc) == [
        "releases/ships.fr.md:8: media[1].file: 'other.jpg' is not in the media list of releases/ships.md: "
        "a translation names the original's files, with captions in its own language"
    ]
    (root / "releases/ships.fr.md").write_text(fr.replace("  - file: other.jpg\n    alt: Autre\n", ""))
    newsroom = load_newsroom(root)
    (translation,) = newsroom.translations
    # What it does not retell keeps the original's words: the kit is the same files.
    assert [(m.name, m.alt, m.title) for m in translation.media] == [
        ("ship.jpg", "Un navire gris en mer", None),
        ("qa.pdf", None, "Questions and answers"),
    ]
    assert translation.media[0].width == 300
    (root / "releases/ships.fr.md").write_text("---\ntitle: Navires\nlocation: Bruxelles\n---\nTexte.\n")
    (translation,) = load_newsroom(root).translations
    assert [m.alt for m in translation.media] == ["A grey ship at sea", None]
    assert translation.media[0].digest == newsroom.release("ships").media[0].digest


def test_a_photo_replaced_under_the_same_name_is_seen_by_the_next_load(make_newsroom):
    root = make_newsroom(
        {"releases/ships.md": FRONT + "Text.\n", "media/ships/ship.jpg": jpeg(), "media/ships/qa.pdf": PDF}
    )
    first = load_newsroom(root).release("ships")
    (root / "media/ships/ship.jpg").write_bytes(jpeg(800, 600))
    second = load_newsroom(root).release("ships")
    assert first is not None and second is not None
    assert (second.media[0].width, second.media[0].digest) != (first.media[0].width, first.media[0].digest)
