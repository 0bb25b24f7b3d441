"""Stage four: render every output and write build/ as one atomic step.

The tree is written into a temporary folder beside build/ and swapped in at
the end, so a failed or killed build leaves the previous build/ untouched.
Only this module writes, and only under the newsroom's build/ and .pressroom/.

Layout (relative to build/):
    site/                    the public newsroom: nothing of a draft or an unexpired embargo
      index.html
      releases/<slug>/index.html, releases/<slug>/<slug>.pdf
      assets/
    staff/                   every release with its banners, for the press office
      index.html, releases/<slug>/..., assets/
    email/<slug>.eml         the email version of every release, to send
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pressroom.errors import BuildError, ContentError, PressroomError, Problem, Severity
from pressroom.model import Newsroom, Release
from pressroom.render.html import Entry, Page, render_index, render_release_page
from pressroom.render.view import ReleaseView
from pressroom.templating import environment, template_dirs

FORMATS = ("html", "pdf", "email")
OUTPUT = "build"
WORKDIR = ".pressroom"  # lock and temporary trees; same file system as build/


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self) -> None: ...


@dataclass
class BuildReport:
    out: Path
    rendered: Counter[str] = field(default_factory=Counter)
    reused: int = 0
    public: tuple[str, ...] = ()
    withheld: tuple[str, ...] = ()  # built for staff only: drafts and unexpired embargoes
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class _Job:
    release: Release
    fmt: str  # "html", "pdf" or "email"


def build(
    newsroom: Newsroom,
    now: datetime,
    *,
    formats: Collection[str] = FORMATS,
    only: Collection[str] | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Render the newsroom at instant `now` into build/, replacing it whole.

    `formats` limits what is rendered; `only` limits which releases are
    rendered again. Outputs outside that selection are kept from the previous
    build, as long as they still belong in the tree (a release that stopped
    being public leaves the site whatever the selection).
    """
    root = newsroom.root
    unknown = set(only or ()) - {r.slug for r in newsroom.releases}
    if unknown:
        raise BuildError(f"no release with slug {', '.join(sorted(unknown))} in releases/")
    out = root / OUTPUT
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise BuildError(f"{OUTPUT} is not a folder; move it away so pressroom can write its output there")
    work = root / WORKDIR
    # A link here would send the working tree, and the lock, somewhere else on the machine.
    if work.is_symlink() or (work.exists() and not work.is_dir()):
        raise BuildError(f"{WORKDIR} is not a folder; move it away so pressroom can keep its files there")
    try:
        work.mkdir(exist_ok=True)
    except OSError as exc:
        raise BuildError(f"cannot write in {root}: {exc.strerror}") from None
    with _lock(work):
        _recover(work, out)
        for stale in work.glob("tmp-*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        # Checked before anything is rendered: replacing build/ renames it, which takes
        # write permission on the newsroom folder and on build/ itself.
        for folder in (root, out) if out.is_dir() else (root,):
            if not os.access(folder, os.W_OK):
                raise BuildError(f"cannot write to {folder}: {_why_not_writable(folder)}")
        try:
            tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=work))
            # mkdtemp makes it private (0700); build/ is for a web server and colleagues
            # to read, so it gets the mode any folder made here would.
            tmp.chmod(0o777 & ~_umask())
            scratch = Path(tempfile.mkdtemp(prefix="tmp-", suffix="-scratch", dir=work))
        except OSError as exc:
            raise BuildError(f"cannot write in {work}: {exc.strerror}") from None
        try:
            with _temporary_files_in(scratch):
                report = _Builder(newsroom, now, set(formats), only, out, tmp).run(progress)
            _swap(tmp, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(scratch, ignore_errors=True)
    return report


@contextlib.contextmanager
def _temporary_files_in(folder: Path) -> Iterator[None]:
    """Send the temporary files made while rendering into `folder`, beside the new tree.

    The PDF engine writes the fonts it embeds to a temporary folder of its own
    and removes it when it is done; a killed build would leave it in /tmp. In
    .pressroom/tmp-* the next build removes it, and a full disk there is the
    disk build/ is on.
    """
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _why_not_writable(folder: Path) -> str:
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    return "read-only file system" if read_only else "permission denied"


@contextlib.contextmanager
def _lock(work: Path) -> Iterator[None]:
    try:
        handle = (work / "build.lock").open("w")
    except OSError as exc:
        raise BuildError(f"cannot write in {work}: {exc.strerror}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(
                "another build is running in this newsroom; try again when it has finished"
            ) from None
        yield


def _swap(tmp: Path, out: Path) -> None:
    """Put the new tree in place of the old one; afterwards `tmp` holds the old tree."""
    if not out.exists():
        try:
            tmp.rename(out)
        except OSError as exc:
            raise BuildError(f"cannot write {out}: {exc.strerror}") from None
        tmp.mkdir()
        return
    if _exchange(tmp, out):
        return
    # No atomic exchange on this system: two renames, with a moment between them.
    old = tmp.with_name(tmp.name + "-old")
    out.rename(old)
    tmp.rename(out)
    old.rename(tmp)


def _recover(work: Path, out: Path) -> None:
    """Put back the previous build/ if a build was killed between the two renames above.

    Only the fallback swap leaves a `tmp-*-old` tree, and only that moment leaves
    no build/: the old tree is whole, so it goes back before the stale trees are
    removed, and a build that then fails still leaves the previous build/.
    """
    if out.exists():
        return
    for old in sorted(work.glob("tmp-*-old")):
        with contextlib.suppress(OSError):  # then the build goes on without a previous tree
            old.rename(out)
            return


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step with Linux renameat2(RENAME_EXCHANGE), if available."""
    # The running program's own symbols include libc's. ctypes.util.find_library("c")
    # would find it by starting `ldconfig -p` in a subprocess on every build.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - a platform without dlopen
        return False
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise BuildError(f"cannot replace {b}: {os.strerror(err)}")


class _Builder:
    def __init__(
        self,
        newsroom: Newsroom,
        now: datetime,
        formats: set[str],
        only: Collection[str] | None,
        out: Path,
        tmp: Path,
    ) -> None:
        self.newsroom = newsroom
        self.now = now
        self.formats = formats
        self.only = set(only) if only is not None else None
        self.previous = out if out.is_dir() else None
        self.tmp = tmp
        self.env = environment(newsroom.templates)
        self.report = BuildReport(out=out)
        self.problems: list[Problem] = []
        self.views = {r.slug: ReleaseView(r, newsroom.settings, now) for r in newsroom.releases}

    # -- planning -------------------------------------------------------------

    def _wanted(self, release: Release, fmt: str) -> bool:
        return fmt in self.formats and (self.only is None or release.slug in self.only)

    def _reuse(self, rel: str) -> bool:
        """Hard-link an output of the previous build into the new tree, if it is there."""
        if self.previous is None:
            return False
        source = self.previous / rel
        # Not a link, nor a file reached through one: a link planted in build/ would
        # carry a file from elsewhere on the machine into the new tree.
        if source.is_symlink() or not source.is_file():
            return False
        if not source.resolve().is_relative_to(self.previous.resolve()):
            return False
        target = self.tmp / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
        except OSError as exc:
            raise BuildError(f"cannot write {OUTPUT}/{rel}: {exc.strerror}") from None
        self.report.reused += 1
        return True

    def run(self, progress: Progress | None) -> BuildReport:
        releases = self.newsroom.releases
        public = [r for r in releases if self.views[r.slug].is_public]
        self.report.public = tuple(r.slug for r in public)
        self.report.withheld = tuple(r.slug for r in releases if r not in public)

        # Decide, per output, whether to render it or keep last build's copy.
        jobs: list[_Job] = []
        for r in releases:
            for fmt, paths in (("pdf", self._pdf_paths(r)), ("email", [f"email/{r.slug}.eml"])):
                keep = [p for p in paths if not self._wanted(r, fmt) and self._reuse(p)]
                if len(keep) < len(paths) and fmt in self.formats:
                    jobs.append(_Job(r, fmt))
        self._pdfs = {
            r.slug for r in releases if (self.tmp / f"staff/releases/{r.slug}/{r.slug}.pdf").exists()
        }
        self._pdfs |= {j.release.slug for j in jobs if j.fmt == "pdf"}
        html_jobs = [_Job(r, "html") for r in releases if self._needs_html(r)]

        if progress is not None:
            progress.start(len(jobs) + len(html_jobs))
        for job in html_jobs + jobs:
            self._render(job)
            if progress is not None:
                progress.advance()
        self._listings(public)
        self._assets()
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        if errors:
            raise ContentError(self.problems)
        self.report.warnings = tuple(sorted(set(self.newsroom.warnings) | set(self.problems)))
        return self.report

    def _pdf_paths(self, r: Release) -> list[str]:
        paths = [f"staff/releases/{r.slug}/{r.slug}.pdf"]
        if self.views[r.slug].is_public:
            paths.append(f"site/releases/{r.slug}/{r.slug}.pdf")
        return paths

    def _needs_html(self, r: Release) -> bool:
        paths = [f"staff/releases/{r.slug}/index.html"]
        if self.views[r.slug].is_public:
            paths.append(f"site/releases/{r.slug}/index.html")
        keep = [p for p in paths if not self._wanted(r, "html") and self._reuse(p)]
        return len(keep) < len(paths) and "html" in self.formats

    # -- rendering ------------------------------------------------------------

    def _write(self, rel: str, data: bytes | str) -> None:
        path = self.tmp / rel
        # Every step can fail on a full disk, not only the write.
        try:
            if path.exists():  # kept from the last build; replace the link, never write through it
                path.unlink()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data.encode() if isinstance(data, str) else data)
        except OSError as exc:
            raise BuildError(f"cannot write {OUTPUT}/{rel}: {exc.strerror}") from None
        self.report.rendered[rel.rsplit(".", 1)[-1]] += 1

    def _render(self, job: _Job) -> None:
        r, view = job.release, self.views[job.release.slug]
        try:
            if job.fmt == "html":
                for area in ("staff", "site") if view.is_public else ("staff",):
                    page = Page(area, depth=2)
                    pdf_url = f"{r.slug}.pdf" if r.slug in self._pdfs else None
                    html = render_release_page(self.env, view, page=page, pdf_url=pdf_url)
                    self._write(f"{area}/releases/{r.slug}/index.html", html)
            elif job.fmt == "pdf":
                document = self._pdf(view)
                for rel in self._pdf_paths(r):
                    self._write(rel, document)
            else:
                from pressroom.render.mail import render_email

                self._write(f"email/{r.slug}.eml", render_email(self.env, view).as_bytes())
        except BuildError:
            raise
        except PressroomError as exc:
            cause = exc.__cause__
            # The PDF engine writes the fonts it embeds to a temporary folder: a full disk
            # there is no problem of the release, and the build stops as for one in build/.
            if isinstance(cause, OSError):
                where = f" ({cause.filename})" if cause.filename else ""
                raise BuildError(
                    f"cannot render the {job.fmt} of {r.path}: {cause.strerror or cause}{where}"
                ) from None
            self.problems.append(Problem(r.path, 0, job.fmt, str(exc)))
        except Exception as exc:  # a template error in a newsroom's own override, most often
            self.problems.append(Problem(r.path, 0, job.fmt, _describe(exc, self.newsroom.root)))

    def _pdf(self, view: ReleaseView) -> bytes:
        from pressroom.render.pdf import render_release_pdf

        pdf, warnings = render_release_pdf(self.env, view, template_dirs(self.newsroom.templates))
        for message in warnings:
            self.problems.append(Problem(view.release.path, 0, "pdf", message, Severity.WARNING))
        return pdf

    def _listings(self, public: list[Release]) -> None:
        settings = self.newsroom.settings
        for area, members in (("site", public), ("staff", list(self.newsroom.releases))):
            page = Page(area, depth=0)
            # List only pages that exist: an HTML-less first build has none to link to.
            entries = [
                Entry(self.views[r.slug], page.url(f"releases/{r.slug}/"))
                for r in members
                if (self.tmp / area / "releases" / r.slug / "index.html").exists()
            ]
            self._write(f"{area}/index.html", render_index(self.env, settings, entries, page=page))

    def _assets(self) -> None:
        """Copy templates/assets/ (built-in first, the newsroom's own on top) into each area."""
        # File by file rather than shutil.copytree, which gathers every failure into one
        # shutil.Error: a full disk is then one message naming the file it stopped at.
        for area in ("site", "staff"):
            for folder in reversed(template_dirs(self.newsroom.templates)):
                source = folder / "assets"
                for path in sorted(source.rglob("*")) if source.is_dir() else ():
                    if not path.is_file():
                        continue
                    rel = f"{area}/assets/{path.relative_to(source).as_posix()}"
                    target = self.tmp / rel
                    try:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(path, target)
                    except OSError as exc:
                        raise BuildError(f"cannot write {OUTPUT}/{rel}: {exc.strerror}") from None


def _describe(exc: Exception, root: Path) -> str:
    """One line for an error raised while rendering, naming the template file and line if known."""
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = Path(exc.filename) if exc.filename else Path(exc.name or "?")
        if where.is_absolute() and where.is_relative_to(root):
            where = where.relative_to(root)
        return f"{where.as_posix()}:{exc.lineno}: template syntax error: {exc.message}"
    if isinstance(exc, jinja2.UndefinedError):
        return f"template error: {exc.message}"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"template not found: {exc.name}"
    return f"{type(exc).__name__}: {exc}"
