"""What every output shows of a release, worked out once: the three renderers share it.

The release line, the dateline, the dates in the release's language and the
Markdown turned into safe HTML and plain text are computed here, so the page,
the PDF and the email cannot disagree about any of them. A view speaks its
release's language: dates through Babel, labels through the message
catalogues of templating.py, the same ones its templates get.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, lru_cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date
from markupsafe import Markup, escape

from pressroom.content.media import kit_name
from pressroom.languages import locale_for, same_primary
from pressroom.model import Contact, LanguageSettings, MediaFile, Release, Settings
from pressroom.render import issuers, kit, markup
from pressroom.render.templating import catalogue, i18n_context, own_templates

UTC = ZoneInfo("UTC")


def _safe_html(
    source: str, lead: str | None = None, language: str = "en", media: markup.KitNames | None = None
) -> Markup:
    """Markdown as HTML that templates may print unescaped: markup.to_html sanitises it."""
    return Markup(markup.to_html(source, lead=lead, language=language, kit=media))  # noqa: S704


@lru_cache(maxsize=32)
def _converted_boilerplate(text: str, language: str) -> tuple[Markup, str]:
    """The newsroom's boilerplate as HTML and as text: the same for every release of a language,
    so converted once a process, not once a release (a third of an email's Markdown)."""
    html = _safe_html(text, None, language)
    return html, markup.to_text(html)


@dataclass(frozen=True)
class _InItsLanguage:
    """A release at one instant, with the labels and dates of its language: what every view speaks."""

    release: Release
    settings: Settings
    now: datetime
    # The newsroom's own templates/ (Newsroom.templates): its locale/ catalogues
    # override the house style's labels, as its templates override the house style's.
    templates: Path | None = None

    @cached_property
    def locale(self) -> str:
        return locale_for(self.release.language, self.settings.language)

    @cached_property
    def catalogue(self) -> NullTranslations:
        """The label catalogue of the release's language, shared by the view and its templates."""
        return catalogue(self.locale, self.templates)

    @cached_property
    def i18n(self) -> dict[str, Callable[..., str]]:
        """`gettext` and friends for a template context, so every label is in this view's language."""
        return i18n_context(self.catalogue)

    def gettext(self, message: str, /, **variables: Any) -> str:
        """A label in the release's language, %-formatted with `variables` as templates do."""
        return self.catalogue.gettext(message) % variables

    def for_environment(self, env: jinja2.Environment) -> Self:
        """This view, or a copy whose labels come from the same catalogues as `env`'s templates.

        A view made without the newsroom's templates/ would print the house
        style's labels where the newsroom overrides them; renderers call this
        so a page cannot mix the two. The copy renders its Markdown again, so
        the build makes views with `templates=newsroom.templates` up front.
        """
        own = own_templates(env)
        return self if own == self.templates else dataclasses.replace(self, templates=own)

    def format_date(self, day: date) -> str:
        return str(format_date(day, "long", locale=self.locale))

    def format_moment(self, moment: datetime) -> str:
        """'25 May 2018, 12:00 CEST' in the newsroom's time zone, '(10:00 UTC)' beside it if set."""
        local = moment.astimezone(self.settings.tz)
        # TRANSLATORS: an embargo's instant: "25 May 2018, 12:00 CEST" (a long date, 24-hour time, zone).
        text = self.gettext(
            "%(date)s, %(time)s %(zone)s",
            date=self.format_date(local.date()),
            time=f"{local:%H:%M}",
            zone=local.tzname(),
        )
        if self.settings.show_utc and local.utcoffset():
            text += f" ({moment.astimezone(UTC):%H:%M} UTC)"
        return text


@dataclass(frozen=True)
class ReleaseView(_InItsLanguage):
    """A release (or a translation) as the house style presents it at one instant, in its language."""

    @cached_property
    def date_text(self) -> str:
        return self.format_date(self.release.date)

    @cached_property
    def is_embargoed(self) -> bool:
        return self.release.is_embargoed(self.now)

    @cached_property
    def is_public(self) -> bool:
        return self.release.is_public(self.now)

    @cached_property
    def is_listed(self) -> bool:
        return self.release.is_listed(self.now)

    @cached_property
    def is_withdrawn(self) -> bool:
        return self.release.is_withdrawn

    @cached_property
    def corrections(self) -> tuple[tuple[str, Markup, str], ...]:
        """Each correction, newest first, as (its long date, its text as HTML, as plain text)."""
        found = []
        for notice in reversed(self.release.corrections):
            html = _safe_html(notice.text)
            found.append((self.format_date(notice.date), html, markup.to_text(html)))
        return tuple(found)

    @cached_property
    def withdrawal(self) -> tuple[str, Markup | None, str | None] | None:
        """The withdrawal notice as (its long date, the reason as HTML, as plain text), or None."""
        notice = self.release.withdrawal
        if notice is None:
            return None
        html = _safe_html(notice.text) if notice.text else None
        return self.format_date(notice.date), html, markup.to_text(html) if html else None

    @cached_property
    def notes_heading(self) -> str:
        """The UK form ("Notes to editors") or the EU form ("Notes for editors"), as pressroom.toml says."""
        if self.settings.notes_style == "eu":
            return self.gettext("Notes for editors")
        return self.gettext("Notes to editors")

    @cached_property
    def notes(self) -> tuple[tuple[Markup, str], ...]:
        """The notes to editors, in order, as (HTML, plain text): numbered by the templates."""
        found = []
        for note in self.release.notes_to_editors:
            html = _safe_html(note)
            # One line: the email template wraps it under its number.
            found.append((html, " ".join(markup.to_text(html).split())))
        return tuple(found)

    @cached_property
    def release_line(self) -> str:
        """The line journalists scan for first."""
        if self.release.embargo is not None and self.is_embargoed:
            # TRANSLATORS: the release line above the headline, in capitals as the English is.
            return self.gettext("EMBARGOED UNTIL %(moment)s", moment=self.format_moment(self.release.embargo))
        return self.gettext("FOR IMMEDIATE RELEASE")

    @cached_property
    def dateline(self) -> str:
        """'Brussels, 25 May 2018 –' (EU style) or 'BRUSSELS, 25 May 2018 –' (AP style)."""
        place = self.release.location
        if self.settings.dateline_style == "ap":
            place = place.upper()
        # TRANSLATORS: the dateline that opens the first paragraph: "Brussels, 25 May 2018 –".
        return self.gettext("%(place)s, %(date)s –", place=place, date=self.date_text)

    @cached_property
    def _writes_own_dateline(self) -> bool:
        # The contract's own example starts the body with the dateline; don't print it twice.
        start = self.release.body.lstrip().lower()
        return start.startswith(f"{self.release.location.lower()},")

    @cached_property
    def media(self) -> dict[str, MediaFile]:
        """The files of the release's media kit by name, with its captions in the release's language."""
        return {m.name: m for m in self.release.media}

    def _kit_reference(self, address: str) -> str | None:
        name = kit_name(address, self.release.slug)
        return name if name in self.media else None

    @cached_property
    def marked_body_html(self) -> Markup:
        """The body as sanitised HTML, converted once; its kit files still `pressroom-kit:<file>`.

        Each output writes those as its own addresses (render/kit.py), so the
        page, the PDF and the email share one Markdown conversion.
        """
        lead = None if self._writes_own_dateline else self.dateline
        return _safe_html(self.release.body, lead, self.release.language, self._kit_reference)

    @cached_property
    def body_html(self) -> Markup:
        """The body with its kit files at their public addresses: the exports, feeds, news items and text."""
        return kit.body_html(self, kit.public_where(self.settings, self.release.slug))

    @cached_property
    def body_text(self) -> str:
        return markup.to_text(self.body_html)

    @cached_property
    def background_html(self) -> Markup | None:
        return (
            _safe_html(self.release.background, None, self.release.language)
            if self.release.background
            else None
        )

    @cached_property
    def background_text(self) -> str | None:
        return markup.to_text(self.background_html) if self.background_html else None

    @cached_property
    def _local(self) -> LanguageSettings | None:
        return self.settings.in_language(self.release.language)

    def foreign(self, language: str) -> str | None:
        """`language` if a reader of this release would hear it as another language, for a lang attribute."""
        return None if same_primary(language, self.release.language) else language

    @cached_property
    def newsroom_name(self) -> str:
        """The newsroom's name in the release's language ([languages] in pressroom.toml), else as it is."""
        return (self._local and self._local.name) or self.settings.name

    @cached_property
    def newsroom_name_html(self) -> Markup:
        """The name, marked with its language when it is not the release's: "À propos de <span lang=en>…"."""
        language = self.foreign(self.settings.language) if self.newsroom_name == self.settings.name else None
        if language is None:
            return escape(self.newsroom_name)
        return Markup('<span lang="{}">{}</span>').format(language, self.newsroom_name)

    @cached_property
    def end_mark(self) -> str:
        return (self._local and self._local.end_mark) or self.settings.end_mark

    @cached_property
    def boilerplate_language(self) -> str | None:
        """The boilerplate's language when it is not the release's (no translation given), else None."""
        return None if self._local and self._local.boilerplate else self.foreign(self.settings.language)

    @cached_property
    def _boilerplate(self) -> tuple[Markup, str] | None:
        text = (self._local and self._local.boilerplate) or self.settings.boilerplate
        if not text:
            return None
        return _converted_boilerplate(text, self.boilerplate_language or self.release.language)

    @cached_property
    def boilerplate_html(self) -> Markup | None:
        return self._boilerplate[0] if self._boilerplate else None

    @cached_property
    def boilerplate_text(self) -> str | None:
        return self._boilerplate[1] if self._boilerplate else None

    @cached_property
    def description(self) -> str:
        """One or two sentences for search engines and link previews; a withdrawn release, only that."""
        if self.withdrawal is not None:
            return self.gettext("This press release was withdrawn on %(date)s.", date=self.withdrawal[0])
        if self.release.subtitle:
            return self.release.subtitle
        text = markup.plain_text(self.body_html)
        text = text.removeprefix(self.dateline).strip()
        return text if len(text) <= 200 else text[:197].rsplit(" ", 1)[0] + "…"

    @cached_property
    def issuer_short_line(self) -> str:
        """'EEAS · AUC': for the PDF's running foot, where a long name does not fit."""
        return issuers.short_line(self.release, self.settings)

    @staticmethod
    def contact_parts(contact: Contact) -> list[str]:
        """Name, role, organisation, city, then the ways to reach them, as written."""
        parts = [contact.name]
        parts += [p for p in (contact.role, contact.organization, contact.city) if p]
        parts += [p for p in (contact.email, contact.phone) if p]
        return parts

    def json_ld(self, url: str) -> dict[str, object]:
        """schema.org NewsArticle, with the dateline the contract promises."""
        r = self.release
        data: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": r.title,
            "dateline": f"{r.location}, {self.date_text}",
            "datePublished": r.published.isoformat(),
            "inLanguage": r.language,
            "url": url,
            "description": self.description,
            "author": [{"@type": "Organization", "name": name} for name in r.issuers],
            "publisher": {"@type": "Organization", "name": self.settings.name, "url": self.settings.url},
        }
        if r.tags:
            data["keywords"] = list(r.tags)
        if r.subtitle:
            data["alternativeHeadline"] = r.subtitle
        if r.modified != r.published:  # corrected or withdrawn
            data["dateModified"] = r.modified.isoformat()
        lead = kit.public_lead(self)
        if lead is not None:
            image: dict[str, object] = {
                "@type": "ImageObject",
                "url": lead.src,
                "contentUrl": lead.src,
                "width": lead.width,
                "height": lead.height,
            }
            if lead.caption:
                image["caption"] = lead.caption
            if lead.credit:
                image["creditText"] = lead.credit
            data["image"] = image
        return data
