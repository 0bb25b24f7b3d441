"""Media kit files: what the loader learns of each, and the message for each file it cannot publish."""

from __future__ import annotations

import io
import time

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image, ImageFile

from pictures import CUTS, EDITS, SEEDS, damaged, encode, jpeg, picture, png, png_header, webp
from pressroom.content.mediafile import (
    DOCUMENT_SUFFIXES,
    IMAGE_SUFFIXES,
    MAX_BYTES,
    FileFacts,
    MediaRefused,
    inspect,
)


def refusal(name, data):
    """The message `inspect` refuses a file with."""
    with pytest.raises(MediaRefused) as exc:
        inspect(name, data)
    return str(exc.value)


# -- what is accepted ------------------------------------------------------------------


def test_an_image_gives_its_kind_type_size_and_pixels():
    data = jpeg(300, 200)
    assert inspect("photo.jpg", data) == FileFacts("image", "image/jpeg", len(data), 300, 200)
    assert inspect("graph.png", png(64, 48)).mime == "image/png"
    assert inspect("still.webp", webp(64, 48)).width == 64


@pytest.mark.parametrize("orientation", range(1, 9))
def test_the_size_is_the_displayed_one_after_the_exif_orientation(orientation):
    facts = inspect("portrait.jpg", jpeg(300, 200, orientation=orientation))
    turned = orientation in (5, 6, 7, 8)
    assert (facts.width, facts.height) == ((200, 300) if turned else (300, 200))


def test_suffixes_match_whatever_their_case():
    assert inspect("PHOTO.JPEG", jpeg()).mime == "image/jpeg"
    assert inspect("Report.PDF", b"%PDF-1.7\n").kind == "document"


def test_a_phones_jpeg_with_further_frames_is_a_jpeg():
    """Phones write portrait shots as MPO: a JPEG, then its depth map; it is no animation."""
    data = encode(picture(), "MPO", save_all=True, append_images=[picture(mode="L")])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert inspect("portrait.jpg", data) == FileFacts("image", "image/jpeg", len(data), 300, 200)


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("fact-sheet.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        (
            "speech.docx",
            b"PK\x03\x04rest of the zip",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("figures.ods", b"PK\x03\x04rest of the zip", "application/vnd.oasis.opendocument.spreadsheet"),
        ("quote.txt", "Zitat: „Wir begrüßen …“\n".encode(), "text/plain"),
        ("budget.csv", b"\xef\xbb\xbfyear,amount\n2018,12\n", "text/csv"),
    ],
)
def test_documents_are_recognised_by_their_first_bytes(name, data, mime):
    assert inspect(name, data) == FileFacts("document", mime, len(data))


def test_every_suffix_has_its_type():
    assert set(IMAGE_SUFFIXES.values()) == {"JPEG", "PNG", "WEBP"}
    assert all("/" in mime for mime in DOCUMENT_SUFFIXES.values())
    assert DOCUMENT_SUFFIXES[".xlsx"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert DOCUMENT_SUFFIXES[".pptx"] == (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    )


# -- what is refused, and why ------------------------------------------------------------


def test_an_unknown_suffix_lists_the_accepted_ones():
    assert refusal("setup.exe", b"MZ") == (
        "a .exe file cannot go in a media kit; it takes .csv, .docx, .jpeg, .jpg, .odp, .ods, .odt,"
        " .pdf, .png, .pptx, .txt, .webp, .xlsx"
    )
    assert refusal("README", b"text").startswith(
        "a file without a suffix cannot go in a media kit; it takes .csv"
    )


def test_an_empty_file():
    assert refusal("photo.jpg", b"") == "the file is empty"
    assert refusal("notes.txt", b"") == "the file is empty"


def test_a_file_over_the_size_limit():
    assert (
        refusal("scan.pdf", b"%PDF-" + bytes(MAX_BYTES))
        == "the file is 50.0 MB, over the limit of 50 MB a file"
    )


def test_an_image_of_another_format_than_its_suffix_says():
    assert refusal("chart.jpg", png()) == "the file is a PNG image, not JPEG: rename it to .png"
    assert refusal("photo.png", jpeg()) == "the file is a JPEG image, not PNG: rename it to .jpg"
    assert refusal("photo.jpeg", webp()) == "the file is a WebP image, not JPEG: rename it to .webp"


def test_formats_a_kit_does_not_take_are_named():
    assert refusal("logo.png", encode(picture(), "GIF")) == (
        "the file is a GIF image, not a PNG image: save it as JPEG, PNG or WebP"
    )
    iphone = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100)
    assert (
        refusal("IMG_0001.jpg", iphone)
        == "the file is a HEIC image, not a JPEG image: save it as JPEG, PNG or WebP"
    )
    assert refusal("photo.jpg", b"random bytes") == "the file is not a JPEG image, or is too damaged to read"


def test_a_header_claiming_billions_of_pixels_is_refused_before_any_is_decoded():
    bomb = png_header(100_000, 100_000)
    assert len(bomb) < 100
    started = time.perf_counter()
    message = refusal("bomb.png", bomb)
    assert time.perf_counter() - started < 0.5  # the 40 GB of pixels were never allocated
    assert message == (
        "the image header claims far more than 50 megapixels: refused as a possible decompression bomb"
    )


def test_pillows_warning_band_is_a_refusal_too():
    """Between its limit and twice that, Pillow only warns; here that is a refusal."""
    assert Image.MAX_IMAGE_PIXELS is not None
    assert Image.MAX_IMAGE_PIXELS < 10_000 * 10_000 < 2 * Image.MAX_IMAGE_PIXELS
    assert "decompression bomb" in refusal("big.png", png_header(10_000, 10_000))


def test_the_limits_on_a_side_and_on_pixels_hold_below_pillows():
    assert refusal("panorama.png", png_header(12_001, 100)) == (
        "the image is 12001 × 100 pixels, over the limit of 12000 pixels a side: scale it down"
    )
    assert refusal("poster.png", png_header(8000, 7000)) == (
        "the image is 8000 × 7000 pixels (56 megapixels), over the limit of 50 megapixels: scale it down"
    )


@pytest.mark.parametrize("make", [jpeg, png, webp])
def test_a_cut_off_image_is_refused(make):
    data = make(600, 400)
    message = refusal("photo" + {jpeg: ".jpg", png: ".png", webp: ".webp"}[make], data[: len(data) // 2])
    assert message.startswith("the image is damaged or incomplete (")
    assert message.endswith("): export it again")


def test_a_cut_off_image_is_refused_even_where_weasyprint_allows_them(monkeypatch):
    """WeasyPrint sets LOAD_TRUNCATED_IMAGES on import, for the whole process: inspect must not rely on it."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = jpeg(600, 400)
    assert refusal("photo.jpg", data[: len(data) // 2]).startswith(
        "the image is damaged or incomplete (image file is truncated"
    )
    data = png(600, 400)
    assert refusal("chart.png", data[: len(data) // 2]).startswith("the image is damaged or incomplete")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # set back for the rest of the process


def test_animated_images_are_refused():
    frames = [picture(), picture(mode="L").convert("RGB")]
    for fmt, name in (("PNG", "anim.png"), ("WEBP", "anim.webp")):
        data = encode(frames[0], fmt, save_all=True, append_images=frames[1:])
        assert refusal(name, data) == "animated images are not supported: use a still image"


def test_a_pdf_that_is_not_one():
    assert refusal("fact-sheet.pdf", b"Just some text.\n") == (
        "the file is not a PDF document: it does not start with %PDF-"
    )


def test_an_office_document_that_is_not_a_zip():
    assert refusal("speech.docx", b"{\\rtf1 Rich Text}") == (
        "the file is not a .docx document, which is a zip archive: save it again from the application that made it"
    )


def test_text_must_be_utf8_without_nul():
    assert refusal("quote.txt", "Zitat: „Grüße“".encode("cp1252")) == (
        "the file is not UTF-8 text (byte 0x84 at offset 7): save it as UTF-8"
    )
    assert refusal("table.csv", b"a,b\n\x00\x00") == "the file holds NUL bytes, so it is not plain text"


# -- whatever the bytes ------------------------------------------------------------------


@given(name=st.sampled_from(sorted(SEEDS)), edits=EDITS, cut=CUTS)
@example(name="photo.jpg", edits=[], cut=10_000)
def test_damaged_bytes_are_refused_with_a_message_never_a_crash(name, edits, cut):
    data = damaged(SEEDS[name], edits, cut)
    try:
        facts = inspect(name, data)
    except MediaRefused as exc:
        assert str(exc)
    else:
        assert facts.kind == "image"
        assert facts.width and facts.height
