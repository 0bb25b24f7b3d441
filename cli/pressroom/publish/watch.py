"""`pressroom publish --watch`: sleep until the public site next changes, then publish.

The loop keeps the newsroom as last read and the set of releases the target
shows. It publishes whenever the releases public at the clock's time differ
from those: at an embargo's instant, and at once when a save makes a release
public or takes one back to draft. Otherwise it sleeps until the next instant
(`schedule.next_change`), or until a file under releases/ or contacts/, or
pressroom.toml, changes (an embargo moved earlier or later), then looks again.
A publish that fails is tried again after 1, 2, 4 ... up to 60 seconds, or at
once after a save. SIGTERM or Ctrl-C ends the loop after the publish under way.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from pressroom.errors import ContentError, PressroomError
from pressroom.model import Newsroom
from pressroom.publish.run import PublishReport, publish
from pressroom.publish.schedule import Change, next_change, public_keys
from pressroom.publish.targets import Target

log = logging.getLogger(__name__)

BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
# The clock is read again at least this often: the system clock may be set while the loop sleeps.
MAX_SLEEP_S = 60.0
WATCHED = ("releases", "contacts", "media", "pressroom.toml")
_DEBOUNCE_MS = 200


class Watch:
    """The publishing loop of one newsroom and one target; `run` returns once `stop` is set."""

    def __init__(
        self,
        root: Path,
        target: Target,
        *,
        clock: Callable[[], datetime],
        stop: threading.Event,
        jobs: int | None = None,
    ) -> None:
        self.root = root.resolve()
        self.target = target
        self.clock = clock
        self.stop = stop
        self.jobs = jobs
        self.changed = threading.Event()  # a watched file changed, or `stop` was set
        self._newsroom: Newsroom | None = None
        self._shown: frozenset[str] | None = None  # what the target shows; None: not known yet
        self._failures = 0
        self._retry_at = 0.0  # monotonic time before which a failed publish is not tried again
        self._announced: Change | str | None = "unknown"  # the next change last logged

    def run(self) -> None:
        # The newsroom folder itself, not recursively: pressroom.toml. Recursing there would
        # watch build/ and .pressroom/, which every publish rewrites, and a repository's .git.
        folders = [self.root / name for name in WATCHED[:3] if (self.root / name).is_dir()]
        for paths, recursive in (([self.root], False), (folders, True)):
            if paths:
                threading.Thread(
                    target=self._watch_files, args=(paths, recursive), name="pressroom-watch", daemon=True
                ).start()
        reload = True
        while not self.stop.is_set():
            if reload:
                self.changed.clear()
                self._load()
            now = self.clock()
            due = (
                self._newsroom is None
                or self._shown is None
                or public_keys(self._newsroom, now) != self._shown
            )
            if due and time.monotonic() >= self._retry_at:
                self._publish(now)
                reload = False
                continue
            reload = self.changed.wait(self._sleep(now, due))

    def _sleep(self, now: datetime, due: bool) -> float:
        """Seconds until the next thing to do: the next instant, or the retry of a failed publish."""
        wait = MAX_SLEEP_S
        change = next_change(self._newsroom, now) if self._newsroom is not None else None
        if change is not None:
            wait = min(wait, (change.at - now).total_seconds())
        if change != self._announced:
            if change is not None:
                log.info("next: %s, when %s goes public", _instant(change.at), ", ".join(change.keys()))
            else:
                log.info("next: nothing scheduled; waiting for a change to the newsroom")
            self._announced = change
        if due:
            wait = min(wait, self._retry_at - time.monotonic())
        return max(0.0, wait)

    def _load(self) -> None:
        from pressroom.content.loader import load_newsroom

        try:
            self._newsroom = load_newsroom(self.root)
        except ContentError as exc:
            for problem in exc.problems:
                log.error("%s", problem)
            log.error("the newsroom has errors; the schedule stays as it was until they are fixed")
        except PressroomError as exc:
            log.error("%s", exc)
        self._retry_at = 0.0  # a save is worth trying again at once

    def _publish(self, now: datetime) -> None:
        try:
            report = publish(self.root, now, self.target, jobs=self.jobs)
        except PressroomError as exc:
            self._failed(now, str(exc).splitlines() or [type(exc).__name__])
            return
        if not report.ok:
            self._failed(now, [str(f) for f in report.deploy.failures])
            return
        self._failures = 0
        self._retry_at = 0.0
        self._shown = frozenset(report.public)
        log.info("%s", published_line(report))

    def _failed(self, now: datetime, reasons: list[str]) -> None:
        delay = BACKOFF_S[min(self._failures, len(BACKOFF_S) - 1)]
        self._failures += 1
        self._retry_at = time.monotonic() + delay
        for reason in reasons:
            log.error("  %s", reason)
        log.error(
            "%s publish to %s failed (%d in a row); trying again in %g s",
            _instant(now),
            self.target.name,
            self._failures,
            delay,
        )

    def _watch_files(self, paths: list[Path], recursive: bool) -> None:
        import watchfiles

        def wanted(change: watchfiles.Change, path: str) -> bool:
            rel = Path(path).relative_to(self.root).parts
            return bool(rel) and rel[0] in WATCHED

        while not self.stop.is_set():
            try:
                for _ in watchfiles.watch(
                    *paths,
                    watch_filter=wanted,
                    recursive=recursive,
                    debounce=_DEBOUNCE_MS,
                    step=20,
                    stop_event=self.stop,
                    raise_interrupt=False,
                ):
                    self.changed.set()
            except Exception as exc:  # the folder went away, the watch limit was reached
                log.warning("watching %s failed (%s); trying again", self.root, exc)
                self.stop.wait(1.0)


def published_line(report: PublishReport) -> str:
    """The one line a publish logs: when, where, which releases went public, what changed."""
    return f"{_instant(report.now)} published to {report.target}: {report.summary()}"


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event, changed: threading.Event) -> Iterator[None]:
    """SIGTERM or SIGINT sets `stop` (the loop ends after the publish under way); a second one interrupts."""

    def handle(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        log.info("stopping (%s)", signal.Signals(signum).name)
        stop.set()
        changed.set()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run_watch(watch: Watch) -> None:
    """Run `watch` in a thread until SIGTERM or SIGINT, which this thread (the main one) receives."""
    thread = threading.Thread(target=watch.run, name="pressroom-publish", daemon=True)
    with stop_on_signals(watch.stop, watch.changed):
        thread.start()
        while thread.is_alive():
            thread.join(0.2)
