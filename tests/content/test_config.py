"""pressroom.toml: defaults, required settings, and bad values named with their line."""

from __future__ import annotations

import pytest

from helpers import SETTINGS
from pressroom.content.config import load_settings
from pressroom.content.loader import load_newsroom
from pressroom.errors import ContentError
from pressroom.model import Settings

MINIMAL = """\
name = "Test Press Office"
url = "https://press.example.org"

[email]
from = "press@example.org"
"""


def problems(make_newsroom, settings):
    root = make_newsroom(settings=settings)
    with pytest.raises(ContentError) as exc:
        load_settings(root)
    return [str(p) for p in exc.value.problems]


def with_setting(line, text=MINIMAL):
    """MINIMAL with one more top-level line, as line 3."""
    return text.replace('url = "https://press.example.org"\n', f'url = "https://press.example.org"\n{line}\n')


def test_defaults(make_newsroom):
    settings = load_settings(make_newsroom(settings=MINIMAL))
    assert settings == Settings(
        name="Test Press Office",
        url="https://press.example.org/",  # always ends in "/", so links can be joined to it
        language="en",
        timezone="UTC",
        boilerplate="",
        location=None,
        logo=None,
        end_mark="###",
        dateline_style="eu",
        show_utc=True,
        email_from="press@example.org",
        custom_fields=(),
        allow_remote_resources=False,
    )


def test_every_setting_is_read(make_newsroom):
    text = """\
name = "Test Press Office"
url = "https://press.example.org/news/"
language = "fr-BE"
timezone = "Europe/Brussels"
boilerplate = "The office speaks for the institution."
location = "Bruxelles"
logo = "assets/logo.svg"
end_mark = "- FIN -"
dateline_style = "ap"
show_utc = false
custom_fields = ["campaign", "desk_2"]
allow_remote_resources = true

[email]
from = "Service de presse <presse@example.org>"
"""
    settings = load_settings(make_newsroom(settings=text))
    assert settings == Settings(
        name="Test Press Office",
        url="https://press.example.org/news/",
        language="fr-BE",
        timezone="Europe/Brussels",
        boilerplate="The office speaks for the institution.",
        location="Bruxelles",
        logo="assets/logo.svg",
        end_mark="- FIN -",
        dateline_style="ap",
        show_utc=False,
        email_from="Service de presse <presse@example.org>",
        custom_fields=("campaign", "desk_2"),
        allow_remote_resources=True,
    )
    assert str(settings.tz) == "Europe/Brussels"


def test_the_test_settings_load(make_newsroom):
    assert load_settings(make_newsroom()).timezone == "Europe/Brussels"


def test_a_bom_and_windows_line_ends_are_fine(make_newsroom):
    root = make_newsroom(settings=None)
    (root / "pressroom.toml").write_bytes(b"\xef\xbb\xbf" + MINIMAL.replace("\n", "\r\n").encode())
    assert load_settings(root).name == "Test Press Office"


def test_required_settings(make_newsroom):
    assert problems(make_newsroom, "") == [
        "pressroom.toml: email.from: field required: the sender of release emails, "
        "e.g. 'Press Office <press@example.org>'",
        "pressroom.toml: name: field required",
        "pressroom.toml: url: field required",
    ]


def test_an_empty_sender_is_one_problem(make_newsroom):
    assert problems(make_newsroom, MINIMAL.replace('from = "press@example.org"', 'from = ""')) == [
        "pressroom.toml:5: email.from: expected text, found ''",
    ]


def test_a_missing_file(make_newsroom):
    assert problems(make_newsroom, None) == [
        "pressroom.toml: not found: a newsroom needs a pressroom.toml (see README)"
    ]


ZONE = "expected a name such as 'Europe/Brussels'"
TAG = "expected a language tag such as 'en' or 'en-GB'"


@pytest.mark.parametrize(
    "line, message",
    [
        ('timezone = "Europe/Brusels"', f"timezone: unknown time zone 'Europe/Brusels'; {ZONE}"),
        ('timezone = "CEST"', f"timezone: unknown time zone 'CEST'; {ZONE}"),
        ('timezone = "../../etc/passwd"', f"timezone: unknown time zone '../../etc/passwd'; {ZONE}"),
        ('language = "English"', f"language: {TAG}, found 'English'"),
        ('language = "en_GB"', f"language: {TAG}, found 'en_GB'"),
        ("language = 1", "language: expected text, found 1"),
        ('dateline_style = "us"', "dateline_style: expected 'eu' or 'ap', found 'us'"),
        ('show_utc = "yes"', "show_utc: expected true or false, found 'yes'"),
        ('custom_fields = "campaign"', "custom_fields: expected a list of field names"),
        ('custom_fields = ["Campaign Name"]', "custom_fields: expected a list of field names"),
        ('custom_fields = ["title", "tags"]', "custom_fields: tags, title already a release field; pick another name"),
        ("boilerplate = 3", "boilerplate: expected text, found 3"),
        ("location = []", "location: expected text, found []"),
        ('end_mark = " "', "end_mark: expected text, found ' '"),
        # TOML escapes let control characters in; feeds, pages and emails could not hold them
        ('logo = "assets/lo\\u001bgo.svg"', "logo: contains the control character U+001B; keep it on one line"),
        ('location = "Bru\\u009bssels"', "location: contains the control character U+009B; keep it on one line"),
        ('end_mark = "##\\n#"', "end_mark: contains a line break; keep it on one line"),
        ('boilerplate = "We\\u0007 speak."', "boilerplate: contains the control character U+0007; remove it"),
        ('timezon = "UTC"', "timezon: unknown setting (did you mean 'timezone'?)"),
        ('title = "Press"', "title: unknown setting"),
    ],
)  # fmt: skip
def test_a_bad_value_is_named_with_its_line(make_newsroom, line, message):
    assert problems(make_newsroom, with_setting(line)) == [f"pressroom.toml:3: {message}"]


@pytest.mark.parametrize(
    "url",
    ["press.example.org", "ftp://press.example.org/", "https:///news", "//press.example.org/", " "],
)
def test_the_url_must_be_http(make_newsroom, url):
    text = MINIMAL.replace('url = "https://press.example.org"', f'url = "{url}"')
    (message,) = problems(make_newsroom, text)
    assert message.startswith("pressroom.toml:2: url: expected ")


@pytest.mark.parametrize(
    "logo",
    ["../logo.svg", "/etc/logo.svg", "logo.svg", "assets/../../secret.svg", "templates/assets/logo.svg"],
)
def test_the_logo_must_be_in_the_templates_assets(make_newsroom, logo):
    assert problems(make_newsroom, with_setting(f'logo = "{logo}"')) == [
        "pressroom.toml:3: logo: expected a file in templates/assets/, such as 'assets/logo.svg', "
        f"found {logo!r}"
    ]


@pytest.mark.parametrize(
    "sender",
    [
        "press office",
        "Press <press>",
        "@example.org",
        "Press <press@example.org>\\nBcc: all@example.org",
    ],
)
def test_the_sender_must_be_an_address(make_newsroom, sender):
    text = MINIMAL.replace('from = "press@example.org"', f'from = "{sender}"')
    shown = sender.replace("\\n", "\n")
    assert problems(make_newsroom, text) == [
        "pressroom.toml:5: email.from: expected an address such as 'Press <press@example.org>', "
        f"found {shown!r}"
    ]


def test_email_must_be_a_table(make_newsroom):
    text = MINIMAL.replace('[email]\nfrom = "press@example.org"', 'email = "press@example.org"')
    assert problems(make_newsroom, text) == [
        "pressroom.toml: email.from: field required: the sender of release emails, "
        "e.g. 'Press Office <press@example.org>'",
        "pressroom.toml:4: email: expected a table: [email]",
    ]


def test_unknown_settings_in_a_table_and_unknown_tables(make_newsroom):
    text = MINIMAL + 'form = "x@example.org"\n\n[emial]\nfrom = "y@example.org"\n'
    assert problems(make_newsroom, text) == [
        "pressroom.toml:6: email.form: unknown setting (did you mean 'from'?)",
        "pressroom.toml:8: emial: unknown setting (did you mean 'email'?)",
    ]


def test_every_bad_setting_is_reported_at_once(make_newsroom):
    text = SETTINGS.replace("Europe/Brussels", "Brussels").replace('"en-GB"', '"British"')
    assert problems(make_newsroom, text) == [
        "pressroom.toml:3: language: expected a language tag such as 'en' or 'en-GB', found 'British'",
        "pressroom.toml:4: timezone: unknown time zone 'Brussels'; expected a name such as 'Europe/Brussels'",
    ]


@pytest.mark.parametrize(
    "text, line",
    [
        (with_setting("language = en"), 3),
        (with_setting('name = "Twice"'), 3),
        (MINIMAL + "[email]\n", 6),
        ('name = "Unclosed\nurl = "https://x.org"\n', 1),
    ],
    ids=["bare-word", "duplicate-key", "duplicate-table", "unclosed-string"],
)
def test_a_toml_syntax_error_names_its_line(make_newsroom, text, line):
    (message,) = problems(make_newsroom, text)
    assert message.startswith(f"pressroom.toml:{line}: TOML syntax error: ")
    assert "(at line" not in message  # the line is said once, up front


def test_a_file_that_is_not_utf8(make_newsroom):
    root = make_newsroom(settings=None)
    (root / "pressroom.toml").write_bytes(with_setting('location = "Liège"').encode("latin-1"))
    with pytest.raises(ContentError) as exc:
        load_settings(root)
    assert str(exc.value) == "pressroom.toml:3: not UTF-8 text (byte 0xe8); save the file as UTF-8"


@pytest.mark.parametrize(
    "value", ["http://press.example.org/u", "https://press.example.org/a b", "javascript:alert(1)"]
)
def test_an_unsubscribe_address_that_is_not_https_or_mailto_is_refused(make_newsroom, value):
    text = SETTINGS + f'unsubscribe = "{value}"\n'
    with pytest.raises(ContentError) as caught:
        load_newsroom(make_newsroom(settings=text))
    (problem,) = caught.value.problems
    assert problem.field == "email.unsubscribe"
    assert problem.line == text.split("\n").index(f'unsubscribe = "{value}"') + 1
