"""The build's planner: from a newsroom at one instant, the outputs that belong in build/, each with
its key, and the jobs that render those that are due.

Pure: it reads no file and writes none. What build/ holds comes in through a
`Disk` (build.py asks the file system and the cache; a test can hand a dict),
the release digests and the known listing summaries through the caller. The
same planner serves `build()`, the preview's fast path (`render_preview`)
and, through `Progress`, `pressroom send`.

An output's key is the hash of everything it is made from (cache.py): the
release as loaded, its state at `now`, the templates and settings its kind
uses (`Keys`), and the links the page shows. An output is rendered again only
when build/ does not have the file the last build wrote for the same key.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from pressroom.engine.cache import data_digest, digest
from pressroom.engine.jobs import ListingJob, MediaJob, ReleaseJob
from pressroom.engine.noop import BuildState
from pressroom.layout import AREAS, FORMATS, SITE, STAFF, THUMB_WIDTH, WEB_WIDTH, Files, asset
from pressroom.model import (
    Contact,
    Link,
    Newsroom,
    Release,
    Settings,
    Version,
    is_listed,
    is_public,
    language_versions,
)

if TYPE_CHECKING:
    from pressroom.errors import Problem
    from pressroom.render.site import SiteFile
    from pressroom.render.summary import Summary


class Progress(Protocol):
    """A progress hook: told how many steps there are, then each one done (a build's renders, a send's
    messages). It may raise to end the work early."""

    def start(self, total: int) -> None: ...
    def advance(self) -> None: ...


class Outcome(Enum):
    """What the plan does with one output."""

    RENDER = "render"  # missing or out of date: this build renders it
    FRESH = "fresh"  # build/ has the file the last build wrote for this key
    KEPT = "kept"  # not asked for now (a format or a release left out): build/'s file stays, out of date


class Disk(Protocol):
    """What the planner needs to know of build/."""

    def fresh(self, rel: str, key: str) -> bool:
        """Whether build/`rel` is the file the last build wrote for `key`."""
        ...

    def has(self, rel: str) -> bool:
        """Whether build/`rel` is a regular file (not a link)."""
        ...


@dataclass(frozen=True, slots=True)
class Keys:
    """What each kind of output is made from besides its release: templates, settings, the engine."""

    html: str
    pdf: str
    email: str
    summary: str
    listing: str
    media: str = ""  # kit files' copies: the imaging library and the engine


@dataclass
class Plan:
    """Every output that belongs in build/ with its key and outcome, and the jobs that render the due ones."""

    outputs: dict[str, tuple[str, Outcome]] = field(default_factory=dict)  # path in build/ -> (key, outcome)
    jobs: list[ReleaseJob] = field(default_factory=list)
    media: list[MediaJob] = field(default_factory=list)
    listings: list[ListingJob] = field(default_factory=list)
    summary_keys: dict[str, str] = field(default_factory=dict)  # slug -> key of its listing summary
    public: tuple[str, ...] = ()  # keys of the releases and translations on the public site
    listed: tuple[str, ...] = ()  # those of them the public listings name: not withdrawn
    withheld: tuple[str, ...] = ()  # in the staff tree only: drafts, embargoes, a date to come

    def due(self) -> dict[str, str]:
        """The outputs this build renders, with their keys."""
        return {rel: key for rel, (key, outcome) in self.outputs.items() if outcome is Outcome.RENDER}

    @property
    def reused(self) -> int:
        return sum(outcome is not Outcome.RENDER for _, outcome in self.outputs.values())

    def want(self, rel: str, key: str, disk: Disk, *, asked: bool, selected: bool = True) -> bool:
        """Plan one output: True if it must be rendered; False if build/ has it, or it stays out.

        `asked`: its format is one this build renders; `selected`: its release
        is one this build renders again (`only`).
        """
        if disk.fresh(rel, key):
            self.outputs[rel] = (key, Outcome.FRESH)
            return False
        if (not asked or not selected) and disk.has(rel):
            self.outputs[rel] = ("", Outcome.KEPT)  # recorded as out of date for next time
            return False
        if not asked:
            return False
        self.outputs[rel] = (key, Outcome.RENDER)
        return True


@dataclass(frozen=True, slots=True)
class _Entry:
    """One release or translation being planned, with where its outputs go."""

    release: Release
    files: Files
    public: bool  # its pages are on the public site (is_public)
    listed: bool  # and the public listings, feeds and neighbours' links name it (is_listed)


def plan_releases(
    newsroom: Newsroom,
    now: datetime,
    keys: Keys,
    disk: Disk,
    *,
    formats: Collection[str] = FORMATS,
    only: Collection[str] | None = None,
    digests: Mapping[str, str] | None = None,
    known_summary: Callable[[str, Release, bool, tuple[str, ...]], bool] | None = None,
    preview: bool = False,
    checkpoint: Callable[[], None] | None = None,
) -> Plan:
    """The outputs of every release and translation at `now`, and the jobs of those due.

    `only` limits which releases are rendered again: the others keep their
    outputs as they are, as long as they still belong in build/. `digests`
    gives a release's digest by its path, when the loader knew it.
    `known_summary(key, release, listed, translations)` says whether the cache
    holds the listing summary of that key (default: it holds none).
    `preview` plans the `only` releases alone, for `render_preview`.
    `checkpoint` is called every hundred releases and may raise to end early.
    """
    selected = set(only) if only is not None else None
    entries = [
        _Entry(r, Files.of(r), is_public(r, now), is_listed(r, now))
        for r in (*newsroom.releases, *newsroom.translations)
    ]
    originals = [e for e in entries if not e.release.is_translation]
    neighbours = {area: _neighbours(originals, area) for area in AREAS}
    chosen = [e for e in entries if not preview or selected is None or e.release.slug in selected]
    languages = _languages(chosen)
    plan = Plan()
    asked = set(formats)
    for i, e in enumerate(entries):
        r = e.release
        picked = selected is None or r.slug in selected
        if preview and not picked:
            continue
        if checkpoint is not None and i % 100 == 99:
            checkpoint()
        rkey = (digests or {}).get(r.path) or release_digest(r)
        if r.media:  # the loader's digest is of the release file: a photo replaced under its name is new
            rkey = digest(rkey, *(m.digest for m in r.media))
        state = f"{e.public:d}{r.is_embargoed(now):d}{r.is_draft:d}"
        areas = AREAS if e.public else (STAFF,)
        pdf_key = digest(keys.pdf, rkey, state)
        pdf_areas = tuple(
            a
            for a in areas
            if plan.want(e.files.pdf(a), pdf_key, disk, asked="pdf" in asked, selected=picked)
        )
        pdf_linked = all(e.files.pdf(a) in plan.outputs for a in areas)
        around = {
            a: (None, None) if r.is_translation else neighbours[a].get(r.slug, (None, None)) for a in AREAS
        }
        html_areas = []
        for area in areas:
            links = links_key((*around[area], *languages[area][r.slug]))
            key = digest(keys.html, rkey, state, area, f"{pdf_linked:d}", links)
            # A public page out of date may name a release that is no longer public (in its
            # previous/next links): `only` never keeps one.
            if plan.want(
                e.files.page(area), key, disk, asked="html" in asked, selected=picked or area == SITE
            ):
                html_areas.append(area)
        export = False
        if e.public and not r.is_translation:
            key = digest(keys.html, "json", rkey, f"{pdf_linked:d}", links_key(languages[SITE][r.slug]))
            export = plan.want(e.files.export, key, disk, asked="html" in asked)
        # The news items go wherever the page goes: site/ only while the release is public. Like
        # the page, a public item out of date may name a translation no longer public.
        ninjs_areas, newsml_areas = [], []
        for area in areas:
            links = links_key(languages[area][r.slug])
            key = digest(keys.html, "item", rkey, state, area, f"{pdf_linked:d}", links)
            keep = picked or area == SITE
            if plan.want(
                e.files.ninjs(area), digest(key, "ninjs"), disk, asked="html" in asked, selected=keep
            ):
                ninjs_areas.append(area)
            if plan.want(
                e.files.newsml(area), digest(key, "newsml"), disk, asked="html" in asked, selected=keep
            ):
                newsml_areas.append(area)
        email_key = digest(keys.email, rkey, state)
        email = plan.want(e.files.email, email_key, disk, asked="email" in asked, selected=picked)
        needs_summary = False
        translations: tuple[str, ...] = ()
        translated: tuple[Release, ...] = ()
        if not r.is_translation:
            translations = tuple(v.language for v in languages[SITE][r.slug][1:])
            # The search finds a release by the words of its public translations too.
            translated = tuple(t for t in newsroom.translations_of(r) if t.language in translations)
            texts = " ".join((digests or {}).get(t.path) or release_digest(t) for t in translated)
            summary_key = digest(keys.summary, rkey, state, " ".join(translations), texts)
            plan.summary_keys[r.slug] = summary_key
            needs_summary = not (known_summary and known_summary(summary_key, r, e.listed, translations))
        if html_areas or email or needs_summary or export or ninjs_areas or newsml_areas:
            plan.jobs.append(
                ReleaseJob(
                    release=r,
                    html_areas=tuple(html_areas),
                    email=email,
                    summary=needs_summary,
                    export=export,
                    ninjs_areas=tuple(ninjs_areas),
                    newsml_areas=tuple(newsml_areas),
                    pdf_linked=pdf_linked,
                    neighbours=tuple((a, *around[a]) for a in AREAS),
                    versions=tuple((a, languages[a][r.slug]) for a in AREAS),
                    translations=translations,
                    translated=translated,
                )
            )
        if pdf_areas:
            plan.jobs.append(ReleaseJob(release=r, pdf_areas=pdf_areas))
        if r.media and not r.is_translation:
            _plan_kit(plan, e, keys, disk, asked="html" in asked, selected=picked)
    plan.public = tuple(e.release.key for e in entries if e.public)
    plan.listed = tuple(e.release.key for e in entries if e.listed)
    plan.withheld = tuple(e.release.key for e in entries if not e.public)
    return plan


def _plan_kit(plan: Plan, e: _Entry, keys: Keys, disk: Disk, *, asked: bool, selected: bool) -> None:
    """A release's media kit: each file's copy for download, the photos' two widths, and the zip.

    Published where the release is listed, so never on the public site before
    it (nor after a withdrawal); in the staff tree always. Keyed by the files'
    digests alone: a new caption renders no photo again. Planned with the
    pages (`asked` is whether HTML is), which link them.
    """
    r = e.release
    areas = AREAS if e.listed else (STAFF,)
    outputs = []
    for m in r.media:
        variants: tuple[int | None, ...] = (None, WEB_WIDTH, THUMB_WIDTH) if m.is_image else (None,)
        for width in variants:
            key = digest(keys.media, m.digest, str(width))
            for area in areas:
                rel = e.files.media(area, m.name, width)
                if plan.want(rel, key, disk, asked=asked, selected=selected):
                    outputs.append((rel, m.name, width))
    zip_key = digest(keys.media, "zip", *sorted(f"{m.name}\x1f{m.digest}" for m in r.media))
    for area in areas:
        if plan.want(e.files.kit_zip(area), zip_key, disk, asked=asked, selected=selected):
            outputs.append((e.files.kit_zip(area), "", None))
    if outputs:
        plan.media.append(MediaJob(r.slug, r.media, tuple(outputs)))


def plan_preview(
    newsroom: Newsroom,
    now: datetime,
    keys: Keys,
    disk: Disk,
    slugs: Collection[str],
    *,
    formats: Collection[str],
    digests: Mapping[str, str] | None = None,
) -> Plan:
    """The staff page, PDF and email of some releases, planned as the build plans them, so that
    the build takes what the preview rendered for the same key; no export, no summary."""
    plan = plan_releases(
        newsroom, now, keys, disk, formats=formats, only=slugs, digests=digests, preview=True
    )
    staff = []
    for job in plan.jobs:
        job = job.only_staff()
        if job.html_areas or job.pdf_areas or job.email:
            staff.append(job)
    plan.jobs = staff
    plan.media = [j for j in (job.only(STAFF) for job in plan.media) if j.outputs]
    return plan


def plan_listings(
    plan: Plan,
    summaries: Mapping[str, Summary],
    summary_digests: Mapping[str, str],
    settings: Settings,
    contacts: Mapping[str, Contact],
    keys: Keys,
    disk: Disk,
    *,
    house_style: bool = False,
) -> None:
    """Add the listings, feeds and indexes of each area to `plan`, with the jobs of those due.

    `summaries` are the originals' listing summaries by slug, `summary_digests`
    their digests by slug; who is listed was decided with the releases (`plan.listed`),
    never taken from a summary. `house_style`: the listing templates are the house
    style's own (site.unread).
    """
    from pressroom.render import site

    listed = set(plan.listed)
    contact_digests: dict[str, str] = {}  # a contact's pages, some in each area, share its digest
    for area in AREAS:
        members = [s for s in summaries.values() if area == STAFF or s.slug in listed]
        members.sort(key=lambda s: (s.published, s.slug), reverse=True)
        files = site.site_files(area, members, settings, contacts)
        for f in files:
            rel = f"{area}/{f.path}"
            what = site.shown_by(f, files, summaries)
            shown_contacts = _contacts_shown(f, contacts)
            shown = ""
            if f.kind == "contact":
                (name,) = shown_contacts
                if name not in contact_digests:
                    contact_digests[name] = digest(_encode(shown_contacts))
                shown = contact_digests[name]
            key = digest(
                keys.listing,
                shown,
                _identity(f),
                what if what is not None else " ".join(summary_digests[m] for m in f.members),
            )
            if disk.fresh(rel, key):
                plan.outputs[rel] = (key, Outcome.FRESH)
                continue
            plan.outputs[rel] = (key, Outcome.RENDER)
            # Each job carries only the summaries it shows: the search index, all of them.
            carried = tuple(summaries[m] for m in f.members)
            unread = site.unread(f.kind, house_style=house_style)
            plan.listings.append(ListingJob(area, f, carried, shown_contacts, unread, house_style))


def _identity(f: SiteFile) -> str:
    """A listing file as text for its key: its path, kind, members in order and parameters. What
    its repr says, at a quarter of the cost for an archive's pages (slugs have no spaces)."""
    return f"{f.path}\x1f{f.kind}\x1f{' '.join(f.members)}\x1f{f.params!r}"


def _contacts_shown(f: SiteFile, contacts: Mapping[str, Contact]) -> Mapping[str, Contact]:
    """The contacts a listing file is made from: a contact's page, that one alone (an edit to
    another renders it no more); the sitemap, all of them, for the addresses of their pages
    (its key has those addresses: shown_by); any other file, none."""
    if f.kind == "contact":
        key = f.param("contact")
        return {key: contacts[key]}
    return contacts if f.kind == "sitemap" else {}


def plan_assets(plan: Plan, assets: Iterable[tuple[str, Any, str]], disk: Disk) -> list[tuple[Any, str]]:
    """The house style's assets (path under assets/, source, digest) in each area: those to copy."""
    copies = []
    for rel_asset, source, key in assets:
        for area in AREAS:
            rel = f"{area}/{asset(rel_asset)}"
            if disk.fresh(rel, key):
                plan.outputs[rel] = (key, Outcome.FRESH)
                continue
            plan.outputs[rel] = (key, Outcome.RENDER)
            copies.append((source, rel))
    return copies


def removals(plan: Plan, known: Iterable[str]) -> list[str]:
    """What build/ has (`known`: the outputs the last build recorded, or every file there) that no
    longer belongs in it."""
    return sorted(rel for rel in known if rel not in plan.outputs)


def build_state(
    newsroom: Newsroom,
    now: datetime,
    plan: Plan,
    *,
    inputs: str | None,
    formats: Collection[str],
    warnings: Sequence[Problem],
    closures: dict[str, Any],
) -> BuildState:
    """The state of a build of `newsroom` at `now`; `inputs` None when it was not of every release."""
    everything = (*newsroom.releases, *newsroom.translations)
    instants = sorted({i for r in everything for i in (r.published, r.embargo) if i is not None})
    return BuildState(
        inputs=inputs,
        formats=tuple(sorted(formats)),
        since=max((i for i in instants if i <= now), default=None),
        until=min((i for i in instants if i > now), default=None),
        public=plan.public,
        withheld=plan.withheld,
        warnings=tuple(warnings),
        closures=closures,
    )


def release_digest(release: Release) -> str:
    """The release as loaded, as a hash: as the loader has it (LoadCache.digests)."""
    return data_digest(_encode(release))


def links_key(links: Iterable[Link | Version | None]) -> str:
    """The links a page shows, as text for its key (much cheaper than encoding them)."""
    return "\x1e".join(
        f"{link.url}\x1f{link.title}\x1f\x1f0"
        if isinstance(link, Link)
        else f"{link.path}\x1f{link.label}\x1f{link.language}\x1f{link.outdated:d}"
        if link
        else "-"
        for link in links
    )


def _encode(value: object) -> Any:
    from pressroom.engine import codec

    return codec.encode(value)


def _languages(entries: Sequence[_Entry]) -> dict[str, dict[str, tuple[Version, ...]]]:
    """Per area and slug, the language versions a page links to (original first)."""
    by_slug: dict[str, list[_Entry]] = {}
    for e in entries:
        by_slug.setdefault(e.release.slug, []).append(e)
    found: dict[str, dict[str, tuple[Version, ...]]] = {area: {} for area in AREAS}
    for slug, group in by_slug.items():
        every = language_versions(e.release for e in group)
        found[STAFF][slug] = every
        # Mostly every version is public, or none: then the site shows what the staff tree does.
        public = [e.release for e in group if e.public]
        found[SITE][slug] = every if len(public) == len(group) else language_versions(public)
    return found


def _neighbours(entries: Sequence[_Entry], area: str) -> dict[str, tuple[Link | None, Link | None]]:
    """Previous (older) and next (newer) release of each, among those the area lists."""
    shown = [e for e in entries if area == STAFF or e.listed]
    links = [Link(e.release.title, e.files.folder) for e in shown]
    return {
        e.release.slug: (links[i + 1] if i + 1 < len(links) else None, links[i - 1] if i else None)
        for i, e in enumerate(shown)
    }
