"""Stage four: work out which outputs are out of date, render them, and commit them to build/.

Every output is keyed by the hash of what it depends on (see cache.py); a
rebuild renders only outputs whose key changed or whose file in build/ is not
the one last written, removes outputs that no longer belong (a deleted
release, one that went back to draft), and commits the lot in one journalled
step (commit.py). Rendering runs in this process for a handful of outputs and
in a pool of worker processes for more, through the standard
`concurrent.futures.Executor` interface.

Layout (relative to build/, see docs/urls.md):
    site/                    the public newsroom: nothing of a draft or an unexpired embargo
    staff/                   every release with its banners, for the press office
    email/<slug>.eml         the email version of every release, to send
"""

from __future__ import annotations

import dataclasses
import functools
import math
import multiprocessing
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

from pressroom.engine import codec
from pressroom.engine.cache import BuildCache, LoadCache, Record, digest, engine, file_digest
from pressroom.engine.commit import (
    OUTPUT,
    WORKDIR,
    Staging,
    check_writable,
    lock,
    prepare,
    recover,
    temporary_files_in,
)
from pressroom.engine.jobs import (
    Context,
    JobResult,
    Link,
    ListingJob,
    ReleaseJob,
    run_batch,
    run_listings,
    worker_count,
)
from pressroom.errors import BuildError, ContentError, Problem, Severity
from pressroom.model import Newsroom, Release

T = TypeVar("T")
FORMATS = ("html", "pdf", "email")
AREAS = ("staff", "site")
# Below these, rendering here beats starting a pool of workers (about a second with the PDF engine).
_INLINE_PAGES = 40
_INLINE_PDFS = 3


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self) -> None: ...


@dataclass
class BuildReport:
    out: Path
    rendered: Counter[str] = field(default_factory=Counter)  # files written, by extension
    reused: int = 0  # outputs already up to date in build/
    removed: int = 0
    public: tuple[str, ...] = ()
    withheld: tuple[str, ...] = ()  # built for staff only: drafts and unexpired embargoes
    warnings: tuple[Problem, ...] = ()
    notices: tuple[str, ...] = ()  # about this machine rather than the newsroom, said once a build


def build(
    newsroom: Newsroom,
    now: datetime,
    *,
    formats: Collection[str] = FORMATS,
    only: Collection[str] | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
    clean: bool = False,
    executor: Executor | None = None,
    inputs: str | None = None,
    loader: LoadCache | None = None,
    prerendered: Mapping[str, Rendered] | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> BuildReport:
    """Bring build/ up to date with the newsroom at instant `now`.

    `formats` limits what is rendered; `only` limits which releases are
    rendered again (the others keep their outputs as they are, as long as they
    still belong in the tree). `jobs` is the number of worker processes
    (default: every core); `executor` replaces the pool with any Executor.
    `clean` ignores the cache and renders everything. `inputs` is the
    `input_signature` taken before the newsroom was loaded: the next build
    compares it to tell, without loading anything, that nothing changed.
    `loader` is the cache the newsroom was loaded with (see `load`).
    `prerendered` holds outputs `render_preview` made ahead: one whose key is
    the one planned here is written as it is, not rendered again.
    `checkpoint` is called between steps and may raise to end the build,
    which then leaves build/ as it was.
    """
    unknown = set(only or ()) - {r.slug for r in newsroom.releases}
    if unknown:
        raise BuildError(f"no release with slug {', '.join(sorted(unknown))} in releases/")
    root = newsroom.root
    out, work = prepare(root)
    with lock(work):
        recover(work, out)
        check_writable(root, out)
        if clean:
            cache = BuildCache()
        elif loader is not None:
            cache = loader.source
        else:
            cache = BuildCache.read(work)
        staging = Staging(work)
        try:
            with temporary_files_in(staging.scratch):
                builder = _Builder(newsroom, now, set(formats), only, out, cache, staging, loader)
                builder.prerendered = prerendered or {}
                builder.checkpoint = checkpoint or _carry_on
                report = builder.run(progress, jobs, executor)
            builder.checkpoint()
            staging.commit(out, builder.removes)
            builder.record_written()
            builder.next_cache.state = builder.state(inputs)
            if loader is not None:
                builder.next_cache.loaded = loader.next
                loader.source = builder.next_cache  # a second build with it (serve: PDFs after pages)
            builder.next_cache.write(work)
        finally:
            staging.discard()
    return report


@dataclass(frozen=True, slots=True)
class Rendered:
    """An output rendered ahead of a build, with the key it was planned under and what it warned of."""

    key: str
    data: bytes
    warnings: tuple[Problem, ...] = ()


def render_preview(
    newsroom: Newsroom,
    now: datetime,
    slugs: Collection[str],
    *,
    formats: Collection[str],
    cache: BuildCache | None = None,
) -> tuple[dict[str, Rendered], tuple[Problem, ...]]:
    """The staff pages, PDFs and emails of some releases, rendered here and kept in memory.

    The preview's fast path, which shows a save before the build that follows
    it has planned a thousand outputs and rendered the listings. Outputs are
    planned exactly as build() plans them, against `cache` (the last build's),
    so that build() can take them as `prerendered`; nothing is written. Also
    returns the problems of the renders; an output whose render failed is left out.
    """
    from pressroom.engine.jobs import run_batch

    if cache is None:
        cache = BuildCache.read(newsroom.root / WORKDIR)
    builder = _Builder(newsroom, now, set(formats), slugs, newsroom.root / OUTPUT, cache, None)
    jobs = [
        dataclasses.replace(
            job,
            html_areas=tuple(a for a in job.html_areas if a == "staff"),
            pdf_areas=tuple(a for a in job.pdf_areas if a == "staff"),
            export=False,
            summary=False,
        )
        for job in builder._plan_releases(preview=True)
    ]
    rendered: dict[str, Rendered] = {}
    problems: list[Problem] = []
    for result in run_batch(builder.ctx, [j for j in jobs if j.html_areas or j.pdf_areas or j.email]):
        problems += result.problems
        if any(p.severity is Severity.ERROR for p in result.problems):
            continue
        for rel, data in result.files.items():
            rendered[rel] = Rendered(builder.pending[rel], data, tuple(result.problems))
    return rendered, tuple(problems)


def _carry_on() -> None:
    """The checkpoint of a build nothing can end early."""


@dataclass(frozen=True, slots=True)
class _Version:
    """One release or translation, with where its outputs go."""

    release: Release
    base: str  # "releases/<slug>/"
    name: str  # "<slug>"
    public: bool


class _Builder:
    def __init__(
        self,
        newsroom: Newsroom,
        now: datetime,
        formats: set[str],
        only: Collection[str] | None,
        out: Path,
        cache: BuildCache,
        staging: Staging | None,
        loader: LoadCache | None = None,
    ) -> None:
        self.newsroom = newsroom
        self.loader = loader
        self.now = now
        self.formats = formats
        self.only = set(only) if only is not None else None
        self.out = out
        self.cache = cache
        self.staging = staging  # None: render_preview, which writes nothing
        self.prerendered: Mapping[str, Rendered] = {}
        self.checkpoint: Callable[[], None] = _carry_on
        self.next_cache = BuildCache(loaded=cache.loaded, inputs=cache.inputs)
        self.report = BuildReport(out=out)
        self.problems: list[Problem] = []
        self.planned: dict[str, str] = {}  # output -> key, for everything that belongs in build/
        self.pending: dict[str, str] = {}  # output -> key, for what this build renders
        self.removes: list[str] = []
        from pressroom.render.templating import template_dirs

        dirs = template_dirs(newsroom.templates)
        self.templates = _Templates(dirs, cache.state.get("closures"))
        settings_key = digest(codec.encode(newsroom.settings))
        self.keys = {
            kind: digest(kind, engine(), settings_key, self.templates.digest(kind))
            for kind in ("html", "pdf", "email", "summary", "listing")
        }
        assets = self.templates.assets_digest()
        self.keys["pdf"] = digest(self.keys["pdf"], assets)
        self.keys["email"] = digest(self.keys["email"], assets)
        self.ctx = Context(
            root=newsroom.root,
            settings=newsroom.settings,
            templates=newsroom.templates,
            now=now,
            templates_digest=self.templates.digest("all"),
            staging=staging.path if staging is not None else None,
        )

    @property
    def _stage(self) -> Staging:
        assert self.staging is not None, "render_preview writes nothing"
        return self.staging

    # -- planning -------------------------------------------------------------

    def _versions(self) -> list[_Version]:
        """Every release and translation, with where its outputs go (docs/urls.md)."""
        from pressroom.model import is_public
        from pressroom.render.html import page_path

        found = [
            _Version(r, page_path(r), r.key, is_public(r, self.now))
            for r in (*self.newsroom.releases, *self.newsroom.translations)
        ]
        return found

    def _languages(self, versions: Sequence[_Version]) -> dict[str, dict[str, tuple[Link, ...]]]:
        """Per area and slug, the language versions a page links to (original first)."""
        from pressroom.render.html import version_labels

        by_slug: dict[str, list[_Version]] = {}
        for v in versions:
            by_slug.setdefault(v.release.slug, []).append(v)
        links: dict[str, dict[str, tuple[Link, ...]]] = {area: {} for area in AREAS}
        for slug, group in by_slug.items():
            group.sort(key=lambda v: (v.release.is_translation, v.release.language.lower()))
            for area in AREAS:
                shown = [v for v in group if area == "staff" or v.public]
                labels = version_labels([v.release.language for v in shown])
                links[area][slug] = tuple(
                    Link(v.base, label, v.release.language, v.release.is_outdated)
                    for v, label in zip(shown, labels, strict=True)
                )
        return links

    def _selected(self, r: Release) -> bool:
        return self.only is None or r.slug in self.only

    def _want(self, rel: str, key: str, fmt: str, selected: bool) -> bool:
        """Plan one output; True if it must be rendered, False if build/ has it (or it stays out)."""
        if self.cache.fresh(self.out, rel, key):
            self.planned[rel] = key
            self.report.reused += 1
            return False
        target = self.out / rel
        exists = target.is_file() and not target.is_symlink()
        if (fmt not in self.formats or not selected) and exists:
            # Not asked for now: keep last build's file, recorded as out of date for next time.
            self.planned[rel] = ""
            self.report.reused += 1
            return False
        if fmt not in self.formats:
            return False
        self.planned[rel] = self.pending[rel] = key
        return True

    def _plan_releases(self, preview: bool = False) -> list[ReleaseJob]:
        """The jobs of every release; with `preview`, only of the selected ones (see render_preview)."""
        versions = self._versions()
        originals = [v for v in versions if not v.release.is_translation]
        neighbours = {area: self._neighbours(originals, area) for area in AREAS}
        languages = self._languages([v for v in versions if not preview or self._selected(v.release)])
        jobs: list[ReleaseJob] = []
        self.summary_keys: dict[str, str] = {}
        for i, v in enumerate(versions):
            r, selected = v.release, self._selected(v.release)
            if preview and not selected:
                continue
            if i % 100 == 99:
                self.checkpoint()
            rkey = self._digest(r)
            state = f"{v.public:d}{r.is_embargoed(self.now):d}{r.is_draft:d}"
            areas = AREAS if v.public else ("staff",)
            pdf_key = digest(self.keys["pdf"], rkey, state)
            pdf_areas = tuple(
                a for a in areas if self._want(f"{a}/{v.base}{v.name}.pdf", pdf_key, "pdf", selected)
            )
            pdf_linked = all(f"{a}/{v.base}{v.name}.pdf" in self.planned for a in areas)
            around = {
                a: (None, None) if r.is_translation else neighbours[a].get(r.slug, (None, None))
                for a in AREAS
            }
            html_areas = []
            for area in areas:
                links = _links_key((*around[area], *languages[area][r.slug]))
                key = digest(self.keys["html"], rkey, state, area, f"{pdf_linked:d}", links)
                # A public page out of date may name a release that is no longer public (in its
                # previous/next links): `only` never keeps one.
                if self._want(f"{area}/{v.base}index.html", key, "html", selected or area == "site"):
                    html_areas.append(area)
            export = False
            if v.public and not r.is_translation:
                key = digest(
                    self.keys["html"], "json", rkey, f"{pdf_linked:d}", _links_key(languages["site"][r.slug])
                )
                export = self._want(f"site/{v.base}release.json", key, "html", True)
            email_key = digest(self.keys["email"], rkey, state)
            email = self._want(f"email/{v.name}.eml", email_key, "email", selected)
            needs_summary = False
            translations: tuple[str, ...] = ()
            translated: tuple[Release, ...] = ()
            if not r.is_translation:
                translations = tuple(link.language for link in languages["site"][r.slug][1:])
                # The search finds a release by the words of its public translations too.
                translated = tuple(t for t in self.newsroom.translations_of(r) if t.language in translations)
                texts = " ".join(self._digest(t) for t in translated)
                summary_key = digest(self.keys["summary"], rkey, state, " ".join(translations), texts)
                self.summary_keys[r.slug] = summary_key
                needs_summary = summary_key not in self.cache.summaries
            if html_areas or email or needs_summary or export:
                jobs.append(
                    ReleaseJob(
                        release=r,
                        base=v.base,
                        name=v.name,
                        html_areas=tuple(html_areas),
                        email=email,
                        summary=needs_summary,
                        export=export,
                        pdf_linked=pdf_linked,
                        neighbours=tuple((a, *around[a]) for a in AREAS),
                        versions=tuple((a, languages[a][r.slug]) for a in AREAS),
                        translations=translations,
                        translated=translated,
                    )
                )
            if pdf_areas:
                jobs.append(ReleaseJob(release=r, base=v.base, name=v.name, pdf_areas=pdf_areas))
        self.report.public = tuple(v.release.key for v in versions if v.public)
        self.report.withheld = tuple(v.release.key for v in versions if not v.public)
        return jobs

    def _digest(self, r: Release) -> str:
        """The release as loaded, as a hash: from the loader's cache when it has it."""
        known = self.loader.digests.get(r.path) if self.loader is not None else None
        return known or digest(codec.encode(r))

    @staticmethod
    def _neighbours(versions: Sequence[_Version], area: str) -> dict[str, tuple[Link | None, Link | None]]:
        """Previous (older) and next (newer) release of each, among those the area lists."""
        shown = [v for v in versions if area == "staff" or v.public]
        links = [Link(v.base, v.release.title) for v in shown]
        return {
            v.release.slug: (links[i + 1] if i + 1 < len(links) else None, links[i - 1] if i else None)
            for i, v in enumerate(shown)
        }

    # -- running --------------------------------------------------------------

    def run(self, progress: Progress | None, jobs: int | None, executor: Executor | None) -> BuildReport:
        release_jobs = self._reuse(self._plan_releases())
        self.checkpoint()
        workers = worker_count(jobs)
        pdfs = sum(1 for j in release_jobs if j.pdf_areas)
        inline = executor is None and (
            workers == 1 or (pdfs <= _INLINE_PDFS and len(release_jobs) - pdfs < _INLINE_PAGES)
        )
        self.executor: Executor | None = executor
        if executor is not None:  # it may run jobs elsewhere: they send their files back
            self.ctx = dataclasses.replace(self.ctx, staging=None)
        elif not inline:
            self.executor = _pool(workers, self._stage.scratch, pdfs > 0)
        self.workers = workers
        if pdfs:
            from pressroom.render.pdf import SUBSETTING_MISSING, font_subsetting_available

            if not font_subsetting_available():
                self.report.notices += (SUBSETTING_MISSING,)
        try:
            if progress is not None:
                progress.start(len(release_jobs))
            summaries: dict[str, dict[str, Any]] = {}
            heavy = [[j] for j in release_jobs if j.pdf_areas]  # PDFs one by one, as they take long
            light = self._batches([j for j in release_jobs if not j.pdf_areas])
            for result in self._execute(run_batch, heavy + light, progress):
                if result.summary is not None:
                    summaries[str(result.summary["slug"])] = result.summary
            self._keep_summaries(summaries)
            self.checkpoint()
            self._listings()
            self.checkpoint()
        finally:
            if self.executor is not None and executor is None:
                self.executor.shutdown(wait=True, cancel_futures=True)
        self._assets()
        self._removals()
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        if errors:
            raise ContentError(sorted(set(self.problems)))
        self.report.warnings = tuple(sorted(set(self.newsroom.warnings) | set(self.problems)))
        return self.report

    def _reuse(self, jobs: list[ReleaseJob]) -> list[ReleaseJob]:
        """Write what was rendered ahead for the same key, and take it out of the jobs."""
        if not self.prerendered:
            return jobs

        def ready(rel: str) -> bool:
            ahead = self.prerendered.get(rel)
            if ahead is None and rel.startswith("site/") and rel.endswith(".pdf"):
                ahead = self.prerendered.get("staff/" + rel[5:])  # one PDF for both: the same key
            if ahead is None or ahead.key != self.pending.get(rel):
                return False
            self._write(rel, ahead.data)
            self.problems.extend(ahead.warnings)
            return True

        left = []
        for job in jobs:
            job = dataclasses.replace(
                job,
                html_areas=tuple(a for a in job.html_areas if not ready(f"{a}/{job.base}index.html")),
                pdf_areas=tuple(a for a in job.pdf_areas if not ready(f"{a}/{job.base}{job.name}.pdf")),
                email=job.email and not ready(f"email/{job.name}.eml"),
            )
            if job.html_areas or job.pdf_areas or job.email or job.summary or job.export:
                left.append(job)
        return left

    def _batches(self, items: Sequence[T]) -> list[list[T]]:
        """Small items in a few batches per worker: one costs less than a round trip to a worker."""
        if not items:
            return []
        # Here, one at a time: each is then a checkpoint where the build can end early.
        size = 1 if self.executor is None else max(1, math.ceil(len(items) / (self.workers * 4)))
        return [list(items[i : i + size]) for i in range(0, len(items), size)]

    def _execute(
        self,
        fn: Callable[[Context, list[T]], list[JobResult]],
        batches: list[list[T]],
        progress: Progress | None,
    ) -> Iterator[JobResult]:
        """Run batches here or on the executor, taking in each result's files and problems."""
        if self.executor is None:
            outcomes: Iterable[tuple[list[JobResult], int]] = ((fn(self.ctx, b), len(b)) for b in batches)
        else:
            futures = {self.executor.submit(fn, self.ctx, b): len(b) for b in batches}
            outcomes = ((f.result(), futures[f]) for f in as_completed(futures))
        for results, count in outcomes:
            for result in results:
                self.problems.extend(result.problems)
                for rel, data in result.files.items():
                    self._write(rel, data)
                for rel in result.written:
                    self._stage.written.append(rel)
                    self.report.rendered[rel.rsplit(".", 1)[-1]] += 1
                yield result
            if progress is not None:
                for _ in range(count):
                    progress.advance()
            self.checkpoint()

    def _write(self, rel: str, data: bytes) -> None:
        self._stage.write(rel, data)
        self.report.rendered[rel.rsplit(".", 1)[-1]] += 1

    def _keep_summaries(self, fresh: dict[str, dict[str, Any]]) -> None:
        from pressroom.render.summary import Summary

        self.summaries: dict[str, Summary] = {}
        for r in self.newsroom.releases:
            key = self.summary_keys[r.slug]
            data = fresh.get(r.slug)
            if data is not None:
                entry = (digest(data), data)
            elif key in self.cache.summaries:
                entry = self.cache.summaries[key]
            else:  # its render failed: the build stops with that problem
                continue
            self.summaries[r.slug] = codec.decode(Summary, entry[1])
            self.next_cache.summaries[key] = entry

    def _listings(self) -> None:
        from pressroom.render import site

        contacts = self.newsroom.contacts
        contacts_key = digest(codec.encode(contacts))
        stale: list[ListingJob] = []
        for area in AREAS:
            members = [s for s in self.summaries.values() if area == "staff" or s.public]
            members.sort(key=lambda s: (s.published, s.slug), reverse=True)
            for f in site.site_files(area, members, self.newsroom.settings, contacts):
                rel = f"{area}/{f.path}"
                key = digest(
                    self.keys["listing"],
                    contacts_key if f.kind == "contact" else "",
                    repr(f),  # a frozen record of text: its repr is stable
                    " ".join(self.next_cache.summaries[self.summary_keys[m]][0] for m in f.members),
                )
                if self.cache.fresh(self.out, rel, key):
                    self.planned[rel] = key
                    self.report.reused += 1
                    continue
                self.planned[rel] = self.pending[rel] = key
                # Each job carries only the summaries it shows: the search index, all of them.
                shown = tuple(self.summaries[m] for m in f.members)
                stale.append(ListingJob(area, f, shown, contacts if f.kind == "contact" else {}))
        for _ in self._execute(run_listings, self._batches(stale), None):
            pass

    def _assets(self) -> None:
        """templates/assets/ (built-in first, the newsroom's own on top) into each area."""
        for rel_asset, source, data_key in self.templates.assets():
            for area in AREAS:
                rel = f"{area}/assets/{rel_asset}"
                if self.cache.fresh(self.out, rel, data_key):
                    self.planned[rel] = data_key
                    self.report.reused += 1
                    continue
                self.planned[rel] = self.pending[rel] = data_key
                self._stage.copy(source, rel)
                self.report.rendered[rel.rsplit(".", 1)[-1]] += 1

    def _removals(self) -> None:
        """What build/ has that no longer belongs: recorded outputs, or everything after a lost cache."""
        if self.cache.outputs:
            known: Iterable[str] = self.cache.outputs
        else:
            known = _files_under(self.out)
        self.removes = [rel for rel in known if rel not in self.planned]
        self.report.removed = len(self.removes)

    def state(self, inputs: str | None) -> dict[str, Any]:
        """What the next build needs to tell that it has nothing to do."""
        everything = (*self.newsroom.releases, *self.newsroom.translations)
        instants = sorted({i for r in everything for i in (r.published, r.embargo) if i is not None})
        since = max((i for i in instants if i <= self.now), default=None)
        until = min((i for i in instants if i > self.now), default=None)
        complete = self.only is None and not self.problems
        return {
            "inputs": inputs if complete else None,
            "formats": sorted(self.formats),
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "public": list(self.report.public),
            "withheld": list(self.report.withheld),
            "warnings": [codec.encode(w) for w in self.report.warnings],
            "closures": self.templates.closures,
        }

    def record_written(self) -> None:
        """Fill the next cache with what build/ now holds."""
        for rel, key in self.planned.items():
            if rel in self.pending:
                try:
                    st = os.lstat(self.out / rel)
                except OSError:
                    continue
                self.next_cache.outputs[rel] = Record(key, st.st_size, st.st_mtime_ns)
            elif rel in self.cache.outputs:
                old = self.cache.outputs[rel]
                self.next_cache.outputs[rel] = Record(key or "", old.size, old.mtime_ns)


def load(
    root: Path, *, clean: bool = False, checkpoint: Callable[[], None] | None = None
) -> tuple[Newsroom, LoadCache]:
    """Load the newsroom for a build, reusing releases the last build loaded if unchanged.

    `checkpoint` is called before each release file and may raise to end the load.
    """
    from pressroom.content.loader import load_newsroom

    loader = LoadCache(BuildCache() if clean else BuildCache.read(root / WORKDIR), checkpoint)
    return load_newsroom(root, cache=loader), loader


def input_signature(root: Path) -> str:
    """Names, sizes and modification times of every file a build reads, as one digest."""
    from pressroom.render.templating import DEFAULT_TEMPLATES

    entries: list[tuple[str, int, int]] = []
    folders = [(root / "releases", "r"), (root / "contacts", "c"), (root / "templates", "t")]
    folders.append((DEFAULT_TEMPLATES, "d"))

    def scan(folder: str, label: str) -> None:
        try:
            with os.scandir(folder) as found:
                for entry in found:
                    name = f"{label}/{entry.name}"
                    if entry.is_dir():
                        scan(entry.path, name)
                    elif entry.is_file():
                        st = entry.stat()
                        entries.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            pass

    for folder, tag in folders:
        scan(str(folder), tag)
    settings = root / "pressroom.toml"
    if settings.is_file():
        st = settings.stat()
        entries.append(("pressroom.toml", st.st_size, st.st_mtime_ns))
    return digest(engine(), sorted(entries))


def up_to_date(
    root: Path, now: datetime, inputs: str, formats: Collection[str] = FORMATS
) -> BuildReport | None:
    """The report of the last build if it is still exactly right for `now`, else None.

    True when no source file changed since a build of every release in at least
    these formats, no embargo or publication instant has passed since, and every
    output is still the file that build wrote: then there is nothing to do, and
    nothing is loaded or rendered.
    """
    from pressroom.engine.commit import JOURNAL

    out, work = root / OUTPUT, root / WORKDIR
    if not out.is_dir() or out.is_symlink() or (work / JOURNAL).exists():
        return None
    cache = BuildCache.read(work)
    state = cache.state
    try:
        if not inputs or state.get("inputs") != inputs or not set(formats) <= set(state["formats"]):
            return None
        since, until = state["since"], state["until"]
        if since is not None and now < datetime.fromisoformat(since):
            return None
        if until is not None and now >= datetime.fromisoformat(until):
            return None
        if not all(cache.fresh(out, rel, rec.key) for rel, rec in cache.outputs.items()):
            return None
        warnings = tuple(codec.decode(Problem, w) for w in state["warnings"])
        return BuildReport(
            out=out,
            reused=len(cache.outputs),
            public=tuple(str(s) for s in state["public"]),
            withheld=tuple(str(s) for s in state["withheld"]),
            warnings=warnings,
        )
    except (KeyError, TypeError, ValueError):
        return None


def _links_key(links: Iterable[Link | None]) -> str:
    """The links a page shows, as text for its key (much cheaper than encoding them)."""
    return "\x1e".join(
        f"{link.path}\x1f{link.title}\x1f{link.language}\x1f{link.outdated:d}" if link else "-"
        for link in links
    )


def _pool(workers: int, scratch: Path, pdf: bool) -> Executor:
    from multiprocessing import forkserver

    from pressroom.engine.jobs import init_worker

    context = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has imported these once: each starts warm.
    preload = ["pressroom.engine.jobs", "pressroom.render.html", "pressroom.render.mail"]
    context.set_forkserver_preload([*preload, "pressroom.render.pdf", "weasyprint"] if pdf else preload)
    # The server outlives this build (and its scratch folder): it keeps its socket in the
    # usual temporary folder, not in the one the build points tempfile at.
    saved, tempfile.tempdir = tempfile.tempdir, None
    # Its socket path must fit in a Unix socket address (about 100 bytes).
    short = Path("/tmp")  # noqa: S108 - only where the socket goes, as multiprocessing itself does
    if len(tempfile.gettempdir()) > 60 and short.is_dir():
        tempfile.tempdir = str(short)
    try:
        forkserver.ensure_running()
    finally:
        tempfile.tempdir = saved
    return ProcessPoolExecutor(workers, mp_context=context, initializer=init_worker, initargs=(str(scratch),))


def _files_under(out: Path) -> list[str]:
    if not out.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(out):
        base = Path(folder).relative_to(out)
        found += [(base / name).as_posix() for name in files]
        found += [(base / name).as_posix() for name in dirs if (Path(folder) / name).is_symlink()]
    return found


class _Templates:
    """The templates and assets a newsroom renders with, and which of them each kind of output uses."""

    ENTRIES: ClassVar[dict[str, tuple[str, ...]]] = {
        "html": ("release.html",),
        "pdf": ("release.pdf.html",),
        "email": ("release.email.html", "release.email.txt"),
        "summary": (),
    }

    def __init__(self, dirs: Sequence[Path], known: Any = None) -> None:
        self.dirs = dirs
        self.files: dict[str, Path] = {}  # template name -> the file that wins
        for folder in reversed(dirs):
            for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
                rel = path.relative_to(folder).as_posix()
                if path.is_file() and not rel.startswith("assets/"):
                    self.files[rel] = path
        self._digests = {name: file_digest(path.read_bytes()) for name, path in self.files.items()}
        # Which templates each kind reaches, kept with the cache: parsing them all takes a while.
        self._version = digest(sorted(self._digests.items()))
        self.closures: dict[str, Any] = {"version": self._version}
        if isinstance(known, dict) and known.get("version") == self._version:
            self.closures = known

    def digest(self, kind: str) -> str:
        """What outputs of `kind` are made from: the templates they reach, and every catalogue."""
        if kind == "all":
            return digest(sorted(self._digests.items()))
        shared = sorted((n, d) for n, d in self._digests.items() if not n.endswith((".html", ".txt", ".xml")))
        if kind == "listing":
            entries = [
                n for n in self.files if "/" not in n and not n.startswith("release.") and n.endswith(".html")
            ]
        else:
            entries = list(self.ENTRIES[kind])
        cached = self.closures.get(kind)
        if isinstance(cached, list) and all(isinstance(n, str) and n in self._digests for n in cached):
            used = set(cached)
        else:
            used = self._closure(entries)
            self.closures[kind] = sorted(used)
        return digest(shared, sorted((n, self._digests[n]) for n in used))

    def _closure(self, entries: Iterable[str]) -> set[str]:
        import jinja2
        from jinja2 import meta

        env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # parsed, never rendered
        seen: set[str] = set()
        todo = [e for e in entries if e in self.files]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            try:
                refs = list(meta.find_referenced_templates(env.parse(self.files[name].read_text())))
            except (jinja2.TemplateSyntaxError, UnicodeDecodeError, OSError):
                refs = [None]
            if None in refs:  # a name computed at render time: it may use any template
                return set(self.files)
            todo += [r for r in refs if r is not None and r in self.files]
        return seen

    @functools.cached_property
    def _assets(self) -> list[tuple[str, Path, str]]:
        found: dict[str, Path] = {}
        for folder in reversed(self.dirs):
            source = folder / "assets"
            for path in sorted(source.rglob("*")) if source.is_dir() else ():
                if not path.is_file():
                    continue
                # A link in templates/ must not copy a file from elsewhere into the public site.
                if not any(path.resolve().is_relative_to(d.resolve()) for d in self.dirs):
                    continue
                found[path.relative_to(source).as_posix()] = path
        return [(rel, path, file_digest(path.read_bytes())) for rel, path in sorted(found.items())]

    def assets(self) -> list[tuple[str, Path, str]]:
        """(path under assets/, the file that wins, its digest), refusing links out of the folders."""
        return self._assets

    def assets_digest(self) -> str:
        return digest([(rel, d) for rel, _, d in self.assets()])


__all__ = ["FORMATS", "OUTPUT", "WORKDIR", "BuildReport", "Progress", "Rendered", "build", "render_preview"]
