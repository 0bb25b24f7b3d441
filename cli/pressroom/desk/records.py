"""The desk's records: reference numbers handed out and approvals given, in records/references.sqlite.

This is data a press office cannot rebuild (which number went to which
release, who approved which text), so it lives in records/ at the newsroom
root beside the send ledger, never under .pressroom/ or build/, and no clean
deletes it. Commit it with the releases, or back it up with them.

A number is handed out inside one `BEGIN IMMEDIATE` transaction, which takes
SQLite's write lock before reading the counter: two approvals at once, in two
processes, queue on the lock and get two numbers. A number once handed out is
recorded with its release and never handed out again, even when the file was
never written; approving that release again gets the same number back.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pressroom.errors import PressroomError
from pressroom.layout import RECORDS

FILENAME = f"{RECORDS}/references.sqlite"
_VERSION = 1
_SCHEMA = (
    """CREATE TABLE counters (
        counter TEXT NOT NULL,          -- series that share a counter share its numbers
        period  TEXT NOT NULL,          -- the year for a series with {yy} or {yyyy}, else ''
        last    INTEGER NOT NULL,       -- the last number handed out
        PRIMARY KEY (counter, period)
    )""",
    """CREATE TABLE allocations (
        reference TEXT PRIMARY KEY,     -- e.g. IP/18/3924: unique, forever
        series    TEXT NOT NULL,
        release   TEXT NOT NULL,        -- the key of the release it went to: slug
        at        TEXT NOT NULL         -- ISO 8601 with offset
    )""",
    """CREATE TABLE approvals (
        release   TEXT NOT NULL,        -- slug, or slug.lang for a translation
        path      TEXT NOT NULL,
        hash      TEXT NOT NULL,        -- source_hash of the approved text
        by        TEXT NOT NULL,
        at        TEXT NOT NULL,
        reference TEXT
    )""",
)


class RecordsError(PressroomError):
    """records/references.sqlite cannot be read or written."""


@dataclass(frozen=True, slots=True)
class Approval:
    release: str
    path: str
    hash: str
    by: str
    at: datetime
    reference: str | None


class Records:
    """The desk's records of one newsroom; open with `Records.open(root)` in a `with` block."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    @classmethod
    def open(cls, root: Path) -> Records:
        path = root / FILENAME
        if path.parent.is_symlink():  # the records would live, and be trusted, somewhere else
            raise RecordsError(f"{RECORDS} is a link; pressroom keeps its records in a real folder there")
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise RecordsError(f"{FILENAME} is not a file; move it away")
        try:
            path.parent.mkdir(exist_ok=True)
            if not path.exists():
                _create(path)
            elif path.stat().st_size == 0:
                raise RecordsError(
                    f"{FILENAME} is empty (0 bytes). It holds the reference numbers handed out and the "
                    "approvals given, which cannot be rebuilt: restore it from your backup or version "
                    "control. Taken for new records, it would hand out numbers already used"
                )
            db = sqlite3.connect(path, timeout=60, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise RecordsError(f"cannot open {FILENAME}: {exc}") from None
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != _VERSION:
                what = (
                    "not pressroom's records"
                    if version == 0
                    else f"format {version}, this one reads {_VERSION}"
                )
                raise RecordsError(
                    f"{FILENAME} was not written by this version of pressroom ({what}); "
                    "restore it from your backup"
                )
        except sqlite3.Error as exc:
            db.close()
            raise RecordsError(f"{FILENAME} is not pressroom's records ({exc})") from None
        except RecordsError:
            db.close()
            raise
        return cls(db)

    def __enter__(self) -> Records:
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()

    def allocate(
        self,
        release: str,
        series: str,
        counter: str,
        period: str,
        make: Callable[[int], str],
        at: datetime,
        floor: int = 0,
    ) -> str:
        """The next reference of a series for `release`, or the one it was given before.

        `make` turns a number into the reference; `floor` is the highest
        number of the series already written in the releases by hand, which
        the counter never goes back below.
        """
        try:
            with _transaction(self._db):
                earlier = self._db.execute(
                    "SELECT reference FROM allocations WHERE release = ? AND series = ? ORDER BY rowid DESC",
                    (release, series),
                ).fetchone()
                if earlier is not None:
                    return str(earlier[0])
                row = self._db.execute(
                    "SELECT last FROM counters WHERE counter = ? AND period = ?", (counter, period)
                ).fetchone()
                number = max(int(row[0]) if row else 0, floor) + 1
                reference = make(number)
                while self._db.execute(
                    "SELECT 1 FROM allocations WHERE reference = ?", (reference,)
                ).fetchone():  # a series whose format changed may meet an old number: skip it
                    number += 1
                    reference = make(number)
                self._db.execute(
                    "INSERT INTO counters (counter, period, last) VALUES (?, ?, ?) "
                    "ON CONFLICT (counter, period) DO UPDATE SET last = excluded.last",
                    (counter, period, number),
                )
                self._db.execute(
                    "INSERT INTO allocations (reference, series, release, at) VALUES (?, ?, ?, ?)",
                    (reference, series, release, at.isoformat()),
                )
                return reference
        except sqlite3.Error as exc:
            raise RecordsError(f"cannot write {FILENAME}: {exc}") from None

    def record(self, approval: Approval) -> None:
        """Add an approval to the trail; earlier ones stay."""
        try:
            with _transaction(self._db):
                self._db.execute(
                    "INSERT INTO approvals (release, path, hash, by, at, reference) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        approval.release,
                        approval.path,
                        approval.hash,
                        approval.by,
                        approval.at.isoformat(),
                        approval.reference,
                    ),
                )
        except sqlite3.Error as exc:
            raise RecordsError(f"cannot write {FILENAME}: {exc}") from None

    def approvals(self, release: str) -> list[Approval]:
        """The approvals of one release, oldest first."""
        try:
            rows = self._db.execute(
                "SELECT release, path, hash, by, at, reference FROM approvals "
                "WHERE release = ? ORDER BY rowid",
                (release,),
            ).fetchall()
        except sqlite3.Error as exc:
            raise RecordsError(f"cannot read {FILENAME}: {exc}") from None
        return [Approval(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4]), r[5]) for r in rows]


def _create(path: Path) -> None:
    """New, empty records at `path`, made whole under another name and then linked in.

    A run killed while creating them leaves no half-made file that the next run
    would have to refuse; two first runs at once make it once (the second link fails).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=DELETE")  # one file, complete on close
            for statement in _SCHEMA:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {_VERSION}")
        finally:
            db.close()
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE takes the write lock before the first read: no two runs read the same counter.
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
