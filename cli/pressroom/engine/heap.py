"""What a build process tells Python's cycle collector about the objects it keeps.

A build loads every release once and keeps it to the end; a worker keeps the
modules its fork server imported. The collector does not know that: each of
its full passes walks all of them again (at 5,000 releases, more than 0.9 s
of a one-edit rebuild went to passes that found next to nothing). `settled`
makes what a block builds permanent in the collector's eyes, and pauses it
while the block runs, since what the block makes (decoded JSON, release
objects) holds no cycles for it to find. Objects frozen this way are still
freed by reference counting; only cycles among them would stay, which is why
a long-lived process that replaces what it loaded (the preview server, the
embargo watcher) uses neither function here.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between two young passes in a one-shot build (Python's default is 700): the
# plan, the summaries and the listings are made in bursts of objects that live to the end.
BATCH_YOUNG = 10_000


@contextmanager
def settled() -> Iterator[None]:
    """Run the block without the cycle collector, then exempt everything alive from its passes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


@contextmanager
def one_build() -> Iterator[None]:
    """For one build in this process: fewer, larger young passes, and at its end the collector's
    settings as they were and what `settled` froze given back to it (a test, or any program
    that runs the command in its own process, goes on with a collector as it had it)."""
    before = gc.get_threshold()
    gc.set_threshold(BATCH_YOUNG, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
