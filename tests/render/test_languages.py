"""Every language a release is written in: its labels, the newsroom's words in it, and `lang` on the rest."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from helpers import SETTINGS, release
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

SLUG = "2018-05-25-partners"
ORIGINAL = release("Partners meet in Brussels", body="The partners met today.")
TRANSLATION = """\
---
title: {title}
location: {location}
status: approved
---
{body}
"""
ITALIAN = TRANSLATION.format(
    title="I partner si riuniscono a Bruxelles", location="Bruxelles", body="Oggi i partner si sono riuniti."
)
FRENCH = TRANSLATION.format(
    title="Les partenaires se réunissent", location="Bruxelles", body="Les partenaires se sont réunis."
)
LANGUAGES = """
[languages.fr]
name = "Bureau de presse de test"
boilerplate = "Le Bureau de presse de test parle pour l’institution de test."
end_mark = "-fin-"
"""


def _newsroom(make_newsroom, settings=SETTINGS, **translations):
    files = {f"releases/{SLUG}.md": ORIGINAL}
    files |= {f"releases/{SLUG}.{lang}.md": text for lang, text in translations.items()}
    return load_newsroom(make_newsroom(files, settings=settings))


def _built(newsroom, now, formats=("html", "email")):
    build(newsroom, now, formats=set(formats))
    return newsroom.root / "build"


def test_an_italian_release_has_italian_labels(make_newsroom, now):
    out = _built(_newsroom(make_newsroom, it=ITALIAN), now)
    page = (out / f"site/releases/{SLUG}/it/index.html").read_text()
    assert "PER DIFFUSIONE IMMEDIATA" in page and "Comunicato stampa" in page
    assert "FOR IMMEDIATE RELEASE" not in page


@pytest.mark.pdf
def test_an_italian_pdf_numbers_its_pages_in_italian(make_newsroom, now):
    from pypdf import PdfReader

    long_body = "\n\n".join(["Oggi i partner si sono riuniti e hanno discusso a lungo." * 8] * 12)
    newsroom = _newsroom(make_newsroom, it=ITALIAN.replace("Oggi i partner si sono riuniti.", long_body))
    out = _built(newsroom, now, formats=("pdf",))
    reader = PdfReader(out / f"site/releases/{SLUG}/it/{SLUG}.it.pdf")
    assert len(reader.pages) >= 2
    first, last = reader.pages[0].extract_text(), reader.pages[-1].extract_text()
    assert "-segue-" in first and f"Pagina 1 di {len(reader.pages)}" in first
    assert "-segue-" not in last and "-more-" not in first


def test_the_newsroom_speaks_the_release_language_where_pressroom_toml_says_how(make_newsroom, now):
    out = _built(_newsroom(make_newsroom, settings=SETTINGS + LANGUAGES, fr=FRENCH), now)
    page = (out / f"site/releases/{SLUG}/fr/index.html").read_text()
    assert "<h2>À propos de Bureau de presse de test</h2>" in page
    assert "<p>Le Bureau de presse de test parle pour l’institution de test.</p>" in page
    assert '<p class="end-mark">-fin-</p>' in page
    text = BytesParser(policy=policy.default).parsebytes((out / f"email/{SLUG}.fr.eml").read_bytes())
    plain = text.get_body(("plain",)).get_content()
    assert "À PROPOS DE BUREAU DE PRESSE DE TEST" in plain and plain.rstrip().endswith("-fin-")
    # The original keeps the words at the top of pressroom.toml.
    original = (out / f"site/releases/{SLUG}/index.html").read_text()
    assert "About Test Press Office" in original and '<p class="end-mark">###</p>' in original


def test_words_left_in_the_newsroom_language_carry_its_lang(make_newsroom, now):
    out = _built(_newsroom(make_newsroom, it=ITALIAN), now)
    page = (out / f"site/releases/{SLUG}/it/index.html").read_text()
    assert '<h2>Informazioni su <span lang="en-GB">Test Press Office</span></h2>' in page
    assert '<div lang="en-GB"><p>The Test Press Office speaks for the test institution.</p></div>' in page
    assert '<a class="site-name" href="../../../" lang="en-GB">' in page
    assert '<ul class="issuers" lang="en-GB">' in page  # the translation names no issuers of its own
    original = (out / f"site/releases/{SLUG}/index.html").read_text()
    assert (
        "<span lang=" not in original
        and "<div lang=" not in original
        and 'site-name" href="../../" lang' not in original
    )
