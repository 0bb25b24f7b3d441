"""The desk's fields as `check` reads them: a withdrawal and its notice go together."""

from __future__ import annotations

import helpers
from pressroom.cli import main


def invoke(runner, *args):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_withdrawn_needs_its_notice_and_the_notice_needs_the_status(runner, make_newsroom):
    root = make_newsroom(
        {
            "releases/a.md": helpers.release(status="withdrawn"),
            "releases/b.md": helpers.release(extra="withdrawn:\n  date: 2026-01-13\n  text: Off."),
        }
    )
    result = invoke(runner, "check", "--root", root)
    assert result.output.splitlines() == [
        "releases/a.md:5: status: a withdrawn release needs withdrawn: with the date and the reason",
        "releases/b.md:7: withdrawn: set status: withdrawn too, or leave withdrawn: out",
        "Error: 2 errors, 0 warnings in 2 files",
    ]


def test_a_correction_needs_a_date_with_its_offset_and_a_text(runner, make_newsroom):
    entries = """\
corrections:
  - text: No date.
  - date: 2026-13-01
    text: No such month.
  - date: 2026-01-12T15:30:00
    text: No offset.
  - date:
    text: Left empty.
  - date: 2026-01-12
"""
    root = make_newsroom({"releases/a.md": helpers.release(extra=entries)})
    result = invoke(runner, "check", "--root", root)
    assert result.output.splitlines() == [
        "releases/a.md:7: corrections[0].date: field required",
        "releases/a.md:8: corrections[1].date: '2026-13-01' is not a real date",
        "releases/a.md:10: corrections[2].date: '2026-01-12T15:30:00' has no UTC offset: "
        "add one, e.g. '2026-01-12T15:30:00+02:00' or '2026-01-12T15:30:00Z'",
        "releases/a.md:12: corrections[3].date: field required",
        "releases/a.md:14: corrections[4].text: field required",
        "Error: 5 errors, 0 warnings in 1 file",
    ]


def test_a_correction_dated_by_day_counts_from_midnight_in_the_newsroom_zone(make_newsroom):
    from pressroom.content.loader import load_newsroom

    entries = "corrections:\n  - date: 2018-05-27\n    text: Later.\n  - date: 2018-05-26T09:30:00Z\n    text: Sooner."
    root = make_newsroom({"releases/a.md": helpers.release(extra=entries)})
    (release,) = load_newsroom(root).releases
    # Oldest first, whatever the order written; the last one is when readers saw it change.
    assert [(n.text, n.at.isoformat()) for n in release.corrections] == [
        ("Sooner.", "2018-05-26T09:30:00+00:00"),
        ("Later.", "2018-05-27T00:00:00+02:00"),
    ]
    assert release.modified == release.corrections[-1].at


def test_an_approved_hash_is_the_one_approve_writes(runner, make_newsroom):
    root = make_newsroom({"releases/a.md": helpers.release(approved_hash="not-a-hash")})
    result = invoke(runner, "check", "--root", root)
    assert result.output.splitlines()[0] == (
        "releases/a.md:6: approved_hash: expected the 12-character hash `pressroom approve` writes, "
        "found 'not-a-hash'"
    )
