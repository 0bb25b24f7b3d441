"""The engine's public side: what a caller of the build hands it and hears back while it runs."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """A progress hook: told how many steps there are, then each one done (a build's renders, a send's
    messages). It may raise to end the work early."""

    def start(self, total: int) -> None: ...
    def advance(self) -> None: ...
