"""The directory target: a folder a web server serves, replaced whole in one rename.

The configured path is a symbolic link to a complete copy of the site in a
hidden folder beside it (`.<name>.versions/<version>/`). A deploy writes the
new copy in full, then renames a new link over the old one: rename(2) is
atomic, so a reader that resolves the path gets the old site or the new one,
never a mix, and never a missing file. Files that did not change are hard
links to the previous copy, so a deploy writes only what changed. The
previous copy is kept until the next deploy, for readers still inside it; a
copy left by a failed deploy is removed by the next one.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path

from pressroom.publish.snapshot import Snapshot
from pressroom.publish.targets import DeployError, DeployReport, Failure, plan

_MANIFEST = ".json"  # beside each copy: its files' SHA-256, so a deploy need not read the copy again


class DirectoryTarget:
    """A folder served by nginx or any web server, swapped atomically on each deploy."""

    def __init__(self, name: str, link: Path) -> None:
        self.name = name
        self.link = link
        self.versions = link.parent / f".{link.name}.versions"

    def describe(self) -> str:
        return f"folder {self.link}"

    def check(self) -> None:
        self._current()

    def deploy(self, snapshot: Snapshot, *, dry_run: bool = False) -> DeployReport:
        current = self._current()
        held = self._manifest(current) if current is not None else {}
        files = {rel: f.sha256 for rel, f in snapshot.files.items()}
        added, changed, removed, unchanged = plan(files, held)
        report = DeployReport(added, changed, removed, unchanged, dry_run=dry_run)
        if dry_run or (current is not None and not (added or changed or removed)):
            return report
        self.versions.mkdir(exist_ok=True)
        new = self.versions / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        failures = self._write_copy(snapshot, new, current, held)
        if failures:
            shutil.rmtree(new, ignore_errors=True)
            return DeployReport(added, changed, (), unchanged, tuple(failures))
        try:
            _write_json(new.with_name(new.name + _MANIFEST), files)
            self._swap(new)
        except OSError as exc:
            shutil.rmtree(new, ignore_errors=True)
            new.with_name(new.name + _MANIFEST).unlink(missing_ok=True)
            return DeployReport(added, changed, (), unchanged, (Failure(str(self.link), _reason(exc)),))
        self._prune(keep={new.name, current.name if current is not None else ""})
        return report

    def _current(self) -> Path | None:
        """The copy the link points to now; None before the first deploy."""
        if not self.link.parent.is_dir():
            raise DeployError(
                f"{self.link.parent} does not exist: create it, or correct publish.{self.name}.path"
            )
        if not self.link.is_symlink():
            if self.link.exists():
                raise DeployError(
                    f"{self.link} is a folder or file, not the link pressroom keeps there: move it away, "
                    "and pressroom will make the link (and copy the site beside it) on the next publish"
                )
            return None
        target = Path(os.path.normpath(self.link.parent / self.link.readlink()))
        if target.parent != self.versions or not target.is_dir():
            raise DeployError(
                f"{self.link} links to {target}, not to a copy pressroom made in {self.versions}: "
                "remove the link and publish again"
            )
        return target

    def _manifest(self, copy: Path) -> dict[str, str]:
        try:
            data = json.loads(copy.with_name(copy.name + _MANIFEST).read_bytes())
        except (OSError, ValueError):
            return {}  # unknown: every file is written again, which is always right
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write_copy(
        self, snapshot: Snapshot, new: Path, current: Path | None, held: dict[str, str]
    ) -> list[Failure]:
        failures: list[Failure] = []
        for rel, f in snapshot.files.items():
            target = new / rel
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                if current is not None and held.get(rel) == f.sha256 and _link(current / rel, target):
                    continue
                # A copy, not a link to build/: what is online must not share its bytes with a folder
                # anyone may write into.
                shutil.copyfile(snapshot.path(rel), target)
            except OSError as exc:
                failures.append(Failure(rel, _reason(exc)))
        return failures

    def _swap(self, new: Path) -> None:
        temporary = self.link.with_name(f".{self.link.name}.link-{secrets.token_hex(4)}")
        temporary.symlink_to(os.path.relpath(new, self.link.parent))
        try:
            temporary.replace(self.link)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise
        _sync_folder(self.link.parent)

    def _prune(self, keep: set[str]) -> None:
        """Remove every copy but the new one and the previous one (and what failed deploys left)."""
        with contextlib.suppress(OSError), os.scandir(self.versions) as entries:
            for entry in list(entries):
                name = entry.name.removesuffix(_MANIFEST)
                if name in keep:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        Path(entry.path).unlink()


def _link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


def _write_json(path: Path, data: dict[str, str]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
    temporary.replace(path)


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable: without it a power cut may bring back the old link."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
