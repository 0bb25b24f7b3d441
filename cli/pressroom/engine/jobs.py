"""Units of rendering work that can run in this process or in a pool of workers.

A job is plain data in and plain data out (files as bytes, problems, a listing
summary), so any `concurrent.futures.Executor` can run it: a process pool here,
or the workers of a Dask cluster (cluster.py), which need nothing more than
pickling. Nothing here writes a file: the build hands the bytes to its one
writer (commit.py); templates and house-style assets are read, so a worker on
another machine must see them at the same path (`_check_templates`).

Each process keeps what is slow to make and the same for every document — the
Jinja environment and the PDF engine's fonts and parsed stylesheets — so the
second release costs only its own layout.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pressroom.engine import codec
from pressroom.errors import BuildError, ClusterError, ContentError, PressroomError, Problem, Severity
from pressroom.layout import NEWSML, NINJS, SITE, STAFF, Files, folder
from pressroom.model import Contact, Link, MediaFile, Release, Settings, Version

if TYPE_CHECKING:
    import jinja2

    from pressroom.render.pages import Entries
    from pressroom.render.site import SiteFile
    from pressroom.render.summary import Summary
    from pressroom.render.view import ReleaseView


@dataclass(frozen=True, slots=True)
class Context:
    """What every job of one build shares."""

    root: Path
    settings: Settings
    templates: Path | None  # the newsroom's own templates/, if any
    now: datetime
    templates_digest: str  # changes when a template changes, so a warm environment is rebuilt
    # The jobs may run on other machines (an executor given to the build): each process
    # first checks that the templates it sees are the ones the outputs' keys were made from.
    remote: bool = False
    # The build's scratch folder, where its processes keep temporary files (None outside a
    # build: the preview): the build's PDFs share a font set-up there (render.pdf.build_fonts).
    scratch: str | None = None


@dataclass(frozen=True, slots=True)
class ReleaseJob:
    """Render some outputs of one release (one language version)."""

    release: Release
    html_areas: tuple[str, ...] = ()  # areas to write the page into: "staff", "site"
    pdf_areas: tuple[str, ...] = ()
    email: bool = False
    summary: bool = False
    export: bool = False  # the machine-readable release.json of a public original
    ninjs_areas: tuple[str, ...] = ()  # areas to write its IPTC ninjs item into
    newsml_areas: tuple[str, ...] = ()  # and its NewsML-G2 newsItem
    pdf_linked: bool = False  # the page links a PDF (there is one, or there will be)
    # (area, previous, next): the releases either side, each linked by its folder in the area
    neighbours: tuple[tuple[str, Link | None, Link | None], ...] = ()
    versions: tuple[tuple[str, tuple[Version, ...]], ...] = ()  # (area, versions incl. this one)
    translations: tuple[str, ...] = ()  # language tags shown beside it in listings
    translated: tuple[Release, ...] = ()  # those translations, whose words the search index adds

    @property
    def files(self) -> Files:
        return Files.of(self.release)

    def only_staff(self) -> ReleaseJob:
        """This job's staff page, PDF and email: what the preview shows (no export, no news item)."""
        return dataclasses.replace(
            self,
            html_areas=tuple(a for a in self.html_areas if a == STAFF),
            pdf_areas=tuple(a for a in self.pdf_areas if a == STAFF),
            export=False,
            summary=False,
            ninjs_areas=(),
            newsml_areas=(),
        )


@dataclass(frozen=True, slots=True)
class MediaJob:
    """Publish some copies of one release's media kit: (path in build/, kit file, width) each.

    Width None is the copy for download; a name "" is the kit's zip, which
    holds the download copy of every file.
    """

    slug: str
    media: tuple[MediaFile, ...]
    outputs: tuple[tuple[str, str, int | None], ...]

    def only(self, area: str) -> MediaJob:
        return dataclasses.replace(
            self, outputs=tuple(o for o in self.outputs if o[0].startswith(f"{area}/"))
        )


@dataclass(frozen=True, slots=True)
class ListingJob:
    """One listing, feed or index file of an area, with the summaries it shows."""

    area: str
    file: SiteFile
    summaries: tuple[Summary, ...]
    contacts: Mapping[str, Contact]
    unread: tuple[str, ...] = ()  # summary fields the file is made without (site.unread)
    house_style: bool = False  # its templates are the house style's own (pages.Entries)

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent to a worker, the summaries go without their `unread` fields: the body's HTML and
        the search words were most of what a clean build's listing jobs carried (48 MB at
        1,000 releases). Here, in this process, nothing is copied."""
        from pressroom.render.site import without

        summaries = without(self.summaries, self.unread)
        return (ListingJob, (self.area, self.file, summaries, self.contacts, (), self.house_style))


@dataclass
class JobResult:
    files: dict[str, bytes] = field(default_factory=dict)  # path in build/ -> content
    summary: dict[str, Any] | None = None  # codec form of render.summary.Summary
    problems: list[Problem] = field(default_factory=list)


_environments: dict[tuple[str | None, str], jinja2.Environment] = {}


def environment(ctx: Context) -> jinja2.Environment:
    """This process's environment for the newsroom's templates as they are now."""
    from pressroom.render.templating import environment as make

    key = (str(ctx.templates) if ctx.templates else None, ctx.templates_digest)
    env = _environments.get(key)
    if env is None:
        _environments.clear()
        env = _environments[key] = make(ctx.templates)
    return env


def init_worker(scratch: str, build: int | None = None) -> None:
    """Pool initializer: temporary files of the PDF engine go beside the build, not to /tmp; and
    the worker ends with the build process `build`.

    A build killed with SIGKILL cannot stop its workers, and they would never
    notice on their own: each holds both ends of the pool's queues, and keeps
    the fork server alive. Left rendering a PDF, one writes into the build's
    scratch folder while the next build removes it. A thread of the worker
    waits for the build to end (a pidfd where Linux has them, else a look
    every half second) and ends the worker with it.

    What the fork server imported (the template engine, the PDF engine) stays
    for the worker's life: the cycle collector's passes skip it (heap.py).
    """
    gc.freeze()
    tempfile.tempdir = scratch
    if build is not None:
        threading.Thread(target=_end_with, args=(build,), name="end-with-build", daemon=True).start()


def _end_with(build: int) -> None:
    import select

    try:
        fd = os.pidfd_open(build)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        select.select([fd], [], [])  # readable once the process has ended
        os._exit(1)
    while True:
        try:
            os.kill(build, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass  # alive, though not ours to signal
        time.sleep(0.5)


def run_release_job(ctx: Context, job: ReleaseJob) -> JobResult:
    from pressroom.render.view import ReleaseView

    view = ReleaseView(job.release, ctx.settings, ctx.now, templates=ctx.templates)
    result = JobResult()
    steps: list[tuple[str, Any]] = [
        ("html", _html),
        ("json", _export),
        ("ninjs", _news_items),
        ("pdf", _pdf),
        ("email", _email),
        ("summary", _summary),
    ]
    for fmt, step in steps:
        try:
            step(ctx, job, view, result)
        except BuildError:
            raise
        except PressroomError as exc:
            cause = exc.__cause__
            # The PDF engine writes the fonts it embeds to a temporary folder: a full disk
            # there is no problem of the release, and the build stops as for one in build/.
            if isinstance(cause, OSError):
                where = f" ({cause.filename})" if cause.filename else ""
                raise BuildError(
                    f"cannot render the {fmt} of {job.release.path}: {cause.strerror or cause}{where}"
                ) from None
            result.problems.append(Problem(job.release.path, 0, fmt, str(exc)))
        except Exception as exc:  # a template error in a newsroom's own override, most often
            result.problems.append(Problem(job.release.path, 0, fmt, describe(exc, ctx.root)))
    return result


def _html(ctx: Context, job: ReleaseJob, view: ReleaseView, result: JobResult) -> None:
    from pressroom.render.html import render_release_page
    from pressroom.render.newsml import MEDIA_TYPE as NEWSML_TYPE
    from pressroom.render.ninjs import MEDIA_TYPE as NINJS_TYPE
    from pressroom.render.urls import Page

    if not job.html_areas:
        return
    env = environment(ctx)
    neighbours = {area: (prev, nxt) for area, prev, nxt in job.neighbours}
    versions = dict(job.versions)
    files = job.files
    for area in job.html_areas:
        prev, nxt = neighbours.get(area, (None, None))
        html = render_release_page(
            env,
            view,
            page=Page(area, depth=files.folder.count("/")),
            pdf_url=files.pdf_name if job.pdf_linked else None,
            previous=prev,
            next=nxt,
            versions=versions.get(area, ()),
            # Beside the page in every area that has it: planned with it, in the same format.
            alternates=[(NINJS_TYPE, NINJS), (NEWSML_TYPE, NEWSML)],
        )
        result.files[files.page(area)] = html.encode()


def _export(ctx: Context, job: ReleaseJob, view: ReleaseView, result: JobResult) -> None:
    if not job.export:
        return
    from pressroom.render.exports import render_release_json
    from pressroom.render.urls import absolute

    site, files = ctx.settings.url, job.files
    versions = [
        {"language": v.language, "url": site + v.path, "outdated": "yes" if v.outdated else "no"}
        for area, links in job.versions
        if area == SITE
        for v in links
    ]
    result.files[files.export] = render_release_json(
        view,
        html_url=site + files.folder,
        pdf_url=f"{site}{files.folder}{files.pdf_name}" if job.pdf_linked else None,
        versions=versions,
        ninjs_url=absolute(ctx.settings, files.folder + NINJS),
        newsml_url=absolute(ctx.settings, files.folder + NEWSML),
    )


def _news_items(ctx: Context, job: ReleaseJob, view: ReleaseView, result: JobResult) -> None:
    """ninjs.json and newsml.xml in each area planned, naming the language versions that area shows."""
    if not (job.ninjs_areas or job.newsml_areas):
        return
    from pressroom.render.newsml import render_newsml
    from pressroom.render.ninjs import Sibling, body_parts, render_ninjs
    from pressroom.render.urls import absolute

    settings, files = ctx.settings, job.files
    # The public addresses, in the staff copy too: where the release is (or will be) published.
    url = absolute(settings, files.folder)
    pdf_url = absolute(settings, files.folder + files.pdf_name) if job.pdf_linked else None
    original = folder(job.release.slug)
    versions = dict(job.versions)
    bodies = body_parts(view)  # the same in every area and both formats: worked out once
    # An item differs between the areas only by the versions it names: where those are the
    # same (every translation public, or none), the staff copy is the site's bytes.
    made: dict[tuple[str, tuple[Sibling, ...]], bytes] = {}
    for area in dict.fromkeys((*job.ninjs_areas, *job.newsml_areas)):
        siblings = tuple(
            Sibling(v.language, v.label, absolute(settings, v.path), original=v.path == original)
            for v in versions.get(area, ())
            if v.path != files.folder
        )
        if area in job.ninjs_areas:
            data = made.get(("ninjs", siblings))
            if data is None:
                data = made["ninjs", siblings] = render_ninjs(
                    view, url=url, pdf_url=pdf_url, siblings=siblings, bodies=bodies
                )
            result.files[files.ninjs(area)] = data
        if area in job.newsml_areas:
            data = made.get(("newsml", siblings))
            if data is None:
                data = made["newsml", siblings] = render_newsml(
                    view, url=url, pdf_url=pdf_url, siblings=siblings, bodies=bodies
                )
            result.files[files.newsml(area)] = data


def _pdf(ctx: Context, job: ReleaseJob, view: ReleaseView, result: JobResult) -> None:
    if not job.pdf_areas:
        return
    from pressroom.render.pdf import build_fonts, render_release_pdf
    from pressroom.render.templating import template_dirs

    images = carried_photos(ctx.root, view)
    folders = template_dirs(ctx.templates)
    # Shared by the build's PDFs in this process, its fonts in the scratch folder, gone with it.
    # The preview (no scratch folder) and a cluster's workers (whose temporary folder is not the
    # build's: build_fonts says None) give each PDF a set-up of its own, removed with it.
    fonts = build_fonts(folders, ctx.scratch) if ctx.scratch else None
    pdf, warnings = render_release_pdf(environment(ctx), view, folders, images=images, fonts=fonts)
    for message in warnings:
        result.problems.append(Problem(job.release.path, 0, "pdf", message, Severity.WARNING))
    for area in job.pdf_areas:
        result.files[job.files.pdf(area)] = pdf


def _email(ctx: Context, job: ReleaseJob, view: ReleaseView, result: JobResult) -> None:
    if not job.email:
        return
    from pressroom.render.mail import render_email

    images = carried_photos(ctx.root, view)
    result.files[job.files.email] = render_email(environment(ctx), view, images=images).as_bytes()


def _summary(ctx: Context, job: ReleaseJob, view: ReleaseView, result: JobResult) -> None:
    if not job.summary:
        return
    from pressroom.render.summary import summarise

    # The feeds' enclosure gives the lead photo's size in bytes: its published copy's.
    lead = job.release.lead_image
    images = web_copies(ctx.root, job.release, [lead]) if lead is not None else {}
    result.summary = codec.encode(summarise(view, job.translations, job.translated, images=images))


def run_media(ctx: Context, jobs: Sequence[MediaJob]) -> list[JobResult]:
    """The copies of kit files: photos without their metadata at each width, documents as they are."""
    results = []
    for job in jobs:
        result = JobResult()
        try:
            result.files = _kit_copies(ctx.root, job)
        except ContentError as exc:  # a kit file changed or vanished since it was loaded
            result.problems.extend(exc.problems)
        results.append(result)
    return results


def _kit_copies(root: Path, job: MediaJob) -> dict[str, bytes]:
    from pressroom.content.media import read_kit_file
    from pressroom.render.renditions import kit_zip, render_image

    by_name = {m.name: m for m in job.media}
    originals: dict[str, bytes] = {}  # each kit file read (and its digest checked) once
    made: dict[tuple[str, int | None], bytes] = {}  # site/ and staff/ have the same copies; the zip too

    def copy(m: MediaFile, width: int | None) -> bytes:
        if (m.name, width) not in made:
            if m.name not in originals:
                originals[m.name] = read_kit_file(root, job.slug, m)
            data = originals[m.name]
            made[m.name, width] = render_image(data, width).data if m.is_image else data
        return made[m.name, width]

    files = {}
    for rel, name, width in job.outputs:
        if name:
            files[rel] = copy(by_name[name], width)
        else:
            files[rel] = kit_zip([(m.name, copy(m, None)) for m in job.media])
    return files


def carried_photos(root: Path, view: ReleaseView) -> dict[str, bytes]:
    """The photos a PDF or an email shows (the lead, then the body's), at the page's width, by name."""
    from pressroom.render.kit import shown_pictures

    return web_copies(root, view.release, [view.media[name] for name in shown_pictures(view)])


def web_copies(root: Path, release: Release, images: Sequence[MediaFile]) -> dict[str, bytes]:
    """Photos of a release's kit at the page's width, by name: what a PDF or an email carries inside."""
    from pressroom.content.media import read_kit_file
    from pressroom.render.renditions import web_copies as render

    return render(images, lambda m: read_kit_file(root, release.slug, m))


_checked: set[tuple[str | None, str]] = set()  # (templates folder, digest) this process has seen match


def _check_templates(ctx: Context) -> None:
    """Refuse to render with templates other than the build's: its cache would keep the wrong output.

    A worker on another machine reads the newsroom's templates/ at the path the
    build gave, and the house style of its own pressroom installation.
    """
    if not ctx.remote:
        return
    key = (str(ctx.templates) if ctx.templates else None, ctx.templates_digest)
    if key in _checked:
        return
    from pressroom.engine.templates import Templates
    from pressroom.render.templating import template_dirs

    if Templates(template_dirs(ctx.templates)).digest("all") != ctx.templates_digest:
        import socket

        from pressroom.version import __version__

        own = f"the newsroom's templates at {ctx.templates} and " if ctx.templates else ""
        raise ClusterError(
            f"a worker on {socket.gethostname()} sees other templates than this build "
            f"({own}the house style of pressroom {__version__}): every worker needs the newsroom "
            "at the same path and the same pressroom version (or a template changed mid-build)"
        )
    _checked.add(key)


def run_batch(ctx: Context, jobs: Sequence[ReleaseJob]) -> list[JobResult]:
    """Several small jobs in one round trip: a page takes less time than sending it to a worker."""
    _check_templates(ctx)
    return [run_release_job(ctx, job) for job in jobs]


def run_listings(ctx: Context, jobs: Sequence[ListingJob]) -> list[JobResult]:
    from pressroom.render.site import render_site_file

    _check_templates(ctx)
    results = []
    for job in jobs:
        result = JobResult()
        rel = f"{job.area}/{job.file.path}"
        try:
            by_slug = {s.slug: s for s in job.summaries}
            entries = _entries(ctx) if job.house_style else None
            data = render_site_file(environment(ctx), job.file, by_slug, ctx.settings, job.contacts, entries)
        except PressroomError as exc:
            result.problems.append(Problem(f"build/{rel}", 0, "", str(exc)))
        except Exception as exc:  # a template error in a newsroom's own override, most often
            result.problems.append(Problem(f"build/{rel}", 0, "", describe(exc, ctx.root)))
        else:
            result.files[rel] = data
        results.append(result)
    return results


_made_entries: tuple[Context, Entries] | None = None


def _entries(ctx: Context) -> Entries:
    """This process's listing entries for one build's settings and templates (pages.Entries)."""
    global _made_entries
    if _made_entries is None or _made_entries[0] != ctx:
        from pressroom.render.pages import Entries

        _made_entries = (ctx, Entries())
    return _made_entries[1]


def describe(exc: Exception, root: Path) -> str:
    """One line for an error raised while rendering, naming the template file and line if known."""
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = Path(exc.filename) if exc.filename else Path(exc.name or "?")
        if where.is_absolute() and where.is_relative_to(root):
            where = where.relative_to(root)
        return f"{where.as_posix()}:{exc.lineno}: template syntax error: {exc.message}"
    if isinstance(exc, jinja2.exceptions.SecurityError):
        from pressroom.render.templating import DEFAULT_TEMPLATES, template_location

        place = template_location(exc, [root, DEFAULT_TEMPLATES.parent]) or "a template"
        return f"{place}: refused by the template sandbox: {exc.message or exc}"
    if isinstance(exc, jinja2.UndefinedError):
        return f"template error: {exc.message}"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"template not found: {exc.name}"
    return f"{type(exc).__name__}: {exc}"


def worker_count(jobs: int | None) -> int:
    """--jobs N, or every core this process may use."""
    if jobs is not None:
        return max(1, jobs)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1
