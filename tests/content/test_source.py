"""Source: front matter splitting, line numbers, encodings, and YAML that never guesses a type."""

from __future__ import annotations

import time

import pytest
import yaml

from pressroom.content import source
from pressroom.content.source import (
    Scalar,
    Sequence,
    parse_front_matter,
    parse_yaml,
    read_text,
    split_front_matter,
)
from pressroom.errors import ContentError


@pytest.fixture(autouse=True, params=["libyaml", "pure-python"])
def yaml_loader(request, monkeypatch):
    """Every test runs on libyaml and on PyYAML's own parser, the fallback: both must agree."""
    if request.param == "libyaml":
        if not hasattr(yaml, "CSafeLoader"):
            pytest.skip("this PyYAML was built without libyaml")
        monkeypatch.setattr(source, "_YamlLoader", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(source, "_YamlLoader", yaml.SafeLoader)


def error(text, rel="releases/a.md"):
    """The one message a broken front matter gives."""
    with pytest.raises(ContentError) as exc:
        parse_front_matter(text, rel)
    (problem,) = exc.value.problems
    return str(problem)


def plain(node):
    """A node tree as plain Python, each scalar as (value, line), to compare in one assert."""
    if isinstance(node, Scalar):
        return (node.value, node.line)
    if isinstance(node, Sequence):
        return [plain(item) for item in node.items]
    return {key.value: plain(value) for key, value in node.items}


# -- splitting ------------------------------------------------------------------------


def test_split_gives_yaml_and_body_with_their_first_lines():
    text = "---\ntitle: A\ndate: 2018-05-25\n---\nFirst line.\n\n---\n\nAfter a rule.\n"
    assert split_front_matter(text, "releases/a.md") == (
        "title: A\ndate: 2018-05-25",
        2,
        "First line.\n\n---\n\nAfter a rule.\n",
        5,
    )


def test_fences_may_carry_trailing_spaces():
    assert split_front_matter("---  \ntitle: A\n--- \nBody\n", "a.md") == ("title: A", 2, "Body\n", 4)


MISSING = "a.md:1: front matter missing: the file must start with a '---' line"
NEVER_CLOSED = "a.md:1: front matter never closed: add a '---' line after the last field"
EMPTY = "a.md:2: front matter is empty: it needs at least title, date and location"
NOT_FIELDS = "a.md:2: front matter must be 'field: value' lines"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", MISSING),
        ("Body only\n", MISSING),
        ("\n---\ntitle: A\n---\nBody\n", MISSING),
        ("title: A\n---\nBody\n", MISSING),
        ("---\ntitle: A\nBody\n", NEVER_CLOSED),
        ("---\ntitle: A\n----\nBody\n", NEVER_CLOSED),
        ("---\n---\nBody\n", EMPTY),
        ("---\n# only a comment\n---\nBody\n", EMPTY),
        ("---\n- title\n---\nBody\n", NOT_FIELDS),
        ("---\njust text\n---\nBody\n", NOT_FIELDS),
    ],
)
def test_a_file_without_usable_front_matter(text, message):
    assert error(text, "a.md") == message


SECOND_BLOCK = (
    "a second '---' block in the body: only the block at the top of the file is front matter; "
    "move these fields there"
)


@pytest.mark.parametrize(
    "body, line",
    [
        ("Text.\n---\nstatus: approved\n---\n", 5),
        ("---\nstatus: approved\n---\nText.\n", 4),
        ("Text.\n\n---\n\nembargo: 2018-05-25T12:00:00+02:00\n\n---\n", 6),
    ],
)
def test_a_second_fenced_block_of_fields_in_the_body_is_refused(body, line):
    assert error(f"---\ntitle: A\n---\n{body}") == f"releases/a.md:{line}: {SECOND_BLOCK}"


@pytest.mark.parametrize(
    "body",
    [
        "Text.\n\n---\n\nMore text.\n",
        "Text.\n\n---\n\nMore text.\n\n---\n\nThe end.\n",
        "---\n",
        "Text.\n\n---\n\n- a list item: with a colon\n\n---\n",
        "Text.\n\n---\n\nNote: the figures are provisional.\n\n---\n",
    ],
)
def test_rules_in_the_body_are_markdown(body):
    assert parse_front_matter(f"---\ntitle: A\n---\n{body}", "a.md").body == body


# -- line numbers -------------------------------------------------------------------------


def test_every_node_knows_its_file_line():
    text = """\
---
title: A
attendees:
  - name: Federica Mogherini
    role: High Representative

  - name: Vladimir Voronkov
tags: [one,
  two]
background: |
  Line one.
  Line two.
---
Body
"""
    doc = parse_front_matter(text, "a.md")
    assert plain(doc.front) == {
        "title": ("A", 2),
        "attendees": [
            {"name": ("Federica Mogherini", 4), "role": ("High Representative", 5)},
            {"name": ("Vladimir Voronkov", 7)},
        ],
        "tags": [("one", 8), ("two", 9)],
        "background": ("Line one.\nLine two.", 10),  # the closing fence ends it
    }
    assert [key.line for key, _ in doc.front.items] == [2, 3, 8, 10]
    assert (doc.front.line, doc.body_line, doc.body) == (2, 14, "Body\n")


def test_parse_yaml_counts_from_the_given_line():
    node = parse_yaml("name: X\nemail: x@example.org\n", "contacts/x.yaml")
    assert plain(node) == {"name": ("X", 1), "email": ("x@example.org", 2)}
    assert plain(parse_yaml("name: X\n", "a.md", 40)) == {"name": ("X", 40)}


def test_a_line_separator_keeps_later_lines_right():
    """YAML breaks lines at U+2028, U+2029 and NEL; an editor does not, and neither do we."""
    node = parse_yaml("title: a\u2028b\nsubtitle: c\u2029d # e\x85f\nlocation: g\x85h\ndate: x\n", "a.md", 2)
    assert plain(node) == {
        "title": ("a\u2028b", 2),
        "subtitle": ("c\u2029d", 3),
        "location": ("g\x85h", 4),
        "date": ("x", 5),
    }


def test_a_syntax_error_names_its_line():
    message = error("---\ntitle: A\nsubtitle: B\n  nested: C\n---\nBody\n")
    assert message.startswith("releases/a.md:4: YAML syntax error: mapping values are not allowed")


@pytest.mark.parametrize(
    "text, message",
    [
        ("title: A\nsubtitle: B\x07\n", "a.md:3: contains the control character U+0007; remove it"),
        ("title: A\n# é\x00\n", "a.md:3: contains the control character U+0000; remove it"),
        ("title: A\x1b[31m\n", "a.md:2: contains the control character U+001B; remove it"),
        ("title: A\ufdd0\n", "a.md:2: contains the character U+FDD0; remove it"),
    ],
)
def test_characters_yaml_cannot_read_are_named_with_their_line(text, message):
    with pytest.raises(ContentError) as exc:
        parse_yaml(text, "a.md", 2)
    assert [str(p) for p in exc.value.problems] == [message]


# -- every scalar stays text ----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["NO", "no", "on", "Off", "yes", "y", "true", "10:30", "190:20:30", "1e3", "0x1F", "012", "0o14", "1_000",
     "+1", ".inf", "-.Inf", ".NaN", "2018-05-25", "2018-05-25T12:00:00+02:00", "=", "<<", "nil", "None"],
)  # fmt: skip
def test_a_plain_scalar_comes_back_exactly_as_written(raw):
    assert plain(parse_yaml(f"value: {raw}\nlist: [{raw}]\n", "a.md")) == {
        "value": (raw, 1),
        "list": [(raw, 2)],
    }


@pytest.mark.parametrize(
    "raw, value",
    [
        ("", None),
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("''", ""),
        ('""', ""),
        ("'null'", "null"),
        ('"~"', "~"),
        ("nULL", "nULL"),
        ("|\n  ~", "~\n"),
    ],
)
def test_only_a_plain_null_is_none(raw, value):
    assert plain(parse_yaml(f"value: {raw}\n", "a.md"))["value"] == (value, 1)


def test_keys_stay_text_too():
    assert plain(parse_yaml("NO: a\n10:30: b\n'null': c\n", "a.md")) == {
        "NO": ("a", 1),
        "10:30": ("b", 2),
        "null": ("c", 3),
    }


# -- YAML features that have no place in a release -------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("a: !!str 12\n", "a.md:1: a: YAML tags (!!str) are not allowed; write plain text"),
        ("a: !!python/object/apply:os.system [ls]\n",
         "a.md:1: a: YAML tags (!!python/object/apply:os.system) are not allowed; write plain text"),
        ("a: !custom x\n", "a.md:1: a: YAML tags (!custom) are not allowed; write plain text"),
        ("a: ! x\n", "a.md:1: a: YAML tags (!) are not allowed; write plain text"),
        ("a: &x 1\nb: 2\n", "a.md:1: a: YAML anchors (&x) are not allowed"),
        ("a: b\nc: *x\n", "a.md:2: c: YAML aliases (*x) are not allowed; write the value out"),
        ("a: [&x 1, *x]\n", "a.md:1: a[0]: YAML anchors (&x) are not allowed"),
        ("a:\n  b: 1\n  c: 2\n  b: 3\n", "a.md:4: a.b: duplicate field (first given on line 2)"),
        ("a: 1\n'a': 2\n", "a.md:2: a: duplicate field (first given on line 1)"),
        ("? [a]\n: b\n", "a.md:1: a field name must be plain text"),
        ("~: b\n", "a.md:1: a field name must be plain text"),
        ("a: 1\n---\nb: 2\n", "a.md:2: only one YAML document is allowed"),
    ],
)  # fmt: skip
def test_yaml_features_are_refused_with_their_line(text, message):
    with pytest.raises(ContentError) as exc:
        parse_yaml(text, "a.md")
    assert [str(p) for p in exc.value.problems] == [message]


def test_depth_is_limited():
    ok = "a: " + "[" * 7 + "x" + "]" * 7
    assert parse_yaml(ok, "a.md") is not None
    with pytest.raises(ContentError) as exc:
        parse_yaml("a: " + "[" * 8 + "x" + "]" * 8, "a.md")
    assert str(exc.value) == "a.md:1: a[0][0][0][0][0][0][0][0]: nested more than 8 levels deep"


# -- pathological input ends quickly, in a ContentError ----------------------------------------

DEEP = 100_000


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a: " + "[" * DEEP + "]" * DEEP, id="deep-flow-list"),
        pytest.param("a: " + "{b: " * DEEP + "c" + "}" * DEEP, id="deep-flow-mapping"),
        pytest.param("a: " + "[" * DEEP, id="deep-and-unclosed"),
        pytest.param("a:\n" + "- " * DEEP + "x", id="deep-block-list"),
        pytest.param("x" * DEEP + ": y", id="100k-character-key"),
        pytest.param("a: '" + "x" * DEEP, id="100k-character-unclosed-quote"),
    ],
)
def test_pathological_yaml_fails_fast(text):
    start = time.monotonic()
    with pytest.raises(ContentError):  # not RecursionError, not MemoryError, not a hang
        parse_yaml(text, "a.md")
    assert time.monotonic() - start < 2


def test_a_100k_character_line_is_kept_whole():
    start = time.monotonic()
    node = parse_yaml("a: " + "x" * DEEP + "\nb: '" + "y" * DEEP + "'\n", "a.md")
    assert plain(node) == {"a": ("x" * DEEP, 1), "b": ("y" * DEEP, 2)}
    assert time.monotonic() - start < 2


# -- reading bytes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"---\ntitle: A\n---\nBody\n",
        b"\xef\xbb\xbf---\ntitle: A\n---\nBody\n",
        b"---\r\ntitle: A\r\n---\r\nBody\r\n",
        b"---\rtitle: A\r---\rBody\r",
        b"\xef\xbb\xbf---\r\ntitle: A\r\n---\r\nBody\r\n",
    ],
    ids=["lf", "bom", "crlf", "cr", "bom-crlf"],
)
def test_read_text_drops_the_bom_and_normalises_line_ends(tmp_path, data):
    path = tmp_path / "a.md"
    path.write_bytes(data)
    assert read_text(path, "releases/a.md") == "---\ntitle: A\n---\nBody\n"


@pytest.mark.parametrize(
    "data, line, byte",
    [
        ("---\ntitle: Déclaration\n".encode("latin-1"), 2, "0xe9"),
        ("---\ntitle: A\n".encode("utf-16"), 1, "0xff"),
        (b"---\n\n\n\xc3(\n", 4, "0xc3"),
    ],
    ids=["latin-1", "utf-16", "broken-sequence"],
)
def test_read_text_refuses_other_encodings_with_the_line(tmp_path, data, line, byte):
    path = tmp_path / "a.md"
    path.write_bytes(data)
    with pytest.raises(ContentError) as exc:
        read_text(path, "releases/a.md")
    assert str(exc.value) == f"releases/a.md:{line}: not UTF-8 text (byte {byte}); save the file as UTF-8"


def test_read_text_reports_a_file_it_cannot_read(tmp_path):
    (tmp_path / "a.md").symlink_to(tmp_path / "missing.md")
    with pytest.raises(ContentError) as exc:
        read_text(tmp_path / "a.md", "releases/a.md")
    assert str(exc.value) == "releases/a.md: cannot be read: no such file or directory"


def test_the_characters_refused_before_yaml_are_exactly_those_outside_its_printable_set():
    """YAML reads tab, line feed, printable ASCII, NEL and the rest of Unicode but surrogates,
    U+FFFE and U+FFFF; the carriage return (line ends are made line feeds before) and the
    noncharacters U+FDD0..U+FDEF (stand-ins for line breaks) are refused as well."""

    def readable(c: int) -> bool:
        return (
            c in (0x09, 0x0A, 0x85)
            or 0x20 <= c <= 0x7E
            or 0xA0 <= c <= 0xD7FF
            or (0xE000 <= c <= 0xFFFD and not 0xFDD0 <= c <= 0xFDEF)
            or 0x10000 <= c <= 0x10FFFF
        )

    everything = "".join(map(chr, range(0x110000)))
    refused = {ord(m[0]) for m in source._NOT_YAML.finditer(everything)}
    assert refused == {c for c in range(0x110000) if not readable(c)}
