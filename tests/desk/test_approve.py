"""`pressroom approve`: references from a series, the approval written into the file and nothing else."""

from __future__ import annotations

import difflib
import os
import sqlite3
import subprocess
import sys

from conftest import REPO
from helpers import SETTINGS
from pressroom.cli import main

SERIES = """
[references]
IP = { format = "IP/{yy}/{nnnn}", counter = "ec" }
MEMO = { format = "MEMO/{yy}/{nnnn}", counter = "ec" }
"""
SETTINGS_WITH_SERIES = SETTINGS.replace("\n[email]", SERIES + "\n[email]")

RELEASE = """\
---
# Drafted by the unit; the Q&A follows.
title:   "EU and UN: a new partnership"   # the agreed headline
date: 2018-05-25
location: Brussels
status: draft    # until the spokesperson says so

tags: [counter-terrorism,   multilateralism]
---
The body of the release.
"""
EPOCH = "1527235200"  # 2018-05-25T08:00:00Z: approve reads the clock once, through SOURCE_DATE_EPOCH


def invoke(runner, *args, **kw):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)


def approve(runner, root, slug, by="Anna Schmidt", *extra):
    return invoke(
        runner, "approve", slug, "--by", by, *extra, "--root", root, env={"SOURCE_DATE_EPOCH": EPOCH}
    )


def test_approve_changes_only_the_fields_it_sets(runner, make_newsroom):
    root = make_newsroom({"releases/a.md": RELEASE}, settings=SETTINGS_WITH_SERIES)
    result = approve(runner, root, "a")
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.splitlines()[-1] == "Approved releases/a.md by Anna Schmidt, reference IP/18/0001 (new)"
    )
    after = (root / "releases/a.md").read_text(encoding="utf-8")
    from pressroom.model import source_hash

    changed = [line for line in difflib.ndiff(RELEASE.splitlines(), after.splitlines()) if line[:1] in "+-"]
    assert changed == [
        "+ reference: IP/18/0001",
        "- status: draft    # until the spokesperson says so",
        "+ status: approved    # until the spokesperson says so",
        "+ approved_by: Anna Schmidt",
        "+ approved_at: 2018-05-25T10:00:00+02:00",
        f"+ approved_hash: {source_hash(after)}",
    ]
    # The diff it printed is the one it made; check has nothing to say.
    assert "+approved_by: Anna Schmidt\n" in result.stdout
    checked = invoke(runner, "check", "--root", root)
    assert checked.output == "1 release, 0 contacts and 0 lists checked: no errors\n"
    # The trail is kept in records/, with the reference.
    with sqlite3.connect(root / "records/references.sqlite") as db:
        assert db.execute("SELECT release, by, reference FROM approvals").fetchall() == [
            ("a", "Anna Schmidt", "IP/18/0001")
        ]


def test_approving_again_keeps_the_reference_and_a_companion_shares_the_counter(runner, make_newsroom):
    root = make_newsroom(
        {"releases/a.md": RELEASE, "releases/a-qa.md": RELEASE}, settings=SETTINGS_WITH_SERIES
    )
    assert approve(runner, root, "a").exit_code == 0
    again = approve(runner, root, "a", "Ben Okafor")
    assert again.stdout.splitlines()[-1] == "Approved releases/a.md by Ben Okafor, reference IP/18/0001"
    text = (root / "releases/a.md").read_text()
    assert text.count("reference:") == 1 and "approved_by: Ben Okafor" in text
    memo = approve(runner, root, "a-qa", "Anna Schmidt", "--series", "MEMO")
    assert memo.stdout.splitlines()[-1].endswith("reference MEMO/18/0002 (new)")


def test_a_number_is_never_given_twice(runner, make_newsroom):
    hand = RELEASE.replace("status: draft", "reference: IP/18/0041\nstatus: draft")
    root = make_newsroom(
        {"releases/a.md": RELEASE, "releases/b.md": RELEASE, "releases/old.md": hand},
        settings=SETTINGS_WITH_SERIES,
    )
    assert (
        approve(runner, root, "a").stdout.splitlines()[-1].endswith("IP/18/0042 (new)")
    )  # after the hand-made one
    # Its reference deleted from the file, a's number still does not go to b ...
    path = root / "releases/a.md"
    path.write_text(path.read_text().replace("reference: IP/18/0042\n", ""))
    assert approve(runner, root, "b").stdout.splitlines()[-1].endswith("IP/18/0043 (new)")
    # ... and a gets its own number back.
    assert approve(runner, root, "a").stdout.splitlines()[-1].endswith("IP/18/0042 (new)")


def test_two_approvals_at_once_get_two_numbers(make_newsroom):
    slugs = [f"r{i}" for i in range(6)]
    root = make_newsroom({f"releases/{s}.md": RELEASE for s in slugs}, settings=SETTINGS_WITH_SERIES)
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pressroom",
                "approve",
                slug,
                "--by",
                f"Editor {slug}",
                "--root",
                str(root),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        for slug in slugs
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    references = [out.splitlines()[-1].rsplit("reference ", 1)[1] for out, _ in outputs]
    assert sorted(references) == [f"IP/18/{n:04d} (new)" for n in range(1, 7)]
    for slug, reference in zip(slugs, references, strict=True):
        assert f"reference: {reference.split()[0]}\n" in (root / f"releases/{slug}.md").read_text()


def test_a_release_with_errors_is_refused_and_left_as_it_was(runner, make_newsroom):
    broken = RELEASE.replace("date: 2018-05-25", "date: 2018-02-30")
    root = make_newsroom({"releases/a.md": broken}, settings=SETTINGS_WITH_SERIES)
    result = approve(runner, root, "a")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "releases/a.md:4: date: '2018-02-30' is not a real date",
        "Error: 1 error, 0 warnings in 1 file",
    ]
    assert (root / "releases/a.md").read_text() == broken
    assert not (root / "records").exists()


def test_an_edit_after_approval_is_flagged_by_check_and_refused_by_send(runner, make_newsroom):
    files = {"releases/a.md": RELEASE, "contacts/lists/media.csv": "name,email\nAnn,ann@example.org\n"}
    root = make_newsroom(files, settings=SETTINGS_WITH_SERIES)
    approve(runner, root, "a")
    path = root / "releases/a.md"
    approved = path.read_text()
    path.write_text(approved.replace("The body", "The edited body"))
    checked = invoke(runner, "check", "--root", root)
    assert checked.exit_code == 0
    assert checked.output.splitlines()[0] == (
        "releases/a.md:10: warning: approved_hash: changed since approval by Anna Schmidt at "
        "2018-05-25T10:00:00+02:00: approve it again (pressroom approve) before it is sent"
    )
    sent = invoke(runner, "send", "a", "--list", "media", "--dry-run", "--root", root)
    assert sent.exit_code == 1
    assert sent.output == (
        "Error: releases/a.md has changed since approval by Anna Schmidt at 2018-05-25T10:00:00+02:00: "
        "approve it again (pressroom approve a --by NAME), then send\n"
    )
    # The status line is not part of the approved text: approving or withdrawing is no edit.
    path.write_text(approved.replace("status: approved", "status: approved   # still"))
    assert invoke(runner, "check", "--root", root).output.startswith("1 release")
    approve(runner, root, "a")
    assert "releases/a.md" not in invoke(runner, "check", "--root", root).output


def test_misuse(runner, make_newsroom):
    root = make_newsroom({"releases/a.md": RELEASE}, settings=SETTINGS_WITH_SERIES)
    assert invoke(runner, "approve", "a", "--root", root).exit_code == 2  # --by is required
    unknown = approve(runner, root, "a2")
    assert (unknown.exit_code, unknown.output) == (
        1,
        "Error: no release with slug a2 in releases/ (did you mean 'a'?)\n",
    )
    series = approve(runner, root, "a", "Anna", "--series", "IPP")
    assert series.output == "Error: no reference series IPP in pressroom.toml (did you mean 'IP'?)\n"
    assert (root / "releases/a.md").read_text() == RELEASE


def test_the_records_are_never_written_through_a_link(runner, make_newsroom, tmp_path):
    root = make_newsroom({"releases/a.md": RELEASE}, settings=SETTINGS_WITH_SERIES)
    elsewhere = tmp_path / "elsewhere.sqlite"
    (root / "records").mkdir()
    (root / "records/references.sqlite").symlink_to(elsewhere)
    result = approve(runner, root, "a")
    assert (result.exit_code, result.output) == (
        1,
        "Error: records/references.sqlite is not a file; move it away\n",
    )
    assert not elsewhere.exists() and (root / "releases/a.md").read_text() == RELEASE


def test_empty_or_foreign_records_are_refused_not_taken_for_new_ones(runner, make_newsroom):
    """The numbers handed out cannot be rebuilt: new records would hand them out again."""
    root = make_newsroom({"releases/a.md": RELEASE}, settings=SETTINGS_WITH_SERIES)
    (root / "records").mkdir()
    records = root / "records/references.sqlite"
    records.write_bytes(b"")
    result = approve(runner, root, "a")
    assert result.exit_code == 1
    assert result.output.startswith("Error: records/references.sqlite is empty (0 bytes).")
    assert records.read_bytes() == b"" and (root / "releases/a.md").read_text() == RELEASE
    records.unlink()
    sqlite3.connect(records).execute("CREATE TABLE other (x)").connection.commit()
    result = approve(runner, root, "a")
    assert (result.exit_code, result.output) == (
        1,
        "Error: records/references.sqlite was not written by this version of pressroom "
        "(not pressroom's records); restore it from your backup\n",
    )


def test_first_records_are_made_whole(runner, make_newsroom):
    root = make_newsroom({"releases/a.md": RELEASE}, settings=SETTINGS_WITH_SERIES)
    assert approve(runner, root, "a").exit_code == 0
    assert sorted(p.name for p in (root / "records").iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "references.sqlite"
    ]
    db = sqlite3.connect(root / "records/references.sqlite")
    assert db.execute("SELECT reference, release FROM allocations").fetchall() == [("IP/18/0001", "a")]
