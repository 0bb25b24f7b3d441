"""Stage four: bring build/ up to date: plan (plan.py), render (jobs.py), write (commit.py).

Every output is keyed by the hash of what it depends on (see cache.py); a
rebuild renders only outputs whose key changed or whose file in build/ is not
the one last written, removes outputs that no longer belong (a deleted
release, one that went back to draft), and commits the lot in one journalled
step. Rendering runs in this process for a handful of outputs and in a pool
of worker processes for more (or on a Dask cluster: cluster.py), through the
standard `concurrent.futures.Executor` interface; the jobs send back bytes,
and the staging folder (commit.py) is the one writer. Where each output goes
is layout.py's to say.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pressroom.engine import codec
from pressroom.engine.cache import BuildCache, LoadCache, Record, data_digest, shard_name, shard_of
from pressroom.engine.commit import (
    Staging,
    check_writable,
    lock,
    prepare,
    recover,
    temporary_files_in,
)
from pressroom.engine.disk import CacheDisk
from pressroom.engine.jobs import (
    Context,
    JobResult,
    ReleaseJob,
    run_batch,
    run_listings,
    run_media,
    worker_count,
)
from pressroom.engine.plan import (
    Outcome,
    Plan,
    Progress,
    build_state,
    plan_assets,
    plan_listings,
    plan_releases,
    removals,
)
from pressroom.engine.preview import Rendered, render_preview, take_ahead, take_media_ahead
from pressroom.engine.report import BuildReport
from pressroom.engine.templates import Templates, keys
from pressroom.errors import ContentError, Problem, Severity, UnknownSlug
from pressroom.layout import FORMATS, OUTPUT, WORKDIR
from pressroom.model import Newsroom, Release
from pressroom.workdir import ignored

if TYPE_CHECKING:  # the pool's modules are imported when a build starts one: most rebuilds do not
    from concurrent.futures import Executor
    from multiprocessing.context import BaseContext

T = TypeVar("T")
# Below these, rendering here beats starting a pool of workers (about a second with the PDF engine).
_INLINE_PAGES = 40
# A batch's result holds the bytes of every file it made (about 200 kB a release) until the build
# has staged them: batches of a fixed size keep that bounded, at any size of archive.
_BATCH_MAX = 16
_INLINE_PDFS = 3


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
    (default: every core); `executor` replaces the pool with any Executor,
    which may run the jobs on other machines (cluster.py: a Dask cluster).
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
        raise UnknownSlug(sorted(unknown))
    root = newsroom.root
    out, work = prepare(root)
    with lock(work):
        recovery = recover(work, out)
        check_writable(root, out)
        if clean:
            cache = BuildCache()
        elif loader is not None:
            cache = loader.source
        else:
            cache = BuildCache.read(work)
        if recovery.refused:  # build/ may be half moved: judge every file in it afresh
            cache = BuildCache(loaded=cache.loaded, rejected=cache.rejected)
        said = tuple(n for n in (recovery.refused, cache.rejected) if n)
        staging = Staging(work)

        def run_with(cache: BuildCache) -> _Run:
            run = _Run(newsroom, now, formats, only, out, cache, staging, loader, recovery.moved)
            run.prerendered = prerendered or {}
            run.checkpoint = checkpoint or _carry_on
            return run

        try:
            with temporary_files_in(staging.scratch):
                run = run_with(cache)
                try:
                    report = run.run(progress, jobs, executor)
                except _Distrusted as exc:  # found while planning, before anything was written
                    said += (str(exc),)
                    run = run_with(BuildCache())
                    report = run.run(progress, jobs, executor)
                report.notices = (*said, *report.notices)
            run.checkpoint()
            staging.commit(out, run.removes)
            next_cache = run.next_cache(inputs)
            if loader is not None:
                next_cache.loaded = loader.next
                loader.source = next_cache  # a second build with it (serve: PDFs after pages)
            next_cache.write(work)
            staging.finish()
        finally:
            staging.discard()
    return report


def _carry_on() -> None:
    """The checkpoint of a build nothing can end early."""


class _Distrusted(Exception):
    """The cache disagrees with what the releases and `now` say: the build starts again without it."""


def _batches(items: Sequence[T], executor: Executor | None, workers: int) -> list[list[T]]:
    """Small items in a few batches per worker: one costs less than a round trip to a worker."""
    if not items:
        return []
    # Here, one at a time: each is then a checkpoint where the build can end early.
    size = 1 if executor is None else max(1, min(_BATCH_MAX, math.ceil(len(items) / (workers * 4))))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _checked_summary(
    cache: BuildCache, key: str, r: Release, state: tuple[bool, bool, tuple[str, ...]]
) -> Any:
    """The cached summary of this key, if any; it must agree with the release at `now`.

    `state` is what the release is at `now`: (listed, embargoed, translations).
    Listings show what summaries say; whether a release is listed, a draft
    or under embargo is decided from the release, never taken from them.
    """
    from pressroom.render.summary import Summary

    entry = cache.summaries.get(key)
    if entry is None:
        return None
    try:
        summary = codec.decode(Summary, entry[1])
    except ValueError as exc:
        raise _Distrusted(
            ignored(shard_name(shard_of(key)), f"its summary of {r.path} is damaged ({exc})")
        ) from None
    listed, embargoed, translations = state
    told = (summary.slug, summary.public, summary.draft, summary.embargoed, summary.translations)
    if told != (r.slug, listed, r.is_draft, embargoed, translations):
        raise _Distrusted(
            ignored(shard_name(shard_of(key)), f"its summary of {r.path} is not that release's")
        )
    return summary


class _Run:
    """One build: plan, render here or in workers, and hand every file to the staging folder."""

    def __init__(
        self,
        newsroom: Newsroom,
        now: datetime,
        formats: Collection[str],
        only: Collection[str] | None,
        out: Path,
        cache: BuildCache,
        staging: Staging,
        loader: LoadCache | None,
        recovered: tuple[str, ...] = (),
    ) -> None:
        from pressroom.render.templating import template_dirs

        self.newsroom = newsroom
        self.now = now
        self.formats = set(formats)
        self.only = only
        self.out = out
        self.cache = cache
        self.staging = staging
        self.digests = loader.digests if loader is not None else {}
        self.prerendered: Mapping[str, Rendered] = {}
        self.checkpoint: Callable[[], None] = _carry_on
        self.report = BuildReport(out=out)
        self.problems: list[Problem] = []
        self.removes: list[str] = []
        self.summaries: dict[str, tuple[str, dict[str, Any]]] = {}  # summary key -> (digest, data)
        self.cached_summaries: dict[str, Any] = {}  # key -> Summary, checked against its release
        self.recovered = recovered  # files a killed build's journal put in build/
        self.templates = Templates(template_dirs(newsroom.templates), cache.state.get("closures"))
        self.keys = keys(newsroom.settings, self.templates)
        self.disk = CacheDisk(out, cache, recovered)
        self.plan = Plan()
        self.executor: Executor | None = None
        self.workers = 1
        self.ctx = Context(
            root=newsroom.root,
            settings=newsroom.settings,
            templates=newsroom.templates,
            now=now,
            templates_digest=self.templates.digest("all"),
            scratch=str(staging.scratch),
        )

    def run(self, progress: Progress | None, jobs: int | None, executor: Executor | None) -> BuildReport:
        self.plan = plan_releases(
            self.newsroom,
            self.now,
            self.keys,
            self.disk,
            formats=self.formats,
            only=self.only,
            digests=self.digests,
            known_summary=self._cached_summary,
            checkpoint=self.checkpoint,
        )
        self.report.public, self.report.withheld = self.plan.public, self.plan.withheld
        release_jobs = self._reuse(self.plan.jobs)
        media_jobs, ready = take_media_ahead(self.plan.media, self.prerendered, self.plan.due())
        for rel, ahead in ready.items():
            self._write(rel, ahead.data)
        self.checkpoint()
        self.workers = worker_count(jobs)
        pdfs = sum(1 for j in release_jobs if j.pdf_areas)
        # A kit's photos take about as long as a PDF: a job of its own, like a PDF.
        heavy_jobs = pdfs + len(media_jobs)
        inline = executor is None and (
            self.workers == 1 or (heavy_jobs <= _INLINE_PDFS and len(release_jobs) - pdfs < _INLINE_PAGES)
        )
        if executor is not None or inline:
            self.executor = executor
        else:
            self.executor = _pool(self.workers, self.staging.scratch, pdfs > 0)
        if executor is not None:  # it may send the jobs to other machines (cluster.py)
            self.ctx = dataclasses.replace(self.ctx, remote=True)
        if pdfs:
            from pressroom.render.pdf import SUBSETTING_MISSING, font_subsetting_available

            if not font_subsetting_available():
                self.report.notices += (SUBSETTING_MISSING,)
        try:
            if progress is not None:
                progress.start(len(release_jobs) + len(media_jobs))
            fresh: dict[str, dict[str, Any]] = {}
            heavy = [[j] for j in release_jobs if j.pdf_areas]  # PDFs one by one, as they take long
            light = _batches([j for j in release_jobs if not j.pdf_areas], self.executor, self.workers)
            for result in self._execute(run_batch, heavy + light, progress):
                if result.summary is not None:
                    fresh[str(result.summary["slug"])] = result.summary
            for _ in self._execute(run_media, [[j] for j in media_jobs], progress):
                pass
            self._listings(fresh)
        finally:
            if self.executor is not None and executor is None:
                self.executor.shutdown(wait=True, cancel_futures=True)
        for source, rel in plan_assets(self.plan, self.templates.assets(), self.disk):
            self.staging.copy(source, rel)
            self.report.rendered[rel.rsplit(".", 1)[-1]] += 1
        # Files a killed build's journal has just put in place are not in the cache:
        # a release that went back to draft since must not keep them.
        known = {*self.cache.outputs, *self.recovered} if self.cache.outputs else _files_under(self.out)
        self.removes = removals(self.plan, known)
        self.report.removed = len(self.removes)
        self.report.reused = self.plan.reused
        if any(p.severity is Severity.ERROR for p in self.problems):
            raise ContentError(sorted(set(self.problems)))
        self.report.warnings = tuple(sorted(set(self.newsroom.warnings) | set(self.problems)))
        return self.report

    def _cached_summary(self, key: str, r: Release, listed: bool, translations: tuple[str, ...]) -> bool:
        summary = _checked_summary(self.cache, key, r, (listed, r.is_embargoed(self.now), translations))
        if summary is not None:
            self.cached_summaries[key] = summary
        return summary is not None

    def _reuse(self, jobs: list[ReleaseJob]) -> list[ReleaseJob]:
        """Write what was rendered ahead for the same key, and take it out of the jobs."""
        left, ready = take_ahead(jobs, self.prerendered, self.plan.due())
        for rel, ahead in ready.items():
            self._write(rel, ahead.data)
            self.problems.extend(ahead.warnings)
        return left

    def _listings(self, fresh: dict[str, dict[str, Any]]) -> None:
        """Keep each original's summary (rendered now, or from the cache); plan and render the listings."""
        from pressroom.render.summary import Summary

        self.checkpoint()
        summaries: dict[str, Summary] = {}
        digests: dict[str, str] = {}
        for r in self.newsroom.releases:
            key = self.plan.summary_keys[r.slug]
            data = fresh.get(r.slug)
            if data is not None:
                entry = (data_digest(data), data)
                summaries[r.slug] = codec.decode(Summary, data)
            elif key in self.cached_summaries:
                entry = self.cache.summaries[key]
                summaries[r.slug] = self.cached_summaries[key]
            else:  # its render failed: the build stops with that problem
                continue
            digests[r.slug] = entry[0]
            self.summaries[key] = entry
        contacts = self.newsroom.contacts
        plan_listings(
            self.plan,
            summaries,
            digests,
            self.newsroom.settings,
            contacts,
            self.keys,
            self.disk,
            house_style=self.templates.house_style("listing"),
        )
        for _ in self._execute(run_listings, _batches(self.plan.listings, self.executor, self.workers), None):
            pass
        self.checkpoint()

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
            from concurrent.futures import as_completed

            futures = {self.executor.submit(fn, self.ctx, b): len(b) for b in batches}
            # Popped as they are taken in: a finished future holds its files' bytes.
            outcomes = ((f.result(), futures.pop(f)) for f in as_completed(futures))
        for results, count in outcomes:
            for result in results:
                self.problems.extend(result.problems)
                for rel, data in result.files.items():
                    self._write(rel, data)
                yield result
            if progress is not None:
                for _ in range(count):
                    progress.advance()
            self.checkpoint()

    def _write(self, rel: str, data: bytes) -> None:
        self.staging.write(rel, data)
        self.report.rendered[rel.rsplit(".", 1)[-1]] += 1

    def next_cache(self, inputs: str | None) -> BuildCache:
        """The cache for the next build: what build/ now holds, and this build's state."""
        cache = BuildCache(loaded=self.cache.loaded, inputs=self.cache.inputs, summaries=self.summaries)
        cache.on_disk = self.cache.on_disk  # the shards it need not write again
        for rel, (key, outcome) in self.plan.outputs.items():
            if outcome is Outcome.RENDER:
                written = self.staging.stats.get(rel)
                if written is None:
                    try:
                        st = os.lstat(self.out / rel)
                    except OSError:
                        continue
                    written = (st.st_size, st.st_mtime_ns)
                cache.outputs[rel] = Record(key, *written)
            elif rel in self.cache.outputs:
                old = self.cache.outputs[rel]
                cache.outputs[rel] = Record(key, old.size, old.mtime_ns)
        complete = self.only is None and not self.problems
        state = build_state(
            self.newsroom,
            self.now,
            self.plan,
            inputs=inputs if complete else None,
            formats=self.formats,
            warnings=self.report.warnings,
            closures=self.templates.closures,
        )
        cache.state = state.to_json()
        return cache


def load(
    root: Path,
    *,
    clean: bool = False,
    checkpoint: Callable[[], None] | None = None,
    cache: BuildCache | None = None,
) -> tuple[Newsroom, LoadCache]:
    """Load the newsroom for a build, reusing releases the last build loaded if unchanged.

    `checkpoint` is called before each release file and may raise to end the load.
    `cache` is the last build's cache when the caller has read it already (`up_to_date`).
    """
    from pressroom.content.loader import load_newsroom

    if clean:
        cache = BuildCache()
    elif cache is None:
        cache = BuildCache.read(root / WORKDIR)
    loader = LoadCache(cache, checkpoint)
    return load_newsroom(root, cache=loader), loader


def warm_pool(root: Path, formats: Collection[str], jobs: int | None, cache: BuildCache | None) -> bool:
    """Start the workers' server now, when this build will render every PDF with workers.

    The server imports the PDF engine (about a second) before it forks a worker;
    started before the newsroom is loaded, it does so on another core while this
    process loads and plans. Only when the cache holds no PDF (a first build, a
    --clean one, the first with PDFs) and there are more releases than a build
    renders here: a rebuild renders its few PDFs in this process, and would
    leave the server idle. True if it started the server (or found it started).
    """
    if "pdf" not in formats or worker_count(jobs) < 2:
        return False
    if cache is not None and any(rel.endswith(".pdf") for rel in cache.output_names()):
        return False
    try:
        with os.scandir(root / "releases") as found:
            files = sum(1 for entry in found if entry.name.endswith(".md"))
    except OSError:
        return False
    if files <= _INLINE_PDFS:
        return False
    _forkserver(pdf=True)
    return True


def _forkserver(*, pdf: bool) -> BaseContext:
    """The multiprocessing context of the workers, its server started (and kept for the process)."""
    import multiprocessing
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has imported these once: each starts warm. Set before the
    # server starts only: the first build of a process decides (warm_pool: the PDF engine too).
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
    return context


def _pool(workers: int, scratch: Path, pdf: bool) -> Executor:
    from concurrent.futures import ProcessPoolExecutor

    from pressroom.engine.jobs import init_worker

    context = _forkserver(pdf=pdf)
    # Each worker ends with this process, even one killed with SIGKILL (jobs.init_worker).
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=init_worker, initargs=(str(scratch), os.getpid())
    )


def _files_under(out: Path) -> list[str]:
    if not out.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(out):
        base = Path(folder).relative_to(out)
        found += [(base / name).as_posix() for name in files]
        found += [(base / name).as_posix() for name in dirs if (Path(folder) / name).is_symlink()]
    return found


__all__ = [
    "FORMATS",
    "OUTPUT",
    "WORKDIR",
    "BuildReport",
    "Progress",
    "Rendered",
    "build",
    "render_preview",
]
