"""When the public site next changes: the instant the next release becomes public.

Pure: a loaded newsroom and `now` in, an instant out. The instant comes from
`model.public_from`, the rule behind `is_public`, so the schedule and every
public output of a build agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pressroom.model import Newsroom, Release, is_public, public_from


@dataclass(frozen=True, slots=True)
class Change:
    """The next instant the public site changes, and the releases that become public then."""

    at: datetime
    releases: tuple[Release, ...]  # originals and translations, in the newsroom's order

    def keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.releases)


def every_version(newsroom: Newsroom) -> tuple[Release, ...]:
    """The originals, then the translations: everything that may be on the public site."""
    return (*newsroom.releases, *newsroom.translations)


def public_keys(newsroom: Newsroom, now: datetime) -> frozenset[str]:
    """The keys ('slug', 'slug.fr') of every release and translation public at `now`."""
    return frozenset(r.key for r in every_version(newsroom) if is_public(r, now))


def next_change(newsroom: Newsroom, now: datetime) -> Change | None:
    """The first instant after `now` at which a release becomes public, or None if none is waiting.

    An embargo lifting, a dated release's day beginning in the newsroom's time
    zone, a translation whose original goes public. Drafts are never waiting:
    approving one is an edit, which the caller sees as a changed file.
    """
    versions = every_version(newsroom)
    instants = [i for r in versions if (i := public_from(r)) is not None and i > now]
    if not instants:
        return None
    at = min(instants)
    return Change(at, tuple(r for r in versions if public_from(r) == at))
