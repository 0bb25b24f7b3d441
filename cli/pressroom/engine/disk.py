"""build/ as the planner sees it (plan.Disk): what the last build wrote there, and what is there now."""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from pathlib import Path

from pressroom.engine.cache import BuildCache


class CacheDisk:
    """A file is fresh when it is still the one the cache recorded for the same key.

    `recovered`: the files a killed build's journal has just put in build/,
    which no cache recorded.
    """

    def __init__(self, out: Path, cache: BuildCache, recovered: Collection[str] = ()) -> None:
        self.out = out
        self.cache = cache
        self.recovered = frozenset(recovered)

    def fresh(self, rel: str, key: str) -> bool:
        return self.cache.fresh(self.out, rel, key)

    def has(self, rel: str) -> bool:
        """Whether build/ has `rel` as a file a build wrote: asked of every output of a format left
        out (a PDF and an email of each release, in an HTML build).

        With a cache that recorded the last build's outputs, a path it did not
        record (nor a journal put back) is not one, and needs no lstat: a file
        there was put by hand, and a build neither keeps, links nor removes it
        (build.removals takes only what it knows). With no record at all (a
        first build, a cache set aside), every file in build/ counts.
        """
        if self.cache.outputs and rel not in self.cache.outputs and rel not in self.recovered:
            return False
        # One lstat, on a string.
        try:
            return stat.S_ISREG(os.lstat(f"{self.out}/{rel}").st_mode)
        except OSError:
            return False
