"""The build cache: what every output in build/ was made from, so a rebuild redoes only what changed.

Each output is recorded with a key, the hash of everything it depends on
(the release as loaded — contacts included —, the templates it uses, the
settings, the state its embargo is in at `now`, the engine's own code), and
the size and modification time it was written with. An output is reused only
when its key is the same and the file in build/ is still the one written.

The cache lives in .pressroom/cache.json. It is data, never code: a file that
is damaged, of another format or written by another version of pressroom is
ignored as a whole, and the build starts from scratch.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pressroom.engine import codec
from pressroom.version import __version__

FORMAT = 1
FILENAME = "cache.json"


def digest(*parts: object) -> str:
    """A short stable hash of JSON-able parts: strings, numbers, lists, mappings."""
    if all(type(p) is str for p in parts):  # the keys of a build: thousands of them, kept cheap
        text = "\x1d".join(parts)  # type: ignore[arg-type]
        return hashlib.blake2b(text.encode(), digest_size=16, person=b"str").hexdigest()
    data = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


def file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@cache
def engine() -> str:
    """The version and the code of this pressroom: a changed engine invalidates every output."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    package = Path(__file__).parents[1]  # the whole pressroom package, not only the engine
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@dataclass(slots=True)
class Record:
    """One output as the last build wrote it."""

    key: str
    size: int
    mtime_ns: int


@dataclass
class BuildCache:
    """The cache as read at the start of a build, and filled in for the next one."""

    outputs: dict[str, Record] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)  # source file -> digest, for the no-op check
    loaded: dict[str, dict[str, Any]] = field(default_factory=dict)  # release file -> loader's result
    summaries: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # key -> (digest, data)
    state: dict[str, Any] = field(default_factory=dict)  # window, formats, warnings of the last build

    @classmethod
    def read(cls, work: Path) -> BuildCache:
        """The cache in `work`, or an empty one if it is missing, damaged or not ours."""
        # .pressroom/ as a link would have the build read (and trust) a file from elsewhere.
        if work.is_symlink() or (work / FILENAME).is_symlink():
            return cls()
        try:
            raw = json.loads((work / FILENAME).read_bytes())
            if raw.get("format") != FORMAT or raw.get("engine") != engine():
                return cls()
            outputs = {rel: Record(*rec) for rel, rec in raw["outputs"].items()}
            for rel, rec in outputs.items():
                _check_record(rel, rec)
            return cls(
                outputs=outputs,
                inputs=_str_dict(raw["inputs"]),
                loaded=dict(raw["loaded"]),
                summaries={k: (str(v[0]), dict(v[1])) for k, v in raw["summaries"].items()},
                state=dict(raw["state"]),
            )
        except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError):
            return cls()

    def write(self, work: Path) -> None:
        """Save atomically; a cache that cannot be written only costs the next build time."""
        data = {
            "format": FORMAT,
            "engine": engine(),
            "outputs": {rel: [r.key, r.size, r.mtime_ns] for rel, r in sorted(self.outputs.items())},
            "inputs": self.inputs,
            "loaded": self.loaded,
            "summaries": {k: list(v) for k, v in self.summaries.items()},
            "state": self.state,
        }
        with contextlib.suppress(OSError):
            fd, tmp = tempfile.mkstemp(prefix="cache-", suffix=".tmp", dir=work)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())
                Path(tmp).replace(work / FILENAME)
            except OSError:
                Path(tmp).unlink(missing_ok=True)

    @staticmethod
    def clear(work: Path) -> None:
        with contextlib.suppress(OSError):
            (work / FILENAME).unlink()

    def fresh(self, out: Path, rel: str, key: str) -> bool:
        """True if build/`rel` is the file the last build wrote for this same key."""
        record = self.outputs.get(rel)
        if record is None or record.key != key:
            return False
        try:
            st = os.lstat(out / rel)
        except OSError:
            return False
        return st.st_size == record.size and st.st_mtime_ns == record.mtime_ns

    def summary(self, key: str, kind: type[Any]) -> Any | None:
        entry = self.summaries.get(key)
        if entry is None:
            return None
        try:
            return codec.decode(kind, entry[1])
        except ValueError:
            return None


def _check_record(rel: str, rec: Record) -> None:
    if not (isinstance(rec.key, str) and isinstance(rec.size, int) and isinstance(rec.mtime_ns, int)):
        raise ValueError(f"bad record for {rel}")
    parts = rel.split("/")
    if rel.startswith("/") or ".." in parts or "" in parts:
        raise ValueError(f"bad output path {rel}")


def _str_dict(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError("expected a mapping of text")
    return dict(value)


class LoadCache:
    """The loader's view of the build cache: releases by file content, contacts and settings.

    An entry is used only when the file's bytes, the settings and every contact
    file the release named are as they were when it was loaded; anything that
    fails to decode counts as a miss.
    """

    def __init__(self, source: BuildCache, checkpoint: Callable[[], None] | None = None) -> None:
        self.source = source  # the build reuses it rather than reading the file again
        self.checkpoint = checkpoint  # called before each release, to end a long load early
        self.previous = source.loaded
        self.next: dict[str, dict[str, Any]] = {}
        self._settings: tuple[object, str] | None = None
        self._contacts: dict[str, str] = {}
        self.digests: dict[str, str] = {}  # release file -> digest of the release as loaded

    def _settings_digest(self, settings: Any) -> str:
        if self._settings is None or self._settings[0] is not settings:
            self._settings = (settings, digest(codec.encode(settings)))
        return self._settings[1]

    def _contact_digest(self, contacts: dict[str, Any], contact_id: str) -> str:
        if contact_id not in self._contacts:
            contact = contacts.get(contact_id)
            self._contacts[contact_id] = digest(codec.encode(contact)) if contact is not None else ""
        return self._contacts[contact_id]

    def lookup(self, rel: str, data: bytes, settings: Any, contacts: dict[str, Any]) -> Any | None:
        from pressroom.errors import Problem
        from pressroom.model import Release

        if self.checkpoint is not None:
            self.checkpoint()
        entry = self.previous.get(rel)
        try:
            if entry is None or entry["file"] != file_digest(data):
                return None
            if entry["settings"] != self._settings_digest(settings):
                return None
            named: dict[str, str] = entry["contacts"]
            if any(self._contact_digest(contacts, cid) != d for cid, d in named.items()):
                return None
            release = codec.decode(Release, entry["release"])
            problems = [codec.decode(Problem, p) for p in entry["problems"]]
            self.digests[rel] = str(entry["digest"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        self.next[rel] = entry
        return release, problems

    def store(
        self,
        rel: str,
        data: bytes,
        settings: Any,
        contacts: dict[str, Any],
        release: Any,
        problems: list[Any],
    ) -> None:
        named = {c.id: self._contact_digest(contacts, c.id) for c in release.contacts if c.id}
        encoded = codec.encode(release)
        self.digests[rel] = digest(encoded)
        self.next[rel] = {
            "digest": self.digests[rel],
            "file": file_digest(data),
            "settings": self._settings_digest(settings),
            "contacts": named,
            "release": encoded,
            "problems": [codec.encode(p) for p in problems],
        }

    def forget(self, paths: Iterable[str]) -> None:
        """Drop what is known of these release files: they were read again since (the preview's fast
        path), so their digests are of the files as they were."""
        for rel in paths:
            self.digests.pop(rel, None)
            self.next.pop(rel, None)
