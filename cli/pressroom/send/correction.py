"""Who a correction goes to, and what a send refuses before an approval: the desk's rules for `send`.

A correction goes to exactly those the ledger says accepted an earlier
version of the release, from the list named: not to the rest of the list,
who never had the mistake, and not twice to anyone for the same version.
"""

from __future__ import annotations

from collections.abc import Iterable

from pressroom.errors import PressroomError
from pressroom.model import Release
from pressroom.send.ledger import Row, State
from pressroom.send.lists import MediaList


def refuse_unapproved(versions: Iterable[Release]) -> str | None:
    """Why these versions may not go to a list, or None: withdrawn, or edited since their approval."""
    for release in versions:
        if release.is_withdrawn:
            return f"{release.path} is withdrawn: a withdrawn release is never sent"
        if release.changed_since_approval:
            when = release.approved_at.isoformat() if release.approved_at else "an unknown time"
            return (
                f"{release.path} has changed since approval by {release.approved_by or 'someone'} at {when}: "
                f"approve it again (pressroom approve {release.key} --by NAME), then send"
            )
    return None


def correction_audience(
    release: Release, media_list: MediaList, rows: Iterable[Row], digest: str
) -> MediaList:
    """The recipients of `media_list` who accepted an earlier version of `release`, as a list of their own.

    Raises CorrectionError when the release has no correction to tell or
    nobody on the list has an earlier version.
    """
    if not release.corrections:
        raise CorrectionError(
            f"{release.path} has no corrections: entry; add one (date and text) saying what changed, "
            "approve the release again, then send the correction"
        )
    earlier = {row.recipient for row in rows if row.content_hash != digest and row.state is State.ACCEPTED}
    recipients = tuple(r for r in media_list.recipients if r.key in earlier)
    if not recipients:
        raise CorrectionError(
            f"no one on the list {media_list.name} got an earlier version of {release.slug} (see "
            f"`pressroom send --status {release.slug}`): there is no one to correct"
        )
    return MediaList(media_list.name, media_list.path, recipients)


class CorrectionError(PressroomError):
    """A correction cannot be sent as asked."""
