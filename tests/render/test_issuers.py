"""Issuers as data: a joint release shows every issuer's logo in its page, its PDF and its email."""

from __future__ import annotations

import base64
import re
from email import policy
from email.parser import BytesParser

import pytest

from helpers import SETTINGS
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

SLUG = "2018-05-25-joint"
JOINT = """\
---
title: Three organisations agree on joint priorities
date: 2018-05-25
location: Addis Ababa
status: approved
issuers: [European External Action Service, AUC, United Nations Office for West Africa and the Sahel]
---
The body.
"""
FRENCH = """\
---
title: Trois organisations conviennent de priorités communes
location: Addis-Abeba
language: fr
status: approved
issuers: [Service européen pour l’action extérieure, Commission de l’Union africaine, Bureau des Nations Unies pour l’Afrique de l’Ouest et le Sahel]
---
Le texte.
"""
ISSUERS = """
[issuers.eeas]
name = "European External Action Service"
short_name = "EEAS"
logo = "assets/issuers/eeas.svg"

[issuers.auc]
name = "African Union Commission"
short_name = "AUC"
logo = "assets/issuers/auc.png"

[issuers.unowas]
name = "United Nations Office for West Africa and the Sahel"
short_name = "UNOWAS"
logo = "assets/issuers/unowas.svg"
"""
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="10" height="10"><rect width="10" height="10" fill="{}"/></svg>'
# A 1x1 PNG, red.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
FILES = {
    f"releases/{SLUG}.md": JOINT,
    f"releases/{SLUG}.fr.md": FRENCH,
    "templates/assets/issuers/eeas.svg": SVG.format("#0b4f8a"),
    "templates/assets/issuers/auc.png": PNG,
    "templates/assets/issuers/unowas.svg": SVG.format("#2a6f97"),
}


@pytest.fixture
def built(make_newsroom, now):
    root = make_newsroom(FILES, settings=SETTINGS + ISSUERS)
    build(load_newsroom(root), now, formats={"html", "email", "pdf"})
    return root / "build"


def _logos(html):
    return re.findall(r'<img class="logo" src="([^"]+)" alt="([^"]+)"', html)


def test_the_page_shows_each_issuers_logo_in_order(built):
    page = (built / f"site/releases/{SLUG}/index.html").read_text()
    assert _logos(page) == [
        ("../../assets/issuers/eeas.svg", "European External Action Service"),
        ("../../assets/issuers/auc.png", "AUC"),
        ("../../assets/issuers/unowas.svg", "United Nations Office for West Africa and the Sahel"),
    ]
    assert (built / "site/assets/issuers/auc.png").read_bytes() == PNG


def test_a_translation_finds_the_logos_of_the_issuers_it_names_in_its_language(built):
    page = (built / f"site/releases/{SLUG}/fr/index.html").read_text()
    assert [alt for _, alt in _logos(page)] == [
        "Service européen pour l’action extérieure",
        "Commission de l’Union africaine",
        "Bureau des Nations Unies pour l’Afrique de l’Ouest et le Sahel",
    ]


def test_the_email_carries_the_logos_inside(built):
    message = BytesParser(policy=policy.default).parsebytes((built / f"email/{SLUG}.eml").read_bytes())
    html = message.get_body(("html",)).get_content()
    srcs = re.findall(r'<img class="logo" [^>]*src="([^"]+)"', html)
    assert srcs[0] == "data:image/svg+xml;base64," + base64.b64encode(SVG.format("#0b4f8a").encode()).decode()
    assert srcs[1] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert len(srcs) == 3


@pytest.mark.pdf
def test_the_pdf_shows_three_logos_and_short_names_in_its_foot(built):
    from pypdf import PdfReader

    reader = PdfReader(built / f"site/releases/{SLUG}/{SLUG}.pdf")
    figures = []

    def walk(node):
        node = node.get_object()
        if node.get("/S") == "/Figure":
            figures.append(str(node.get("/Alt")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid.get_object(), "get"):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert figures == [
        "European External Action Service",
        "AUC",
        "United Nations Office for West Africa and the Sahel",
    ]
    assert "EEAS · AUC · UNOWAS" in reader.pages[0].extract_text()


def test_without_issuer_logos_the_newsroom_logo_stays(make_newsroom, now):
    root = make_newsroom({f"releases/{SLUG}.md": JOINT}, settings='logo = "assets/logo.svg"\n' + SETTINGS)
    build(load_newsroom(root), now, formats={"html"})
    page = (root / f"build/site/releases/{SLUG}/index.html").read_text()
    assert _logos(page) == [("../../assets/logo.svg", "Test Press Office")]
