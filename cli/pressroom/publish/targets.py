"""Where a site is deployed: one small interface, a directory or S3-compatible storage behind it.

A target compares the snapshot with what it holds, then puts the difference
online: new files first, then changed ones, and removes what left the site
only once everything else is in place. A deploy that fails on some files
reports each of them and removes nothing; the next deploy compares again and
finishes the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pressroom.content.config import PublishTarget
from pressroom.errors import PressroomError
from pressroom.publish.snapshot import Snapshot


class DeployError(PressroomError):
    """A target that cannot be used at all: no bucket, no credentials, a folder that is not ours."""


@dataclass(frozen=True, slots=True)
class Failure:
    """One file a deploy could not put online (or take down), and why."""

    item: str  # the file's path in the site, e.g. "releases/<slug>/index.html"
    message: str

    def __str__(self) -> str:
        return f"{self.item}: {self.message}"


@dataclass(frozen=True, slots=True)
class DeployReport:
    """What a deploy changed, or with `dry_run` would change, on its target."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    failures: tuple[Failure, ...] = ()
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        """'2 added, 9 changed, 1 removed, 60 unchanged' (or what would be, in a dry run)."""
        counts = (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged"
        )
        return f"would be {counts}" if self.dry_run else counts


class Target(Protocol):
    """A place the public site is deployed to."""

    name: str

    def describe(self) -> str:
        """Where it is, for the user: 'folder /srv/www/press', 's3://bucket/prefix/'."""
        ...

    def check(self) -> None:
        """Raise DeployError if the target cannot be used, before minutes go into a build for it."""
        ...

    def deploy(self, snapshot: Snapshot, *, dry_run: bool = False) -> DeployReport:
        """Make the target hold exactly the snapshot's files; raise DeployError if it cannot start."""
        ...


def open_target(config: PublishTarget) -> Target:
    """The target a `[publish.<name>]` table describes (nothing is contacted yet)."""
    if config.type == "directory":
        from pressroom.publish.directory import DirectoryTarget

        assert config.path is not None  # the settings reader requires it
        return DirectoryTarget(config.name, config.path)
    from pressroom.publish.s3 import S3Target

    return S3Target(config)


def plan(
    files: dict[str, str], held: dict[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], int]:
    """Added, changed and removed paths, and how many are unchanged: `files` against what a target `held`.

    Both map a path to a hash of its bytes, of one kind.
    """
    added = tuple(rel for rel in files if rel not in held)
    changed = tuple(rel for rel in files if rel in held and held[rel] != files[rel])
    removed = tuple(sorted(rel for rel in held if rel not in files))
    return added, changed, removed, len(files) - len(added) - len(changed)
