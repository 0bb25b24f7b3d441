"""build/ as the planner sees it (plan.Disk): what the last build wrote there, and what is there now."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pressroom.engine.cache import BuildCache


class CacheDisk:
    """A file is fresh when it is still the one the cache recorded for the same key."""

    def __init__(self, out: Path, cache: BuildCache) -> None:
        self.out = out
        self.cache = cache

    def fresh(self, rel: str, key: str) -> bool:
        return self.cache.fresh(self.out, rel, key)

    def has(self, rel: str) -> bool:
        # One lstat, on a string: asked of every output of a format left out, thousands a build.
        try:
            return stat.S_ISREG(os.lstat(f"{self.out}/{rel}").st_mode)
        except OSError:
            return False
