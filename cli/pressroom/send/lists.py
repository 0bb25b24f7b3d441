"""Distribution lists: contacts/lists/<name>.csv or .yaml to validated recipients, or every problem.

A list is read the way releases are: every problem is collected and reported
as `path:line: field: message`, and nothing past this module re-checks a
recipient. Each CSV cell becomes a YAML-style node with its line, so the
loader's own checks (text on one line, the email address) apply unchanged to
both formats.

    contacts/lists/media.csv          contacts/lists/media.yaml
    name,email,outlet,language,tags   - name: Ann Example
    Ann Example,ann@example.org,...     email: ann@example.org
                                        tags: [defence, eu]

`name` and `email` are required; `outlet`, `language` (a BCP 47 tag; the
release's own language when empty) and `tags` (separated by `;` in CSV) are
optional. An address appears once per list, compared without regard to case.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from pathlib import Path

from pressroom.addresses import name_problem
from pressroom.content.config import LANGUAGE
from pressroom.content.fields import FieldReader  # one definition of a valid value, shared with releases
from pressroom.content.source import Mapping, Node, Scalar, Sequence, parse_yaml, read_text
from pressroom.content.suggest import did_you_mean
from pressroom.errors import ConfigError, ContentError, Problem

FOLDER = "contacts/lists"
COLUMNS = ("name", "email", "outlet", "language", "tags")
REQUIRED = ("name", "email")
SUFFIXES = (".csv", ".yaml")
LIST_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")  # whole name: fullmatch, not `$` (which allows "x\n")


@dataclass(frozen=True, slots=True)
class Recipient:
    """One journalist on a list."""

    name: str
    email: str
    line: int  # where the entry starts in its file, for messages
    outlet: str | None = None
    language: str | None = None  # None: whatever language the release is in
    tags: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The address as the ledger and the duplicate check compare it."""
        return self.email.lower()

    @property
    def address(self) -> Address:
        """The recipient's name and address; addresses.address_header writes it as To:."""
        return Address(display_name=self.name, addr_spec=self.email)


@dataclass(frozen=True, slots=True)
class MediaList:
    name: str
    path: str  # relative to the newsroom root
    recipients: tuple[Recipient, ...]


def list_names(root: Path) -> list[str]:
    """The names of the lists in contacts/lists/, sorted."""
    folder = root / FOLDER
    if not folder.is_dir():
        return []
    # Not only regular files: a named pipe called x.csv is named, so `check` refuses it.
    return sorted(
        {p.stem for p in folder.iterdir() if p.suffix in SUFFIXES and p.exists() and not p.is_dir()}
    )


def check_address(text: str) -> str | None:
    """Why `text` is not an address a message can go to, or None when it is one."""
    problems: list[Problem] = []
    _Recipients("", problems).email(Scalar(text.strip(), 0), None, 0)
    return problems[0].message if problems else None


def load_list(root: Path, name: str) -> MediaList:
    """Read and validate contacts/lists/<name>.csv or .yaml.

    Raises ConfigError when there is no such list, and ContentError with every
    problem when the file has any.
    """
    if not LIST_NAME.fullmatch(name):
        raise ConfigError(
            f"'{name}' is not a list name: use lowercase letters, digits, '-' and '_' "
            f"(the file name in {FOLDER}/ without .csv or .yaml)"
        )
    root = root.resolve()
    found = [root / FOLDER / f"{name}{suffix}" for suffix in SUFFIXES]
    found = [p for p in found if p.exists() and not p.is_dir()]  # read_text refuses all but a plain file
    if not found:
        names = list_names(root)
        known = f"; lists there: {', '.join(names)}" if names else f"; {FOLDER}/ has none"
        raise ConfigError(
            f"no list '{name}' ({FOLDER}/{name}.csv or .yaml){did_you_mean(name, names)}{known}"
        )
    if len(found) > 1:
        raise ConfigError(f"both {FOLDER}/{name}.csv and {name}.yaml exist: keep one of them")
    path = found[0]
    rel = f"{FOLDER}/{path.name}"
    if not path.resolve().is_relative_to(root):
        raise ContentError(
            [Problem(rel, 0, "", "is a link to a file outside the newsroom; copy the file in instead")]
        )
    text = read_text(path, rel)
    problems: list[Problem] = []
    entries = (
        _csv_entries(text, rel, problems) if path.suffix == ".csv" else _yaml_entries(text, rel, problems)
    )
    recipients = _Recipients(rel, problems).read(entries)
    if not recipients and not problems:
        problems.append(Problem(rel, 0, "", "the list has no recipients"))
    if problems:
        raise ContentError(problems)
    return MediaList(name=name, path=rel, recipients=tuple(recipients))


# One entry: its first line and its fields as nodes, whichever format it came from.
_Entry = tuple[int, dict[str, Node], dict[str, int]]


def _csv_entries(text: str, rel: str, problems: list[Problem]) -> list[_Entry]:
    reader = csv.reader(io.StringIO(text), strict=True)
    header: list[str] | None = None
    header_line = 1
    entries: list[_Entry] = []
    line = 1  # the first line of the row being read
    try:
        for row in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header, header_line = [cell.strip().lower() for cell in row], start
                if not _check_header(header, start, rel, problems):
                    return []
                continue
            if len(row) != len(header):
                problems.append(
                    Problem(
                        rel, start, "", f"{len(row)} values for {len(header)} columns ({', '.join(header)})"
                    )
                )
                continue
            cells: dict[str, Node] = {}
            for column, cell in zip(header, row, strict=True):
                if column == "tags" and cell.strip():
                    tags = (Scalar(t.strip(), start) for t in cell.split(";") if t.strip())
                    cells[column] = Sequence(tuple(tags), start)
                elif column in COLUMNS:  # an empty cell is a field left empty, as `outlet:` in YAML
                    cells[column] = Scalar(cell if cell.strip() else None, start)
            entries.append((start, cells, dict.fromkeys(cells, start)))
    except csv.Error as exc:
        problems.append(Problem(rel, line, "", f"CSV syntax error: {exc}"))
    if header is None:
        problems.append(
            Problem(rel, header_line, "", f"the first line must name the columns: {', '.join(COLUMNS)}")
        )
    return entries


def _check_header(header: list[str], line: int, rel: str, problems: list[Problem]) -> bool:
    """Report unknown, repeated and missing columns; False when rows cannot be read."""
    before = len(problems)
    seen: set[str] = set()
    for column in header:
        if column in seen:
            problems.append(Problem(rel, line, column, "column given twice"))
        elif column not in COLUMNS:
            hint = did_you_mean(column, COLUMNS)
            problems.append(
                Problem(
                    rel, line, column or '""', f"unknown column{hint}; the columns are {', '.join(COLUMNS)}"
                )
            )
        seen.add(column)
    for column in REQUIRED:
        if column not in header:
            problems.append(Problem(rel, line, column, "column required"))
    return len(problems) == before


def _yaml_entries(text: str, rel: str, problems: list[Problem]) -> list[_Entry]:
    try:
        node = parse_yaml(text, rel)
    except ContentError as exc:
        problems.extend(exc.problems)
        return []
    if node is None:
        return []
    if not isinstance(node, Sequence):
        problems.append(
            Problem(rel, node.line, "", "a list file is a list of entries, each starting with '- name:'")
        )
        return []
    fields = FieldReader(rel, problems)
    entries: list[_Entry] = []
    for item in node.items:
        if not isinstance(item, Mapping):
            fields.problem(item.line, "", f"expected an entry with fields ({', '.join(COLUMNS)})")
            continue
        found = fields.fields(item, "", COLUMNS) or {}
        lines = {key.value or "": key.line for key, _ in item.items}
        entries.append((item.line, found, lines))
    return entries


class _Recipients:
    """Typed reading of list entries, appending problems as it goes."""

    def __init__(self, rel: str, problems: list[Problem]) -> None:
        self._rel = rel
        self._problems = problems
        self._fields = FieldReader(rel, problems)

    def _problem(self, line: int, field: str, message: str) -> None:
        self._problems.append(Problem(self._rel, line, field, message))

    def read(self, entries: list[_Entry]) -> list[Recipient]:
        recipients: list[Recipient] = []
        first_line: dict[str, int] = {}
        for line, f, lines in entries:
            before = len(self._problems)
            name = self._fields.required_text(f.get("name"), "name", line)
            if name is not None and (problem := name_problem(name)):
                # The name goes into the To: header of every message to this recipient.
                self._problem(lines.get("name", line), "name", problem)
                name = None
            email = self.email(f.get("email"), name, line)
            outlet = self._fields.text(f["outlet"], "outlet") if "outlet" in f else None
            language = self._fields.text(f["language"], "language") if "language" in f else None
            if language is not None and not LANGUAGE.match(language):
                self._problem(
                    lines.get("language", line),
                    "language",
                    f"expected a language tag such as 'en' or 'fr', found '{language}'",
                )
            tags = self._fields.text_list(f["tags"], "tags") if "tags" in f else ()
            if email is not None:
                key = email.lower()
                if key in first_line:
                    where = lines.get("email", line)
                    self._problem(where, "email", f"'{email}' is already on line {first_line[key]}")
                    continue
                first_line[key] = line
            if len(self._problems) > before or name is None or email is None:
                continue
            recipients.append(Recipient(name, email, line, outlet, language, tags))
        return recipients

    def email(self, node: Node | None, name: str | None, line: int) -> str | None:
        before = len(self._problems)
        email = self._fields.email(node, "email") if node is not None else None
        if email is None:
            if len(self._problems) == before:  # missing or left empty; a refused one has its message
                self._problem(node.line if node is not None else line, "email", "field required")
            return None
        where = node.line if node is not None else line
        if not email.isascii():
            # Sending to one would need SMTPUTF8 from every server on the way.
            self._problem(
                where, "email", f"'{email}' is an international address, which cannot be sent to yet"
            )
            return None
        try:
            Address(display_name=name or "", addr_spec=email)
        # The standard library's parser raises any of these on malformed input.
        except (ValueError, IndexError, AttributeError, HeaderParseError):
            self._problem(where, "email", f"'{email}' is not an email address")
            return None
        return email
