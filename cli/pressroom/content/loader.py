"""Stage two: node trees to one validated Newsroom, or every problem at once.

An editor who made five typos wants five messages in one run, so nothing here
stops at the first problem: each check appends a Problem and carries on, and
`load_newsroom` raises a single ContentError at the end. Past this module the
code trusts the model.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

from pressroom.content.config import LANGUAGE, load_settings
from pressroom.content.source import (
    Mapping,
    Node,
    Scalar,
    Sequence,
    parse_front_matter,
    parse_yaml,
    read_text,
)
from pressroom.content.suggest import did_you_mean
from pressroom.errors import ContentError, Problem, Severity
from pressroom.house import DEFAULT_TEMPLATES
from pressroom.model import (
    RELEASE_FIELDS,
    TRANSLATION_FIELDS,
    Attendee,
    Contact,
    Link,
    Newsroom,
    Release,
    Settings,
    Status,
    source_hash,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
CONTACT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# releases/<slug>.<lang>.md: the same release in another language. The tag's
# first part is lower case, as BCP 47 writes it and as URLs will show it.
_TRANSLATION = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]*)\.(?P<lang>[^.]*)$")
_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_HASH = re.compile(r"^[0-9a-f]{12}$")
# ASCII digits only: `\d` alone would let Arabic-Indic digits through to a
# confusing "not a real date".
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(:\d{2}(\.\d+)?)?)(?P<offset>Z|[+-]\d{2}:?\d{2})?$",
    re.ASCII,
)
# An instant is shown in the newsroom's zone and in UTC; within a day or so of the
# calendar's ends (years 1 and 9999) some zone has no such time, and converting
# raises OverflowError. Comparing aware datetimes never converts, so this check is safe.
_FIRST_INSTANT = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)
_LAST_INSTANT = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)
_EMAIL = re.compile(r"^[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+$")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]{5,40}$")
# Characters that have no place in a one-line field: C0/C1 controls and the
# Unicode line separators, which would split an email header or a dateline.
_LINE_BREAKERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")

REQUIRED = ("title", "date", "location")
ATTENDEE_FIELDS = ("name", "role", "organization")
LINK_FIELDS = ("title", "url")
CONTACT_FIELDS = ("name", "role", "organization", "city", "email", "phone")


class ReleaseCache(Protocol):
    """Releases loaded before, by file content.

    A rebuild of 1,000 releases reads YAML only for those that changed.
    """

    def lookup(
        self, rel: str, data: bytes, settings: Settings, contacts: dict[str, Contact]
    ) -> tuple[Release, list[Problem]] | None: ...

    def store(
        self,
        rel: str,
        data: bytes,
        settings: Settings,
        contacts: dict[str, Contact],
        release: Release,
        problems: list[Problem],
    ) -> None: ...


def load_newsroom(root: Path, cache: ReleaseCache | None = None) -> Newsroom:
    """Load pressroom.toml, contacts/ and releases/ under `root` into a Newsroom.

    Raises ContentError with every error found; warnings ride along on the
    returned Newsroom. With a `cache`, a release file whose bytes, contacts and
    settings are as they were is taken from it instead of being parsed again.
    """
    root = root.resolve()
    problems: list[Problem] = []
    try:
        settings = load_settings(root)
    except ContentError as exc:
        problems.extend(exc.problems)
        settings = Settings(name="Newsroom", url="https://example.org/", language="en", timezone="UTC")
    contacts, contact_files = _load_contacts(root, problems)
    templates = _templates(root, problems)
    files = _files(root, "releases", ".md", problems)
    # Originals first: a translation is read against its original.
    others = [(path, _TRANSLATION.match(path.name[: -len(".md")])) for path in files]
    releases = []
    loaded: dict[str, Release] = {}
    for path, match in others:
        if match is None:
            release = _cached_release(cache, path, settings, contacts, problems)
            if release is not None:
                releases.append(release)
                loaded[release.slug] = release
    translations = []
    for path, match in others:
        if match is not None:
            translation = _load_translation(
                path, match["slug"], match["lang"], settings, contacts, loaded, problems
            )
            if translation is not None:
                translations.append(translation)
    _refuse_duplicate_languages(translations, problems)
    problems.extend(_unlabelled_languages(releases + translations, templates))
    used = {c.id for r in releases + translations for c in r.contacts if c.id}
    for contact_id, rel in sorted(contact_files.items()):
        if contact_id not in used and releases:
            problems.append(Problem(rel, 0, "", "no release names this contact", Severity.WARNING))
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise ContentError(problems)
    releases.sort(key=lambda r: (r.published, r.slug), reverse=True)
    order = {r.slug: i for i, r in enumerate(releases)}
    translations.sort(key=lambda t: (order[t.slug], t.language.lower()))
    return Newsroom(
        root=root,
        settings=settings,
        releases=tuple(releases),
        contacts=contacts,
        templates=templates,
        warnings=tuple(sorted(problems)),
        translations=tuple(translations),
    )


def reload_releases(newsroom: Newsroom, slugs: Iterable[str]) -> Newsroom | None:
    """`newsroom` with some releases, and their translations, read again from their files.

    The preview's fast path: a save of releases/<slug>.md or of one of its
    translations changes nothing else the loader reads, so the other releases
    are kept as loaded. None when the files are not the ones `newsroom` was
    loaded from (a release or a translation added or removed): only a whole
    load can tell what that changes. Raises ContentError with these files'
    problems. The checks across the newsroom that only warn (a contact no
    release names) wait for the next whole load.
    """
    root = newsroom.root
    problems: list[Problem] = []
    wanted = set(slugs)
    releases = {r.slug: r for r in newsroom.releases}
    fresh: dict[str, Release] = {}
    translations: list[Release] = []
    paths: set[str] = set()
    for slug in sorted(wanted):
        path = root / "releases" / f"{slug}.md"
        known = {t.path for t in newsroom.translations_of(slug)}
        found = sorted((root / "releases").glob(f"{slug}.*.md"))  # a slug has no glob characters
        if (
            slug not in releases
            or not path.is_file()
            or {f"releases/{p.name}" for p in found} != known
            or not all(p.resolve().is_relative_to(root) for p in (path, *found))
        ):
            return None  # a file added, removed or refused: the whole load says what that changes
        release = _load_release(path, newsroom.settings, newsroom.contacts, problems)
        if release is not None:
            fresh[slug] = release
        for p in found:
            tag = p.name[len(slug) + 1 : -len(".md")]
            originals = {slug: release} if release else {}
            t = _load_translation(p, slug, tag, newsroom.settings, newsroom.contacts, originals, problems)
            if t is not None:
                translations.append(t)
        paths |= {f"releases/{p.name}" for p in (path, *found)}
    _refuse_duplicate_languages(translations, problems)
    if any(p.severity is Severity.ERROR for p in problems):
        raise ContentError(problems)
    kept = [r for r in newsroom.releases if r.slug not in wanted] + list(fresh.values())
    kept.sort(key=lambda r: (r.published, r.slug), reverse=True)
    order = {r.slug: i for i, r in enumerate(kept)}
    versions = [t for t in newsroom.translations if t.slug not in wanted] + translations
    versions.sort(key=lambda t: (order[t.slug], t.language.lower()))
    warnings = [w for w in newsroom.warnings if w.path not in paths] + problems
    return replace(
        newsroom, releases=tuple(kept), translations=tuple(versions), warnings=tuple(sorted(warnings))
    )


def _files(root: Path, folder: str, suffix: str, problems: list[Problem]) -> list[Path]:
    """The files of one content folder, refusing links that lead out of the newsroom."""
    base = root / folder
    if not base.is_dir():
        return []
    found = []
    for path in sorted(base.iterdir()):
        if path.name.startswith(".") or path.suffix != suffix or path.is_dir():
            continue
        rel = f"{folder}/{path.name}"
        if not path.resolve().is_relative_to(root):
            problems.append(
                Problem(rel, 0, "", "is a link to a file outside the newsroom; copy the file in instead")
            )
            continue
        found.append(path)
    return found


def _unlabelled_languages(releases: Iterable[Release], templates: Path | None) -> list[Problem]:
    """A warning for each release in a language the house style has no labels for.

    Its dates still come out in its language (Babel), but "FOR IMMEDIATE
    RELEASE", "Page 1 of 2" and "-more-" would be in English. The labels are
    messages.po catalogues under templates/locale/, the newsroom's or the house
    style's, for the language or its region ('pt' or 'pt_BR'). The messages are
    written in English, so English needs none.
    """
    folders = [f / "locale" for f in ((templates,) if templates else ()) + (DEFAULT_TEMPLATES,)]
    problems = []
    for release in releases:
        tag = release.language.replace("-", "_")
        primary = tag.split("_")[0].lower()
        if primary == "en" or any(
            (folder / name / "LC_MESSAGES" / "messages.po").is_file()
            for folder in folders
            for name in {primary, tag}
        ):
            continue
        problems.append(
            Problem(
                release.path,
                0,
                "language",
                f"no labels in '{release.language}': its dates are in that language, but \"FOR IMMEDIATE "
                f'RELEASE" and the other labels will be in English; translate them in '
                f"templates/locale/{primary}/LC_MESSAGES/messages.po (see CONTRIBUTING.md)",
                Severity.WARNING,
            )
        )
    return problems


def _templates(root: Path, problems: list[Problem]) -> Path | None:
    """The newsroom's own templates/ folder, refusing links that lead out of the newsroom.

    Jinja reads templates and the build copies assets/ into the site following
    links, so a link in templates/ to a file elsewhere on the machine would put
    that file into the output. Links to folders are followed to check what they
    hold, each real folder once, so a loop of links ends.
    """
    folder = root / "templates"
    if not folder.is_dir():
        return None
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        real = Path(os.path.realpath(dirpath))
        here = Path(dirpath).relative_to(root).as_posix()
        if not real.is_relative_to(root):
            problems.append(
                Problem(here, 0, "", "is a link to a folder outside the newsroom; copy the folder in instead")
            )
            dirnames.clear()
            continue
        if str(real) in seen:
            dirnames.clear()
            continue
        seen.add(str(real))
        for name in filenames:
            if not Path(os.path.realpath(Path(dirpath) / name)).is_relative_to(root):
                message = "is a link to a file outside the newsroom; copy the file in instead"
                problems.append(Problem(f"{here}/{name}", 0, "", message))
    return folder


def _load_contacts(root: Path, problems: list[Problem]) -> tuple[dict[str, Contact], dict[str, str]]:
    contacts: dict[str, Contact] = {}
    files: dict[str, str] = {}
    base = root / "contacts"
    if base.is_dir():
        for path in sorted(base.glob("*.yml")):
            problems.append(Problem(f"contacts/{path.name}", 0, "", "contact files end in .yaml; rename it"))
    for path in _files(root, "contacts", ".yaml", problems):
        rel = f"contacts/{path.name}"
        contact_id = path.stem
        if not CONTACT_ID.match(contact_id):
            problems.append(
                Problem(
                    rel,
                    0,
                    "",
                    f"'{contact_id}' is not a valid contact id: use lowercase letters, digits, '-' and '_'",
                )
            )
            continue
        try:
            node = parse_yaml(read_text(path, rel), rel)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        if not isinstance(node, Mapping):
            problems.append(
                Problem(rel, node.line if node else 1, "", "a contact must be 'field: value' lines")
            )
            continue
        contact = FieldReader(rel, problems).contact(node, "", contact_id)
        if contact is not None:
            contacts[contact_id] = contact
            files[contact_id] = rel
    return contacts, files


def _cached_release(
    cache: ReleaseCache | None,
    path: Path,
    settings: Settings,
    contacts: dict[str, Contact],
    problems: list[Problem],
) -> Release | None:
    if cache is None:
        return _load_release(path, settings, contacts, problems)
    rel = f"releases/{path.name}"
    try:
        data = path.read_bytes()
    except OSError:  # reported by the loader itself, with its usual message
        return _load_release(path, settings, contacts, problems)
    hit = cache.lookup(rel, data, settings, contacts)
    if hit is not None:
        problems.extend(hit[1])
        return hit[0]
    before = len(problems)
    release = _load_release(path, settings, contacts, problems)
    own = problems[before:]
    if release is not None and all(p.severity is Severity.WARNING for p in own):
        cache.store(rel, data, settings, contacts, release, own)
    return release


def _load_release(
    path: Path, settings: Settings, contacts: dict[str, Contact], problems: list[Problem]
) -> Release | None:
    rel = f"releases/{path.name}"
    slug = path.name[: -len(".md")]
    if not SLUG.match(slug):
        hint = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-") or "my-release"
        problems.append(
            Problem(
                rel,
                0,
                "",
                f"'{slug}' is not a valid slug: use lowercase letters, digits and '-', e.g. '{hint}.md'",
            )
        )
        return None
    try:
        text = read_text(path, rel)
        doc = parse_front_matter(text, rel)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None
    return FieldReader(rel, problems).release(
        slug, doc.front, doc.body, doc.body_line, settings, contacts, digest=source_hash(text)
    )


def _load_translation(
    path: Path,
    slug: str,
    tag: str,
    settings: Settings,
    contacts: dict[str, Contact],
    originals: dict[str, Release],
    problems: list[Problem],
) -> Release | None:
    """releases/<slug>.<lang>.md, read against its original (see docs/release-format.md).

    Its own fields are checked even when its original has errors, so one run
    reports both files; it is built only when both load.
    """
    rel = f"releases/{path.name}"
    original = originals.get(slug)
    wrong = translation_language_problem(tag, slug, original)
    if wrong is None and original is None and not (path.parent / f"{slug}.md").is_file():
        wrong = f"a translation of nothing: there is no releases/{slug}.md to translate"
    if wrong is not None:
        problems.append(Problem(rel, 0, "", wrong))
        return None
    try:
        text = read_text(path, rel)
        doc = parse_front_matter(text, rel)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None
    return FieldReader(rel, problems).release(
        slug,
        doc.front,
        doc.body,
        doc.body_line,
        settings,
        contacts,
        digest=source_hash(text),
        translation=tag,
        original=original,
    )


def translation_language_problem(tag: str, slug: str, original: Release | None) -> str | None:
    """What is wrong with `tag` as the language of a translation of `slug`, or None.

    `pressroom new --translate` asks the same question before it writes a file.
    """
    if not _TAG.match(tag):
        return (
            f"'{tag}' is not a language tag: a translation is named <slug>.<lang>.md "
            f"with a tag such as 'fr' or 'pt-BR', e.g. '{slug}.fr.md'"
        )
    if not _knows(tag):
        return f"'{tag}' is not a language known to pressroom (Babel)"
    if original is not None and _same_language(tag, original.language):
        return f"'{tag}' is the language of {original.path} itself; a translation is in another language"
    return None


def _knows(tag: str) -> bool:
    """Whether Babel has a locale for the tag: its dates and its language's name come from there."""
    try:
        Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return False
    return True


def _same_language(tag: str, language: str) -> bool:
    """'fr' and 'fr-BE' are two languages here; 'en' against an original in 'en-GB' is one."""
    a, b = tag.lower().split("-"), language.lower().split("-")
    return a == b or (a[0] == b[0] and (len(a) == 1 or len(b) == 1))


def _refuse_duplicate_languages(translations: list[Release], problems: list[Problem]) -> None:
    """Two files of one release whose tags differ only in case would share a URL."""
    seen: dict[tuple[str, str], Release] = {}
    for t in translations:
        first = seen.setdefault((t.slug, t.language.lower()), t)
        if first is not t:
            problems.append(Problem(t.path, 0, "", f"the same language as {first.path}: keep one of them"))


@dataclass
class FieldReader:
    """Typed reading of node trees for one file, appending problems as it goes."""

    rel: str
    problems: list[Problem]
    _errors: int = field(default=0)

    def problem(self, line: int, path: str, message: str, severity: Severity = Severity.ERROR) -> None:
        if severity is Severity.ERROR:
            self._errors += 1
        self.problems.append(Problem(self.rel, line, path, message, severity))

    # -- scalars ---------------------------------------------------------------

    def text(self, node: Node, path: str, *, multiline: bool = False) -> str | None:
        if not isinstance(node, Scalar):
            kind = "a list" if isinstance(node, Sequence) else "a set of fields"
            self.problem(node.line, path, f"expected text, found {kind}")
            return None
        if node.value is None:
            return None
        value = node.value.strip()
        bad = (_CONTROLS if multiline else _LINE_BREAKERS).search(value)
        if bad:
            what = (
                "a line break"
                if bad[0] in "\n\r\u2028\u2029"
                else f"the control character U+{ord(bad[0]):04X}"
            )
            self.problem(
                node.line, path, f"contains {what}; {'remove it' if multiline else 'keep it on one line'}"
            )
            return None
        return value or None

    def required_text(self, node: Node | None, path: str, line: int, **kw: bool) -> str | None:
        before = self._errors
        value = None if node is None else self.text(node, path, **kw)
        # "field required" only for a missing or empty value: a refused one has its own message.
        if value is None and self._errors == before:
            self.problem(node.line if node else line, path, "field required")
        return value

    def date(self, node: Node, path: str) -> date | None:
        value = self.text(node, path)
        if value is None:
            return None
        if not _DATE.match(value):
            self.problem(node.line, path, f"expected a date as YYYY-MM-DD, found '{value}'")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problem(node.line, path, f"'{value}' is not a real date")
            return None

    def instant(self, node: Node, path: str) -> datetime | None:
        value = self.text(node, path)
        if value is None:
            return None
        match = _DATETIME.match(value)
        if not match:
            self.problem(
                node.line,
                path,
                f"expected a date and time such as 2018-05-25T12:00:00+02:00, found '{value}'",
            )
            return None
        if not match["offset"]:
            self.problem(
                node.line, path, f"'{value}' has no UTC offset: add one, e.g. '{value}+02:00' or '{value}Z'"
            )
            return None
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
        except ValueError:
            self.problem(node.line, path, f"'{value}' is not a real date and time")
            return None
        if not _FIRST_INSTANT <= moment <= _LAST_INSTANT:
            self.problem(node.line, path, f"'{value}' is too near the year 1 or 9999 for every time zone")
            return None
        return moment

    def email(self, node: Node, path: str) -> str | None:
        value = self.text(node, path)
        if value is not None and not _EMAIL.match(value):
            self.problem(node.line, path, f"'{value}' is not an email address")
            return None
        return value

    def url(self, node: Node, path: str) -> str | None:
        value = self.text(node, path)
        if value is None:
            return None
        parts = urlsplit(value)
        ok = (parts.scheme in ("http", "https") and parts.netloc) or (parts.scheme == "mailto" and parts.path)
        if not ok or re.search(r"\s", value):
            self.problem(node.line, path, f"expected an http, https or mailto address, found '{value}'")
            return None
        return value

    def text_list(self, node: Node, path: str) -> tuple[str, ...]:
        if isinstance(node, Scalar) and node.value is None:
            return ()  # `tags:` left empty means none, as an empty `subtitle:` does
        if not isinstance(node, Sequence):
            self.problem(node.line, path, "expected a list, e.g. [first, second]")
            return ()
        values = (self.text(item, f"{path}[{i}]") for i, item in enumerate(node.items))
        return tuple(v for v in values if v)

    def items(self, node: Node, path: str) -> tuple[Node, ...]:
        if isinstance(node, Sequence):
            return node.items
        if isinstance(node, Scalar) and node.value is None:
            return ()
        self.problem(node.line, path, "expected a list (one '- ' line per entry)")
        return ()

    def fields(self, node: Node, path: str, allowed: tuple[str, ...]) -> dict[str, Node] | None:
        """A mapping's fields by name, after reporting the unknown ones."""
        if not isinstance(node, Mapping):
            self.problem(node.line, path, f"expected fields ({', '.join(allowed)})")
            return None
        found = {}
        for key, value in node.items:
            name = key.value or ""
            if name in allowed:
                found[name] = value
            else:
                where = f"{path}.{name}" if path else name
                self.problem(key.line, where, f"unknown field{did_you_mean(name, allowed)}")
        return found

    # -- records ---------------------------------------------------------------

    def contact(self, node: Mapping, path: str, contact_id: str | None = None) -> Contact | None:
        before = self._errors
        f = self.fields(node, path, CONTACT_FIELDS) or {}
        p = f"{path}." if path else ""
        name = self.required_text(f.get("name"), f"{p}name", node.line)
        reach = self._errors
        email = self.email(f["email"], f"{p}email") if "email" in f else None
        phone = self.text(f["phone"], f"{p}phone") if "phone" in f else None
        if phone is not None and not _PHONE.match(phone):
            self.problem(
                f["phone"].line, f"{p}phone", f"'{phone}' is not a phone number (digits, spaces, + - ( ) . /)"
            )
        if email is None and phone is None and self._errors == reach:  # `email:` left empty counts too
            self.problem(node.line, path or "email", "a contact needs an email or a phone number")
        opt = {k: self.text(f[k], f"{p}{k}") if k in f else None for k in ("role", "organization", "city")}
        if self._errors > before or name is None:
            return None
        return Contact(name=name, id=contact_id, email=email, phone=phone, **opt)

    def release(
        self,
        slug: str,
        front: Mapping,
        body: str,
        body_line: int,
        settings: Settings,
        contacts: dict[str, Contact],
        *,
        digest: str = "",
        translation: str | None = None,
        original: Release | None = None,
    ) -> Release | None:
        """One release; or with `translation` (its language tag), a translation of `original`.

        A translation's `original` is None when the original did not load: its
        own fields are still checked, and nothing is returned.
        """
        # translated_from is known to every release, so that an original stating it
        # hears why it may not, rather than "unknown field".
        allowed = RELEASE_FIELDS + TRANSLATION_FIELDS + settings.custom_fields
        f = self.fields(front, "", allowed) or {}
        top = front.line
        title = self.required_text(f.get("title"), "title", top)
        before = self._errors
        day = self.date(f["date"], "date") if "date" in f else None
        # Missing, empty or blank is never dropped silently; a translation has its original's.
        if day is None and self._errors == before and translation is None:
            self.problem(f["date"].line if "date" in f else top, "date", "field required")
        location = self.required_text(f.get("location"), "location", top)
        opt = {k: self.text(f[k], k) if k in f else None for k in ("subtitle", "reference")}

        language = settings.language
        if "language" in f:
            language = self.text(f["language"], "language") or language
            if not LANGUAGE.match(language):
                self.problem(
                    f["language"].line,
                    "language",
                    f"expected a language tag such as 'en' or 'fr', found '{language}'",
                )
            elif translation is not None and language.lower() != translation.lower():
                self.problem(
                    f["language"].line,
                    "language",
                    f"'{language}' differs from the file name's '{translation}': "
                    "leave it out, a translation's file name gives its language",
                )
        if translation is not None:
            language = translation
        translated_from = self._translated_from(f.get("translated_from"), translation, original)
        status = Status.DRAFT
        if "status" in f:
            raw = self.text(f["status"], "status")
            if raw in ("draft", "approved"):
                status = Status(raw)
            elif raw is not None:
                self.problem(f["status"].line, "status", f"expected 'draft' or 'approved', found '{raw}'")
        embargo = self.instant(f["embargo"], "embargo") if "embargo" in f else None
        issuers = self.text_list(f["issuers"], "issuers") if "issuers" in f else ()
        tags = self.text_list(f["tags"], "tags") if "tags" in f else ()
        background = self.text(f["background"], "background", multiline=True) if "background" in f else None

        attendees = []
        for i, item in enumerate(self.items(f["attendees"], "attendees") if "attendees" in f else ()):
            path = f"attendees[{i}]"
            a = self.fields(item, path, ATTENDEE_FIELDS)
            if a is None:
                continue
            name = self.required_text(a.get("name"), f"{path}.name", item.line)
            extra = {k: self.text(a[k], f"{path}.{k}") if k in a else None for k in ("role", "organization")}
            if name:
                attendees.append(Attendee(name=name, **extra))

        links = []
        for i, item in enumerate(self.items(f["links"], "links") if "links" in f else ()):
            path = f"links[{i}]"
            lf = self.fields(item, path, LINK_FIELDS)
            if lf is None:
                continue
            before = self._errors
            url = self.url(lf["url"], f"{path}.url") if "url" in lf else None
            if url is None and self._errors == before:  # missing or `url:` left empty
                self.problem(lf["url"].line if "url" in lf else item.line, f"{path}.url", "field required")
            link_title = self.text(lf["title"], f"{path}.title") if "title" in lf else None
            if url:
                links.append(Link(title=link_title or url, url=url))

        release_contacts = []
        for i, item in enumerate(self.items(f["contacts"], "contacts") if "contacts" in f else ()):
            path = f"contacts[{i}]"
            if isinstance(item, Mapping):
                contact = self.contact(item, path)
            else:
                contact = self._contact_ref(item, path, contacts)
            if contact is not None:
                release_contacts.append(contact)

        custom = []
        for name in settings.custom_fields:
            if name in f:
                value = self.text(f[name], name, multiline=True)
                if value is not None:
                    custom.append((name, value))

        text = body.strip("\n")
        if "\x00" in text:
            self.problem(body_line, "body", "contains a NUL character; remove it")
        if not text.strip():
            self.problem(body_line, "body", "the release has no text below the front matter")

        if translation is not None:
            if original is None or self._errors or title is None or location is None:
                return None
            return self._translation(
                original,
                f,
                top,
                Release(
                    slug=slug,
                    path=self.rel,
                    title=title,
                    date=day or original.date,
                    location=location,
                    body=text,
                    issuers=issuers,
                    language=language,
                    status=status,
                    published=original.published,
                    embargo=embargo,
                    tags=tags,
                    attendees=tuple(attendees),
                    background=background,
                    links=tuple(links),
                    contacts=tuple(release_contacts),
                    custom=tuple(custom),
                    source_hash=digest,
                    translation_of=slug,
                    translated_from=translated_from,
                    original=original,
                    subtitle=opt["subtitle"],
                    reference=opt["reference"],
                ),
            )
        if self._errors or title is None or day is None or location is None:
            return None
        tz = settings.tz
        if embargo is not None and embargo.astimezone(tz).date() != day:
            self.problem(
                f["embargo"].line,
                "embargo",
                f"ends on {embargo.astimezone(tz).date()}, not on the release date {day}",
                Severity.WARNING,
            )
        published = embargo if embargo is not None else datetime.combine(day, time(0), tzinfo=tz)
        return Release(
            slug=slug,
            path=self.rel,
            title=title,
            date=day,
            location=location,
            body=text,
            issuers=issuers or (settings.name,),
            language=language,
            status=status,
            published=published,
            embargo=embargo,
            tags=tags,
            attendees=tuple(attendees),
            background=background,
            links=tuple(links),
            contacts=tuple(release_contacts),
            custom=tuple(custom),
            source_hash=digest,
            subtitle=opt["subtitle"],
            reference=opt["reference"],
        )

    def _translated_from(
        self, node: Node | None, translation: str | None, original: Release | None
    ) -> str | None:
        """The original's source_hash a translation was made from; a warning when it has changed since."""
        if node is None:
            return None
        value = self.text(node, "translated_from")
        if translation is None:
            self.problem(
                node.line,
                "translated_from",
                "only a translation (releases/<slug>.<lang>.md) names the original it was made from",
            )
            return None
        if value is None:
            return None
        if not _HASH.match(value):
            self.problem(
                node.line,
                "translated_from",
                f"expected the 12-character hash `pressroom new --translate` writes, found '{value}'",
            )
            return None
        if original is not None and value != original.source_hash:
            self.problem(
                node.line,
                "translated_from",
                f"{original.path} has changed since this translation was made ({value}, now "
                f"{original.source_hash}): the translation may be out of date; bring it up to date, "
                f"then set translated_from: {original.source_hash}",
                Severity.WARNING,
            )
        return value

    def _translation(self, original: Release, f: dict[str, Node], top: int, t: Release) -> Release | None:
        """A translation checked against its original, with what it does not state taken from it.

        Date and embargo are the original's: a translation may repeat them, not
        change them, since a translation never goes public apart from its original.
        """
        if "date" in f and t.date != original.date:
            self.problem(
                f["date"].line,
                "date",
                f"{t.date} differs from the date of {original.path}, {original.date}: "
                "leave it out, a translation has its original's date",
            )
        if t.embargo is not None and t.embargo != original.embargo:
            was = original.embargo.isoformat() if original.embargo else "none"
            self.problem(
                f["embargo"].line,
                "embargo",
                f"differs from the embargo of {original.path} ({was}): "
                "leave it out, a translation has its original's embargo",
            )
        for name, mine, theirs in (
            ("attendees", len(t.attendees), len(original.attendees)),
            ("links", len(t.links), len(original.links)),
        ):
            if mine != theirs:
                self.problem(
                    f[name].line if name in f else top,
                    name,
                    f"{theirs} in {original.path}, {mine} here: is one missing from the translation?",
                    Severity.WARNING,
                )
        if self._errors:
            return None
        # Empty counts as absent here too; custom fields are taken one by one.
        custom = dict(original.custom) | dict(t.custom)
        return replace(
            t,
            embargo=original.embargo,
            issuers=t.issuers or original.issuers,
            reference=t.reference or original.reference,
            tags=t.tags or original.tags,
            contacts=t.contacts or original.contacts,
            custom=tuple(custom.items()),
        )

    def _contact_ref(self, item: Node, path: str, contacts: dict[str, Contact]) -> Contact | None:
        before = self._errors
        contact_id = self.text(item, path)
        if contact_id is None:
            if isinstance(item, Scalar) and self._errors == before:  # a refused value has its message
                self.problem(item.line, path, "expected a contact id or a contact with name and email")
            return None
        if not CONTACT_ID.match(contact_id):
            self.problem(
                item.line,
                path,
                f"'{contact_id}' is not a valid contact id: use lowercase letters, digits, '-' and '_'",
            )
            return None
        if contact_id not in contacts:
            hint = did_you_mean(contact_id, contacts)
            self.problem(
                item.line, path, f"unknown contact '{contact_id}' (no contacts/{contact_id}.yaml){hint}"
            )
            return None
        return contacts[contact_id]
