"""The send ledger: durable rows, only the allowed state changes, and what a killed run leaves behind."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from pressroom.send.ledger import FILENAME, TRANSITIONS, Ledger, LedgerError, State

T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
LIST = ["ann@example.org", "Bob@Example.org", "carl@example.org"]


@pytest.fixture
def ledger(tmp_path):
    with Ledger.open(tmp_path) as opened:
        yield opened


def states(ledger, release="eu-un", digest="v1"):
    return {row.recipient: row.state for row in ledger.rows(release, digest)}


def test_a_new_ledger_is_sqlite_in_wal_mode_under_dot_pressroom(tmp_path):
    with Ledger.open(tmp_path) as ledger:
        assert ledger.path == tmp_path / ".pressroom" / "sends.sqlite"
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
        ".pressroom/sends.sqlite: ann@example.org for eu-un is accepted, not pending; "
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


def test_a_file_that_is_not_a_ledger_is_refused(tmp_path):
    (tmp_path / ".pressroom").mkdir()
    (tmp_path / FILENAME).write_text("not a database, just text that is long enough " * 20)
    with pytest.raises(
        LedgerError, match=r"^\.pressroom/sends\.sqlite is not a send ledger \(file is not a database\)"
    ):
        Ledger.open(tmp_path)


def test_a_ledger_from_a_newer_pressroom_is_refused(tmp_path):
    Ledger.open(tmp_path).close()
    db = sqlite3.connect(tmp_path / FILENAME)
    db.execute("PRAGMA user_version = 7")
    db.close()
    with pytest.raises(LedgerError, match=r"another version of pressroom \(format 7, this one reads 1\)"):
        Ledger.open(tmp_path)


def test_a_linked_working_folder_is_refused(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "newsroom").mkdir()
    (tmp_path / "newsroom" / ".pressroom").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(
        LedgerError, match=r"^\.pressroom is a link; pressroom keeps its files in a real folder there$"
    ):
        Ledger.open(tmp_path / "newsroom")
    assert list((tmp_path / "elsewhere").iterdir()) == []
