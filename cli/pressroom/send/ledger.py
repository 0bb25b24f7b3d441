"""The send ledger: which version of a release went to whom, kept in SQLite in records/.

The ledger is data, not a cache: it is what stops a journalist getting the same
release twice, so it lives in `records/sends.sqlite` at the newsroom root, which
no clean (`make clean`, `build --clean`) ever touches; `.pressroom/` holds only
what can be made again. A ledger left at `.pressroom/sends.sqlite` by an older
pressroom is moved there the first time it is opened.

A ledger that is there but cannot be trusted (empty, truncated, damaged, or
another file altogether) is refused, never replaced quietly: a new ledger
remembers nobody, so everyone would be sent everything again. Only an explicit
request (`replace_unreadable`, `pressroom send --new-ledger`) sets it aside and
starts a new one.

One row per (release, content hash, recipient address). Its state moves

    pending -> sending -> accepted | rejected | uncertain
    pending -> rejected            (refused before the message was offered)
    sending -> pending             (a 4xx after the message: the server kept nothing)
    uncertain -> pending           (only on request, once someone has checked the server's log)

and every move is its own committed transaction, made with a compare-and-set
on the state it leaves. The sending code writes `sending` just before the one
step after which the server may hold the message (the end of DATA), and the
outcome just after the server answers. So whenever a run is killed, a row says
either "not offered" (pending: safe to send again), "taken" (accepted), or
"may have been taken" (sending, turned into uncertain by the next run): an
accepted message is never offered twice.

The database is in WAL mode with synchronous=FULL, so a commit survives a
killed process and a power cut alike.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pressroom.errors import PressroomError

FOLDER = "records"  # the newsroom's records: never a cache, never cleaned
FILENAME = f"{FOLDER}/sends.sqlite"
OLD_FILENAME = ".pressroom/sends.sqlite"  # where pressroom kept it before, among the caches
_SIDE_FILES = ("-wal", "-shm")  # SQLite's write-ahead log and its index, beside the database
_VERSION = 1
_SCHEMA = """
CREATE TABLE sends (
    release      TEXT NOT NULL,     -- the slug
    content_hash TEXT NOT NULL,     -- the version of the release that was sent
    recipient    TEXT NOT NULL,     -- the address, lower-cased
    list         TEXT NOT NULL,     -- the list it was sent for (the first one, if on several)
    state        TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'accepted', 'rejected', 'uncertain')),
    updated      TEXT NOT NULL,     -- when the state last changed, ISO 8601 with offset
    response     TEXT NOT NULL DEFAULT '',  -- the server's last answer, or what went wrong
    attempts     INTEGER NOT NULL DEFAULT 0,
    message_id   TEXT NOT NULL DEFAULT '',  -- to find the message in the server's log
    PRIMARY KEY (release, content_hash, recipient)
)
"""
_COLUMNS = "release, content_hash, recipient, list, state, updated, response, attempts, message_id"


class State(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNCERTAIN = "uncertain"


# The states each state may be left for; anything else is a bug or a second run.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.PENDING: frozenset({State.PENDING, State.SENDING, State.REJECTED}),
    State.SENDING: frozenset({State.ACCEPTED, State.REJECTED, State.UNCERTAIN, State.PENDING}),
    State.UNCERTAIN: frozenset({State.PENDING}),
    State.ACCEPTED: frozenset(),
    State.REJECTED: frozenset(),
}


class LedgerError(PressroomError):
    """The ledger cannot be read, or a state change was refused."""


class UnreadableLedger(LedgerError):
    """A file is where the ledger should be, and it is not a ledger that can be trusted."""


@dataclass(frozen=True, slots=True)
class Row:
    release: str
    content_hash: str
    recipient: str
    list: str
    state: State
    updated: datetime
    response: str
    attempts: int
    message_id: str


def exists(root: Path) -> bool:
    """Whether the newsroom has a ledger (or what is left of one), here or at the old place."""
    return any(_lexists(root / name) for name in (FILENAME, f"{FILENAME}-wal", OLD_FILENAME))


class Ledger:
    """The ledger of one newsroom; open it with `Ledger.open(root)` in a `with` block."""

    def __init__(self, connection: sqlite3.Connection, path: Path, notes: list[str]) -> None:
        self._db = connection
        self.path = path
        self.notes = notes  # what opening it did that the user should hear of once

    @classmethod
    def open(cls, root: Path, *, replace_unreadable: bool = False) -> Ledger:
        """Open the ledger at <root>/records/sends.sqlite, creating it only where there is none.

        Raises UnreadableLedger when a file is there that is not a sound
        ledger, unless `replace_unreadable`: then that file is kept beside it
        under another name and a new, empty ledger is started.
        """
        path = root / FILENAME
        notes: list[str] = []
        for folder in (FOLDER, ".pressroom"):
            if (root / folder).is_symlink():  # the ledger would live, and be trusted, somewhere else
                raise LedgerError(f"{folder} is a link; pressroom keeps its files in a real folder there")
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise LedgerError(f"{FILENAME} is not a file; move it away")
        try:
            (root / FOLDER).mkdir(exist_ok=True)
        except OSError as exc:
            raise LedgerError(f"cannot make the folder {FOLDER}/: {exc.strerror or exc}") from None
        if not _lexists(path) and _lexists(root / OLD_FILENAME):
            try:
                notes.append(_move_old(root))
            except UnreadableLedger:
                if not replace_unreadable:
                    raise
                notes.append(_set_aside(root, OLD_FILENAME))
        elif _lexists(path) or _lexists(root / f"{FILENAME}-wal"):
            try:
                _verify(root, FILENAME)
            except UnreadableLedger:
                if not replace_unreadable:
                    raise
                notes.append(_set_aside(root, FILENAME))
        if not _lexists(path):
            _create(path)
        try:
            # Autocommit: every write below is an explicit BEGIN IMMEDIATE ... COMMIT.
            db = _connect(path)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot open the send ledger {FILENAME}: {exc}") from None
        return cls(db, path, notes)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # -- reading ----------------------------------------------------------------

    def rows(self, release: str, content_hash: str | None = None) -> list[Row]:
        """Every row of a release (of one version of it, if given), in list order."""
        sql = "SELECT * FROM sends WHERE release = ?"
        params: list[str] = [release]
        if content_hash is not None:
            sql += " AND content_hash = ?"
            params.append(content_hash)
        # Rows are added in list order, one version after another.
        return [self._row(r) for r in self._query(sql + " ORDER BY rowid", params)]

    def states(self, release: str, content_hash: str) -> dict[str, Row]:
        """This version's rows by recipient address."""
        return {row.recipient: row for row in self.rows(release, content_hash)}

    def _query(self, sql: str, params: Iterable[object]) -> list[tuple[object, ...]]:
        try:
            cursor = self._db.execute(sql.replace("SELECT *", f"SELECT {_COLUMNS}"), tuple(params))
            return cursor.fetchall()
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot read {FILENAME}: {exc}") from None

    @staticmethod
    def _row(values: tuple[object, ...]) -> Row:
        release, content_hash, recipient, list_, state, updated, response, attempts, message_id = values
        return Row(
            release=str(release),
            content_hash=str(content_hash),
            recipient=str(recipient),
            list=str(list_),
            state=State(str(state)),
            updated=datetime.fromisoformat(str(updated)),
            response=str(response),
            attempts=int(str(attempts)),
            message_id=str(message_id),
        )

    # -- writing ----------------------------------------------------------------

    def add(
        self, release: str, content_hash: str, list_name: str, recipients: Iterable[str], now: datetime
    ) -> None:
        """Add a pending row for each recipient this version has no row for; keep the others."""
        rows = [
            (release, content_hash, r.lower(), list_name, State.PENDING.value, now.isoformat())
            for r in recipients
        ]
        self._write(
            "INSERT OR IGNORE INTO sends (release, content_hash, recipient, list, state, updated) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def move(
        self,
        release: str,
        content_hash: str,
        recipient: str,
        old: State,
        new: State,
        now: datetime,
        *,
        response: str | None = None,
        message_id: str | None = None,
    ) -> None:
        """Move one row from state `old` to `new`, committed before this returns.

        Raises LedgerError when the row is not in state `old` (another run got
        there first) or the ledger does not allow the move.
        """
        if new not in TRANSITIONS[old]:
            raise LedgerError(f"a send cannot go from {old.value} to {new.value}")
        sets = ["state = ?", "updated = ?"]
        params: list[object] = [new.value, now.isoformat()]
        if response is not None:
            sets.append("response = ?")
            params.append(response)
        if message_id is not None:
            sets.append("message_id = ?")
            params.append(message_id)
        if new is State.SENDING:
            sets.append("attempts = attempts + 1")
        sql = (
            f"UPDATE sends SET {', '.join(sets)} "  # noqa: S608 - column names are ours, values are bound
            "WHERE release = ? AND content_hash = ? AND recipient = ? AND state = ?"
        )
        changed = self._write(sql, [(*params, release, content_hash, recipient.lower(), old.value)])
        if changed != 1:
            current = self._query(
                "SELECT state FROM sends WHERE release = ? AND content_hash = ? AND recipient = ?",
                (release, content_hash, recipient.lower()),
            )
            found = str(current[0][0]) if current else "no row"
            raise LedgerError(
                f"{FILENAME}: {recipient} for {release} is {found}, not {old.value}; "
                "is another send of this release running?"
            )

    def recover(self, release: str, now: datetime) -> list[Row]:
        """Turn the rows a killed run left in `sending` into `uncertain`, and return them.

        Call it only while holding the send lock: a row in `sending` then
        belongs to no live run, and the server may or may not have the message.
        """
        stale = [row for row in self.rows(release) if row.state is State.SENDING]
        note = "the run ended while the server had the message and before it answered"
        self._write(
            "UPDATE sends SET state = ?, updated = ?, response = ? WHERE release = ? AND state = ?",
            [(State.UNCERTAIN.value, now.isoformat(), note, release, State.SENDING.value)],
        )
        return stale

    def _write(self, sql: str, rows: Sequence[tuple[object, ...]]) -> int:
        try:
            with _transaction(self._db):
                cursor = self._db.executemany(sql, rows)
                return cursor.rowcount
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot write {FILENAME}: {exc}") from None


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE takes the write lock up front, so two runs never interleave inside one change.
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# -- opening safely ----------------------------------------------------------------


def _lexists(path: Path) -> bool:
    return os.path.lexists(path)


def _connect(path: Path) -> sqlite3.Connection:
    """A connection to an existing database file; never creates one (mode=rw)."""
    return sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=30, isolation_level=None)


def _refuse(name: str, what: str) -> UnreadableLedger:
    return UnreadableLedger(
        f"{name} {what}. It is the send ledger, the record of who has been sent what: starting a new one "
        "would send every release again to everyone on its list. Restore the file from a backup; or, "
        "only if everyone may get the release again, add --new-ledger to keep this file under another "
        "name and start a new ledger"
    )


def _verify(root: Path, name: str) -> None:
    """Raise UnreadableLedger unless <root>/<name> is a whole ledger in the format this version reads."""
    path = root / name
    if not path.is_file():
        raise _refuse(name, "is missing while its write-ahead log is still there")
    if path.stat().st_size == 0:  # SQLite would take it for a new database, and drop any log beside it
        raise _refuse(name, "is empty (0 bytes)")
    try:
        db = _connect(path)
    except sqlite3.Error as exc:
        raise _refuse(name, f"cannot be opened ({exc})") from None
    try:
        # quick_check reads every page: a truncated or damaged file fails here, not mid-send.
        check = db.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise _refuse(name, f"is damaged or truncated (SQLite: {check[0][0]})")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        columns = [c[1] for c in db.execute("PRAGMA table_info(sends)")]
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            raise _refuse(name, "is not an SQLite database") from None
        raise _refuse(name, f"is damaged or truncated (SQLite: {exc})") from None
    finally:
        db.close()
    if version == 0 and not tables:
        raise _refuse(name, "is empty: it holds no record at all")
    if version != _VERSION and tables == ["sends"]:
        raise _refuse(
            name, f"was written by another version of pressroom (format {version}, this one reads {_VERSION})"
        )
    if version != _VERSION or ", ".join(columns) != _COLUMNS:
        raise _refuse(name, f"is an SQLite database but not a send ledger (tables: {', '.join(tables)})")


def _create(path: Path) -> None:
    """Make a new, empty ledger at `path` in one step: whole, or not there at all.

    Built under a temporary name and linked into place, so a run killed while
    creating it never leaves an empty file that the next run would refuse, and
    two first runs at once end with one ledger.
    """
    temporary = path.with_name(f".{path.name}.new-{secrets.token_hex(6)}")
    try:
        db = sqlite3.connect(temporary, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=DELETE")  # one file, complete on close
            db.execute("PRAGMA synchronous=FULL")
            with _transaction(db):
                db.execute(_SCHEMA)
                db.execute(f"PRAGMA user_version = {_VERSION}")
        finally:
            db.close()
        with contextlib.suppress(FileExistsError):  # another run made it first: use that one
            os.link(temporary, path)
        _sync_folder(path.parent)
    except (OSError, sqlite3.Error) as exc:
        raise LedgerError(f"cannot create the send ledger {FILENAME}: {exc}") from None
    finally:
        temporary.unlink(missing_ok=True)


def _move_old(root: Path) -> str:
    """Move a ledger from .pressroom/, where `clean` would delete it, to records/."""
    _verify(root, OLD_FILENAME)
    old, new = root / OLD_FILENAME, root / FILENAME
    try:
        db = _connect(old)
        try:  # everything into the one file, so that moving that file moves all of it
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("PRAGMA journal_mode=DELETE")
        finally:
            db.close()
        with contextlib.suppress(FileExistsError):  # another run moved it first
            os.link(old, new)
        _sync_folder(new.parent)
        for side in ("", *_SIDE_FILES):
            Path(f"{old}{side}").unlink(missing_ok=True)
    except (OSError, sqlite3.Error) as exc:
        raise LedgerError(f"cannot move the send ledger from {OLD_FILENAME} to {FILENAME}: {exc}") from None
    return f"Moved the send ledger from {OLD_FILENAME} to {FILENAME}, where no clean deletes it"


def _set_aside(root: Path, name: str) -> str:
    """Keep an unreadable ledger (and its log) under a free name in records/; never delete it."""
    number = 1
    while any(_lexists(root / f"{FOLDER}/sends.unreadable-{number}.sqlite{s}") for s in ("", *_SIDE_FILES)):
        number += 1
    kept = f"{FOLDER}/sends.unreadable-{number}.sqlite"
    try:
        for side in ("", *_SIDE_FILES):  # a stale log beside a new database would be replayed into it
            if _lexists(root / f"{name}{side}"):
                (root / f"{name}{side}").rename(root / f"{kept}{side}")
        _sync_folder(root / FOLDER)
    except OSError as exc:
        raise LedgerError(f"cannot move {name} aside to {kept}: {exc.strerror or exc}") from None
    return f"Started a new send ledger (--new-ledger); the unreadable one is kept as {kept}"


def _sync_folder(folder: Path) -> None:
    """Make a rename or link in `folder` survive a power cut."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
