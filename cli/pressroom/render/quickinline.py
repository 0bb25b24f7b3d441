"""Python-Markdown's inline passes, without trying a pattern on text that cannot hold it.

Python-Markdown tries each of its inline patterns (links, emphasis, code, and
Smarty's quotes, dashes and ellipses: 33 in all) on every run of text, a few
microseconds each in Python: half the time of converting a release. Most
paragraphs of a press release hold no link, no asterisk and no quotation mark,
and no pattern can match in text that lacks every mark its matches start from.
`quicken` gives a converter inline passes that skip such a pattern; the HTML
is the same, byte for byte (tests/render/test_quickinline.py holds the two to
each other on every sample release and on generated Markdown).

A pattern is known by its exact regular expression, as Python-Markdown and its
Smarty extension write it: one this table does not know (another version of
Markdown, another extension) is tried on every text, as Markdown tries it.
"""

from __future__ import annotations

from typing import Any

import markdown
from markdown import util
from markdown.treeprocessors import InlineProcessor

# A pattern's expression -> the marks of which every text it can match in holds one.
_MARKS: dict[str, tuple[str, ...]] = {
    # Python-Markdown's own: code, escape, footnote mark, links and images, autolinks,
    # hard line break, raw HTML, entities, emphasis.
    "(?:(?<!\\\\)((?:\\\\{2})+)(?=`+)|(?<!\\\\)`)": ("`",),
    "\\\\(.)": ("\\",),
    "\\[\\^([^\\]]*)\\]": ("[",),
    "(?<!\\!)\\[": ("[",),
    "\\!\\[": ("[",),
    "<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": ("<",),
    "<([^<> !]+@[^@<> ]+)>": ("<",),
    "  \\n": ("  \n",),
    "(<(\\/?+[a-zA-Z][^\\s\"'<>@]*+(?:\\s+[^\\s\"'=<>]++(?:\\s*+=\\s*+(?:\"[^\"]*+\"|'[^']*+'"
    "|[^\\s\"'=<>]++))?+)*+\\s*+/?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]"
    "|!\\[CDATA\\[(?:(?!<!\\[CDATA\\[|\\]\\]>).)*\\]\\])>)": ("<",),
    "(&(?:\\#[0-9]+|\\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": ("&",),
    "\\*|_": ("*", "_"),
    # Smarty's: dashes, ellipses, and quotation marks (each of these matches one, or two
    # side by side: either of the two will do).
    "(?<!-)---(?!-)": ("---",),
    "(?<!-)--(?!-)": ("--",),
    "(?<!\\.)\\.{3}(?!\\.)": ("...",),
    "^'(?=[!\"#\\$\\%'()*+,-.\\/:;<=>?\\@\\[\\\\\\]\\^_`{|}~]\\B)": ("'",),
    '^"(?=[!"#\\$\\%\'()*+,-.\\/:;<=>?\\@\\[\\\\\\]\\^_`{|}~]\\B)': ('"',),
    "\"'(?=\\w)": ("'",),
    "'\"(?=\\w)": ("'",),
    "(?<=[^\\ \\t\\r\\n\\[\\{\\(\\-\\u0002\\u0003])\\'\"": ("'",),
    "(?<=[^\\ \\t\\r\\n\\[\\{\\(\\-\\u0002\\u0003])\\\"'": ("'",),
    "(?<!\\w)'(?=\\d{2}s)": ("'",),
    "(\\s|&nbsp;|--|–|—|&[mn]dash;|&#8211;|&#8212;)'(?=\\w)": ("'",),
    "(?<=[^\\ \\t\\r\\n\\[\\{\\(\\-\\u0002\\u0003])'(?!\\s|s\\b|\\d)": ("'",),
    "'(\\s|s\\b)": ("'",),
    "'": ("'",),
    '(\\s|&nbsp;|--|–|—|&[mn]dash;|&#8211;|&#8212;)"(?=\\w)': ('"',),
    '"(?=\\s)': ('"',),
    '(?<=[^\\ \\t\\r\\n\\[\\{\\(\\-\\u0002\\u0003])"': ('"',),
    '"': ('"',),
}


_ALL_MARKS = frozenset(mark for marks in _MARKS.values() for mark in marks)


def marks_of(pattern: Any) -> tuple[str, ...] | None:
    """The marks one of which a text must hold for `pattern` to match in it; None if not known."""
    compiled = getattr(pattern, "compiled_re", None)
    return _MARKS.get(compiled.pattern) if compiled is not None else None


class _SkippingInline(InlineProcessor):
    """An inline pass that tries a pattern only on text holding one of its marks."""

    def __init__(self, md: markdown.Markdown, passed: InlineProcessor) -> None:
        super().__init__(md)
        self.inlinePatterns = passed.inlinePatterns
        self._marks = [None if m is None else frozenset(m) for m in map(marks_of, self.inlinePatterns)]

    # InlineProcessor.__handleInline as Python-Markdown 3 writes it, with the one test added.
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, util.AtomicString):
            return data
        patterns, marks = self.inlinePatterns, self._marks
        count = len(patterns)
        if len(marks) != count:  # a pattern registered since: try them all
            marks = [None] * count
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        start = 0
        present: frozenset[str] | None = None  # the marks in `data`, looked for once it is asked
        while patternIndex < count:
            needed = marks[patternIndex]
            if needed is not None:
                if present is None:
                    present = frozenset(mark for mark in _ALL_MARKS if mark in data)
                if present.isdisjoint(needed):
                    patternIndex += 1  # as when it does not match: the next one, from the start
                    start = 0
                    continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if matched:
                present = None  # `data` is another text now
            else:
                patternIndex += 1
        return data


def quicken(md: markdown.Markdown) -> None:
    """Give `md` (every extension added) inline passes that skip the patterns a text cannot hold."""
    for name in ("inline", "smarty"):
        if name not in md.treeprocessors:
            continue
        passed = md.treeprocessors[name]
        if type(passed) is not InlineProcessor:
            continue  # another extension's own pass: left as it is
        # Registered again under its name and priority, which the registry keeps to itself.
        order = md.treeprocessors._priority  # type: ignore[attr-defined]
        priority = next(item.priority for item in order if item.name == name)
        md.treeprocessors.register(_SkippingInline(md, passed), name, priority)
