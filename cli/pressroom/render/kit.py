"""A release's media kit as one output shows it: the lead photo, the gallery, the list of files.

The loader knows each file's facts (model.MediaFile) and layout.py where each
copy is published; what differs from one output to the next is only where a
file is found. The page links the copies in its own folder, relative to
itself, so the staff tree opened from disk works too. The PDF and the email
cannot link a photo they show: a renderer reads no file, so they are handed
the bytes of its 1200-pixel copy and carry them inside; and they name the
download copies by their public address, which is where a journalist who
has the PDF or the email finds them. A `Where` says how one output addresses
the files, and `kit` makes from it what the templates show (`Kit`), the body's
own photos and links included, so the three cannot disagree about a file.

A withdrawn release shows no kit: its page keeps only the headline and the notice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import TYPE_CHECKING

from babel.units import format_unit
from markupsafe import Markup

from pressroom import layout
from pressroom.model import MediaFile, Settings, public_from
from pressroom.render import markup, urls

if TYPE_CHECKING:
    from pressroom.render.view import ReleaseView

# No photos handed over: the default of the PDF's and the email's `images`, read-only
# so that no call can fill it for the next.
NO_IMAGES: Mapping[str, bytes] = MappingProxyType({})
# The page's content column (web.css: main is 48rem wide with 1.25rem padding a side),
# which is as wide as a photo is shown: what the browser picks a srcset candidate for.
PAGE_SIZES = "(max-width: 48rem) calc(100vw - 2.5rem), 45.5rem"
# The email's column (email.css): a photo is shown at most this wide, and Outlook, which
# ignores max-width, takes the width attribute as it is.
EMAIL_WIDTH = 600
# The name a browser saves the whole kit under, rather than a bare "kit.zip".
ZIP_NAME = "{slug}-media.zip"
NBSP = "\u00a0"
# Formats by the name's suffix, as a journalist knows them.
_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG"}
_KIT_SRC = re.compile(rf'<img\s[^>]*\bsrc="{markup.KIT_SCHEME}:([^"]+)"')


@dataclass(frozen=True, slots=True)
class Where:
    """How one output addresses the files of a release's kit, each by its name."""

    file: Callable[[str], str]  # the copy for download
    picture: Callable[[str], str | None]  # the photo 1200 pixels wide; None: not shown in this output
    kit_zip: str  # the zip of the whole kit
    thumbnail: Callable[[str], str] | None = None  # the 400-pixel copy, for srcset and the gallery (page)
    shown_width: int | None = None  # at most this wide, in the width attribute (the email)
    web: bool = False  # a web page: srcset, lazy loading, download links, a gallery


@dataclass(frozen=True, slots=True)
class Picture:
    """A photo of the kit as an output shows it, with what a figure says under it."""

    name: str
    src: str
    width: int  # the width and height attributes: the copy's own pixels, or as shown in the email
    height: int
    alt: str
    caption: str | None
    credit: str | None
    href: str  # the copy for download
    srcset: str | None = None  # the page: the 400 and 1200 pixel copies, when they differ
    thumbnail: str | None = None  # the page's gallery: the 400-pixel copy, and its size
    thumbnail_width: int = 0
    thumbnail_height: int = 0


@dataclass(frozen=True, slots=True)
class KitFile:
    """One line of the list of downloads: what the file is, and where."""

    name: str
    label: str  # a document's title; a photo's caption, else its alt text
    kind: str  # "Photo" or "Document", in the release's language
    facts: str  # "JPEG, 2400 × 1600, 412 kB" or "PDF, 84 kB", as the release's language writes numbers
    href: str


@dataclass(frozen=True, slots=True)
class Kit:
    """What an output shows of the kit, and the body with the kit's photos and links at its addresses."""

    body_html: Markup
    lead: Picture | None = None
    gallery: tuple[Picture, ...] = ()  # the page only: the photos after the lead
    files: tuple[KitFile, ...] = ()  # every file, in the media list's order
    zip_href: str = ""
    zip_name: str = ""
    # Beside the list in the PDF and the email of a release not yet public: its public
    # addresses do not answer before the release is published.
    note: str | None = None
    sizes: str = PAGE_SIZES
    web: bool = False


def fitted(width: int, height: int, max_width: int | None) -> tuple[int, int]:
    """The size of a photo's copy at most `max_width` wide: in proportion, rounded half up, never larger.

    The rule renditions.render_image sizes the published copies by, so the
    width and height attributes are the copy's own without reading it.
    """
    if max_width is None or width <= max_width:
        return width, height
    return max_width, max(1, (2 * height * max_width + width) // (2 * width))


def image_type(data: bytes) -> str:
    """A photo's media type from its first bytes, as it is carried: a kit's copies are JPEG or PNG."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return "application/octet-stream"


def format_name(m: MediaFile) -> str:
    """ "JPEG", "PDF", "DOCX": the file's format as its name says it, which the loader checked."""
    suffix = PurePosixPath(m.name).suffix.lower()
    return _FORMATS.get(suffix, suffix.removeprefix(".").upper())


def human_size(size: int, locale: str) -> str:
    """'84 kB', '2.4 MB' ('2,4 Mo' in French): decimal units, as CLDR writes them in `locale`.

    Number and unit are held together (no-break space), so no line ends between them.
    """
    if size < 1000:
        text = format_unit(size, "digital-byte", "short", locale=locale)
    elif size < 1_000_000:
        text = format_unit(round(size / 1000), "digital-kilobyte", "short", locale=locale)
    else:
        megabytes = round(size / 1_000_000, 1)
        text = format_unit(megabytes, "digital-megabyte", "short", format="#,##0.#", locale=locale)
    return str(text).replace(" ", NBSP)


def facts(view: ReleaseView, m: MediaFile) -> str:
    """'JPEG, 2400 × 1600, 412 kB': format, a photo's pixels, and size: what decides a download."""
    parts = [format_name(m)]
    if m.is_image and m.width and m.height:
        parts.append(f"{m.width}{NBSP}×{NBSP}{m.height}")
    parts.append(human_size(m.size, view.locale))
    return ", ".join(parts)


def page_where(slug: str, folder: str) -> Where:
    """The page in `folder` (an original's or a translation's): the copies beside it, linked relatively."""

    def at(width: int | None) -> Callable[[str], str]:
        return lambda name: urls.relative(layout.media(slug, name, width), folder)

    return Where(
        file=at(None),
        picture=at(layout.WEB_WIDTH),
        kit_zip=urls.relative(layout.kit_zip(slug), folder),
        thumbnail=at(layout.THUMB_WIDTH),
        web=True,
    )


def public_where(settings: Settings, slug: str) -> Where:
    """Every file at its public address: the exports, the feeds and the news items."""

    def at(width: int | None) -> Callable[[str], str]:
        return lambda name: urls.absolute(settings, layout.media(slug, name, width))

    zipped = urls.absolute(settings, layout.kit_zip(slug))
    return Where(file=at(None), picture=at(layout.WEB_WIDTH), kit_zip=zipped)


def carried_where(
    settings: Settings, slug: str, carried: Mapping[str, str], shown_width: int | None = None
) -> Where:
    """The PDF and the email: the photos they carry at the addresses `carried` gives, links public."""
    public = public_where(settings, slug)
    return Where(
        file=public.file,
        picture=carried.get,
        kit_zip=public.kit_zip,
        shown_width=shown_width,
    )


def body_pictures(view: ReleaseView) -> tuple[str, ...]:
    """The kit's photos the body shows, each once, in order of appearance."""
    names = dict.fromkeys(_KIT_SRC.findall(view.marked_body_html))
    return tuple(name for name in names if name in view.media and view.media[name].is_image)


def shown_pictures(view: ReleaseView) -> tuple[str, ...]:
    """The photos the PDF and the email show: the lead image, then the body's, each once.

    What a caller hands them (as 1200-pixel copies) in `images`; withdrawn, none.
    """
    if view.withdrawal is not None:
        return ()
    lead = view.release.lead_image
    first = (lead.name,) if lead is not None else ()
    return tuple(dict.fromkeys((*first, *body_pictures(view))))


def picture(m: MediaFile, where: Where, src: str) -> Picture:
    """A photo of the kit at `src`, sized as the output shows it."""
    width, height = fitted(m.width or 0, m.height or 0, layout.WEB_WIDTH)
    shown = fitted(width, height, where.shown_width)
    srcset = thumbnail = None
    thumb_width = thumb_height = 0
    if where.thumbnail is not None:
        thumbnail = where.thumbnail(m.name)
        thumb_width, thumb_height = fitted(width, height, layout.THUMB_WIDTH)
        if thumb_width < width:
            srcset = f"{thumbnail} {thumb_width}w, {src} {width}w"
    return Picture(
        name=m.name,
        src=src,
        width=shown[0],
        height=shown[1],
        alt=m.alt or "",
        caption=m.caption,
        credit=m.credit,
        href=where.file(m.name),
        srcset=srcset,
        thumbnail=thumbnail,
        thumbnail_width=thumb_width,
        thumbnail_height=thumb_height,
    )


def public_lead(view: ReleaseView) -> Picture | None:
    """The lead image at its public address (the 1200-pixel copy): og:image, JSON-LD, feeds, exports."""
    lead = view.release.lead_image
    if lead is None or view.withdrawal is not None:
        return None
    where = public_where(view.settings, view.release.slug)
    return picture(lead, where, where.picture(lead.name) or "")


def _pictures(view: ReleaseView, where: Where) -> Iterator[Picture]:
    for m in view.release.images:
        src = where.picture(m.name)
        if src is not None:
            yield picture(m, where, src)


def body_html(view: ReleaseView, where: Where) -> Markup:
    """The body with each of the kit's photos and links at the output's addresses.

    A photo this output does not show is left out (its alt text stays in the
    plain-text email, which is made from the public body); an image naming a
    document shows nothing. The alt text the body gives wins over the media
    list's; width and height are the copy's, so the page does not jump as it loads.
    """

    def image(name: str, attributes: Mapping[str, str]) -> str:
        m = view.media.get(name)
        src = where.picture(name) if m is not None and m.is_image else None
        if m is None or src is None:
            return ""
        p = picture(m, where, src)
        alt = attributes.get("alt") or p.alt
        tag = Markup('<img src="{}"').format(p.src)
        if p.srcset:
            tag += Markup(' srcset="{}" sizes="{}"').format(p.srcset, PAGE_SIZES)
        if p.width and p.height:
            tag += Markup(' width="{}" height="{}"').format(p.width, p.height)
        tag += Markup(' alt="{}"').format(alt)
        if attributes.get("title"):
            tag += Markup(' title="{}"').format(attributes["title"])
        if where.web:
            tag += Markup(' loading="lazy" decoding="async"')
        return str(tag + Markup(">"))

    return Markup(markup.rewrite_kit(view.marked_body_html, image, where.file))  # noqa: S704 - escaped above


def note(view: ReleaseView) -> str | None:
    """When a release not yet public puts its kit online: the PDF and the email name addresses that wait."""
    if view.is_public:
        return None
    since = public_from(view.release)
    if since is None:
        # TRANSLATORS: under the media kit's list in the PDF and the email of a draft.
        return view.gettext("Online once the release is published.")
    # TRANSLATORS: under the media kit's list in the PDF and the email of a release still under
    # embargo or dated later: its files' public addresses answer from then.
    return view.gettext(
        "Online from %(moment)s, when the release is published.", moment=view.format_moment(since)
    )


def kit(view: ReleaseView, where: Where) -> Kit:
    """What one output shows of the release's kit, the body's own photos and links included."""
    body = body_html(view, where)
    r = view.release
    if view.withdrawal is not None or not r.media:
        return Kit(body_html=body, web=where.web)
    pictures = tuple(_pictures(view, where))
    lead = pictures[0] if pictures and r.lead_image and pictures[0].name == r.lead_image.name else None
    files = tuple(
        KitFile(
            name=m.name,
            label=(m.title if not m.is_image else m.caption or m.alt) or m.name,
            # TRANSLATORS: the kinds of file in the media kit's list: "Photo · JPEG, 2400 × 1600, 412 kB".
            kind=view.gettext("Photo") if m.is_image else view.gettext("Document"),
            facts=facts(view, m),
            href=where.file(m.name),
        )
        for m in r.media
    )
    return Kit(
        body_html=body,
        lead=lead,
        gallery=tuple(p for p in pictures if p is not lead) if where.web else (),
        files=files,
        zip_href=where.kit_zip,
        zip_name=ZIP_NAME.format(slug=r.slug),
        note=None if where.web else note(view),
        web=where.web,
    )
