"""`pressroom publish` to a folder: a complete copy per deploy, swapped in by renaming one link."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from publishing import directory_settings, release, site_files

from pressroom.cli import main
from pressroom.engine.report import BuildReport
from pressroom.publish.directory import DirectoryTarget
from pressroom.publish.snapshot import Snapshot, hash_tree


def served(link: Path) -> dict[str, bytes]:
    return {p.relative_to(link).as_posix(): p.read_bytes() for p in sorted(link.rglob("*")) if p.is_file()}


@pytest.mark.pdf
def test_the_folder_serves_build_site_and_a_second_publish_swaps_in_a_new_copy(
    runner, make_newsroom, tmp_path
):
    www = tmp_path / "www"
    www.mkdir()
    link = www / "press"
    root = make_newsroom(
        {
            "releases/2018-05-25-alpha.md": release("Alpha"),
            "releases/2018-05-26-beta.md": release("Beta", "2018-05-26"),
        },
        settings=directory_settings(link),
    )
    first = runner.invoke(main, ["publish", "--root", str(root), "--jobs", "1"])
    assert first.exit_code == 0, first.output
    assert f"Published to folder {link}: went public: 2018-05-26-beta, 2018-05-25-alpha (" in first.output
    assert link.is_symlink()
    assert served(link) == site_files(root)
    copy1 = link.resolve()

    (root / "releases/2018-05-26-beta.md").write_text(
        release("Beta", "2018-05-26", body="Edited."), encoding="utf-8"
    )
    second = runner.invoke(main, ["publish", "--root", str(root), "--jobs", "1"])
    assert second.exit_code == 0, second.output
    copy2 = link.resolve()
    assert copy2 != copy1 and copy1.is_dir(), "the previous copy stays for readers still in it"
    assert served(link) == site_files(root)
    # What did not change is a hard link to the previous copy: a deploy writes only what changed.
    assert (copy2 / "assets/house.css").stat().st_ino == (copy1 / "assets/house.css").stat().st_ino
    assert (copy2 / "releases/2018-05-26-beta/index.html").stat().st_ino != (
        copy1 / "releases/2018-05-26-beta/index.html"
    ).stat().st_ino

    (root / "releases/2018-05-25-alpha.md").write_text(release("Alpha", status="draft"), encoding="utf-8")
    third = runner.invoke(main, ["publish", "--root", str(root), "--jobs", "1"])
    assert "withdrawn: 2018-05-25-alpha" in third.output
    assert not (link / "releases/2018-05-25-alpha").exists()
    assert not copy1.exists(), "copies older than the previous one are removed"
    assert sorted(p.name for p in (www / ".press.versions").iterdir() if p.is_dir()) == sorted(
        [copy2.name, link.resolve().name]
    )

    nothing = runner.invoke(main, ["publish", "--root", str(root), "--jobs", "1"])
    assert nothing.exit_code == 0
    assert link.resolve() == (www / ".press.versions" / link.resolve().name)
    assert "went public: none (0 added, 0 changed, 0 removed" in nothing.output


def make_site(folder: Path, version: str, count: int = 80) -> Snapshot:
    """A site whose every file names its version, some files only in one of the two versions."""
    for i in range(count):
        path = folder / f"releases/r{i:03d}/index.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<p>{version}</p>" + "x" * (1000 + i * 37), encoding="utf-8")
    (folder / "index.html").write_text(f"<p>{version}</p>", encoding="utf-8")
    (folder / f"only-{version}.html").write_text(f"<p>{version}</p>", encoding="utf-8")
    return Snapshot(folder, hash_tree(folder), (), datetime.now(UTC), BuildReport(out=folder))


def test_a_reader_never_sees_a_mix_of_two_sites_while_they_are_swapped(tmp_path):
    old, new = make_site(tmp_path / "old", "old"), make_site(tmp_path / "new", "new")
    link = tmp_path / "www" / "press"
    link.parent.mkdir()
    target = DirectoryTarget("site", link)
    target.deploy(old)
    names = sorted(old.files.keys() & new.files.keys())
    stop = threading.Event()
    seen: list[str] = []
    problems: list[str] = []

    def whole_site_reader():
        # As a web server with the link resolved once per request (nginx's $realpath_root):
        # every file read through one resolution belongs to one site.
        while not stop.is_set():
            try:
                folder = os.open(link, os.O_RDONLY | os.O_DIRECTORY)
            except OSError as exc:
                problems.append(f"the site: {exc}")
                continue
            try:
                versions = set()
                for name in names:
                    fd = os.open(name, os.O_RDONLY, dir_fd=folder)
                    with os.fdopen(fd, "rb") as handle:
                        versions.add(handle.read().split(b"</p>")[0])
                if len(versions) != 1:
                    problems.append(f"a mix: {sorted(versions)}")
                seen.extend(v.decode() for v in versions)
            finally:
                os.close(folder)
            time.sleep(0.0005)

    def file_reader():
        # As a web server resolving the link on every file: each file whole, and never missing.
        while not stop.is_set():
            time.sleep(0.0005)  # leave the deploying thread its share of the interpreter
            for name in ("index.html", "releases/r079/index.html"):
                try:
                    data = (link / name).read_bytes()
                except OSError as exc:
                    problems.append(f"{name}: {exc}")
                    continue
                if data not in ((old.folder / name).read_bytes(), (new.folder / name).read_bytes()):
                    problems.append(f"{name}: neither version")

    readers = [threading.Thread(target=whole_site_reader), threading.Thread(target=file_reader)]
    for thread in readers:
        thread.start()
    try:
        for i in range(20):
            report = target.deploy(new if i % 2 == 0 else old)
            assert report.ok
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert problems == []
    assert {"<p>old", "<p>new"} <= set(seen), "the readers saw both sites"
    assert served(link) == {rel: (old.folder / rel).read_bytes() for rel in old.files}


def test_a_copy_that_fails_midway_leaves_the_site_online_as_it_was(tmp_path):
    old, new = make_site(tmp_path / "old", "old"), make_site(tmp_path / "new", "new")
    link = tmp_path / "www" / "press"
    link.parent.mkdir()
    target = DirectoryTarget("site", link)
    target.deploy(old)
    before = link.resolve()
    (new.folder / "releases/r050/index.html").unlink()  # vanishes between the build and the copy

    report = target.deploy(new)
    assert not report.ok
    assert [str(f) for f in report.failures] == ["releases/r050/index.html: No such file or directory"]
    assert link.resolve() == before
    assert served(link) == {rel: (old.folder / rel).read_bytes() for rel in old.files}
    assert [p for p in (link.parent / ".press.versions").iterdir() if p.is_dir()] == [before]


def test_a_real_folder_at_the_path_is_left_alone_with_a_message(runner, make_newsroom, tmp_path):
    www = tmp_path / "www" / "press"
    www.mkdir(parents=True)
    (www / "index.html").write_text("the site someone else made", encoding="utf-8")
    root = make_newsroom({"releases/2018-05-25-alpha.md": release("Alpha")}, settings=directory_settings(www))
    result = runner.invoke(main, ["publish", "--root", str(root)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {www} is a folder or file, not the link pressroom keeps there: move it away, and "
        "pressroom will make the link (and copy the site beside it) on the next publish\n"
    )
    assert (www / "index.html").read_text(encoding="utf-8") == "the site someone else made"
    assert not (root / "build").exists(), "refused before building"


@pytest.mark.pdf
def test_a_link_planted_at_the_publish_lock_truncates_nothing(runner, make_newsroom, tmp_path):
    """The publish lock is opened as every lock of .pressroom/ is: never through a link."""
    secret = tmp_path / "secret.txt"
    secret.write_text("keep me")
    link = tmp_path / "www" / "press"
    link.parent.mkdir()
    root = make_newsroom(
        {"releases/2018-05-25-alpha.md": release("Alpha")}, settings=directory_settings(link)
    )
    (root / ".pressroom").mkdir(exist_ok=True)
    (root / ".pressroom/publish.lock").symlink_to(secret)
    result = runner.invoke(main, ["publish", "--root", str(root), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert secret.read_text() == "keep me"
    assert not (root / ".pressroom/publish.lock").is_symlink()
