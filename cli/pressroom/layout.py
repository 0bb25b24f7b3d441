"""Where every output goes: the folders of build/, the formats, and each file's path.

The one home of the output tree and of the site's addresses (docs/urls.md).
Every path of an area is relative to its root (build/site/ or build/staff/)
and names a folder ("tags/climate/") the way a web server serves it;
render/urls.py turns a path into a link. Keeping the scheme in one module is
what keeps a published address from changing by accident.

    build/site/                     the public newsroom: nothing of a draft or an unexpired embargo
    build/staff/                    every release with its banners, for the press office
    build/email/<slug>.eml          the email of every release and translation, to send
    <area>/releases/<slug>/media/   a release's media kit: each file as published, the photos
                                    also at 1200/ and 400/ pixels wide, and kit.zip of them all
    .pressroom/                     lock, cache, journal, staging and the outbox of a dry run
    records/                        the send ledger and the desk's references: data, never a cache
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pressroom.languages import fold

if TYPE_CHECKING:
    from pressroom.model import Release

# The built-in house style: templates, assets and label catalogues shipped inside the package.
DEFAULT_TEMPLATES = Path(__file__).parent / "templates"
if not DEFAULT_TEMPLATES.is_dir():  # running from a source checkout: the top-level folder
    DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

OUTPUT = "build"
WORKDIR = ".pressroom"  # same file system as build/, so staged files move in with rename(2)
# In WORKDIR while a build moves its files into build/: the next one finishes the move first.
JOURNAL = "commit.json"
OUTBOX = f"{WORKDIR}/outbox"  # `pressroom send --dry-run` writes .pressroom/outbox/<slug>/
RECORDS = "records"  # what no one can make again (who got what, which number went where): never cleaned

STAFF = "staff"
SITE = "site"
EMAIL = "email"
AREAS = (STAFF, SITE)  # the two page trees, in the order a build plans them
FORMATS = ("html", "pdf", "email")
SUFFIX = {"html": ".html", "pdf": ".pdf", "email": ".eml"}  # how each format's files end

# The files of an area besides its pages' folders.
NOT_FOUND = "404.html"
ROBOTS = "robots.txt"
SITEMAP = "sitemap.xml"
SEARCH = "search/"
SEARCH_INDEX = "search/index.json"
ARCHIVE_JSON = "releases.json"
EXPORT = "release.json"  # a public release's own export, in its folder
NINJS = "ninjs.json"  # a release's IPTC ninjs item, beside its page in each area (docs/ninjs.md)
NEWSML = "newsml.xml"  # and its NewsML-G2 newsItem
FEEDS = ("atom", "rss")
# templates/assets/ is copied into each area's root as it is: a file there keeps its path,
# so a logo in pressroom.toml ("assets/logo.svg") is its own address from the root, for
# the masthead, the favicon, og:image and each issuer's logo.
ASSETS = "assets/"

# A release's media kit, in its folder (never a translation's: the files are the same).
MEDIA = "media/"
WEB_WIDTH = 1200  # a photo on the page, in the PDF and in the email: media/1200/<name>
THUMB_WIDTH = 400  # the gallery's thumbnail and srcset's small candidate: media/400/<name>
KIT_ZIP = "kit.zip"

# What each file of build/ is, by its suffix: the same on every machine, whatever its mime.types
# says. The preview serves build/staff/ with these, and a deploy labels every object so.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".pdf": "application/pdf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/vnd.microsoft.icon",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
}

_NOT_WORD = re.compile(r"[\W_]+")
MAX_SLUG_BYTES = 120


# -- the site's addresses, relative to an area's root ----------------------------


def folder(slug: str, language: str | None = None) -> str:
    """A release's folder: 'releases/<slug>/', or 'releases/<slug>/<lang>/' for a translation."""
    return f"releases/{slug}/" if language is None else f"releases/{slug}/{language}/"


def stem(slug: str, language: str | None = None) -> str:
    """A release's file name without its suffix: '<slug>', or '<slug>.<lang>' for a translation."""
    return slug if language is None else f"{slug}.{language}"


@functools.lru_cache(maxsize=4096)  # the same few topics and issuers, thousands of times a build
def name_slug(name: str) -> str:
    """The URL segment of a tag or an issuer: "Climate & Energy" → "climate-energy".

    Lower case, accents removed, every run of other characters one hyphen:
    the folding of the search index (languages.fold). Letters of other scripts
    are kept (they are percent-encoded in links). A name with no letter or
    digit at all still needs an address, so it gets one made from its hash.
    """
    slug = _NOT_WORD.sub("-", fold(name)).strip("-")
    # A folder name has at most 255 bytes on most file systems; a topic is a few words.
    while len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
        slug = slug[:-1].rstrip("-")
    return slug or "x-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]


def paged(path: str, page: int) -> str:
    """A listing's n-th page: the folder itself, then folder/page/<n>/."""
    return path if page <= 1 else f"{path}page/{page}/"


def search_part(year: int) -> str:
    """The staff search's records of one year: a script, as the staff tree is opened from disk."""
    return f"search/{year}.js"


def archive(year: int | None = None, page: int = 1) -> str:
    return "archive/" if year is None else paged(f"archive/{year}/", page)


def tag(slug: str | None = None, page: int = 1) -> str:
    return "tags/" if slug is None else paged(f"tags/{slug}/", page)


def issuer(slug: str, page: int = 1) -> str:
    return paged(f"issuers/{slug}/", page)


def contact(contact_id: str, page: int = 1) -> str:
    return paged(f"contacts/{contact_id}/", page)


def feed(kind: str, tag_slug: str | None = None) -> str:
    """The Atom ("atom") or RSS ("rss") feed of the home page, or of a topic."""
    return f"{kind}.xml" if tag_slug is None else f"tags/{tag_slug}/{kind}.xml"


def media(slug: str, name: str, width: int | None = None) -> str:
    """A kit file of a release as published: the copy for download, or a photo `width` pixels wide."""
    return f"{folder(slug)}{MEDIA}{name}" if width is None else f"{folder(slug)}{MEDIA}{width}/{name}"


def kit_zip(slug: str) -> str:
    """The whole media kit of a release in one zip, for one-click download."""
    return f"{folder(slug)}{MEDIA}{KIT_ZIP}"


def asset(name: str) -> str:
    """The path in an area of templates/assets/<name>."""
    return f"{ASSETS}{name}"


def file_of(path: str) -> str:
    """The file that serves a path: a folder's index.html, or the file itself."""
    return f"{path}index.html" if path == "" or path.endswith("/") else path


# -- the files of one release in build/ -------------------------------------------


@dataclass(frozen=True, slots=True)
class Files:
    """Where the outputs of one release, or of one translation (`language` set), go in build/."""

    slug: str
    language: str | None = None  # a translation's tag; None for an original

    @classmethod
    def of(cls, release: Release) -> Files:
        return cls(release.slug, release.language if release.translation_of is not None else None)

    @property
    def folder(self) -> str:
        return folder(self.slug, self.language)

    @property
    def pdf_name(self) -> str:
        return f"{stem(self.slug, self.language)}.pdf"

    def page(self, area: str) -> str:
        return f"{area}/{self.folder}index.html"

    def pdf(self, area: str) -> str:
        return f"{area}/{self.folder}{self.pdf_name}"

    def ninjs(self, area: str) -> str:
        """ninjs.json, in each area that has the page: the public site only while it is public."""
        return f"{area}/{self.folder}{NINJS}"

    def newsml(self, area: str) -> str:
        return f"{area}/{self.folder}{NEWSML}"

    def media(self, area: str, name: str, width: int | None = None) -> str:
        """A kit file, shared by the original and its translations (see `media`)."""
        return f"{area}/{media(self.slug, name, width)}"

    def kit_zip(self, area: str) -> str:
        return f"{area}/{kit_zip(self.slug)}"

    @property
    def email(self) -> str:
        return f"{EMAIL}/{stem(self.slug, self.language)}{SUFFIX['email']}"

    @property
    def export(self) -> str:
        """release.json, which only a public original has, on the public site."""
        return f"{SITE}/{self.folder}{EXPORT}"
