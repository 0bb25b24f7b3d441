"""The preview's fast path: one saved release read again and rendered in memory.

What it shows must be what the build then writes, byte for byte, or the
preview would lie for the second before the build catches up; and the build
must take it rather than render it twice.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from helpers import JUNE as NOW
from helpers import release
from pressroom.content.loader import load_newsroom, reload_releases
from pressroom.engine.build import build, load
from pressroom.engine.preview import Rendered, render_preview
from pressroom.errors import ContentError


def ana(title: str, day: str, **fields: str) -> str:
    """A release naming contacts/ana.yaml."""
    return release(title, day, contacts=["ana"], **fields)


@pytest.fixture
def newsroom(make_newsroom) -> Path:
    files: dict[str, str | bytes] = {"contacts/ana.yaml": "name: Ana Lopes\nemail: ana@example.org\n"}
    for i in range(5):
        files[f"releases/r{i}.md"] = ana(f"Release {i}", f"2018-05-0{i + 1}")
    files["releases/r2.fr.md"] = "---\ntitle: Communiqué 2\nlocation: Bruxelles\n---\nTexte.\n"
    files["releases/draft.md"] = ana("A draft", "2018-05-09", status="draft")
    return make_newsroom(files)


def test_a_reloaded_release_is_what_a_whole_load_gives(newsroom):
    before = load_newsroom(newsroom)
    (newsroom / "releases/r2.md").write_text(ana("Release 2, now the newest", "2018-05-30"))
    (newsroom / "releases/r2.fr.md").write_text(
        "---\ntitle: Communiqué 2, corrigé\nlocation: Bruxelles\n---\nTexte.\n"
    )
    reloaded = reload_releases(before, ["r2"])
    whole = load_newsroom(newsroom)
    assert reloaded is not None
    assert reloaded.releases == whole.releases  # in the same order: r2 moved to the top
    assert reloaded.releases[0].title == "Release 2, now the newest"
    assert reloaded.translations == whole.translations
    assert reloaded.translations[0].original is reloaded.releases[0]
    assert reloaded.warnings == whole.warnings  # the French one may now be out of date


def test_a_file_added_or_removed_needs_a_whole_load(newsroom):
    before = load_newsroom(newsroom)
    (newsroom / "releases/r1.de.md").write_text("---\ntitle: Mitteilung 1\nlocation: Brüssel\n---\nText.\n")
    assert reload_releases(before, ["r1"]) is None
    (newsroom / "releases/r3.md").unlink()
    assert reload_releases(before, ["r3"]) is None
    assert reload_releases(before, ["new-one"]) is None


def test_a_broken_save_names_its_file_line_and_field(newsroom):
    before = load_newsroom(newsroom)
    (newsroom / "releases/r1.md").write_text(ana("Release 1", "2018-02-30"))
    with pytest.raises(ContentError) as caught:
        reload_releases(before, ["r1"])
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.field) == ("releases/r1.md", 3, "date")


def rendered_after_save(root: Path, *, formats: tuple[str, ...]) -> dict[str, Rendered]:
    newsroom, loader = load(root)
    build(newsroom, NOW, formats=formats, loader=loader)
    (root / "releases/r2.md").write_text(ana("Release 2, edited", "2018-05-03"))
    reloaded = reload_releases(newsroom, ["r2"])
    assert reloaded is not None
    rendered, problems = render_preview(reloaded, NOW, ["r2"], formats=formats, cache=loader.source)
    assert problems == ()
    return rendered


def test_the_preview_renders_the_staff_outputs_the_build_then_writes(newsroom):
    rendered = rendered_after_save(newsroom, formats=("html", "email"))
    assert set(rendered) == {
        "staff/releases/r2/index.html",
        "staff/releases/r2/fr/index.html",  # the translation shows its original's edit too
        "email/r2.eml",
        "email/r2.fr.eml",
    }
    assert b"Release 2, edited" in rendered["staff/releases/r2/index.html"].data
    newsroom_now, loader = load(newsroom)
    build(newsroom_now, NOW, formats=("html", "email"), loader=loader)
    for rel, ahead in rendered.items():
        assert (newsroom / "build" / rel).read_bytes() == ahead.data, rel


@pytest.mark.pdf
def test_the_build_takes_what_the_preview_rendered_instead_of_rendering_it_again(newsroom):
    rendered = rendered_after_save(newsroom, formats=("html", "email", "pdf"))
    pdf = "staff/releases/r2/r2.pdf"
    assert rendered[pdf].data.startswith(b"%PDF-")
    # Marked copies under the right keys: what the build writes shows which it took.
    marked = {rel: replace(r, data=r.data + b"\n<!-- ahead -->") for rel, r in rendered.items()}
    stale = replace(marked["staff/releases/r2/fr/index.html"], key="another key")
    marked["staff/releases/r2/fr/index.html"] = stale
    newsroom_now, loader = load(newsroom)
    build(newsroom_now, NOW, loader=loader, prerendered=marked)
    out = newsroom / "build"
    assert (out / "staff/releases/r2/index.html").read_bytes().endswith(b"<!-- ahead -->")
    assert (out / "email/r2.eml").read_bytes().endswith(b"<!-- ahead -->")
    # The PDF is the same file for staff and public site: one render serves both.
    assert (out / pdf).read_bytes().endswith(b"<!-- ahead -->")
    assert (out / "site/releases/r2/r2.pdf").read_bytes().endswith(b"<!-- ahead -->")
    # A key that is not the one planned is never taken: that page is rendered.
    assert not (out / "staff/releases/r2/fr/index.html").read_bytes().endswith(b"<!-- ahead -->")
    assert b"Release 2, edited" in (out / "site/releases/r2/index.html").read_bytes()


def test_a_draft_is_previewed_for_staff_and_never_rendered_for_the_site(newsroom):
    newsroom_now, loader = load(newsroom)
    build(newsroom_now, NOW, formats=("html",), loader=loader)
    (newsroom / "releases/draft.md").write_text(ana("A draft, edited", "2018-05-09", status="draft"))
    reloaded = reload_releases(newsroom_now, ["draft"])
    assert reloaded is not None
    rendered, _ = render_preview(reloaded, NOW, ["draft"], formats=("html",), cache=loader.source)
    assert list(rendered) == ["staff/releases/draft/index.html"]
    assert b"A draft, edited" in rendered["staff/releases/draft/index.html"].data


def test_the_build_after_the_preview_writes_the_news_items_the_preview_leaves_out(newsroom):
    """The draft translation's staff page and email come from the preview: its items from the build."""
    newsroom_now, loader = load(newsroom)
    build(newsroom_now, NOW, formats=("html", "email"), loader=loader)
    (newsroom / "releases/r2.fr.md").write_text(
        "---\ntitle: Communiqué 2, corrigé\nlocation: Bruxelles\n---\nT.\n"
    )
    reloaded = reload_releases(newsroom_now, ["r2"])
    assert reloaded is not None
    rendered, _ = render_preview(reloaded, NOW, ["r2"], formats=("html", "email"), cache=loader.source)
    assert set(rendered) == {"staff/releases/r2/fr/index.html", "email/r2.fr.eml"}
    newsroom_now, loader = load(newsroom)
    build(newsroom_now, NOW, formats=("html", "email"), loader=loader, prerendered=rendered)
    for name in ("ninjs.json", "newsml.xml"):
        assert "Communiqué 2, corrigé" in (newsroom / "build/staff/releases/r2/fr" / name).read_text()
