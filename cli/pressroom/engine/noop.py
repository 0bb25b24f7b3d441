"""The no-op check: is build/ already exactly what a build at `now` would make?

Answered before anything is loaded, from the names, sizes and times of the
source files and from cache.json alone (never loaded.json, the larger part of
the cache: see cache.py), so that a build with nothing to do costs a stat of
every source and every output. This module is on that path: it imports
neither Jinja nor the renderers nor the planner.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pressroom.engine.cache import BuildCache, digest, engine
from pressroom.engine.report import BuildReport
from pressroom.errors import Problem
from pressroom.layout import DEFAULT_TEMPLATES, FORMATS, JOURNAL, OUTPUT, WORKDIR


@dataclass(frozen=True, slots=True)
class BuildState:
    """What the next build needs to tell, without loading anything, that it has nothing to do."""

    inputs: str | None  # the input signature, when this build was of every release with no problem
    formats: tuple[str, ...]
    since: datetime | None  # the last publication or embargo instant at or before `now`
    until: datetime | None  # the next one after it: the build is out of date from then on
    public: tuple[str, ...]
    withheld: tuple[str, ...]
    warnings: tuple[Problem, ...]
    closures: dict[str, Any]  # which templates each kind of output reaches (templates.py)

    def to_json(self) -> dict[str, Any]:
        from pressroom.engine import codec

        return {
            "inputs": self.inputs,
            "formats": list(self.formats),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "public": list(self.public),
            "withheld": list(self.withheld),
            "warnings": [codec.encode(w) for w in self.warnings],
            "closures": self.closures,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BuildState:
        """Raises KeyError, TypeError or ValueError for a state that is not one."""
        from pressroom.engine import codec

        def instant(value: Any) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value)

        inputs = data["inputs"]
        if inputs is not None and not isinstance(inputs, str):
            raise TypeError("inputs")
        return cls(
            inputs=inputs,
            formats=tuple(str(f) for f in data["formats"]),
            since=instant(data["since"]),
            until=instant(data["until"]),
            public=tuple(str(s) for s in data["public"]),
            withheld=tuple(str(s) for s in data["withheld"]),
            warnings=tuple(codec.decode(Problem, w) for w in data["warnings"]),
            closures=dict(data.get("closures") or {}),
        )


def read_cache(root: Path) -> BuildCache:
    """The last build's cache for `up_to_date`, then for `load` (which reads the rest of it)."""
    return BuildCache.read(root / WORKDIR, lazy=True)


def input_signature(root: Path) -> str:
    """Names, sizes and modification times of every file a build reads, as one digest."""
    entries: list[tuple[str, int, int]] = []
    folders = [(root / "releases", "r"), (root / "contacts", "c"), (root / "templates", "t")]
    folders.append((root / "media", "m"))  # a photo replaced under the same name is a new photo
    folders.append((DEFAULT_TEMPLATES, "d"))

    def scan(folder: str, label: str) -> None:
        try:
            with os.scandir(folder) as found:
                for entry in found:
                    name = f"{label}/{entry.name}"
                    if entry.is_dir():
                        scan(entry.path, name)
                    elif entry.is_file():
                        st = entry.stat()
                        entries.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            pass

    for folder, tag in folders:
        scan(str(folder), tag)
    settings = root / "pressroom.toml"
    if settings.is_file():
        st = settings.stat()
        entries.append(("pressroom.toml", st.st_size, st.st_mtime_ns))
    return digest(engine(), sorted(entries))


def up_to_date(
    root: Path,
    now: datetime,
    inputs: str,
    formats: Collection[str] = FORMATS,
    cache: BuildCache | None = None,
) -> BuildReport | None:
    """The report of the last build if it is still exactly right for `now`, else None.

    True when no source file changed since a build of every release in at least
    these formats, no embargo or publication instant has passed since, and every
    output is still the file that build wrote: then there is nothing to do, and
    nothing is loaded or rendered. `cache`: the last build's, read by the caller
    (`read_cache`), which then loads with it rather than read it a second time.
    """
    out, work = root / OUTPUT, root / WORKDIR
    if not out.is_dir() or out.is_symlink() or (work / JOURNAL).exists():
        return None
    if cache is None:
        cache = BuildCache.read(work, lazy=True)
    try:
        state = BuildState.from_json(cache.state)
    except (KeyError, TypeError, ValueError):
        return None
    if not inputs or state.inputs != inputs or not set(formats) <= set(state.formats):
        return None
    if (state.since is not None and now < state.since) or (state.until is not None and now >= state.until):
        return None
    if not cache.all_fresh(out):
        return None
    return BuildReport(
        out=out,
        reused=cache.output_count,
        public=state.public,
        withheld=state.withheld,
        warnings=state.warnings,
    )
