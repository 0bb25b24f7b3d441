"""Typographic quotes by language, for the Markdown converter's smartypants pass.

A German release opens a quotation with „ and a French one with « and a
no-break space: straight double quotes typed on a keyboard become the ones a
reader of that language expects. Single quotes are ‘ ’ everywhere, because
the smartypants pass cannot tell a closing single quote from an apostrophe,
which is ’ in every language here. Languages not listed get English quotes.
"""

from __future__ import annotations

# (opening, closing) double quotes, as HTML entities.
_DOUBLE: dict[str, tuple[str, str]] = {
    "en": ("&ldquo;", "&rdquo;"),
    "nl": ("&ldquo;", "&rdquo;"),
    "de": ("&bdquo;", "&ldquo;"),
    "pl": ("&bdquo;", "&rdquo;"),
    "fr": ("&laquo;&nbsp;", "&nbsp;&raquo;"),
    "es": ("&laquo;", "&raquo;"),
    "it": ("&laquo;", "&raquo;"),
    "pt": ("&laquo;", "&raquo;"),
}


def quote_style(language: str) -> str:
    """The key of the quotes for a BCP 47 tag: its primary language, or 'en'."""
    primary = language.split("-")[0].lower()
    return primary if primary in _DOUBLE else "en"


def smarty_substitutions(style: str) -> dict[str, str]:
    """Python-Markdown's smarty `substitutions` for a quote style from `quote_style`."""
    opening, closing = _DOUBLE[style]
    return {"left-double-quote": opening, "right-double-quote": closing}
