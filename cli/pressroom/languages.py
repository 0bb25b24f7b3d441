"""Language tags, the locales and names they stand for, and the folding of text for matching.

The one home of the rules by which two tags are the same language, a reader
gets a language version, dates take the newsroom's region, and a language is
labelled in itself. A tag is BCP 47 as a release writes it ("fr", "pt-BR");
its first part is the language, compared without case. Babel is imported on
first use: `pressroom build` with nothing to do never loads it.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Collection, Sequence


def fold(text: str) -> str:
    """Text as names and searches compare it: case folded, accents and other combining marks dropped.

    Both a topic's address (layout.name_slug) and the search index's words
    (render/summary.search_terms) are made of it; templates/assets/search.js
    folds a query the same way in the browser.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if decomposed.isascii():  # no mark to drop
        return decomposed
    # A release's whole text goes through here: look at each distinct character once.
    marks = {ord(c): None for c in set(decomposed) if unicodedata.combining(c)}
    return decomposed.translate(marks) if marks else decomposed


def primary(tag: str) -> str:
    """The language of a tag, without region or script: 'fr' for 'fr-BE'."""
    return tag.split("-")[0].lower()


def same_tag(a: str, b: str) -> bool:
    """One tag written twice: tags are compared without case ('pt-BR', 'pt-br')."""
    return a.lower() == b.lower()


def same_primary(a: str, b: str) -> bool:
    """Whether two tags are in one language, whatever their regions: 'fr' and 'fr-BE'."""
    return primary(a) == primary(b)


def same_language(a: str, b: str) -> bool:
    """Whether a translation in `a` would be in its original's language `b`.

    'fr' and 'fr-BE' are two languages here, as are 'fr-FR' and 'fr-BE'; a tag
    without a region is the same as any of its regions: 'en' against 'en-GB'.
    """
    x, y = a.lower().split("-"), b.lower().split("-")
    return x == y or (x[0] == y[0] and (len(x) == 1 or len(y) == 1))


def sort_key(tag: str) -> str:
    """The order of language versions after their original: by tag, without case."""
    return tag.lower()


def version_for(reader: str | None, original: str, available: Collection[str]) -> str:
    """The version a reader of `reader` gets: "" for the original, else a translation's tag.

    The original wins when it is in the reader's language; then a translation
    with the exact tag ('fr-BE'), then one in the same language ('fr' or
    'fr-FR' for 'fr-BE'). No language, or none that matches: the original.
    """
    if not reader:
        return ""
    if same_primary(original, reader):
        return ""
    tags = sorted(t for t in available if t)
    exact = [t for t in tags if same_tag(t, reader)]
    near = [t for t in tags if same_primary(t, reader)]
    return (exact or near or [""])[0]


def locale_for(language: str, home: str) -> str:
    """The Babel locale for a language tag; the newsroom's region (`home`) applies to its own language.

    A newsroom set to en-GB writes "25 May 2018" in its English releases even
    when a release just says `language: en`.
    """
    from babel import Locale, UnknownLocaleError

    tag = language.replace("-", "_")
    if "_" not in tag and primary(home) == tag.lower():
        tag = home.replace("-", "_")
    try:
        return str(Locale.parse(tag))
    except (ValueError, UnknownLocaleError):
        try:
            return str(Locale.parse(tag.split("_")[0]))
        except (ValueError, UnknownLocaleError):
            return "en"


def og_locale(language: str, home: str) -> str:
    """Open Graph's language_TERRITORY: 'en_GB' for en in an en-GB newsroom, 'fr_FR' for fr, 'it_IT' for it.

    A tag without a region gets its language's most likely one (CLDR's likely
    subtags), since Open Graph readers expect both parts.
    """
    from babel import Locale
    from babel.core import get_global

    locale = Locale.parse(locale_for(language, home))
    territory = locale.territory
    if territory is None:
        likely = get_global("likely_subtags").get(locale.language, "")
        territory = next((part for part in likely.split("_")[1:] if part.isupper() and len(part) == 2), None)
    return f"{locale.language}_{territory}" if territory else locale.language


def is_known(tag: str) -> bool:
    """Whether Babel has a locale for the tag: its dates and its language's name come from there."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return False
    return True


@functools.cache
def language_name(tag: str) -> str:
    """A language's own name for itself: 'français' for fr, 'Deutsch' for de, 'français (Belgique)'."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return tag
    return str(locale.get_display_name(locale) or tag)


def version_labels(languages: Sequence[str]) -> list[str]:
    """Each language's own name: "English", unless two versions share a language, then
    "English (United Kingdom)"."""
    primaries = [primary(tag) for tag in languages]
    return [
        language_name(tag if primaries.count(p) > 1 else p)
        for tag, p in zip(languages, primaries, strict=True)
    ]
