"""What every output shows of a release, worked out once: the three renderers share it.

The release line, the dateline, the dates in the release's language and the
Markdown turned into safe HTML and plain text are computed here, so the page,
the PDF and the email cannot disagree about any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from markupsafe import Markup

from pressroom import markup
from pressroom.model import Contact, Release, Settings

UTC = ZoneInfo("UTC")


def locale_for(language: str, settings: Settings) -> str:
    """The Babel locale for a language tag; the newsroom's region applies to its own language.

    A newsroom set to en-GB writes "25 May 2018" in its English releases even
    when a release just says `language: en`.
    """
    tag = language.replace("-", "_")
    home = settings.language.replace("-", "_")
    if "_" not in tag and home.split("_")[0].lower() == tag.lower():
        tag = home
    try:
        return str(Locale.parse(tag))
    except (ValueError, UnknownLocaleError):
        try:
            return str(Locale.parse(tag.split("_")[0]))
        except (ValueError, UnknownLocaleError):
            return "en"


def _safe_html(source: str, lead: str | None = None) -> Markup:
    """Markdown as HTML that templates may print unescaped: markup.to_html sanitises it."""
    return Markup(markup.to_html(source, lead=lead))  # noqa: S704


@dataclass(frozen=True)
class ReleaseView:
    """A release as the house style presents it at one instant."""

    release: Release
    settings: Settings
    now: datetime

    @cached_property
    def locale(self) -> str:
        return locale_for(self.release.language, self.settings)

    def format_date(self, day: date) -> str:
        return str(format_date(day, "long", locale=self.locale))

    def format_moment(self, moment: datetime) -> str:
        """'25 May 2018, 12:00 CEST' in the newsroom's time zone, '(10:00 UTC)' beside it if set."""
        local = moment.astimezone(self.settings.tz)
        text = f"{self.format_date(local.date())}, {local:%H:%M} {local.tzname()}"
        if self.settings.show_utc and local.utcoffset():
            text += f" ({moment.astimezone(UTC):%H:%M} UTC)"
        return text

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
    def release_line(self) -> str:
        """The line journalists scan for first."""
        if self.release.embargo is not None and self.is_embargoed:
            return f"EMBARGOED UNTIL {self.format_moment(self.release.embargo)}"
        return "FOR IMMEDIATE RELEASE"

    @cached_property
    def dateline(self) -> str:
        """'Brussels, 25 May 2018 –' (EU style) or 'BRUSSELS, 25 May 2018 –' (AP style)."""
        place = self.release.location
        if self.settings.dateline_style == "ap":
            place = place.upper()
        return f"{place}, {self.date_text} –"

    @cached_property
    def _writes_own_dateline(self) -> bool:
        # The contract's own example starts the body with the dateline; don't print it twice.
        start = self.release.body.lstrip().lower()
        return start.startswith(f"{self.release.location.lower()},")

    @cached_property
    def body_html(self) -> Markup:
        lead = None if self._writes_own_dateline else self.dateline
        return _safe_html(self.release.body, lead)

    @cached_property
    def body_text(self) -> str:
        return markup.to_text(self.body_html)

    @cached_property
    def background_html(self) -> Markup | None:
        return _safe_html(self.release.background) if self.release.background else None

    @cached_property
    def background_text(self) -> str | None:
        return markup.to_text(self.background_html) if self.background_html else None

    @cached_property
    def boilerplate_html(self) -> Markup | None:
        return _safe_html(self.settings.boilerplate) if self.settings.boilerplate else None

    @cached_property
    def boilerplate_text(self) -> str | None:
        return markup.to_text(self.boilerplate_html) if self.boilerplate_html else None

    @cached_property
    def description(self) -> str:
        """One or two sentences for search engines and link previews."""
        if self.release.subtitle:
            return self.release.subtitle
        text = " ".join(self.body_text.split())
        text = text.removeprefix(self.dateline).strip()
        return text if len(text) <= 200 else text[:197].rsplit(" ", 1)[0] + "…"

    @cached_property
    def issuer_line(self) -> str:
        return " · ".join(self.release.issuers)

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
        return data
