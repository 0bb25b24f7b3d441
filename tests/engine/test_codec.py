"""codec.py: the build cache's releases come back exactly as they were loaded, and a cache entry
that is not one (a field of the wrong type, an instant without a time zone) is refused with
ValueError, which has the build ignore the cache rather than trust or crash on it."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import REPO
from pressroom.content.loader import load_newsroom
from pressroom.engine import codec
from pressroom.errors import Problem
from pressroom.model import MediaFile, Release


@pytest.fixture(scope="module")
def releases() -> list[Release]:
    newsroom = load_newsroom(REPO)
    assert newsroom.releases, "the sample newsroom loads"
    return list(newsroom.releases)


def test_every_sample_release_comes_back_as_it_was_loaded(releases):
    translation = dataclasses.replace(releases[0], translation_of=releases[0].slug, original=releases[1])
    for release in [*releases, translation]:
        encoded = codec.encode(release)
        back = codec.decode(Release, encoded)
        assert back == release
        # `original` is left out of ==: the encoded form says whether it came back too.
        assert codec.encode(back) == encoded
        assert back.published.tzinfo is not None
    assert any(r.corrections for r in releases) and any(r.media for r in releases), "the sample covers them"


def test_an_instant_in_local_mean_time_comes_back_with_its_offset(releases):
    # Brussels before 1892 was 17 min 30 s ahead of Greenwich: an offset RFC 3339 cannot write.
    lmt = timezone(timedelta(minutes=17, seconds=30))
    old = dataclasses.replace(releases[0], published=datetime(1880, 5, 3, tzinfo=lmt))
    back = codec.decode(Release, codec.encode(old))
    assert back.published.utcoffset() == timedelta(minutes=17, seconds=30)
    assert codec.encode(back) == codec.encode(old)


def test_a_kit_file_and_a_problem_come_back(releases):
    kit = next(m for r in releases for m in r.media)
    assert codec.decode(MediaFile, codec.encode(kit)) == kit
    problem = Problem("releases/x.md", 3, "headline", "is missing")
    assert codec.decode(Problem, codec.encode(problem)) == problem
    with pytest.raises(ValueError, match="not a Problem"):
        codec.decode(Problem, {**codec.encode(problem), "line": True})


@dataclasses.dataclass(frozen=True)
class _Located:
    where: Path


def test_a_path_comes_back_as_a_path_and_only_from_text():
    assert codec.decode(_Located, codec.encode(_Located(Path("releases/x.md")))) == _Located(
        Path("releases/x.md")
    )
    with pytest.raises(ValueError, match="not a _Located"):
        codec.decode(_Located, {"where": 7})


def _naive(instant: str) -> str:
    return datetime.fromisoformat(instant).replace(tzinfo=None).isoformat()


def _with_correction_at(encoded: dict, instant: str) -> dict:
    correction = {"date": instant[:10], "at": instant, "text": "A figure was wrong."}
    return {**encoded, "corrections": [correction]}


@pytest.mark.parametrize(
    "where",
    ["published", "embargo", "a correction", "the original's"],
)
def test_an_instant_without_a_time_zone_is_refused_wherever_it_is(releases, where):
    encoded = codec.encode(releases[0])
    zoned = encoded["published"]
    if where == "published":
        forged = {**encoded, "published": _naive(zoned)}
    elif where == "embargo":
        forged = {**encoded, "embargo": _naive(zoned)}
    elif where == "a correction":
        forged = _with_correction_at(encoded, _naive(zoned))
    else:
        forged = {**encoded, "original": {**encoded, "published": _naive(zoned)}}
    with pytest.raises(ValueError, match="time zone"):
        codec.decode(Release, forged)
    # The same entry with its zone is a release: the refusal is the zone's.
    assert codec.decode(Release, _with_correction_at(encoded, zoned)).corrections[0].at.tzinfo is not None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", 12),  # a number for text
        ("media", {"name": "photo.jpg"}),  # a mapping for a list
        ("contacts", "press@example.org"),  # text for a list
        ("published", "yesterday"),  # not an instant
        ("status", "published"),  # not one of the statuses
    ],
)
def test_a_field_of_the_wrong_type_is_refused(releases, field, value):
    encoded = codec.encode(releases[0])
    assert field in encoded
    with pytest.raises(ValueError, match="not a Release"):
        codec.decode(Release, {**encoded, field: value})


def test_what_is_not_a_mapping_is_not_a_release():
    with pytest.raises(ValueError, match="not a Release"):
        codec.decode(Release, ["a", "list"])
