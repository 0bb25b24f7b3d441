"""quickinline.py: the converter that skips the inline patterns a text cannot hold writes the very
HTML Python-Markdown's own passes write, on every sample release and on generated Markdown full of
the marks those patterns look for; and it knows every pattern of this Markdown, so an upgrade that
changes one is noticed here rather than quietly tried on every text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO
from pressroom.content.loader import load_newsroom
from pressroom.render import markup
from pressroom.render.quickinline import marks_of
from pressroom.render.typography import _DOUBLE

STYLES = sorted(_DOUBLE)


def _both(source: str, style: str = "en", lead: str | None = None) -> tuple[str, str]:
    out = []
    for quick in (True, False):
        md, lead_processor = markup._converter(style, quick=quick)
        md.reset()
        lead_processor.lead = lead
        try:
            out.append(md.convert(source))
        finally:
            lead_processor.lead = None
    return out[0], out[1]


@pytest.mark.parametrize("style", STYLES)
def test_every_inline_pattern_of_the_converter_is_known(style):
    md, _ = markup._converter(style)
    for name in ("inline", "smarty"):
        unknown = [p for p in md.treeprocessors[name].inlinePatterns if marks_of(p) is None]
        assert not unknown, f"{name}: patterns tried on every text: {unknown}"


def _patterns() -> dict[str, object]:
    found = {}
    for style in STYLES:
        md, _ = markup._converter(style)
        for name in ("inline", "smarty"):
            for p in md.treeprocessors[name].inlinePatterns:
                found.setdefault(p.compiled_re.pattern, p)
    return found


PATTERNS = _patterns()
# The characters the patterns look for, and some they look around.
ALPHABET = "'\"*_`\\[]()!<>&#;:/@.-–— \n\tas1\u00a0"


@pytest.mark.parametrize("source", sorted(PATTERNS))
@given(text=st.text(ALPHABET, max_size=30))
def test_a_pattern_never_matches_text_without_its_marks(source, text):
    pattern = PATTERNS[source]
    marks = marks_of(pattern)
    assert marks
    for mark in marks:
        text = text.replace(mark, "")
    for mark in marks:  # what one removal joined up
        text = text.replace(mark, "")
    if any(mark in text for mark in marks):
        return
    assert pattern.compiled_re.search(text) is None, f"{source!r} matches {text!r} without {marks}"


def test_the_sample_releases_convert_as_markdown_converts_them():
    newsroom = load_newsroom(REPO)
    texts = [(r.body, r.language) for r in (*newsroom.releases, *newsroom.translations)]
    texts += [(r.background, r.language) for r in newsroom.releases if r.background]
    assert len(texts) > 8
    for text, language in texts:
        quick, plain = _both(text, markup.quote_style(language), lead="BRUSSELS, 3 May –")
        assert quick == plain


# Markdown made mostly of the marks the inline patterns look for, and the words around them.
PIECES = st.sampled_from(
    [
        "word", "Union's", " ", "  \n", "\n", "\n\n", "'", '"', "''", '""', "'90s", "--", "---", "...",
        "....", "*", "**", "_", "__", "`", "``", "\\", "\\*", "[", "]", "(", ")", "[^1]", "[^1]: note\n",
        "[a](https://example.org)", "![p](p.jpg)", "[r][1]", "[1]: https://example.org\n",
        "<https://example.org>", "<press@example.org>", "<b>", "</b>", "<!-- c -->", "&amp;", "&#8212;",
        "&nbsp;", "- ", "1. ", "> ", "| a | b |\n|---|---|\n| 1 | 2 |\n", "–", "—", "«", "2026",
    ]
)  # fmt: skip


@given(st.lists(PIECES, max_size=40).map("".join), st.sampled_from(STYLES))
def test_generated_markdown_converts_as_markdown_converts_it(source, style):
    quick, plain = _both(source, style)
    assert quick == plain
