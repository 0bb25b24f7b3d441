"""A release's web page, as HTML text."""

from __future__ import annotations

from collections.abc import Sequence

import jinja2

from pressroom.layout import Files
from pressroom.model import Link, Version
from pressroom.render import kit
from pressroom.render.context import template_context
from pressroom.render.urls import Page
from pressroom.render.view import ReleaseView


def render_release_page(
    env: jinja2.Environment,
    view: ReleaseView,
    *,
    page: Page,
    pdf_url: str | None,
    previous: Link | None = None,
    next: Link | None = None,  # shadows the built-in: it is the word the template reads
    versions: Sequence[Version] = (),
    alternates: Sequence[tuple[str, str]] = (),
) -> str:
    """The standalone page of one release (or one language version of it), in its language.

    `previous` and `next` are the releases either side of it, and `versions`
    (model.language_versions) its language versions, each with its path from
    the area's root; this page links them relative to itself. With fewer than
    two versions the page has no switcher and no hreflang links. `alternates` are the
    machine-readable versions beside it (media type, link), such as its ninjs item.
    Its media kit (`kit`) is linked in the release's folder, relative to the page:
    the engine publishes the copies there, in each area that has the page.
    """
    view = view.for_environment(env)
    r, settings = view.release, view.settings
    own = Files.of(r).folder
    return env.get_template("release.html").render(
        template_context(env, settings, view=view, url=page.url, area=page.area)
        | {
            "logo": page.url(settings.logo) if settings.logo else None,
            "canonical": f"{settings.url}{own}",
            "pdf_url": pdf_url,
            "previous": Link(previous.title, page.url(previous.url)) if previous else None,
            "next": Link(next.title, page.url(next.url)) if next else None,
            "versions": [v.on(page.url(v.path), settings.url + v.path, v.path == own) for v in versions],
            "alternates": alternates,
            "kit": kit.kit(view, kit.page_where(r.slug, own)),
        }
    )
