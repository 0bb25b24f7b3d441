"""The one builder of a template's context: what every template may read, in the language it speaks.

A release's outputs (its page, PDF and email) speak the release's language and
get its view (`v`), the release (`r`) and its issuers' logos; a page of no one
release (a listing, the archive, search, 404) speaks the newsroom's language
(`language` in pressroom.toml). Labels come from the catalogues of the
environment's own templates/ first, as the templates do. Every output gets the
theme (`theme_css`) and the language of the newsroom's name where it differs
from the output's (`name_lang`). A web page also gets its area, the function that makes its
links relative (`url`), the site's logo and what a link preview shows
(`og_locale`, `og_image`, and for a release's lead photo `og_picture`, its
size and alt text).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pressroom.languages import locale_for, og_locale, same_primary
from pressroom.model import Settings
from pressroom.render import issuers, kit, theme, urls
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
    logo_url: Callable[[str], str] | None = None,
) -> dict[str, object]:
    """The variables every render shares: `gettext` and friends, `settings`, `lang`, `name_lang`, `theme_css`.

    With `view`, a release's output: `v`, `r`, labels in the release's
    language (the view must be `for_environment(env)`) and `issuer_logos`,
    whose addresses `logo_url` makes from a logo's path under templates/
    (else `url`; with neither, data: addresses, as an email carries them).
    With `url`, a web page in `area`: `url`, `area`, `site_logo`, `og_locale`,
    `og_image` and `og_picture` too. The caller adds what its template reads besides.
    """
    context: dict[str, object]
    if view is not None:
        i18n, lang = view.i18n, view.release.language
        context = {"v": view, "r": view.release}
        context["issuer_logos"] = issuers.marks(view.release, settings, logo_url or url)
    else:
        lang = settings.language
        i18n = i18n_context(catalogue(locale_for(lang, settings.language), own_templates(env)))
        context = {}
    context |= {
        "lang": lang,
        "settings": settings,
        "theme_css": theme.css_variables(settings.theme),
        # The newsroom's name is in its own language: said so on a page in another.
        "name_lang": None if same_primary(lang, settings.language) else settings.language,
    }
    if url is not None:
        picture = kit.public_lead(view) if view is not None else None
        context |= {
            "area": area,
            "url": url,
            "site_logo": url(settings.logo) if settings.logo else None,
            "og_locale": og_locale(lang, settings.language),
            "og_image": picture.src if picture else _og_image(settings, view),
            # A photo, with the size and alt text link previews ask for; a logo has neither.
            "og_picture": picture,
        }
    return i18n | context


def _og_image(settings: Settings, view: ReleaseView | None) -> str | None:
    """A link preview's picture without a lead photo: a release's first issuer's logo, else the newsroom's."""
    if view is not None:
        marks = issuers.marks(view.release, settings, lambda path: urls.absolute(settings, path))
        if marks:
            return marks[0].src
    return urls.absolute(settings, settings.logo) if settings.logo else None
