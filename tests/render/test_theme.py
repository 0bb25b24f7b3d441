"""One [theme] table in pressroom.toml colours the page, the PDF and the email alike."""

from __future__ import annotations

import re
import zlib
from email import policy
from email.parser import BytesParser

import pytest

from helpers import SETTINGS, release
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

SLUG = "2018-05-25-themed"
RELEASE = release("A release in the house colours", body="The body.")
THEME = """
[theme]
accent = "#a01010"
muted = "#445566"
font = '"DejaVu Serif", serif'
email_font = "Georgia, serif"
"""


def _built(make_newsroom, now, settings=SETTINGS + THEME, formats=("html", "email")):
    root = make_newsroom({f"releases/{SLUG}.md": RELEASE}, settings=settings)
    build(load_newsroom(root), now, formats=set(formats))
    return root / "build"


def _email_html(out):
    message = BytesParser(policy=policy.default).parsebytes((out / f"email/{SLUG}.eml").read_bytes())
    return message.get_body(("html",)).get_content()


def test_the_page_declares_the_theme_after_the_house_style(make_newsroom, now):
    page = (_built(make_newsroom, now) / f"site/releases/{SLUG}/index.html").read_text()
    head = page.split("</head>")[0]
    assert head.index("assets/web.css") < head.index("--accent: #a01010;")
    assert '--font: "DejaVu Serif", serif;' in head


def test_the_email_gets_the_values_written_out_not_var(make_newsroom, now):
    html = _email_html(_built(make_newsroom, now))
    assert "var(" not in html
    assert "border-bottom: 3px solid #a01010" in html  # the masthead's rule, in the accent
    assert "font-family: Georgia, serif" in html
    assert "#0b4f8a" not in html  # no house-style default left behind


def test_without_a_theme_the_house_colours_apply(make_newsroom, now):
    html = _email_html(_built(make_newsroom, now, settings=SETTINGS))
    assert "border-bottom: 3px solid #0b4f8a" in html


@pytest.mark.pdf
def test_the_pdf_draws_in_the_theme_colours(make_newsroom, now):
    pdf = (_built(make_newsroom, now, formats=("pdf",)) / f"site/releases/{SLUG}/{SLUG}.pdf").read_bytes()
    streams = b"".join(
        zlib.decompress(m[1])
        for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL)
        if _inflates(m[1])
    )
    # #a01010 as PDF colour operands: 160/255 16/255 16/255
    assert re.search(rb"0\.627\d* 0\.0627\d* 0\.0627\d* (RG|rg)", streams)
    assert b"Lato" not in pdf  # the theme's font, not the house style's, in the text and the running heads


def _inflates(data):
    try:
        zlib.decompress(data)
    except zlib.error:
        return False
    return True
