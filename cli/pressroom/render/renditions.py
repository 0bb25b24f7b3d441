"""The published copies of a media kit's photos, and the zip of the whole kit.

A photo goes out in three copies: the full-size download, the page's figure
(also the PDF's lead image) and the gallery's thumbnail. Each is turned the
way the camera's EXIF orientation says, then stripped of every piece of
metadata, because a phone's photo tells where it was taken (GPS), on which
device, by whom; only the ICC colour profile stays, since without it colours
shift. Mail clients cannot show WebP, so the sized copies of a WebP are JPEG,
or PNG when it has transparency. Same bytes in, same bytes out: an unchanged
kit rebuilds to identical files.
"""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from PIL import Image, ImageCms, ImageFile, JpegImagePlugin

from pressroom.content.mediafile import IMAGE_MIME, QUARTER_TURNS, decode, open_image, orientation
from pressroom.layout import THUMB_WIDTH, WEB_WIDTH
from pressroom.model import MediaFile

__all__ = ["THUMB_WIDTH", "WEB_WIDTH", "Rendition", "kit_zip", "render_image", "web_copies"]

# JPEG quality of the sized copies: no visible loss at the width they are shown.
_QUALITY = 85
# A lossy WebP's download copy is encoded again: high enough to keep what the original held.
_WEBP_QUALITY = 90
_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
# The EXIF orientations as the turn that shows the picture upright (ImageOps.exif_transpose's table).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Kit files stored as they are in the zip: deflating them again gains nothing.
_COMPRESSED = {".jpg", ".jpeg", ".png", ".webp"}
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: the entries carry no build time
_ZIP_MODE = (stat.S_IFREG | 0o644) << 16  # a plain file, rw-r--r--, in the Unix half of the attributes
_ZIP_UNIX = 3  # "made on Unix", so unzip applies those permissions


@dataclass(frozen=True, slots=True)
class Rendition:
    data: bytes
    width: int
    height: int
    mime: str  # "image/jpeg" or "image/png" (or "image/webp" for a WebP original copy)
    suffix: str  # ".jpg", ".png", ".webp"


def render_image(data: bytes, max_width: int | None) -> Rendition:
    """A copy of an image for publishing: full size with None, else at most `max_width` wide.

    Never enlarged; the height follows in proportion. A JPEG's full-size copy
    keeps the original's quantisation tables and subsampling (what Pillow's
    quality="keep" does), so it loses no more than decoding and encoding again
    must. Raises MediaRefused for bytes `inspect` would refuse.
    """
    if max_width is not None and max_width < 1:
        raise ValueError(f"max_width must be positive, not {max_width}")
    source = open_image(data)
    fmt = str(source.format)
    turned = orientation(source)
    quarter = turned in QUARTER_TURNS
    width, height = source.size[::-1] if quarter else source.size
    size = _fit(width, height, max_width)
    if fmt == "JPEG" and size != (width, height):
        # libjpeg decodes at 1/2, 1/4 or 1/8 scale far faster than at full size; asking
        # for twice the size wanted (as the picture is stored) leaves the fine work to
        # the resampling that follows.
        stored = size[::-1] if quarter else size
        source.draft(None, (stored[0] * 2, stored[1] * 2))
    decode(source)
    icc = source.info.get("icc_profile") or None
    turn = _UPRIGHT.get(turned)
    im: Image.Image = source if turn is None else source.transpose(turn)
    if max_width is None:
        return _original(source, im, fmt, icc, data)
    out_format = fmt
    if fmt == "WEBP":
        out_format = "PNG" if _transparent(im) else "JPEG"
    if out_format == "JPEG":
        im, icc = _for_jpeg(im, icc)
    else:
        im = _for_png(im)
    if im.size != size:
        im = im.resize(size, Image.Resampling.LANCZOS)
    options: dict[str, Any] = {"optimize": True}
    if out_format == "JPEG":
        options.update(quality=_QUALITY, progressive=True)
    return _save(im, out_format, icc, options)


def _original(
    source: ImageFile.ImageFile, im: Image.Image, fmt: str, icc: bytes | None, data: bytes
) -> Rendition:
    """The full-size copy, in the original's format and mode."""
    options: dict[str, Any] = {}
    if fmt == "JPEG":
        assert isinstance(source, JpegImagePlugin.JpegImageFile)  # what open_image gives for a JPEG
        options.update(
            qtables=source.quantization,
            subsampling=JpegImagePlugin.get_sampling(source),
            optimize=True,
            progressive=True,
        )
    elif fmt == "PNG":
        options.update(optimize=True)
        if "transparency" in source.info:  # a palette's or grey's transparent entry: not metadata
            options.update(transparency=source.info["transparency"])
    elif _webp_lossless(data):
        options.update(lossless=True)
    else:
        options.update(quality=_WEBP_QUALITY)
    return _save(im, fmt, icc, options)


def _save(im: Image.Image, fmt: str, icc: bytes | None, options: dict[str, Any]) -> Rendition:
    # Writers copy some metadata from `info` unasked (a JPEG's comment); they get an empty one,
    # and only what `options` names is written.
    im.info = {}
    if icc:
        options.update(icc_profile=icc)
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return Rendition(out.getvalue(), im.width, im.height, IMAGE_MIME[fmt], _SUFFIX[fmt])


def _fit(width: int, height: int, max_width: int | None) -> tuple[int, int]:
    """(width, height) at most `max_width` wide, in proportion, rounded half up; never larger."""
    if max_width is None or width <= max_width:
        return width, height
    return max_width, max(1, (2 * height * max_width + width) // (2 * width))


def _transparent(im: Image.Image) -> bool:
    """Whether any pixel is less than opaque: a WebP's alpha channel is often all 255."""
    if im.mode not in ("RGBA", "LA", "PA"):
        return "transparency" in im.info
    low, _high = im.getextrema()[-1]  # type: ignore[misc]  # a band's (min, max)
    return bool(low < 255)


def _for_jpeg(im: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """`im` in a mode a browser shows as JPEG (grey or RGB), with the ICC profile that fits it.

    A CMYK photo, as print agencies deliver them, goes through its own profile
    to sRGB; its profile describes CMYK and is dropped, and so is an sRGB one
    (little CMS writes the time into each profile it makes; an untagged image
    is sRGB to a browser anyway). Without a usable profile Pillow's plain
    conversion does.
    """
    if im.mode == "CMYK":
        if icc:
            try:
                rgb = ImageCms.profileToProfile(
                    im,
                    ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                    ImageCms.createProfile("sRGB"),
                    outputMode="RGB",
                )
            except (ImageCms.PyCMSError, OSError, ValueError):
                rgb = None
            if rgb is not None:
                return rgb, None
        return im.convert("RGB"), None
    if im.mode in ("L", "RGB"):
        return im, icc
    return im.convert("RGB"), icc  # an opaque WebP's RGBA


def _for_png(im: Image.Image) -> Image.Image:
    """`im` in a mode that resamples well and a PNG holds: grey or RGB, with alpha when it has it."""
    if im.mode in ("L", "LA", "RGB", "RGBA"):
        return im
    if im.mode == "1":
        return im.convert("L")
    if im.mode.startswith("I"):  # 16-bit grey: scaled to 8 bits, where a plain conversion clips
        return im.convert("I").point(lambda value: value / 256).convert("L")
    return im.convert("RGBA" if _transparent(im) or im.mode == "PA" else "RGB")


def _webp_lossless(data: bytes) -> bool:
    """Whether a WebP holds a lossless (VP8L) picture, found by walking its RIFF chunks."""
    offset = 12
    while offset + 8 <= len(data):
        kind, length = data[offset : offset + 4], int.from_bytes(data[offset + 4 : offset + 8], "little")
        if kind == b"VP8L":
            return True
        if kind == b"VP8 ":
            return False
        offset += 8 + length + (length & 1)
    return False


def kit_zip(files: Iterable[tuple[str, bytes]]) -> bytes:
    """The zip of a whole kit, as (name, bytes) pairs: the same files always give the same bytes.

    Entries go in name order with a fixed date and permissions, and nothing of
    the machine that made them; photos are stored, documents deflated. Names
    are plain relative paths (a/b.pdf): one that could land outside the folder
    it is unpacked into, or that comes twice, is a ValueError.
    """
    entries = sorted(files, key=lambda entry: entry[0])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        seen: set[str] = set()
        for name, data in entries:
            _check_entry_name(name)
            if name in seen:
                raise ValueError(f"{name!r} is twice in the kit")
            seen.add(name)
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.external_attr = _ZIP_MODE
            info.create_system = _ZIP_UNIX
            stored = PurePosixPath(name).suffix.lower() in _COMPRESSED
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=None if stored else 9)
    return out.getvalue()


def _check_entry_name(name: str) -> None:
    parts = name.split("/")
    if not name or "\\" in name or "\x00" in name or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"{name!r} is not a plain relative path for a zip entry")


def web_copies(images: Iterable[MediaFile], original: Callable[[MediaFile], bytes]) -> dict[str, bytes]:
    """Photos at the page's width, by name: what a PDF or an email carries inside.

    `original` gives a photo's bytes: the caller reads the file, a renderer never does.
    """
    return {m.name: render_image(original(m), WEB_WIDTH).data for m in images}
