"""Incremental builds: each kind of edit re-renders exactly what depends on it, and no more.

"Re-rendered" is read off the disk: an output that was not rendered again
keeps its inode (a new version is a new file renamed into place). Every
incremental result is also compared byte for byte with a clean build of the
same sources at the same instant.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from helpers import JUNE as NOW
from helpers import release
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

EMBARGO = "2018-06-02T09:00:00+02:00"
FORMATS = ("html", "email")


def tagged(title: str, day: str, *, contact: str = "ana", tags: str = "[Energy]", extra: str = "") -> str:
    """A release with topics, naming one contact file."""
    return release(title, day, tags=tags, contacts=[contact], extra=extra)


@pytest.fixture
def newsroom(make_newsroom) -> Path:
    files: dict[str, str | bytes] = {
        "contacts/ana.yaml": "name: Ana Lopes\nemail: ana@example.org\n",
        "contacts/ben.yaml": "name: Ben Okafor\nemail: ben@example.org\n",
        "releases/only-ben.md": tagged("Ben's release", "2018-05-20", contact="ben", tags="[Water]"),
        "releases/later.md": tagged("Embargoed one", "2018-06-02", extra=f"embargo: {EMBARGO}"),
    }
    for i in range(6):
        files[f"releases/r{i}.md"] = tagged(f"Release {i}", f"2018-05-0{i + 1}")
    return make_newsroom(files)


def inodes(root: Path) -> dict[str, int]:
    out = root / "build"
    return {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}


def contents(root: Path) -> dict[str, str]:
    out = root / "build"
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in out.rglob("*")
        if p.is_file()
    }


def rebuild(root: Path, now: datetime = NOW, **kw: object) -> set[str]:
    """Build again and return the outputs that were written anew."""
    before = inodes(root)
    build(load_newsroom(root), now, formats=FORMATS, **kw)  # type: ignore[arg-type]
    after = inodes(root)
    return {rel for rel, ino in after.items() if before.get(rel) != ino}


def assert_same_as_clean(root: Path, tmp_path: Path, now: datetime = NOW) -> None:
    twin = tmp_path / "twin"
    shutil.rmtree(twin, ignore_errors=True)
    shutil.copytree(root, twin, ignore=shutil.ignore_patterns("build", ".pressroom"))
    build(load_newsroom(twin), now, formats=FORMATS, clean=True)
    assert contents(root) == contents(twin)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_second_build_of_the_same_sources_renders_nothing(newsroom):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    report = build(load_newsroom(newsroom), NOW, formats=FORMATS)
    assert sum(report.rendered.values()) == 0
    assert report.reused > 20


def test_an_edited_body_renders_that_release_and_the_listings_showing_it(newsroom, tmp_path):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    edit(newsroom / "releases/r3.md", "Text of Release 3.", "New text of Release 3.")
    written = rebuild(newsroom)
    assert {"site/releases/r3/index.html", "staff/releases/r3/index.html", "email/r3.eml"} <= written
    assert not any(f"releases/r{i}/" in rel for rel in written for i in (0, 1, 2, 4, 5))
    assert not any(rel.startswith("email/") and rel != "email/r3.eml" for rel in written)
    assert not any("/assets/" in rel for rel in written)
    assert_same_as_clean(newsroom, tmp_path)


WHOLE_ARCHIVE = {
    "site/sitemap.xml",
    "site/archive/index.html",
    "site/tags/index.html",
    "staff/tags/index.html",
}


def test_an_edited_body_leaves_the_sitemap_and_the_indexes_of_years_and_topics(newsroom, tmp_path):
    """They show dates, names and counts, not text: on an archive of thousands, each is a
    large file an edit to a release's text has no reason to render again."""
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    edit(newsroom / "releases/r3.md", "Text of Release 3.", "New text of Release 3.")
    written = rebuild(newsroom)
    assert "site/search/index.json" in written  # the text is searchable
    assert not written & WHOLE_ARCHIVE
    assert_same_as_clean(newsroom, tmp_path)


def test_an_edit_renders_the_staff_search_records_of_its_year_and_not_the_search_page(
    make_newsroom, tmp_path
):
    """The staff search loads a script a year: an edit renders its own year's, not the others', nor
    the page (which would otherwise hold the whole archive); a new year adds a script to the page."""
    root = make_newsroom(
        {
            "contacts/ana.yaml": "name: Ana Lopes\nemail: ana@example.org\n",
            "releases/old.md": tagged("Old one", "2016-05-02"),
            "releases/mid.md": tagged("Middle one", "2017-05-02"),
            "releases/new.md": tagged("New one", "2018-05-02"),
        }
    )
    build(load_newsroom(root), NOW, formats=FORMATS)
    assert {"staff/search/2016.js", "staff/search/2017.js", "staff/search/2018.js"} <= set(inodes(root))
    edit(root / "releases/mid.md", "Text of Middle one.", "Zanzibar is in the text now.")
    written = rebuild(root)
    searched = {rel for rel in written if rel.startswith("staff/search/")}
    assert searched == {"staff/search/2017.js"}
    assert "2017 zanzibar is in the text now" in (root / "build/staff/search/2017.js").read_text()
    edit(root / "releases/old.md", "date: 2016-05-02", "date: 2015-05-02")
    written = rebuild(root)
    assert {"staff/search/index.html", "staff/search/2015.js"} <= written
    assert not (root / "build/staff/search/2016.js").exists()  # a year with no release has no script
    assert (
        '<script src="../search/2015.js" defer></script>'
        in (root / "build/staff/search/index.html").read_text()
    )
    assert_same_as_clean(root, tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        ("tags: [Energy]", "tags: [Energy, Climate]", {"site/sitemap.xml", "site/tags/index.html"}),
        ("date: 2018-05-04", "date: 2017-12-04", {"site/sitemap.xml", "site/archive/index.html"}),
        ("tags: [Energy]", "tags: [Water]", {"site/tags/index.html", "staff/tags/index.html"}),
        # A correction moves the release's lastmod, and nothing else the sitemap shows.
        (
            "tags: [Energy]",
            "tags: [Energy]\ncorrections:\n  - date: 2018-05-30\n    text: A figure was wrong.",
            {"site/sitemap.xml"},
        ),
    ],
    ids=["new-topic", "other-year", "moved-topic", "correction"],
)
def test_a_new_topic_or_year_renders_the_sitemap_and_the_indexes_again(newsroom, tmp_path, old, new, changed):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    edit(newsroom / "releases/r3.md", old, new)
    assert changed <= rebuild(newsroom)
    assert_same_as_clean(newsroom, tmp_path)


def test_a_new_headline_reaches_the_neighbours_prev_next_links_and_listings(newsroom, tmp_path):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    edit(newsroom / "releases/r3.md", "title: Release 3", "title: Release three")
    written = rebuild(newsroom)
    # r2 and r4 link to r3 by its headline; r0 does not.
    assert {"site/releases/r2/index.html", "site/releases/r4/index.html", "site/index.html"} <= written
    assert "site/releases/r0/index.html" not in written
    assert "Release three" in (newsroom / "build/site/index.html").read_text()
    assert_same_as_clean(newsroom, tmp_path)


def test_an_edited_contact_renders_only_the_releases_naming_it(newsroom, tmp_path):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    edit(newsroom / "contacts/ben.yaml", "ben@example.org", "b.okafor@example.org")
    written = rebuild(newsroom)
    assert {"site/releases/only-ben/index.html", "email/only-ben.eml"} <= written
    assert not any(f"releases/r{i}/" in rel or f"r{i}.eml" in rel for rel in written for i in range(6))
    assert "b.okafor@example.org" in (newsroom / "build/email/only-ben.eml").read_text()
    assert_same_as_clean(newsroom, tmp_path)


def test_an_edited_template_renders_only_the_outputs_that_use_it(newsroom, tmp_path):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    own = newsroom / "templates"
    own.mkdir()
    from pressroom.render.templating import DEFAULT_TEMPLATES

    text = (DEFAULT_TEMPLATES / "release.email.txt").read_text()
    (own / "release.email.txt").write_text(text + "\nSent by the test press office.\n")
    written = rebuild(newsroom)
    assert {rel for rel in written if rel.startswith("email/")} == {
        f"email/{p.stem}.eml" for p in (newsroom / "releases").glob("*.md")
    }
    assert not any(rel.endswith(".html") for rel in written)
    assert_same_as_clean(newsroom, tmp_path)


def test_a_changed_setting_renders_everything_that_shows_it(newsroom, tmp_path):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    edit(newsroom / "pressroom.toml", 'name = "Test Press Office"', 'name = "Renamed Press Office"')
    written = rebuild(newsroom)
    pages = {p.relative_to(newsroom / "build").as_posix() for p in (newsroom / "build").rglob("*.html")}
    assert pages <= written
    assert_same_as_clean(newsroom, tmp_path)


def test_the_embargo_instant_publishes_the_release_and_touches_little_else(newsroom, tmp_path):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    assert not (newsroom / "build/site/releases/later").exists()
    lifted = datetime.fromisoformat(EMBARGO)
    written = rebuild(newsroom, lifted)
    assert "site/releases/later/index.html" in written
    assert "Embargoed one" in (newsroom / "build/site/index.html").read_text()
    assert "site/releases/r0/index.html" not in written
    assert_same_as_clean(newsroom, tmp_path, lifted)


def test_a_deleted_or_withdrawn_release_leaves_every_listing_and_folder(newsroom, tmp_path):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    (newsroom / "releases/r5.md").unlink()
    edit(newsroom / "releases/r4.md", "status: approved", "status: draft")
    rebuild(newsroom)
    assert not (newsroom / "build/site/releases/r5").exists()
    assert not (newsroom / "build/staff/releases/r5").exists()
    assert not (newsroom / "build/email/r5.eml").exists()
    assert not (newsroom / "build/site/releases/r4").exists()
    assert (newsroom / "build/staff/releases/r4/index.html").exists()
    for path in (newsroom / "build/site").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            assert "Release 4" not in path.read_text() and "Release 5" not in path.read_text(), path
    assert_same_as_clean(newsroom, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"\x00garbage"),
        lambda p: p.write_text(p.read_text()[: len(p.read_text()) // 2]),
        lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "engine": "someone else"})),
        lambda p: p.write_text(
            json.dumps({**json.loads(p.read_text()), "outputs": {"../../escape": ["k", 1, 1]}})
        ),
    ],
    ids=["garbage", "truncated", "other-version", "path-outside"],
)
def test_a_damaged_or_foreign_cache_is_ignored_and_the_build_is_whole(newsroom, tmp_path, damage):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    damage(newsroom / ".pressroom/cache.json")
    (newsroom / "build/site/index.html").write_text("stale")  # a cache taken on trust would keep this
    report = build(load_newsroom(newsroom), NOW, formats=FORMATS)
    assert sum(report.rendered.values()) > 20
    assert "stale" not in (newsroom / "build/site/index.html").read_text()
    assert not (tmp_path.parent / "escape").exists()
    assert_same_as_clean(newsroom, tmp_path)


def test_an_output_changed_by_hand_in_build_is_rendered_again(newsroom):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    page = newsroom / "build/site/releases/r1/index.html"
    good = page.read_bytes()
    page.write_text("edited by hand")
    written = rebuild(newsroom)
    assert written == {"site/releases/r1/index.html"}
    assert page.read_bytes() == good


@pytest.mark.pdf
def test_an_html_build_links_the_pdf_a_build_made_and_not_a_file_put_there_by_hand(make_newsroom):
    """A build vouches for what it wrote: a file put by hand where a release's PDF goes is not
    linked by an HTML-only build (nor removed: it is none of the build's); the PDF a build
    made is linked, and kept, by the same HTML-only build."""
    root = make_newsroom({"releases/a.md": release("Alpha"), "releases/b.md": release("Beta")})
    build(load_newsroom(root), NOW, formats=("html",))
    by_hand = root / "build/site/releases/a/a.pdf"
    for area in ("site", "staff"):
        (root / f"build/{area}/releases/a/a.pdf").write_bytes(b"%PDF-1.7 put here by hand")
    source = root / "releases/a.md"
    source.write_text(source.read_text().replace("Text of Alpha.", "Text of Alpha, revised."))
    build(load_newsroom(root), NOW, formats=("html",))
    assert "a.pdf" not in (root / "build/site/releases/a/index.html").read_text()
    assert by_hand.read_bytes() == b"%PDF-1.7 put here by hand"

    build(load_newsroom(root), NOW, formats=("pdf",), only=["a"])
    made = by_hand.read_bytes()
    assert made.startswith(b"%PDF-") and made != b"%PDF-1.7 put here by hand"
    source.write_text(source.read_text().replace("revised", "revised twice"))
    build(load_newsroom(root), NOW, formats=("html",))
    assert "a.pdf" in (root / "build/site/releases/a/index.html").read_text()
    assert by_hand.read_bytes() == made


@pytest.mark.slow
def test_clean_renders_everything_again(newsroom):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    before = inodes(newsroom)
    written = rebuild(newsroom, clean=True)
    assert written == set(before)


@pytest.mark.slow
def test_one_and_two_workers_give_identical_trees(make_newsroom):
    """Enough releases that two workers really run in a pool."""
    files: dict[str, str | bytes] = {"contacts/ana.yaml": "name: Ana Lopes\nemail: ana@example.org\n"}
    for i in range(60):
        files[f"releases/p{i:02d}.md"] = tagged(f"Release {i}", f"2018-0{1 + i % 9}-1{i % 10}")
    one, two = make_newsroom(files), make_newsroom(files)
    build(load_newsroom(one), NOW, formats=FORMATS, jobs=1)
    report = build(load_newsroom(two), NOW, formats=FORMATS, jobs=2)
    assert report.rendered["html"] > 120
    assert contents(one) == contents(two)


@pytest.mark.pdf
def test_one_and_two_workers_give_identical_pdfs(make_newsroom):
    files: dict[str, str | bytes] = {"contacts/ana.yaml": "name: Ana Lopes\nemail: ana@example.org\n"}
    for i in range(3):
        files[f"releases/p{i}.md"] = tagged(f"Release {i}", f"2018-05-0{i + 1}")
    one, two = make_newsroom(files), make_newsroom(files)
    build(load_newsroom(one), NOW, jobs=1)
    build(load_newsroom(two), NOW, jobs=2)
    assert contents(one) == contents(two)
    assert len(list((one / "build").rglob("*.pdf"))) == 6


def test_the_cli_says_nothing_new_when_nothing_changed(newsroom, runner):
    from pressroom.cli import main

    args = ["build", "--root", str(newsroom), "--now", NOW.isoformat(), "--format", "html,email"]
    assert runner.invoke(main, args).exit_code == 0
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "nothing new written" in result.output
    os.utime(newsroom / "releases/r1.md")  # touched, not changed: loaded again, nothing rendered
    result = runner.invoke(main, args)
    assert "nothing new written" in result.output


@pytest.mark.pdf
def test_a_missing_font_subsetting_library_is_said_once_with_the_command(newsroom, runner, monkeypatch):
    """Without libharfbuzz-subset0 every PDF is about 4x slower: the build says so, once."""
    from pressroom.cli import main
    from pressroom.render import pdf

    monkeypatch.setattr(pdf, "font_subsetting_available", lambda: False)
    monkeypatch.setattr(pdf, "render_release_pdf", lambda env, view, dirs, **kw: (b"%PDF-1.7 test", []))
    args = ["build", "--root", str(newsroom), "--now", NOW.isoformat(), "--jobs", "1"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.count("is not installed") == 1
    assert "sudo apt-get install libharfbuzz-subset0" in result.output
    monkeypatch.setattr(pdf, "font_subsetting_available", lambda: True)
    (newsroom / "build").joinpath("email").rename(newsroom / "gone")  # something to do again
    assert "libharfbuzz-subset0" not in runner.invoke(main, [*args, "--clean"]).output


def test_an_edited_contact_renders_that_contacts_page_and_no_other(newsroom, tmp_path):
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    edit(newsroom / "contacts/ben.yaml", "ben@example.org", "b.okafor@example.org")
    written = rebuild(newsroom)
    assert {"site/contacts/ben/index.html", "staff/contacts/ben/index.html"} <= written
    assert not any(rel.startswith(("site/contacts/ana/", "staff/contacts/ana/")) for rel in written)
    assert_same_as_clean(newsroom, tmp_path)


def test_the_sitemap_names_every_listing_page_of_the_site(newsroom):
    """The planner hands each listing file only what it shows: the sitemap must get the contacts,
    whose pages it lists."""
    build(load_newsroom(newsroom), NOW, formats=FORMATS)
    site = newsroom / "build" / "site"
    sitemap = (site / "sitemap.xml").read_text()
    listings = [
        p.parent.relative_to(site).as_posix()
        for folder in ("archive", "tags", "issuers", "contacts")
        for p in (site / folder).rglob("index.html")
    ]
    assert any(rel.startswith("contacts/") for rel in listings)
    missing = [rel for rel in listings if f"https://press.example.org/{rel}/</loc>" not in sitemap]
    assert not missing


def _reads(monkeypatch) -> list[str]:
    """The release files the loader reads from now on (a recalled one is not read)."""
    from pressroom.content import loader

    read: list[str] = []
    real = loader.read_bytes
    monkeypatch.setattr(loader, "read_bytes", lambda path, rel: read.append(rel) or real(path, rel))
    return read


def _clock(monkeypatch, root: Path, seconds: int) -> None:
    """The loader's clock stopped `seconds` after the last change to a release file."""
    from pressroom.engine import cache

    last = max(p.stat().st_ctime_ns for p in (root / "releases").iterdir())
    monkeypatch.setattr(cache, "clock", lambda: last + seconds * 1_000_000_000)


def _build(root: Path):
    """Build as `pressroom build` does: loaded with the last build's cache."""
    from pressroom.engine.build import load

    newsroom, loader = load(root)
    return build(newsroom, NOW, formats=FORMATS, loader=loader)


def test_a_settled_release_file_is_not_read_again_and_a_same_size_edit_is(newsroom, tmp_path, monkeypatch):
    """A release file left alone since it was last read is known by its size, times and inode; any
    change sets its change time, which nobody can set back, even with the size and mtime kept."""
    from pressroom.engine.build import load

    read = _reads(monkeypatch)
    _clock(monkeypatch, newsroom, 10)
    _build(newsroom)
    assert len(read) == 8  # the first build reads every release
    read.clear()
    newsroom_again, loader = load(newsroom)
    assert read == [] and len(newsroom_again.releases) == 8
    # An edit that keeps the size and puts the modification time back.
    path = newsroom / "releases/r3.md"
    st = path.stat()
    edit(path, "Text of Release 3.", "Text of Release 9.")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    read.clear()
    newsroom_again, loader = load(newsroom)
    assert read == ["releases/r3.md"]
    report = build(newsroom_again, NOW, formats=FORMATS, loader=loader)
    assert report.rendered["html"] >= 2
    assert "Text of Release 9." in (newsroom / "build/site/releases/r3/index.html").read_text()
    assert_same_as_clean(newsroom, tmp_path)


def test_a_release_file_changed_moments_before_a_build_is_read_by_the_next(newsroom, monkeypatch):
    """Changed twice within one tick of the file system's clock, a file may keep all its numbers:
    one read less than two seconds after its last change is read again next time."""
    from pressroom.engine.build import load

    read = _reads(monkeypatch)
    _clock(monkeypatch, newsroom, 1)
    _build(newsroom)  # a second after the files were written
    read.clear()
    _build(newsroom)
    assert len(read) == 8
    _clock(monkeypatch, newsroom, 3)
    read.clear()
    _build(newsroom)  # read once more, and known by signature from now on
    assert len(read) == 8
    read.clear()
    load(newsroom)
    assert read == []


def test_a_large_build_hands_its_releases_out_in_small_batches(make_newsroom, tmp_path):
    """A batch's result holds the bytes of every file it made until the build stages them: a
    build's memory must not grow with the batch, and so with the archive. The tree is the same."""
    from concurrent.futures import Executor, Future

    class Inline(Executor):
        """Runs each batch at once, noting its size."""

        def __init__(self) -> None:
            self.sizes: list[int] = []

        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
            self.sizes.append(len(args[1]))
            future: Future = Future()
            future.set_result(fn(*args, **kwargs))
            return future

    files: dict[str, str | bytes] = {"contacts/ana.yaml": "name: Ana Lopes\nemail: ana@example.org\n"}
    for i in range(150):
        files[f"releases/p{i:03d}.md"] = tagged(f"Release {i}", f"2018-0{1 + i % 9}-1{i % 10}")
    root = make_newsroom(files)
    executor = Inline()
    build(load_newsroom(root), NOW, formats=FORMATS, jobs=1, executor=executor)
    assert sum(executor.sizes) > 150 and max(executor.sizes) <= 16
    assert_same_as_clean(root, tmp_path)
