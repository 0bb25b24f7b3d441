"""`pressroom publish`: build the site for an instant, deploy it to a target, remember what went public.

One publish of a newsroom at a time (a lock beside the build's). After each
successful deploy, `.pressroom/published/<target>.json` records the releases
the target now shows, so the next publish can say which went public.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pressroom.content.config import PublishTarget, load_publish_targets
from pressroom.engine.build import Progress
from pressroom.engine.commit import prepare
from pressroom.engine.report import BuildReport
from pressroom.errors import BuildError, ConfigError
from pressroom.publish.snapshot import build_snapshot
from pressroom.publish.targets import DeployReport, Target, open_target
from pressroom.workdir import exclusive

_STATE = "published"


@dataclass(frozen=True, slots=True)
class PublishReport:
    target: str  # its name in pressroom.toml
    where: str  # Target.describe()
    now: datetime
    build: BuildReport
    deploy: DeployReport
    public: tuple[str, ...]  # keys of the releases the deployed site shows
    went_public: tuple[str, ...]  # since the last successful publish to this target
    withdrawn: tuple[str, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.deploy.ok

    def summary(self) -> str:
        """'went public: <key>, <key> (1 added, 9 changed, 0 removed, 60 unchanged, 0.41 s)'."""
        went = ", ".join(self.went_public) or "none"
        withdrawn = f"; withdrawn: {', '.join(self.withdrawn)}" if self.withdrawn else ""
        return f"went public: {went}{withdrawn} ({self.deploy.summary()}, {self.seconds:.2f} s)"


def choose_target(root: Path, name: str | None) -> PublishTarget:
    """The `[publish.<name>]` target to use: the one named, or the only one there is."""
    targets = load_publish_targets(root)
    if not targets:
        raise ConfigError(
            "no publishing target in pressroom.toml: add one, such as\n"
            '  [publish.site]\n  type = "directory"\n  path = "/srv/www/press"'
        )
    if name is None:
        if len(targets) > 1:
            raise ConfigError(
                f"pressroom.toml has several targets; choose one with --to: {', '.join(targets)}"
            )
        return next(iter(targets.values()))
    if name not in targets:
        raise ConfigError(f"no target {name!r} in pressroom.toml; it has: {', '.join(targets)}")
    return targets[name]


def publish(
    root: Path,
    now: datetime,
    target: Target,
    *,
    dry_run: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> PublishReport:
    """Build the newsroom for `now` and deploy its public site to `target`.

    Raises PressroomError when nothing could be done (content errors, a build
    that failed, a target that cannot be used). A deploy that failed on some
    files returns a report that is not `ok`, listing them; the target is then
    missing nothing it had, and the next publish finishes the work.
    """
    started = time.perf_counter()
    root = root.resolve()
    _, work = prepare(root)
    with _publish_lock(work):
        target.check()
        snapshot = build_snapshot(root, now, jobs=jobs, progress=progress)
        try:
            deploy = target.deploy(snapshot, dry_run=dry_run)
        finally:
            snapshot.close()
        state = work / _STATE / f"{target.name}.json"
        before = _read_state(state)
        public = snapshot.public
        if deploy.ok and not dry_run:
            _write_state(state, now, public)
    return PublishReport(
        target=target.name,
        where=target.describe(),
        now=now,
        build=snapshot.build,
        deploy=deploy,
        public=public,
        went_public=tuple(k for k in public if k not in before),
        withdrawn=tuple(k for k in before if k not in public),
        seconds=time.perf_counter() - started,
    )


def open_named(root: Path, name: str | None) -> Target:
    """The target `--to NAME` (or the only one) names, ready to deploy to."""
    return open_target(choose_target(root, name))


def _publish_lock(work: Path) -> contextlib.AbstractContextManager[None]:
    """One publish at a time; its lock file is opened as every other is, never through a link."""
    busy = (
        "another publish is running in this newsroom (`pressroom publish --watch`?); "
        "try again when it has finished"
    )
    return exclusive(work / "publish.lock", busy, BuildError)


def _read_state(path: Path) -> tuple[str, ...]:
    try:
        data = json.loads(path.read_bytes())
        return tuple(str(k) for k in data["public"])
    except (OSError, ValueError, KeyError, TypeError):
        return ()


def _write_state(path: Path, now: datetime, public: tuple[str, ...]) -> None:
    with contextlib.suppress(OSError):  # only the next report's "went public" depends on it
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps({"at": now.isoformat(), "public": list(public)}), encoding="utf-8")
        temporary.replace(path)
