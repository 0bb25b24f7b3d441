"""The validated newsroom: frozen objects that every renderer trusts.

Nothing here reads a file or the clock. Questions whose answer depends on the
time ("is this public yet?") take `now` as an argument, so one build sees one
instant and the same inputs give the same outputs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from pressroom import layout
from pressroom.errors import Problem
from pressroom.languages import primary, same_tag, sort_key, version_labels

# The front-matter fields of docs/release-format.md: a public contract.
RELEASE_FIELDS = (
    "title", "subtitle", "date", "location", "issuers", "reference", "language", "status",
    "embargo", "tags", "attendees", "background", "links", "contacts",
    "corrections", "withdrawn", "notes_to_editors", "approved_by", "approved_at", "approved_hash",
    "media",
)  # fmt: skip
# What `pressroom approve` writes beside status: the approval trail, for staff only.
APPROVAL_FIELDS = ("approved_by", "approved_at", "approved_hash")
# What only a translation (releases/<slug>.<lang>.md) may add to them.
TRANSLATION_FIELDS = ("translated_from",)

# Lines an approval writes or a withdrawal changes: an approved text stays the same text without them.
_APPROVAL_LINE = re.compile(rf"^(status|{'|'.join(APPROVAL_FIELDS)})\s*:")


def source_hash(text: str) -> str:
    """The short hash of a text, as a translation's `translated_from` and `approved_hash` name it.

    The first 12 hex digits of SHA-256 over the original file's text in UTF-8,
    as the loader reads it (no byte-order mark, line ends as "\\n"), leaving out
    the front matter's top-level `status:` line and the approval trail
    (approved_by, approved_at, approved_hash). Approving an original changes
    nothing a translator has to read again, so it must not mark every
    translation as possibly outdated, nor record a withdrawal as an edit after
    approval; any other edit, even of one comma, does.
    """
    return _hash_without(text, _APPROVAL_LINE)


def _hash_without(text: str, skip: re.Pattern[str]) -> str:
    lines = text.split("\n")
    if lines and lines[0].rstrip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), 0)
        lines = lines[:1] + [line for line in lines[1:end] if not skip.match(line)] + lines[end:]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:12]


class Status(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"  # was approved; its address now shows a withdrawal notice instead of the text


@dataclass(frozen=True, slots=True)
class Notice:
    """A dated note to readers: one entry of `corrections`, or the reason for a withdrawal."""

    date: date
    at: datetime  # the instant it counts from: the time given, else midnight of `date` in the newsroom's zone
    text: str  # Markdown


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
    """A link with its text: one of a release's `links`, or the release before or after it on a page."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class MediaFile:
    """One file of a release's media kit, kept in media/<slug>/: a photo or a document.

    What the front matter says of it (alt text, caption, credit, title) and
    what the loader learnt from the file itself (kind, type, size, pixels and
    the digest its published copies are keyed by). A renderer needs nothing
    else to place it: the bytes reach a job only by its name and digest.
    """

    name: str  # the file's name in media/<slug>/, e.g. "harbour.jpg"
    kind: str  # "image" or "document", from the name's suffix
    alt: str | None = None  # images: what the photo shows, for readers who cannot see it (required)
    caption: str | None = None
    credit: str | None = None  # "Photo: Jane Doe / EEAS"
    title: str | None = None  # documents: "Questions and answers" (required)
    mime: str = ""
    size: int = 0  # bytes of the file as kept in the newsroom
    width: int | None = None  # images: pixels as displayed (after the camera's rotation)
    height: int | None = None
    digest: str = ""  # SHA-256 of the file's bytes
    line: int = field(default=0, compare=False)  # where `media:` names it, for messages

    @property
    def is_image(self) -> bool:
        return self.kind == "image"


@dataclass(frozen=True, slots=True)
class Version:
    """One language version of a release as its pages link it: the switcher and the hreflang links.

    A plan knows its path in the area; the page it is shown on fills in the
    rest with `on`.
    """

    language: str  # BCP 47 tag, e.g. "fr"
    label: str  # the language's own name, e.g. "français"
    path: str  # the version's folder, relative to the area root: "releases/x/" or "releases/x/fr/"
    outdated: bool = False  # a translation older than its original
    url: str = ""  # relative to the page showing it
    absolute_url: str = ""  # on the public site, for hreflang
    current: bool = False  # the version this page is

    def on(self, url: str, absolute_url: str, current: bool) -> Version:
        return Version(self.language, self.label, self.path, self.outdated, url, absolute_url, current)


def language_versions(versions: Iterable[Release]) -> tuple[Version, ...]:
    """The language versions of one release that a page links to: the original first, then by tag.

    Given the versions an area shows (staff: all of them; the public site: the
    public ones). Fewer than two means there is nothing to switch between.
    """
    shown = sorted(versions, key=lambda v: (v.is_translation, sort_key(v.language)))
    labels = version_labels([v.language for v in shown])
    return tuple(
        Version(v.language, label, layout.Files.of(v).folder, v.is_outdated)
        for v, label in zip(shown, labels, strict=True)
    )


class Visibility(StrEnum):
    """What a journalist could see of a release at one instant."""

    DRAFT = "draft"  # staff only, whatever its dates
    EMBARGOED = "embargoed"  # approved, its embargo not over
    WITHHELD = "withheld"  # approved, not public yet: its date has not come, or its original is not public
    PUBLIC = "public"
    WITHDRAWN = "withdrawn"  # its address shows the withdrawal notice; no listing names it


@dataclass(frozen=True, slots=True)
class Theme:
    """The house colours and fonts, `[theme]` in pressroom.toml: one table for page, PDF and email.

    Colours are hex (#0b4f8a); fonts are CSS font-family lists. The web and
    print styles read them as CSS custom properties (--accent); the email, whose
    clients do not resolve var(), gets the values written out (render/theme.py).
    """

    ink: str = "#1b1f24"  # text
    muted: str = "#5b6470"  # secondary text: kickers, references, page numbers
    rule: str = "#d5dae0"  # lines and borders
    accent: str = "#0b4f8a"  # links, the masthead's rule, the house colour
    alert: str = "#b3261e"  # embargo and draft warnings
    wash: str = "#f3f5f8"  # background of boxes such as Background
    font: str = '"Lato", "Helvetica Neue", Arial, sans-serif'  # page and PDF
    email_font: str = "Helvetica, Arial, sans-serif"  # mail clients have only system fonts

    COLOURS = ("ink", "muted", "rule", "accent", "alert", "wash")
    FONTS = ("font", "email_font")


@dataclass(frozen=True, slots=True)
class Issuer:
    """An issuing organisation, `[issuers.<key>]` in pressroom.toml: a joint release shows each one's logo.

    A release names its issuers by `name` (or `short_name`), as docs/release-format.md says.
    """

    key: str  # the table's name, e.g. "eeas"
    name: str  # "European External Action Service"
    short_name: str | None = None  # "EEAS"
    logo: str | None = None  # a file in the newsroom's templates/assets/, e.g. "assets/issuers/eeas.svg"
    # The logo's bytes, read by the config reader for the email, which carries it inside
    # (a renderer reads no file): its media type and base64 text.
    logo_type: str = ""
    logo_base64: str = ""


@dataclass(frozen=True, slots=True)
class LanguageSettings:
    """`[languages.<tag>]` in pressroom.toml: the newsroom's words in one language, each optional.

    A release in that language ends with this boilerplate, names the newsroom
    so and closes with this end mark; what is not given comes from the top
    of pressroom.toml, in the newsroom's own language.
    """

    tag: str  # BCP 47, e.g. "fr" (any French release) or "fr-BE"
    name: str | None = None
    boilerplate: str | None = None  # Markdown
    end_mark: str | None = None


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
    notes_style: str = "uk"  # notes_to_editors under "Notes to editors" ("uk") or "for editors" ("eu")
    show_utc: bool = True  # add the UTC time beside an embargo for an international audience
    email_from: str = ""  # RFC 5322 address, e.g. "Press Office <press@example.org>"
    email_unsubscribe: str = (
        ""  # https: or mailto: address for List-Unsubscribe; {email} and {list} filled in
    )
    custom_fields: tuple[str, ...] = ()
    allow_remote_resources: bool = False  # let the PDF engine fetch http(s) images and CSS
    theme: Theme = field(default_factory=Theme)
    issuers: tuple[Issuer, ...] = ()
    languages: tuple[LanguageSettings, ...] = ()
    topics: tuple[tuple[str, str], ...] = ()  # [topics]: a tag as releases write it -> its display name

    def topic_name(self, tag: str) -> str:
        """How a topic is shown ("Maritime security" for maritime-security); the tag itself if not named.

        A tag is named by any spelling that has its address ("Maritime-Security" too).
        """
        slug = layout.name_slug(tag)
        return next((name for key, name in self.topics if layout.name_slug(key) == slug), tag)

    def in_language(self, tag: str) -> LanguageSettings | None:
        """The [languages] entry for a release's language: its own tag, else its primary language's."""
        exact = next((entry for entry in self.languages if same_tag(entry.tag, tag)), None)
        return exact or next((entry for entry in self.languages if same_tag(entry.tag, primary(tag))), None)

    def issuer(self, name: str) -> Issuer | None:
        """The issuer a release names, by its name or its short name (case as written)."""
        return next((i for i in self.issuers if name in (i.name, i.short_name)), None)

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
    source_hash: str = ""  # source_hash() of its file, what a translation's translated_from names
    translation_of: str | None = None  # a translation: its original's slug (== slug); None for originals
    translated_from: str | None = None  # a translation: the original's source_hash it was made from
    # A translation's original, as loaded, so that the public rule and the outdated
    # flag need nothing else. Left out of comparisons: the slug says which it is.
    original: Release | None = field(default=None, compare=False, repr=False)
    corrections: tuple[Notice, ...] = ()  # oldest first, as written
    withdrawn: Notice | None = None  # set exactly when status is withdrawn
    notes_to_editors: tuple[str, ...] = ()  # Markdown, numbered after the end mark
    approved_by: str | None = None
    approved_at: datetime | None = None
    approved_hash: str | None = None  # source_hash of the file as it was approved
    media: tuple[MediaFile, ...] = ()  # its media kit, in the order written; a translation's captions its own

    @property
    def key(self) -> str:
        """A unique id among all releases and translations, for output names: 'slug' or 'slug.fr'."""
        return layout.stem(self.slug, None if self.translation_of is None else self.language)

    @property
    def is_translation(self) -> bool:
        return self.translation_of is not None

    @property
    def images(self) -> tuple[MediaFile, ...]:
        return tuple(m for m in self.media if m.is_image)

    @property
    def lead_image(self) -> MediaFile | None:
        """The photo shown first (page, PDF, email, og:image): the first image its media list names."""
        return next((m for m in self.media if m.is_image), None)

    @property
    def documents(self) -> tuple[MediaFile, ...]:
        return tuple(m for m in self.media if not m.is_image)

    @property
    def is_outdated(self) -> bool:
        """A translation made from an earlier text of its original, as its translated_from says.

        Without translated_from nothing is known, and nothing is claimed.
        """
        return (
            self.original is not None
            and self.translated_from is not None
            and self.translated_from != self.original.source_hash
        )

    @property
    def is_draft(self) -> bool:
        return self.status is Status.DRAFT

    @property
    def is_withdrawn(self) -> bool:
        """Withdrawn itself, or a translation of a withdrawn original: either way the text is gone."""
        return self.status is Status.WITHDRAWN or (self.original is not None and self.original.is_withdrawn)

    @property
    def withdrawal(self) -> Notice | None:
        """The withdrawal notice: its own, else (a translation) its original's."""
        if self.withdrawn is not None or self.original is None:
            return self.withdrawn
        return self.original.withdrawal

    @property
    def modified(self) -> datetime:
        """When readers last saw it change: its last correction or withdrawal, never before `published`."""
        instants = [n.at for n in self.corrections]
        if self.withdrawal is not None:
            instants.append(self.withdrawal.at)
        return max([self.published, *instants])

    @property
    def changed_since_approval(self) -> bool:
        """Approved through `pressroom approve`, and edited afterwards."""
        return self.approved_hash is not None and self.approved_hash != self.source_hash

    def is_embargoed(self, now: datetime) -> bool:
        """True while an embargo is set and its instant has not come."""
        return self.embargo is not None and now < self.embargo

    def is_public(self, now: datetime) -> bool:
        """Whether it may be on the public site at `now`: see `is_public` in this module."""
        return is_public(self, now)

    def visibility(self, now: datetime) -> Visibility:
        """The release's state at `now`, the one answer the preview, `list` and the build share."""
        if is_public(self, now):
            return Visibility.WITHDRAWN if self.is_withdrawn else Visibility.PUBLIC
        if self.is_draft:
            return Visibility.DRAFT
        if self.is_embargoed(now):
            return Visibility.EMBARGOED
        return Visibility.WITHHELD

    def is_listed(self, now: datetime) -> bool:
        """Whether public listings name it at `now`: see `is_listed` in this module."""
        return is_listed(self, now)


def is_public(release: Release, now: datetime) -> bool:
    """The one rule for the public site, for a release or a translation: see `public_from`."""
    since = public_from(release)
    return since is not None and now >= since


def public_from(release: Release) -> datetime | None:
    """The instant from which a release is public, or None when it never is as the files stand.

    A release is public once it is approved and its time has come: its
    embargo, else midnight of its date in the newsroom's zone (`published`).
    A withdrawn release keeps its public address (where the withdrawal notice
    stands instead of its text), but no listing names it: see `is_listed`.
    A translation shares its original's date and embargo; it is public only
    when it is approved itself and its original is public, so approving a
    translation never publishes a draft or lifts an embargo early. A
    translation whose original is unknown is never public. Being public
    never ends with time alone, so this one instant answers both "is it
    public now?" (`is_public`) and "when does the public site next change?".
    """
    if release.status not in (Status.APPROVED, Status.WITHDRAWN):
        return None
    if release.translation_of is None:
        return release.published
    original = public_from(release.original) if release.original is not None else None
    return None if original is None else max(original, release.published)


def is_listed(release: Release, now: datetime) -> bool:
    """Whether the public listings, feeds, sitemap, search and archive name it: public and not withdrawn."""
    return is_public(release, now) and not release.is_withdrawn


@dataclass(frozen=True, slots=True)
class Newsroom:
    root: Path
    settings: Settings
    releases: tuple[Release, ...]  # originals only, newest first
    contacts: dict[str, Contact] = field(default_factory=dict)
    templates: Path | None = None  # the newsroom's own templates/, if it has one
    warnings: tuple[Problem, ...] = ()
    # releases/<slug>.<lang>.md, in the order of their originals, then by language tag
    translations: tuple[Release, ...] = ()

    def release(self, slug: str) -> Release | None:
        """The original with this slug; its translations are found with `translations_of`."""
        return next((r for r in self.releases if r.slug == slug), None)

    def translations_of(self, release: Release | str) -> tuple[Release, ...]:
        """The translations of an original (or of the original with this slug), by language tag."""
        slug = release if isinstance(release, str) else release.slug
        return tuple(t for t in self.translations if t.slug == slug)

    def find(self, key: str) -> Release | None:
        """A release or a translation by its `key`: 'slug' or 'slug.fr'."""
        return next((r for r in (*self.releases, *self.translations) if r.key == key), None)
