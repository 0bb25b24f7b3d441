"""Preview: watch the newsroom's files, and tell what each save asks the build to render again.

The watcher threads (`watchfiles`) notice saves under releases/, contacts/,
templates/, media/ and to pressroom.toml, and queue a `Pending` for each burst of them
(`classify`); the builder thread (rebuild.py) takes them from the queue.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pressroom.model import Newsroom

log = logging.getLogger(__name__)

WATCHED = ("releases", "contacts", "templates", "media", "pressroom.toml")
# Quiet time that ends a burst of file events (an editor's write, rename and chmod
# of one save take a few milliseconds), and the longest a steady stream is held back.
DEBOUNCE_STEP_MS = 20
DEBOUNCE_MAX_MS = 1000


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
    a file of media/<slug>/ is that release's kit; a template or pressroom.toml
    is every release. The mailing lists in
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
        if top in ("pressroom.toml", "templates") or (top in ("releases", "contacts", "media") and not rest):
            pending.everything = True
        elif top == "media" and len(rest) == 2:
            pending.slugs.add(rest[0])
        elif top == "releases" and len(rest) == 1 and rest[0].endswith(".md"):
            pending.slugs.add(rest[0].split(".", 1)[0])  # a translation, <slug>.<lang>.md, is its original's
        elif top == "contacts" and len(rest) == 1 and Path(rest[0]).suffix in (".yaml", ".yml"):
            pending.contacts.add(Path(rest[0]).stem)
    return pending


class _AnyOf:
    """An event that is set when any of its events is: watchfiles takes one stop event."""

    def __init__(self, *events: threading.Event) -> None:
        self.events = events

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)


class Watcher:
    """The two watcher threads of one preview, putting what changed into `changes`."""

    def __init__(self, root: Path, changes: queue.Queue[Pending], stop: threading.Event) -> None:
        self.root = root
        self.changes = changes
        self.stop = stop
        self._rescan = threading.Event()  # a watched folder appeared or vanished

    def start(self) -> list[threading.Thread]:
        threads = []
        for target, name in (
            (self._watch_top, "pressroom-watch-top"),
            (self._watch_folders, "pressroom-watch"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            threads.append(thread)
        return threads

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
            folders = [self.root / name for name in WATCHED[:4] if (self.root / name).is_dir()]
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
