"""The build cache: what every output in build/ was made from, so a rebuild redoes only what changed.

Each output is recorded with a key, the hash of everything it depends on
(the release as loaded — contacts included —, the templates it uses, the
settings, the state its embargo is in at `now`, the engine's own code), and
the size and modification time it was written with. An output is reused only
when its key is the same and the file in build/ is still the one written.

The cache is in two parts in .pressroom/, so that a build with nothing to do
reads the small one only: cache.json holds the outputs, the input signature and
the state of the last build (all the no-op check needs, about 130 bytes an
output); loaded-00.json to loaded-31.json the releases as loaded, the kit
files' facts and the summaries listings are made from (about 15 kB a release),
read once a build has work to do (`BuildCache.complete`). Each entry goes to
the shard its key hashes to, and a build writes again only the shards whose
entries changed: one edited release rewrites two or three of the 32, not the
whole archive's.

Both are data, never code, and never trusted: they hold releases as loaded and
the summaries listings are made from, so a planted one could publish a draft
or send an output out of build/. A build therefore takes each only when it is
the very file this newsroom's last build wrote: beside it, a seal
(.pressroom/cache.seal; loaded.seal for every shard) records the identity the
file system gave that file (inode, size, modification and change times). The
change time is set by the kernel and cannot be chosen, so a cache copied in
(with the newsroom, from a backup, from a CI cache, by hand) or edited since
does not match and is ignored whole, and said once. A sealed cache is still validated entry by entry
(paths, slugs, types), and what is public is always decided again from the
releases and `now` (see build.py). One of another format or version of
pressroom is ignored silently.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pressroom.engine import codec
from pressroom.version import __version__
from pressroom.workdir import Untrusted, ignored, output_path, read_regular, shown

FORMAT = 2
FILENAME = "cache.json"  # outputs, inputs, state
SEAL = "cache.seal"
SHARDS = 32  # loaded-NN.json: loaded releases, kit facts, summaries, by the hash of their key
LOADED_SEAL = "loaded.seal"
# How write() starts the file: the version is read before the seal is looked at, so
# that a cache of another version, as every upgrade leaves, is dropped without a word.
_HEADER = re.compile(rb'\{"format":(\d{1,9}),"engine":"([0-9a-f]{1,64})",')
_RELEASE_FILE = re.compile(r"releases/([^/]+)\.md")
_KIT_FILE = re.compile(r"media/[^/]+/[^/]+")  # a kit file's facts (LoadCache.kit_file)
_KEYS = frozenset({"format", "engine", "outputs", "inputs", "state"})
_LOADED_KEYS = frozenset({"format", "engine", "loaded", "summaries"})
_Shard = tuple[dict[str, dict[str, Any]], dict[str, tuple[str, dict[str, Any]]]]  # (loaded, summaries)


clock = time.time_ns  # the loader's clock (source.settled); a test moves it on


def digest(*parts: object) -> str:
    """A short stable hash of JSON-able parts: strings, numbers, lists, mappings."""
    if all(type(p) is str for p in parts):  # the keys of a build: thousands of them, kept cheap
        text = "\x1d".join(parts)  # type: ignore[arg-type]
        return hashlib.blake2b(text.encode(), digest_size=16, person=b"str").hexdigest()
    data = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


def data_digest(value: Any) -> str:
    """The hash of a JSON-able value as msgspec writes it, keys sorted: a release as loaded, a
    summary. `digest` would write it with the standard library, most of the cost at this size."""
    import msgspec.json  # here: the no-op check hashes no release

    return file_digest(msgspec.json.encode(value, order="sorted"))


def file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@cache
def engine() -> str:
    """The version and the code of this pressroom: a changed engine invalidates every output."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    package = Path(__file__).parents[1]  # the whole pressroom package, not only the engine
    # Walked with scandir, on strings: every build, the no-op check included, asks this first.
    for rel in sorted(_sources(str(package), "")):
        h.update(rel.encode())
        h.update((package / rel).read_bytes())
    return h.hexdigest()


def _sources(folder: str, prefix: str) -> list[str]:
    """The package's .py files under `folder`, as paths from the package ('engine/cache.py')."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                found += _sources(entry.path, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".py"):
                found.append(prefix + entry.name)
    return found


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
    # release file -> loader's result; kit file (media/<slug>/<name>) -> its facts
    loaded: dict[str, dict[str, Any]] = field(default_factory=dict)
    summaries: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # key -> (digest, data)
    state: dict[str, Any] = field(default_factory=dict)  # window, formats, warnings of the last build
    rejected: str | None = None  # the one line saying why the cache on disk was ignored
    pending: Path | None = None  # the folder whose loaded-NN.json are still to be read (`complete`)
    # cache.json's outputs as read, checked and made Records by `complete`: the no-op check only
    # compares them with build/ (`all_fresh`), and a thousand Records cost more than that.
    unchecked: dict[str, Any] = field(default_factory=dict, repr=False)
    # The shards as on disk, with their identities: a build writes only those whose entries changed.
    on_disk: dict[str, tuple[_Shard, list[int]]] = field(default_factory=dict, repr=False)

    @classmethod
    def read(cls, work: Path, *, lazy: bool = False) -> BuildCache:
        """The cache in `work`, or an empty one.

        Empty when there is none, when another version wrote it, or when it is
        not the file the last build here wrote: then `rejected` says why.
        `lazy` leaves the loaded-NN.json to `complete`: the no-op check needs none of them.
        """
        # .pressroom/ as a link would have the build read (and trust) a file from elsewhere.
        if work.is_symlink():
            return cls()
        try:
            raw = _read_sealed(work, FILENAME, SEAL, _KEYS)
        except Untrusted as exc:
            return cls(rejected=ignored(FILENAME, str(exc)))
        try:
            cache = cls() if raw is None else cls(
                unchecked=_dict(raw["outputs"]), inputs=_str_dict(raw["inputs"]), state=_dict(raw["state"])
            )  # fmt: skip
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
            return cls(rejected=ignored(FILENAME, f"it is damaged ({exc})"))
        cache.pending = work
        return cache if lazy else cache.complete()

    def complete(self) -> BuildCache:
        """Read the loaded-NN.json into this cache, if `read` left them (a foreign one discards the whole
        cache)."""
        if self.pending is None:
            return self
        work, self.pending = self.pending, None
        unchecked, self.unchecked = self.unchecked, {}
        try:
            self.outputs = {rel: _record(rel, rec) for rel, rec in unchecked.items()}
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
            self._reject(ignored(FILENAME, f"it is damaged ({exc})"))
            return self
        name = shard_name(0)
        try:
            seal = _read_shard_seal(work)
            on_disk: dict[str, tuple[_Shard, list[int]]] = {}
            for number in range(SHARDS):
                name = shard_name(number)
                raw, identity = _read_shard(work, name, seal)
                if raw is None:
                    return self  # none yet, or another version of pressroom wrote them
                loaded = _dict(raw["loaded"])
                for rel in loaded:
                    if not (_RELEASE_FILE.fullmatch(rel) or _KIT_FILE.fullmatch(rel)):
                        raise Untrusted(f"it is damaged (a loaded release from {shown(rel)})")
                    if shard_of(rel) != number:
                        raise Untrusted(f"it is damaged ({shown(rel)} in the wrong shard)")
                summaries = {k: _summary_entry(v) for k, v in _dict(raw["summaries"]).items()}
                on_disk[name] = ((loaded, summaries), identity)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
            self._reject(ignored(name, f"it is damaged ({exc})"))
            return self
        except Untrusted as exc:
            self._reject(ignored(name, str(exc)))
            return self
        for (loaded, summaries), _ in on_disk.values():
            self.loaded.update(loaded)
            self.summaries.update(summaries)
        self.on_disk = on_disk
        return self

    def _reject(self, why: str) -> None:
        """Ignore the whole cache, outputs included: as said, every output is rendered again."""
        self.outputs, self.inputs, self.loaded, self.summaries, self.state = {}, {}, {}, {}, {}
        self.unchecked = {}
        self.on_disk = {}
        self.rejected = why

    def write(self, work: Path) -> None:
        """Save the shards whose entries changed, then cache.json, each atomically and sealed; a cache
        that cannot be written only costs the next build time."""
        self.complete()  # never shards of nothing over the last ones
        head = {"format": FORMAT, "engine": engine()}
        with contextlib.suppress(OSError):
            self._write_shards(work, head)
        outputs = {rel: [r.key, r.size, r.mtime_ns] for rel, r in sorted(self.outputs.items())}
        with contextlib.suppress(OSError):
            _write_sealed(
                work, FILENAME, SEAL, {**head, "outputs": outputs, "inputs": self.inputs, "state": self.state}
            )

    def _write_shards(self, work: Path, head: dict[str, Any]) -> None:
        shards: list[_Shard] = [({}, {}) for _ in range(SHARDS)]
        for rel, entry in self.loaded.items():
            shards[shard_of(rel)][0][rel] = entry
        for key, summary in self.summaries.items():
            shards[shard_of(key)][1][key] = summary
        # A shard without its seal is ignored: never a new shard under an old seal.
        (work / LOADED_SEAL).unlink(missing_ok=True)
        written: dict[str, tuple[_Shard, list[int]]] = {}
        for number, shard in enumerate(shards):
            name = shard_name(number)
            known = self.on_disk.get(name)
            # Unchanged, and still the file read (another build may have written it since).
            if known is not None and _same(known[0], shard) and _identity_of(work / name) == known[1]:
                written[name] = (shard, known[1])
                continue
            loaded, summaries = shard
            data = {**head, "loaded": loaded, "summaries": {k: list(v) for k, v in summaries.items()}}
            written[name] = (shard, _write_file(work, name, data))
        _write_small(work, LOADED_SEAL, json.dumps({n: i for n, (_, i) in written.items()}).encode())
        self.on_disk = written

    def fresh(self, out: Path, rel: str, key: str) -> bool:
        """True if build/`rel` is the file the last build wrote for this same key."""
        record = self.outputs.get(rel)
        if record is None or record.key != key:
            return False
        try:
            st = os.lstat(f"{out}/{rel}")  # thousands a build: a string costs less than a Path
        except OSError:
            return False
        return st.st_size == record.size and st.st_mtime_ns == record.mtime_ns

    def all_fresh(self, out: Path) -> bool:
        """True if every output is still the file the last build wrote: the no-op check's one stat each.

        Read from the outputs as cache.json has them, before `complete` checks them: an
        entry that is not a path and a record is not fresh (the build then says why), and a
        stat tells nothing and changes nothing wherever a path leads.
        """
        base = f"{out}/"
        if self.unchecked:
            entries: Iterable[tuple[str, Any, Any]] = ((rel, r[1], r[2]) for rel, r in self.unchecked.items())
        else:
            entries = ((rel, r.size, r.mtime_ns) for rel, r in self.outputs.items())
        try:
            for rel, size, mtime_ns in entries:
                st = os.lstat(base + rel)
                if st.st_size != size or st.st_mtime_ns != mtime_ns:
                    return False
        except (OSError, TypeError, ValueError, IndexError, KeyError):
            return False
        return True

    @property
    def output_count(self) -> int:
        return len(self.unchecked or self.outputs)

    def output_names(self) -> Iterable[str]:
        """The paths in build/ of the outputs the last build recorded, read in full or not."""
        return (self.unchecked or self.outputs).keys()


@cache
def _loader_rules() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The loader's slug and contact id patterns, imported once: the loader imports this module."""
    from pressroom.content.fields import CONTACT_ID
    from pressroom.content.loader import SLUG

    return SLUG, CONTACT_ID


def _check_release(rel: str, release: Any) -> None:
    """A cached release must be the original its file names: the loader's slug and contact rules."""
    slug_rule, contact_rule = _loader_rules()
    if release.path != rel or rel != f"releases/{release.slug}.md" or not slug_rule.fullmatch(release.slug):
        raise ValueError(f"its release is {shown(release.slug)}, not the one its file names")
    if release.translation_of is not None or release.original is not None:
        raise ValueError("a translation where an original belongs")
    for contact in release.contacts:
        if contact.id is not None and not contact_rule.fullmatch(contact.id):
            raise ValueError(f"a contact id {shown(contact.id)}")


def _identity(st: os.stat_result) -> list[int]:
    """What the file system says of one file, with what no one can set at will: its change time."""
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _read_sealed(work: Path, name: str, seal: str, keys: frozenset[str]) -> dict[str, Any] | None:
    """The fields of `name`, when it is the file its seal names; None when there is none, or when
    another version of pressroom wrote it. Raises Untrusted for a foreign or damaged file."""
    return _read_checked(work / name, lambda: _read_seal(work / seal), keys)[0]


def _read_checked(
    path: Path, expected: Callable[[], list[int] | None], keys: frozenset[str]
) -> tuple[dict[str, Any] | None, list[int]]:
    """A cache file's fields and identity, when its identity is the `expected` one (its seal's);
    (None, []) when there is none, or when another version of pressroom wrote it."""
    found = read_regular(path)
    if found is None:
        return None, []
    data, st = found
    header = _HEADER.match(data)
    if header is None:
        raise Untrusted("it is damaged (not a cache pressroom wrote)")
    if int(header[1]) != FORMAT or header[2].decode() != engine():
        return None, []  # another version of pressroom wrote it
    identity = _identity(st)
    if identity != expected():
        raise Untrusted("it is not the file the last build here wrote (copied in, or changed since)")
    try:
        raw = _parse(path.name, data)
    except ValueError as exc:
        raise Untrusted(f"it is damaged ({exc})") from None
    if not isinstance(raw, dict) or set(raw) != keys:
        raise Untrusted("it is damaged (not the fields of a cache)")
    return raw, identity


def shard_name(number: int) -> str:
    return f"loaded-{number:02d}.json"


def shard_of(key: str) -> int:
    """The shard of a loaded release or summary: stable across builds and machines."""
    return hashlib.blake2b(key.encode(), digest_size=1).digest()[0] % SHARDS


def _same(old: _Shard, new: _Shard) -> bool:
    """True if a shard holds the very entries read from disk: unchanged releases keep their objects."""
    parts: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = ((old[0], new[0]), (old[1], new[1]))
    for was, now in parts:
        if was.keys() != now.keys() or any(now[k] is not v for k, v in was.items()):
            return False
    return True


def _identity_of(path: Path) -> list[int] | None:
    try:
        return _identity(os.lstat(path))
    except OSError:
        return None


def _read_shard_seal(work: Path) -> dict[str, list[int]]:
    try:
        found = read_regular(work / LOADED_SEAL)
        seal = json.loads(found[0]) if found is not None else {}
    except (Untrusted, ValueError):
        return {}
    return seal if isinstance(seal, dict) else {}


def _read_shard(work: Path, name: str, seal: dict[str, Any]) -> tuple[dict[str, Any] | None, list[int]]:
    """One shard's fields and identity, against the shards' seal; one the seal names must be there."""
    if seal and not (work / name).exists():
        raise Untrusted("it is missing")
    return _read_checked(work / name, lambda: seal.get(name), _LOADED_KEYS)


def _read_seal(path: Path) -> list[int] | None:
    try:
        found = read_regular(path)
        seal = json.loads(found[0]) if found is not None else None
    except (Untrusted, ValueError):
        return None
    if isinstance(seal, list) and len(seal) == 4 and all(type(n) is int for n in seal):
        return seal
    return None


def _write_sealed(work: Path, name: str, seal: str, data: dict[str, Any]) -> None:
    # A file without its seal is ignored: never a new file under an old seal.
    (work / seal).unlink(missing_ok=True)
    _write_small(work, seal, json.dumps(_write_file(work, name, data)).encode())


def _write_file(work: Path, name: str, data: dict[str, Any]) -> list[int]:
    """Write `data` as JSON to `name`, atomically; its identity, for the seal."""
    return _write_small(work, name, _dumps(data))


# Every part is written by msgspec (seven times as fast as the standard library: a build that
# writes has imported it), and the shards (16 MB at 1,000 releases) read by it (twice as fast);
# cache.json, which the no-op check reads, by the standard library, which that check has
# imported already (msgspec takes 10 ms to import).


def _dumps(data: dict[str, Any]) -> bytes:
    import msgspec.json

    return msgspec.json.encode(data)


def _parse(name: str, data: bytes) -> Any:
    if name == FILENAME:
        return json.loads(data)
    import msgspec.json

    return msgspec.json.decode(data)


def _write_small(work: Path, name: str, data: bytes) -> list[int]:
    """Write `data` to `name` through a temporary file and a rename; the file's identity once renamed
    (a rename may set its change time)."""
    import tempfile  # here: the no-op check, which writes nothing, does without it

    fd, tmp = tempfile.mkstemp(prefix="cache-", suffix=".tmp", dir=work)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            Path(tmp).replace(work / name)
            return _identity(os.fstat(handle.fileno()))
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise


def _record(rel: str, rec: Any) -> Record:
    if not output_path(rel):
        raise ValueError(f"an output at {shown(rel)}, which is not a path inside build/")
    if not (isinstance(rec, list) and len(rec) == 3):
        raise ValueError(f"a bad record for {shown(rel)}")
    key, size, mtime_ns = rec
    if not (isinstance(key, str) and type(size) is int and type(mtime_ns) is int):
        raise ValueError(f"a bad record for {shown(rel)}")
    return Record(key, size, mtime_ns)


def _summary_entry(value: Any) -> tuple[str, dict[str, Any]]:
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
        raise ValueError("a bad summary")
    return value[0], _dict(value[1])


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("expected a mapping")
    return value


def _str_dict(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError("expected a mapping of text")
    return dict(value)


class LoadCache:
    """The loader's view of the build cache: releases by file signature or content, contacts and settings.

    An entry is used only when the file's bytes (or its settled signature, which
    stands for them: source.settled), the settings and every contact file the
    release named are as they were when it was loaded. An entry that
    fails to decode, or whose release is not the one its file names (slug,
    path, contact ids), discards the whole cache: `source` is then an empty one
    that says so.
    """

    def __init__(self, source: BuildCache, checkpoint: Callable[[], None] | None = None) -> None:
        self.source = source.complete()  # the build reuses it rather than reading the files again
        self.checkpoint = checkpoint  # called before each release, to end a long load early
        self.previous = source.loaded
        self.next: dict[str, dict[str, Any]] = {}
        self._settings: tuple[object, str] | None = None
        self._contacts: dict[str, str] = {}
        self.digests: dict[str, str] = {}  # release file -> digest of the release as loaded
        self.started_ns = clock()  # a file is known by its signature once settled before this

    def _settings_digest(self, settings: Any) -> str:
        if self._settings is None or self._settings[0] is not settings:
            self._settings = (settings, digest(codec.encode(settings)))
        return self._settings[1]

    def _contact_digest(self, contacts: dict[str, Any], contact_id: str) -> str:
        if contact_id not in self._contacts:
            contact = contacts.get(contact_id)
            self._contacts[contact_id] = digest(codec.encode(contact)) if contact is not None else ""
        return self._contacts[contact_id]

    def recall(self, rel: str, found: Any, settings: Any, contacts: dict[str, Any]) -> Any | None:
        """The release of a file with the signature it had when it was last read, settled then
        (source.settled): neither read nor hashed again. Asked of every release first."""
        if self.checkpoint is not None:
            self.checkpoint()
        entry = self.previous.get(rel)
        if entry is None or found is None:
            return None
        return self._take(rel, entry, settings, contacts, stat=list(found))

    def lookup(
        self, rel: str, data: bytes, settings: Any, contacts: dict[str, Any], found: Any
    ) -> Any | None:
        """The release of a file with these bytes, as loaded when it last had them; the file's
        signature is kept for `recall` once it is settled."""
        entry = self.previous.get(rel)
        if entry is None:
            return None
        return self._take(rel, entry, settings, contacts, file=file_digest(data), found=self._settled(found))

    def _take(
        self,
        rel: str,
        entry: dict[str, Any],
        settings: Any,
        contacts: dict[str, Any],
        *,
        stat: list[int] | None = None,
        file: str | None = None,
        found: list[int] | None = None,
    ) -> Any | None:
        """The entry's release and problems, if it was loaded from this file (`stat` or `file`) with
        these settings and contacts; a damaged entry discards the whole cache."""
        from pressroom.errors import Problem
        from pressroom.model import Release

        try:
            was = entry["stat"]
            if stat is not None and was != stat:
                return None
            if file is not None and entry["file"] != file:
                return None
            if entry["settings"] != self._settings_digest(settings):
                return None
            named = _str_dict(entry["contacts"])
            if any(self._contact_digest(contacts, cid) != d for cid, d in named.items()):
                return None
            release = codec.decode(Release, entry["release"])
            _check_release(rel, release)
            problems = [codec.decode(Problem, p) for p in entry["problems"]]
            known = entry["digest"]
            if not isinstance(known, str):
                raise ValueError("no digest")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            why = f"it is damaged (the entry of {shown(rel)}: {exc})"
            self.source = BuildCache(rejected=ignored(shard_name(shard_of(rel)), why))
            self.previous = {}
            return None
        if file is not None and was != found:
            entry = {**entry, "stat": found}  # a new object: its shard is written again (_same)
        self.digests[rel] = known
        self.next[rel] = entry
        return release, problems

    def _settled(self, found: Any) -> list[int] | None:
        from pressroom.content.source import settled

        return list(found) if found is not None and settled(found, self.started_ns) else None

    def store(
        self,
        rel: str,
        data: bytes,
        settings: Any,
        contacts: dict[str, Any],
        release: Any,
        problems: list[Any],
        found: Any,
    ) -> None:
        named = {c.id: self._contact_digest(contacts, c.id) for c in release.contacts if c.id}
        encoded = codec.encode(release)
        self.digests[rel] = data_digest(encoded)
        self.next[rel] = {
            "digest": self.digests[rel],
            "file": file_digest(data),
            "stat": self._settled(found),  # for `recall`
            "settings": self._settings_digest(settings),
            "contacts": named,
            "release": encoded,
            "problems": [codec.encode(p) for p in problems],
        }

    def kit_file(self, rel: str, signature: tuple[int, int, int, int]) -> Any | None:
        """A kit file's facts from the last load, when the file has the signature it had then and
        had settled by then (source.settled): a photo is decoded again otherwise."""
        from pressroom.model import MediaFile

        entry = self.previous.get(rel)
        if entry is None or entry.get("kit") != list(signature):  # None: not settled when read
            return None
        try:
            facts = codec.decode(MediaFile, entry["facts"])
            if facts.name != rel.rsplit("/", 1)[-1] or len(facts.digest) != 64:
                raise ValueError("not this file's facts")
        except (KeyError, TypeError, ValueError) as exc:
            self.source = BuildCache(
                rejected=ignored(
                    shard_name(shard_of(rel)), f"it is damaged (the entry of {shown(rel)}: {exc})"
                )
            )
            self.previous = {}
            return None
        self.next[rel] = entry
        return facts

    def store_kit_file(self, rel: str, signature: tuple[int, int, int, int], facts: Any) -> None:
        self.next[rel] = {"kit": self._settled(signature), "facts": codec.encode(facts)}

    def forget(self, paths: Iterable[str]) -> None:
        """Drop what is known of these release files: they were read again since (the preview's fast
        path), so their digests are of the files as they were."""
        for rel in paths:
            self.digests.pop(rel, None)
            self.next.pop(rel, None)
