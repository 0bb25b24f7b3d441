"""`pressroom lint`: the house-style review a wire editor gives every release, as rules with ids.

Runs on a loaded Newsroom (so only on valid releases) and reads each file
again for positions: the front matter's nodes give a field's line, the body
gives line and column. Each rule is one function registered under a stable
id (README, "House style"); a newsroom switches rules off or sets their
limits in pressroom.toml's [lint]. Findings are advice, never errors: `check`
shows them as warnings, `lint --strict` fails on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

from pressroom.content.source import Mapping, Node, Sequence, parse_front_matter, read_text
from pressroom.desk.config import DeskSettings, LintSettings, load_desk_settings
from pressroom.desk.fix import prose_lines, quotes_for, rewrites
from pressroom.errors import Problem, Severity
from pressroom.model import Newsroom, Release, Settings
from pressroom.render.view import ReleaseView


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One house-style point at one place: `file:line:col: rule-id: message`."""

    path: str
    line: int  # 1-based
    column: int  # 1-based
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.rule}: {self.message}"

    def as_problem(self) -> Problem:
        """As `check` lists it: a warning in the one problem format, the rule id as its field."""
        return Problem(self.path, self.line, self.rule, self.message, Severity.WARNING)


@dataclass
class Document:
    """One release file as the rules see it: the release, its nodes and its body with positions."""

    release: Release
    settings: Settings
    lint: LintSettings
    front: Mapping
    lines: list[str]  # the whole file
    body: str
    body_line: int  # file line of the body's first line
    now: datetime

    @cached_property
    def fields(self) -> dict[str, Node]:
        return {key.value or "": value for key, value in self.front.items}

    @cached_property
    def view(self) -> ReleaseView:
        return ReleaseView(self.release, self.settings, self.now)

    def at_field(self, name: str, rule: str, message: str, needle: str = "") -> Finding:
        """A finding on a front-matter field's line, at `needle` if the line shows it."""
        node = self.fields.get(name)
        line = node.line if node is not None else self.front.line
        return self.at_line(line, rule, message, needle)

    def at_line(self, line: int, rule: str, message: str, needle: str = "") -> Finding:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        column = text.find(needle) + 1 if needle and needle in text else len(text) - len(text.lstrip()) + 1
        return Finding(self.release.path, line, column, rule, message)

    def at_body(self, index: int, column: int, rule: str, message: str) -> Finding:
        """A finding in the body: its line `index` (0-based), `column` (0-based)."""
        return Finding(self.release.path, self.body_line + index, column + 1, rule, message)

    def prose(self) -> Iterator[tuple[int, str]]:
        """(index, line) of the body's prose lines, leaving out code blocks."""
        yield from prose_lines(self.body)

    def texts(self) -> Iterator[tuple[str, str]]:
        """(field, text) of the one-line fields a reader sees first: the headline and the subtitle."""
        for name in ("title", "subtitle"):
            value = getattr(self.release, name)
            if value:
                yield name, value


Rule = Callable[[Document], Iterator[Finding]]
RULES: dict[str, tuple[str, Rule]] = {}  # id -> (what it checks, the rule), in the order they run


def rule(rule_id: str, summary: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[rule_id] = (summary, fn)
        return fn

    return register


_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]]+[^\s<>()\[\].,;:!?\"'”’]")
_PROTECTED = re.compile(r"`+[^`]*`+|\]\([^)\n]*\)|<[^>\n]*>")
_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*[^\W\d_]|[^\W\d_]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+(?=[\"“‘(]?[^\W\d_a-z])")
_END_MARKS = re.compile(r"^\s*(#{3,}|\*{3,}|-?\s*ends\s*-?|- ?30 ?-)\s*$", re.IGNORECASE)


def _unprotected(line: str, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    shielded = {k for m in _PROTECTED.finditer(line) for k in range(m.start(), m.end())}
    for match in pattern.finditer(line):
        if match.start() not in shielded:
            yield match


# -- the rules, in the order a reader meets what they check -------------------------------


@rule("dateline", "a dateline the body writes itself is in the newsroom's form (dateline_style, AP or EU)")
def _dateline(doc: Document) -> Iterator[Finding]:
    for i, line in doc.prose():
        if not line.strip():
            continue
        place = doc.release.location
        opening = line.strip()
        if opening.lower().startswith(place.lower() + ","):
            expected = doc.view.dateline
            if not opening.startswith(expected):
                written = opening[: len(expected)].rstrip()
                style = "AP" if doc.settings.dateline_style == "ap" else "EU"
                yield doc.at_body(
                    i,
                    line.find(opening[0]),
                    "dateline",
                    f"'{written}' is not the newsroom's {style} form: write '{expected}'",
                )
        return


@rule("headline-length", "the headline is at most headline_max characters (default 100)")
def _headline_length(doc: Document) -> Iterator[Finding]:
    limit, title = doc.lint.headline_max, doc.release.title
    if len(title) > limit:
        yield doc.at_field(
            "title",
            "headline-length",
            f"the headline has {len(title)} characters; keep it to {limit}",
            title[:20],
        )


@rule("subtitle-length", "the subtitle is at most subtitle_max characters (default 150)")
def _subtitle_length(doc: Document) -> Iterator[Finding]:
    limit, subtitle = doc.lint.subtitle_max, doc.release.subtitle or ""
    if len(subtitle) > limit:
        yield doc.at_field(
            "subtitle",
            "subtitle-length",
            f"the subtitle has {len(subtitle)} characters; keep it to {limit}",
            subtitle[:20],
        )


def _shouting(text: str, lint: LintSettings) -> Iterator[tuple[int, str]]:
    """(offset, words) of capitals that shout: a run of them, or one word too long for an acronym."""
    words = [m for m in _WORD.finditer(text) if len(m[0]) > 1 and m[0].isupper()]
    run: list[re.Match[str]] = []

    def flush() -> Iterator[tuple[int, str]]:
        loud = [m for m in run if m[0] not in lint.caps_allow]
        long_ = [m for m in loud if len(m[0].replace("-", "")) > lint.caps_max]
        if (len(run) > 1 and any(len(m[0]) >= 4 for m in loud)) or long_:
            yield run[0].start(), text[run[0].start() : run[-1].end()]

    for m in words:
        if run and text[run[-1].end() : m.start()].strip(" ") == "":
            run.append(m)
            continue
        yield from flush()
        run = [m]
    if run:
        yield from flush()


@rule("all-caps", "no words in capitals beyond acronyms (caps_max letters, caps_allow)")
def _all_caps(doc: Document) -> Iterator[Finding]:
    message = "'{}' is in capitals: write it in sentence case"
    for name, text in doc.texts():
        for _, words in _shouting(text, doc.lint):
            yield doc.at_field(name, "all-caps", message.format(words), words)
    first = True
    for i, line in doc.prose():
        start = 0
        if first and line.strip():
            first = False
            if line.strip().upper().startswith(doc.release.location.upper() + ","):
                start = line.find(",")  # an AP dateline is in capitals on purpose
        for offset, words in _shouting(line[start:], doc.lint):
            yield doc.at_body(i, start + offset, "all-caps", message.format(words))


@rule("exclamation", "no exclamation marks")
def _exclamation(doc: Document) -> Iterator[Finding]:
    message = "exclamation mark: let the facts carry the news"
    for name, text in doc.texts():
        if "!" in text:
            yield doc.at_field(name, "exclamation", message, "!")
    for i, line in doc.prose():
        for m in _unprotected(line, re.compile(r"!(?!\[)")):
            yield doc.at_body(i, m.start(), "exclamation", message)


@rule("straight-quotes", "quotes and apostrophes are typographic (“ ” ‘ ’); --fix rewrites them")
def _straight_quotes(doc: Document) -> Iterator[Finding]:
    for r in rewrites(doc.body, doc.release.language):
        if r.old in "\"'":
            kind = "apostrophe" if r.old == "'" and r.new == "’" else "quote"
            yield doc.at_body(
                r.line,
                r.column,
                "straight-quotes",
                f"straight {kind} {r.old}: write {r.new} (lint --fix does)",
            )


@rule("dashes", "a dash between words is an en dash ( – ), not a hyphen; --fix rewrites it")
def _dashes(doc: Document) -> Iterator[Finding]:
    for r in rewrites(doc.body, doc.release.language):
        if r.old.strip().startswith("-"):
            yield doc.at_body(
                r.line, r.column + 1, "dashes", f"'{r.old.strip()}' used as a dash: write – (lint --fix does)"
            )


def _paragraphs(doc: Document) -> list[tuple[int, str]]:
    """(first line index, text) of the body's prose paragraphs."""
    found: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    last = -2
    for i, line in doc.prose():
        if not line.strip() or i != last + 1:
            if current:
                found.append((start, " ".join(current)))
            current = []
        if line.strip():
            if not current:
                start = i
            current.append(line.strip())
        last = i
    if current:
        found.append((start, " ".join(current)))
    return found


@rule(
    "unbalanced-quotes", "every opening quote is closed (a quote running on opens the next paragraph again)"
)
def _unbalanced_quotes(doc: Document) -> Iterator[Finding]:
    left, right, _, _ = quotes_for(doc.release.language)
    for name, text in doc.texts():
        if text.count(left) != text.count(right) or text.count('"') % 2:
            yield doc.at_field(name, "unbalanced-quotes", f"unbalanced quotes in the {name}")
    paragraphs = _paragraphs(doc)
    for n, (i, text) in enumerate(paragraphs):
        opens, closes, straight = text.count(left), text.count(right), text.count('"')
        runs_on = n + 1 < len(paragraphs) and paragraphs[n + 1][1].startswith((left, '"'))
        if (opens != closes and not (opens == closes + 1 and runs_on)) or (straight % 2 and not runs_on):
            detail = f"{opens} {left} and {closes} {right}" if opens != closes else f'{straight} straight "'
            yield doc.at_body(i, 0, "unbalanced-quotes", f"unbalanced quotes in this paragraph: {detail}")


def _items(doc: Document, name: str) -> tuple[Node, ...]:
    node = doc.fields.get(name)
    return node.items if isinstance(node, Sequence) else ()


@rule("attendee-role", "every attendee has a role")
def _attendee_role(doc: Document) -> Iterator[Finding]:
    for node, attendee in zip(_items(doc, "attendees"), doc.release.attendees, strict=False):
        if not attendee.role:
            yield doc.at_line(
                node.line, "attendee-role", f"attendee '{attendee.name}' has no role: say in what capacity"
            )


@rule("contact-phone", "every media contact has a phone number")
def _contact_phone(doc: Document) -> Iterator[Finding]:
    if doc.release.is_translation and "contacts" not in doc.fields:
        return  # its original's contacts, reported there
    for node, contact in zip(_items(doc, "contacts"), doc.release.contacts, strict=False):
        if not contact.phone:
            where = f" (contacts/{contact.id}.yaml)" if contact.id else ""
            yield doc.at_line(
                node.line,
                "contact-phone",
                f"contact '{contact.name}'{where} has no phone: journalists on a deadline call",
            )


@rule("end-mark", "the body does not write its own end mark: the house style adds it after the boilerplate")
def _end_mark(doc: Document) -> Iterator[Finding]:
    mark = doc.settings.end_mark
    for i, line in doc.prose():
        if line.strip() == mark or _END_MARKS.match(line):
            yield doc.at_body(
                i,
                len(line) - len(line.lstrip()),
                "end-mark",
                f"'{line.strip()}' ends the text early: the house style adds '{mark}' after the boilerplate",
            )


@rule("first-sentence", "the first sentence has at most first_sentence_max words (default 35)")
def _first_sentence(doc: Document) -> Iterator[Finding]:
    paragraphs = _paragraphs(doc)
    if not paragraphs:
        return
    i, text = paragraphs[0]
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    dateline = doc.view.dateline
    if text.startswith(dateline):
        text = text[len(dateline) :]
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    count = len(sentence.split())
    limit = doc.lint.first_sentence_max
    if count > limit:
        yield doc.at_body(
            i, 0, "first-sentence", f"the first sentence has {count} words: say the news in {limit} or fewer"
        )


@rule("bare-url", "links have words: no bare URL in the text, a title for each entry of links")
def _bare_url(doc: Document) -> Iterator[Finding]:
    for node, link in zip(_items(doc, "links"), doc.release.links, strict=False):
        if link.title == link.url:
            yield doc.at_line(node.line, "bare-url", f"link {link.url} has no title: say what it leads to")
    for i, line in doc.prose():
        for m in _unprotected(line, _URL):
            yield doc.at_body(
                i, m.start(), "bare-url", f"bare URL {m[0]}: give it words, [what it is]({m[0]})"
            )
        for m in re.finditer(r"<(https?://[^>\s]+)>", line):
            yield doc.at_body(
                i, m.start(), "bare-url", f"bare URL {m[1]}: give it words, [what it is]({m[1]})"
            )


@rule("image-alt", "every image has alt text")
def _image_alt(doc: Document) -> Iterator[Finding]:
    message = "image without alt text: say what it shows, ![a description](...)"
    for i, line in doc.prose():
        for m in re.finditer(r"!\[\s*\]\(", line):
            yield doc.at_body(i, m.start(), "image-alt", message)
        for m in re.finditer(r"<img\b[^>]*>", line, re.IGNORECASE):
            if not re.search(r"\balt\s*=\s*(\"[^\"]+\"|'[^']+'|[^\s\"'>]+)", m[0], re.IGNORECASE):
                yield doc.at_body(i, m.start(), "image-alt", message)


@rule("forbidden-word", "none of the words in forbidden_words (by default, hype such as 'groundbreaking')")
def _forbidden_word(doc: Document) -> Iterator[Finding]:
    if not doc.lint.forbidden_words:
        return
    words = sorted(doc.lint.forbidden_words, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", re.IGNORECASE
    )

    def message(found: str) -> str:
        return f"'{found}' is on the newsroom's list of words to avoid"

    for name, text in doc.texts():
        for m in pattern.finditer(text):
            yield doc.at_field(name, "forbidden-word", message(m[0]), m[0])
    for i, line in doc.prose():
        for m in _unprotected(line, pattern):
            yield doc.at_body(i, m.start(), "forbidden-word", message(m[0]))


# -- running them -------------------------------------------------------------------------

BOILERPLATE = "boilerplate"  # a newsroom-wide rule: reported once, on pressroom.toml


def rule_ids() -> tuple[str, ...]:
    return (*RULES, BOILERPLATE)


def lint_newsroom(newsroom: Newsroom, desk: DeskSettings, now: datetime) -> list[Finding]:
    """Every finding of the enabled rules, for every release and translation, in file order."""
    findings: list[Finding] = []
    settings, lint = newsroom.settings, desk.lint
    if lint.enabled(BOILERPLATE) and not settings.boilerplate.strip():
        findings.append(
            Finding(
                "pressroom.toml",
                1,
                1,
                BOILERPLATE,
                f'no boilerplate: add boilerplate = """...""", the "About {settings.name}" '
                "every release ends with",
            )
        )
    for release in (*newsroom.releases, *newsroom.translations):
        doc = _document(newsroom.root, release, settings, lint, now)
        for rule_id, (_, fn) in RULES.items():
            if lint.enabled(rule_id):
                findings.extend(fn(doc))
    return sorted(findings)


def _document(
    root: Path, release: Release, settings: Settings, lint: LintSettings, now: datetime
) -> Document:
    text = read_text(root / release.path, release.path)
    parsed = parse_front_matter(text, release.path)
    return Document(
        release=release,
        settings=settings,
        lint=lint,
        front=parsed.front,
        lines=text.split("\n"),
        body=parsed.body,
        body_line=parsed.body_line,
        now=now,
    )


def check_warnings(newsroom: Newsroom, now: datetime) -> list[Problem]:
    """What `check` adds to the loader's warnings: the findings, when pressroom.toml has a [lint] table.

    Raises ContentError when [lint] or [references] has a bad value.
    """
    desk = load_desk_settings(newsroom.root, rule_ids())
    if not desk.in_check:
        return []
    return [f.as_problem() for f in lint_newsroom(newsroom, desk, now)]


def run_lint(root: Path, now: datetime, *, fix: bool = False) -> tuple[list[str], list[Finding]]:
    """`pressroom lint`: with `fix`, the diffs of the files rewritten first; then every finding.

    Raises ContentError when the newsroom has errors: the rules read valid releases only.
    """
    from pressroom.content.loader import load_newsroom
    from pressroom.desk.fix import fix_file

    root = root.resolve()
    newsroom = load_newsroom(root)
    desk = load_desk_settings(root, rule_ids())
    diffs: list[str] = []
    if fix:
        for release in (*newsroom.releases, *newsroom.translations):
            diff = fix_file(root, release.path, release.language)
            if diff:
                diffs.append(diff)
        if diffs:
            newsroom = load_newsroom(root)
    return diffs, lint_newsroom(newsroom, desk, now)
