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


def link(path: str) -> str:
    """A path made safe to put in a link: letters of any script percent-encoded, slashes kept."""
    return quote(path, safe="/")


def absolute(settings: Settings, path: str) -> str:
    """The public address of a path, from `url` in pressroom.toml (which always ends in "/")."""
    return settings.url + link(path)
