"""Release pages and the listing, as HTML text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import jinja2

from pressroom.model import Newsroom, Release, Settings, is_public
from pressroom.render import issuers
from pressroom.render.view import ReleaseView, language_name, og_locale


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


def page_path(release: Release) -> str:
    """Where a release's page is, from the site's root (docs/urls.md): 'releases/<slug>/' or
    'releases/<slug>/<lang>/' for a translation."""
    if release.translation_of is None:
        return f"releases/{release.slug}/"
    return f"releases/{release.slug}/{release.language}/"


def language_versions(newsroom: Newsroom, release: Release, now: datetime, page: Page) -> tuple[Version, ...]:
    """The language versions a page of `release` (an original or a translation) links to.

    The original first, then its translations by tag; on the public site only
    those public at `now`, in the staff tree all of them. Fewer than two
    means there is nothing to switch between, and the page shows no switcher.
    """
    versions = newsroom.versions(release)
    if page.area == "site":
        versions = tuple(v for v in versions if is_public(v, now))
    return tuple(
        Version(
            language=v.language,
            label=label,
            url=page.url(page_path(v)),
            absolute_url=f"{newsroom.settings.url}{page_path(v)}",
            current=v.key == release.key,
            outdated=v.is_outdated,
        )
        for v, label in zip(versions, version_labels([v.language for v in versions]), strict=True)
    )


def version_labels(languages: Sequence[str]) -> list[str]:
    """Each language's own name: "English", unless two versions share a language, then
    "English (United Kingdom)"."""
    primaries = [tag.split("-")[0].lower() for tag in languages]
    return [
        language_name(tag if primaries.count(primary) > 1 else primary)
        for tag, primary in zip(languages, primaries, strict=True)
    ]


def _og_image(view: ReleaseView) -> str | None:
    """The picture a link preview shows: the first issuer's logo, else the newsroom's, at its address."""
    settings = view.settings
    marks = issuers.marks(view.release, settings, lambda path: f"{settings.url}{path}")
    if marks:
        return marks[0].src
    return f"{settings.url}{settings.logo}" if settings.logo else None


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
    next: Neighbour | None = None,  # shadows the built-in: it is the word the template reads
    versions: Sequence[Version] = (),
) -> str:
    """The standalone page of one release (or one language version of it), in its language.

    `versions` (see `language_versions`) gives the hreflang links and the
    language switcher; without it the page has neither.
    """
    view = view.for_environment(env)
    r = view.release
    return env.get_template("release.html").render(
        _common(view.settings, page)
        | view.i18n
        | {
            "v": view,
            "r": r,
            "lang": r.language,
            "logo": page.url(view.settings.logo) if view.settings.logo else None,
            "issuer_logos": issuers.marks(r, view.settings, page.url),
            "og_locale": og_locale(r.language, view.settings),
            "og_image": _og_image(view),
            "canonical": f"{view.settings.url}{page_path(r)}",
            "pdf_url": pdf_url,
            "previous": previous,
            "next": next,
            "versions": versions,
            "output": "web",
        }
    )
