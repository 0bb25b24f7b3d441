"""Links: a path of the output tree (layout.py) as a relative link from a page, or as a public address.

The public site links folders ("releases/x/") as a web server expects; the
staff tree is opened from disk, so its links name index.html. Names of any
script are percent-encoded, slashes kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from pressroom.layout import STAFF
from pressroom.model import Settings


@dataclass(frozen=True, slots=True)
class Page:
    """Where a page sits in the output tree, so its links are relative and work anywhere."""

    area: str  # "site" or "staff"
    depth: int  # folders below the area's root

    def url(self, path: str) -> str:
        if self.area == STAFF and (path == "" or path.endswith("/")):
            path += "index.html"
        return "../" * self.depth + path if path or self.depth else "./"


def relative(path: str, folder: str) -> str:
    """A file's path from the area's root as a link from a page in `folder` ("releases/x/fr/").

    For what a release's page shows of its own folder, its media kit: the
    original's page links "media/1200/a.jpg", a translation's "../media/1200/a.jpg",
    so the markup reads as the files sit beside it. Percent-encoded as `link`.
    """
    here = folder.split("/")[:-1] if folder else []
    parts = path.split("/")
    common = 0
    while common < min(len(here), len(parts) - 1) and here[common] == parts[common]:
        common += 1
    return link("../" * (len(here) - common) + "/".join(parts[common:]))


def link(path: str) -> str:
    """A path made safe to put in a link: letters of any script percent-encoded, slashes kept."""
    return quote(path, safe="/")


def absolute(settings: Settings, path: str) -> str:
    """The public address of a path, from `url` in pressroom.toml (which always ends in "/")."""
    return settings.url + link(path)
