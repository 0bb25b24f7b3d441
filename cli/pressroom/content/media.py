"""A release's media kit: the photos and documents its `media:` list names, kept in media/<slug>/.

Read in two steps. The front matter's list and the body's references to it
are part of the release file (`read_media`, `check_references`), so the
release cache keeps them with the release. The files themselves are looked
at on every load (`with_kits`): a photo replaced under the same name is a
new photo, whatever the release file says. Each is opened as every newsroom
file is (a regular file, never a pipe), checked by mediafile.py, hashed,
and its facts set on the release; a problem names the release file, the
line of its entry and the field.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from pressroom.content.fields import FieldReader
from pressroom.content.mediafile import DOCUMENT_SUFFIXES, IMAGE_SUFFIXES, MediaRefused, inspect
from pressroom.content.source import Node, Signature, read_bytes, signature
from pressroom.errors import ContentError, Problem, Severity
from pressroom.model import MediaFile, Release

KITS = "media"  # the newsroom's folder of media kits: media/<slug>/<file>
MEDIA_FIELDS = ("file", "alt", "caption", "credit", "title")
# A name that is its own URL segment and file name everywhere: no folders, no dot files.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}\Z")
# Mail clients lack WebP; a photo reaches the email as it is published.
_ACCEPTED_IMAGES = {suffix: kind for suffix, kind in IMAGE_SUFFIXES.items() if kind != "WEBP"}
# Where a body names a file: a Markdown link or image (inline or a reference
# definition), or an address in raw HTML. Each target is checked below.
_INLINE = re.compile(r"\]\(\s*<?([^)\s>]*)")
_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)", re.MULTILINE)
_HTML_ADDRESS = re.compile(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_URL_NOISE = re.compile(r"[\t\n\r]")
_FENCE = re.compile(r"^ {0,3}(```|~~~)", re.MULTILINE)


class KitFacts(Protocol):
    """What an earlier load learnt of kit files, by signature: a photo is decoded in full only once."""

    def kit_file(self, rel: str, signature: Signature) -> MediaFile | None: ...

    def store_kit_file(self, rel: str, signature: Signature, facts: MediaFile) -> None: ...


# Originals that did not load, by slug: their file and media list, whose files are checked still.
Failed = dict[str, tuple[str, tuple[tuple[int, MediaFile], ...]]]  # entries with their place in the list


def kit_name(target: str, slug: str) -> str | None:
    """The kit file a body's link or image names, or None when it names none.

    The body writes `media/<file>`, or `../media/<slug>/<file>`, the path from
    the release file, which editors' Markdown previews understand too.
    """
    for prefix in ("media/", "./media/", f"../media/{slug}/", f"../{KITS}/{slug}/"):
        if target.startswith(prefix):
            name = target[len(prefix) :]
            return name if _NAME.match(name) else None
    return None


def read_media(r: FieldReader, node: Node | None, slug: str) -> tuple[tuple[int, MediaFile], ...]:
    """The `media:` list: each good entry's place in it, file name and texts, the facts still to come."""
    found: list[tuple[int, MediaFile]] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(r.items(node, "media") if node is not None else ()):
        path = f"media[{i}]"
        f = r.fields(item, path, MEDIA_FIELDS)
        if f is None:
            continue
        before = r.errors
        name = r.required_text(f.get("file"), f"{path}.file", item.line)
        texts = {k: r.text(f[k], f"{path}.{k}") if k in f else None for k in MEDIA_FIELDS[1:]}
        if name is None or r.errors > before:
            continue
        line = f["file"].line
        kind = _kind(name)
        if not _NAME.match(name):
            r.problem(
                line,
                f"{path}.file",
                f"'{name}' is not a file name of media/{slug}/: letters, digits, '.', '-' and '_', "
                "no folders",
            )
            continue
        if kind is None:
            accepted = ", ".join(sorted({*_ACCEPTED_IMAGES, *DOCUMENT_SUFFIXES}))
            webp = " (WebP: mail clients cannot show it; save it as JPEG or PNG)" if _is_webp(name) else ""
            r.problem(line, f"{path}.file", f"'{name}' is not a kind of file a kit takes{webp}: {accepted}")
            continue
        if name in seen:
            r.problem(line, f"{path}.file", f"'{name}' is named twice (first on line {seen[name]})")
            continue
        seen[name] = line
        if kind == "image" and not texts["alt"]:
            r.problem(
                f["alt"].line if "alt" in f else item.line,
                f"{path}.alt",
                "a photo needs its alt text: say what it shows, for readers who cannot see it",
            )
        if kind == "document" and not texts["title"]:
            r.problem(
                f["title"].line if "title" in f else item.line,
                f"{path}.title",
                "a document needs a title, e.g. 'Questions and answers'",
            )
        if kind == "document" and texts["alt"]:
            r.problem(f["alt"].line, f"{path}.alt", "alt text is for photos; a document has a title")
        found.append(
            (
                i,
                MediaFile(
                    name=name,
                    kind=kind,
                    alt=texts["alt"],
                    caption=texts["caption"],
                    credit=texts["credit"],
                    title=texts["title"],
                    line=line,
                ),
            )
        )
    return tuple(found)


def check_references(
    r: FieldReader, body: str, first_line: int, media: Iterable[MediaFile], slug: str, media_line: int
) -> None:
    """Every local address in the body names a file of the kit: nothing is dropped without a word.

    `media_line` is where `media:` is (or the front matter's first line), for the hint.
    """
    names = {m.name for m in media}
    code = _code_spans(body)
    for pattern, mark in ((_INLINE, "]("), (_DEFINITION, "]:"), (_HTML_ADDRESS, "=")):
        if mark not in body:  # what each pattern cannot match without: most bodies have no link
            continue
        for match in pattern.finditer(body):
            # As a browser reads an address: entities decoded, tabs and line breaks dropped
            # ("java&#x09;script:" is a script address, which the sanitiser removes, not a path).
            target = _URL_NOISE.sub("", html.unescape(match[1])).strip()
            if not target or target.startswith("#") or _SCHEME.match(target):
                continue
            if any(start <= match.start() < end for start, end in code):
                continue
            line = first_line + body.count("\n", 0, match.start())
            name = kit_name(target, slug)
            if name is None:
                r.problem(
                    line,
                    "body",
                    f"'{target}' is a path on this computer, which readers cannot open: put the file "
                    f"in media/{slug}/, list it under media: and write media/<file>",
                )
            elif name not in names:
                where = "" if not media_line else f" (line {media_line})"
                r.problem(
                    line,
                    "body",
                    f"'{target}' is not in this release's media list{where}: add it there, "
                    "with its alt text or title",
                )


def hold_to_original(r: FieldReader, entries: tuple[tuple[int, MediaFile], ...], original: Release) -> None:
    """A translation's `media:` retells its original's kit in its language: the same files."""
    theirs = {m.name for m in original.media}
    for i, m in entries:
        if m.name not in theirs:
            r.problem(
                m.line,
                f"media[{i}].file",
                f"'{m.name}' is not in the media list of {original.path}: a translation "
                "names the original's files, with captions in its own language",
            )


def with_kits(
    root: Path,
    releases: Iterable[Release],
    problems: list[Problem],
    *,
    undeclared: bool = True,
    known: KitFacts | None = None,
    failed: Failed | None = None,
) -> list[Release]:
    """The releases with the facts of their kit files, each file read and checked once.

    A release whose kit has a problem is kept (the error stops the run anyway,
    and every problem of the run is reported); its files' facts stay empty.
    `undeclared`: also warn of files in media/ that no release names (a whole load).
    `known`: the facts of files unchanged since an earlier load, which are not read again.
    `failed`: the kits of releases whose files have errors (slug -> file, media list),
    checked all the same, so that one run reports every problem.
    """
    facts: dict[tuple[str, str], MediaFile | None] = {}

    def look(slug: str, path: str, i: int, m: MediaFile) -> MediaFile | None:
        if (slug, m.name) not in facts:
            facts[slug, m.name] = _facts(root, slug, path, i, m, problems, known)
        return facts[slug, m.name]

    done = []
    for release in releases:
        if not release.media:
            done.append(release)
            continue
        files = []
        for i, m in enumerate(release.media):
            found = look(release.slug, release.path, i, m)
            files.append(m if found is None else _with_facts(m, found))
        done.append(replace(release, media=tuple(files)))
    for slug, (path, entries) in (failed or {}).items():
        for i, m in entries:
            look(slug, path, i, m)
    if undeclared:
        named = {(slug, name) for slug, name in facts}
        _undeclared(root, named, {r.slug for r in done} | set(failed or {}), problems)
    return done


def _facts(
    root: Path,
    slug: str,
    source: str,
    i: int,
    m: MediaFile,
    problems: list[Problem],
    known: KitFacts | None,
) -> MediaFile | None:
    """A kit file's facts, or None after saying what is wrong with it (`source`: the release file)."""
    rel = f"{KITS}/{slug}/{m.name}"
    where = f"media[{i}].file"
    path = root / KITS / slug / m.name
    if not path.exists() and not path.is_symlink():
        problems.append(Problem(source, m.line, where, f"{rel} is not there: put the file in it"))
        return None
    try:
        if not path.resolve().is_relative_to(root):
            raise MediaRefused("a link to a file outside the newsroom")
        sig = signature(path)
        if known is not None and sig is not None and (seen := known.kit_file(rel, sig)):
            return seen
        data = read_bytes(path, rel)
        found = inspect(m.name, data)
    except ContentError as exc:
        problems.extend(
            replace(p, path=source, line=m.line, field=where, message=f"{rel}: {p.message}")
            for p in exc.problems
        )
        return None
    except MediaRefused as exc:
        problems.append(Problem(source, m.line, where, f"{rel}: {exc}"))
        return None
    facts = MediaFile(
        name=m.name,
        kind=found.kind,
        mime=found.mime,
        size=found.size,
        width=found.width,
        height=found.height,
        digest=hashlib.sha256(data).hexdigest(),
    )
    if known is not None and sig is not None:
        known.store_kit_file(rel, sig, facts)
    return facts


def _with_facts(m: MediaFile, facts: MediaFile) -> MediaFile:
    return replace(
        m, mime=facts.mime, size=facts.size, width=facts.width, height=facts.height, digest=facts.digest
    )


def _undeclared(root: Path, named: set[tuple[str, str]], slugs: set[str], problems: list[Problem]) -> None:
    """A file in media/ that no release names is not published: say so, once per file."""
    kits = root / KITS
    if not kits.is_dir():
        return
    for folder in sorted(kits.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        if folder.name not in slugs:
            problems.append(
                Problem(
                    f"{KITS}/{folder.name}",
                    0,
                    "",
                    "no release has this slug: nothing here is published",
                    Severity.WARNING,
                )
            )
            continue
        for file in sorted(folder.iterdir()):
            if not file.name.startswith(".") and (folder.name, file.name) not in named:
                problems.append(
                    Problem(
                        f"{KITS}/{folder.name}/{file.name}",
                        0,
                        "",
                        f"not in the media list of releases/{folder.name}.md: it is not published",
                        Severity.WARNING,
                    )
                )


def _kind(name: str) -> str | None:
    suffix = Path(name).suffix.lower()
    if suffix in _ACCEPTED_IMAGES:
        return "image"
    return "document" if suffix in DOCUMENT_SUFFIXES else None


def _is_webp(name: str) -> bool:
    return IMAGE_SUFFIXES.get(Path(name).suffix.lower()) == "WEBP"


def _code_spans(body: str) -> list[tuple[int, int]]:
    """Fenced code blocks: an address written there is shown, not followed."""
    fences = [m.start() for m in _FENCE.finditer(body)]
    spans = [(fences[i], fences[i + 1]) for i in range(0, len(fences) - 1, 2)]
    if len(fences) % 2:
        spans.append((fences[-1], len(body)))
    return spans


def read_kit_file(root: Path, slug: str, m: MediaFile) -> bytes:
    """The bytes of a kit file as the loader saw them, for the jobs that publish or attach it.

    Raises ContentError when the file is no longer the one loaded (replaced or
    removed since): its copies would not be what the pages describe.
    """
    rel = f"{KITS}/{slug}/{m.name}"
    data = read_bytes(root / KITS / slug / m.name, rel)
    if hashlib.sha256(data).hexdigest() != m.digest:
        raise ContentError([Problem(rel, 0, "", "changed while it was being published: build again")])
    return data
