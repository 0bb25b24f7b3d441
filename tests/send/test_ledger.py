"""The send ledger: durable rows, only the allowed state changes, and what a killed run leaves behind."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from pressroom.send.ledger import (
    FILENAME,
    OLD_FILENAME,
    TRANSITIONS,
    Ledger,
    LedgerError,
    State,
    UnreadableLedger,
)

T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
LIST = ["ann@example.org", "Bob@Example.org", "carl@example.org"]


@pytest.fixture
def ledger(tmp_path):
    with Ledger.open(tmp_path) as opened:
        yield opened


def states(ledger, release="eu-un", digest="v1"):
    return {row.recipient: row.state for row in ledger.rows(release, digest)}


def test_a_new_ledger_is_sqlite_in_wal_mode_in_records(tmp_path):
    with Ledger.open(tmp_path) as ledger:
        assert ledger.path == tmp_path / "records" / "sends.sqlite"
        assert ledger.notes == []
        assert ledger._db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    db = sqlite3.connect(tmp_path / FILENAME)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("PRAGMA user_version").fetchone() == (1,)
    db.close()


def test_adding_a_list_is_idempotent_and_keeps_every_state(ledger):
    ledger.add("eu-un", "v1", "media", LIST, T0)
    ledger.move("eu-un", "v1", "ann@example.org", State.PENDING, State.SENDING, T0)
    ledger.move("eu-un", "v1", "ann@example.org", State.SENDING, State.ACCEPTED, T0, response="250 OK")
    ledger.add("eu-un", "v1", "other-list", [*LIST, "dora@example.org"], T0 + timedelta(minutes=1))
    rows = ledger.rows("eu-un")
    assert [(r.recipient, r.list, r.state) for r in rows] == [
        ("ann@example.org", "media", State.ACCEPTED),
        ("bob@example.org", "media", State.PENDING),  # addresses are compared lower-cased
        ("carl@example.org", "media", State.PENDING),
        ("dora@example.org", "other-list", State.PENDING),
    ]
    assert rows[0].response == "250 OK"
    assert rows[0].attempts == 1
    assert rows[0].updated == T0


def test_versions_and_releases_have_rows_of_their_own(ledger):
    ledger.add("eu-un", "v1", "media", LIST, T0)
    ledger.add("eu-un", "v2", "media", LIST[:1], T0)
    ledger.add("other", "v1", "media", LIST[:2], T0)
    assert len(ledger.rows("eu-un")) == 4
    assert len(ledger.rows("eu-un", "v2")) == 1
    assert len(ledger.rows("other")) == 2
    assert ledger.rows("nothing") == []


def test_each_move_is_committed_before_it_returns(tmp_path, ledger):
    ledger.add("eu-un", "v1", "media", LIST, T0)
    ledger.move("eu-un", "v1", "Bob@Example.org", State.PENDING, State.SENDING, T0, message_id="<m@x>")
    with Ledger.open(tmp_path) as other:  # a second connection, as a second process would have
        row = other.states("eu-un", "v1")["bob@example.org"]
    assert (row.state, row.message_id, row.attempts) == (State.SENDING, "<m@x>", 1)


@pytest.mark.parametrize(("old", "new"), [(o, n) for o in State for n in State if n not in TRANSITIONS[o]])
def test_moves_the_ledger_does_not_allow_are_refused(ledger, old, new):
    with pytest.raises(LedgerError, match=f"^a send cannot go from {old.value} to {new.value}$"):
        ledger.move("eu-un", "v1", "ann@example.org", old, new, T0)


def test_a_move_from_a_state_the_row_is_not_in_is_refused(ledger):
    ledger.add("eu-un", "v1", "media", LIST, T0)
    ledger.move("eu-un", "v1", "ann@example.org", State.PENDING, State.SENDING, T0)
    ledger.move("eu-un", "v1", "ann@example.org", State.SENDING, State.ACCEPTED, T0)
    # A second run that read the row as pending before the first one sent it:
    with pytest.raises(LedgerError) as caught:
        ledger.move("eu-un", "v1", "ann@example.org", State.PENDING, State.SENDING, T0)
    assert str(caught.value) == (
        "records/sends.sqlite: ann@example.org for eu-un is accepted, not pending; "
        "is another send of this release running?"
    )
    assert states(ledger)["ann@example.org"] is State.ACCEPTED
    with pytest.raises(LedgerError, match="is no row, not pending"):
        ledger.move("eu-un", "v1", "nobody@example.org", State.PENDING, State.SENDING, T0)


def test_recover_turns_what_a_killed_run_was_sending_into_uncertain(ledger):
    ledger.add("eu-un", "v1", "media", LIST, T0)
    ledger.add("other", "v1", "media", LIST, T0)
    for release in ("eu-un", "other"):
        ledger.move(release, "v1", "bob@example.org", State.PENDING, State.SENDING, T0)
    recovered = ledger.recover("eu-un", T0 + timedelta(hours=1))
    assert [r.recipient for r in recovered] == ["bob@example.org"]
    row = ledger.states("eu-un", "v1")["bob@example.org"]
    assert row.state is State.UNCERTAIN
    assert row.response == "the run ended while the server had the message and before it answered"
    assert states(ledger, "other")["bob@example.org"] is State.SENDING  # another release: untouched
    assert ledger.recover("eu-un", T0) == []


def test_a_process_killed_right_after_a_move_leaves_that_move_on_disk(tmp_path):
    script = textwrap.dedent(
        f"""
        import os, signal
        from datetime import datetime, UTC
        from pathlib import Path
        from pressroom.send.ledger import Ledger, State
        now = datetime.now(UTC)
        ledger = Ledger.open(Path({str(tmp_path)!r}))
        ledger.add("eu-un", "v1", "media", {LIST!r}, now)
        ledger.move("eu-un", "v1", "ann@example.org", State.PENDING, State.SENDING, now)
        ledger.move("eu-un", "v1", "ann@example.org", State.SENDING, State.ACCEPTED, now, response="250 OK")
        ledger.move("eu-un", "v1", "bob@example.org", State.PENDING, State.SENDING, now)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode == -9, result.stderr
    with Ledger.open(tmp_path) as ledger:
        assert states(ledger) == {
            "ann@example.org": State.ACCEPTED,
            "bob@example.org": State.SENDING,
            "carl@example.org": State.PENDING,
        }


RESENDS = (
    "It is the send ledger, the record of who has been sent what: starting a new one would send every "
    "release again to everyone on its list. Restore the file from a backup; or, only if everyone may get "
    "the release again, add --new-ledger to keep this file under another name and start a new ledger"
)


def refused(tmp_path, what):
    with pytest.raises(UnreadableLedger) as caught:
        Ledger.open(tmp_path)
    assert str(caught.value) == f"records/sends.sqlite {what}. {RESENDS}"


def a_ledger_with_rows(root, rows=200):
    with Ledger.open(root) as ledger:
        ledger.add("eu-un", "v1", "media", [f"r{i}@example.org" for i in range(rows)], T0)
        for i in range(rows):
            ledger.move("eu-un", "v1", f"r{i}@example.org", State.PENDING, State.SENDING, T0)
            ledger.move("eu-un", "v1", f"r{i}@example.org", State.SENDING, State.ACCEPTED, T0)
    return root / FILENAME


def test_an_empty_ledger_file_is_refused_not_taken_for_a_new_one(tmp_path):
    (tmp_path / "records").mkdir()
    (tmp_path / FILENAME).write_bytes(b"")
    refused(tmp_path, "is empty (0 bytes)")
    assert (tmp_path / FILENAME).read_bytes() == b""  # left as it was found


@pytest.mark.parametrize("keep", [0.5, 0.9, 4096])
def test_a_truncated_ledger_is_refused(tmp_path, keep):
    path = a_ledger_with_rows(tmp_path)
    data = path.read_bytes()
    assert len(data) > 3 * 4096
    path.write_bytes(data[: keep if isinstance(keep, int) else int(len(data) * keep) // 4096 * 4096])
    with pytest.raises(UnreadableLedger, match=r"^records/sends\.sqlite is damaged or truncated \(SQLite: "):
        Ledger.open(tmp_path)


def test_a_file_that_is_not_a_ledger_is_refused(tmp_path):
    (tmp_path / "records").mkdir()
    (tmp_path / FILENAME).write_text("not a database, just text that is long enough " * 20)
    refused(tmp_path, "is not an SQLite database")


def test_another_sqlite_database_is_refused(tmp_path):
    (tmp_path / "records").mkdir()
    db = sqlite3.connect(tmp_path / FILENAME)
    db.execute("CREATE TABLE contacts (name TEXT)")
    db.commit()
    db.close()
    refused(tmp_path, "is an SQLite database but not a send ledger (tables: contacts)")
    (tmp_path / FILENAME).unlink()
    db = sqlite3.connect(tmp_path / FILENAME)
    db.execute("CREATE TABLE t (x)")
    db.execute("DROP TABLE t")  # leaves a whole database with nothing in it
    db.commit()
    db.close()
    assert (tmp_path / FILENAME).stat().st_size > 0
    refused(tmp_path, "is empty: it holds no record at all")


def test_a_ledger_from_a_newer_pressroom_is_refused(tmp_path):
    Ledger.open(tmp_path).close()
    db = sqlite3.connect(tmp_path / FILENAME)
    db.execute("PRAGMA user_version = 7")
    db.close()
    refused(tmp_path, "was written by another version of pressroom (format 7, this one reads 1)")


def test_replace_unreadable_keeps_the_bad_file_and_starts_an_empty_ledger(tmp_path):
    (tmp_path / "records").mkdir()
    (tmp_path / FILENAME).write_bytes(b"")
    (tmp_path / f"{FILENAME}-wal").write_bytes(b"stale log of another database")
    with Ledger.open(tmp_path, replace_unreadable=True) as ledger:
        assert ledger.rows("eu-un") == []
        assert ledger.notes == [
            "Started a new send ledger (--new-ledger); the unreadable one is kept as "
            "records/sends.unreadable-1.sqlite"
        ]
    assert (tmp_path / "records/sends.unreadable-1.sqlite").read_bytes() == b""
    assert (
        tmp_path / "records/sends.unreadable-1.sqlite-wal"
    ).read_bytes() == b"stale log of another database"
    # A sound ledger is never replaced, flag or not.
    a_ledger_with_rows(tmp_path, rows=3)
    with Ledger.open(tmp_path, replace_unreadable=True) as ledger:
        assert len(ledger.rows("eu-un")) == 3
        assert ledger.notes == []


def test_a_ledger_under_dot_pressroom_is_moved_to_records_once_with_its_log(tmp_path):
    # As an older pressroom left it: in WAL mode, the last changes still in the log.
    (tmp_path / ".pressroom").mkdir()
    old = tmp_path / OLD_FILENAME
    script = textwrap.dedent(
        f"""
        import os, signal, sqlite3
        from pressroom.send.ledger import _SCHEMA
        db = sqlite3.connect({str(old)!r}, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA wal_autocheckpoint=0")
        db.execute(_SCHEMA)
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO sends (release, content_hash, recipient, list, state, updated) "
                   "VALUES ('eu-un', 'v1', 'ann@example.org', 'media', 'accepted', '2026-01-15T09:00:00+00:00')")
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode == -9, result.stderr
    assert (tmp_path / f"{OLD_FILENAME}-wal").stat().st_size > 0

    with Ledger.open(tmp_path) as ledger:
        assert ledger.notes == [
            "Moved the send ledger from .pressroom/sends.sqlite to records/sends.sqlite, "
            "where no clean deletes it"
        ]
        assert states(ledger) == {"ann@example.org": State.ACCEPTED}
    assert sorted(p.name for p in (tmp_path / ".pressroom").iterdir()) == []
    with Ledger.open(tmp_path) as ledger:
        assert ledger.notes == []
        assert states(ledger) == {"ann@example.org": State.ACCEPTED}


def test_an_unreadable_ledger_under_dot_pressroom_is_refused_and_not_moved(tmp_path):
    (tmp_path / ".pressroom").mkdir()
    (tmp_path / OLD_FILENAME).write_bytes(b"")
    with pytest.raises(UnreadableLedger, match=r"^\.pressroom/sends\.sqlite is empty \(0 bytes\)\. It is"):
        Ledger.open(tmp_path)
    assert (tmp_path / OLD_FILENAME).exists()
    assert not (tmp_path / FILENAME).exists()


def test_a_run_killed_while_creating_the_ledger_leaves_none_behind(tmp_path):
    # The ledger is built under another name and linked into place whole.
    script = textwrap.dedent(
        f"""
        import os, signal, sqlite3
        from pathlib import Path
        import pressroom.send.ledger as ledger
        real = ledger.os.link
        def killed(*args):
            os.kill(os.getpid(), signal.SIGKILL)
        ledger.os.link = killed
        ledger.Ledger.open(Path({str(tmp_path)!r}))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode == -9, result.stderr
    assert not (tmp_path / FILENAME).exists()
    with Ledger.open(tmp_path) as ledger:  # so the next run starts one, as a first run does
        assert ledger.rows("eu-un") == []


@pytest.mark.parametrize("folder", [".pressroom", "records"])
def test_a_linked_working_folder_is_refused(tmp_path, folder):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "newsroom").mkdir()
    (tmp_path / "newsroom" / folder).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(
        LedgerError,
        match=rf"^{re.escape(folder)} is a link; pressroom keeps its files in a real folder there$",
    ):
        Ledger.open(tmp_path / "newsroom")
    assert list((tmp_path / "elsewhere").iterdir()) == []
