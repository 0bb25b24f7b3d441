"""Loading: every field rule, and each broken release in tests/invalid/ against its exact messages."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from conftest import REPO
from helpers import NOW, RELEASE, SETTINGS
from pressroom.cli import main
from pressroom.content.loader import SLUG, load_newsroom
from pressroom.errors import ContentError, Severity
from pressroom.model import Attendee, Contact, Link, Status

INVALID = REPO / "tests" / "invalid"
# A case is one broken release, invalid/<case>.md, or a folder of files laid into the
# newsroom as they are (invalid/<case>/releases/...), for errors between two files,
# such as a translation and its original.
CASES = sorted([*INVALID.glob("*.md"), *(p for p in INVALID.iterdir() if p.is_dir())])
GERARD = """\
name: Ms. Gerard
organization: United Nations Office of Counter-Terrorism
city: New York
email: gerardl@un.org
"""
BRUSSELS = ZoneInfo("Europe/Brussels")


def release(extra="", *, body="Brussels, 25 May 2018 – The body."):
    """A valid release with `extra` front matter lines (not indented) after the required fields."""
    return f"---\ntitle: A headline\ndate: 2018-05-25\nlocation: Brussels\n{extra}---\n{body}\n"


def problems(root):
    """Every message, as `pressroom check` prints them, of a newsroom that must not load."""
    with pytest.raises(ContentError) as exc:
        load_newsroom(root)
    return [str(p) for p in exc.value.problems]


# -- tests/invalid/: one broken release per error, beside its exact messages --


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.stem)
def test_invalid_release(case, make_newsroom):
    assert SLUG.match(case.stem), f"rename {case.name}: case names are slugs, or the slug check fires instead"
    expected_file = case.with_name(f"{case.stem}.expected.txt")
    # A case without its messages fails rather than skips: an unchecked case proves nothing.
    assert expected_file.is_file(), f"write {expected_file.name}: the exact messages for {case.name}"
    if case.is_dir():
        files = {p.relative_to(case).as_posix(): p.read_bytes() for p in case.rglob("*") if p.is_file()}
    else:
        files = {f"releases/{case.name}": case.read_bytes()}
    root = make_newsroom(files | {"contacts/gerard.yaml": GERARD})
    assert problems(root) == expected_file.read_text(encoding="utf-8").splitlines()


def test_every_expected_file_has_its_case():
    assert len(CASES) >= 40
    orphans = [
        p.name
        for p in INVALID.glob("*.expected.txt")
        if not p.with_suffix("").with_suffix(".md").exists()
        and not p.with_suffix("").with_suffix("").is_dir()
    ]
    assert orphans == []


def test_encoding_cases_hold_their_real_bytes():
    """An editor or a git setting that 'fixes' these files would make their cases test nothing."""
    assert (INVALID / "bom-later-error.md").read_bytes().startswith(b"\xef\xbb\xbf---\n")
    crlf = (INVALID / "crlf-later-error.md").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n") > 5
    with pytest.raises(UnicodeDecodeError):
        (INVALID / "not-utf8.md").read_bytes().decode("utf-8")
    assert "\u2028" in (INVALID / "title-line-separator.md").read_text(encoding="utf-8")
    assert b"\x07" in (INVALID / "control-character.md").read_bytes()


# -- a valid release, field by field -----------------------------------------------

FULL = """\
---
title: The European Union and the United Nations to strengthen partnership on counter-terrorism
subtitle: First high-level EU-UN Leadership Dialogue on Counter-Terrorism
date: 2018-05-25
location: Brussels
issuers:
  - European External Action Service
  - United Nations Office of Counter-Terrorism
reference: UNOCT/PR/2018/05
language: en
status: approved
embargo: 2018-05-25T12:00:00+02:00
tags: [counter-terrorism, multilateralism]
attendees:
  - name: Federica Mogherini
    role: High Representative for Foreign Affairs and Security Policy
    organization: European Union
  - name: Vladimir Voronkov
background: |
  The United Nations Office of Counter-Terrorism was established in June 2017.

  It works with **38 entities**.
links:
  - title: UN counter-terrorism
    url: https://www.un.org/counterterrorism
  - url: mailto:press@un.org
contacts:
  - gerard                      # id of contacts/gerard.yaml
  - name: Maja Kocijancic       # or a contact written inline
    role: Spokesperson
    email: maja.kocijancic@ec.europa.eu
---
Brussels, 25 May 2018 - the body starts here, in Markdown ...

Second paragraph.
"""


def test_the_contract_example_loads_field_by_field(make_newsroom):
    root = make_newsroom({"releases/eu-un.md": FULL, "contacts/gerard.yaml": GERARD})
    newsroom = load_newsroom(root)
    r = newsroom.release("eu-un")
    assert r.path == "releases/eu-un.md"
    assert (
        r.title == "The European Union and the United Nations to strengthen partnership on counter-terrorism"
    )
    assert r.subtitle == "First high-level EU-UN Leadership Dialogue on Counter-Terrorism"
    assert r.date == date(2018, 5, 25)
    assert r.location == "Brussels"
    assert r.issuers == ("European External Action Service", "United Nations Office of Counter-Terrorism")
    assert r.reference == "UNOCT/PR/2018/05"
    assert r.language == "en"
    assert r.status is Status.APPROVED
    assert r.embargo == datetime(2018, 5, 25, 10, 0, tzinfo=UTC)
    assert r.tags == ("counter-terrorism", "multilateralism")
    assert r.attendees == (
        Attendee(
            "Federica Mogherini",
            role="High Representative for Foreign Affairs and Security Policy",
            organization="European Union",
        ),
        Attendee("Vladimir Voronkov"),
    )
    assert r.background == (
        "The United Nations Office of Counter-Terrorism was established in June 2017.\n\n"
        "It works with **38 entities**."
    )
    assert r.links == (
        Link("UN counter-terrorism", "https://www.un.org/counterterrorism"),
        Link("mailto:press@un.org", "mailto:press@un.org"),  # no title: the address stands in
    )
    assert r.contacts == (
        Contact(
            "Ms. Gerard",
            id="gerard",
            organization="United Nations Office of Counter-Terrorism",
            city="New York",
            email="gerardl@un.org",
        ),
        Contact("Maja Kocijancic", role="Spokesperson", email="maja.kocijancic@ec.europa.eu"),
    )
    assert r.body == "Brussels, 25 May 2018 - the body starts here, in Markdown ...\n\nSecond paragraph."
    assert newsroom.warnings == ()


def test_defaults_come_from_the_newsroom(make_newsroom):
    root = make_newsroom({"releases/minimal.md": release()})
    r = load_newsroom(root).release("minimal")
    assert r.status is Status.DRAFT
    assert r.is_draft
    assert r.issuers == ("Test Press Office",)
    assert r.language == "en-GB"
    assert (r.subtitle, r.reference, r.embargo, r.background) == (None, None, None, None)
    assert (r.tags, r.attendees, r.links, r.contacts, r.custom) == ((), (), (), (), ())


def test_empty_optional_fields_count_as_absent(make_newsroom):
    root = make_newsroom({"releases/a.md": release("subtitle:\nreference: ~\nstatus: null\nlanguage: ''\n")})
    r = load_newsroom(root).release("a")
    assert (r.subtitle, r.reference, r.status, r.language) == (None, None, Status.DRAFT, "en-GB")


def test_yaml_1_1_lookalikes_stay_text(make_newsroom):
    """Norway, a clock time and a file number must not become false, 630 and 1000."""
    extra = "subtitle: 10:30\nreference: 1e3\nlocation: NO\ntags: [yes, no, on, off, 0x1F, 012, .inf, ~x]\n"
    text = release(extra).replace("location: Brussels\n", "")
    r = load_newsroom(make_newsroom({"releases/a.md": text})).release("a")
    assert r.subtitle == "10:30"
    assert r.reference == "1e3"
    assert r.location == "NO"
    assert r.tags == ("yes", "no", "on", "off", "0x1F", "012", ".inf", "~x")


def test_quoted_text_may_hold_yaml_punctuation(make_newsroom):
    extra = "subtitle: 'Guterres: \"We act together\" # not a comment'\n"
    r = load_newsroom(make_newsroom({"releases/a.md": release(extra)})).release("a")
    assert r.subtitle == 'Guterres: "We act together" # not a comment'


def test_a_lone_rule_in_the_body_is_markdown(make_newsroom):
    body = "First part.\n\n---\n\nSecond part.\n\n---\n\nNotes to editors: none.\n"
    r = load_newsroom(make_newsroom({"releases/a.md": release(body=body)})).release("a")
    assert r.body == body.strip("\n")


def test_digits_from_other_scripts_are_not_a_date(make_newsroom):
    text = release().replace("2018-05-25", "٢٠١٨-٠٥-٢٥")
    assert problems(make_newsroom({"releases/a.md": text})) == [
        "releases/a.md:3: date: expected a date as YYYY-MM-DD, found '٢٠١٨-٠٥-٢٥'"
    ]


@pytest.mark.parametrize(
    "name, message",
    [
        ("Eu-Un.md", "'Eu-Un' is not a valid slug: use lowercase letters, digits and '-', e.g. 'eu-un.md'"),
        (
            "eu un 2018.md",
            "'eu un 2018' is not a valid slug: use lowercase letters, digits and '-', e.g. 'eu-un-2018.md'",
        ),
        ("-eu.md", "'-eu' is not a valid slug: use lowercase letters, digits and '-', e.g. 'eu.md'"),
    ],
)
def test_file_name_must_be_a_slug(make_newsroom, name, message):
    assert problems(make_newsroom({f"releases/{name}": release()})) == [f"releases/{name}: {message}"]


@pytest.mark.parametrize(
    "rel, message",
    [
        # `$` matched before a final newline: "abc\n" passed as a slug and published releases/abc\n/
        (
            "releases/abc\n.md",
            "'abc\\n' is not a valid slug: use lowercase letters, digits and '-', e.g. 'abc.md'",
        ),
        (
            "releases/a.fr\n.md",
            "'fr\\n' is not a language tag: a translation is named <slug>.<lang>.md with a tag such as "
            "'fr' or 'pt-BR', e.g. 'a.fr.md'",
        ),
        (
            "contacts/ann\n.yaml",
            "'ann\\n' is not a valid contact id: use lowercase letters, digits, '-' and '_'",
        ),
    ],
)
def test_a_name_ending_in_a_newline_is_refused(make_newsroom, rel, message):
    text = "name: Ann\nemail: ann@example.org\n" if rel.startswith("contacts/") else release()
    root = make_newsroom({"releases/a.md": release(), rel: text})
    shown = rel.replace("\n", "\\n")
    assert problems(root) == [f"{shown}: {message}"]


def test_a_slug_with_a_trailing_newline_is_never_published(runner, make_newsroom):
    root = make_newsroom({"releases/abc\n.md": RELEASE})
    check = runner.invoke(main, ["check", "--root", str(root)])
    assert check.exit_code == 1
    assert check.stderr.startswith("releases/abc\\n.md: 'abc\\n' is not a valid slug")
    build = runner.invoke(main, ["build", "--root", str(root), "--now", NOW.isoformat()])
    assert build.exit_code == 1
    assert not (root / "build").exists()
    assert (
        runner.invoke(
            main, ["new", "--translate", "abc\n", "--language", "fr", "--root", str(root)]
        ).exit_code
        == 2
    )


# -- encodings: a BOM or Windows line ends load fine and keep line numbers ----------

ENCODED = release(
    "subtitle: Joint statement\nbackground: |\n  First line.\n  Second line.\n",
    body="Body, first line.\nBody, second line.",
)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xef\xbb\xbf" + ENCODED.encode(), id="bom"),
        pytest.param(ENCODED.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(b"\xef\xbb\xbf" + ENCODED.replace("\n", "\r\n").encode(), id="bom-crlf"),
        pytest.param(ENCODED.replace("\n", "\r").encode(), id="old-mac-cr"),
    ],
)
def test_bom_and_line_ends_load_to_the_same_values(make_newsroom, data):
    r = load_newsroom(make_newsroom({"releases/a.md": data})).release("a")
    assert r.title == "A headline"  # no U+FEFF glued to the first field or its value
    assert r.subtitle == "Joint statement"
    assert r.background == "First line.\nSecond line."
    assert r.body == "Body, first line.\nBody, second line."


LATER_ERRORS = [
    pytest.param(
        release("background: |\n  One.\n  Two.\nstatus: NO\n"),
        "releases/a.md:8: status: expected 'draft' or 'approved', found 'NO'",
        id="field",
    ),
    pytest.param(
        release("background: |\n  One.\n  Two.\n", body="Body.\n\n---\nstatus: approved\n---"),
        "releases/a.md:11: a second '---' block in the body: "
        "only the block at the top of the file is front matter; move these fields there",
        id="body",
    ),
]


@pytest.mark.parametrize("text, message", LATER_ERRORS)
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_line_numbers_survive_bom_and_crlf(make_newsroom, text, message, bom, newline):
    root = make_newsroom({"releases/a.md": bom + text.encode().replace(b"\n", newline)})
    assert problems(root) == [message]


# -- the whole newsroom at once ------------------------------------------------------


def test_every_broken_file_is_reported_in_one_run(make_newsroom):
    root = make_newsroom(
        {
            "releases/first.md": release("status: NO\n"),
            "releases/second.md": release("contacts:\n  - nobody\n").replace("title: A headline\n", ""),
            "releases/fine.md": release(),
            "contacts/broken.yaml": "name: Nobody in particular\nemial: x@example.org\n",
        },
        settings=SETTINGS.replace('timezone = "Europe/Brussels"', 'timezone = "Europe/Brusels"'),
    )
    assert problems(root) == [
        "contacts/broken.yaml:1: email: a contact needs an email or a phone number",
        "contacts/broken.yaml:2: emial: unknown field (did you mean 'email'?)",
        "pressroom.toml:4: timezone: unknown time zone 'Europe/Brusels'; "
        "expected a name such as 'Europe/Brussels'",
        "releases/first.md:5: status: expected 'draft' or 'approved', found 'NO'",
        "releases/second.md:2: title: field required",
        "releases/second.md:5: contacts[0]: unknown contact 'nobody' (no contacts/nobody.yaml)",
    ]


def test_warnings_ride_on_the_newsroom(make_newsroom):
    root = make_newsroom(
        {
            "releases/a.md": release("embargo: 2018-05-26T00:30:00+02:00\n"),
            "contacts/gerard.yaml": GERARD,
        }
    )
    newsroom = load_newsroom(root)
    assert [str(w) for w in newsroom.warnings] == [
        "contacts/gerard.yaml: warning: no release names this contact",
        "releases/a.md:5: warning: embargo: ends on 2018-05-26, not on the release date 2018-05-25",
    ]
    assert {w.severity for w in newsroom.warnings} == {Severity.WARNING}
    assert newsroom.release("a").embargo == datetime(2018, 5, 25, 22, 30, tzinfo=UTC)


def test_an_embargo_on_the_release_day_in_another_zone_is_no_warning(make_newsroom):
    # 23:30 in New York on the 24th is already the 25th in Brussels, the newsroom's zone.
    root = make_newsroom({"releases/a.md": release("embargo: 2018-05-24T23:30:00-04:00\n")})
    assert load_newsroom(root).warnings == ()


# -- contacts/<id>.yaml ----------------------------------------------------------------


ID_RULE = "is not a valid contact id: use lowercase letters, digits, '-' and '_'"


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("x.yaml", "email: x@example.org\n", ":1: name: field required"),
        ("x.yaml", "name: X\nrole: Spokesperson\n", ":1: email: a contact needs an email or a phone number"),
        ("x.yaml", "name: X\nemail:\nphone: ''\n", ":1: email: a contact needs an email or a phone number"),
        (
            "x.yaml",
            "name: X\nemail: x at example.org\n",
            ":2: email: 'x at example.org' is not an email address",
        ),
        (
            "x.yaml",
            "name: X\nphone: ask at the desk\n",
            ":2: phone: 'ask at the desk' is not a phone number (digits, spaces, + - ( ) . /)",
        ),
        (
            "x.yaml",
            "name: X\nemail: x@example.org\norganisation: EEAS\n",
            ":3: organisation: unknown field (did you mean 'organization'?)",
        ),
        ("x.yaml", "name: [X, Y]\nemail: x@example.org\n", ":1: name: expected text, found a list"),
        ("x.yaml", "", ":1: a contact must be 'field: value' lines"),
        ("x.yaml", "- name: X\n", ":1: a contact must be 'field: value' lines"),
        ("x.yaml", "name: X\nname: Y\n", ":2: name: duplicate field (first given on line 1)"),
        ("Gerard.yaml", GERARD, f": 'Gerard' {ID_RULE}"),
        ("ms gerard.yaml", GERARD, f": 'ms gerard' {ID_RULE}"),
        ("gerard.yml", GERARD, ": contact files end in .yaml; rename it"),
    ],
)
def test_contact_file_rules(make_newsroom, name, text, expected):
    root = make_newsroom({"releases/a.md": release(), f"contacts/{name}": text})
    assert problems(root) == [f"contacts/{name}{expected}"]


def test_a_release_names_contacts_by_id_in_written_order(make_newsroom):
    root = make_newsroom(
        {
            "releases/a.md": release("contacts:\n  - maja_k\n  - gerard\n"),
            "contacts/gerard.yaml": GERARD,
            "contacts/maja_k.yaml": "name: Maja Kocijancic\nphone: +32 2 295 86 35\n",
        }
    )
    newsroom = load_newsroom(root)
    assert [(c.id, c.name) for c in newsroom.release("a").contacts] == [
        ("maja_k", "Maja Kocijancic"),
        ("gerard", "Ms. Gerard"),
    ]
    assert newsroom.contacts["maja_k"].phone == "+32 2 295 86 35"
    assert newsroom.warnings == ()


# -- files that lead out of the newsroom --------------------------------------------------


def test_a_release_linked_from_outside_the_newsroom_is_refused(make_newsroom, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text(release(), encoding="utf-8")
    root = make_newsroom({"releases/fine.md": release()})
    (root / "releases" / "leak.md").symlink_to(outside)
    (root / "contacts" / "leak.yaml").symlink_to(outside)
    assert problems(root) == [
        "contacts/leak.yaml: is a link to a file outside the newsroom; copy the file in instead",
        "releases/leak.md: is a link to a file outside the newsroom; copy the file in instead",
    ]


def test_a_link_inside_the_newsroom_is_fine(make_newsroom):
    root = make_newsroom({"drafts/a.md": release()})
    (root / "releases" / "a.md").symlink_to(root / "drafts" / "a.md")
    assert load_newsroom(root).release("a").title == "A headline"


def test_a_dangling_link_is_a_problem_not_a_crash(make_newsroom):
    root = make_newsroom()
    (root / "releases" / "gone.md").symlink_to(root / "drafts" / "gone.md")
    assert problems(root) == ["releases/gone.md: cannot be read: no such file or directory"]


# -- only regular files are read --------------------------------------------------------

PIPE = "not a regular file but a named pipe (FIFO); pressroom reads only plain files"


def within(seconds, pipes, call):
    """call()'s result, or a failure if it is still running after `seconds`.

    A reader stuck in open() on a named pipe is let through by opening the
    other end, so a regression fails here instead of hanging the suite.
    """
    outcome = {}

    def run():
        try:
            outcome["result"] = call()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    took = time.monotonic() - started
    deadline = time.monotonic() + 10
    while thread.is_alive() and time.monotonic() < deadline:
        for pipe in pipes:
            with contextlib.suppress(OSError):  # ENXIO: nobody is waiting on this one
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(0.05)
    assert took < seconds, f"still reading a named pipe after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@pytest.mark.parametrize(
    "rel",
    ["releases/x.md", "contacts/x.yaml", "contacts/lists/press.csv", "pressroom.toml", "templates/base.html"],
)
def test_check_refuses_a_named_pipe_within_a_second(make_newsroom, rel):
    root = make_newsroom({"releases/a.md": RELEASE})
    pipe = root / rel
    pipe.parent.mkdir(parents=True, exist_ok=True)
    pipe.unlink(missing_ok=True)
    os.mkfifo(pipe)
    result = within(1.0, [pipe], lambda: CliRunner().invoke(main, ["check", "--root", str(root)]))
    assert result.exit_code == 1
    assert f"{rel}: {PIPE}\n" in result.stderr


def test_build_and_the_preview_loader_refuse_named_pipes_within_a_second(make_newsroom):
    from pressroom.engine.build import load

    root = make_newsroom({"releases/a.md": RELEASE})
    pipes = [root / "releases/x.md", root / "contacts/x.yaml", root / "templates/partials/endmark.html"]
    pipes[-1].parent.mkdir(parents=True)
    for pipe in pipes:
        os.mkfifo(pipe)
    expected = [
        f"contacts/x.yaml: {PIPE}",
        f"releases/x.md: {PIPE}",
        f"templates/partials/endmark.html: {PIPE}",
    ]
    args = ["build", "--root", str(root), "--now", NOW.isoformat()]
    result = within(1.0, pipes, lambda: CliRunner().invoke(main, args))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:-1] == expected
    assert not (root / "build").exists()

    def preview_load():  # what `pressroom serve` loads with, after every save
        with pytest.raises(ContentError) as caught:
            load(root)
        return [str(p) for p in caught.value.problems]

    assert within(1.0, pipes, preview_load) == expected


def test_a_folder_named_like_a_release_is_skipped_but_pressroom_toml_must_be_a_file(make_newsroom):
    root = make_newsroom({"releases/a.md": release()}, settings=None)
    (root / "releases" / "b.md").mkdir()
    (root / "pressroom.toml").mkdir()
    assert problems(root) == [
        "pressroom.toml: not a regular file but a folder; pressroom reads only plain files"
    ]


# -- control characters --------------------------------------------------------------


def test_control_characters_in_the_body_are_dropped_with_a_warning_naming_the_line(make_newsroom):
    body = "First \x1bline.\n\nSecond\x0b line, and a\x7f DEL\x9b.\n"
    root = make_newsroom({"releases/a.md": release(body=body)})
    newsroom = load_newsroom(root)
    assert newsroom.release("a").body == "First line.\n\nSecond line, and a DEL."
    assert [str(w) for w in newsroom.warnings] == [
        "releases/a.md:6: warning: body: dropped 4 invisible control characters (U+000B, U+001B, U+007F, "
        "U+009B) on lines 6 and 8, most likely left over from copying and pasting"
    ]


def test_one_control_character_is_one_warning(make_newsroom):
    root = make_newsroom({"releases/a.md": release(body="Brussels –\n\nThe \x07text.")})
    assert [str(w) for w in load_newsroom(root).warnings] == [
        "releases/a.md:8: warning: body: dropped an invisible control character (U+0007), "
        "most likely left over from copying and pasting"
    ]


def test_a_nul_in_the_body_is_an_error_on_its_line(make_newsroom):
    root = make_newsroom({"releases/a.md": release(body="Fine.\n\nNot\x00 fine.")})
    assert problems(root) == ["releases/a.md:8: body: contains a NUL character; remove it"]


def test_an_escaped_c1_control_in_background_is_refused(make_newsroom):
    root = make_newsroom({"releases/a.md": release('background: "Notes\\x9b[2J for editors"\n')})
    assert problems(root) == ["releases/a.md:5: background: contains the control character U+009B; remove it"]


# -- custom fields ----------------------------------------------------------------------


def test_declared_custom_fields_are_kept_in_written_order(make_newsroom):
    settings = SETTINGS.replace("[email]", 'custom_fields = ["campaign", "desk"]\n\n[email]')
    root = make_newsroom(
        {"releases/a.md": release("desk: Africa\ncampaign: |\n  Spring\n  2018\n")}, settings=settings
    )
    r = load_newsroom(root).release("a")
    assert r.custom == (("campaign", "Spring\n2018"), ("desk", "Africa"))


def test_undeclared_custom_fields_are_refused(make_newsroom):
    settings = SETTINGS.replace("[email]", 'custom_fields = ["campaign"]\n\n[email]')
    root = make_newsroom({"releases/a.md": release("campain: Spring\nregion: Africa\n")}, settings=settings)
    assert problems(root) == [
        "releases/a.md:5: campain: unknown field (did you mean 'campaign'?)",
        "releases/a.md:6: region: unknown field",
    ]


def test_a_custom_field_must_be_text(make_newsroom):
    settings = SETTINGS.replace("[email]", 'custom_fields = ["campaign"]\n\n[email]')
    root = make_newsroom({"releases/a.md": release("campaign: [a, b]\n")}, settings=settings)
    assert problems(root) == ["releases/a.md:5: campaign: expected text, found a list"]


# -- time: when a release may become public --------------------------------------------


def test_published_is_the_embargo_instant(make_newsroom):
    root = make_newsroom({"releases/a.md": release("embargo: 2018-05-25T12:00:00Z\n")})
    assert load_newsroom(root).release("a").published == datetime(2018, 5, 25, 12, 0, tzinfo=UTC)


def test_published_without_embargo_is_midnight_in_the_newsroom_zone(make_newsroom):
    root = make_newsroom({"releases/a.md": release()})
    published = load_newsroom(root).release("a").published
    assert published == datetime(2018, 5, 25, 0, 0, tzinfo=BRUSSELS)
    assert published == datetime(2018, 5, 24, 22, 0, tzinfo=UTC)  # summer time: two hours ahead


@pytest.mark.parametrize(
    "status, before, at",
    [("approved", (False, True), (True, False)), ("draft", (False, True), (False, False))],
)
def test_an_embargo_lifts_exactly_at_its_instant(make_newsroom, status, before, at):
    root = make_newsroom(
        {"releases/a.md": release(f"status: {status}\nembargo: 2018-05-25T12:00:00+02:00\n")}
    )
    r = load_newsroom(root).release("a")
    instant = datetime(2018, 5, 25, 10, 0, tzinfo=UTC)
    assert (
        r.is_public(instant - timedelta(seconds=1)),
        r.is_embargoed(instant - timedelta(seconds=1)),
    ) == before
    assert (r.is_public(instant), r.is_embargoed(instant)) == at


def test_without_embargo_an_approved_release_is_public_from_local_midnight(make_newsroom, now):
    root = make_newsroom({"releases/a.md": RELEASE})
    r = load_newsroom(root).release("a")
    midnight = datetime(2018, 5, 24, 22, 0, tzinfo=UTC)
    assert not r.is_public(midnight - timedelta(seconds=1))
    assert r.is_public(midnight)
    assert r.is_public(now)
    assert not r.is_embargoed(midnight - timedelta(days=1))


def test_releases_come_newest_first(make_newsroom):
    root = make_newsroom(
        {
            "releases/old.md": release().replace("2018-05-25", "2017-01-01"),
            "releases/embargoed.md": release("embargo: 2018-05-25T12:00:00+02:00\n"),
            "releases/same-day.md": release(),
        }
    )
    assert [r.slug for r in load_newsroom(root).releases] == ["embargoed", "same-day", "old"]


def test_an_empty_list_field_means_none(make_newsroom):
    root = make_newsroom(
        {
            "releases/a.md": (
                "---\ntitle: T\ndate: 2018-05-25\nlocation: Brussels\n"
                "tags:\nattendees:\nlinks:\ncontacts:\nissuers:\n---\nBody.\n"
            )
        }
    )
    (release,) = load_newsroom(root).releases
    assert (release.tags, release.attendees, release.links, release.contacts) == ((), (), (), ())
    assert release.issuers == ("Test Press Office",)
