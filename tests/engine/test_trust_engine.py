"""Nothing read back from .pressroom/ is trusted: planted journals, caches and links, as attacks.

.pressroom/ may arrive with a newsroom (an archive, a synced folder, a CI
cache) or be written by someone who may not publish. Each test plants what an
attacker would after a normal build, then builds again: nothing outside the
newsroom is touched, nothing withheld reaches build/site/, build/ is byte for
byte what a clean build gives, and the user reads one line naming the file
that was ignored, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import wait_for
from pressroom.cli import main
from pressroom.content.loader import load_newsroom
from pressroom.engine import commit
from pressroom.engine.build import build
from pressroom.engine.build import load as load_for_build
from pressroom.engine.cache import SHARDS, BuildCache, Record, engine, file_digest, shard_name, shard_of
from pressroom.serve.http import Preview
from pressroom.workdir import open_lock
from test_public import leaks, site_files

NOW = "2026-01-15T09:00:00Z"
EMBARGO = "2030-05-26T10:00:00+00:00"
WITHHELD = ("CANARYDRAFT", "CANARYEMBARGO", "canarydraft", "canaryembargo")
SECRET = "outside the newsroom"


def release(title: str, day: str, *, status: str = "approved", extra: str = "") -> str:
    return (
        f"---\ntitle: {title}\ndate: {day}\nlocation: Brussels\nstatus: {status}\n"
        f"tags: [Energy]\ncontacts:\n  - ana\n{extra}---\nBody of {title}.\n"
    )


@pytest.fixture
def newsroom(make_newsroom, tmp_path) -> Path:
    """A built newsroom with a public release, a draft and an embargoed one; an outside folder beside it."""
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "sentinel.txt").write_text(SECRET)
    (outside / "folder" / "secret.txt").write_text(SECRET)
    root = make_newsroom(
        {
            "contacts/ana.yaml": "name: Ana Lopes\nemail: ana@example.org\n",
            "releases/public.md": release("Public news", "2024-03-01"),
            "releases/draft.md": release("Draft news CANARYDRAFT", "2024-03-02", status="draft"),
            "releases/embargoed.md": release(
                "Embargoed news CANARYEMBARGO", "2030-05-26", extra=f"embargo: {EMBARGO}\n"
            ),
        }
    )
    result = run_build(root)
    assert result.exit_code == 0 and not notes(result), result.output
    assert not leaks(site_files(root), WITHHELD)
    return root


# -- helpers ---------------------------------------------------------------------------------


def run_build(root: Path, *args: str):
    return CliRunner().invoke(main, ["build", "--now", NOW, "--format", "html", "--root", str(root), *args])


def run_build_in_a_process(root: Path) -> subprocess.CompletedProcess[str]:
    """For what could hang (a FIFO): a child with a timeout, which fails the test instead of hanging it."""
    args = ["build", "--now", NOW, "--format", "html", "--root", str(root)]
    return subprocess.run(
        [sys.executable, "-m", "pressroom", *args], capture_output=True, text=True, timeout=120
    )


def notes(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if ".pressroom/" in line]


def assert_said_once(result, name: str) -> None:
    """Exit 0, no traceback, and exactly one line, naming .pressroom/<name>."""
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    (line,) = notes(result)
    assert re.match(rf"Note: \.pressroom/{name} was ignored: ", line), line
    assert line.endswith("; every output is rendered again"), line


def tree(folder: Path) -> dict[str, str]:
    """Every entry under `folder`: a file's hash, a link's target, or 'dir'."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def assert_whole(root: Path, tmp_path: Path) -> None:
    """build/ is exactly what a clean build of the same files gives, and holds no link."""
    twin = tmp_path / "twin"
    shutil.rmtree(twin, ignore_errors=True)
    shutil.copytree(root, twin, ignore=shutil.ignore_patterns("build", ".pressroom"))
    assert run_build(twin, "--clean").exit_code == 0
    assert tree(root / "build") == tree(twin / "build")
    assert not any(p.is_symlink() for p in (root / "build").rglob("*"))


def assert_outside_untouched(root: Path, before: dict[str, str]) -> None:
    outside = root.parent / "outside"
    assert tree(outside) == before
    assert sorted(p.name for p in root.iterdir()) == [
        ".pressroom",
        "build",
        "contacts",
        "pressroom.toml",
        "releases",
    ]


LOADED = r"loaded-\d\d\.json"  # the shards of the cache with the releases as loaded and their summaries


def shards(root: Path) -> list[Path]:
    return [root / ".pressroom" / shard_name(n) for n in range(SHARDS)]


def read_cache(root: Path) -> dict:
    """Every shard's releases as loaded and summaries, in one mapping."""
    merged: dict = {"loaded": {}, "summaries": {}}
    for path in shards(root):
        part = json.loads(path.read_bytes())
        merged.update(format=part["format"], engine=part["engine"])
        merged["loaded"].update(part["loaded"])
        merged["summaries"].update(part["summaries"])
    return merged


def plant_cache(root: Path, cache: dict) -> None:
    """Write every shard exactly as pressroom lays it out, as someone who read the code would."""
    for number, path in enumerate(shards(root)):
        part = {"format": cache["format"], "engine": cache["engine"], "loaded": {}, "summaries": {}}
        for kind in ("loaded", "summaries"):
            part[kind] = {k: v for k, v in cache[kind].items() if shard_of(k) == number}
        path.write_bytes(json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode())


def edit(root: Path) -> None:
    """A source changed: the build has work to do, so it reads the loaded-NN.json shards (a no-op reads only
    cache.json)."""
    path = root / "releases/public.md"
    path.write_text(path.read_text().replace("Body of", "New body of"))


def summary_entries(cache: dict, slug: str) -> list[list]:
    return [entry for entry in cache["summaries"].values() if entry[1]["slug"] == slug]


# -- the journal ------------------------------------------------------------------------------


def _climbing(root: Path) -> dict:
    # Its staging folder is the newsroom itself, and every path climbs out of build/.
    return {
        "staging": "..",
        "moves": ["../outside/folder/secret.txt"],
        "removes": ["../../outside/sentinel.txt"],
    }


def _absolute(root: Path) -> dict:
    (root / ".pressroom/tmp-abcdefgh").mkdir()
    outside = root.parent / "outside"
    return {
        "staging": "tmp-abcdefgh",
        "moves": [f"{outside}/folder/secret.txt"],
        "removes": [f"{outside}/sentinel.txt"],
    }


def _dot_dot_inside(root: Path) -> dict:
    (root / ".pressroom/tmp-abcdefgh").mkdir()
    return {"staging": "tmp-abcdefgh", "moves": [], "removes": ["site/../../../outside/sentinel.txt"]}


def _staging_is_a_link(root: Path) -> dict:
    stage = root.parent / "outside" / "folder"
    (root / ".pressroom/tmp-abcdefgh").symlink_to(stage)
    (stage / "site" / "stolen").mkdir(parents=True)
    (stage / "site" / "stolen" / "secret.txt").write_text(SECRET)
    return {"staging": "tmp-abcdefgh", "moves": ["site/stolen/secret.txt"], "removes": []}


def _link_in_staging(root: Path) -> dict:
    folder = root / ".pressroom/tmp-abcdefgh/site/stolen"
    folder.mkdir(parents=True)
    (folder / "secret.txt").symlink_to(root.parent / "outside" / "sentinel.txt")
    return {"staging": "tmp-abcdefgh", "moves": ["site/stolen/secret.txt"], "removes": []}


@pytest.mark.parametrize(
    "plant",
    [_climbing, _absolute, _dot_dot_inside, _staging_is_a_link, _link_in_staging],
    ids=lambda f: f.__name__[1:],
)
def test_a_planted_journal_removes_nothing_outside_and_moves_nothing_in(newsroom, tmp_path, plant):
    plan = plant(newsroom)
    before = tree(newsroom.parent / "outside")
    (newsroom / ".pressroom/commit.json").write_text(json.dumps(plan))
    result = run_build(newsroom)
    assert (newsroom.parent / "outside/sentinel.txt").read_text() == SECRET
    assert_outside_untouched(newsroom, before)
    assert not [p for p in newsroom.rglob("secret.txt")]
    assert_said_once(result, "commit.json")
    assert_whole(newsroom, tmp_path)
    assert notes(run_build(newsroom)) == []  # said once: the next build has nothing to say


def test_a_release_a_killed_build_put_in_place_leaves_the_site_when_it_is_a_draft_again(
    newsroom, tmp_path, monkeypatch
):
    """Killed while moving a new release into build/, before the cache knew of it: the next
    build finishes the journal and, the release being a draft by then, takes it out again."""
    (newsroom / "releases/fresh.md").write_text(release("Fresh news CANARYFRESH", "2024-03-03"))

    class Killed(BaseException):
        pass

    apply = commit._apply

    def killed_after_its_pages(staging, out, moves, removes):
        apply(staging, out, [m for m in moves if "/releases/fresh/" in m], [])
        raise Killed

    monkeypatch.setattr(commit, "_apply", killed_after_its_pages)
    monkeypatch.setattr(commit.Staging, "discard", lambda self: None)  # kill -9 cleans nothing up
    with pytest.raises(Killed):
        build(load_newsroom(newsroom), datetime.fromisoformat(NOW), formats=("html",))
    monkeypatch.undo()
    assert (newsroom / "build/site/releases/fresh/index.html").exists()
    assert (newsroom / ".pressroom/commit.json").exists()
    path = newsroom / "releases/fresh.md"
    path.write_text(path.read_text().replace("status: approved", "status: draft"))
    result = run_build(newsroom)
    assert result.exit_code == 0 and notes(result) == [], result.output
    assert not leaks(site_files(newsroom), ("CANARYFRESH", "canaryfresh"))
    assert_whole(newsroom, tmp_path)


# -- the cache -------------------------------------------------------------------------------


def _promote(cache: dict) -> None:
    """The draft approved, the embargo gone: in the loaded releases and in their summaries."""
    draft = cache["loaded"]["releases/draft.md"]["release"]
    draft["status"] = "approved"
    embargoed = cache["loaded"]["releases/embargoed.md"]["release"]
    embargoed["embargo"] = None
    embargoed["published"] = "2024-01-01T00:00:00+00:00"
    for slug in ("draft", "embargoed"):
        for entry in summary_entries(cache, slug):
            entry[0] = "forged"
            entry[1].update(public=True, draft=False, embargoed=False)


def _slug_out(cache: dict) -> None:
    """A loaded release whose slug climbs from build/site/releases/ to the outside folder."""
    cache["loaded"]["releases/public.md"]["release"]["slug"] = "../../../../../outside/written"


@pytest.mark.parametrize("forge", [_promote, _slug_out], ids=["promotes-draft-and-embargo", "slug-out"])
def test_a_planted_cache_publishes_nothing_withheld_and_writes_nothing_outside(newsroom, tmp_path, forge):
    before = tree(newsroom.parent / "outside")
    cache = read_cache(newsroom)
    forge(cache)
    plant_cache(newsroom, cache)
    edit(newsroom)
    result = run_build(newsroom)
    assert_outside_untouched(newsroom, before)
    assert not leaks(site_files(newsroom), WITHHELD)
    assert_said_once(result, LOADED)
    assert "not the file the last build here wrote" in result.stderr
    assert_whole(newsroom, tmp_path)
    assert notes(run_build(newsroom)) == []


def test_the_preview_says_once_that_it_ignored_a_planted_cache(newsroom, caplog):
    cache = read_cache(newsroom)
    _promote(cache)
    plant_cache(newsroom, cache)
    with (
        caplog.at_level(logging.INFO, logger="pressroom"),
        Preview(newsroom, port=0, clock=lambda: datetime.fromisoformat(NOW)),
    ):
        wait_for(lambda: "Built pdf/email" in caplog.text, timeout=120)
    said = [r.getMessage() for r in caplog.records if ".pressroom/" in r.getMessage()]
    assert len(said) == 1 and re.match(rf"\.pressroom/{LOADED} was ignored: ", said[0]), said
    assert not leaks(site_files(newsroom), WITHHELD)


def test_a_cache_copied_in_with_the_newsroom_is_foreign(newsroom, tmp_path):
    """A copy (an archive, a CI cache restored, a shared folder) is never the file this newsroom's
    build wrote, even byte for byte: it is ignored, and the copy builds from scratch."""
    copy = tmp_path / "copy"
    shutil.copytree(newsroom, copy, symlinks=True)
    (copy / "build/site/index.html").write_text("stale")  # a cache taken on trust would keep this
    result = run_build(copy)
    assert_said_once(result, "cache.json")
    assert "Built 1 public and 2 staff-only release(s)" in result.stdout
    assert_whole(copy, tmp_path)
    again = run_build(copy)
    assert notes(again) == [] and "nothing new written" in again.stdout


def test_a_cache_a_normal_build_wrote_is_used_whole(newsroom):
    """The seal costs a normal build nothing: the next one takes every loaded release, and
    renders again only what an edit touched (a new version is a new file, a new inode)."""
    _, loader = load_for_build(newsroom)
    assert loader.source.rejected is None and len(loader.previous) == 3
    assert all(loader.next[rel] is loader.previous[rel] for rel in loader.previous)
    inodes = {p: p.stat().st_ino for p in (newsroom / "build").rglob("*.html")}
    path = newsroom / "releases/public.md"
    path.write_text(path.read_text().replace("Body of", "New body of"))
    result = run_build(newsroom)
    assert result.exit_code == 0 and notes(result) == [], result.output
    again = {p for p, ino in inodes.items() if p.stat().st_ino != ino}
    staff = newsroom / "build/staff/releases"
    assert staff / "public/index.html" in again
    assert not again & {staff / "draft/index.html", staff / "embargoed/index.html"}


# A cache with a seal, as if pressroom had written it, that still says what no build would:
# each is refused entry by entry, whatever the seal.


def _sealed_slug_out(cache: BuildCache, root: Path) -> None:
    entry = cache.loaded["releases/public.md"]
    entry["release"]["slug"] = "../../../../../outside/written"


def _sealed_output_out(cache: BuildCache, root: Path) -> None:
    cache.outputs["site/../../../outside/sentinel.txt"] = Record("k", 1, 1)


def _sealed_public_summary(cache: BuildCache, root: Path) -> None:
    for key, (_, data) in list(cache.summaries.items()):
        if data["slug"] == "draft":
            cache.summaries[key] = ("forged", {**data, "public": True, "draft": False})


@pytest.mark.parametrize(
    ("forge", "said"),
    [
        (_sealed_slug_out, LOADED),
        (_sealed_output_out, "cache.json"),
        (_sealed_public_summary, LOADED),
    ],
)
def test_a_sealed_cache_is_still_checked_entry_by_entry(newsroom, tmp_path, forge, said):
    before = tree(newsroom.parent / "outside")
    work = newsroom / ".pressroom"
    cache = BuildCache.read(work)
    assert cache.rejected is None and cache.loaded
    forge(cache, newsroom)
    cache.on_disk = {}  # edited in place: every shard is written again, and sealed
    cache.state["inputs"] = None
    cache.write(work)
    result = run_build(newsroom)
    assert_outside_untouched(newsroom, before)
    assert not leaks(site_files(newsroom), WITHHELD)
    assert_said_once(result, said)
    assert_whole(newsroom, tmp_path)


# -- damaged files, FIFOs and links -------------------------------------------------------------


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _journal(text: str):
    def plant(work: Path) -> None:
        (work / "commit.json").write_text(text)

    return plant


DAMAGES = {
    "cache-truncated": ("cache.json", lambda work: _truncate(work / "cache.json")),
    "cache-garbage": ("cache.json", lambda work: (work / "cache.json").write_bytes(b"\x00garbage")),
    "seal-garbage": ("cache.json", lambda work: (work / "cache.seal").write_text("[1, 2")),
    "loaded-truncated": (LOADED, lambda work: _truncate(work / "loaded-07.json")),
    "loaded-garbage": (LOADED, lambda work: (work / "loaded-31.json").write_bytes(b"\x00garbage")),
    "loaded-missing": (LOADED, lambda work: (work / "loaded-12.json").unlink()),
    "loaded-seal-garbage": (LOADED, lambda work: (work / "loaded.seal").write_text("[1, 2")),
    "journal-truncated": ("commit.json", _journal('{"staging": "tmp-abcdefgh", "moves": ["site/rel')),
    "journal-garbage": ("commit.json", _journal("\x00\x01 not json")),
    "journal-of-another-shape": ("commit.json", _journal('{"staging": "tmp-abcdefgh", "moves": "site"}')),
}


@pytest.mark.parametrize("case", sorted(DAMAGES))
def test_a_damaged_cache_or_journal_is_said_once_and_the_build_is_whole(newsroom, tmp_path, case):
    name, damage = DAMAGES[case]
    damage(newsroom / ".pressroom")
    edit(newsroom)  # the shards are read only by a build with work to do
    result = run_build(newsroom)
    assert_said_once(result, name)
    assert_whole(newsroom, tmp_path)
    again = run_build(newsroom)
    assert notes(again) == [] and "nothing new written" in again.stdout


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("cache.json", "cache.json"),
        ("cache.seal", "cache.json"),
        ("loaded-05.json", LOADED),
        ("loaded.seal", LOADED),
        ("commit.json", "commit.json"),
    ],
)
def test_a_fifo_in_place_of_a_file_is_refused_without_waiting(newsroom, tmp_path, name, said):
    path = newsroom / ".pressroom" / name
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    edit(newsroom)
    result = run_build_in_a_process(newsroom)
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if ".pressroom/" in line]
    assert re.match(rf"Note: \.pressroom/{said} was ignored: ", line), line
    assert_whole(newsroom, tmp_path)


@pytest.mark.parametrize(
    "name", ["build.lock", "cache.json", "cache.seal", "loaded-05.json", "loaded.seal", "tmp-abcdefgh"]
)
def test_a_link_planted_in_pressroom_writes_nothing_through_it(newsroom, tmp_path, name):
    outside = newsroom.parent / "outside"
    target = outside / ("folder" if name.startswith("tmp-") else "sentinel.txt")
    path = newsroom / ".pressroom" / name
    path.unlink(missing_ok=True)
    path.symlink_to(target)
    before = tree(outside)
    edit(newsroom)  # a build with something to do: it takes the lock
    result = run_build(newsroom)
    assert result.exit_code == 0, result.output
    assert_outside_untouched(newsroom, before)
    assert not path.is_symlink()
    assert_whole(newsroom, tmp_path)


def test_a_lock_file_opened_through_a_planted_link_truncates_nothing(tmp_path):
    """The same rule for every lock under .pressroom/ (the build's and the send's)."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    lock = tmp_path / "work" / "send.lock"
    lock.parent.mkdir()
    lock.symlink_to(secret)
    with open_lock(lock) as handle:
        handle.write(b"")
    assert secret.read_text() == SECRET
    assert lock.is_file() and not lock.is_symlink()


def test_the_attack_cache_is_what_a_build_wrote_bar_the_forgery(newsroom):
    """The planted caches above are the real format: unforged, the seal alone tells them apart."""
    cache = read_cache(newsroom)
    assert cache["engine"] == engine()
    assert cache["loaded"]["releases/draft.md"]["file"] == file_digest(
        (newsroom / "releases/draft.md").read_bytes()
    )
    written = {path: path.read_bytes() for path in shards(newsroom)}
    plant_cache(newsroom, cache)
    assert {path: path.read_bytes() for path in shards(newsroom)} == written


def test_a_build_with_nothing_to_do_reads_only_cache_json(newsroom, tmp_path):
    """The no-op check needs the outputs and the last state, not the releases as loaded: a damaged
    shard costs nothing until a build has work, which says so once and renders it all."""
    _truncate(newsroom / ".pressroom/loaded-00.json")
    idle = run_build(newsroom)
    assert notes(idle) == [] and "nothing new written" in idle.stdout
    edit(newsroom)
    assert_said_once(run_build(newsroom), LOADED)
    assert_whole(newsroom, tmp_path)


def test_an_edit_writes_again_only_the_shards_it_touched(newsroom, tmp_path, monkeypatch):
    """One edited release rewrites the shards of its entry and its summaries, not the whole
    archive's cache; the next build takes the old shards and the new ones alike."""
    from pressroom.engine import cache

    # Long after the files were written: every entry keeps its file's signature from the first
    # load on (a file changed moments before a build would have it recorded by a later one).
    monkeypatch.setattr(cache, "clock", lambda: time.time_ns() + 60_000_000_000)
    edit(newsroom)
    assert notes(run_build(newsroom)) == []
    before = {path: path.stat().st_ino for path in shards(newsroom)}
    path = newsroom / "releases/public.md"
    path.write_text(path.read_text().replace("New body of", "Another body of"))
    assert notes(run_build(newsroom)) == []
    rewritten = [path.name for path in shards(newsroom) if path.stat().st_ino != before[path]]
    assert 1 <= len(rewritten) <= 3, rewritten
    _, loader = load_for_build(newsroom)
    assert loader.source.rejected is None and len(loader.previous) == 3
    again = run_build(newsroom)
    assert notes(again) == [] and "nothing new written" in again.stdout
    assert_whole(newsroom, tmp_path)


def test_a_cache_written_after_another_build_rewrote_a_shard_is_whole(newsroom):
    """A build reads the cache before it takes the lock: another may write shards in between. The
    shards it did not change are left only if they are still the files it read."""
    work = newsroom / ".pressroom"
    cache = BuildCache.read(work)
    edit(newsroom)
    assert notes(run_build(newsroom)) == []  # rewrites the shards of public.md's entries
    cache.write(work)  # this one's entries, over shards it did not read
    again = BuildCache.read(work)
    assert again.rejected is None and again.loaded.keys() == cache.loaded.keys()
