"""Site assembly: what goes where, what never reaches site/, and that build/ is replaced whole."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from helpers import EMBARGO, release
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build, warm_pool
from pressroom.engine.noop import read_cache
from pressroom.errors import BuildError, ContentError, UnknownSlug


@pytest.fixture
def mixed(make_newsroom):
    """A public release, a draft and an embargoed one, each carrying a canary string."""
    return make_newsroom(
        {
            "releases/public.md": release("Public news", body="CANARY-PUBLIC is fine to publish."),
            "releases/draft.md": release("Draft news", status="draft", body="CANARY-DRAFT must stay inside."),
            "releases/embargoed.md": release(
                "Embargoed news",
                extra=f"embargo: {EMBARGO.isoformat()}",
                body="CANARY-EMBARGO must wait.",
            ),
        }
    )


def tree(root: Path) -> dict[str, str]:
    """Every file under root with the hash of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def site_text(root: Path) -> str:
    """All the public site says: file names, file contents and the text of its PDFs."""
    parts = []
    for path in sorted((root / "build" / "site").rglob("*")):
        parts.append(path.as_posix())
        if path.suffix == ".pdf":
            parts += [page.extract_text() for page in PdfReader(path).pages]
        elif path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt"):
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


def test_layout_keeps_drafts_and_embargoes_out_of_the_site(mixed):
    before = EMBARGO - timedelta(seconds=1)
    report = build(load_newsroom(mixed), before)
    out = mixed / "build"
    assert report.public == ("public",)
    assert set(report.withheld) == {"draft", "embargoed"}
    site = {p.relative_to(out / "site").as_posix() for p in (out / "site").rglob("*") if p.is_file()}
    assert "releases/public/index.html" in site
    assert "releases/public/public.pdf" in site
    assert not any("draft" in p or "embargoed" in p for p in site)
    for slug in ("public", "draft", "embargoed"):
        assert (out / "staff" / "releases" / slug / "index.html").is_file()
        assert (out / "staff" / "releases" / slug / f"{slug}.pdf").is_file()
        assert (out / "email" / f"{slug}.eml").is_file()
    assert "Staff preview" in (out / "staff" / "index.html").read_text()
    assert "Staff preview" not in (out / "site" / "index.html").read_text()


@pytest.mark.pdf
def test_no_canary_of_a_withheld_release_anywhere_in_the_site(mixed):
    build(load_newsroom(mixed), EMBARGO - timedelta(seconds=1))
    text = site_text(mixed)
    assert "CANARY-PUBLIC" in text  # the search reaches PDFs and pages
    assert "CANARY-DRAFT" not in text
    assert "CANARY-EMBARGO" not in text
    assert "Draft news" not in text
    assert "Embargoed news" not in text


@pytest.mark.pdf
def test_embargo_lifts_everywhere_at_its_instant(mixed):
    build(load_newsroom(mixed), EMBARGO)
    text = site_text(mixed)
    assert "CANARY-EMBARGO" in text
    assert (mixed / "build/site/releases/embargoed/embargoed.pdf").is_file()
    page = (mixed / "build/site/releases/embargoed/index.html").read_text()
    assert "FOR IMMEDIATE RELEASE" in page
    assert "EMBARGOED UNTIL" not in page
    assert "CANARY-DRAFT" not in text


def test_a_release_switched_back_to_draft_leaves_the_site(mixed):
    build(load_newsroom(mixed), EMBARGO, formats=("html",))
    assert (mixed / "build/site/releases/public/index.html").is_file()
    path = mixed / "releases/public.md"
    path.write_text(path.read_text().replace("status: approved", "status: draft"))
    build(load_newsroom(mixed), EMBARGO, formats=("html",), only=["embargoed"])
    assert not (mixed / "build/site/releases/public").exists()
    assert "Public news" not in (mixed / "build/site/index.html").read_text()
    assert (mixed / "build/staff/releases/public/index.html").is_file()


def test_same_inputs_and_instant_give_identical_trees(mixed):
    build(load_newsroom(mixed), EMBARGO, formats=("html", "email"))
    first = tree(mixed / "build")
    build(load_newsroom(mixed), EMBARGO, formats=("html", "email"))
    assert tree(mixed / "build") == first


def test_selected_slugs_are_rendered_and_the_rest_is_kept(mixed):
    build(load_newsroom(mixed), EMBARGO, formats=("html", "email"))
    kept = (mixed / "build/staff/releases/draft/index.html").stat().st_ino
    path = mixed / "releases/public.md"
    path.write_text(path.read_text().replace("Public news", "Public news, revised"))
    report = build(load_newsroom(mixed), EMBARGO, formats=("html", "email"), only=["public"])
    assert "Public news, revised" in (mixed / "build/site/releases/public/index.html").read_text()
    assert (mixed / "build/staff/releases/draft/index.html").stat().st_ino == kept
    assert report.reused >= 4


def test_html_only_build_writes_no_pdf_and_never_imports_weasyprint(mixed):
    code = (
        "import sys; from datetime import datetime, UTC;"
        "from pressroom import build, load_newsroom;"
        f"build(load_newsroom(__import__('pathlib').Path({str(mixed)!r})), datetime.now(UTC), formats=['html']);"
        "print('weasyprint' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
    assert not list((mixed / "build").rglob("*.pdf"))
    # The page does not link a PDF that was not built.
    assert ".pdf" not in (mixed / "build/site/releases/public/index.html").read_text()


def test_unknown_slug_is_refused_before_anything_is_written(mixed):
    with pytest.raises(UnknownSlug, match="no release with slug nope"):
        build(load_newsroom(mixed), EMBARGO, only=["nope"])
    assert not (mixed / "build").exists()


def test_a_failed_render_leaves_the_previous_build_byte_identical(mixed, make_newsroom):
    build(load_newsroom(mixed), EMBARGO, formats=("html", "email"))
    before = tree(mixed / "build")
    override = mixed / "templates" / "partials" / "endmark.html"
    override.parent.mkdir(parents=True)
    override.write_text("{% if r.slug == 'draft' %}{{ no_such_variable }}{% endif %}")
    with pytest.raises(ContentError) as caught:
        build(load_newsroom(mixed), EMBARGO, formats=("html", "email"))
    messages = [str(p) for p in caught.value.problems]
    assert "releases/draft.md: html: template error: 'no_such_variable' is undefined" in messages
    assert tree(mixed / "build") == before
    assert not list((mixed / ".pressroom").glob("tmp-*"))


def test_build_refuses_an_output_path_that_is_not_a_folder(mixed):
    (mixed / "build").write_text("not a folder")
    with pytest.raises(BuildError, match="build is not a folder"):
        build(load_newsroom(mixed), EMBARGO)


def test_a_second_build_at_the_same_time_is_refused(mixed):
    import fcntl

    work = mixed / ".pressroom"
    work.mkdir()
    with (work / "build.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(BuildError, match="another build is running"):
            build(load_newsroom(mixed), EMBARGO)


@pytest.mark.pdf
@pytest.mark.slow
def test_killing_a_build_midway_leaves_the_previous_build_intact(make_newsroom):
    files = {f"releases/r{i:02d}.md": release(f"Release {i}", body="Text. " * 300) for i in range(32)}
    root = make_newsroom(files)
    cmd = [sys.executable, "-m", "pressroom", "build", "--root", str(root), "--now", "2020-01-01T00:00:00Z"]
    subprocess.run(cmd, check=True, capture_output=True)
    before = tree(root / "build")
    for i in range(32):
        path = root / f"releases/r{i:02d}.md"
        path.write_text(path.read_text().replace("Text.", "Changed."))
    for delay in (0.6, 1.2, 1.8):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is not None:
            pytest.fail(f"the build finished in under {delay} s; give it more to do")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert tree(root / "build") == before
    subprocess.run(cmd, check=True, capture_output=True)
    assert tree(root / "build") != before
    assert not list((root / ".pressroom").glob("tmp-*"))


def _descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc (Linux)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = {int(c) for c in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += children - found
            found |= children
    return found


@pytest.mark.pdf
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal")
def test_a_killed_build_leaves_no_worker_running(make_newsroom):
    """kill -9 of a build takes its workers with it: none is left rendering into its scratch
    folder while the next build clears it."""
    files = {f"releases/r{i:02d}.md": release(f"Release {i}", body="Text. " * 300) for i in range(32)}
    root = make_newsroom(files)
    cmd = [sys.executable, "-m", "pressroom", "build", "--root", str(root), "--now", "2020-01-01T00:00:00Z"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    below: set[int] = set()
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    # The workers fork from the build's fork server: they are its grandchildren (the server
    # and the resource tracker, its children, start before them).
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        below |= _descendants(proc.pid)
        workers |= set().union(*(_descendants(child) for child in _descendants(proc.pid)))
        time.sleep(0.05)
    assert len(workers) >= 2, "no pool of workers started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    below |= workers
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in below):
        time.sleep(0.1)
    left = [pid for pid in below if Path(f"/proc/{pid}").exists()]
    assert left == [], f"still running: {left}"


@pytest.mark.pdf
def test_only_a_build_due_to_render_every_pdf_starts_the_workers_early(make_newsroom):
    """The workers' server imports the PDF engine while the newsroom loads: worth it for a first
    build with PDFs, wasted on a rebuild (its few PDFs are rendered in the build's process)."""
    files = {f"releases/r{i}.md": release(f"Release {i}") for i in range(4)}
    root = make_newsroom(files)
    assert warm_pool(root, ("html", "pdf"), 2, read_cache(root))
    assert not warm_pool(root, ("html", "pdf"), 1, read_cache(root)), "one process: no pool"
    assert not warm_pool(root, ("html", "email"), 2, read_cache(root)), "no PDF"
    build(load_newsroom(root), EMBARGO, formats=("pdf",), jobs=1)
    assert not warm_pool(root, ("html", "pdf"), 2, read_cache(root)), "build/ has its PDFs"
    (root / "releases/r3.md").unlink()
    (root / "build").rename(root / "elsewhere")
    assert not warm_pool(root, ("html", "pdf"), 2, None), "three releases: rendered here"


def test_build_folder_is_readable_by_others_under_a_usual_umask(mixed):
    previous = os.umask(0o022)
    try:
        build(load_newsroom(mixed), EMBARGO, formats=("html",))
    finally:
        os.umask(previous)
    assert (mixed / "build").stat().st_mode & 0o777 == 0o755
    assert (mixed / "build/site/index.html").stat().st_mode & 0o777 == 0o644


def test_a_file_equal_in_both_areas_is_written_once_and_a_hand_edit_to_it_is_undone_in_both(mixed):
    after = EMBARGO + timedelta(hours=1)
    build(load_newsroom(mixed), after, formats=("html",))
    site, staff = (mixed / f"build/{area}/releases/public/ninjs.json" for area in ("site", "staff"))
    assert site.read_bytes() == staff.read_bytes()
    assert site.samefile(staff)  # one file, two names: one file to create where creating files is slow
    original = site.read_bytes()
    with site.open("r+b") as handle:  # edited in place, so through both names
        handle.write(b"[")
    build(load_newsroom(mixed), after, formats=("html",))
    assert site.read_bytes() == original
    assert staff.read_bytes() == original


def test_a_file_staged_twice_leaves_the_file_it_shared_its_bytes_with_alone(tmp_path):
    from pressroom.engine.commit import Staging

    staging = Staging(tmp_path)
    staging.write("site/a.txt", b"same")
    staging.write("staff/a.txt", b"same")
    staging.write("site/a.txt", b"changed")
    staging.write("staff/b.txt", b"same")
    assert (staging.path / "site/a.txt").read_bytes() == b"changed"
    assert (staging.path / "staff/a.txt").read_bytes() == b"same"
    assert (staging.path / "staff/b.txt").read_bytes() == b"same"
    sizes = {rel: size for rel, (size, _) in staging.stats.items()}
    assert sizes == {"site/a.txt": 7, "staff/a.txt": 4, "staff/b.txt": 4}
