"""The one builder of a template's context: what every template may read, in the language it speaks.

A release's outputs (its page, PDF and email) speak the release's language and
get its view (`v`) and the release (`r`); a page of no one release (a listing,
the archive, search, 404) speaks the newsroom's language (`language` in
pressroom.toml). Labels come from the catalogues of the environment's own
templates/ first, as the templates do. A web page also gets its area, the
function that makes its links relative (`url`) and the site's logo.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pressroom.languages import locale_for
from pressroom.model import Settings
from pressroom.render.templating import catalogue, i18n_context, own_templates

if TYPE_CHECKING:
    import jinja2

    from pressroom.render.view import ReleaseView


def template_context(
    env: jinja2.Environment,
    settings: Settings,
    *,
    view: ReleaseView | None = None,
    url: Callable[[str], str] | None = None,
    area: str | None = None,
) -> dict[str, object]:
    """The variables every render shares: `gettext` and friends, `settings` and `lang`.

    With `view`, a release's output: `v`, `r` and labels in the release's
    language (the view must be `for_environment(env)`). With `url`, a web page
    in `area`: `url`, `area` and `site_logo` too. The caller adds what its
    template reads besides.
    """
    if view is not None:
        i18n = view.i18n
        context: dict[str, object] = {"v": view, "r": view.release, "lang": view.release.language}
    else:
        locale = locale_for(settings.language, settings.language)
        i18n = i18n_context(catalogue(locale, own_templates(env)))
        context = {"lang": settings.language}
    context["settings"] = settings
    if url is not None:
        context |= {"area": area, "url": url, "site_logo": url(settings.logo) if settings.logo else None}
    return i18n | context
