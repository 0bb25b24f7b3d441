"""Build the site for an instant, and hold on to exactly that build while it is deployed.

build/ is shared: `pressroom build` or `pressroom serve` may rebuild it, for
another instant, while a deploy is uploading from it. So the deploy never
reads build/site/ itself. Under the build lock, after checking that build/ is
still the build for this instant, the tree is linked file by file into a
private folder under .pressroom/. A build replaces a file by renaming a new
one over it and never writes into one in place (commit.py), so those links
keep their bytes whatever later builds do.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pressroom.engine.build import Progress, build, load
from pressroom.engine.cache import BuildCache
from pressroom.engine.commit import lock, recover
from pressroom.engine.noop import input_signature, read_cache, up_to_date
from pressroom.engine.report import BuildReport
from pressroom.errors import BuildError
from pressroom.layout import OUTPUT, WORKDIR

SITE = "site"  # the public tree inside build/
_ATTEMPTS = 3
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class SiteFile:
    """One file of the public site, with the hashes the targets compare."""

    rel: str  # "releases/<slug>/index.html", with forward slashes
    size: int
    md5: str  # hex: what S3 reports as the ETag of an object uploaded in one part
    sha256: str  # hex: what the directory target records


@dataclass
class Snapshot:
    """The public site of one build, in a private folder, until `close`."""

    folder: Path
    files: dict[str, SiteFile]
    public: tuple[str, ...]  # keys of the releases and translations it shows
    now: datetime
    build: BuildReport

    def path(self, rel: str) -> Path:
        return self.folder / rel

    def read(self, rel: str) -> bytes:
        return (self.folder / rel).read_bytes()

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def build_snapshot(
    root: Path, now: datetime, *, jobs: int | None = None, progress: Progress | None = None
) -> Snapshot:
    """Bring build/ up to date for `now` (as `pressroom build` does), then take its site/ as a Snapshot."""
    for _ in range(_ATTEMPTS):
        inputs = input_signature(root)
        cache = read_cache(root)
        report = up_to_date(root, now, inputs, cache=cache)
        if report is None:
            newsroom, loader = load(root, cache=cache)
            report = build(newsroom, now, progress=progress, jobs=jobs, inputs=inputs, loader=loader)
        folder = _link_site(root, now)
        if folder is not None:
            return Snapshot(folder, hash_tree(folder), report.public, now, report)
    raise BuildError(
        "build/ keeps being rebuilt for another instant while publishing (is `pressroom serve "
        "--now ...` running in this newsroom?); stop it and try again"
    )


def _link_site(root: Path, now: datetime) -> Path | None:
    """build/site/ linked into a new folder under .pressroom/, or None if build/ is not for `now`."""
    out, work = root / OUTPUT, root / WORKDIR
    with lock(work):
        recover(work, out)
        if not _built_for(BuildCache.read(work, lazy=True).state, now):
            return None
        site = out / SITE
        folder = Path(tempfile.mkdtemp(prefix="publish-", dir=work))
        try:
            for rel in _files(site):
                target = folder / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(site / rel, target)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise BuildError(f"cannot take a copy of {OUTPUT}/{SITE}/ to publish: {exc}") from None
        return folder


def _built_for(state: dict[str, object], now: datetime) -> bool:
    """Whether the last build's public site is the one for `now`: no instant lies between them."""
    since, until = state.get("since"), state.get("until")
    try:
        if isinstance(since, str) and now < datetime.fromisoformat(since):
            return False
        return not (isinstance(until, str) and now >= datetime.fromisoformat(until))
    except ValueError:
        return False


def _files(folder: Path) -> Iterator[str]:
    """Every regular file under `folder`, relative, with forward slashes, in a stable order."""
    for top, dirs, names in os.walk(folder):
        dirs.sort()
        base = Path(top).relative_to(folder)
        for name in sorted(names):
            path = Path(top) / name
            if path.is_file() and not path.is_symlink():
                yield (base / name).as_posix()


def hash_tree(folder: Path) -> dict[str, SiteFile]:
    """Every file under `folder` with its size and hashes."""
    files: dict[str, SiteFile] = {}
    for rel in _files(folder):
        md5 = hashlib.md5(usedforsecurity=False)
        sha = hashlib.sha256()
        size = 0
        with (folder / rel).open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                md5.update(chunk)
                sha.update(chunk)
                size += len(chunk)
        files[rel] = SiteFile(rel, size, md5.hexdigest(), sha.hexdigest())
    return files
