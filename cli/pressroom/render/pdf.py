"""Print HTML to PDF bytes with WeasyPrint, loading nothing but the house style's own files.

WeasyPrint is imported on first use: `pressroom check` and HTML-only builds
never pay for it. Every URL the document asks for goes through `LocalFetcher`,
which serves files inside the allowed folders (the newsroom's templates/, the
built-in house style) and refuses everything else: other files, loopback and
remote addresses, and any scheme but file: and data:. A newsroom that allows
remote resources gets http(s) too, but still never its own machine or network.
The photos of a release's media kit come as bytes from the caller, never as
files: the print document names each `pressroom-media:<file>`, and the
fetcher answers that address from those bytes and nothing else.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import functools
import ipaddress
import logging
import mimetypes
import socket
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit
from urllib.request import url2pathname
from xml.sax.saxutils import escape as xml_escape

from pressroom.errors import RenderError
from pressroom.render import kit
from pressroom.render.context import template_context
from pressroom.render.kit import NO_IMAGES, image_type

if TYPE_CHECKING:
    import jinja2

    from pressroom.render.view import ReleaseView

log = logging.getLogger(__name__)

# The address of a kit photo in the print document: a scheme of its own, which only
# the bytes handed to render_pdf answer, so no name can reach a file or the network.
MEDIA_SCHEME = "pressroom-media"

# PDF/UA makes the PDF tagged and accessible to screen readers.
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/ua-1", "pdf_identifier": b"pressroom"}


SUBSETTING_MISSING = (
    "libharfbuzz-subset0 is not installed: the PDF engine falls back to a slower way of embedding "
    "fonts and every PDF takes about 4 times as long. Install it with: "
    "sudo apt-get install libharfbuzz-subset0 (or run scripts/system-deps)"
)


@functools.cache
def font_subsetting_available() -> bool:
    """True if HarfBuzz's subsetting library loads, as WeasyPrint looks for it; no WeasyPrint import."""
    names = ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")
    for name in names:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return True
    return False


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().splitlines()[0])


@contextmanager
def _weasyprint_warnings() -> Iterator[list[str]]:
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFetcher(URLFetcher):  # type: ignore[misc]
        """Serves files from the allowed folders, first match wins, and nothing else."""

        def __init__(self, roots: Sequence[Path], allow_remote: bool, media: Mapping[str, bytes]) -> None:
            super().__init__(allowed_protocols=("data", "http", "https") if allow_remote else ("data",))
            self._roots = [r.resolve() for r in roots]
            self._allow_remote = allow_remote
            self._media = media

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            parts = urlsplit(url)
            if parts.scheme == "data":
                return _data_response(url, URLFetcherResponse)
            if parts.scheme == MEDIA_SCHEME:
                name = unquote(parts.path)
                if name not in self._media:
                    raise ValueError(f"refused to load {url}: no such photo was handed to the PDF")
                data = self._media[name]
                return URLFetcherResponse(url, body=data, headers={"Content-Type": image_type(data)})
            if parts.scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(url2pathname(unquote(parts.path))).resolve()
                return _file_response(url, self._locate(path), URLFetcherResponse)
            if self._allow_remote and parts.scheme in ("http", "https"):
                _refuse_local_network(url, parts.hostname, parts.port)
                return super().fetch(url, headers)
            raise ValueError(f"refused to load {url}: the PDF may only use files of the house style")

        def _locate(self, path: Path) -> Path:
            # base_url points into the first root; a file missing there falls back
            # to the same relative path in the built-in house style.
            for root in self._roots:
                if path.is_relative_to(root):
                    relative = path.relative_to(root)
                    for candidate in (r / relative for r in self._roots):
                        resolved = candidate.resolve()
                        if resolved.is_file() and any(resolved.is_relative_to(r) for r in self._roots):
                            return resolved
                    # A typo in a stylesheet should read as one, not as a refusal.
                    raise FileNotFoundError(f"no file {relative.as_posix()} in the templates folders")
            raise ValueError(f"refused to load {path.as_uri()}: outside the templates folders")

    return LocalFetcher


def _refuse_local_network(url: str, host: str | None, port: int | None) -> None:
    """Refuse a URL whose host is this machine or a private network, as a browser would not.

    Called again for every redirect, since WeasyPrint follows them through
    `fetch`. The name is resolved here and again by urllib; pinning the address
    would take a connection handler of our own, more than an opt-in setting needs.
    """
    try:
        infos = socket.getaddrinfo(host or "", port or 80, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise ValueError(f"refused to load {url}: cannot resolve {host}") from exc
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global:
            raise ValueError(f"refused to load {url}: {address} is not a public address")


def _data_response(url: str, response: type) -> Any:
    """A data: address decoded here (the watermark, inline images), without urllib's network stack."""
    header, _, payload = url[len("data:") :].partition(",")
    mime = header.split(";")[0] or "text/plain"
    try:
        body = (
            base64.b64decode(payload, validate=True)
            if header.endswith(";base64")
            else unquote_to_bytes(payload)
        )
    except binascii.Error as exc:
        raise ValueError(f"refused to load a data: address that is not base64: {exc}") from None
    return response(url, body=body, headers={"Content-Type": mime})


def _file_response(url: str, path: Path, response: type) -> Any:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return response(url, body=path.read_bytes(), headers={"Content-Type": mime})


_held_fonts = threading.local()


def build_fonts(roots: Sequence[Path], scratch: str) -> Any | None:
    """The WeasyPrint font set-up the PDFs of one build share, in this thread.

    For each document, WeasyPrint otherwise makes a set-up of its own: it writes
    every @font-face font of the house style into a new temporary folder and
    has fontconfig read it, about a tenth of a PDF's time; shared, each font is
    written once (a PDF's bytes are the same either way). Its folder is made in
    the temporary folder, which a build points at its `scratch` folder, and
    goes with it; the set-up is kept for that folder and for one set of
    template folders, so that fonts of the same name from another newsroom
    never stand in. None (a set-up per document) where the temporary folder is
    not `scratch`: a folder kept there would outlive the build.
    """
    from weasyprint.text.fonts import FontConfiguration

    if tempfile.gettempdir() != scratch:
        return None
    key = (scratch, tuple(roots))
    held = getattr(_held_fonts, "value", None)
    if held is None or held[0] != key:
        held = _held_fonts.value = (key, FontConfiguration())
    return held[1]


def render_pdf(
    html: str,
    *,
    base: Path,
    roots: Sequence[Path],
    allow_remote: bool = False,
    media: Mapping[str, bytes] = NO_IMAGES,
    fonts: Any = None,
) -> tuple[bytes, list[str]]:
    """Lay out print HTML and return the PDF and WeasyPrint's warnings.

    `base` is the folder relative URLs in the HTML resolve against; `roots` are
    the only folders files may come from, in lookup order. `media` answers the
    addresses `pressroom-media:<name>` (see `media_address`). `fonts` is a font
    set-up to share (`build_fonts`); by default the document gets its own.
    """
    from weasyprint import HTML

    fetcher = _fetcher_class()(roots, allow_remote, media)
    with _weasyprint_warnings() as warnings:
        try:
            document = HTML(string=html, base_url=base.resolve().as_uri() + "/", url_fetcher=fetcher)
            pdf = document.write_pdf(**PDF_OPTIONS, font_config=fonts)
        except Exception as exc:  # WeasyPrint raises many types; the build reports them as one
            raise RenderError(f"PDF rendering failed: {exc}") from exc
    if pdf is None:  # pragma: no cover - write_pdf returns bytes without a target
        raise RenderError("PDF rendering produced nothing")
    return pdf, warnings


def watermark(word: str, colour: str) -> str:
    """The DRAFT watermark as an SVG data: address, for the page's background.

    WeasyPrint (as of 70) tags every element of the document as content, even
    one with aria-hidden; a page background it marks as an artifact, which is
    what PDF/UA wants of a watermark. So the word is drawn in an image that
    release.pdf.html sets as the background of every page, rotated as before.
    """
    # Validated characters only: a label from our catalogue, escaped for XML all the same.
    text = xml_escape(word)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297">'
        '<text x="105" y="160" text-anchor="middle" transform="rotate(-45 105 148)" '
        'font-family="Lato, sans-serif" font-weight="700" font-size="42" letter-spacing="4" '
        f'fill="{colour}" fill-opacity="0.13">{text}</text></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def media_address(name: str) -> str:
    """Where the print document finds a kit photo handed to render_pdf: see LocalFetcher."""
    return f"{MEDIA_SCHEME}:{quote(name)}"


def render_print_html(
    env: jinja2.Environment, view: ReleaseView, images: Mapping[str, bytes] = NO_IMAGES
) -> str:
    """The print document of a release, in its language, as the PDF engine gets it.

    It shows the photos of `images` (see render_release_pdf) at `pressroom-media:` addresses.
    """
    view = view.for_environment(env)
    settings = view.settings
    carried = {name: media_address(name) for name in images}
    # Logos are loaded from the templates folder the print document resolves against.
    return env.get_template("release.pdf.html").render(
        template_context(env, settings, view=view, logo_url=str)
        | {
            "logo": settings.logo,
            "watermark": watermark(view.gettext("DRAFT"), settings.theme.alert)
            if view.release.is_draft
            else None,
            "kit": kit.kit(view, kit.carried_where(settings, view.release.slug, carried)),
        }
    )


def render_release_pdf(
    env: jinja2.Environment,
    view: ReleaseView,
    template_folders: Sequence[Path],
    *,
    images: Mapping[str, bytes] = NO_IMAGES,
    fonts: Any = None,
) -> tuple[bytes, list[str]]:
    """A release as its PDF, in its language, with WeasyPrint's warnings: the one way build and send make it.

    `template_folders` are the newsroom's templates/ (if any) then the house
    style's, in lookup order; relative URLs in the print template resolve
    against the first, and nothing outside them may be loaded.

    `images` are photos of the release's media kit, by file name, as the
    bytes of their 1200-pixel copy (layout.media(slug, name, WEB_WIDTH)): the
    lead image is placed under the headline and the body's photos where the
    body shows them (kit.shown_pictures names those). A photo missing here is
    not placed; the kit's list, with the public address of every file and of
    the zip, names it all the same. `fonts`: see `render_pdf`.
    """
    return render_pdf(
        render_print_html(env, view, images),
        base=template_folders[0],
        roots=template_folders,
        allow_remote=view.settings.allow_remote_resources,
        media=images,
        fonts=fonts,
    )
