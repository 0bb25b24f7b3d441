"""The email and the release page in a real browser at phone and desktop widths: nothing runs off the screen.

A reader on a 390 px phone must see every line whole; a 600 px pane (a desktop
client's reading pane) shows the column at its width. Chromium stands in for
the WebKit and Blink engines that most mail apps use; Outlook's Word engine
gets its own fixed-width table inside conditional comments, which Chromium
ignores as comments.
"""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

pytestmark = pytest.mark.browser

LONG_URL = "https://press.example.org/" + "a-very-long-address-without-any-break" * 4
WIDE = f"""\
---
title: A joint statement on the Mediterranean Sea Maritime Security Architecture Conference outcomes
date: 2018-05-25
location: Brussels
status: approved
issuers: [European External Action Service, United Nations Office of Counter-Terrorism, African Union Commission]
---
The partners agreed today on {LONG_URL} and the figures below.

| Programme | Partner | Budget (EUR) | Duration (months) |
|:----------|:-------:|-------------:|------------------:|
| Maritime security capacity building | African Union Commission | 12,500,000 | 36 |
| Counter-terrorism financing | United Nations Office of Counter-Terrorism | 8,000,000 | 24 |
"""


def _email_html(make_newsroom, now) -> str:
    root = make_newsroom({"releases/2018-05-25-wide.md": WIDE})
    build(load_newsroom(root), now, formats={"email"})
    message = BytesParser(policy=policy.default).parsebytes(
        (root / "build/email/2018-05-25-wide.eml").read_bytes()
    )
    return message.get_body(("html",)).get_content()


@pytest.mark.parametrize("width", [390, 600])
def test_the_email_fits_the_screen_with_nothing_off_to_the_side(browser, make_newsroom, now, width):
    html = _email_html(make_newsroom, now)
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        tab = context.new_page()
        tab.set_content(html)
        scroll, inner = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        column = tab.evaluate("document.querySelector('.container').getBoundingClientRect().width")
    finally:
        context.close()
    assert scroll <= inner, f"{scroll - inner} px off-screen at {width} px"
    assert column == min(width, 640)


def test_outlook_gets_a_fixed_wrapper_and_every_other_client_a_fluid_column(make_newsroom, now):
    html = _email_html(make_newsroom, now)
    assert '<!--[if mso]><table role="presentation" width="640"' in html
    assert 'class="container" style="max-width: 640px;' in html
    assert 'width="640"' not in html.replace('<!--[if mso]><table role="presentation" width="640"', "")


def test_the_lead_paragraph_is_set_apart(make_newsroom, now):
    html = _email_html(make_newsroom, now)
    first, second = html.split('<div class="body">', 1)[1].split("<p ")[1:3]
    assert "font-size: 16px" in first and "font-size" not in second.split(">")[0]


def test_the_release_page_with_a_wide_table_fits_a_phone(browser, make_newsroom, now):
    root = make_newsroom({"releases/2018-05-25-wide.md": WIDE})
    build(load_newsroom(root), now, formats={"html"})
    page = root / "build/site/releases/2018-05-25-wide/index.html"
    context = browser.new_context(viewport={"width": 390, "height": 800})
    try:
        tab = context.new_page()
        tab.goto(page.as_uri())
        scroll, inner = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        align = tab.evaluate("getComputedStyle(document.querySelector('.body td[align=right]')).textAlign")
    finally:
        context.close()
    assert scroll <= inner, f"{scroll - inner} px off-screen"
    assert align == "right"
