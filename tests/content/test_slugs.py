"""`pressroom new` names the file after the headline, every letter transliterated, none dropped."""

from __future__ import annotations

from datetime import date

import pytest

from pressroom.content.loader import load_newsroom
from pressroom.content.scaffold import new_release, slugify


@pytest.mark.parametrize(
    ("headline", "slug"),
    [
        ("Straße der Einheit", "strasse-der-einheit"),
        ("EU–UN dialogue", "eu-un-dialogue"),
        ("Étude sur l’eau", "etude-sur-l-eau"),
        ("Łódź hosts the EU", "lodz-hosts-the-eu"),
        ("Визит в Москву", "vizit-v-moskvu"),
        ("Ελλάδα και ΕΕ", "ellada-kai-ee"),
    ],
)
def test_letters_are_transliterated_not_dropped(headline, slug):
    assert slugify(headline) == slug


def test_a_long_headline_is_cut_at_a_word():
    slug = slugify("EU and UN deepen cooperation on counter-terrorism in the Sahel and the Lake Chad basin")
    assert slug == "eu-and-un-deepen-cooperation-on-counter-terrorism-in-the"
    assert len(slug) <= 60


def test_new_writes_a_transliterated_file_name_that_check_accepts(make_newsroom):
    root = make_newsroom()
    path = new_release(root, "Außenminister treffen sich in Łódź", date(2026, 12, 3), "Brussels")
    assert path.name == "2026-12-03-aussenminister-treffen-sich-in-lodz.md"
    assert [r.slug for r in load_newsroom(root).releases] == [
        "2026-12-03-aussenminister-treffen-sich-in-lodz"
    ]


def test_an_existing_release_keeps_its_file_name(make_newsroom):
    # A slug made before transliteration ("strae") stays the release's address.
    root = make_newsroom(
        {
            "releases/2018-05-25-strae.md": "---\ntitle: Straße\ndate: 2018-05-25\nlocation: Berlin\nstatus: approved\n---\nText.\n"
        }
    )
    assert [r.slug for r in load_newsroom(root).releases] == ["2018-05-25-strae"]
