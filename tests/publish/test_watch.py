"""`pressroom publish --watch` as a real process: an embargo lifts, and the release is online within 2 s.

Run with `-s` to see the measured lag from the embargo's instant to the
release being readable on the target, on every surface of the site.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from publishing import (
    AWS_ENV,
    BRUSSELS,
    S3Server,
    directory_settings,
    embargoed_release,
    next_whole_second,
    release,
    s3_settings,
    site_files,
)

pytestmark = [pytest.mark.pdf, pytest.mark.slow]

LAG_LIMIT_S = 2.0


class Watcher:
    """`pressroom publish --watch` in a subprocess, its log in a file."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.log_file = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pressroom", "publish", "--watch", "--root", str(root)],
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        )

    def log(self) -> str:
        self.log_file.seek(0)
        return self.log_file.read()

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            assert self.proc.poll() is None, f"the watcher ended:\n{self.log()}"
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.log()}"
            time.sleep(0.05)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def surfaces(slug: str) -> dict[str, bytes | None]:
    """Each file of the site that must show the release once it is public, and what it must contain."""
    return {
        f"releases/{slug}/index.html": None,  # exists
        f"releases/{slug}/{slug}.pdf": None,
        f"releases/{slug}/release.json": None,
        "index.html": slug.encode(),
        "atom.xml": slug.encode(),
        "rss.xml": slug.encode(),
        "sitemap.xml": slug.encode(),
        "search/index.json": slug.encode(),
        "releases.json": slug.encode(),
        "tags/testing/index.html": slug.encode(),
    }


@pytest.fixture(params=["directory", "s3"])
def target(request, tmp_path):
    """(kind, settings, env, read) for each kind of target; read(rel) gives a file as online, or None."""
    if request.param == "directory":
        link = tmp_path / "www" / "press"
        link.parent.mkdir()

        def read(rel):
            try:
                return (link / rel).read_bytes()
            except OSError:
                return None

        yield "folder", directory_settings(link), {}, read
        return
    server = S3Server().start()
    bucket = f"press-{uuid.uuid4().hex[:12]}"
    client = server.client()
    client.create_bucket(Bucket=bucket)

    def read(rel):
        try:
            return client.get_object(Bucket=bucket, Key=rel)["Body"].read()
        except client.exceptions.NoSuchKey:
            return None

    yield "S3", s3_settings(server.endpoint, bucket), AWS_ENV, read
    server.stop()


def test_watch_publishes_an_embargo_within_2_s_of_its_instant_and_never_before(make_newsroom, target):
    kind, settings, env, read = target
    root = make_newsroom(
        {"releases/2018-05-25-alpha.md": release("Alpha", body="Already public.")}, settings=settings
    )
    watcher = Watcher(root, env)
    try:
        watcher.wait_for("published to ", timeout=180)  # the first publish: the site as it is now
        assert read("releases/2018-05-25-alpha/index.html") is not None

        instant = next_whole_second(datetime.now(UTC), 3.0)
        slug = f"{instant:%Y-%m-%d}-embargoed-delta"
        (root / "releases" / f"{slug}.md").write_text(embargoed_release("Delta", instant), encoding="utf-8")
        expected = surfaces(slug)

        def shown():
            found = {}
            for rel, needle in expected.items():
                data = read(rel)
                found[rel] = data is not None and (needle is None or needle in data)
            return found

        seen_at = None
        deadline = instant.timestamp() + 30
        while time.time() < deadline:
            started = time.time()
            found = shown()
            ended = time.time()
            if ended < instant.timestamp():
                leaked = [rel for rel, ok in found.items() if ok]
                assert leaked == [], (
                    f"online {instant.timestamp() - ended:.2f} s before the embargo: {leaked}"
                )
            if started >= instant.timestamp() and all(found.values()):
                seen_at = ended
                break
            time.sleep(0.02)
        assert seen_at is not None, f"not online 30 s after the embargo:\n{watcher.log()}"
        lag = seen_at - instant.timestamp()
        print(f"\n{kind} target: the release online everywhere {lag:.2f} s after its embargo")
        assert lag < LAG_LIMIT_S, f"{lag:.2f} s after the embargo\n{watcher.log()}"
        watcher.wait_for(f"went public: {slug} (", timeout=10)
    finally:
        code = watcher.stop()
        log = watcher.log()
        watcher.log_file.close()
    assert code == 0, log
    assert "stopping (SIGTERM)" in log and log.rstrip().endswith("Stopped."), log
    assert log.count("published to ") == 2, log


def test_watch_follows_an_embargo_moved_earlier(make_newsroom, tmp_path):
    link = tmp_path / "www" / "press"
    link.parent.mkdir()
    root = make_newsroom(
        {"releases/2018-05-25-alpha.md": release("Alpha")}, settings=directory_settings(link)
    )
    watcher = Watcher(root, {})
    try:
        watcher.wait_for("published to ", timeout=180)
        late = next_whole_second(datetime.now(UTC), 600.0)
        path = root / "releases" / f"{late:%Y-%m-%d}-moved.md"
        path.write_text(embargoed_release("Moved", late), encoding="utf-8")
        watcher.wait_for(f"next: {late.astimezone(BRUSSELS).isoformat(timespec='milliseconds')}", timeout=30)

        early = next_whole_second(datetime.now(UTC), 2.0)
        path.write_text(embargoed_release("Moved", early), encoding="utf-8")  # its date follows the embargo
        page = link / f"releases/{path.stem}/index.html"
        deadline = early.timestamp() + 20
        while time.time() < deadline:
            found = page.exists()
            checked = time.time()  # seen online no later than this
            if found:
                break
            time.sleep(0.02)
        assert found, watcher.log()
        assert checked >= early.timestamp(), "online before the new embargo"
        assert checked - early.timestamp() < LAG_LIMIT_S, watcher.log()
    finally:
        code = watcher.stop()
        log = watcher.log()
        watcher.log_file.close()
    assert code == 0, log
    assert f"went public: {path.stem} (" in log


def test_watch_tries_a_failed_deploy_again_until_it_succeeds(make_newsroom):
    server = S3Server().start()
    bucket = f"press-{uuid.uuid4().hex[:12]}"
    server.client().create_bucket(Bucket=bucket)
    root = make_newsroom(
        {"releases/2018-05-25-alpha.md": release("Alpha")}, settings=s3_settings(server.endpoint, bucket)
    )
    watcher = Watcher(root, AWS_ENV)
    try:
        watcher.wait_for("published to cdn", timeout=180)
        instant = next_whole_second(datetime.now(UTC), 3.0)
        slug = f"{instant:%Y-%m-%d}-after-outage"
        (root / "releases" / f"{slug}.md").write_text(
            embargoed_release("After outage", instant), encoding="utf-8"
        )
        watcher.wait_for("next: ", timeout=30)
        server.stop()  # the storage goes away before the instant
        watcher.wait_for("publish to cdn failed (1 in a row); trying again in 1 s", timeout=60)
        watcher.wait_for("failed (2 in a row); trying again in 2 s", timeout=60)
        server = S3Server.on_port(server.port).start()  # and comes back, with what it held
        watcher.wait_for(f"went public: {slug} (", timeout=60)
        assert slug.encode() in server.objects(bucket)["index.html"]
        assert server.objects(bucket).keys() == set(site_files(root))
    finally:
        code = watcher.stop()
        log = watcher.log()
        watcher.log_file.close()
        server.stop()
    assert code == 0, log
    assert "cannot reach s3://" in log
