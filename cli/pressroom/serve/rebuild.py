"""Preview, the live part: watch the newsroom's files and rebuild, telling the hub (hub.py) as it goes.

The watcher threads (watch.py) queue what each save asks the build to render
again. The builder thread is the only one that renders,
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
from datetime import datetime
from enum import Enum
from pathlib import Path

from pressroom.engine.cache import LoadCache
from pressroom.errors import ContentError, PressroomError, Severity
from pressroom.model import Newsroom
from pressroom.serve.hub import Hub
from pressroom.serve.watch import Pending, Watcher

log = logging.getLogger(__name__)

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


class Outcome(Enum):
    """How one fast path or one build ended, and so what the builder thread does next."""

    DONE = "done"
    STOPPED = "stopped"  # ended early for a newer save or Ctrl-C; the next pass takes it up
    CONTENT = "content"  # the content has problems: nothing to do until a file changes
    RETRY = "retry"  # build/ could not be written, or a bug: try again after a while
    WHOLE = "whole"  # the fast path cannot tell what a save changed: only a whole load can


# -- building ---------------------------------------------------------------------


class Builds:
    """The builder thread's work: the fast path, the whole build, and the newsroom they share.

    A whole load happens only when a save asks for one (a template, a contact,
    pressroom.toml, a release added or removed): the newsroom the fast path
    read a saved release into is the one the build that follows renders.
    """

    def __init__(self, root: Path, clock: Callable[[], datetime], hub: Hub) -> None:
        self.root = root
        self.clock = clock
        self.hub = hub
        # The newsroom as the files are now, which the fast path reads a saved release into;
        # None from a save it cannot take (a template, a contact) until the next whole load.
        self.base: Newsroom | None = None
        self._loader: LoadCache | None = None  # the build cache of the last whole load
        self._reloaded: set[str] = set()  # release files the fast path read again since then
        self._warm = False  # whether this process has rendered a page and a PDF yet
        self._noted: set[str] = set()  # notices already said: once a session, not once a build

    def saved(self, change: Pending) -> None:
        """A save came: one the fast path cannot take needs a whole load."""
        if not _fast(change):
            self.base = None

    def warm_up(self) -> None:
        """Render the newest release's page and PDF once, idle after the first build, and drop them.

        The first build of a large newsroom renders in worker processes, so this
        one has yet to compile the templates and load the PDF engine's fonts: a
        second or so that the first save would otherwise wait for.
        """
        from pressroom.engine.cache import BuildCache
        from pressroom.engine.preview import render_preview

        base = self.base
        if self._warm or base is None:  # the content does not load: after the save that fixes it
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

    def preview(self, phase: Pending, page: bool) -> Outcome:
        """The fast path: the saved releases' staff pages, or their PDF and email, rendered in memory.

        DONE; CONTENT when a saved file has problems (shown until a save fixes
        them); WHOLE when only a whole load can tell what the save changed.
        """
        from pressroom.content.loader import reload_releases
        from pressroom.engine.preview import render_preview

        started = time.perf_counter()
        formats = ("html",) if page else ("pdf", "email")
        slugs = set(phase.slugs)
        base = self.base
        assert base is not None
        try:
            with _BUILD_LOCK:
                newsroom = reload_releases(base, slugs) if page else base
                if newsroom is None:
                    self.base = None
                    return Outcome.WHOLE
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
            return Outcome.CONTENT
        except Exception as exc:  # a bug: the whole build says the same or does better
            log.exception("internal error while previewing")
            self.base = None
            self.hub.update(error=f"internal error: {type(exc).__name__}: {exc}")
            return Outcome.WHOLE
        phase.slugs.clear()
        if page:
            self._reloaded |= {
                r.path for r in (*newsroom.releases, *newsroom.translations) if r.slug in slugs
            }
        self.base = self.hub.newsroom = newsroom
        self.hub.now = now
        errors = tuple(p for p in problems if p.severity is Severity.ERROR)
        self.hub.update(built=formats, ahead=rendered, problems=errors, error="")
        took = time.perf_counter() - started
        log.info("Previewed %s (%s) in %.2f s", "/".join(formats), ", ".join(sorted(slugs)), took)
        return Outcome.DONE

    def build(self, phase: Pending, formats: tuple[str, ...], interrupt: _Interrupt) -> Outcome:
        """One build, after a whole load only when the fast path could not take every save since the
        last one: DONE, STOPPED, CONTENT (wait for a save) or RETRY."""
        from pressroom.engine.build import build, load

        started = time.perf_counter()
        self.hub.update(building=True)
        loading: float | None = None
        try:
            with _BUILD_LOCK:
                newsroom = self.base if self._loader is not None else None
                if newsroom is None:
                    newsroom, self._loader = load(self.root, checkpoint=interrupt.advance)
                    loading = time.perf_counter() - started
                    self._reloaded.clear()
                assert self._loader is not None
                self._loader.forget(self._reloaded)  # their digests are of the files as they were
                self._reloaded.clear()
                self.base = self.hub.newsroom = newsroom
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
            if not interrupt.stop.is_set():
                log.info("%s: stopped for a newer save", "/".join(formats))
            return Outcome.STOPPED
        except ContentError as exc:
            log.info(
                "%s: %d problem(s); still serving the last good build", "/".join(formats), len(exc.problems)
            )
            for problem in exc.problems:
                log.info("  %s", problem)
            self.hub.update(problems=exc.problems, error="", building=False)
            return Outcome.CONTENT
        except PressroomError as exc:
            log.warning("could not build: %s", exc)
            self.hub.update(problems=(), error=str(exc), building=False)
            return Outcome.RETRY
        except Exception as exc:  # a bug: report it, keep serving
            log.exception("internal error while building")
            self.hub.update(problems=(), error=f"internal error: {type(exc).__name__}: {exc}", building=False)
            return Outcome.RETRY
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
        loaded = f"loading {loading:.2f} s" if loading is not None else "the fast path's newsroom, no load"
        log.info("Built %s (%s) in %.2f s (%s)", "/".join(formats), what, took, loaded)
        return Outcome.DONE


class Rebuilder:
    """The builder thread of one preview, with the watcher threads that feed it: what waits, and when."""

    def __init__(self, root: Path, clock: Callable[[], datetime], hub: Hub, stop: threading.Event) -> None:
        self.stop = stop
        self.changes: queue.Queue[Pending] = queue.Queue()
        # The first build renders everything, as `pressroom build` does.
        self.html = Pending(everything=True)
        self.rest = Pending(everything=True)
        # What the fast path must render again: first the page, then the PDF and email.
        self.fast_page = Pending()
        self.fast_pdf = Pending()
        self.first_html = threading.Event()  # the first HTML build is done, or has failed
        self.builds = Builds(root, clock, hub)
        self._quiet_until = 0.0  # monotonic time before which the whole build waits
        self.watcher = Watcher(root, self.changes, stop)
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        thread = threading.Thread(target=self._build_loop, name="pressroom-build", daemon=True)
        thread.start()
        self._threads = [thread, *self.watcher.start()]

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
            self.builds.saved(change)
            got = True

    def _fast_waiting(self) -> bool:
        """Whether a save waits in the queue that the fast path can show."""
        with self.changes.mutex:
            waiting = list(self.changes.queue)
        return self.builds.base is not None and any(waiting) and all(_fast(c) for c in waiting)

    def _build_loop(self) -> None:
        retry = 0.0  # seconds before trying a failed build again; 0: only after a change
        while not self.stop.is_set():
            self._take_changes(None)
            if self.builds.base is not None and (self.fast_page or self.fast_pdf):
                page = bool(self.fast_page)
                outcome = self.builds.preview(self.fast_page if page else self.fast_pdf, page)
                if outcome is Outcome.DONE:
                    self._quiet_until = time.monotonic() + SETTLE_S
                if outcome is not Outcome.CONTENT:
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
                self.builds.warm_up()
                self._take_changes(0.2)
                continue
            if outcome in (Outcome.DONE, Outcome.STOPPED):
                retry = 0.0
            elif outcome is Outcome.RETRY:
                retry = min(max(retry * 2, RETRY_FIRST_S), RETRY_MAX_S)
                self._take_changes(retry)
            else:  # problems in the content: nothing to do until a file changes
                while not self.stop.is_set() and not self._take_changes(0.2):
                    pass

    def _build(self, phase: Pending, formats: tuple[str, ...]) -> Outcome:
        # A waiting save ends a PDF build, whose HTML then comes first, and any build when
        # the fast path can show it; the build starts again after it.
        interrupt = _Interrupt(self.stop, self.changes if "html" not in formats else None, self._fast_waiting)
        loaded = self.builds.base is None
        outcome = self.builds.build(phase, formats, interrupt)
        if loaded and self.builds.base is not None:  # a whole load took every save so far
            self.fast_page, self.fast_pdf = Pending(), Pending()
        return outcome


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
