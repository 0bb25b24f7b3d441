"""Release pages and the listing, as HTML text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jinja2

from pressroom.model import Settings
from pressroom.render.view import ReleaseView


@dataclass(frozen=True, slots=True)
class Page:
    """Where a page sits in the output tree, so its links are relative and work anywhere.

    The public site links folders ("releases/x/") as a web server expects; the
    staff tree is opened from disk, so its links name index.html.
    """

    area: str  # "site" or "staff"
    depth: int  # folders below the area's root

    def url(self, path: str) -> str:
        if self.area == "staff" and (path == "" or path.endswith("/")):
            path += "index.html"
        return "../" * self.depth + path if path or self.depth else "./"


@dataclass(frozen=True, slots=True)
class Neighbour:
    """The release before or after this one in the listing, for prev/next links."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Version:
    """One language version of a release, for hreflang links and the language switcher."""

    language: str  # BCP 47 tag, e.g. "fr"
    label: str  # the language's own name, e.g. "français"
    url: str  # relative to the page
    absolute_url: str  # on the public site, for hreflang
    current: bool = False
    outdated: bool = False  # a translation older than its original


@dataclass(frozen=True, slots=True)
class Entry:
    view: ReleaseView
    url: str

    @property
    def v(self) -> ReleaseView:
        return self.view


def _common(settings: Settings, page: Page) -> dict[str, object]:
    return {
        "settings": settings,
        "area": page.area,
        "url": page.url,
        "site_logo": page.url(settings.logo) if settings.logo else None,
    }


def render_release_page(
    env: jinja2.Environment,
    view: ReleaseView,
    *,
    page: Page,
    pdf_url: str | None,
    previous: Neighbour | None = None,
    next: Neighbour | None = None,  # noqa: A002 - the word the template reads
    versions: Sequence[Version] = (),
) -> str:
    """The standalone page of one release (or one language version of it)."""
    r = view.release
    return env.get_template("release.html").render(
        _common(view.settings, page)
        | {
            "v": view,
            "r": r,
            "lang": r.language,
            "logo": page.url(view.settings.logo) if view.settings.logo else None,
            "canonical": f"{view.settings.url}releases/{r.slug}/",
            "pdf_url": pdf_url,
            "previous": previous,
            "next": next,
            "versions": versions,
            "output": "web",
        }
    )


def render_index(env: jinja2.Environment, settings: Settings, entries: Sequence[Entry], *, page: Page) -> str:
    """The listing of releases, newest first, as given."""
    return env.get_template("index.html").render(
        _common(settings, page) | {"entries": entries, "lang": settings.language, "output": "web"}
    )
