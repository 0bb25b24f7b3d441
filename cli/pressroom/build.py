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
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pressroom import codec
from pressroom.cache import BuildCache, Record, digest, engine, file_digest
from pressroom.commit import OUTPUT, Staging, check_writable, lock, prepare, recover, temporary_files_in
from pressroom.errors import BuildError, ContentError, Problem, Severity
from pressroom.model import Newsroom, Release
from pressroom.render.jobs import (
    Context,
    JobResult,
    Link,
    ListingJob,
    ReleaseJob,
    run_batch,
    run_listings,
    worker_count,
)

T = TypeVar("T")
FORMATS = ("html", "pdf", "email")
AREAS = ("staff", "site")
_INLINE_PAGES = 40  # fewer release pages than this, and no second PDF: render here, not in a pool


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
) -> BuildReport:
    """Bring build/ up to date with the newsroom at instant `now`.

    `formats` limits what is rendered; `only` limits which releases are
    rendered again (the others keep their outputs as they are, as long as they
    still belong in the tree). `jobs` is the number of worker processes
    (default: every core); `executor` replaces the pool with any Executor.
    `clean` ignores the cache and renders everything. `inputs` is the
    `input_signature` taken before the newsroom was loaded: the next build
    compares it to tell, without loading anything, that nothing changed.
    """
    unknown = set(only or ()) - {r.slug for r in newsroom.releases}
    if unknown:
        raise BuildError(f"no release with slug {', '.join(sorted(unknown))} in releases/")
    root = newsroom.root
    out, work = prepare(root)
    with lock(work):
        recover(work, out)
        check_writable(root, out)
        cache = BuildCache() if clean else BuildCache.read(work)
        staging = Staging(work)
        try:
            with temporary_files_in(staging.scratch):
                builder = _Builder(newsroom, now, set(formats), only, out, cache, staging)
                report = builder.run(progress, jobs, executor)
            staging.commit(out, builder.removes)
            builder.record_written()
            builder.next_cache.state = builder.state(inputs)
            builder.next_cache.write(work)
        finally:
            staging.discard()
    return report


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
        staging: Staging,
    ) -> None:
        self.newsroom = newsroom
        self.now = now
        self.formats = formats
        self.only = set(only) if only is not None else None
        self.out = out
        self.cache = cache
        self.staging = staging
        self.next_cache = BuildCache(loaded=cache.loaded, inputs=cache.inputs)
        self.report = BuildReport(out=out)
        self.problems: list[Problem] = []
        self.planned: dict[str, str] = {}  # output -> key, for everything that belongs in build/
        self.pending: dict[str, str] = {}  # output -> key, for what this build renders
        self.removes: list[str] = []
        from pressroom.templating import template_dirs

        dirs = template_dirs(newsroom.templates)
        self.templates = _Templates(dirs)
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
            staging=staging.path,
        )

    # -- planning -------------------------------------------------------------

    def _versions(self) -> list[_Version]:
        return [
            _Version(r, f"releases/{r.slug}/", r.slug, r.is_public(self.now)) for r in self.newsroom.releases
        ]

    def _selected(self, r: Release) -> bool:
        return self.only is None or r.slug in self.only

    def _want(self, rel: str, key: str, fmt: str, selected: bool) -> bool:
        """Plan one output; True if it must be rendered, False if build/ has it (or it stays out)."""
        if self.cache.fresh(self.out, rel, key):
            self.planned[rel] = key
            self.report.reused += 1
            return False
        exists = os.path.isfile(self.out / rel) and not os.path.islink(self.out / rel)
        if (fmt not in self.formats or not selected) and exists:
            # Not asked for now: keep last build's file, recorded as out of date for next time.
            self.planned[rel] = ""
            self.report.reused += 1
            return False
        if fmt not in self.formats:
            return False
        self.planned[rel] = self.pending[rel] = key
        return True

    def _plan_releases(self) -> list[ReleaseJob]:
        versions = self._versions()
        neighbours = {area: self._neighbours(versions, area) for area in AREAS}
        jobs: list[ReleaseJob] = []
        self.summary_keys: dict[str, str] = {}
        for v in versions:
            r, selected = v.release, self._selected(v.release)
            rkey = digest(codec.encode(r))
            state = [v.public, r.is_embargoed(self.now), r.is_draft]
            areas = AREAS if v.public else ("staff",)
            pdf_key = digest(self.keys["pdf"], rkey, state)
            pdf_areas = tuple(
                a for a in areas if self._want(f"{a}/{v.base}{v.name}.pdf", pdf_key, "pdf", selected)
            )
            pdf_linked = all(f"{a}/{v.base}{v.name}.pdf" in self.planned for a in areas)
            html_areas = []
            for area in areas:
                prev, nxt = neighbours[area].get(r.slug, (None, None))
                key = digest(self.keys["html"], rkey, state, area, pdf_linked, codec.encode((prev, nxt)))
                if self._want(f"{area}/{v.base}index.html", key, "html", selected):
                    html_areas.append(area)
            email_key = digest(self.keys["email"], rkey, state)
            email = self._want(f"email/{v.name}.eml", email_key, "email", selected)
            summary_key = digest(self.keys["summary"], rkey, state)
            self.summary_keys[r.slug] = summary_key
            needs_summary = summary_key not in self.cache.summaries
            if html_areas or email or needs_summary:
                jobs.append(
                    ReleaseJob(
                        release=r,
                        base=v.base,
                        name=v.name,
                        html_areas=tuple(html_areas),
                        email=email,
                        summary=needs_summary,
                        pdf_linked=pdf_linked,
                        neighbours=tuple((a, *neighbours[a].get(r.slug, (None, None))) for a in AREAS),
                    )
                )
            if pdf_areas:
                jobs.append(ReleaseJob(release=r, base=v.base, name=v.name, pdf_areas=pdf_areas))
        self.report.public = tuple(v.release.slug for v in versions if v.public)
        self.report.withheld = tuple(v.release.slug for v in versions if not v.public)
        return jobs

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
        release_jobs = self._plan_releases()
        workers = worker_count(jobs)
        pdfs = sum(1 for j in release_jobs if j.pdf_areas)
        inline = executor is None and (
            workers == 1 or (pdfs <= 1 and len(release_jobs) - pdfs < _INLINE_PAGES)
        )
        self.executor: Executor | None = executor
        if executor is not None:  # it may run jobs elsewhere: they send their files back
            self.ctx = dataclasses.replace(self.ctx, staging=None)
        elif not inline:
            self.executor = _pool(workers, self.staging.scratch, pdfs > 0)
        self.workers = workers
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
            self._listings()
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

    def _batches(self, items: Sequence[T]) -> list[list[T]]:
        """Small items in a few batches per worker: one costs less than a round trip to a worker."""
        if not items:
            return []
        size = len(items) if self.executor is None else max(1, math.ceil(len(items) / (self.workers * 4)))
        return [list(items[i : i + size]) for i in range(0, len(items), size)]

    def _execute(
        self, fn: Callable[[Context, list[T]], list[JobResult]], batches: list[list[T]], progress: Progress | None
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
                    self.staging.written.append(rel)
                    self.report.rendered[rel.rsplit(".", 1)[-1]] += 1
                yield result
            if progress is not None:
                for _ in range(count):
                    progress.advance()

    def _write(self, rel: str, data: bytes) -> None:
        self.staging.write(rel, data)
        self.report.rendered[rel.rsplit(".", 1)[-1]] += 1

    def _keep_summaries(self, fresh: dict[str, dict[str, Any]]) -> None:
        from pressroom.render.summary import Summary

        self.summaries: dict[str, Summary] = {}
        for r in self.newsroom.releases:
            key = self.summary_keys[r.slug]
            data = fresh.get(r.slug)
            if data is None:
                data = self.cache.summaries[key][1]
            summary = codec.decode(Summary, data)
            self.summaries[r.slug] = summary
            self.next_cache.summaries[key] = (digest(data), data)

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
                    codec.encode(f),
                    [self.next_cache.summaries[self.summary_keys[m]][0] for m in f.members],
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
                self.staging.copy(source, rel)
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
        instants = sorted(
            {i for r in self.newsroom.releases for i in (r.published, r.embargo) if i is not None}
        )
        since = max((i for i in instants if i <= self.now), default=None)
        until = min((i for i in instants if i > self.now), default=None)
        complete = self.only is None and self.formats >= set(FORMATS) and not self.problems
        return {
            "inputs": inputs if complete else None,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "public": list(self.report.public),
            "withheld": list(self.report.withheld),
            "warnings": [codec.encode(w) for w in self.report.warnings],
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


def input_signature(root: Path) -> str:
    """Names, sizes and modification times of every file a build reads, as one digest."""
    from pressroom.templating import DEFAULT_TEMPLATES

    entries: list[tuple[str, int, int]] = []
    folders = [(root / "releases", "r"), (root / "contacts", "c"), (root / "templates", "t")]
    folders.append((DEFAULT_TEMPLATES, "d"))
    for folder, tag in folders:
        for dirpath, _, names in os.walk(folder):
            for name in names:
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                entries.append((f"{tag}:{os.path.relpath(path, folder)}", st.st_size, st.st_mtime_ns))
    for name in ("pressroom.toml",):
        try:
            st = os.stat(root / name)
            entries.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            pass
    return digest(engine(), sorted(entries))


def up_to_date(root: Path, now: datetime, inputs: str) -> BuildReport | None:
    """The report of the last build if it is still exactly right for `now`, else None.

    True when no source file changed since a complete build (every format, every
    release), no embargo or publication instant has passed since, and every
    output is still the file that build wrote: then there is nothing to do, and
    nothing is loaded or rendered.
    """
    from pressroom.commit import JOURNAL

    out, work = root / OUTPUT, root / ".pressroom"
    if not out.is_dir() or (work / JOURNAL).exists():
        return None
    cache = BuildCache.read(work)
    state = cache.state
    try:
        if not inputs or state.get("inputs") != inputs:
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


def _pool(workers: int, scratch: Path, pdf: bool) -> Executor:
    from pressroom.render.jobs import init_worker

    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has imported these once: each starts warm.
    preload = ["pressroom.render.jobs", "pressroom.render.html", "pressroom.render.mail"]
    context.set_forkserver_preload([*preload, "pressroom.render.pdf", "weasyprint"] if pdf else preload)
    # The server outlives this build (and its scratch folder): it keeps its socket in the
    # usual temporary folder, not in the one the build points tempfile at.
    saved, tempfile.tempdir = tempfile.tempdir, None
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
        found += [(base / name).as_posix() for name in dirs if os.path.islink(os.path.join(folder, name))]
    return found


class _Templates:
    """The templates and assets a newsroom renders with, and which of them each kind of output uses."""

    ENTRIES: dict[str, tuple[str, ...]] = {
        "html": ("release.html",),
        "pdf": ("release.pdf.html",),
        "email": ("release.email.html", "release.email.txt"),
        "summary": (),
    }

    def __init__(self, dirs: Sequence[Path]) -> None:
        self.dirs = dirs
        self.files: dict[str, Path] = {}  # template name -> the file that wins
        for folder in reversed(dirs):
            for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
                rel = path.relative_to(folder).as_posix()
                if path.is_file() and not rel.startswith("assets/"):
                    self.files[rel] = path
        self._digests = {name: file_digest(path.read_bytes()) for name, path in self.files.items()}

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
        used = self._closure(entries)
        return digest(shared, sorted((n, self._digests[n]) for n in used))

    def _closure(self, entries: Iterable[str]) -> set[str]:
        import jinja2
        from jinja2 import meta

        env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
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


__all__ = ["FORMATS", "BuildReport", "Progress", "build"]
