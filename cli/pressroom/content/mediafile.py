"""What the loader learns of one file of a release's media kit, or why it cannot be published.

Kit files come from anyone's camera or laptop and go out to journalists as
they are, so each is checked for what it claims to be: an image by decoding
it whole (a cut-off photo would be published with a grey bottom), a document
by its first bytes. An image's size is taken from its header and refused
before a pixel is decoded, so a small file that unpacks to gigabytes costs
nothing. Bytes in, facts out: nothing here reads a file.
"""

from __future__ import annotations

import io
import struct
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from pressroom.layout import CONTENT_TYPES

if TYPE_CHECKING:  # Pillow (15 ms of imports) is imported by the first image read, not by every load
    from PIL import ImageFile

IMAGE_SUFFIXES: dict[str, str] = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
# Their MIME types are those the site serves them with (layout.CONTENT_TYPES), without a charset.
DOCUMENT_SUFFIXES: dict[str, str] = {
    suffix: CONTENT_TYPES[suffix].split(";")[0]
    for suffix in (".pdf", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".txt", ".csv")
}
MAX_BYTES = 50 * 1024 * 1024  # one file
MAX_PIXELS = 50_000_000  # width * height
MAX_SIDE = 12_000  # either side, in pixels

IMAGE_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_NAME = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
_RENAME = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
_ZIPPED = {".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp"}
# EXIF orientations that turn the picture a quarter, so its displayed width is its stored height.
QUARTER_TURNS = frozenset({5, 6, 7, 8})
# What Pillow raises on bytes it cannot make sense of: a damaged file, not a bug of ours.
_DAMAGED = (OSError, SyntaxError, ValueError, EOFError, LookupError, TypeError, ArithmeticError, struct.error)
# Formats people send instead of the three a kit takes, by their first bytes, for a useful refusal.
_OTHER_FORMATS = (
    (0, b"GIF8", "a GIF image"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"BM", "a BMP image"),
    (4, b"ftypheic", "a HEIC image"),
    (4, b"ftypheix", "a HEIC image"),
    (4, b"ftypmif1", "a HEIF image"),
    (4, b"ftypavif", "an AVIF image"),
    (0, b"%PDF-", "a PDF document"),
    (0, b"PK\x03\x04", "a zip archive"),
)


class MediaRefused(ValueError):
    """A kit file that cannot be published; str() is the user-facing reason."""


@dataclass(frozen=True, slots=True)
class FileFacts:
    kind: str  # "image" or "document"
    mime: str  # e.g. "image/jpeg", "application/pdf"
    size: int  # bytes of the file as given
    width: int | None = None  # images: as displayed, i.e. after EXIF orientation
    height: int | None = None


def inspect(name: str, data: bytes) -> FileFacts:
    """The facts of a kit file called `name` (only its suffix counts), or MediaRefused."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in IMAGE_SUFFIXES and suffix not in DOCUMENT_SUFFIXES:
        accepted = ", ".join(sorted({*IMAGE_SUFFIXES, *DOCUMENT_SUFFIXES}))
        what = f"a {suffix} file" if suffix else "a file without a suffix"
        raise MediaRefused(f"{what} cannot go in a media kit; it takes {accepted}")
    if not data:
        raise MediaRefused("the file is empty")
    if len(data) > MAX_BYTES:
        raise MediaRefused(
            f"the file is {len(data) / 2**20:.1f} MB, over the limit of {MAX_BYTES // 2**20} MB a file"
        )
    if suffix in IMAGE_SUFFIXES:
        return _image_facts(data, IMAGE_SUFFIXES[suffix])
    _check_document(data, suffix)
    return FileFacts("document", DOCUMENT_SUFFIXES[suffix], len(data))


def _image_facts(data: bytes, expected: str) -> FileFacts:
    im = open_image(data, expected)
    if im.format != "JPEG" and getattr(im, "n_frames", 1) > 1:
        # A JPEG's further frames are a phone's depth map or preview (MPO), never an animation.
        raise MediaRefused("animated images are not supported: use a still image")
    decode(im)
    width, height = im.size
    if orientation(im) in QUARTER_TURNS:
        width, height = height, width
    return FileFacts("image", IMAGE_MIME[expected], len(data), width, height)


def open_image(data: bytes, expected: str | None = None) -> ImageFile.ImageFile:
    """The image in `data`, its header read and its size checked, not yet decoded (see `decode`).

    Only JPEG, PNG and WebP are tried: every other Pillow reader is code a
    hostile file could reach. With `expected`, an image of another of the three
    is refused with the suffix it should have. Pillow's own decompression bomb
    check runs as the header is read; ours, stricter, right after. A JPEG with
    further frames (MPO, as phones write them) comes back as a JPEG, its first frame.
    """
    from PIL import Image

    try:
        with _strict_pillow():
            im = Image.open(io.BytesIO(data), formats=("JPEG", "PNG", "WEBP"))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRefused(
            f"the image header claims far more than {MAX_PIXELS // 1_000_000} megapixels:"
            " refused as a possible decompression bomb"
        ) from None
    except _DAMAGED as exc:
        raise MediaRefused(_not_an_image(data, expected, exc)) from None
    if im.format == "MPO":
        im.format = "JPEG"
    if expected is not None and im.format != expected:
        raise MediaRefused(
            f"the file is a {_NAME[str(im.format)]} image, not {_NAME[expected]}:"
            f" rename it to {_RENAME[str(im.format)]}"
        )
    width, height = im.size
    if width > MAX_SIDE or height > MAX_SIDE:
        raise MediaRefused(
            f"the image is {width} × {height} pixels, over the limit of {MAX_SIDE} pixels a side:"
            " scale it down"
        )
    if width * height > MAX_PIXELS:
        raise MediaRefused(
            f"the image is {width} × {height} pixels ({width * height / 1e6:.0f} megapixels),"
            f" over the limit of {MAX_PIXELS // 1_000_000} megapixels: scale it down"
        )
    return im


def decode(im: ImageFile.ImageFile) -> None:
    """Decode every pixel of an image from `open_image`, or refuse it as damaged or cut short."""
    try:
        with _strict_pillow():
            im.load()
    except _DAMAGED as exc:
        raise MediaRefused(_damaged(exc)) from None


def orientation(im: ImageFile.ImageFile) -> int:
    """The EXIF orientation of an image from `open_image`: 1 (as stored) to 8, 1 when absent.

    A JPEG's or WebP's is in its header, and reading it decodes no pixel; a
    PNG's may follow the pixels, and then they are decoded first.
    """
    from PIL import ExifTags

    try:
        with _strict_pillow():
            value = im.getexif().get(ExifTags.Base.Orientation, 1)
    except _DAMAGED as exc:
        raise MediaRefused(f"the image's EXIF metadata is damaged ({exc}): export it again") from None
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


# Pillow's process-wide switches, held for the length of one read. WeasyPrint sets
# ImageFile.LOAD_TRUNCATED_IMAGES when it is imported, for every caller in the process,
# which would let a cut-off photo through as an image with a grey bottom. Pillow only
# warns of a decompression bomb up to twice its limit: that warning is an error here,
# and the others (odd EXIF tags and the like, in files accepted or refused on their
# pixels) would only clutter the terminal. Everything is set back afterwards; the lock
# keeps two threads from interleaving the setting and the restoring.
_PILLOW_SWITCHES = threading.Lock()


@contextmanager
def _strict_pillow() -> Iterator[None]:
    from PIL import Image, ImageFile

    with _PILLOW_SWITCHES, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _damaged(exc: Exception) -> str:
    return f"the image is damaged or incomplete ({exc}): export it again"


def _not_an_image(data: bytes, expected: str | None, exc: Exception) -> str:
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or data[8:12] == b"WEBP":
        return _damaged(exc)
    wanted = f"{_NAME[expected]} image" if expected else "JPEG, PNG or WebP image"
    for offset, magic, what in _OTHER_FORMATS:
        if data.startswith(magic, offset):
            return f"the file is {what}, not a {wanted}: save it as JPEG, PNG or WebP"
    return f"the file is not a {wanted}, or is too damaged to read"


def _check_document(data: bytes, suffix: str) -> None:
    if suffix == ".pdf":
        if not data.startswith(b"%PDF-"):
            raise MediaRefused("the file is not a PDF document: it does not start with %PDF-")
    elif suffix in _ZIPPED:
        if not data.startswith(b"PK\x03\x04"):
            raise MediaRefused(
                f"the file is not a {suffix} document, which is a zip archive: save it again"
                " from the application that made it"
            )
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MediaRefused(
                f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}):"
                " save it as UTF-8"
            ) from None
        if "\x00" in text:
            raise MediaRefused("the file holds NUL bytes, so it is not plain text")
