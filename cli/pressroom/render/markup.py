"""The one Markdown converter: Markdown to safe HTML, and that HTML to plain text.

Raw HTML in a release is allowed (editors paste tables), but only what the
allow-list below keeps survives, and links keep only http, https and mailto
addresses, or the in-page links between a footnote and its mark. The one
other relative address kept is a file of the release's media kit
(`media/<file>`): the sanitiser writes it as `pressroom-kit:<file>`, an
address of no real scheme, and each output writes it again as its own
address with `rewrite_kit` (the page relative to itself, the PDF and the
email as they carry the file). The plain text for the email is made from the
same sanitised HTML, so the two parts of an email can never say different
things.
"""

from __future__ import annotations

import functools
import html as html_lib
import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from html.parser import HTMLParser

import markdown
import nh3
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.smarty import SmartyExtension
from markdown.extensions.tables import TableExtension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from pressroom.errors import RenderError
from pressroom.render.quickinline import quicken
from pressroom.render.typography import quote_style, smarty_substitutions

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "sub", "sup", "small", "abbr", "span",
    "a", "ul", "ol", "li", "blockquote", "h2", "h3", "h4", "h5", "h6", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "code", "pre", "img",
    "div",  # only as the footnotes' block: see ALLOWED_CLASSES
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan", "scope", "align"},  # align: a Markdown table's column alignment
    "td": {"colspan", "rowspan", "align"},
    "ol": {"start"},
    "sup": {"id"},  # a footnote's mark and its note link to each other
    "li": {"id"},
}
ALLOWED_CLASSES = {
    "span": {"dateline"},
    "div": {"footnote"},
    "a": {"footnote-ref", "footnote-backref"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# A file of the release's media kit, as the sanitised HTML names it until an output
# writes its own address (see rewrite_kit). Not in URL_SCHEMES: nh3 drops an address
# of a scheme it does not allow before _keep_attribute sees it, so no text can write one.
KIT_SCHEME = "pressroom-kit"
# The kit file a relative address names (content.media.kit_name, limited to the
# release's list), or None: how the sanitiser recognises a kit reference.
KitNames = Callable[[str], str | None]
_ADDRESS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_ASCII_SPACE = re.compile(r"[\t\n\x0b\x0c\r]")  # what textwrap turns into spaces: _flush leaves none
# The only relative addresses and ids kept: Python-Markdown's footnotes ("#fn:1", "fnref:1").
_FOOTNOTE_ID = re.compile(r"fn(?:ref)?:[\w-]+")
# Deeper than this, Markdown nesting is an attack or an accident, not a release.
MAX_NESTING = 24
_NESTING = re.compile(r"^([ \t]*)((?:>[ \t]*|[-*+][ \t]+|\d+[.)][ \t]+)+)", re.MULTILINE)
_MARKER = re.compile(r">|[-*+\d]+")
# Raw HTML can nest without Markdown markers; the PDF engine recurses per level
# and gives up near 200, and 24 Markdown levels make about 50.
MAX_HTML_NESTING = 100
_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)[^>]*>")
_VOID = {"br", "hr", "img"}
# Python-Markdown is quadratic or worse on some shapes of text, and a release
# that takes minutes to render hangs `build` and `serve`. These bounds keep the
# worst accepted input to about a second, at a hundred times what a long release
# needs. A press release is a few thousand characters.
MAX_LENGTH = 100_000
# Block processors re-read the rest of a block (text without a blank line) after
# each heading or rule they split off it: lines squared, summed over blocks.
MAX_BLOCK_WORK = 5_000_000
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# The raw-HTML pass reads from each "<" to the next ">"; characters read in all.
MAX_HTML_WORK = 20_000_000
_TAG_START = re.compile(r"<[a-zA-Z/!?]")
# Inline patterns scan from each of these marks to the end of its paragraph
# looking for the closing one, and every match (an escape or an entity too)
# copies the paragraph: marks times length, summed over paragraphs.
MAX_INLINE_WORK = 3_000_000
_INLINE_MARKS = re.compile(r"\\.|[\[<`*_&]")


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


class _Budget(Treeprocessor):
    """Refuses paragraphs whose inline markup would keep Python-Markdown busy for minutes.

    Runs after the block parser and before the inline patterns (priority 20), on
    the same text nodes they will scan, so a long list of short links costs what
    its items cost and code blocks cost nothing.
    """

    def run(self, root: ET.Element) -> None:
        total, worst, worst_cost = 0, "", 0
        for element in root.iter():
            for text in (element.text, element.tail):
                if not text or isinstance(text, AtomicString):
                    continue
                cost = len(_INLINE_MARKS.findall(text)) * len(text)
                total += cost
                if cost > worst_cost:
                    worst, worst_cost = text, cost
        if total > MAX_INLINE_WORK:
            marks = len(_INLINE_MARKS.findall(worst))
            start = " ".join(worst[:40].split())
            raise RenderError(
                f"Markdown too intricate to render: the paragraph starting '{start}' has {marks:,} "
                f"of the marks [ < ` * _ & \\ in {len(worst):,} characters; split it"
            )


@functools.cache
def _converter(quotes: str, *, quick: bool = True) -> tuple[markdown.Markdown, _Lead]:
    """The converter for one quote style (see typography.py), made once per process.

    `quick` gives it inline passes that skip a pattern a text cannot hold (quickinline.py);
    the tests compare its HTML with Python-Markdown's own passes'.
    """
    # The extensions as objects, not names: a name is looked up among every installed
    # package's entry points, which took longer than making the converter itself.
    md = markdown.Markdown(
        extensions=[
            TableExtension(use_align_attribute=True),  # align= survives the sanitiser, style= would not
            SaneListExtension(),
            FootnoteExtension(BACKLINK_TITLE=""),  # its default title is English whatever the language
            SmartyExtension(substitutions=smarty_substitutions(quotes)),
        ],
        output_format="html",
    )
    lead = _Lead(md)
    md.treeprocessors.register(lead, "pressroom-lead", 0)
    md.treeprocessors.register(_Budget(md), "pressroom-budget", 25)
    if quick:
        quicken(md)
    return md, lead


def _check_limits(source: str) -> None:
    """Raise RenderError for text that is too long, too deep or too slow to render."""
    if len(source) > MAX_LENGTH:
        raise RenderError(f"Markdown text is {len(source):,} characters long (at most {MAX_LENGTH:,})")
    deepest = max((_depth(m) for m in _NESTING.finditer(source)), default=0)
    if deepest > MAX_NESTING:
        raise RenderError(f"Markdown nested {deepest} levels deep (at most {MAX_NESTING})")
    lines = [block.count("\n") + 1 for block in _BLANK_LINE.split(source)]
    if sum(n * n for n in lines) > MAX_BLOCK_WORK:
        raise RenderError(
            f"Markdown too intricate to render: {max(lines):,} lines without a blank line between them"
        )
    work = 0
    for match in _TAG_START.finditer(source):
        end = source.find(">", match.start())
        work += (end if end >= 0 else len(source)) - match.start()
        if work > MAX_HTML_WORK:
            raise RenderError("Markdown too intricate to render: many '<' without a closing '>'")


def _depth(match: re.Match[str]) -> int:
    """Nesting of one line: quote marks and list markers, plus list levels by indentation."""
    indent = len(match[1].expandtabs(4)) // 4
    return indent + len(_MARKER.findall(match[2]))


def to_html(
    source: str, *, lead: str | None = None, language: str = "en", kit: KitNames | None = None
) -> str:
    """Render Markdown to sanitised HTML; `lead` (the dateline) opens the first paragraph.

    Quotes are typographic, as `language` (a BCP 47 tag) writes them; footnotes
    are numbered and gathered at the end. Text that would keep Python-Markdown
    busy for minutes raises RenderError instead (see the limits above). With
    `kit`, an image or a link naming a file of the media kit is kept, as
    `pressroom-kit:<file>` (see `rewrite_kit`); every other relative address goes.
    """
    _check_limits(source)
    md, lead_processor = _converter(quote_style(language))
    md.reset()
    lead_processor.lead = lead
    try:
        html = md.convert(source)
    except RecursionError:
        raise RenderError("Markdown nested too deeply to render") from None
    finally:
        lead_processor.lead = None
    html = sanitize(html, kit=kit)
    _check_html_nesting(html)
    return html


def _check_html_nesting(html: str) -> None:
    """Raise RenderError if sanitised HTML nests deeper than the PDF engine can lay out."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        if match[2] in _VOID:
            continue
        depth += -1 if match[1] else 1
        deepest = max(deepest, depth)
    if deepest > MAX_HTML_NESTING:
        raise RenderError(f"HTML in the Markdown nested {deepest} levels deep (at most {MAX_HTML_NESTING})")


def sanitize(html: str, *, kit: KitNames | None = None) -> str:
    """HTML cut down to the allow-list; `kit` says which relative addresses are media kit files."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        # Relative addresses pass nh3 only to reach _keep_attribute, which keeps footnote
        # links and the media kit's files alone.
        url_relative="pass_through",
        attribute_filter=functools.partial(_keep_attribute, kit),
        allowed_classes=ALLOWED_CLASSES,
        link_rel="noopener",
    )


def _keep_attribute(kit: KitNames | None, tag: str, attribute: str, value: str) -> str | None:
    """Drop every relative address and id but a footnote's or a kit file's, and empty titles."""
    if attribute in ("href", "src") and not _ADDRESS_SCHEME.match(value):
        name = kit(value) if kit is not None and (tag, attribute) in _KIT_ATTRIBUTES else None
        if name is not None:
            return f"{KIT_SCHEME}:{name}"
        return value if attribute == "href" and _FOOTNOTE_ID.fullmatch(value.removeprefix("#")) else None
    if attribute == "id":
        return value if _FOOTNOTE_ID.fullmatch(value) else None
    if attribute == "title" and not value:
        return None
    return value


_KIT_ATTRIBUTES = {("img", "src"), ("a", "href")}
# An <img> or <a> of sanitised HTML naming a kit file. html5ever writes every attribute
# as name="value" with <, >, & and " escaped, so a tag ends at the first ">".
_KIT_TAG = re.compile(rf"<(img|a)\s([^>]*\b(?:src|href)=\"{KIT_SCHEME}:[^>]*)>")
_ATTRIBUTE = re.compile(r'([^\s="]+)="([^"]*)"')


def rewrite_kit(
    html: str,
    image: Callable[[str, Mapping[str, str]], str],
    link: Callable[[str], str],
) -> str:
    """Sanitised HTML with its media kit files at one output's addresses.

    `image(name, attributes)` gives the whole <img> tag that shows the kit
    file `name` (its attributes as the body wrote them, unescaped), or "" to
    show nothing; `link(name)` gives the address a link to it points at. Both
    must escape what they write. HTML without a kit file comes back as it is.
    """
    if f"{KIT_SCHEME}:" not in html:
        return html

    def rewrite(match: re.Match[str]) -> str:
        attributes = {k: html_lib.unescape(v) for k, v in _ATTRIBUTE.findall(match[2])}
        if match[1] == "img":
            name = attributes.pop("src", "").removeprefix(f"{KIT_SCHEME}:")
            return image(name, attributes)
        name = attributes["href"].removeprefix(f"{KIT_SCHEME}:")
        return match[0].replace(f'href="{KIT_SCHEME}:{name}"', f'href="{html_lib.escape(link(name))}"', 1)

    return _KIT_TAG.sub(rewrite, html)


_ANY_TAG = re.compile(r"<[^>]*>")


@functools.lru_cache(maxsize=16)
def plain_text(html: str) -> str:
    """The words of sanitised HTML on one line: for descriptions and the search index.

    Much cheaper than `to_text`, which lays text out for an email; the site
    needs this for every release of the archive, three times (its description,
    its search words, its news items' word count): kept for the last few bodies.
    """
    return " ".join(html_lib.unescape(_ANY_TAG.sub(" ", html)).split())


def to_text(html: str, width: int = 72) -> str:
    """Plain text of sanitised HTML: paragraphs wrapped, lists bulleted, links spelt out.

    Paragraphs are separated by a blank line; the items of a list and the rows
    of a table by a line break, so a list still reads as one.
    """
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
        self._blocks: list[tuple[str, str, int]] = []  # (prefix, text, group)
        self._group = 0  # numbers the outermost lists and tables; 0 outside them
        self._groups = 0
        self._open = 0  # lists and tables open
        self._buf: list[str] = []
        self._lists: list[list[int]] = []  # one counter per open list; -1 for bullets
        self._quote = 0
        self._pre = 0
        self._href: list[str | None] = []
        self._link_text: list[int] = []
        self._skip = 0  # inside a footnote's link back to its mark: "↩" means nothing in text
        self._prefix = ""

    def _flush(self) -> None:
        text = "".join(self._buf)
        if not self._pre:
            text = re.sub(r"[ \t\n\r\f\v]+", " ", text).strip(" ")  # a no-break space stays one
        self._buf = []
        if not text.strip():
            return  # an <li><p> keeps its bullet for the paragraph to come
        self._blocks.append((self._prefix, text, self._group))
        self._prefix = self._continuation()

    def _continuation(self) -> str:
        """The prefix of text that follows a block: under the list item's text, if in one."""
        return "> " * self._quote + "  " * len(self._lists)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._flush()
        if tag in ("ul", "ol", "table"):
            if not self._open:
                self._groups += 1
                self._group = self._groups
            self._open += 1
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
            self._blocks.append(("", "* * *", self._group))
        elif tag == "td" or tag == "th":
            if "".join(self._buf).strip():
                self._buf.append(" | ")
        elif tag == "a":
            attributes = dict(attrs)
            footnote = attributes.get("class") in ("footnote-ref", "footnote-backref")
            if attributes.get("class") == "footnote-backref":
                self._skip += 1
            elif footnote:
                self._buf.append("[")
            self._href.append(None if footnote else attributes.get("href"))
            self._link_text.append(len("".join(self._buf)))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self._buf.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href:
            href = self._href.pop()
            start = self._link_text.pop()
            if self._skip:
                self._skip -= 1
                return
            if href is None and "".join(self._buf)[start - 1 : start] == "[":
                self._buf.append("]")  # a footnote's mark: "[1]"
                return
            label = "".join(self._buf)[start:].strip()
            if href:
                shown = href.removeprefix("mailto:")
                if shown != label and href != label:
                    self._buf.append(f" <{shown}>")
            return
        if tag in ("ul", "ol", "table"):
            self._flush()
            if tag != "table" and self._lists:
                self._lists.pop()
            self._open = max(0, self._open - 1)
            if not self._open:
                self._group = 0
            self._prefix = self._continuation()
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
        if not self._skip:
            self._buf.append(data)

    def result(self, width: int) -> str:
        self._flush()
        out: list[str] = []
        previous = 0
        for prefix, text, group in self._blocks:
            if out:
                out.append("\n" if group and group == previous else "\n\n")
            previous = group
            if "\n" in text:
                out.append("\n".join(prefix + line for line in text.split("\n")))
                continue
            indent = " " * len(prefix) if prefix.rstrip().endswith(("-", ".")) else prefix
            out.append(fill(text, width, prefix, indent))
        return "".join(out)


def fill(text: str, width: int, first: str, rest: str) -> str:
    """`textwrap.fill` of one paragraph as `to_text` collapses it, never breaking a word or a hyphen.

    The same lines as textwrap's (tested against it), in a fifth of its time
    (it was a sixth of an email's): once `_flush` has collapsed the spaces,
    textwrap's chunks are the words and the single spaces between them, and
    its greedy fill is one comparison a word. A paragraph with a word made only
    of Unicode spaces, which textwrap drops at the end of a line like a space,
    is left to textwrap.
    """
    words = text.split(" ")
    if "" in words or not all(map(str.strip, words)) or _ASCII_SPACE.search(text):
        return textwrap.fill(
            text,
            width=width,
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        )
    lines = []
    indent, room = first, width - len(first)
    line, used = [words[0]], len(words[0])  # a word longer than the line stands alone
    for word in words[1:]:
        if used + 1 + len(word) <= room:
            line.append(word)
            used += 1 + len(word)
            continue
        lines.append(indent + " ".join(line))
        indent, room = rest, width - len(rest)
        line, used = [word], len(word)
    lines.append(indent + " ".join(line))
    return "\n".join(lines)
