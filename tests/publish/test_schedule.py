"""When the public site next changes (`pressroom next`), from the same rule that decides what is public."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from publishing import release

from pressroom.cli import main
from pressroom.content.loader import load_newsroom
from pressroom.publish.schedule import next_change, public_keys

SLUGS = {
    "releases/2018-05-25-old.md": release("Old news"),
    # Public from midnight of its date in Brussels: 2030-01-09T23:00:00Z.
    "releases/2030-01-10-dated.md": release("Dated", "2030-01-10"),
    "releases/2030-01-10-embargoed.md": release(
        "Embargoed", "2030-01-10", embargo="2030-01-10T11:00:00+01:00"
    ),
    "releases/2030-01-10-embargoed.fr.md": "---\ntitle: Sous embargo\nlocation: Bruxelles\nstatus: approved\n---\nLe texte.\n",
    "releases/2030-01-10-same-instant.md": release("Same", "2030-01-10", embargo="2030-01-10T10:00:00Z"),
    "releases/2030-01-11-draft.md": release("Draft", "2030-01-11", status="draft"),
    "releases/2030-02-01-later.md": release("Later", "2030-02-01", embargo="2030-02-01T09:30:00+01:00"),
    # A translation approved before its original: it goes public with the original, not before.
    "releases/2030-03-01-draft-original.md": release("Draft original", "2030-03-01", status="draft"),
    "releases/2030-03-01-draft-original.de.md": "---\ntitle: Entwurf\nlocation: Brüssel\nstatus: approved\n---\nText.\n",
}


@pytest.fixture
def newsroom(make_newsroom):
    return load_newsroom(make_newsroom(SLUGS))


def at(text):
    return datetime.fromisoformat(text)


def test_the_next_change_is_each_embargo_and_each_dated_release_in_turn(newsroom):
    change = next_change(newsroom, at("2029-12-31T12:00:00Z"))
    assert change.at == at("2030-01-09T23:00:00Z")
    assert change.keys() == ("2030-01-10-dated",)

    change = next_change(newsroom, change.at)
    assert change.at == at("2030-01-10T10:00:00Z")
    assert change.keys() == ("2030-01-10-same-instant", "2030-01-10-embargoed", "2030-01-10-embargoed.fr")

    change = next_change(newsroom, change.at)
    assert change.at == at("2030-02-01T08:30:00Z")
    assert change.keys() == ("2030-02-01-later",)
    assert next_change(newsroom, change.at) is None  # drafts wait for an edit, not for a time


@pytest.mark.parametrize(
    "now",
    ["2018-01-01T00:00:00Z", "2029-12-31T12:00:00Z", "2030-01-09T23:00:00Z", "2030-01-10T09:59:59.999999Z"],
)
def test_the_schedule_agrees_with_the_public_rule(newsroom, now):
    """Nothing changes before the instant; at it, exactly the releases named go public."""
    now = at(now)
    change = next_change(newsroom, now)
    just_before = change.at - timedelta(microseconds=1)
    assert public_keys(newsroom, just_before) == public_keys(newsroom, now)
    assert public_keys(newsroom, change.at) - public_keys(newsroom, now) == set(change.keys())
    assert public_keys(newsroom, now) <= public_keys(newsroom, change.at)


def test_next_prints_the_instant_and_the_releases(runner, make_newsroom):
    root = make_newsroom(SLUGS)
    result = runner.invoke(main, ["next", "--root", str(root), "--now", "2030-01-10T10:30:00+01:00"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "2030-01-10T10:00:00+00:00 (2030-01-10 11:00 CET), in 30 min 0 s:\n"
        "  2030-01-10-same-instant\n  2030-01-10-embargoed\n  2030-01-10-embargoed.fr\n"
    )
    result = runner.invoke(main, ["next", "--root", str(root), "--now", "2030-02-02T00:00:00Z"])
    assert result.output == "Nothing scheduled: no approved release is waiting for its time.\n"


def test_next_json_is_for_scripts(runner, make_newsroom):
    root = make_newsroom(SLUGS)
    result = runner.invoke(
        main, ["next", "--json", "--root", str(root), "--now", "2030-01-31T09:30:00+01:00"]
    )
    assert json.loads(result.output) == {
        "now": "2030-01-31T09:30:00+01:00",
        "next": "2030-02-01T08:30:00+00:00",
        "seconds": 86400.0,
        "releases": [{"key": "2030-02-01-later", "path": "releases/2030-02-01-later.md", "title": "Later"}],
    }
    result = runner.invoke(main, ["next", "--json", "--root", str(root), "--now", "2031-01-01T00:00:00Z"])
    assert json.loads(result.output) == {
        "now": "2031-01-01T00:00:00+00:00",
        "next": None,
        "seconds": None,
        "releases": [],
    }


def test_next_refuses_a_time_without_offset(runner, make_newsroom):
    result = runner.invoke(main, ["next", "--root", str(make_newsroom(SLUGS)), "--now", "2030-01-01T00:00"])
    assert result.exit_code == 2
    assert "'2030-01-01T00:00' has no UTC offset" in result.output


def test_publish_refuses_a_future_now_that_would_lift_embargoes_early(runner, make_newsroom):
    root = make_newsroom(SLUGS)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    result = runner.invoke(main, ["publish", "--root", str(root), "--now", later])
    assert result.exit_code == 2
    assert "--now is later than the clock: publishing then would put releases under embargo online early" in (
        result.output
    )
    assert not (root / "build").exists()
