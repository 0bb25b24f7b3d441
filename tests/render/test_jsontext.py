"""jsontext.py: the exports' JSON is byte for byte what the standard library writes for the same data
(the archive, search index, release and ninjs files are contracts other programs read and diff), and
the staff search's script is still JavaScript with the line separators escaped."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from pressroom.render import jsontext

# What the exports hold: mappings with text keys, lists, text (any character but a lone
# surrogate, which no release file can decode to), whole numbers, booleans and None.
TEXT = st.text(st.characters(exclude_categories=("Cs",)))
DATA = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(DATA)
def test_the_bytes_are_the_standard_librarys(data):
    indented = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    compact = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert jsontext.dump(data) == indented.encode("utf-8")
    assert jsontext.dump(data, compact=True) == compact.encode("utf-8")


@given(DATA)
def test_a_script_value_is_the_same_data_without_a_raw_line_separator(data):
    value = jsontext.script_value(data)
    assert "\u2028" not in value and "\u2029" not in value
    assert json.loads(value) == data


def test_the_cases_that_differ_between_writers_come_out_as_the_standard_librarys():
    data = {"": [], "e": {}, "ctl": '\x00\x1f\x7f\t\n"\\/', "é": "Straße — “quoted”", "big": 2**62}
    assert jsontext.dump(data) == (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
    assert jsontext.script_value({"s": "a\u2028b"}) == '{"s":"a\\u2028b"}'
