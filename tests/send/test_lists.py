"""Distribution lists: CSV and YAML read alike, every problem reported at once with its file and line."""

from __future__ import annotations

import os

import pytest

from conftest import REPO
from pressroom.content.loader import load_newsroom
from pressroom.errors import ConfigError, ContentError
from pressroom.send.lists import Recipient, check_address, list_names, load_list

CSV = """\
name,email,outlet,language,tags
Ann Example,ann@example.org,Example Times,en,defence; eu
"Kocijan, Maja",maja@example.com,,fr-BE,
Bob Example,bob@example.org,Example Radio,,
"""

YAML = """\
# the same list as CSV above
- name: Ann Example
  email: ann@example.org
  outlet: Example Times
  language: en
  tags: [defence, eu]
- name: Kocijan, Maja
  email: maja@example.com
  language: fr-BE
- name: Bob Example
  email: bob@example.org
  outlet: Example Radio
"""

EXPECTED = (
    Recipient("Ann Example", "ann@example.org", 2, "Example Times", "en", ("defence", "eu")),
    Recipient("Kocijan, Maja", "maja@example.com", 3, None, "fr-BE"),
    Recipient("Bob Example", "bob@example.org", 4, "Example Radio"),
)


def problems(root, name="media"):
    with pytest.raises(ContentError) as caught:
        load_list(root, name)
    return [str(p) for p in caught.value.problems]


def test_csv_is_read_into_recipients(make_newsroom):
    root = make_newsroom({"contacts/lists/media.csv": CSV})
    media = load_list(root, "media")
    assert media.name == "media"
    assert media.path == "contacts/lists/media.csv"
    assert media.recipients == EXPECTED
    assert str(media.recipients[1].address) == '"Kocijan, Maja" <maja@example.com>'


def test_yaml_gives_the_same_recipients_as_csv(make_newsroom):
    root = make_newsroom({"contacts/lists/media.yaml": YAML})
    lines = (2, 7, 10)
    expected = tuple(
        Recipient(r.name, r.email, line, r.outlet, r.language, r.tags)
        for r, line in zip(EXPECTED, lines, strict=True)
    )
    assert load_list(root, "media").recipients == expected


def test_the_sample_newsrooms_list_is_valid():
    media = load_list(REPO, "media")
    assert 3 <= len(media.recipients) <= 5
    assert all(r.email.endswith(("@example.org", "@example.com")) for r in media.recipients)
    assert "media" in list_names(REPO)


def test_a_list_folder_does_not_disturb_the_loader(make_newsroom):
    root = make_newsroom(
        {
            "releases/a.md": "---\ntitle: A\ndate: 2018-05-25\nlocation: Brussels\n---\nBody.\n",
            "contacts/lists/media.csv": CSV,
        }
    )
    assert len(load_newsroom(root).releases) == 1


def test_every_problem_in_a_csv_list_is_reported_with_its_line(make_newsroom):
    root = make_newsroom(
        {
            "contacts/lists/media.csv": """\
            name,email,outlet,language,tags
            Ann Example,ann@example.org,Example Times,en,
            Ann Again,ANN@example.org,Other Times,en,
            ,nobody@example.org,,,
            Carl Example,carl@example,,en,
            Dora Example,,,,
            Emil Example,emil@example.org,,english,

            Fay Example,fay@example.org,"Two
            lines",en,
            Gus Example,gus@example.org
            Hal Example,hal@exämple.org,,,
            """
        }
    )
    assert problems(root) == [
        "contacts/lists/media.csv:3: email: 'ANN@example.org' is already on line 2",
        "contacts/lists/media.csv:4: name: field required",
        "contacts/lists/media.csv:5: email: 'carl@example' is not an email address",
        "contacts/lists/media.csv:6: email: field required",
        "contacts/lists/media.csv:7: language: expected a language tag such as 'en' or 'fr', found 'english'",
        "contacts/lists/media.csv:9: outlet: contains a line break; keep it on one line",
        "contacts/lists/media.csv:11: 2 values for 5 columns (name, email, outlet, language, tags)",
        "contacts/lists/media.csv:12: email: 'hal@exämple.org' is an international address, which cannot be sent to yet",
    ]


def test_unknown_repeated_and_missing_columns_are_reported_on_the_header_line(make_newsroom):
    root = make_newsroom(
        {"contacts/lists/media.csv": "Name,e-mail,outlet,outlet,beat\nAnn,ann@example.org,,,\n"}
    )
    assert problems(root) == [
        "contacts/lists/media.csv:1: beat: unknown column; the columns are name, email, outlet, language, tags",
        "contacts/lists/media.csv:1: e-mail: unknown column (did you mean 'email'?); the columns are name, email, outlet, language, tags",
        "contacts/lists/media.csv:1: email: column required",
        "contacts/lists/media.csv:1: outlet: column given twice",
    ]


def test_a_header_may_be_capitalised_and_padded(make_newsroom):
    root = make_newsroom({"contacts/lists/media.csv": " Name , EMAIL \nAnn Example,ann@example.org\n"})
    assert load_list(root, "media").recipients == (Recipient("Ann Example", "ann@example.org", 2),)


def test_csv_syntax_errors_name_the_line(make_newsroom):
    root = make_newsroom(
        {"contacts/lists/media.csv": 'name,email\nAnn,ann@example.org\n"Bob" Smith,bob@example.org\n'}
    )
    assert problems(root) == ["contacts/lists/media.csv:3: CSV syntax error: ',' expected after '\"'"]


def test_a_list_that_is_not_utf8_names_the_line(make_newsroom):
    root = make_newsroom(
        {
            "contacts/lists/media.csv": "name,email\nAnn,ann@example.org\nJos\xe9,jose@example.org\n".encode(
                "latin-1"
            )
        }
    )
    assert problems(root) == [
        "contacts/lists/media.csv:3: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    ]


def test_every_problem_in_a_yaml_list_is_reported_with_its_line(make_newsroom):
    root = make_newsroom(
        {
            "contacts/lists/media.yaml": """\
            - name: Ann Example
              email: ann@example.org
              outlett: Example Times
            - just a string
            - name: Bob Example
              email: ann@example.org
            - name: "Carl\\r\\nBcc: everyone@example.org"
              email: carl@example.org
            - name: Dora Example
              email: [dora@example.org]
            """
        }
    )
    assert problems(root) == [
        "contacts/lists/media.yaml:3: outlett: unknown field (did you mean 'outlet'?)",
        "contacts/lists/media.yaml:4: expected an entry with fields (name, email, outlet, language, tags)",
        "contacts/lists/media.yaml:6: email: 'ann@example.org' is already on line 1",
        "contacts/lists/media.yaml:7: name: contains a line break; keep it on one line",
        "contacts/lists/media.yaml:10: email: expected text, found a list",
    ]


ENCODED_WORD = (
    "contains an RFC 2047 encoded word (=?...?=), which a mail client would decode into other text; "
    "write the name as it should read, and pressroom encodes it"
)
CONTROL = "contains the control character U+{:04X}; keep the name on one line, without control characters"


def test_a_name_that_would_read_as_other_text_in_to_is_refused(make_newsroom):
    # The name is the display name of every To: header sent to that journalist.
    root = make_newsroom(
        {
            "contacts/lists/media.csv": (
                "name,email\n"
                "=?utf-8?q?Ann=0D=0ABcc:_x@attacker.example?=,ann@example.org\n"
                "Bob =?utf-8?b?RXhhbXBsZQ==?=,bob@example.org\n"
                "Carl\tExample,carl@example.org\n"
                "Dora\x1bExample,dora@example.org\n"
                "Emil Example (=?not one?),emil@example.org\n"
            ),
            "contacts/lists/desk.yaml": (
                "- name: Ann Example\n"
                "  email: ann@example.org\n"
                "- email: bob@example.org\n"
                "  name: '=?iso-8859-1?q?=0ABcc:_x@attacker.example?='\n"
            ),
        }
    )
    assert problems(root) == [
        f"contacts/lists/media.csv:2: name: {ENCODED_WORD}",
        f"contacts/lists/media.csv:3: name: {ENCODED_WORD}",
        f"contacts/lists/media.csv:4: name: {CONTROL.format(9)}",
        "contacts/lists/media.csv:5: name: contains the control character U+001B; keep it on one line",
    ]
    assert problems(root, "desk") == [f"contacts/lists/desk.yaml:4: name: {ENCODED_WORD}"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: Ann\nemail: ann@example.org\n",
            "contacts/lists/media.yaml:1: a list file is a list of entries, each starting with '- name:'",
        ),
        (
            "- name: Ann\n  email: [\n",
            "contacts/lists/media.yaml:3: YAML syntax error: did not find expected node content",
        ),
        ("", "contacts/lists/media.yaml: the list has no recipients"),
    ],
)
def test_a_yaml_list_must_be_a_list_of_entries(make_newsroom, text, expected):
    root = make_newsroom({"contacts/lists/media.yaml": text})
    assert problems(root) == [expected]


def test_a_csv_list_without_rows_is_empty(make_newsroom):
    root = make_newsroom({"contacts/lists/media.csv": "name,email\n\n"})
    assert problems(root) == ["contacts/lists/media.csv: the list has no recipients"]
    root = make_newsroom({"contacts/lists/media.csv": "\n"})
    assert problems(root) == [
        "contacts/lists/media.csv:1: the first line must name the columns: name, email, outlet, language, tags"
    ]


def test_a_missing_list_names_the_lists_there(make_newsroom):
    root = make_newsroom({"contacts/lists/media.csv": CSV, "contacts/lists/eu-desk.yaml": YAML})
    with pytest.raises(ConfigError) as caught:
        load_list(root, "medai")
    assert str(caught.value) == (
        "no list 'medai' (contacts/lists/medai.csv or .yaml) (did you mean 'media'?); lists there: eu-desk, media"
    )
    with pytest.raises(ConfigError, match=r"^no list 'media' .*; contacts/lists/ has none$"):
        load_list(make_newsroom(), "media")


def test_a_list_name_cannot_lead_out_of_the_folder(make_newsroom):
    root = make_newsroom({"contacts/lists/media.csv": CSV})
    for name in ("../media", "Media", "media.csv", "", "media\n"):  # `$` let "media\n" through
        with pytest.raises(ConfigError, match="is not a list name"):
            load_list(root, name)


def test_one_list_in_two_formats_is_refused(make_newsroom):
    root = make_newsroom({"contacts/lists/media.csv": CSV, "contacts/lists/media.yaml": YAML})
    with pytest.raises(
        ConfigError, match=r"^both contacts/lists/media.csv and media.yaml exist: keep one of them$"
    ):
        load_list(root, "media")


def test_a_list_linked_from_outside_the_newsroom_is_refused(make_newsroom, tmp_path):
    root = make_newsroom()
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(CSV)
    (root / "contacts" / "lists").mkdir()
    os.symlink(outside, root / "contacts" / "lists" / "media.csv")
    assert problems(root) == [
        "contacts/lists/media.csv: is a link to a file outside the newsroom; copy the file in instead"
    ]


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("ann@example.org", None),
        ("  ann@example.org ", None),
        ("ann@@example.org", "'ann@@example.org' is not an email address"),
        ("Ann <ann@example.org>", "'Ann <ann@example.org>' is not an email address"),
        ("ann@example.org, bob@example.org", "'ann@example.org, bob@example.org' is not an email address"),
        ("ann@example.org\nBcc: x@example.org", "contains a line break; keep it on one line"),
        ("ann@exämple.org", "'ann@exämple.org' is an international address, which cannot be sent to yet"),
    ],
)
def test_check_address(address, problem):
    assert check_address(address) == problem
