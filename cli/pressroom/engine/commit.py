"""Writing build/: outputs are staged beside it, then put in place by one journalled step.

A build renders into a staging folder under .pressroom/ (same file system as
build/). Only when every output rendered does it write a journal — the list of
files to move into build/ and to remove from it — and then apply it, file by
file with rename(2), so every file in build/ is always either its previous or
its new version, never half written. A build killed before the journal leaves
build/ as it was; one killed while applying it leaves the journal, which the
next build (or `pressroom serve`) finishes first, so build/ ends up as the new
build, whole.

Within the journal, removals go first and listings last: a release that
stopped being public leaves the site before anything else changes, and a
listing never links a page that is not there yet.

A journal is read back as untrusted (workdir.py): it is acted on only when its
staging folder is one of ours, holds nothing but files and folders, and every
path it names stays inside build/ (or the staging folder). Any other journal is
ignored whole and said once; the build then renders everything again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pressroom.errors import BuildError
from pressroom.layout import JOURNAL as JOURNAL  # .pressroom/ holds the lock, cache, journal, staging
from pressroom.layout import OUTPUT, WORKDIR
from pressroom.workdir import (
    Untrusted,
    clean_relative,
    exclusive,
    files_within,
    ignored,
    output_path,
    read_regular,
    real_folder,
    remove_entry,
    shown,
)

# What tempfile.mkdtemp(prefix="tmp-") names a staging folder: never a path.
_STAGING = re.compile(r"tmp-[a-z0-9_]+")


def prepare(root: Path) -> tuple[Path, Path]:
    """build/ and .pressroom/ of a newsroom, refusing links and files where folders belong."""
    out = root / OUTPUT
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise BuildError(f"{OUTPUT} is not a folder; move it away so pressroom can write its output there")
    work = root / WORKDIR
    # A link here would send the staging area, and the lock, somewhere else on the machine.
    if work.is_symlink() or (work.exists() and not work.is_dir()):
        raise BuildError(f"{WORKDIR} is not a folder; move it away so pressroom can keep its files there")
    try:
        work.mkdir(exist_ok=True)
    except OSError as exc:
        raise BuildError(f"cannot write in {root}: {exc.strerror}") from None
    return out, work


def lock(work: Path) -> contextlib.AbstractContextManager[None]:
    """One build at a time in a newsroom."""
    busy = "another build is running in this newsroom; try again when it has finished"
    return exclusive(work / "build.lock", busy, BuildError)


@dataclass(frozen=True, slots=True)
class Recovery:
    """What `recover` found in .pressroom/ before a build."""

    moved: tuple[str, ...] = ()  # files of build/ a killed build's journal put in place
    refused: str | None = None  # the one line saying a journal was ignored, and why


def recover(work: Path, out: Path) -> Recovery:
    """Finish a build that was killed while applying its journal, then drop stale staging folders.

    A journal that is not one pressroom wrote is not acted on: it is removed,
    and the caller renders everything again, as build/ may be half moved.
    """
    journal = work / JOURNAL
    recovery = Recovery()
    try:
        plan = _read_journal(work)
    except Untrusted as exc:
        recovery = Recovery(refused=ignored(JOURNAL, str(exc)))
    else:
        if plan is not None:
            staging, incoming, moves, removes = plan
            _apply(staging, out, moves, removes)
            # Listed moves may be in build/ already; a new folder may bring files it does not list.
            moved = {*moves, *(rel for rel in incoming if output_path(rel))}
            recovery = Recovery(moved=tuple(sorted(moved)))
    remove_entry(journal)
    for stale in (*work.glob("tmp-*"), *work.glob("commit-*.tmp"), *work.glob("cache-*.tmp")):
        remove_entry(stale)
    return recovery


def _read_journal(work: Path) -> tuple[Path, list[str], list[str], list[str]] | None:
    """The journal in `work` as (staging folder, its files, moves, removes), None if there is none.

    Raises Untrusted, saying why, unless it has exactly the shape Staging.commit
    writes, its staging folder is a real tmp-* folder of `work` holding only
    files and folders, every move is an output path and every removal a clean
    relative path.
    """
    found = read_regular(work / JOURNAL)
    if found is None:
        return None
    try:
        plan: Any = json.loads(found[0])
    except ValueError:
        raise Untrusted("it is damaged (not JSON)") from None
    if not isinstance(plan, dict) or set(plan) != {"staging", "moves", "removes"}:
        raise Untrusted("it is not a journal of pressroom's")
    name, moves, removes = plan["staging"], plan["moves"], plan["removes"]
    if not isinstance(name, str) or not _STAGING.fullmatch(name):
        raise Untrusted(f"its staging folder {shown(name)} is not one of pressroom's")
    if not isinstance(moves, list) or not isinstance(removes, list):
        raise Untrusted("its moves and removals are not lists")
    for rel in moves:
        if not output_path(rel):
            raise Untrusted(f"it would move {shown(rel)}, which is not a path inside {OUTPUT}/")
    for rel in removes:
        if not clean_relative(rel):
            raise Untrusted(f"it would remove {shown(rel)}, which is not a path inside {OUTPUT}/")
    staging = work / name
    incoming: list[str] = []
    if os.path.lexists(staging):
        if not real_folder(staging):
            raise Untrusted(f"its staging folder {name} is not a folder")
        # Moving a new folder takes all it holds, listed or not: each must be a plain file.
        incoming = files_within(staging)
    return staging, incoming, moves, removes


def check_writable(root: Path, out: Path) -> None:
    """Refuse before rendering when build/ cannot be written: minutes of work would be lost."""
    folders = [root, out] if out.is_dir() else [root]
    for folder in folders:
        if not os.access(folder, os.W_OK):
            raise BuildError(f"cannot write to {folder}: {_why_not_writable(folder)}")


def _why_not_writable(folder: Path) -> str:
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    return "read-only file system" if read_only else "permission denied"


class Staging:
    """A folder beside build/ that receives the new outputs until they are committed."""

    def __init__(self, work: Path) -> None:
        try:
            self.path = Path(tempfile.mkdtemp(prefix="tmp-", dir=work))
            self.scratch = Path(tempfile.mkdtemp(prefix="tmp-", suffix="-scratch", dir=work))
        except OSError as exc:
            raise BuildError(f"cannot write in {work}: {exc.strerror}") from None
        self.work = work
        self.written: list[str] = []
        # (size, modification time) of each file as written: the cache records them, and a
        # rename into build/ changes neither, so no file is looked at again after the commit.
        self.stats: dict[str, tuple[int, int]] = {}
        # Paths in the staging folder are strings: a build stages thousands of files, and a Path
        # costs more to make, join and hash than the syscalls it stands for.
        self._root = str(self.path)
        self._folders: set[str] = {""}  # folders made in the staging folder already: one mkdir each
        # The first file staged with each content, by its hash: a file with the same bytes (a news
        # item in site/ and staff/, the house style's assets in both) becomes a hard link to it.
        self._same: dict[bytes, str] = {}

    def _folder(self, rel: str) -> None:
        """Make the folders output `rel` needs, from the top: each once, and none tried before its
        parent (a mkdir that fails costs as much as one that works)."""
        missing = []
        folder = rel.rpartition("/")[0]
        while folder not in self._folders:
            missing.append(folder)
            folder = folder.rpartition("/")[0]
        for folder in reversed(missing):
            with contextlib.suppress(FileExistsError):
                os.mkdir(f"{self._root}/{folder}")  # noqa: PTH102 - a string: see __init__
            self._folders.add(folder)

    def write(self, rel: str, data: bytes) -> None:
        _refuse_outside(rel)
        path = f"{self._root}/{rel}"
        # Every step can fail on a full disk, not only the write.
        try:
            self._folder(rel)
            if rel in self.stats:  # staged before: it may be one name of two, which must keep its bytes
                Path(path).unlink()
                self._same = {k: v for k, v in self._same.items() if v != path}
            self.stats[rel] = self._link_same(path, data) or _write_new(path, data)
        except OSError as exc:
            raise BuildError(f"cannot write {OUTPUT}/{rel}: {exc.strerror}") from None
        self.written.append(rel)

    def copy(self, source: Path, rel: str) -> None:
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise BuildError(f"cannot read {source}: {exc.strerror}") from None
        self.write(rel, data)

    def _link_same(self, path: str, data: bytes) -> tuple[int, int] | None:
        """Stage `path` as a second name of a staged file with these bytes; None if there is none.

        Making a directory entry costs a fraction of making a file: a tenth on a
        local disk, less still where creating files is slow. Outputs are never
        written in place (a build renames a new file over the old one), so two
        names for one file stay two outputs: replacing one leaves the other.
        """
        if not data:
            return None
        fingerprint = hashlib.blake2b(data, digest_size=16).digest()
        first = self._same.setdefault(fingerprint, path)
        if first is path:
            return None
        try:
            os.link(first, path)
            st = os.lstat(path)
        except OSError:  # a file system without hard links, or a file with too many of them
            self._same[fingerprint] = path
            return None
        return st.st_size, st.st_mtime_ns

    def commit(self, out: Path, removes: Iterable[str]) -> None:
        """Write the journal, then apply it: from here on, the build is done even if killed.

        The journal stays until `finish`, once the cache records the new files:
        a build killed before that leaves files in build/ that only the journal
        names, and the next build must know them to remove what no longer belongs.
        """
        moves = sorted(self.written, key=_order)
        removes = sorted(set(removes) - set(moves))
        plan = {"staging": self.path.name, "moves": moves, "removes": removes}
        journal = self.work / JOURNAL
        tmp = None
        try:
            # A fresh name: a link planted at a fixed one would have the journal written through it.
            fd, tmp = tempfile.mkstemp(prefix="commit-", suffix=".tmp", dir=self.work)
            with os.fdopen(fd, "w") as handle:
                handle.write(json.dumps(plan))
            Path(tmp).replace(journal)
            if not out.exists():
                out.mkdir()
        except OSError as exc:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            raise BuildError(f"cannot write in {self.work}: {exc.strerror}") from None
        _apply(self.path, out, moves, removes)

    def finish(self) -> None:
        """Drop the journal of a build whose outputs are in place and recorded."""
        (self.work / JOURNAL).unlink(missing_ok=True)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        shutil.rmtree(self.scratch, ignore_errors=True)


def _write_new(path: str, data: bytes) -> tuple[int, int]:
    """Write a file that the staging folder does not have yet; its size and modification time.

    os.open rather than open(): a buffered file asks whether it is a terminal
    and where it starts, two calls per output for nothing.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        st = os.fstat(fd)
    finally:
        os.close(fd)
    return st.st_size, st.st_mtime_ns


def _refuse_outside(rel: str) -> None:
    """Refuse an output name that would lead out of build/, and so out of the staging folder."""
    if not output_path(rel):
        raise BuildError(f"refusing to write {shown(rel)}: not a path inside {OUTPUT}/")


def _order(rel: str) -> tuple[int, str]:
    """Pages and files of releases first, then assets, then listings and feeds."""
    parts = rel.split("/")
    rank = 0 if len(parts) > 2 and parts[1] == "releases" else 1 if "assets" in parts else 2
    return rank, rel


def _apply(staging: Path, out: Path, moves: list[str], removes: list[str]) -> None:
    folders: set[Path] = set()
    for rel in removes:
        target = out / rel
        if _inside(out, target.parent):
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            folders.add(target.parent)
    real: set[Path] = set()  # the folders of build/ checked (or made) real in this commit
    for rel in moves:
        source = staging / rel
        if not source.exists():  # moved already, by the run that was killed, or with its folder
            continue
        target = out / rel
        try:
            # Checked once a commit, not once a file: a release's folder takes seven files.
            if target.parent not in real:
                missing = _first_missing(out, target.parent)
                if missing is not None:  # a new folder: move it whole, one rename for all its files
                    _real_folder(out, missing.parent)
                    (staging / missing.relative_to(out)).replace(missing)
                    continue
                _real_folder(out, target.parent)
                real.add(target.parent)
            source.replace(target)
        except OSError as exc:
            raise BuildError(f"cannot write {OUTPUT}/{rel}: {exc.strerror}") from None
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        while folder != out and _inside(out, folder):
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent


def _first_missing(out: Path, folder: Path) -> Path | None:
    path = out
    for part in folder.relative_to(out).parts:
        path = path / part
        if not os.path.lexists(path):
            return path
    return None


def _inside(out: Path, folder: Path) -> bool:
    """True if every step from build/ down to `folder` is a real folder, not a link."""
    path = out
    for part in folder.relative_to(out).parts:
        path = path / part
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                return False
        except OSError:
            return False
    return True


def _real_folder(out: Path, folder: Path) -> None:
    """Make `folder` under build/, replacing any link on the way: a link planted in build/
    must never send an output elsewhere on the machine."""
    path = out
    for part in folder.relative_to(out).parts:
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            path.mkdir()
            continue
        if not stat.S_ISDIR(mode):
            path.unlink()
            path.mkdir()


@contextlib.contextmanager
def temporary_files_in(folder: Path) -> Iterator[None]:
    """Send the temporary files made while rendering into `folder`, beside the new tree.

    The PDF engine writes the fonts it embeds to a temporary folder of its own
    and removes it when it is done; a killed build would leave it in /tmp. In
    .pressroom/tmp-* the next build removes it, and a full disk there is the
    disk build/ is on.
    """
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved
