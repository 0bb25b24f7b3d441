"""The PDF as a journalist reads it: text extracted with pypdf, metadata, page furniture, determinism."""

from __future__ import annotations

import io
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from helpers import EMBARGO, GERARD, SETTINGS
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build
from pressroom.render.pdf import render_pdf
from pressroom.render.templating import DEFAULT_TEMPLATES

pytestmark = pytest.mark.pdf

BEFORE = EMBARGO - timedelta(minutes=1)
AFTER = EMBARGO + timedelta(minutes=1)
TITLE = "The European Union and the United Nations to strengthen partnership on counter-terrorism"
ISSUERS = ("European External Action Service", "United Nations Office of Counter-Terrorism")
# Protocol order and contact order are as written, which is not alphabetical.
ATTENDEES = ("Vladimir Voronkov", "Federica Mogherini", "António Guterres")
CONTACTS = ("Maja Kocijancic", "Ms. Gerard", "Adam Kaznowski")
BACKGROUND = "The United Nations Office of Counter-Terrorism was established in June 2017."
PARAGRAPH = (
    "The dialogue covered the prevention of violent extremism, the protection of critical "
    "infrastructure and the financing of terrorism, with a view to joint action in 2019. "
) * 3


def release(*, status: str = "approved", embargo: bool = True) -> str:
    body = "\n\n".join(f"Point {i}. {PARAGRAPH}" for i in range(1, 6))
    return f"""\
---
title: {TITLE}
subtitle: First high-level EU-UN Leadership Dialogue on Counter-Terrorism
date: 2018-05-25
location: Brussels
issuers:
  - {ISSUERS[0]}
  - {ISSUERS[1]}
reference: UNOCT/PR/2018/05
language: en
status: {status}
{"embargo: " + EMBARGO.isoformat() if embargo else ""}
attendees:
  - name: {ATTENDEES[0]}
    role: Under-Secretary-General for Counter-Terrorism
    organization: United Nations
  - name: {ATTENDEES[1]}
    role: High Representative for Foreign Affairs and Security Policy
    organization: European Union
  - name: {ATTENDEES[2]}
    role: Secretary-General
    organization: United Nations
background: |
  {BACKGROUND}
links:
  - title: UN counter-terrorism
    url: https://www.un.org/counterterrorism
contacts:
  - name: {CONTACTS[0]}
    role: Spokesperson
    email: maja.kocijancic@ec.europa.eu
  - gerard
  - name: {CONTACTS[2]}
    phone: "+32 2 29 89359"
---
The EU and the UN held their first high-level dialogue today.

{body}
"""


def newsroom(root: Path, release_text: str) -> Path:
    """The rich release in a newsroom with the house logo; module fixtures can't use make_newsroom."""
    for rel, text in {
        "pressroom.toml": SETTINGS.replace('end_mark = "###"', 'end_mark = "###"\nlogo = "assets/logo.svg"'),
        "contacts/gerard.yaml": GERARD,
        "releases/eu-un.md": release_text,
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


class Built:
    """One build's PDF of the release, and the build's warnings."""

    def __init__(self, root: Path, now: datetime) -> None:
        report = build(load_newsroom(root), now, formats={"pdf"})
        self.warnings = report.warnings
        self.data = (root / "build" / "staff" / "releases" / "eu-un" / "eu-un.pdf").read_bytes()
        self.reader = PdfReader(io.BytesIO(self.data))
        self.pages = [page.extract_text() for page in self.reader.pages]
        self.text = " ".join(" ".join(self.pages).split())  # lines joined: a headline wraps


@pytest.fixture(scope="module")
def embargoed(tmp_path_factory) -> Built:
    return Built(newsroom(tmp_path_factory.mktemp("embargoed"), release()), BEFORE)


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Built:
    return Built(newsroom(tmp_path_factory.mktemp("released"), release()), AFTER)


@pytest.fixture(scope="module")
def draft(tmp_path_factory) -> Built:
    return Built(newsroom(tmp_path_factory.mktemp("draft"), release(status="draft", embargo=False)), AFTER)


def test_the_release_is_two_pages(embargoed):
    # The footer and running-header tests below rely on this.
    assert len(embargoed.pages) == 2


def test_headline_and_subtitle(embargoed):
    assert TITLE in embargoed.text
    assert "First high-level EU-UN Leadership Dialogue on Counter-Terrorism" in embargoed.text


def test_masthead_names_every_issuer_in_order(embargoed):
    first = embargoed.pages[0]
    assert first.index(ISSUERS[0]) < first.index(ISSUERS[1]) < first.index("The European Union")


def test_dateline_opens_the_body(embargoed):
    assert (
        "Brussels, 25 May 2018 – The EU and the UN held their first high-level dialogue today."
        in embargoed.text
    )


def test_attendees_in_protocol_order(embargoed):
    text = embargoed.text
    assert "participants" in text.casefold()
    positions = [text.index(name) for name in ATTENDEES]
    assert positions == sorted(positions)
    assert "Vladimir Voronkov, Under-Secretary-General for Counter-Terrorism, United Nations" in text


def test_background_and_its_text(embargoed):
    text = embargoed.text
    heading = text.casefold().index("background")
    assert text.index(BACKGROUND) > heading > text.index(ATTENDEES[-1])


def test_links_print_their_address(embargoed):
    assert "UN counter-terrorism (https://www.un.org/counterterrorism)" in embargoed.text


def test_contacts_in_the_written_order(embargoed):
    text = embargoed.text
    positions = [text.index(name) for name in CONTACTS]
    assert positions == sorted(positions)
    assert "Ms. Gerard, United Nations Office of Counter-Terrorism, New York, gerardl@un.org" in text
    assert "Adam Kaznowski, +32 2 29 89359" in text


def test_end_mark_and_boilerplate(embargoed):
    last = embargoed.pages[-1]
    assert "The Test Press Office speaks for the test institution." in last
    assert "###" in last


def test_embargo_line_above_the_headline_and_in_every_later_header(embargoed):
    first = " ".join(embargoed.pages[0].split())
    # house.css sets the release line in capitals; the words and the time are what matter.
    line = first.casefold().index("embargoed until 25 may 2018, 12:00 cest (10:00 utc)")
    assert line < first.index(TITLE)
    assert "FOR IMMEDIATE RELEASE" not in embargoed.text
    for page in embargoed.pages[1:]:
        assert "EMBARGOED UNTIL 25 May 2018, 12:00 CEST (10:00 UTC)" in page


def test_immediate_release_once_the_embargo_has_passed(released):
    assert "FOR IMMEDIATE RELEASE" in released.pages[0]
    assert "embargoed" not in released.text.casefold()


def test_footer_counts_pages_and_says_more_to_come(embargoed):
    first, last = embargoed.pages
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in last
    assert "-more-" in first
    assert "-more-" not in last


def test_draft_carries_a_watermark_on_every_page(draft, released):
    assert len(draft.pages) == 2
    for page in draft.pages:
        assert "DRAFT" in page.split()
    assert "DRAFT" not in released.text


def test_metadata(embargoed):
    info = embargoed.reader.metadata
    assert info.title == TITLE
    assert info.author == ", ".join(ISSUERS)
    assert info.creation_date == EMBARGO
    assert embargoed.reader.trailer["/Root"]["/Lang"] == "en"


def test_house_style_renders_without_warnings(embargoed, released, draft):
    assert embargoed.warnings == released.warnings == draft.warnings == ()


def test_house_style_fonts_are_embedded(embargoed):
    fonts = set()
    for page in embargoed.reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts
    assert all("Lato" in name for name in fonts), fonts


def test_same_input_gives_the_same_bytes(tmp_path, embargoed):
    again = Built(newsroom(tmp_path, release()), BEFORE)
    assert again.data == embargoed.data


def test_render_pdf_reports_what_weasyprint_warns_about():
    # The warning list is what makes "no warnings" above mean something.
    html = '<html lang="en"><title>t</title><p>Text</p><img src="assets/missing.png" alt="gone"></html>'
    pdf, warnings = render_pdf(html, base=DEFAULT_TEMPLATES, roots=[DEFAULT_TEMPLATES])
    assert pdf.startswith(b"%PDF-")
    assert len(warnings) == 1
    assert "no file assets/missing.png in the templates folders" in warnings[0]


def test_the_pdfs_of_a_build_share_one_font_set_up_and_are_the_same_bytes(tmp_path, monkeypatch):
    """A build's PDFs share the house style's fonts, written once into its scratch folder: the
    PDFs are the bytes a set-up of their own gives. Outside that folder, each gets its own."""
    import tempfile

    from pressroom.content.loader import load_newsroom as load
    from pressroom.render.pdf import build_fonts, render_release_pdf
    from pressroom.render.templating import environment, template_dirs
    from pressroom.render.view import ReleaseView

    root = newsroom(tmp_path / "news", release())
    room = load(root)
    folders = template_dirs(room.templates)
    view = ReleaseView(room.releases[0], room.settings, AFTER)
    alone, _ = render_release_pdf(environment(room.templates), view, folders)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    fonts = build_fonts(folders, str(scratch))
    assert fonts is build_fonts(folders, str(scratch))
    for _ in range(2):  # the second PDF finds the fonts the first wrote
        shared, _ = render_release_pdf(
            environment(room.templates), ReleaseView(view.release, room.settings, AFTER), folders, fonts=fonts
        )
        assert shared == alone
    assert [p.name.startswith("weasyprint-") for p in scratch.iterdir()] == [True]
    assert build_fonts([tmp_path, *folders], str(scratch)) is not fonts  # another newsroom's folders
    assert build_fonts(folders, str(tmp_path / "elsewhere")) is None  # not the temporary folder
