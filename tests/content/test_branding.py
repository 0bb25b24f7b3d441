"""The house-style tables of pressroom.toml, [issuers.*], [languages.*] and [theme]: a bad value is
refused with its line, as any setting is."""

from __future__ import annotations

import pytest

from helpers import SETTINGS
from pressroom.content.loader import load_newsroom
from pressroom.errors import ContentError


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'logo = "assets/issuers/missing.svg"',
            "issuers.x.logo: no file templates/assets/issuers/missing.svg in the newsroom or the house style",
        ),
        (
            'logo = "assets/issuers/x.gif"',
            "issuers.x.logo: expected an SVG, PNG or JPEG in templates/assets/, found 'assets/issuers/x.gif'",
        ),
        (
            'logo = "../secret.svg"',
            "issuers.x.logo: expected an SVG, PNG or JPEG in templates/assets/, found '../secret.svg'",
        ),
        ('short_name = "X"\nlogos = "a"', "issuers.x.logos: unknown setting (did you mean 'logo'?)"),
    ],
)
def test_a_bad_issuer_is_refused_with_its_line(make_newsroom, table, message):
    text = SETTINGS + f'\n[issuers.x]\nname = "X"\n{table}\n'
    root = make_newsroom(settings=text)
    with pytest.raises(ContentError) as caught:
        load_newsroom(root)
    line = text.split("\n").index(table.split("\n")[-1]) + 1
    assert [str(p) for p in caught.value.problems] == [f"pressroom.toml:{line}: {message}"]


def test_an_issuer_needs_a_name(make_newsroom):
    text = SETTINGS + '\n[issuers.x]\nshort_name = "X"\n'
    with pytest.raises(ContentError) as caught:
        load_newsroom(make_newsroom(settings=text))
    assert [str(p) for p in caught.value.problems] == [
        f"pressroom.toml:{text.split(chr(10)).index('[issuers.x]') + 1}: issuers.x.name: field required"
    ]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[languages.fr]\nnam = "X"', "languages.fr.nam: unknown setting (did you mean 'name'?)"),
        ("[languages.fr]\nend_mark = 3", "languages.fr.end_mark: expected text, found 3"),
    ],
)
def test_a_bad_language_table_is_refused_with_its_line(make_newsroom, table, message):
    text = SETTINGS + "\n" + table + "\n"
    with pytest.raises(ContentError) as caught:
        load_newsroom(make_newsroom(settings=text))
    line = text.split("\n").index(table.split("\n")[-1]) + 1
    assert [str(p) for p in caught.value.problems] == [f"pressroom.toml:{line}: {message}"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            'accent = "red; } body { display: none"',
            "theme.accent: expected a hex colour such as '#0b4f8a', found 'red; } body { display: none'",
        ),
        (
            'font = "Lato; } *{"',
            "theme.font: expected a list of font names such as '\"Source Sans 3\", Arial, sans-serif', found 'Lato; } *{'",
        ),
        ('acent = "#fff"', "theme.acent: unknown setting (did you mean 'accent'?)"),
    ],
)
def test_a_bad_theme_value_is_refused_with_its_line(make_newsroom, line, message):
    root = make_newsroom(settings=SETTINGS + f"\n[theme]\n{line}\n")
    with pytest.raises(ContentError) as caught:
        load_newsroom(root)
    line_number = (SETTINGS + f"\n[theme]\n{line}\n").split("\n").index(line) + 1
    assert [str(p) for p in caught.value.problems] == [f"pressroom.toml:{line_number}: {message}"]


def test_a_control_character_in_a_language_table_is_refused(make_newsroom):
    text = SETTINGS + '\n[languages.fr]\nname = "Bureau\\u001b[2J"\n'
    with pytest.raises(ContentError) as caught:
        load_newsroom(make_newsroom(settings=text))
    assert [str(p) for p in caught.value.problems] == [
        f"pressroom.toml:{len(text.split(chr(10))) - 1}: languages.fr.name: contains the control character "
        "U+001B; keep it on one line"
    ]
