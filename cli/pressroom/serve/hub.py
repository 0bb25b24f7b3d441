"""Preview: the state every open tab mirrors, which the builder thread updates and the server streams.

Versions of each output format, the current problems and whether a build is
under way; and the outputs the fast path rendered ahead of the build, which
the server serves until build/ has them. Tabs get the whole state each time,
so a missed or repeated message does no harm.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pressroom.errors import Problem
from pressroom.layout import MEDIA, SUFFIX
from pressroom.model import Newsroom

if TYPE_CHECKING:
    from pressroom.engine.preview import Rendered


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
                endings = tuple(SUFFIX[fmt] for fmt in built)
                # A kit's copies are planned with the pages that show them.
                kits = "html" in built
                self._ahead = {
                    rel: r
                    for rel, r in self._ahead.items()
                    if not (rel.endswith(endings) or (kits and f"/{MEDIA}" in rel))
                }
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
