"""The validated newsroom: frozen objects that every renderer trusts.

Nothing here reads a file or the clock. Questions whose answer depends on the
time ("is this public yet?") take `now` as an argument, so one build sees one
instant and the same inputs give the same outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from pressroom.errors import Problem

# The front-matter fields of docs/release-format.md: a public contract.
RELEASE_FIELDS = (
    "title", "subtitle", "date", "location", "issuers", "reference", "language", "status",
    "embargo", "tags", "attendees", "background", "links", "contacts",
)  # fmt: skip


class Status(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"


@dataclass(frozen=True, slots=True)
class Contact:
    """A media contact, from contacts/<id>.yaml or written inline in a release."""

    name: str
    id: str | None = None  # None for an inline contact
    role: str | None = None
    organization: str | None = None
    city: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Attendee:
    name: str
    role: str | None = None
    organization: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Settings:
    """pressroom.toml, validated and with defaults applied."""

    name: str
    url: str  # the public site's base URL, always ending in "/"
    language: str  # BCP 47, e.g. "en-GB"; its region shapes dates in that language
    timezone: str  # IANA name, e.g. "Europe/Brussels"
    boilerplate: str = ""  # Markdown for the "About <name>" section
    location: str | None = None  # the usual dateline city, used by `pressroom new`
    logo: str | None = None  # path inside templates/, e.g. "assets/logo.svg"
    end_mark: str = "###"
    dateline_style: str = "eu"  # "eu": "Brussels, 25 May 2018 –"; "ap": "BRUSSELS, 25 May 2018 –"
    show_utc: bool = True  # add the UTC time beside an embargo for an international audience
    email_from: str = ""  # RFC 5322 address, e.g. "Press Office <press@example.org>"
    custom_fields: tuple[str, ...] = ()
    allow_remote_resources: bool = False  # let the PDF engine fetch http(s) images and CSS

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class Release:
    """One press release, as the contract in docs/release-format.md defines it."""

    slug: str
    path: str  # relative to the newsroom root, for messages
    title: str
    date: date
    location: str
    body: str  # Markdown
    issuers: tuple[str, ...]
    language: str
    status: Status
    published: datetime  # the instant it may become public: the embargo, else the date's midnight
    subtitle: str | None = None
    reference: str | None = None
    embargo: datetime | None = None
    tags: tuple[str, ...] = ()
    attendees: tuple[Attendee, ...] = ()
    background: str | None = None  # Markdown
    links: tuple[Link, ...] = ()
    contacts: tuple[Contact, ...] = ()
    custom: tuple[tuple[str, str], ...] = ()  # fields declared in pressroom.toml

    @property
    def is_draft(self) -> bool:
        return self.status is Status.DRAFT

    def is_embargoed(self, now: datetime) -> bool:
        """True while an embargo is set and its instant has not come."""
        return self.embargo is not None and now < self.embargo

    def is_public(self, now: datetime) -> bool:
        """The one rule for the public site: approved, and its time has come."""
        return self.status is Status.APPROVED and now >= self.published


@dataclass(frozen=True, slots=True)
class Newsroom:
    root: Path
    settings: Settings
    releases: tuple[Release, ...]  # newest first
    contacts: dict[str, Contact] = field(default_factory=dict)
    templates: Path | None = None  # the newsroom's own templates/, if it has one
    warnings: tuple[Problem, ...] = ()

    def public(self, now: datetime) -> tuple[Release, ...]:
        return tuple(r for r in self.releases if r.is_public(now))

    def release(self, slug: str) -> Release | None:
        return next((r for r in self.releases if r.slug == slug), None)
