"""The one Markdown converter: Markdown to safe HTML, and that HTML to plain text.

Raw HTML in a release is allowed (editors paste tables), but only what the
allow-list below keeps survives, and links keep only http, https and mailto
addresses. The plain text for the email is made from the same sanitised HTML,
so the two parts of an email can never say different things.
"""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

from pressroom.errors import RenderError

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "sub", "sup", "small", "abbr", "span",
    "a", "ul", "ol", "li", "blockquote", "h2", "h3", "h4", "h5", "h6", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "code", "pre", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Deeper than this, Markdown nesting is an attack or an accident, not a release.
MAX_NESTING = 24
_NESTING = re.compile(r"^[ \t]*((?:>[ \t]*|[-*+][ \t]+|\d+[.)][ \t]+)+)", re.MULTILINE)


class _Lead(Treeprocessor):
    """Starts the first paragraph with the dateline, as wire copy does."""

    lead: str | None = None

    def run(self, root: ET.Element) -> None:
        if not self.lead:
            return
        span = ET.Element("span", {"class": "dateline"})
        span.text = self.lead
        span.tail = " "
        first = next(iter(root), None)
        if first is not None and first.tag == "p":
            span.tail += first.text or ""
            first.text = None
            first.insert(0, span)
        else:
            para = ET.Element("p")
            para.append(span)
            root.insert(0, para)


_MD = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
_LEAD = _Lead(_MD)
_MD.treeprocessors.register(_LEAD, "pressroom-lead", 0)


def to_html(source: str, *, lead: str | None = None) -> str:
    """Render Markdown to sanitised HTML; `lead` (the dateline) opens the first paragraph."""
    deepest = max(
        (m[1].count(">") + len(re.findall(r"[-*+\d]", m[1])) for m in _NESTING.finditer(source)), default=0
    )
    if deepest > MAX_NESTING:
        raise RenderError(f"Markdown nested {deepest} levels deep (at most {MAX_NESTING})")
    _MD.reset()
    _LEAD.lead = lead
    try:
        html = _MD.convert(source)
    except RecursionError:
        raise RenderError("Markdown nested too deeply to render") from None
    finally:
        _LEAD.lead = None
    return sanitize(html)


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        url_relative="deny",
        allowed_classes={"span": {"dateline"}},
        link_rel="noopener",
    )


def to_text(html: str, width: int = 72) -> str:
    """Plain text of sanitised HTML: paragraphs wrapped, lists bulleted, links spelt out."""
    writer = _TextWriter()
    writer.feed(html)
    writer.close()
    return writer.result(width)


_BLOCKS = {
    "p",
    "li",
    "blockquote",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "tr",
    "hr",
    "table",
    "ul",
    "ol",
    "caption",
}


class _TextWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._blocks: list[tuple[str, str]] = []  # (prefix, text)
        self._buf: list[str] = []
        self._lists: list[list[int]] = []  # one counter per open list; -1 for bullets
        self._quote = 0
        self._pre = 0
        self._href: list[str | None] = []
        self._link_text: list[int] = []
        self._prefix = ""

    def _flush(self) -> None:
        text = "".join(self._buf)
        if not self._pre:
            text = re.sub(r"\s+", " ", text).strip()
        if text.strip():
            self._blocks.append((self._prefix, text))
        self._buf = []
        self._prefix = "> " * self._quote

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._flush()
        if tag in ("ul", "ol"):
            self._lists.append([0 if tag == "ol" else -1])
        elif tag == "li" and self._lists:
            counter = self._lists[-1]
            indent = "  " * (len(self._lists) - 1)
            if counter[0] >= 0:
                counter[0] += 1
                self._prefix = f"{'> ' * self._quote}{indent}{counter[0]}. "
            else:
                self._prefix = f"{'> ' * self._quote}{indent}- "
        elif tag == "blockquote":
            self._quote += 1
            self._prefix = "> " * self._quote
        elif tag == "pre":
            self._pre += 1
        elif tag == "br":
            self._buf.append("\n" if self._pre else " ")
        elif tag == "hr":
            self._blocks.append(("", "* * *"))
        elif tag == "td" or tag == "th":
            if self._buf:
                self._buf.append(" | ")
        elif tag == "a":
            self._href.append(dict(attrs).get("href"))
            self._link_text.append(len("".join(self._buf)))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self._buf.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href:
            href = self._href.pop()
            start = self._link_text.pop()
            label = "".join(self._buf)[start:].strip()
            if href:
                shown = href.removeprefix("mailto:")
                if shown != label and href != label:
                    self._buf.append(f" <{shown}>")
            return
        if tag in ("ul", "ol") and self._lists:
            self._flush()
            self._lists.pop()
        elif tag == "blockquote":
            self._flush()
            self._quote = max(0, self._quote - 1)
            self._prefix = "> " * self._quote
        elif tag == "pre":
            self._flush()
            self._pre = max(0, self._pre - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        self._buf.append(data)

    def result(self, width: int) -> str:
        self._flush()
        out = []
        for prefix, text in self._blocks:
            if "\n" in text:
                out.append("\n".join(prefix + line for line in text.split("\n")))
                continue
            indent = " " * len(prefix) if prefix.rstrip().endswith(("-", ".")) else prefix
            out.append(
                textwrap.fill(
                    text,
                    width=width,
                    initial_indent=prefix,
                    subsequent_indent=indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        return "\n\n".join(out)
