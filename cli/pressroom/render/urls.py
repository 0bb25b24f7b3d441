"""The newsroom site's addresses, as docs/urls.md promises them.

Every path here is relative to an area's root (build/site/ or build/staff/)
and names a folder ("tags/climate/") the way a web server serves it; the
renderers turn it into a relative link with `Page.url` and into an absolute
one with `absolute`. Keeping the scheme in one module is what keeps a
published address from changing by accident.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from urllib.parse import quote

from pressroom.model import Settings

_NOT_WORD = re.compile(r"[\W_]+")
MAX_SLUG_BYTES = 120


@functools.lru_cache(maxsize=4096)  # the same few topics and issuers, thousands of times a build
def name_slug(name: str) -> str:
    """The URL segment of a tag or an issuer: "Climate & Energy" → "climate-energy".

    Lower case, accents removed, every run of other characters one hyphen, the
    same folding as the search index. Letters of other scripts are kept (they
    are percent-encoded in links). A name with no letter or digit at all still
    needs an address, so it gets one made from its hash.
    """
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    slug = _NOT_WORD.sub("-", folded).strip("-")
    # A folder name has at most 255 bytes on most file systems; a topic is a few words.
    while len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
        slug = slug[:-1].rstrip("-")
    return slug or "x-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]


def paged(folder: str, page: int) -> str:
    """A listing's n-th page: the folder itself, then folder/page/<n>/."""
    return folder if page <= 1 else f"{folder}page/{page}/"


def release(slug: str) -> str:
    return f"releases/{slug}/"


def translation(slug: str, language: str) -> str:
    return f"releases/{slug}/{language}/"


def ninjs(folder: str) -> str:
    """A release's (or a translation's) IPTC ninjs item, in the folder of its page."""
    return f"{folder}ninjs.json"


def newsml(folder: str) -> str:
    """A release's (or a translation's) NewsML-G2 newsItem, in the folder of its page."""
    return f"{folder}newsml.xml"


def archive(year: int | None = None, page: int = 1) -> str:
    return "archive/" if year is None else paged(f"archive/{year}/", page)


def tag(slug: str | None = None, page: int = 1) -> str:
    return "tags/" if slug is None else paged(f"tags/{slug}/", page)


def issuer(slug: str, page: int = 1) -> str:
    return paged(f"issuers/{slug}/", page)


def contact(contact_id: str, page: int = 1) -> str:
    return paged(f"contacts/{contact_id}/", page)


def file_of(path: str) -> str:
    """The file that serves a path: a folder's index.html, or the file itself."""
    return f"{path}index.html" if path == "" or path.endswith("/") else path


def link(path: str) -> str:
    """A path made safe to put in a link: letters of any script percent-encoded, slashes kept."""
    return quote(path, safe="/")


def absolute(settings: Settings, path: str) -> str:
    """The public address of a path, from `url` in pressroom.toml (which always ends in "/")."""
    return settings.url + link(path)
