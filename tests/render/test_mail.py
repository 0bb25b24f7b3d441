"""The .eml a press office sends: its MIME structure, its headers, and parts that say the same thing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser

import pytest

from helpers import EMBARGO, GERARD
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build
from pressroom.errors import ContentError

BEFORE = EMBARGO - timedelta(hours=1)
AFTER = EMBARGO + timedelta(hours=1)
EMBARGO_LINE = "EMBARGOED UNTIL 25 May 2018, 12:00 CEST (10:00 UTC)"
TITLE = "EU and UN to strengthen partnership on counter-terrorism"


def release(*, title: str = TITLE, status: str = "approved", embargo: str | None = None) -> str:
    embargo_line = f"embargo: {embargo}\n" if embargo else ""
    return f"""\
---
title: {title}
date: 2018-05-25
location: Brussels
status: {status}
{embargo_line}issuers:
  - European External Action Service
  - United Nations Office of Counter-Terrorism
attendees:
  - name: Vladimir Voronkov
    role: Under-Secretary-General for Counter-Terrorism
    organization: United Nations
  - name: Federica Mogherini
    role: High Representative
    organization: European Union
background: |
  The Office of Counter-Terrorism was established in **June 2017**.
contacts:
  - name: Maja Kocijancic
    role: Spokesperson
    email: maja.kocijancic@ec.europa.eu
  - gerard
  - name: Adam Kaznowski
    phone: "+32 2 29 89359"
---
The first **High-Level** Dialogue took place today & set out R&D priorities (see
[the joint statement](https://example.org/statement)).

The two organisations agreed to:

- share information on foreign terrorist fighters
- work together on <em>prevention</em>

A second paragraph with a <script>alert(1)</script> that must not survive.
"""


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def build_email(root, now, slug="eu-un"):
    build(load_newsroom(root), now, formats={"email"})
    return (root / "build" / "email" / f"{slug}.eml").read_bytes()


@pytest.fixture
def embargoed(make_newsroom):
    return make_newsroom(
        {"contacts/gerard.yaml": GERARD, "releases/eu-un.md": release(embargo=EMBARGO.isoformat())}
    )


@pytest.fixture
def message(embargoed):
    return parse(build_email(embargoed, BEFORE))


def parts(message):
    return list(message.iter_parts())


def plain(message) -> str:
    """The plain-text part with the CRLF line ends of the wire turned into newlines."""
    return parts(message)[0].get_content().replace("\r\n", "\n")


def html(message) -> str:
    return parts(message)[1].get_content()


# -- structure and headers -----------------------------------------------------


def test_plain_text_then_html_both_utf8(message):
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parts(message)] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts(message)] == ["utf-8", "utf-8"]
    assert not message.defects
    assert all(not p.defects for p in parts(message))


def test_headers(message):
    assert message["From"] == "Test Press Office <press@example.org>"
    assert message["Date"].datetime == EMBARGO
    assert message["Content-Language"] == "en-GB"
    assert re.fullmatch(r"<eu-un\.[0-9a-f]{16}@press\.example\.org>", message["Message-ID"])
    assert message["MIME-Version"] == "1.0"


def test_subject_starts_with_the_embargo(message):
    assert message["Subject"] == f"{EMBARGO_LINE} – {TITLE}"


def test_subject_is_the_headline_once_the_embargo_has_passed(embargoed):
    assert parse(build_email(embargoed, AFTER))["Subject"] == TITLE


@pytest.mark.parametrize(
    ("embargo", "now", "expected"),
    [
        (None, AFTER, f"[DRAFT] {TITLE}"),
        (EMBARGO.isoformat(), BEFORE, f"[DRAFT] {EMBARGO_LINE} – {TITLE}"),
    ],
)
def test_draft_subject_says_so_first(make_newsroom, embargo, now, expected):
    root = make_newsroom(
        {"contacts/gerard.yaml": GERARD, "releases/eu-un.md": release(status="draft", embargo=embargo)}
    )
    message = parse(build_email(root, now))
    assert message["Subject"] == expected
    assert "DRAFT" in plain(message).split("\n")[0]


@pytest.mark.parametrize(
    "title",
    [
        "Tomé for the Tomé dialogue",
        "Ministers meet in São Tomé and Príncipe to agree a counter-terrorism action plan for the Gulf of Guinea",
        "Leaders publish https://example.org/statements/2018/05/25/joint-statement-on-counter-terrorism today",
        "日本と欧州連合、テロ対策で協力を強化 — 東京で首脳会談、共同声明を採択",
    ],
)
def test_long_subjects_arrive_as_written(make_newsroom, title):
    # Python's own header folding doubles or drops spaces next to encoded words.
    root = make_newsroom(
        {
            "contacts/gerard.yaml": GERARD,
            "releases/eu-un.md": release(title=title, embargo=EMBARGO.isoformat()),
        }
    )
    data = build_email(root, BEFORE)
    assert parse(data)["Subject"] == f"{EMBARGO_LINE} – {title}"
    assert all(len(line) <= 78 for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"))


def test_date_of_an_immediate_release_is_its_day_in_the_newsroom(make_newsroom, now):
    root = make_newsroom({"contacts/gerard.yaml": GERARD, "releases/eu-un.md": release()})
    message = parse(build_email(root, now))
    assert message["Date"].datetime == datetime.fromisoformat("2018-05-25T00:00:00+02:00")
    assert message["Subject"] == TITLE


def test_same_release_gives_the_same_bytes(embargoed):
    assert build_email(embargoed, BEFORE) == build_email(embargoed, BEFORE)


# -- the HTML part ---------------------------------------------------------------


def test_html_part_has_inlined_styles_and_nothing_active(message):
    body = html(message)
    assert TITLE in body
    assert re.search(r'<h1 [^>]*style="[^"]+"', body)
    assert re.search(r'<p class="release-line embargoed" style="[^"]*color', body)
    assert not re.search(r"<style|<script|<link|<iframe|javascript:", body, re.IGNORECASE)
    assert "alert(1)" not in body
    assert re.search(r"\son[a-z]+=", body) is None


# -- the plain-text part ---------------------------------------------------------


def test_plain_text_is_the_release_in_order(message):
    text = plain(message)
    expected_order = [
        "European External Action Service",
        "United Nations Office of Counter-Terrorism",
        EMBARGO_LINE,
        TITLE,
        "Brussels, 25 May 2018 – The first High-Level Dialogue took place today &\nset out R&D",
        "The two organisations agreed to:",
        "- share information on foreign terrorist fighters\n- work together on prevention",
        "A second paragraph with a that must not survive.",
        "PARTICIPANTS",
        "- Vladimir Voronkov, Under-Secretary-General for Counter-Terrorism,\n  United Nations",
        "- Federica Mogherini, High Representative, European Union",
        "BACKGROUND",
        "The Office of Counter-Terrorism was established in June 2017.",
        "MEDIA CONTACTS",
        "- Maja Kocijancic, Spokesperson, maja.kocijancic@ec.europa.eu",
        "- Ms. Gerard, United Nations Office of Counter-Terrorism, New York,\n  gerardl@un.org",
        "- Adam Kaznowski, +32 2 29 89359",
        "ABOUT TEST PRESS OFFICE",
        "The Test Press Office speaks for the test institution.",
    ]
    positions = [text.find(part) for part in expected_order]
    assert -1 not in positions, [p for p, i in zip(expected_order, positions, strict=True) if i < 0]
    assert positions == sorted(positions)
    assert text.rstrip("\n").split("\n")[-1] == "###"


def test_plain_text_spells_out_links(message):
    assert "(see the joint statement <https://example.org/statement>)" in " ".join(plain(message).split())


def test_plain_text_has_no_html_leftovers(message):
    text = plain(message)
    assert not re.search(r"</?(p|a|em|strong|span|ul|ol|li|div|br|h\d|script|section)\b", text)
    assert not re.search(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", text, re.IGNORECASE)
    assert "alert" not in text
    assert "**" not in text


def test_plain_text_lines_fit_a_mail_client(message):
    assert all(len(line) <= 72 for line in plain(message).split("\n"))


def test_a_body_that_starts_with_its_dateline_is_not_given_a_second_one(make_newsroom, now):
    body = "Brussels, 25 May 2018 - The body writes its own dateline.\n"
    source = release().split("---\nThe first")[0] + "---\n" + body
    root = make_newsroom({"contacts/gerard.yaml": GERARD, "releases/eu-un.md": source})
    text = plain(parse(build_email(root, now)))
    assert text.count("25 May 2018") == 1
    assert "Brussels, 25 May 2018 - The body writes its own dateline." in text


# -- header injection ------------------------------------------------------------

SAFE_HEADERS = {"From", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Language"}


@pytest.mark.parametrize(
    "title",
    [
        "=?utf-8?q?x=0D=0ABcc:_evil@example.org?=",
        "Budget =?utf-8?q?=0D=0ABcc:_evil@example.org?= approved",
        "=?utf-8?b?eA0KQmNjOiBldmlsQGV4YW1wbGUub3Jn?=",
        "Échange =?iso-8859-1?q?=0ABcc:_evil@example.org?= – ÉU",
        "Literal =?not an encoded word",
    ],
)
def test_encoded_words_in_a_headline_stay_text(make_newsroom, now, title):
    quoted = title.replace("'", "''")
    root = make_newsroom({"contacts/gerard.yaml": GERARD, "releases/eu-un.md": release(title=f"'{quoted}'")})
    data = build_email(root, now)
    message = parse(data)
    assert set(message.keys()) == SAFE_HEADERS
    assert message["Subject"] == title
    header = data.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"^bcc:", header, re.IGNORECASE | re.MULTILINE)


@pytest.mark.parametrize("breaker", ["\\n", "\\r", "\\r\\n", "\\u2028", "\\x85"])
def test_a_headline_with_a_line_break_is_refused_at_load(make_newsroom, breaker):
    title = f'"Budget approved{breaker}Bcc: evil@example.org"'
    root = make_newsroom({"contacts/gerard.yaml": GERARD, "releases/eu-un.md": release(title=title)})
    with pytest.raises(ContentError, match=r"releases/eu-un\.md:2: title: "):
        load_newsroom(root)
