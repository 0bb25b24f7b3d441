"""`pressroom lint`: every house-style rule fails on one release and passes on its fix, word for word."""

from __future__ import annotations

import pytest

import helpers
from conftest import REPO
from helpers import SETTINGS
from pressroom.cli import main
from pressroom.desk.lint import RULES, rule_ids


def release(body="Brussels, 10 January 2026 – The EU acts.", title="EU and UN agree", extra=""):
    """An approved release of 10 January 2026 in Brussels with this body; `extra` front-matter lines."""
    return helpers.release(title, "2026-01-10", body=body, extra=extra)


def invoke(runner, *args):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


# (rule, failing release, its findings, passing release): line numbers count from the
# `---` on line 1; a release without extra fields has its body on line 7.
CASES = [
    (
        "dateline",
        release("BRUSSELS, 10 January 2026 – The EU acts."),
        [
            "7:1: dateline: 'BRUSSELS, 10 January 2026 –' is not the newsroom's EU form: "
            "write 'Brussels, 10 January 2026 –'"
        ],
        release("Brussels, 10 January 2026 – The EU acts."),
    ),
    (
        "headline-length",
        release(title="EU " + "and UN " * 15 + "agree"),
        ["2:8: headline-length: the headline has 113 characters; keep it to 100"],
        release(title="EU " + "and UN " * 13 + "agree"),
    ),
    (
        "subtitle-length",
        release(extra="subtitle: " + "A long line " * 13 + "\n"),
        ["6:11: subtitle-length: the subtitle has 155 characters; keep it to 150"],
        release(extra="subtitle: " + "A long line " * 12 + "\n"),
    ),
    (
        "all-caps",
        release("The EU signs a HISTORIC AGREEMENT with UNESCO."),
        ["7:16: all-caps: 'HISTORIC AGREEMENT' is in capitals: write it in sentence case"],
        release("The EU signs an agreement with UNESCO."),
    ),
    (
        "exclamation",
        release("The EU acts today!"),
        ["7:18: exclamation: exclamation mark: let the facts carry the news"],
        release("The EU acts today. ![A signing](https://example.org/photo.jpg)"),
    ),
    (
        "straight-quotes",
        release('"We act," said the EU\'s envoy.'),
        [
            '7:1: straight-quotes: straight quote ": write “ (lint --fix does)',
            '7:9: straight-quotes: straight quote ": write ” (lint --fix does)',
            "7:22: straight-quotes: straight apostrophe ': write ’ (lint --fix does)",
        ],
        release("“We act,” said the EU’s envoy. See `\"code\"` and [it](https://example.org/?q='x')."),
    ),
    (
        "dashes",
        release("The EU acts - today -- with the UN."),
        [
            "7:13: dashes: '-' used as a dash: write – (lint --fix does)",
            "7:21: dashes: '--' used as a dash: write – (lint --fix does)",
        ],
        release("The EU acts – today – with the UN.\n\n- a list item\n- and one more"),
    ),
    (
        "unbalanced-quotes",
        release("“We act, said the envoy.\n\nThe EU acts."),
        ["7:1: unbalanced-quotes: unbalanced quotes in this paragraph: 1 “ and 0 ”"],
        release("“We act, said the envoy.\n\n“And we act together,” she added."),
    ),
    (
        "attendee-role",
        release(extra="attendees:\n  - name: Ann Example\n    role: Envoy\n  - name: Bob Example\n"),
        ["9:3: attendee-role: attendee 'Bob Example' has no role: say in what capacity"],
        release(extra="attendees:\n  - name: Ann Example\n    role: Envoy\n"),
    ),
    (
        "contact-phone",
        release(extra="contacts:\n  - name: Ann Example\n    email: ann@example.org\n"),
        ["7:3: contact-phone: contact 'Ann Example' has no phone: journalists on a deadline call"],
        release(
            extra='contacts:\n  - name: Ann Example\n    email: ann@example.org\n    phone: "+32 2 555 01 00"\n'
        ),
    ),
    (
        "end-mark",
        release("The EU acts.\n\n###\n\nMore text."),
        ["9:1: end-mark: '###' ends the text early: the house style adds '###' after the boilerplate"],
        release("The EU acts.\n\nMore text."),
    ),
    (
        "first-sentence",
        release("Brussels, 10 January 2026 – " + "The EU acts " * 12 + "today. Then more."),
        ["7:1: first-sentence: the first sentence has 37 words: say the news in 35 or fewer"],
        release("Brussels, 10 January 2026 – " + "The EU acts " * 11 + "today. " + "More words " * 20),
    ),
    (
        "bare-url",
        release("Read https://example.org/report now.", extra="links:\n  - url: https://example.org/\n"),
        [
            "7:3: bare-url: link https://example.org/ has no title: say what it leads to",
            "9:6: bare-url: bare URL https://example.org/report: give it words, "
            "[what it is](https://example.org/report)",
        ],
        release(
            "Read [the report](https://example.org/report) now.",
            extra="links:\n  - title: Example\n    url: https://example.org/\n",
        ),
    ),
    (
        "image-alt",
        release(
            'The EU acts.\n\n![](https://example.org/photo.jpg)\n\n<img src="https://example.org/photo.jpg">'
        ),
        [
            "9:1: image-alt: image without alt text: say what it shows, ![a description](...)",
            "11:1: image-alt: image without alt text: say what it shows, ![a description](...)",
        ],
        release(
            'The EU acts.\n\n![The signing](https://example.org/photo.jpg)\n\n<img src="https://example.org/photo.jpg" alt="The signing">'
        ),
    ),
    (
        "forbidden-word",
        release("A groundbreaking, world-class agreement.", title="A Groundbreaking deal"),
        [
            "2:10: forbidden-word: 'Groundbreaking' is on the newsroom's list of words to avoid",
            "7:3: forbidden-word: 'groundbreaking' is on the newsroom's list of words to avoid",
            "7:19: forbidden-word: 'world-class' is on the newsroom's list of words to avoid",
        ],
        release("A new agreement, which breaks ground.", title="A new deal"),
    ),
]


def test_every_rule_has_a_case_and_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert {case[0] for case in CASES} | {"boilerplate"} == set(rule_ids())
    for rule_id in rule_ids():
        assert f"| `{rule_id}` |" in readme, f"{rule_id} is not in the README's table"
    assert all(summary for summary, _ in RULES.values())


@pytest.mark.parametrize(("rule_id", "failing", "findings", "passing"), CASES, ids=[c[0] for c in CASES])
def test_a_rule_fails_with_its_exact_message_and_passes_when_fixed(
    runner, make_newsroom, rule_id, failing, findings, passing
):
    others = tuple(r for r in rule_ids() if r != rule_id)
    settings = SETTINGS.replace("[email]", f"[lint]\ndisable = {list(others)!r}\n\n[email]".replace("'", '"'))
    root = make_newsroom({"releases/r.md": failing}, settings=settings)
    result = invoke(runner, "lint", "--root", root)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        *[f"releases/r.md:{f}" for f in findings],
        f"House style: {len(findings)} finding{'s' * (len(findings) != 1)} in 1 file",
    ]
    strict = invoke(runner, "lint", "--strict", "--root", root)
    assert strict.exit_code == 1
    assert strict.stderr.splitlines()[-1].endswith("in 1 file (--strict)")

    (root / "releases/r.md").write_text(passing, encoding="utf-8")
    clean = invoke(runner, "lint", "--strict", "--root", root)
    assert clean.exit_code == 0, clean.output
    assert clean.stdout == "House style: no findings\n"


def test_ap_datelines_are_in_capitals(runner, make_newsroom):
    settings = SETTINGS.replace('end_mark = "###"', 'end_mark = "###"\ndateline_style = "ap"')
    root = make_newsroom(
        {"releases/r.md": release("Brussels, 10 January 2026 – The EU acts.")}, settings=settings
    )
    result = invoke(runner, "lint", "--root", root)
    assert result.stdout.splitlines()[0] == (
        "releases/r.md:7:1: dateline: 'Brussels, 10 January 2026 –' is not the newsroom's AP form: "
        "write 'BRUSSELS, 10 January 2026 –'"
    )
    (root / "releases/r.md").write_text(release("BRUSSELS, 10 January 2026 – The EU acts."))
    assert invoke(runner, "lint", "--root", root).stdout == "House style: no findings\n"


def test_a_newsroom_without_boilerplate_hears_it_once(runner, make_newsroom):
    settings = SETTINGS.replace(
        'boilerplate = "The Test Press Office speaks for the test institution."\n', ""
    )
    root = make_newsroom({"releases/a.md": release(), "releases/b.md": release()}, settings=settings)
    result = invoke(runner, "lint", "--root", root)
    assert result.stdout.splitlines() == [
        'pressroom.toml:1:1: boilerplate: no boilerplate: add boilerplate = """...""", '
        'the "About Test Press Office" every release ends with',
        "House style: 1 finding in 1 file",
    ]


def test_acronyms_pass_and_caps_allow_lets_long_ones_through(runner, make_newsroom):
    body = "The EU, the UN and INTERPOL act."
    root = make_newsroom({"releases/r.md": release(body)})
    assert "'INTERPOL' is in capitals" in invoke(runner, "lint", "--root", root).stdout
    allowed = SETTINGS.replace("[email]", '[lint]\ncaps_allow = ["INTERPOL"]\n\n[email]')
    root = make_newsroom({"releases/r.md": release(body)}, settings=allowed)
    assert invoke(runner, "lint", "--root", root).stdout == "House style: no findings\n"


def test_fix_rewrites_only_quotes_and_dashes_in_the_prose_and_shows_the_diff(runner, make_newsroom):
    text = release(
        '"We act - now," said the EU\'s envoy.\n\n'
        '- a list item with `"code"`\n'
        "- [a link](https://example.org/?q='x')\n\n"
        '```\nprint("x") - 1\n```\n',
        extra="subtitle: 'A \"quoted\" subtitle'\n",
    )
    root = make_newsroom({"releases/r.md": text})
    result = invoke(runner, "lint", "--fix", "--root", root)
    assert result.exit_code == 0
    fixed = (root / "releases/r.md").read_text(encoding="utf-8")
    assert fixed == text.replace('"We act - now," said the EU\'s', "“We act – now,” said the EU’s")
    assert result.stdout.startswith("--- a/releases/r.md\n+++ b/releases/r.md\n@@ -5,7 +5,7 @@\n")
    assert '-"We act - now," said the EU\'s envoy.\n+“We act – now,” said the EU’s envoy.\n' in result.stdout
    assert "Fixed quotes and dashes in 1 file\n" in result.stdout
    assert result.stdout.endswith("House style: no findings\n")
    again = invoke(runner, "lint", "--fix", "--root", root)
    assert again.stdout == "Fixed quotes and dashes in 0 files\nHouse style: no findings\n"


def test_fix_uses_the_quotes_of_the_release_language(runner, make_newsroom):
    text = release('Sie sagte: "Wir handeln." Und l\'Union?', extra="language: de\n")
    root = make_newsroom({"releases/r.md": text})
    invoke(runner, "lint", "--fix", "--root", root)
    assert "Sie sagte: „Wir handeln.“ Und l’Union?" in (root / "releases/r.md").read_text()


def test_check_lists_findings_as_warnings_only_with_a_lint_table(runner, make_newsroom):
    root = make_newsroom({"releases/r.md": release("The EU acts today!")})
    plain = invoke(runner, "check", "--root", root)
    assert plain.output == "1 release, 0 contacts and 0 lists checked: no errors\n"
    with_table = SETTINGS.replace("[email]", "[lint]\n\n[email]")
    root = make_newsroom({"releases/r.md": release("The EU acts today!")}, settings=with_table)
    checked = invoke(runner, "check", "--root", root)
    assert checked.exit_code == 0
    assert checked.output.splitlines() == [
        "releases/r.md:7: warning: exclamation: exclamation mark: let the facts carry the news",
        "1 release, 0 contacts and 0 lists checked: no errors",
    ]
    strict = invoke(runner, "check", "--strict", "--root", root)
    assert strict.exit_code == 1
    assert strict.output.splitlines()[-1] == "Error: 0 errors, 1 warning in 1 file (--strict)"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'disable = ["exclamations"]',
            "pressroom.toml:10: lint.disable: unknown rule 'exclamations' (did you mean 'exclamation'?)",
        ),
        (
            "headline_max = 0",
            "pressroom.toml:10: lint.headline_max: expected a whole number of 1 or more, found 0",
        ),
        ("colour = 1", "pressroom.toml:10: lint.colour: unknown setting"),
    ],
)
def test_a_bad_lint_setting_is_an_error_with_its_line(runner, make_newsroom, table, message):
    settings = SETTINGS.replace("[email]", f"[lint]\n{table}\n\n[email]")
    root = make_newsroom({"releases/r.md": release()}, settings=settings)
    result = invoke(runner, "check", "--root", root)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == message
