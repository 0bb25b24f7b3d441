"""The send ledger: which version of a release went to whom, kept in SQLite under .pressroom/.

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

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pressroom.errors import PressroomError

FILENAME = ".pressroom/sends.sqlite"
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


class Ledger:
    """The ledger of one newsroom; open it with `Ledger.open(root)` in a `with` block."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, root: Path) -> Ledger:
        """Open (creating if needed) the ledger at <root>/.pressroom/sends.sqlite."""
        path = root / FILENAME
        if path.parent.is_symlink():  # the ledger would live, and be trusted, somewhere else
            raise LedgerError(
                f"{path.parent.name} is a link; pressroom keeps its files in a real folder there"
            )
        try:
            path.parent.mkdir(exist_ok=True)
            # Autocommit: every write below is an explicit BEGIN IMMEDIATE ... COMMIT.
            db = sqlite3.connect(path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"cannot open the send ledger {FILENAME}: {exc}") from None
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                with _transaction(db):  # two first runs at once create it once
                    if db.execute("PRAGMA user_version").fetchone()[0] == 0:
                        db.execute(_SCHEMA)
                        db.execute(f"PRAGMA user_version = {_VERSION}")
            elif version != _VERSION:
                raise LedgerError(
                    f"{FILENAME} was written by another version of pressroom (format {version}, "
                    f"this one reads {_VERSION}); nothing was sent"
                )
        except sqlite3.Error as exc:
            db.close()
            raise LedgerError(
                f"{FILENAME} is not a send ledger ({exc}); move it away to start a new one"
            ) from None
        except LedgerError:
            db.close()
            raise
        return cls(db, path)

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


_COLUMNS = "release, content_hash, recipient, list, state, updated, response, attempts, message_id"


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
