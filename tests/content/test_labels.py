"""`check` warns about a release in a language the house style has no labels for."""

from __future__ import annotations

import pytest

from helpers import release
from pressroom.content.loader import load_newsroom
from pressroom.errors import Severity

SLUG = "2018-05-25-partners"
ORIGINAL = release("Partners meet in Brussels", body="The partners met today.")
SWEDISH = """\
---
title: Partnerna möts i Bryssel
location: Bryssel
status: approved
---
Partnerna möttes i dag.
"""


def _newsroom(make_newsroom, **translations):
    files = {f"releases/{SLUG}.md": ORIGINAL}
    files |= {f"releases/{SLUG}.{lang}.md": text for lang, text in translations.items()}
    return load_newsroom(make_newsroom(files))


@pytest.mark.parametrize("language", ["es", "it", "pt", "nl", "pl", "fr", "de", "en-US"])
def test_check_is_quiet_for_a_language_with_labels(make_newsroom, language):
    newsroom = _newsroom(make_newsroom, **{language: SWEDISH})
    assert [p for p in newsroom.warnings if p.field == "language"] == []


def test_check_warns_when_a_release_language_has_no_labels(make_newsroom):
    newsroom = _newsroom(make_newsroom, sv=SWEDISH)
    (warning,) = [p for p in newsroom.warnings if p.field == "language"]
    assert warning.severity is Severity.WARNING
    assert str(warning) == (
        f"releases/{SLUG}.sv.md: warning: language: no labels in 'sv': its dates are in that language, but "
        '"FOR IMMEDIATE RELEASE" and the other labels will be in English; translate them in '
        "templates/locale/sv/LC_MESSAGES/messages.po (see CONTRIBUTING.md)"
    )


def test_a_newsroom_catalogue_silences_the_warning(make_newsroom):
    po = 'msgid ""\nmsgstr ""\n"Language: sv\\n"\n\nmsgid "Background"\nmsgstr "Bakgrund"\n'
    root = make_newsroom(
        {
            f"releases/{SLUG}.md": ORIGINAL,
            f"releases/{SLUG}.sv.md": SWEDISH,
            "templates/locale/sv/LC_MESSAGES/messages.po": po,
        }
    )
    assert [p for p in load_newsroom(root).warnings if p.field == "language"] == []
