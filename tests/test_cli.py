"""The command line end to end: exit codes and the exact words a user reads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pressroom.cli import main

BROKEN_A = """\
---
title: First broken
date: 2018-02-30
location: Brussels
status: NO
---
Body.
"""

BROKEN_B = """\
---
title: Second broken
date: 2018-05-25
location: Brussels
embargo: 2018-05-25T12:00:00
attendees:
  - name: Ann Example
  - role: Minister
contacts:
  - nobody
---
Body.
"""


def invoke(runner, *args):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_new_check_build_round_trip(runner, make_newsroom):
    root = make_newsroom()
    created = invoke(runner, "new", "EU and UN: a “new” partnership", "--date", "2018-05-25", "--root", root)
    assert created.exit_code == 0, created.output
    assert created.output == "releases/2018-05-25-eu-and-un-a-new-partnership.md\n"
    text = (root / created.output.strip()).read_text()
    assert 'title: "EU and UN: a “new” partnership"' in text
    assert "status: draft" in text

    checked = invoke(runner, "check", "--root", root)
    assert checked.exit_code == 0, checked.output
    assert checked.output == "1 release, 0 contacts and 0 lists checked: no errors\n"

    built = invoke(runner, "build", "--root", root, "--format", "html,email", "--now", "2018-05-26T00:00:00Z")
    assert built.exit_code == 0, built.output
    assert "Built 0 public and 1 staff-only release(s)" in built.output
    slug = "2018-05-25-eu-and-un-a-new-partnership"
    assert (root / "build/staff/releases" / slug / "index.html").is_file()
    assert (root / "build/email" / f"{slug}.eml").is_file()
    assert not (root / "build/site/releases").exists()


def test_new_refuses_to_overwrite(runner, make_newsroom):
    root = make_newsroom()
    assert invoke(runner, "new", "Same", "--date", "2020-01-01", "--root", root).exit_code == 0
    again = invoke(runner, "new", "Same", "--date", "2020-01-01", "--root", root)
    assert again.exit_code == 1
    assert again.output == "Error: releases/2020-01-01-same.md already exists\n"


def test_check_lists_every_problem_of_every_file_and_exits_1(runner, make_newsroom):
    root = make_newsroom({"releases/a.md": BROKEN_A, "releases/b.md": BROKEN_B})
    result = invoke(runner, "check", "--root", root)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "releases/a.md:3: date: '2018-02-30' is not a real date",
        "releases/a.md:5: status: expected 'draft', 'approved' or 'withdrawn', found 'NO'",
        "releases/b.md:5: embargo: '2018-05-25T12:00:00' has no UTC offset: "
        "add one, e.g. '2018-05-25T12:00:00+02:00' or '2018-05-25T12:00:00Z'",
        "releases/b.md:8: attendees[1].name: field required",
        "releases/b.md:10: contacts[0]: unknown contact 'nobody' (no contacts/nobody.yaml)",
        "Error: 5 errors, 0 warnings in 2 files",
    ]


def test_build_with_broken_content_exits_1_and_writes_nothing(runner, make_newsroom):
    root = make_newsroom({"releases/a.md": BROKEN_A})
    result = invoke(runner, "build", "--root", root)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "Error: 2 errors, 0 warnings in 1 file"
    assert not (root / "build").exists()


def test_strict_turns_warnings_into_failure(runner, make_newsroom):
    root = make_newsroom(
        {
            "releases/a.md": """\
            ---
            title: Late embargo
            date: 2018-05-25
            location: Brussels
            embargo: 2018-05-26T09:00:00+02:00
            ---
            Body.
            """
        }
    )
    relaxed = invoke(runner, "check", "--root", root)
    assert relaxed.exit_code == 0
    warning = "releases/a.md:5: warning: embargo: ends on 2018-05-26, not on the release date 2018-05-25"
    assert warning in relaxed.output
    strict = invoke(runner, "check", "--strict", "--root", root)
    assert strict.exit_code == 1
    assert strict.output.splitlines()[-1] == "Error: 0 errors, 1 warning in 1 file (--strict)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--format", "html,docx"], "expected a comma-separated list of html, pdf, email"),
        (["build", "--now", "yesterday"], "expected a date and time such as 2018-05-25T12:00:00+02:00"),
        (["build", "--now", "2018-05-25T12:00:00"], "has no UTC offset"),
        (["new"], "Missing argument 'HEADLINE'"),
        (["new", "X", "--date", "25/05/2018"], "Invalid value for '--date'"),
        (["nonsense"], "No such command 'nonsense'"),
    ],
)
def test_misuse_exits_2_with_usage(runner, make_newsroom, args, message):
    root = make_newsroom()
    result = runner.invoke(main, [*args, "--root", str(root)] if args[0] != "nonsense" else args)
    assert result.exit_code == 2
    assert message in result.output


def test_root_must_exist(runner, tmp_path):
    result = runner.invoke(main, ["check", "--root", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_missing_settings_is_one_clear_line(runner, make_newsroom):
    root = make_newsroom(settings=None)
    result = invoke(runner, "check", "--root", root)
    assert result.exit_code == 1
    assert (
        result.output.splitlines()[0]
        == "pressroom.toml: not found: a newsroom needs a pressroom.toml (see README)"
    )


def test_build_unknown_slug(runner, make_newsroom):
    root = make_newsroom()
    result = invoke(runner, "build", "nope", "--root", root)
    assert result.exit_code == 1
    assert result.output == "Error: no release with slug nope in releases/\n"


def test_list_shows_status_embargo_and_public(runner, make_newsroom):
    root = make_newsroom(
        {
            "releases/open.md": "---\ntitle: Open\ndate: 2018-05-24\nlocation: Brussels\nstatus: approved\n---\nB.\n",
            "releases/held.md": (
                "---\ntitle: Held\ndate: 2018-05-25\nlocation: Brussels\nstatus: approved\n"
                "embargo: 2018-05-25T12:00:00+02:00\n---\nB.\n"
            ),
            "releases/wip.md": "---\ntitle: Wip\ndate: 2018-05-23\nlocation: Brussels\n---\nB.\n",
        }
    )
    result = invoke(runner, "list", "--root", root, "--now", "2018-05-25T11:59:59+02:00")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "SLUG  DATE        STATUS    EMBARGO                PUBLIC",
        "held  2018-05-25  approved  2018-05-25 12:00 CEST  no",
        "open  2018-05-24  approved  -                      yes",
        "wip   2018-05-23  draft     -                      no",
    ]
    at = invoke(runner, "list", "--root", root, "--now", "2018-05-25T10:00:00Z")
    assert at.output.splitlines()[1].endswith("yes")


@pytest.mark.parametrize("command", ["build", "check", "new", "list"])
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


@pytest.mark.pdf
def test_installed_console_script_honours_the_embargo_instant_far_from_utc(make_newsroom):
    """The machine's own time zone (here UTC+14) must not move an embargo by a second."""
    script = shutil.which("pressroom", path=str(Path(os.sys.executable).parent))
    assert script, "the pressroom console script is not installed next to this Python"
    root = make_newsroom(
        {
            "releases/held.md": (
                "---\ntitle: Held back\ndate: 2018-05-25\nlocation: Brussels\nstatus: approved\n"
                "embargo: 2018-05-25T12:00:00+02:00\n---\nHELD-CANARY.\n"
            )
        }
    )
    env = {**os.environ, "TZ": "Pacific/Kiritimati"}

    def run(now):
        return subprocess.run(
            [script, "build", "--root", str(root), "--now", now], env=env, capture_output=True, text=True
        )

    before = run("2018-05-25T09:59:59Z")
    assert before.returncode == 0, before.stderr
    assert "Built 0 public and 1 staff-only release(s)" in before.stdout
    assert not (root / "build/site/releases/held").exists()
    staff_page = (root / "build/staff/releases/held/index.html").read_text()
    assert "EMBARGOED UNTIL 25 May 2018, 12:00 CEST (10:00 UTC)" in staff_page

    at = run("2018-05-25T10:00:00Z")
    assert at.returncode == 0, at.stderr
    assert "Built 1 public and 0 staff-only release(s)" in at.stdout
    assert "HELD-CANARY" in (root / "build/site/releases/held/index.html").read_text()
    assert (root / "build/site/releases/held/held.pdf").is_file()


def test_new_dates_the_release_by_the_newsroom_clock(runner, make_newsroom, monkeypatch):
    root = make_newsroom()
    # 23:30 UTC on 24 May is 01:30 on 25 May in Brussels.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2018, 5, 24, 23, 30, tzinfo=UTC).timestamp())))
    result = invoke(runner, "new", "Late news", "--root", root)
    assert result.output == "releases/2018-05-25-late-news.md\n"
    assert "date: 2018-05-25" in (root / "releases/2018-05-25-late-news.md").read_text()


def test_new_refuses_a_control_character_in_the_headline(runner, make_newsroom):
    root = make_newsroom()
    result = invoke(runner, "new", "Bell\x07 headline", "--root", root)
    assert result.exit_code == 1
    assert result.output == "Error: the headline contains the character U+0007; remove it\n"
    assert not list((root / "releases").iterdir())


def test_check_reports_broken_lists_with_broken_releases(runner, make_newsroom):
    root = make_newsroom(
        {
            "releases/a.md": BROKEN_A,
            "contacts/lists/media.csv": "name,email\nAnn Example,ann.example@example.org\nBob,not-an-address\n",
        }
    )
    result = invoke(runner, "check", "--root", root)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("contacts/lists/media.csv:3: email: ")
    assert lines[1] == "releases/a.md:3: date: '2018-02-30' is not a real date"
    assert lines[-1] == "Error: 3 errors, 0 warnings in 2 files"


# -- translations ------------------------------------------------------------------

ORIGINAL = """\
---
title: Held
date: 2018-05-25
location: Brussels
language: en
status: approved
embargo: 2018-05-25T12:00:00+02:00
background: |
  Some context.
attendees:
  - name: Ann Example
    role: Minister
---
B.
"""


def translation(title, *, status="approved", made_from=None):
    from pressroom.model import source_hash

    return (
        f"---\ntranslated_from: {made_from or source_hash(ORIGINAL)}\ntitle: {title}\nlocation: Bruxelles\n"
        f"status: {status}\nattendees:\n  - name: Ann Example\n    role: Ministre\n---\nB.\n"
    )


def test_list_shows_a_column_per_translated_language(runner, make_newsroom):
    root = make_newsroom(
        {
            "releases/held.md": ORIGINAL,
            "releases/held.fr.md": translation("Retenu"),
            "releases/held.de.md": translation("Gesperrt", status="draft"),
            "releases/held.nl.md": translation("Achtergehouden", made_from="0123456789ab"),
            "releases/open.md": "---\ntitle: Open\ndate: 2018-05-24\nlocation: Brussels\nstatus: approved\n---\nB.\n",
        }
    )
    before = invoke(runner, "list", "--root", root, "--now", "2018-05-25T11:59:59+02:00")
    assert before.exit_code == 0, before.output
    assert before.output.splitlines() == [
        "SLUG  DATE        STATUS    EMBARGO                PUBLIC  de     fr         nl",
        "held  2018-05-25  approved  2018-05-25 12:00 CEST  no      draft  embargoed  embargoed outdated",
        "open  2018-05-24  approved  -                      yes     –      –          –",
    ]
    after = invoke(runner, "list", "--root", root, "--now", "2018-05-25T12:00:00+02:00")
    assert after.output.splitlines()[:2] == [
        "SLUG  DATE        STATUS    EMBARGO                PUBLIC  de     fr  nl",
        "held  2018-05-25  approved  2018-05-25 12:00 CEST  yes     draft  ✓   ✓ outdated",
    ]


def test_check_warns_of_an_outdated_translation_and_strict_fails(runner, make_newsroom):
    root = make_newsroom(
        {"releases/held.md": ORIGINAL, "releases/held.fr.md": translation("Retenu", made_from="0123456789ab")}
    )
    from pressroom.model import source_hash

    now = source_hash(ORIGINAL)
    warning = (
        f"releases/held.fr.md:2: warning: translated_from: releases/held.md has changed since this translation "
        f"was made (0123456789ab, now {now}): the translation may be out of date; bring it up to date, "
        f"then set translated_from: {now}"
    )
    relaxed = invoke(runner, "check", "--root", root)
    assert relaxed.exit_code == 0
    assert relaxed.output.splitlines() == [
        warning,
        "1 release, 1 translation, 0 contacts and 0 lists checked: no errors",
    ]
    strict = invoke(runner, "check", "--strict", "--root", root)
    assert strict.exit_code == 1
    assert strict.output.splitlines() == [warning, "Error: 0 errors, 1 warning in 1 file (--strict)"]


def test_new_translate_writes_a_skeleton_that_check_accepts(runner, make_newsroom):
    root = make_newsroom({"releases/held.md": ORIGINAL})
    created = invoke(
        runner, "new", "--translate", "held", "--language", "fr", "--location", "Bruxelles", "--root", root
    )
    assert created.exit_code == 0, created.output
    assert created.output == "releases/held.fr.md\n"
    from pressroom.model import source_hash

    text = (root / "releases/held.fr.md").read_text()
    assert f"translated_from: {source_hash(ORIGINAL)}" in text
    assert 'location: "Bruxelles"' in text and "status: draft" in text and 'title: "Held"' in text
    assert "date:" not in text and "embargo:" not in text
    checked = invoke(runner, "check", "--root", root)
    assert checked.output == "1 release, 1 translation, 0 contacts and 0 lists checked: no errors\n"
    listed = invoke(runner, "list", "--root", root, "--now", "2018-05-26T00:00:00Z")
    assert listed.output.splitlines()[1].endswith("yes     draft")

    again = invoke(runner, "new", "--translate", "held", "--language", "fr", "--root", root)
    assert again.exit_code == 1
    assert again.output == "Error: releases/held.fr.md already exists\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--translate", "nope", "--language", "fr"], "Error: no release with slug nope in releases/\n"),
        (
            ["--translate", "held", "--language", "en"],
            "Error: 'en' is the language of releases/held.md itself; a translation is in another language\n",
        ),
        (
            ["--translate", "held", "--language", "xx"],
            "Error: 'xx' is not a language known to pressroom (Babel)\n",
        ),
    ],
)
def test_new_translate_refuses_what_check_would_refuse(runner, make_newsroom, args, message):
    root = make_newsroom({"releases/held.md": ORIGINAL})
    result = invoke(runner, "new", *args, "--root", root)
    assert result.exit_code == 1
    assert result.output == message
    assert sorted(p.name for p in (root / "releases").iterdir()) == ["held.md"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--translate", "held"], "Error: --translate needs --language LANG, e.g. --language fr"),
        (["--language", "fr", "Headline"], "Error: --language goes with --translate SLUG"),
        (
            ["--translate", "held", "--language", "fr", "--date", "2018-05-25"],
            "a translation has its original's date",
        ),
        (["--translate", "Held.md", "--language", "fr"], "'Held.md' is not a slug"),
    ],
)
def test_new_translate_misuse_exits_2(runner, make_newsroom, args, message):
    root = make_newsroom({"releases/held.md": ORIGINAL})
    result = runner.invoke(main, ["new", *args, "--root", str(root)])
    assert result.exit_code == 2
    assert message in result.output


# -- a closed pipe ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["list"], ["check"], ["build", "--format", "html"], ["--help"], ["list", "--help"], ["--version"]],
    ids=" ".join,
)
def test_output_into_a_closed_pipe_ends_quietly_with_141(make_newsroom, args):
    """`pressroom list | head -1`: the reader is gone before pressroom writes; no traceback, no message."""
    script = shutil.which("pressroom", path=str(Path(os.sys.executable).parent))
    assert script, "the pressroom console script is not installed next to this Python"
    root = make_newsroom(
        {"releases/a.md": BROKEN_A.replace("2018-02-30", "2018-02-28").replace("NO", "approved")}
    )
    read, write = os.pipe()
    os.close(read)  # a real pipe whose reader has gone, as after `head -1` has its line
    try:
        result = subprocess.run(
            [script, *args, *(["--root", str(root)] if args[-1] not in ("--help", "--version") else [])],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert result.returncode == 141
    assert result.stderr in ("", "Rendering\n")  # build's progress line goes to stderr, still open


# -- the program's way out -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status", "said"),
    [
        (["--version"], 0, "pressroom, version"),
        (["build", "--root", "/nonexistent-newsroom"], 2, "does not exist"),
    ],
)
def test_the_program_leaves_with_the_status_and_the_atexit_handlers_of_a_normal_exit(args, status, said):
    """`run` skips taking the heap apart at exit, not what an exit does: handlers, flushing, status."""
    program = (
        "import atexit, sys\n"
        "from pressroom.cli import run\n"
        "atexit.register(print, 'handler ran')\n"
        f"sys.argv = ['pressroom', *{args!r}]\n"
        "run()\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == status
    assert said in result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("handler ran")
