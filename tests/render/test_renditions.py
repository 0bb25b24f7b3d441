"""Published copies of kit photos (turned upright, sized, stripped of metadata) and the kit's zip."""

from __future__ import annotations

import io
import stat
import struct
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageOps

from pictures import (
    COMMENT,
    CUTS,
    EDITS,
    ICC,
    LATITUDE,
    SECRETS,
    SEEDS,
    cmyk_to_white_profile,
    damaged,
    encode,
    jpeg,
    picture,
    png,
    read,
    webp,
)
from pressroom.content.mediafile import MediaRefused, inspect
from pressroom.render.renditions import THUMB_WIDTH, WEB_WIDTH, Rendition, kit_zip, render_image

WIDTHS = [None, WEB_WIDTH, THUMB_WIDTH]


def assert_no_metadata(copy: Rendition) -> None:
    """Nothing of the camera, the editor or the place: no EXIF, GPS, XMP, comment or text chunk."""
    im = read(copy.data)
    assert not im.getexif()
    assert not im.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    for secret in (*SECRETS, COMMENT, struct.pack("<2L", 75, 2), struct.pack(">2L", 75, 2)):
        assert secret not in copy.data, secret
    assert set(im.info) <= {"icc_profile", "jfif", "jfif_version", "jfif_unit", "jfif_density", "progressive",
                            "progression", "loop", "background", "duration", "timestamp", "transparency"}  # fmt: skip


# -- metadata ---------------------------------------------------------------------------


def test_the_originals_carry_what_must_go():
    """The fixtures hold GPS, XMP, a comment and an ICC profile, as a phone's or an editor's files do."""
    photo = read(jpeg())
    assert photo.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == LATITUDE
    assert photo.info["comment"] == COMMENT
    assert b"SECRET XMP AUTHOR" in photo.info["xmp"]
    assert photo.info["icc_profile"] == ICC
    chart = read(png())
    assert chart.info["Author"] == "SECRET PNG AUTHOR"
    assert chart.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert read(webp()).getexif().get_ifd(ExifTags.IFD.GPSInfo)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("make", [jpeg, png, webp])
def test_every_copy_loses_the_metadata_and_keeps_the_colour_profile(make, width):
    copy = render_image(make(1600, 1000), width)
    assert_no_metadata(copy)
    assert read(copy.data).info["icc_profile"] == ICC


def test_a_copy_without_a_profile_gets_none():
    copy = render_image(jpeg(icc_profile=None), WEB_WIDTH)
    assert "icc_profile" not in read(copy.data).info


# -- formats and sizes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "size"),
    [(None, (3000, 2000)), (WEB_WIDTH, (1200, 800)), (THUMB_WIDTH, (400, 267))],  # 266.67 rounds up
)
def test_a_photo_is_scaled_to_the_width_in_proportion(width, size):
    copy = render_image(jpeg(3000, 2000), width)
    assert (copy.width, copy.height) == size == read(copy.data).size
    assert (copy.mime, copy.suffix) == ("image/jpeg", ".jpg")


def test_a_small_photo_is_never_enlarged():
    copy = render_image(jpeg(800, 600), WEB_WIDTH)
    assert (copy.width, copy.height) == (800, 600)
    assert render_image(jpeg(800, 600), THUMB_WIDTH).height == 300


def test_heights_round_half_up():
    # At 400 wide, 1000 × 1251 is 500.4 high, so 500; 1000 × 1253 is 501.2, so 501.
    assert render_image(png(1000, 1251), THUMB_WIDTH).height == 500
    assert render_image(png(1000, 1253), THUMB_WIDTH).height == 501
    assert render_image(png(1000, 1255), THUMB_WIDTH).height == 502  # 502.0
    assert render_image(png(800, 3), THUMB_WIDTH).height == 2  # 1.5 rounds up, not to even
    assert render_image(png(1000, 1), THUMB_WIDTH).height == 1  # never 0


def test_a_turned_photo_comes_out_upright():
    data = jpeg(3000, 2000, orientation=6)
    facts = inspect("portrait.jpg", data)
    assert (facts.width, facts.height) == (2000, 3000)
    assert [(c.width, c.height) for c in map(lambda w: render_image(data, w), WIDTHS)] == [
        (2000, 3000),
        (1200, 1800),
        (400, 600),
    ]
    upright = read(render_image(data, None).data)
    assert upright.size == (2000, 3000)
    red = upright.getpixel((1990, 10))  # the top-left corner, turned a quarter clockwise
    assert red[0] > 200 and red[1] < 60 and red[2] < 60


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_turns_as_exif_transpose_does(orientation):
    """Lossless PNG, so pixel for pixel: the same turn and flip as Pillow's own ImageOps.exif_transpose."""
    data = png(60, 40, orientation=orientation, icc_profile=None)
    expected = ImageOps.exif_transpose(read(data))
    assert read(render_image(data, None).data).tobytes() == expected.tobytes()


def test_a_jpegs_download_copy_keeps_the_originals_tables():
    """Without a turn it is exactly what Pillow's quality="keep" gives, less the metadata."""
    data = jpeg(600, 400)
    original = Image.open(io.BytesIO(data))
    original.load()
    original.info = {}
    keep = encode(original, "JPEG", quality="keep", optimize=True, progressive=True, icc_profile=ICC)
    assert render_image(data, None).data == keep
    turned = Image.open(io.BytesIO(render_image(jpeg(600, 400, orientation=8), None).data))
    assert turned.quantization == Image.open(io.BytesIO(data)).quantization


def test_a_big_jpeg_decoded_at_a_fraction_looks_as_if_decoded_whole():
    """libjpeg's reduced decoding (draft) then LANCZOS: next to a full decode and resize, only edges move."""
    data = jpeg(8000, 6000, icc_profile=None)
    thumb = read(render_image(data, THUMB_WIDTH).data)
    assert thumb.size == (400, 300)
    reference = read(data).resize((400, 300), Image.Resampling.LANCZOS)
    differences = [abs(a - b) for a, b in zip(thumb.tobytes(), reference.tobytes(), strict=True)]
    assert sum(differences) / len(differences) < 2


def test_a_cmyk_jpeg_is_rgb_on_the_web_and_cmyk_to_download():
    data = jpeg(600, 400, mode="CMYK", icc_profile=None)
    assert read(render_image(data, None).data).mode == "CMYK"
    web = read(render_image(data, WEB_WIDTH).data)
    assert web.mode == "RGB"
    assert "icc_profile" not in web.info
    assert web.getpixel((10, 10))[0] > 200  # still the red corner, by Pillow's plain conversion


def test_a_cmyk_jpeg_goes_through_its_own_profile():
    """The profile makes every ink white, so a white copy shows it was used, not Pillow's plain conversion."""
    data = jpeg(600, 400, mode="CMYK", icc_profile=cmyk_to_white_profile())
    web = read(render_image(data, WEB_WIDTH).data)
    assert web.mode == "RGB"
    assert min(web.getextrema(), key=lambda band: band[0])[0] >= 250
    assert "icc_profile" not in web.info  # a CMYK profile does not describe RGB; untagged is sRGB


def test_a_webp_with_transparency_becomes_png_and_stays_webp_to_download():
    im = picture(600, 400, mode="RGBA")
    im.putalpha(Image.linear_gradient("L").resize(im.size))
    data = encode(im, "WEBP", lossless=True, icc_profile=ICC)
    web = render_image(data, WEB_WIDTH)
    assert (web.mime, web.suffix) == ("image/png", ".png")
    assert read(web.data).mode == "RGBA"
    original = render_image(data, None)
    assert (original.mime, original.suffix) == ("image/webp", ".webp")
    assert read(original.data).tobytes() == read(data).tobytes()  # lossless stays lossless


def test_an_opaque_webp_becomes_jpeg():
    opaque = encode(picture(600, 400, mode="RGBA"), "WEBP", lossless=True)  # an alpha channel, all 255
    for data in (webp(600, 400), opaque):
        copy = render_image(data, THUMB_WIDTH)
        assert (copy.mime, copy.suffix, read(copy.data).mode) == ("image/jpeg", ".jpg", "RGB")


def test_a_palette_png_keeps_its_transparency():
    im = picture(300, 200).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    data = encode(im, "PNG", transparency=0)
    assert read(render_image(data, None).data).info["transparency"] == 0
    assert read(render_image(data, THUMB_WIDTH).data).mode == "RGBA"


def test_a_16_bit_grey_png_is_scaled_to_8_bits_not_clipped():
    data = encode(Image.new("I;16", (500, 10), 0x8000), "PNG")
    copy = read(render_image(data, THUMB_WIDTH).data)
    assert (copy.mode, copy.getextrema()) == ("L", (128, 128))


def test_a_phones_mpo_is_published_as_its_first_frame_alone():
    data = encode(picture(600, 400), "MPO", save_all=True, append_images=[picture(600, 400, mode="L")])
    for width in WIDTHS:
        copy = Image.open(io.BytesIO(render_image(data, width).data))
        assert (copy.format, copy.mode, getattr(copy, "n_frames", 1)) == ("JPEG", "RGB", 1)


def test_bytes_inspect_refuses_are_refused_here_too():
    data = jpeg(600, 400)
    with pytest.raises(MediaRefused, match="damaged or incomplete"):
        render_image(data[: len(data) // 2], WEB_WIDTH)
    with pytest.raises(ValueError, match="max_width must be positive"):
        render_image(data, 0)


@given(name=st.sampled_from(sorted(SEEDS)), edits=EDITS, cut=CUTS)
def test_whatever_inspect_accepts_renders_at_every_width(name, edits, cut):
    data = damaged(SEEDS[name], edits, cut)
    try:
        facts = inspect(name, data)
    except MediaRefused:
        return
    for width in WIDTHS:
        copy = render_image(data, width)
        assert copy.width == (facts.width if width is None else min(width, facts.width))
        assert read(copy.data).size == (copy.width, copy.height)


# -- determinism ----------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("make", [jpeg, png, webp])
def test_the_same_bytes_give_the_same_copy(make, width):
    data = make(900, 600, orientation=3) if make is not webp else make(900, 600)
    assert render_image(data, width) == render_image(bytes(data), width)


# -- the kit's zip ----------------------------------------------------------------------------

KIT = [
    ("speech.docx", b"PK\x03\x04" + b"speech " * 500),
    ("photo.jpg", jpeg(120, 80)),
    ("Fact sheet.pdf", b"%PDF-1.7\n" + b"facts " * 500),
    ("chart.png", png(60, 40)),
    ("quote.txt", "„Zitat“ ".encode() * 100),
]


def test_the_kit_zip_is_byte_for_byte_the_same_whatever_the_order():
    assert kit_zip(KIT) == kit_zip(reversed(KIT)) == kit_zip(iter(KIT))


def test_the_kit_zip_holds_each_file_sorted_dated_and_compressed_as_it_should():
    with zipfile.ZipFile(io.BytesIO(kit_zip(KIT))) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert [info.filename for info in infos] == sorted(name for name, _ in KIT)
        assert {info.filename: archive.read(info) for info in infos} == dict(KIT)
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == stat.S_IFREG | 0o644
            assert info.create_system == 3
            assert not info.is_dir()
            image = info.filename.endswith((".jpg", ".png"))
            assert info.compress_type == (zipfile.ZIP_STORED if image else zipfile.ZIP_DEFLATED)
            assert info.extra == b""
            assert info.comment == b""


def test_the_kit_zip_refuses_names_that_could_unpack_elsewhere():
    for name in ("../escape.txt", "/etc/passwd", "a/../../b.txt", "dir\\file.txt", "", "folder/"):
        with pytest.raises(ValueError, match="not a plain relative path"):
            kit_zip([(name, b"x")])
    with pytest.raises(ValueError, match="twice in the kit"):
        kit_zip([("a.txt", b"1"), ("a.txt", b"2")])


def test_an_empty_kit_is_an_empty_zip():
    assert zipfile.ZipFile(io.BytesIO(kit_zip([]))).namelist() == []
