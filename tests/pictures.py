"""Images made to measure for the media kit tests, with the metadata a phone or an editor leaves in them."""

from __future__ import annotations

import io
import struct
import zlib

from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

# An sRGB profile made once: little CMS writes the time into each one it makes.
ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
# Where the photo was taken (a spot in Brussels), which no published copy may tell.
LATITUDE = (50.0, 50.0, 37.5)
LONGITUDE = (4.0, 22.0, 56.25)
DATUM = "WGS-84 SECRET DATUM"
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="SECRET XMP AUTHOR"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
COMMENT = b"SECRET JPEG COMMENT"
# Bytes of the metadata above that must not survive into a published copy.
SECRETS = (b"SECRET", b"WGS-84", b"Exif\x00\x00", b"http://ns.adobe.com/xap/1.0/", b"xmpmeta")


def exif(orientation: int | None = None, *, gps: bool = False) -> Image.Exif:
    """An EXIF block: a camera's make, an orientation, and a GPS position (IFD 0x8825)."""
    block = Image.Exif()
    block[ExifTags.Base.Make] = "SECRET CAMERA"
    if orientation is not None:
        block[ExifTags.Base.Orientation] = orientation
    if gps:
        position = block.get_ifd(ExifTags.IFD.GPSInfo)
        position[ExifTags.GPS.GPSLatitudeRef] = "N"
        position[ExifTags.GPS.GPSLatitude] = LATITUDE
        position[ExifTags.GPS.GPSLongitudeRef] = "E"
        position[ExifTags.GPS.GPSLongitude] = LONGITUDE
        position[ExifTags.GPS.GPSMapDatum] = DATUM
    return block


def picture(width: int = 300, height: int = 200, mode: str = "RGB") -> Image.Image:
    """A picture whose corners differ, so that a turn or a flip shows, with some texture for JPEG to work on."""
    im = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    w, h = max(1, width // 4), max(1, height // 4)
    for x, y, colour in (
        (0, 0, "red"),
        (width - w, 0, "lime"),
        (0, height - h, "blue"),
        (width - w, height - h, "yellow"),
    ):
        im.paste(colour, (x, y, x + w, y + h))
    return im.convert(mode)


def encode(im: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def jpeg(
    width: int = 300, height: int = 200, *, orientation: int | None = None, mode: str = "RGB", **options
) -> bytes:
    """A camera's JPEG: EXIF with GPS, an XMP packet, a comment and an ICC profile, unless told otherwise."""
    options = {
        "exif": exif(orientation, gps=True),
        "xmp": XMP,
        "comment": COMMENT,
        "icc_profile": ICC,
        **options,
    }
    return encode(picture(width, height, mode), "JPEG", quality=90, **options)


def png(
    width: int = 300, height: int = 200, *, mode: str = "RGB", orientation: int | None = None, **options
) -> bytes:
    """An editor's PNG: text chunks of each kind, XMP, EXIF with GPS and an ICC profile."""
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "SECRET PNG AUTHOR")
    text.add_text("Comment", "SECRET compressed comment " * 20, zip=True)
    text.add_itxt("Description", "SECRET international text", lang="en")
    text.add_itxt("XML:com.adobe.xmp", XMP.decode())
    options = {"pnginfo": text, "exif": exif(orientation, gps=True), "icc_profile": ICC, **options}
    return encode(picture(width, height, mode), "PNG", **options)


def webp(width: int = 300, height: int = 200, *, mode: str = "RGB", **options) -> bytes:
    """A WebP with EXIF, XMP and an ICC profile."""
    options = {"exif": exif(gps=True), "xmp": XMP, "icc_profile": ICC, "quality": 90, **options}
    return encode(picture(width, height, mode), "WEBP", **options)


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` × `height` RGB pixels, followed by a few bytes of them."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


# Small files of each kind, and the ways the fuzz tests damage them: bytes overwritten, the end cut off.
SEEDS = {"photo.jpg": jpeg(48, 32), "chart.png": png(48, 32), "still.webp": webp(48, 32, mode="RGBA")}
EDITS = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8)
CUTS = st.integers(0, 10_000)


def damaged(seed: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    """`seed` cut to `cut` bytes (at least one), then each (offset, value) of `edits` written in."""
    data = bytearray(seed[: max(1, cut)])
    for offset, value in edits:
        data[offset % len(data)] = value
    return bytes(data)


def read(data: bytes) -> Image.Image:
    """A published copy opened, decoded."""
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def cmyk_to_white_profile() -> bytes:
    """A CMYK ICC profile (v2, lut8 A2B0) that makes every ink mix white: proof it was applied.

    Pillow can make no CMYK profile and a test reads no file, so it is written here
    by hand, as the ICC specification lays it out.
    """

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    d50 = s15(0.9642) + s15(1.0) + s15(0.8249)
    text = b"CMYK to white\x00"
    desc = b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(4 + 4 + 2 + 1 + 67)
    wtpt = b"XYZ " + bytes(4) + d50
    identity = b"".join(s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    ramp = bytes(range(256))
    # 4 inputs, 3 outputs, a 2-point grid: each of the 16 corners is L* 100, a* 0, b* 0.
    lut = (
        b"mft1"
        + bytes(4)
        + bytes([4, 3, 2, 0])
        + identity
        + ramp * 4
        + bytes([255, 128, 128]) * 16
        + ramp * 3
    )
    tags = [(b"desc", desc), (b"wtpt", wtpt), (b"A2B0", lut)]
    start = 128 + 4 + 12 * len(tags)
    table = body = b""
    for signature, data in tags:
        data += bytes(-len(data) % 4)
        table += signature + struct.pack(">II", start + len(body), len(data))
        body += data
    header = (
        struct.pack(">I4sI4s4s4s", start + len(body), bytes(4), 0x02100000, b"prtr", b"CMYK", b"Lab ")
        + bytes(12)  # date: none
        + b"acsp"
        + bytes(28)  # platform, flags, manufacturer, model, attributes, rendering intent
        + d50
        + bytes(48)
    )
    return header + struct.pack(">I", len(tags)) + table + body
