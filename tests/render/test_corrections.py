"""Corrections, withdrawals and notes to editors: what readers, feeds and crawlers see of them."""

from __future__ import annotations

import json
import re

import pytest

import helpers
from helpers import NOW, SETTINGS, ninjs_errors
from pressroom.cli import main
from pressroom.content.loader import load_newsroom
from pressroom.render.mail import subject
from pressroom.render.view import ReleaseView

SLUG = "eu-un"
CORRECTION = """\
corrections:
  - date: 2026-01-12T15:30:00+01:00
    text: An earlier version placed the next meeting in Abuja; it is in Accra.
"""


def maritime(title="EU and UN agree on maritime security", day="2026-01-10", body=None, **fields):
    """An approved release about maritime security, in Brussels, tagged `maritime`."""
    body = body or "Brussels, 10 January 2026 – The ministers agreed to meet again in Abuja."
    return helpers.release(title, day, body=body, tags="[maritime]", **fields)


def other(title, day):
    return maritime(title, day, body=f"Brussels – Another release about {title}.")


def invoke(runner, *args):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def build(runner, root):
    result = invoke(runner, "build", "--format", "html", "--now", NOW.isoformat(), "--root", root)
    assert result.exit_code == 0, result.output
    return root / "build/site"


def entry(atom, slug):
    found = re.search(rf"<entry>(?:(?!</entry>).)*releases/{slug}/(?:(?!</entry>).)*</entry>", atom, re.S)
    assert found, f"no Atom entry for {slug}"
    return found[0]


def lastmod(sitemap, slug):
    return re.search(rf"releases/{slug}/</loc>\s*<lastmod>([^<]+)</lastmod>", sitemap)[1]


def json_ld(page):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page)[1])


def test_a_correction_moves_updated_lastmod_and_date_modified(runner, make_newsroom):
    root = make_newsroom({f"releases/{SLUG}.md": maritime()})
    site = build(runner, root)
    page = (site / f"releases/{SLUG}/index.html").read_text()
    assert "<updated>2026-01-10T00:00:00+01:00</updated>" in entry((site / "atom.xml").read_text(), SLUG)
    assert lastmod((site / "sitemap.xml").read_text(), SLUG) == "2026-01-10T00:00:00+01:00"
    assert "dateModified" not in json_ld(page) and "Correction" not in page

    (root / f"releases/{SLUG}.md").write_text(maritime(extra=CORRECTION))
    site = build(runner, root)
    page = (site / f"releases/{SLUG}/index.html").read_text()
    atom = entry((site / "atom.xml").read_text(), SLUG)
    assert "<published>2026-01-10T00:00:00+01:00</published>" in atom
    assert "<updated>2026-01-12T15:30:00+01:00</updated>" in atom
    assert lastmod((site / "sitemap.xml").read_text(), SLUG) == "2026-01-12T15:30:00+01:00"
    data = json_ld(page)
    assert (data["datePublished"], data["dateModified"]) == (
        "2026-01-10T00:00:00+01:00",
        "2026-01-12T15:30:00+01:00",
    )
    # The notice comes first, before the release line and the text.
    article = page[page.index("<article") :]
    notice = article.index("Correction of 12 January 2026")
    assert notice < article.index("FOR IMMEDIATE RELEASE") < article.index("The ministers agreed")
    assert "it is in Accra." in page
    export = json.loads((site / f"releases/{SLUG}/release.json").read_text())
    assert export["modified"] == "2026-01-12T15:30:00+01:00" and export["pubStatus"] == "usable"
    assert export["corrections"][0]["text"].endswith("it is in Accra.")


def test_a_withdrawn_release_is_listed_nowhere_but_its_address_answers_with_the_notice(runner, make_newsroom):
    withdrawn = maritime(
        status="withdrawn", extra="withdrawn:\n  date: 2026-01-13\n  text: The meeting was called off."
    )
    root = make_newsroom(
        {
            f"releases/{SLUG}.md": withdrawn,
            "releases/older.md": other("the older one", "2026-01-05"),
            "releases/newer.md": other("the newer one", "2026-01-12"),
        }
    )
    site = build(runner, root)
    page = (site / f"releases/{SLUG}/index.html").read_text()
    assert "This press release was withdrawn on 13 January 2026." in page
    assert "The meeting was called off." in page
    assert "The ministers agreed" not in page and "FOR IMMEDIATE RELEASE" not in page
    assert '<meta name="robots" content="noindex">' in page
    assert json_ld(page)["dateModified"] == "2026-01-13T00:00:00+01:00"
    assert "The ministers agreed" not in json.dumps(json_ld(page))
    export = json.loads((site / f"releases/{SLUG}/release.json").read_text())
    assert (
        export["pubStatus"] == "canceled" and export["body_html"] is None and export["status"] == "withdrawn"
    )

    # In no listing, feed entry, search record, sitemap or archive; the others are.
    listed = [
        "index.html", "archive/index.html", "archive/2026/index.html", "tags/maritime/index.html",
        "atom.xml", "rss.xml", "tags/maritime/atom.xml", "search/index.json", "releases.json", "sitemap.xml",
        "releases/older/index.html", "releases/newer/index.html",
    ]  # fmt: skip
    for name in listed:
        text = (site / name).read_text()
        assert f"releases/{SLUG}/" not in text, f"{name} names the withdrawn release"
        assert "withdrawn" not in text.lower() or name.startswith("releases/"), name
    for name in ("index.html", "atom.xml", "search/index.json", "sitemap.xml"):
        text = (site / name).read_text()
        assert "releases/older/" in text and "releases/newer/" in text, name
    # Previous and next skip it: the newer release leads to the older one.
    assert 'href="../../releases/older/"' in (site / "releases/newer/index.html").read_text()
    # Staff still sees it, with the notice.
    assert "withdrawn on 13 January 2026" in (root / f"build/staff/releases/{SLUG}/index.html").read_text()


def test_the_news_items_carry_the_correction_and_cancel_a_withdrawn_release(runner, make_newsroom):
    notes = "notes_to_editors:\n  - Photos are available on request."
    withdrawn = maritime(status="withdrawn", extra="withdrawn:\n  date: 2026-01-13\n  text: Called off.")
    root = make_newsroom(
        {"releases/corrected.md": maritime(extra=CORRECTION + notes), "releases/gone.md": withdrawn}
    )
    site = build(runner, root)
    corrected = json.loads((site / "releases/corrected/ninjs.json").read_text())
    assert ninjs_errors(corrected) == []
    assert (corrected["pubStatus"], corrected["versionCreated"]) == ("usable", "2026-01-12T15:30:00+01:00")
    assert corrected["edNote"] == (
        "Correction of 12 January 2026: An earlier version placed the next meeting in Abuja; it is in Accra."
    )
    assert corrected["bodies"][-1] == {
        "role": "notes",
        "contentType": "text/html",
        "wordCount": 5,
        "value": "<ol><li><p>Photos are available on request.</p></li></ol>",
    }
    gone = json.loads((site / "releases/gone/ninjs.json").read_text())
    assert ninjs_errors(gone) == []
    assert (gone["pubStatus"], gone["versionCreated"]) == ("canceled", "2026-01-13T00:00:00+01:00")
    assert gone["edNote"] == "This press release was withdrawn on 13 January 2026. Called off."
    assert [b["role"] for b in gone["bodies"]] == ["withdrawn"]
    assert "The ministers agreed" not in json.dumps(gone)
    newsml = (site / "releases/gone/newsml.xml").read_text()
    assert 'qcode="stat:canceled"' in newsml and "The ministers agreed" not in newsml


def test_a_withdrawn_release_and_its_translations_say_so_to_staff(runner, make_newsroom):
    from pressroom.model import Visibility
    from pressroom.serve.pages import release_state

    withdrawn = maritime(status="withdrawn", extra="withdrawn:\n  date: 2026-01-13\n  text: Called off.")
    french = "---\ntitle: L'UE et l'ONU s'accordent\nlocation: Bruxelles\nstatus: approved\n---\nTexte.\n"
    root = make_newsroom({f"releases/{SLUG}.md": withdrawn, f"releases/{SLUG}.fr.md": french})
    newsroom = load_newsroom(root)
    original, (fr,) = newsroom.release(SLUG), newsroom.translations
    assert original.visibility(NOW) is fr.visibility(NOW) is Visibility.WITHDRAWN
    assert release_state(original, NOW, newsroom).startswith("Withdrawn:")
    listed = invoke(runner, "list", "--now", NOW.isoformat(), "--root", root)
    assert listed.output.splitlines()[1].split() == [SLUG, "2026-01-10", "withdrawn", "-", "yes", "withdrawn"]


def test_notes_to_editors_follow_the_end_mark_numbered_in_every_format(runner, make_newsroom):
    notes = "notes_to_editors:\n  - Photos are available on request.\n  - Interviews on **Monday**.\n"
    root = make_newsroom({f"releases/{SLUG}.md": maritime(extra=notes)})
    newsroom = load_newsroom(root)
    view = ReleaseView(newsroom.release(SLUG), newsroom.settings, newsroom.release(SLUG).published)
    from pressroom.render.mail import render_email
    from pressroom.render.templating import environment

    message = render_email(environment(None), view)
    text = message.get_body(("plain",)).get_content()
    assert text.rstrip().endswith(
        "###\n\nNOTES TO EDITORS\n\n1. Photos are available on request.\n2. Interviews on Monday."
    )
    page = (build(runner, root) / f"releases/{SLUG}/index.html").read_text()
    assert page.index('<p class="end-mark">###</p>') < page.index("<h2>Notes to editors</h2>")
    assert "<li><p>Interviews on <strong>Monday</strong>.</p></li>" in page
    eu = make_newsroom(
        {f"releases/{SLUG}.md": maritime(extra=notes)},
        settings=SETTINGS.replace("[email]", 'notes_style = "eu"\n\n[email]')
        .replace('notes_style = "eu"\n\n[email]', "[email]")
        .replace('end_mark = "###"', 'end_mark = "###"\nnotes_style = "eu"'),
    )
    assert "<h2>Notes for editors</h2>" in (build(runner, eu) / f"releases/{SLUG}/index.html").read_text()


@pytest.mark.pdf
def test_the_pdf_opens_with_the_correction_and_ends_with_the_notes(make_newsroom):
    from io import BytesIO

    from pypdf import PdfReader

    from pressroom.render.pdf import render_release_pdf
    from pressroom.render.templating import environment, template_dirs

    extra = CORRECTION + "notes_to_editors:\n  - Photos are available on request.\n"
    root = make_newsroom({f"releases/{SLUG}.md": maritime(extra=extra)})
    newsroom = load_newsroom(root)
    view = ReleaseView(newsroom.release(SLUG), newsroom.settings, newsroom.release(SLUG).published)
    pdf, warnings = render_release_pdf(environment(None), view, template_dirs(None))
    assert warnings == []
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert text.index("Correction of 12 January 2026") < text.index("The ministers agreed")
    assert text.index("###") < text.index("NOTES TO EDITORS") < text.index("Photos are available on request.")


def test_the_correction_subject_speaks_the_release_language(make_newsroom):
    translation = """\
    ---
    title: L'UE et l'ONU s'accordent
    location: Bruxelles
    status: approved
    ---
    Texte.
    """
    root = make_newsroom({f"releases/{SLUG}.md": maritime(), f"releases/{SLUG}.fr.md": translation})
    newsroom = load_newsroom(root)
    (fr,) = newsroom.translations
    assert subject(ReleaseView(fr, newsroom.settings, fr.published), correction=True) == (
        "RECTIFICATIF : L'UE et l'ONU s'accordent"
    )
