"""Preview, the live part: watch the newsroom's files, rebuild, and keep the state open tabs mirror.

The watcher threads (`watchfiles`) notice saves under releases/, contacts/,
templates/ and to pressroom.toml, and queue what each one asks the build to
render again (`classify`). The builder thread is the only one that renders,
because the Markdown converter is not thread-safe. For a save of a release it
first takes the fast path: it reads that file again into the newsroom it has,
renders the release's staff page, then its PDF and email, in memory
(`render_preview`), and the server shows those at once. Then, after a quiet
moment, it calls the same `build()` as `pressroom build` (HTML first, then PDF
and email), which takes what the fast path rendered rather than rendering it
again, brings the listings and neighbours up to date and writes build/. A save
that waits ends that build at its next checkpoint: its page goes first. A save
of a template, a contact or pressroom.toml has no fast path.

Content that does not load or build stops nothing: build/ keeps the last good
build (a build is all or nothing), and the problems go to the `Hub`, which the
server streams to every open tab, until a save fixes them.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pressroom.engine.cache import LoadCache
from pressroom.errors import ContentError, PressroomError, Problem, Severity
from pressroom.model import Newsroom

if TYPE_CHECKING:
    from pressroom.engine.build import Rendered

log = logging.getLogger(__name__)

WATCHED = ("releases", "contacts", "templates", "pressroom.toml")
# Quiet time that ends a burst of file events (an editor's write, rename and chmod
# of one save take a few milliseconds), and the longest a steady stream is held back.
DEBOUNCE_STEP_MS = 20
DEBOUNCE_MAX_MS = 1000
# After the fast path, the whole build waits this long for another save, and leaves
# the open tabs to fetch what changed without competing with it.
SETTLE_S = 0.25
# A build the server could not write (another `pressroom build` holds the lock, a
# full disk) is tried again after this long, doubling up to the maximum.
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 8.0

# The Markdown converter is module-level and not thread-safe: one build at a time
# in this process, whatever number of previews it runs.
_BUILD_LOCK = threading.Lock()


# -- what changed ---------------------------------------------------------------


@dataclass
class Pending:
    """Which releases one phase of the build must render again since it last succeeded."""

    everything: bool = False
    slugs: set[str] = field(default_factory=set)
    contacts: set[str] = field(default_factory=set)  # contact ids: their releases render again

    def __bool__(self) -> bool:
        return self.everything or bool(self.slugs or self.contacts)

    def add(self, other: Pending) -> None:
        self.everything |= other.everything
        self.slugs |= other.slugs
        self.contacts |= other.contacts

    def only(self, newsroom: Newsroom) -> set[str] | None:
        """The `only=` of build(): None for all; a removed release needs no render, only listings."""
        if self.everything:
            return None
        named = {r.slug for r in newsroom.releases if any(c.id in self.contacts for c in r.contacts)}
        return (self.slugs | named) & {r.slug for r in newsroom.releases}


def classify(root: Path, paths: set[str]) -> Pending:
    """What a set of changed files (absolute paths) asks the build to render again.

    A release file is one release; a contact file is the releases that name it;
    a template or pressroom.toml is every release. The media lists in
    contacts/lists/, and anything else the build does not read, ask nothing.
    """
    pending = Pending()
    for text in paths:
        try:
            parts = Path(text).relative_to(root).parts
        except ValueError:
            continue
        if not parts:
            continue
        top, rest = parts[0], parts[1:]
        if top in ("pressroom.toml", "templates") or (top in ("releases", "contacts") and not rest):
            pending.everything = True
        elif top == "releases" and len(rest) == 1 and rest[0].endswith(".md"):
            pending.slugs.add(rest[0].split(".", 1)[0])  # a translation, <slug>.<lang>.md, is its original's
        elif top == "contacts" and len(rest) == 1 and Path(rest[0]).suffix in (".yaml", ".yml"):
            pending.contacts.add(Path(rest[0]).stem)
    return pending


# -- what the open tabs are told ------------------------------------------------


class Hub:
    """The state every open tab mirrors: versions of each output and the current problems.

    A version goes up each time a build of that format succeeds; a tab compares
    it with the one it shows and reloads what differs. Tabs get the whole state
    each time, so a missed or repeated message does no harm.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._seq = 0
        self._versions = {"html": 0, "pdf": 0, "email": 0}
        self._problems: list[dict[str, Any]] = []
        self._error = ""
        self._building = False
        self.closed = False
        self.newsroom: Newsroom | None = None  # the last one that loaded
        self.now: datetime | None = None  # the instant of the last build
        # Outputs the fast path rendered that build/ does not have yet, by path in build/.
        self._ahead: dict[str, Rendered] = {}

    def file(self, rel: str) -> bytes | None:
        """An output the fast path rendered ahead of the build, by its path in build/."""
        with self._changed:
            ahead = self._ahead.get(rel)
        return ahead.data if ahead is not None else None

    def ahead(self) -> dict[str, Rendered]:
        """Everything rendered ahead, for build() to take rather than render again."""
        with self._changed:
            return dict(self._ahead)

    def status(self) -> dict[str, Any]:
        with self._changed:
            return self._status()

    def _status(self) -> dict[str, Any]:
        return {
            "versions": dict(self._versions),
            "problems": list(self._problems),
            "error": self._error,
            "building": self._building,
        }

    def version(self, fmt: str) -> int:
        with self._changed:
            return self._versions[fmt]

    def update(
        self,
        *,
        built: tuple[str, ...] = (),
        problems: tuple[Problem, ...] | None = None,
        error: str | None = None,
        building: bool | None = None,
        ahead: dict[str, Rendered] | None = None,
    ) -> None:
        """Record a build: `built` formats were rendered; `ahead`, by the fast path, to serve
        until build/ has them. After a build() of some formats, what was rendered ahead
        in them is in build/ (or older than it) and is served from there again."""
        with self._changed:
            if ahead is not None:
                self._ahead.update(ahead)
            else:
                endings = tuple(_SUFFIX[fmt] for fmt in built)
                self._ahead = {rel: r for rel, r in self._ahead.items() if not rel.endswith(endings)}
            for fmt in built:
                self._versions[fmt] += 1
            if problems is not None:
                self._problems = [
                    {
                        "path": p.path,
                        "line": p.line,
                        "field": p.field,
                        "message": p.message,
                        "severity": str(p.severity),
                    }
                    for p in problems
                ]
            if error is not None:
                self._error = error
            if building is not None:
                self._building = building
            self._seq += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> tuple[int, dict[str, Any]] | None:
        """The state once it differs from update number `seen`, or None after `timeout`."""
        with self._changed:
            self._changed.wait_for(lambda: self._seq != seen or self.closed, timeout)
            if self._seq == seen or self.closed:
                return None
            return self._seq, self._status()

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()


_SUFFIX = {"html": ".html", "pdf": ".pdf", "email": ".eml"}


# -- watching and building ------------------------------------------------------


class _AnyOf:
    """An event that is set when any of its events is: watchfiles takes one stop event."""

    def __init__(self, *events: threading.Event) -> None:
        self.events = events

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)


class Rebuilder:
    """The watcher and builder threads of one preview."""

    def __init__(self, root: Path, clock: Callable[[], datetime], hub: Hub, stop: threading.Event) -> None:
        self.root = root
        self.clock = clock
        self.hub = hub
        self.stop = stop
        self.changes: queue.Queue[Pending] = queue.Queue()
        # The first build renders everything, as `pressroom build` does.
        self.html = Pending(everything=True)
        self.rest = Pending(everything=True)
        # What the fast path must render again: first the page, then the PDF and email.
        self.fast_page = Pending()
        self.fast_pdf = Pending()
        self.first_html = threading.Event()  # the first HTML build is done, or has failed
        # The newsroom the last build loaded, while no save has come since: the PDF
        # build after a page build needs no second load (most of a second at 1,000 releases).
        self._loaded: Newsroom | None = None
        self._loader: LoadCache | None = None  # the build cache the newsroom was loaded with
        # The newsroom as the files are now, which the fast path reads a saved release into;
        # None from a save it cannot take (a template, a contact) until the next whole load.
        self._base: Newsroom | None = None
        self._quiet_until = 0.0  # monotonic time before which the whole build waits
        self._warm = False  # whether this process has rendered a page and a PDF yet
        self._rescan = threading.Event()  # a watched folder appeared or vanished
        self._threads: list[threading.Thread] = []
        self._noted: set[str] = set()  # notices already said: once a session, not once a build

    def start(self) -> None:
        for target, name in (
            (self._build_loop, "pressroom-build"),
            (self._watch_top, "pressroom-watch-top"),
            (self._watch_folders, "pressroom-watch"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def join(self, timeout: float) -> None:
        """Wait for the threads, at most `timeout` seconds in all.

        A build under way ends after the release it is rendering (see
        `_Interrupt`), but not in the middle of its listings: the process may
        end before it does, which build() allows for (build/ is whole either
        way, and the next build clears what this one left).
        """
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # The newsroom folder itself, not recursively: pressroom.toml, and the watched
    # folders appearing or vanishing. Recursing here would watch build/ (rewritten
    # by every build) and, in a repository, .git and .venv.
    def _watch_top(self) -> None:
        import watchfiles

        def wanted(change: watchfiles.Change, path: str) -> bool:
            return Path(path).name in WATCHED

        while not self.stop.is_set():
            try:
                for changes in watchfiles.watch(
                    self.root,
                    watch_filter=wanted,
                    recursive=False,
                    step=DEBOUNCE_STEP_MS,
                    debounce=DEBOUNCE_MAX_MS,
                    stop_event=self.stop,
                    raise_interrupt=False,
                ):
                    if any(Path(p).name != "pressroom.toml" for _, p in changes):
                        self._rescan.set()
                    self.changes.put(classify(self.root, {p for _, p in changes}))
            except Exception as exc:  # the folder went away, the watch limit was reached
                log.warning("watching %s failed (%s); trying again", self.root, exc)
                self.stop.wait(1.0)

    def _watch_folders(self) -> None:
        import watchfiles

        while not self.stop.is_set():
            self._rescan.clear()
            folders = [self.root / name for name in WATCHED[:3] if (self.root / name).is_dir()]
            if not folders:  # nothing to watch until one appears
                self._rescan.wait(0.5)
                continue
            try:
                for changes in watchfiles.watch(
                    *folders,
                    step=DEBOUNCE_STEP_MS,
                    debounce=DEBOUNCE_MAX_MS,
                    stop_event=_AnyOf(self.stop, self._rescan),
                    raise_interrupt=False,
                ):
                    self.changes.put(classify(self.root, {p for _, p in changes}))
            except Exception as exc:
                log.warning("watching %s failed (%s); trying again", self.root, exc)
                self.stop.wait(0.5)

    def _take_changes(self, timeout: float | None) -> bool:
        """Add every queued change to what is pending, after waiting up to `timeout` for one."""
        got = False
        while True:
            try:
                change = (
                    self.changes.get(timeout=timeout) if timeout and not got else self.changes.get_nowait()
                )
            except queue.Empty:
                return got
            for pending in (self.html, self.rest, self.fast_page, self.fast_pdf):
                pending.add(change)
            if not _fast(change):
                self._base = None
            self._loaded = None
            got = True

    def _fast_waiting(self) -> bool:
        """Whether a save waits in the queue that the fast path can show."""
        with self.changes.mutex:
            waiting = list(self.changes.queue)
        return self._base is not None and any(waiting) and all(_fast(c) for c in waiting)

    def _build_loop(self) -> None:
        retry = 0.0  # seconds before trying a failed build again; 0: only after a change
        while not self.stop.is_set():
            self._take_changes(None)
            if self._base is not None and (self.fast_page or self.fast_pdf):
                page = bool(self.fast_page)
                outcome = self._preview(self.fast_page if page else self.fast_pdf, page)
                if outcome != "content":
                    continue
            elif self.html or self.rest:
                wait = self._quiet_until - time.monotonic()
                if wait > 0:
                    self._take_changes(wait)
                    continue
                phase, formats = (self.html, ("html",)) if self.html else (self.rest, ("pdf", "email"))
                outcome = self._build(phase, formats)
                self.first_html.set()
            else:
                if not self._warm:
                    self._warm_up()
                self._take_changes(0.2)
                continue
            if outcome in ("done", "stopped"):
                retry = 0.0
            elif outcome == "retry":
                retry = min(max(retry * 2, RETRY_FIRST_S), RETRY_MAX_S)
                self._take_changes(retry)
            else:  # problems in the content: nothing to do until a file changes
                while not self.stop.is_set() and not self._take_changes(0.2):
                    pass

    def _warm_up(self) -> None:
        """Render the newest release's page and PDF once, idle after the first build, and drop them.

        The first build of a large newsroom renders in worker processes, so this
        one has yet to compile the templates and load the PDF engine's fonts: a
        second or so that the first save would otherwise wait for.
        """
        from pressroom.engine.build import render_preview
        from pressroom.engine.cache import BuildCache

        base = self._base
        if base is None:  # the content does not load: after the save that fixes it
            return
        self._warm = True
        if not base.releases:
            return
        try:
            with _BUILD_LOCK:
                slug = base.releases[0].slug
                render_preview(base, self.clock(), [slug], formats=("html", "pdf"), cache=BuildCache())
        except Exception:  # only time is at stake: the save will say what is wrong
            log.debug("warming up failed", exc_info=True)

    def _preview(self, phase: Pending, page: bool) -> str:
        """The fast path: the saved releases' staff pages, or their PDF and email, rendered in memory.

        'done'; 'content' when a saved file has problems (shown until a save fixes
        them); 'whole' when only a whole load can tell what the save changed.
        """
        from pressroom.content.loader import reload_releases
        from pressroom.engine.build import render_preview

        started = time.perf_counter()
        formats = ("html",) if page else ("pdf", "email")
        slugs = set(phase.slugs)
        base = self._base
        assert base is not None
        try:
            with _BUILD_LOCK:
                newsroom = reload_releases(base, slugs) if page else base
                if newsroom is None:
                    self._base = None
                    return "whole"
                now = self.clock()
                cache = self._loader.source if self._loader is not None else None
                rendered, problems = render_preview(newsroom, now, slugs, formats=formats, cache=cache)
        except ContentError as exc:
            log.info(
                "%s: %d problem(s); still serving the last good build",
                ", ".join(sorted(slugs)),
                len(exc.problems),
            )
            self.hub.update(problems=exc.problems, error="")
            return "content"
        except Exception as exc:  # a bug: the whole build says the same or does better
            log.exception("internal error while previewing")
            self._base = None
            self.hub.update(error=f"internal error: {type(exc).__name__}: {exc}")
            return "whole"
        phase.slugs.clear()
        self._base = self.hub.newsroom = newsroom
        self.hub.now = now
        errors = tuple(p for p in problems if p.severity is Severity.ERROR)
        self.hub.update(built=formats, ahead=rendered, problems=errors, error="")
        self._quiet_until = time.monotonic() + SETTLE_S
        took = time.perf_counter() - started
        log.info("Previewed %s (%s) in %.2f s", "/".join(formats), ", ".join(sorted(slugs)), took)
        return "done"

    def _build(self, phase: Pending, formats: tuple[str, ...]) -> str:
        """One load and one build: 'done', 'stopped', 'content' (wait for a save) or 'retry'."""
        from pressroom.engine.build import build, load

        started = time.perf_counter()
        self.hub.update(building=True)
        # A waiting save ends a PDF build, whose HTML then comes first, and any build when
        # the fast path can show it; the build starts again after it.
        interrupt = _Interrupt(self.stop, self.changes if "html" not in formats else None, self._fast_waiting)
        loading = 0.0
        try:
            with _BUILD_LOCK:
                newsroom = self._loaded
                if newsroom is None:
                    newsroom, self._loader = load(self.root, checkpoint=interrupt.advance)
                    loading = time.perf_counter() - started
                    self._base = newsroom
                    self.fast_page, self.fast_pdf = Pending(), Pending()
                self.hub.newsroom = self._loaded = newsroom
                now = self.clock()
                only = phase.only(newsroom)
                report = build(
                    newsroom,
                    now,
                    formats=formats,
                    only=only,
                    progress=interrupt,
                    loader=self._loader,
                    prerendered=self.hub.ahead(),
                    checkpoint=interrupt.advance,
                )
        except _Stopped:
            self.hub.update(building=False)
            if not self.stop.is_set():
                log.info("%s: stopped for a newer save", "/".join(formats))
            return "stopped"
        except ContentError as exc:
            self._loaded = None
            log.info(
                "%s: %d problem(s); still serving the last good build", "/".join(formats), len(exc.problems)
            )
            for problem in exc.problems:
                log.info("  %s", problem)
            self.hub.update(problems=exc.problems, error="", building=False)
            return "content"
        except PressroomError as exc:
            log.warning("could not build: %s", exc)
            self.hub.update(problems=(), error=str(exc), building=False)
            return "retry"
        except Exception as exc:  # a bug: report it, keep serving
            log.exception("internal error while building")
            self.hub.update(problems=(), error=f"internal error: {type(exc).__name__}: {exc}", building=False)
            return "retry"
        # Changes saved while it ran wait in the queue: this build did all that was pending.
        phase.everything = False
        phase.slugs.clear()
        phase.contacts.clear()
        self.hub.now = now
        self.hub.update(built=formats, problems=(), error="", building=False)
        for notice in report.notices:
            if notice not in self._noted:
                self._noted.add(notice)
                log.warning("%s", notice)
        for problem in report.warnings:
            log.info("  %s", problem)
        what = "every release" if only is None else ", ".join(sorted(only)) or "listings"
        took = time.perf_counter() - started
        log.info("Built %s (%s) in %.2f s (loading %.2f s)", "/".join(formats), what, took, loading)
        return "done"


def _fast(change: Pending) -> bool:
    """Whether the fast path can show a change: saved releases only."""
    return not change.everything and not change.contacts


class _Stopped(Exception):
    """Raised through build() to end it early; build() then leaves build/ as it was."""


class _Interrupt:
    """build()'s progress hook and checkpoint, used to end a build early.

    On Ctrl-C, so that the server stops in a moment rather than after every
    PDF; given `saves`, when any save is waiting, so that its page does not
    wait for a long PDF build (after a template change, every release's); and
    when `fast` says the fast path can show a waiting save, so that it does
    not wait for the listings of this one. build() cancels the renders not
    started yet and discards what it staged.
    """

    def __init__(
        self,
        stop: threading.Event,
        saves: queue.Queue[Pending] | None,
        fast: Callable[[], bool] | None = None,
    ) -> None:
        self.stop = stop
        self.saves = saves
        self.fast = fast

    def start(self, total: int) -> None:
        self.advance()

    def advance(self) -> None:
        if (
            self.stop.is_set()
            or (self.saves is not None and not self.saves.empty())
            or (self.fast is not None and self.fast())
        ):
            raise _Stopped
