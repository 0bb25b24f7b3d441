"""Markdown to safe HTML and plain text: what survives the sanitiser, the dateline, the email's text,
and that no shape of Markdown can hang a build."""

from __future__ import annotations

import re
import textwrap
import time

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build
from pressroom.errors import ContentError, RenderError
from pressroom.render.markup import fill, to_html, to_text

DATELINE = "Brussels, 25 May 2018 –"


# -- HTML: what the sanitiser keeps --------------------------------------------


def test_markdown_becomes_the_allowed_html():
    html = to_html(
        "## Key facts\n\n"
        'Some **strong** and *emphasised* text, `code`, H<sub>2</sub>O and <abbr title="European Union">EU</abbr>.\n\n'
        "- one\n- two\n\n"
        "1. first\n2. second\n\n"
        "> A quote.\n\n"
        "| Country | Funds |\n|---|---|\n| Belgium | 10 |\n\n"
        "---\n\n"
        "![A map](https://img.example.org/map.png)"
    )
    for kept in (
        "<h2>Key facts</h2>",
        "<strong>strong</strong>",
        "<em>emphasised</em>",
        "<code>code</code>",
        "H<sub>2</sub>O",
        '<abbr title="European Union">EU</abbr>',
        "<li>one</li>",
        "<ol>",
        "<blockquote>",
        "<td>Belgium</td>",
        "<hr>",
        '<img alt="A map" src="https://img.example.org/map.png">',
    ):
        assert kept in html


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("Text <script>alert(1)</script> more.", ["<script", "alert(1)"]),
        ("<style>p { display: none }</style>\n\nText.", ["<style", "display"]),
        ('<iframe src="https://evil.example.org/"></iframe>', ["<iframe", "evil.example.org"]),
        ('<img src="https://img.example.org/x.png" onerror="alert(1)">', ["onerror", "alert"]),
        ('<p onclick="steal()">Click</p>', ["onclick", "steal"]),
        ('<a href="https://example.org/" onmouseover="steal()">x</a>', ["onmouseover", "steal"]),
        ('<p style="position:fixed" class="x" id="y">Styled</p>', ["style=", "class=", "id="]),
        ("<svg><script>alert(1)</script></svg>", ["<svg", "<script", "alert"]),
        ('<form action="https://evil.example.org/"><input name="q"></form>', ["<form", "<input"]),
        ('<object data="x.swf"></object><embed src="x.swf">', ["<object", "<embed", "x.swf"]),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example.org/">', ["<meta", "refresh"]),
    ],
)
def test_sanitiser_removes_active_content(source, forbidden):
    html = to_html(source)
    for text in forbidden:
        assert text not in html


@pytest.mark.parametrize(
    "href",
    [
        "https://example.org/a?b=1",
        "http://example.org/",
        "mailto:press@example.org",
    ],
)
def test_web_and_mail_links_are_kept(href):
    assert f'href="{href.replace("&", "&amp;")}"' in to_html(f"[the link]({href})")


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "ftp://example.org/file",
        "vbscript:msgbox(1)",
        "/relative/path",
        "page.html",
        "//evil.example.org/x",
        "#anchor",
    ],
)
def test_other_links_lose_their_address_but_keep_their_text(href):
    html = to_html(f"[the link]({href})")
    assert "href" not in html
    assert ">the link</a>" in html


def test_raw_html_links_are_held_to_the_same_schemes():
    html = to_html('<a href="java&#x09;script:alert(1)">x</a> <img src="file:///etc/hostname" alt="h">')
    assert "script" not in html
    assert "file:" not in html


# -- HTML: the dateline --------------------------------------------------------


def test_dateline_opens_the_first_paragraph():
    html = to_html("The first paragraph.\n\nThe second.", lead=DATELINE)
    assert html.startswith(f'<p><span class="dateline">{DATELINE}</span> The first paragraph.</p>')
    assert html.count("dateline") == 1


def test_dateline_gets_its_own_paragraph_before_a_list_or_heading():
    for source in ("- an item\n- another", "## A heading\n\nText."):
        html = to_html(source, lead=DATELINE)
        assert html.startswith(f'<p><span class="dateline">{DATELINE}</span> </p>')


def test_dateline_keeps_inline_markup_of_the_first_paragraph():
    html = to_html("**Today** the [Council](https://example.org/) met.", lead=DATELINE)
    assert html.startswith(
        f'<p><span class="dateline">{DATELINE}</span> <strong>Today</strong> the '
        '<a href="https://example.org/" rel="noopener">Council</a> met.</p>'
    )


def test_dateline_is_text_not_markup():
    html = to_html("Body.", lead="<b>Brussels</b> & co, 25 May 2018 –")
    assert "&lt;b&gt;Brussels&lt;/b&gt; &amp; co" in html


def test_no_dateline_without_a_lead():
    assert to_html("Body.") == "<p>Body.</p>"


# -- plain text ---------------------------------------------------------------


def text_of(markdown: str, **kw) -> str:
    return to_text(to_html(markdown, **kw))


def test_paragraphs_are_wrapped_at_72_and_separated_by_a_blank_line():
    long = " ".join(["The Council adopted conclusions on counter-terrorism."] * 8)
    text = text_of(f"{long}\n\nA second paragraph.")
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == 2
    lines = paragraphs[0].split("\n")
    assert len(lines) > 3
    assert all(len(line) <= 72 for line in lines)
    assert " ".join(lines) == long
    assert paragraphs[1] == "A second paragraph."


def test_a_word_longer_than_a_line_is_not_broken():
    url = "https://example.org/" + "a" * 100
    text = text_of(f"See {url} today.")
    assert url in text.split("\n")


def test_lists_are_bulleted_one_item_per_line():
    text = text_of("Before.\n\n- one\n- two\n- three\n\nAfter.")
    assert text == "Before.\n\n- one\n- two\n- three\n\nAfter."


def test_numbered_lists_keep_their_numbers():
    assert text_of("1. first\n2. second") == "1. first\n2. second"


def test_loose_list_items_keep_their_bullets():
    # Blank lines between items make <li><p>…</p></li>; the bullets must survive that.
    assert text_of("- one\n\n- two\n\nAfter.") == "- one\n- two\n\nAfter."


def test_nested_lists_are_indented():
    text = text_of("- fruit\n    - apple\n    - pear\n- bread")
    assert text == "- fruit\n  - apple\n  - pear\n- bread"


def test_long_list_items_wrap_under_their_text():
    item = " ".join(["counter-terrorism cooperation"] * 6)
    lines = text_of(f"- {item}\n- short").split("\n")
    assert lines[0].startswith("- counter-terrorism")
    assert lines[1].startswith("  counter-terrorism")
    assert lines[-1] == "- short"
    assert all(len(line) <= 72 for line in lines)


def test_table_rows_are_one_line_each():
    text = text_of("| Country | Funds |\n|---|---|\n| Belgium | 10 |\n| Chile | 20 |")
    assert text == "Country | Funds\nBelgium | 10\nChile | 20"


def test_quotes_are_marked():
    assert text_of("> We will act.\n\nSaid the minister.") == "> We will act.\n\nSaid the minister."


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("Read [the statement](https://example.org/s).", "Read the statement <https://example.org/s>."),
        (
            "Write to [the press office](mailto:press@example.org).",
            "Write to the press office <press@example.org>.",
        ),
        ("See <https://example.org/>.", "See https://example.org/."),
        ("Mail [press@example.org](mailto:press@example.org).", "Mail press@example.org."),
        ("A [dead link](javascript:alert(1)).", "A dead link."),
    ],
)
def test_links_are_spelt_out(markdown, expected):
    assert text_of(markdown) == expected


def test_dateline_starts_the_text():
    assert text_of("The Council met.", lead=DATELINE) == f"{DATELINE} The Council met."


def test_text_has_no_tags_or_entities():
    text = text_of(
        'R&D is < 3% & "rising". <em>Really</em> &copy; 2018 &#8212; **bold** `x = 1` '
        "<script>alert(1)</script><span>kept text</span>"
    )
    assert not re.search(r"</?[a-z]+[ >]", text)
    assert not re.search(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", text, re.IGNORECASE)
    assert "R&D is < 3% & “rising”. Really © 2018 — bold x = 1" in text
    assert "kept text" in text
    assert "alert" not in text


# -- pathological Markdown ----------------------------------------------------
# Python-Markdown is quadratic or worse on some shapes of text. Whatever an
# editor pastes, a build must end quickly: with the page, or with a RenderError
# that says what is wrong.

SECONDS = 5  # generous for a 2-core CI machine; these take well under a second here

PATHOLOGICAL = {
    "10,000 nested quotes": (">" * 10_000 + " x", "nested 10000 levels deep"),
    "10,000 nested quotes, spaced": ("> " * 10_000 + "x", "nested 10000 levels deep"),
    "10,000 nested bullets": ("- " * 10_000 + "x", "nested 10000 levels deep"),
    "10,000 nested numbers": ("1. " * 10_000 + "x", "nested 10000 levels deep"),
    "quotes nested line by line": (
        "\n".join(">" * i + " x" for i in range(1, 200)),
        "nested 199 levels deep",
    ),
    "lists nested by indentation": (
        "\n".join("    " * i + "- x" for i in range(40)),
        "nested 40 levels deep",
    ),
    "lists nested by tabs": ("\n".join("\t" * i + "- x" for i in range(40)), "nested 40 levels deep"),
    "raw HTML nested 5,000 deep": ("<blockquote>" * 5_000 + "x", "HTML in the Markdown nested"),
    "1 MB of [": ("[" * 1_000_000, "1,000,000 characters long"),
    "1 MB of *": ("*" * 1_000_000, "1,000,000 characters long"),
    "1 MB of backticks": ("`" * 1_000_000, "1,000,000 characters long"),
    "1 MB line of words": ("word " * 200_000, "1,000,000 characters long"),
    "99 kB of [": ("[" * 99_000, "too intricate"),
    "99 kB of [ and ]": ("[" * 49_500 + "]" * 49_500, "too intricate"),
    "99 kB of unclosed links": ("[a](" * 24_750, "too intricate"),
    "99 kB of nested links": ("[" * 19_800 + "a" + "](x)" * 19_800, "too intricate"),
    "99 kB of images": ("![" * 49_500, "too intricate"),
    "99 kB of spaced backticks": ("` " * 49_500, "too intricate"),
    "99 kB of mixed emphasis": ("*_" * 49_500, "too intricate"),
    "99 kB of backslashes": ("\\" * 99_000, "too intricate"),
    "99 kB of entities": ("&amp;" * 19_800, "too intricate"),
    "99 kB of unclosed tags": ("<http://a" * 11_000, "too intricate"),
    "99 kB of comment starts": ("<!--" * 24_750, "too intricate"),
    "headings without blank lines": ("# a\n" * 24_750, "too intricate"),
    "underlined headings without blank lines": ("a\n=\n" * 24_750, "too intricate"),
    "rules without blank lines": ("---\n" * 24_750, "too intricate"),
    "99 kB of *": ("*" * 99_000, None),
    "99 kB of _": ("_" * 99_000, None),
    "99 kB of <": ("<" * 99_000, "too intricate"),
    "99 kB line of words": ("word " * 19_800, None),
    "99 kB word": ("a" * 99_000, None),
    "99 kB of pipes": ("|" * 99_000, None),
    "5,000 short paragraphs": ("Short paragraph.\n\n" * 5_000, None),
    "99 kB of whitespace": (" \t\n" * 33_000, None),
}


@pytest.mark.slow
@pytest.mark.parametrize(("source", "message"), PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_markdown_ends_quickly(source, message):
    start = time.perf_counter()
    if message is None:
        html = to_html(source, lead=DATELINE)
        to_text(html)
    else:
        with pytest.raises(RenderError, match=re.escape(message)):
            to_html(source, lead=DATELINE)
    assert time.perf_counter() - start < SECONDS


def test_the_limits_leave_room_for_a_long_release():
    paragraph = (
        "The **Council** adopted [conclusions](https://example.org/c) on *counter-terrorism*, "
        "with the `EU-UN` framework and R&D funding, as [agreed](https://example.org/a) in 2017. "
    ) * 4
    links = "\n".join(
        f"- [Statement {i}](https://example.org/s/{i}) by the *Spokesperson*" for i in range(150)
    )
    table = "| Country | Funds |\n|---|---|\n" + "\n".join(f"| Country {i} | {i} |" for i in range(300))
    source = "\n\n".join([paragraph] * 60 + [links, table, "> " * 20 + "deep but allowed"])
    assert 50_000 < len(source) < 100_000
    start = time.perf_counter()
    html = to_html(source, lead=DATELINE)
    assert html.count("<p>") >= 60
    assert html.count("<li>") == 150
    assert html.count("<tr>") == 301
    assert "deep but allowed" in to_text(html)
    assert time.perf_counter() - start < SECONDS


def test_an_unrenderable_body_fails_the_build_naming_the_release(make_newsroom, now):
    root = make_newsroom(
        {
            "releases/deep.md": "---\ntitle: Deep\ndate: 2018-05-25\nlocation: Brussels\n---\n"
            + "> " * 100
            + "x\n"
        }
    )
    with pytest.raises(ContentError) as caught:
        build(load_newsroom(root), now, formats={"html"})
    assert "releases/deep.md: html: Markdown nested 100 levels deep (at most 24)" in str(caught.value)


# -- footnotes, aligned tables, typographic quotes --------------------------------


def test_a_footnote_links_to_its_note_and_back_and_reads_as_a_number_in_text():
    html = to_html("The budget doubled.[^1]\n\n[^1]: From EUR 4 million in 2017.")
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"' in html
    assert '<li id="fn:1">' in html and 'href="#fnref:1"' in html
    assert "[^1]" not in html
    text = to_text(html)
    assert "The budget doubled.[1]" in text
    assert "1. From EUR 4 million in 2017." in text
    assert "↩" not in text and "#fn" not in text


def test_only_footnote_links_stay_relative():
    html = to_html(
        '[a](/etc/passwd) [b](#top) [c](//evil.example/) <span id="main">x</span> <a href="#fn:1">d</a>'
    )
    assert 'href="/etc/passwd"' not in html and 'href="#top"' not in html and "evil.example" not in html
    assert 'id="main"' not in html
    assert 'href="#fn:1"' in html


def test_a_table_keeps_its_column_alignment():
    html = to_html("| Item | Budget |\n|:-----|-------:|\n| A | 12 |\n| B | 3 |")
    assert '<th align="right">Budget</th>' in html
    assert '<td align="right">12</td>' in html


@pytest.mark.parametrize(
    ("language", "quoted"),
    [
        ("en-GB", "“peace”"),
        ("de", "„peace“"),
        ("fr", "«\u00a0peace\u00a0»"),
        ("it", "«peace»"),
        ("pl", "„peace”"),
    ],
)
def test_quotes_are_typographic_as_the_language_writes_them(language, quoted):
    text = to_text(to_html('She said "peace" -- and it\'s done...', language=language))
    assert text == f"She said {quoted} – and it’s done…"


# -- the plain text's wrapping ----------------------------------------------------

# Words as a paragraph's text has them once collapsed: letters, hyphens, a long link, and the
# spaces textwrap does not split on (a no-break space, an ideographic one) inside a word or alone.
WORD = st.text(alphabet="ab-–é\u00a0\u3000\u2009\x1cẞ", min_size=1, max_size=14) | st.sampled_from(
    ["https://press.example.org/releases/2018-05-25-a-very-long-address/index.html", "\u00a0", "—"]
)


@given(
    words=st.lists(WORD, min_size=1, max_size=40),
    width=st.integers(min_value=1, max_value=80),
    first=st.sampled_from(["", "- ", "1. ", "> ", "> - ", "  "]),
    rest=st.sampled_from(["", "  ", "   ", "> ", ">   "]),
)
@example(words=["a", "\u00a0", "b"], width=3, first="", rest="")  # a word of spaces alone: textwrap's own way
@example(words=["abcdef", "ab"], width=4, first="- ", rest="  ")  # longer than the line: alone on it
def test_the_plain_text_is_wrapped_exactly_as_textwrap_wraps_it(words, width, first, rest):
    text = " ".join(words)
    expected = textwrap.fill(
        text,
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    assert fill(text, width, first, rest) == expected
