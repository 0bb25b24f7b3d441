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
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from pressroom.content.config import load_settings
from pressroom.content.fields import CONTACT_ID, FieldReader
from pressroom.content.media import Failed, KitFacts, with_kits
from pressroom.content.releases import read_release
from pressroom.content.source import (
    Mapping,
    Signature,
    ensure_regular,
    parse_front_matter,
    parse_yaml,
    read_bytes,
    read_text,
    signature,
)
from pressroom.content.templates import catalogue_file, template_dirs
from pressroom.errors import ContentError, Problem, Severity
from pressroom.languages import is_known, primary, same_language, sort_key
from pressroom.model import Contact, MediaFile, Newsroom, Release, Settings, source_hash

# \Z, not $: `$` also matches before a final newline, and a file named "abc\n.md"
# would pass as the slug "abc\n" and publish a folder of that name.
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")
# releases/<slug>.<lang>.md: the same release in another language. The tag's
# first part is lower case, as BCP 47 writes it and as URLs will show it.
_TRANSLATION = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]*)\.(?P<lang>[^.]*)\Z")
_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")


class ReleaseCache(KitFacts, Protocol):
    """Releases loaded before, by file signature or content, and kit files by signature.

    A rebuild of 1,000 releases reads only the release files whose signature
    changed, parses YAML only for those whose bytes did, and decodes only the
    photos that changed.
    """

    def recall(
        self, rel: str, found: Signature | None, settings: Settings, contacts: dict[str, Contact]
    ) -> tuple[Release, list[Problem]] | None:
        """Asked first, before the file is read: a hit by signature (source.settled) needs no read."""
        ...

    def lookup(
        self,
        rel: str,
        data: bytes,
        settings: Settings,
        contacts: dict[str, Contact],
        found: Signature | None,
    ) -> tuple[Release, list[Problem]] | None: ...

    def store(
        self,
        rel: str,
        data: bytes,
        settings: Settings,
        contacts: dict[str, Contact],
        release: Release,
        problems: list[Problem],
        found: Signature | None,
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
    failed: Failed = {}
    for path, match in others:
        if match is None:
            release = _cached_release(cache, path, settings, contacts, problems, failed)
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
    everything = with_kits(root, releases + translations, problems, known=cache, failed=failed)
    releases, translations = everything[: len(releases)], everything[len(releases) :]
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
    translations.sort(key=lambda t: (order[t.slug], sort_key(t.language)))
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
    everything = with_kits(root, [*fresh.values(), *translations], problems, undeclared=False)
    fresh = {r.slug: r for r in everything[: len(fresh)]}
    translations = everything[len(fresh) :]
    if any(p.severity is Severity.ERROR for p in problems):
        raise ContentError(problems)
    kept = [r for r in newsroom.releases if r.slug not in wanted] + list(fresh.values())
    kept.sort(key=lambda r: (r.published, r.slug), reverse=True)
    order = {r.slug: i for i, r in enumerate(kept)}
    versions = [t for t in newsroom.translations if t.slug not in wanted] + translations
    versions.sort(key=lambda t: (order[t.slug], sort_key(t.language)))
    warnings = [w for w in newsroom.warnings if w.path not in paths] + problems
    return replace(
        newsroom, releases=tuple(kept), translations=tuple(versions), warnings=tuple(sorted(warnings))
    )


def _files(root: Path, folder: str, suffix: str, problems: list[Problem]) -> list[Path]:
    """The files of one content folder, refusing links that lead out of the newsroom."""
    base = root / folder
    if not base.is_dir():
        return []
    inside = base.resolve().is_relative_to(root)  # the folder itself may be a link out
    found = []
    with os.scandir(base) as entries:
        # Only a link (or every file, in a folder that leads out) is resolved: a thousand
        # resolve() calls cost more than the rest of loading an unchanged release.
        for entry in sorted(entries, key=lambda e: e.name):
            path = base / entry.name
            if entry.name.startswith(".") or path.suffix != suffix or entry.is_dir():
                continue
            if not inside or (entry.is_symlink() and not path.resolve().is_relative_to(root)):
                rel = f"{folder}/{entry.name}"
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
    problems = []
    labelled: dict[str, bool] = {"en": True}  # by language tag: an archive has a handful of them
    for release in releases:
        tag = release.language.replace("-", "_")
        first = primary(release.language)
        if first not in labelled:
            labelled[first] = _has_catalogue(first, templates)
        if tag not in labelled:
            labelled[tag] = _has_catalogue(tag, templates)
        if labelled[first] or labelled[tag]:
            continue
        problems.append(
            Problem(
                release.path,
                0,
                "language",
                f"no labels in '{release.language}': its dates are in that language, but \"FOR IMMEDIATE "
                f'RELEASE" and the other labels will be in English; translate them in '
                f"templates/{catalogue_file(Path(), first).as_posix()} (see CONTRIBUTING.md)",
                Severity.WARNING,
            )
        )
    return problems


def _has_catalogue(locale: str, templates: Path | None) -> bool:
    return any(catalogue_file(folder, locale).is_file() for folder in template_dirs(templates))


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
            path, rel = Path(dirpath) / name, f"{here}/{name}"
            if not Path(os.path.realpath(path)).is_relative_to(root):
                message = "is a link to a file outside the newsroom; copy the file in instead"
                problems.append(Problem(rel, 0, "", message))
                continue
            _check_template_file(path, rel, Path(rel).relative_to("templates").as_posix(), problems)
    return folder


def _check_template_file(path: Path, rel: str, name: str, problems: list[Problem]) -> None:
    """A file of templates/: a regular file and, for a template, one the sandbox will run."""
    from pressroom.content.templates import is_template, template_problems

    try:
        if not is_template(name):
            ensure_regular(path, rel)
            return
        problems.extend(template_problems(read_text(path, rel), rel))
    except ContentError as exc:
        problems.extend(exc.problems)


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
    failed: Failed,
) -> Release | None:
    if cache is None:
        return _load_release(path, settings, contacts, problems, failed)
    rel = f"releases/{path.name}"
    found = signature(path)  # before the read: a change after it gives the file another one
    hit = cache.recall(rel, found, settings, contacts)
    if hit is None:
        try:
            data = read_bytes(path, rel)
        except ContentError:  # reported by the loader itself, with its usual message
            return _load_release(path, settings, contacts, problems, failed)
        hit = cache.lookup(rel, data, settings, contacts, found)
    if hit is not None:
        problems.extend(hit[1])
        return hit[0]
    before = len(problems)
    release = _load_release(path, settings, contacts, problems, failed)
    own = problems[before:]
    if release is not None and all(p.severity is Severity.WARNING for p in own):
        cache.store(rel, data, settings, contacts, release, own, found)
    return release


def _load_release(
    path: Path,
    settings: Settings,
    contacts: dict[str, Contact],
    problems: list[Problem],
    failed: Failed | None = None,
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
    return _read_file(path, rel, slug, settings, contacts, problems, failed=failed)


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
    return _read_file(path, rel, slug, settings, contacts, problems, translation=tag, original=original)


def _read_file(
    path: Path,
    rel: str,
    slug: str,
    settings: Settings,
    contacts: dict[str, Contact],
    problems: list[Problem],
    *,
    translation: str | None = None,
    original: Release | None = None,
    failed: Failed | None = None,
) -> Release | None:
    """A release or translation file: its front matter and body read into a Release, or its problems.

    An original with errors leaves its media list in `failed`, whose files are checked all the same.
    """
    try:
        text = read_text(path, rel)
        doc = parse_front_matter(text, rel)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None
    declared: list[tuple[int, MediaFile]] = []
    release = read_release(
        FieldReader(rel, problems),
        slug,
        doc.front,
        doc.body,
        doc.body_line,
        settings,
        contacts,
        digest=source_hash(text),
        translation=translation,
        original=original,
        declared=declared,
    )
    if release is None and failed is not None and declared:
        failed[slug] = (rel, tuple(declared))
    return release


def translation_language_problem(tag: str, slug: str, original: Release | None) -> str | None:
    """What is wrong with `tag` as the language of a translation of `slug`, or None.

    `pressroom new --translate` asks the same question before it writes a file.
    """
    if not _TAG.match(tag):
        return (
            f"'{tag}' is not a language tag: a translation is named <slug>.<lang>.md "
            f"with a tag such as 'fr' or 'pt-BR', e.g. '{slug}.fr.md'"
        )
    if not is_known(tag):
        return f"'{tag}' is not a language known to pressroom (Babel)"
    if original is not None and same_language(tag, original.language):
        return f"'{tag}' is the language of {original.path} itself; a translation is in another language"
    return None


def _refuse_duplicate_languages(translations: list[Release], problems: list[Problem]) -> None:
    """Two files of one release whose tags differ only in case would share a URL."""
    seen: dict[tuple[str, str], Release] = {}
    for t in translations:
        first = seen.setdefault((t.slug, sort_key(t.language)), t)
        if first is not t:
            problems.append(Problem(t.path, 0, "", f"the same language as {first.path}: keep one of them"))
