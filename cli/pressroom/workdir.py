""".pressroom/, read back: the rules every file pressroom keeps there is held to.

The lock, the build cache and its seal, the commit journal and the staging
folders live in .pressroom/. Anything there may have been planted: copied in
with the newsroom (an archive, a synced or shared folder, a restored CI
cache), edited, or replaced by a link or a FIFO. So nothing read back from it
is trusted: a file is opened only when it is a regular file and not a link,
without waiting on a pipe, and a path it names is used only when it is a plain
relative path that cannot climb out of the folder it is joined to.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pressroom.errors import printable
from pressroom.layout import AREAS, EMAIL

_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
# One part of a path: not empty, no '/' or NUL, and not '.' or '..'. Regular expressions
# rather than a split: a build checks thousands of recorded outputs.
_PART = r"(?!\.\.?(?:/|\Z))[^/\x00]+"
_CLEAN = re.compile(rf"{_PART}(?:/{_PART})*")
# The folders of build/ that the build writes into (docs/urls.md).
_OUTPUT = re.compile(rf"(?:{'|'.join((*AREAS, EMAIL))})(?:/{_PART})+")


class Untrusted(ValueError):
    """A file in .pressroom/ that is not what pressroom wrote there; the message says why."""


def clean_relative(rel: object) -> bool:
    """True for a relative path with '/' between parts and no empty, '.' or '..' part.

    Joined to a folder, such a path names something inside it (links aside,
    which the callers refuse on the way down).
    """
    return isinstance(rel, str) and _CLEAN.fullmatch(rel) is not None


def output_path(rel: object) -> bool:
    """True for a file the build may write: a clean path under site/, staff/ or email/."""
    return isinstance(rel, str) and _OUTPUT.fullmatch(rel) is not None


def ignored(name: str, why: str) -> str:
    """The one line that says a file of .pressroom/ was not trusted, and what the build does instead."""
    return f".pressroom/{name} was ignored: {why}; every output is rendered again"


def shown(value: object, limit: int = 60) -> str:
    """A value read from a planted file, safe to put in a one-line message."""
    text = printable(repr(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_regular(path: Path) -> tuple[bytes, os.stat_result] | None:
    """The bytes of `path` and its status, or None when there is no such file.

    Raises Untrusted for anything but a regular file: a link (never followed),
    a folder, a FIFO or a device (opened without blocking, then refused).
    """
    try:
        fd = os.open(path, _READ)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Untrusted("it is a link") from None
        raise Untrusted(f"it cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Untrusted("it is not a regular file")
        try:
            return handle.read(), st
        except OSError as exc:
            raise Untrusted(f"it cannot be read ({exc.strerror})") from None


def real_folder(path: Path) -> bool:
    """True if `path` is a folder itself, not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def files_within(folder: Path) -> list[str]:
    """Every file under `folder`, as relative paths; Untrusted if anything there is not a file or a folder."""
    found = []
    for base, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(base, name)
            mode = os.lstat(path).st_mode
            rel = path.relative_to(folder).as_posix()
            if stat.S_ISREG(mode):
                found.append(rel)
            elif not stat.S_ISDIR(mode):
                raise Untrusted(f"{shown(f'{folder.name}/{rel}')} is not a file or a folder")
    return found


def remove_entry(path: Path) -> None:
    """Remove what sits at `path` in .pressroom/: a link itself (never its target), a file, a folder."""
    with contextlib.suppress(FileNotFoundError):
        if real_folder(path):
            shutil.rmtree(path)  # removes links inside it, never what they point to
        else:
            path.unlink()


def open_lock(path: Path) -> BinaryIO:
    """Open a lock file to flock(): never through a link, never truncating, never waiting on a FIFO.

    A link planted at a lock's name would otherwise have the lock file created,
    or truncated, wherever it points. Whatever is there and is not a regular
    file is removed first. Raises OSError when the folder cannot be written.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    for _ in range(2):
        try:
            fd = os.open(path, flags, 0o600)
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
                raise
            remove_entry(path)  # a link, a FIFO without a reader, a folder
            continue
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return os.fdopen(fd, "wb")
        os.close(fd)  # a FIFO someone is reading, a device
        remove_entry(path)
    raise OSError(errno.EEXIST, "something keeps taking the place of the lock file", str(path))


@contextlib.contextmanager
def exclusive(path: Path, busy: str, error: type[Exception]) -> Iterator[None]:
    """Hold the lock file `path` (see open_lock) for the block; raise `error(busy)` if another process does.

    The one way build, send and publish keep a second run of themselves out.
    """
    try:
        handle = open_lock(path)
    except OSError as exc:
        raise error(f"cannot write in {path.parent}: {exc.strerror or exc}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise error(busy) from None
        yield
