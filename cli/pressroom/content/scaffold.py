"""`pressroom new`: a release skeleton, or a translation skeleton, that `pressroom check` accepts as it is."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

from slugify import slugify as _slugify

from pressroom.content.config import load_settings
from pressroom.content.suggest import did_you_mean
from pressroom.errors import ConfigError, UnknownSlug
from pressroom.languages import same_tag
from pressroom.model import Release

_MAX_SLUG_WORDS = 60  # characters of headline in the slug; URLs stay readable
# What a one-line field may not hold (controls, line separators) and what YAML
# cannot carry unescaped (surrogates, U+FFFE/U+FFFF), and the noncharacters U+FDD0..U+FDEF
# the loader refuses: refused here, so that
# `new` never writes a file `check` would then refuse.
_UNWRITABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def slugify(text: str) -> str:
    """ASCII, lowercase, hyphenated, letters transliterated rather than dropped.

    'Straße' -> 'strasse', 'EU–UN' -> 'eu-un', 'Étude sur l’eau' -> 'etude-sur-l-eau',
    'Москва' -> 'moskva'. Only `new` makes slugs: an existing release keeps its
    file name, and so its addresses, whatever this function would say today.
    """
    # An apostrophe separates words ("l’eau"); the library would join them.
    text = re.sub(r"['’ʼ]", " ", text)
    slug = _slugify(text, max_length=_MAX_SLUG_WORDS, word_boundary=True, save_order=True)
    return str(slug)


def _yaml_text(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: quotes, colons and
    # leading dashes in a headline can't change the structure.
    return json.dumps(value, ensure_ascii=False)


def _refuse_unwritable(what: str, text: str) -> None:
    if bad := _UNWRITABLE.search(text):
        raise ConfigError(f"the {what} contains the character U+{ord(bad[0]):04X}; remove it")


def new_release(root: Path, headline: str, day: date | datetime, location: str | None) -> Path:
    """Write releases/<date>-<slug>.md and return its path; never overwrite a file.

    Given an instant rather than a date, the release is dated by the newsroom's
    clock: just after midnight in Brussels is already tomorrow there.
    """
    headline = " ".join(headline.split())
    if not headline:
        raise ConfigError("the headline is empty")
    _refuse_unwritable("headline", headline)
    root = root.resolve()
    settings = load_settings(root)
    if isinstance(day, datetime):
        day = day.astimezone(settings.tz).date()
    location = " ".join((location or settings.location or "").split())
    if not location:
        raise ConfigError("no dateline city: pass --location, or set `location` in pressroom.toml")
    _refuse_unwritable("location", location)
    words = slugify(headline)
    if not words:
        raise ConfigError(f"cannot make a file name from {headline!r}: use some letters or digits")
    slug = f"{day.isoformat()}-{words}"
    path = root / "releases" / f"{slug}.md"
    if path.exists():
        raise ConfigError(f"releases/{slug}.md already exists")
    text = f"""---
title: {_yaml_text(headline)}
# subtitle: The line under the headline
date: {day.isoformat()}
location: {_yaml_text(location)}
status: draft
# embargo: {day.isoformat()}T12:00:00+01:00
# reference: ABC/{day.year}/001
# issuers: [{settings.name}]
# tags: [topic]
# attendees:
#   - name: Full Name
#     role: Function
#     organization: Organisation
# background: |
#   Context a journalist may use.
# links:
#   - title: More on the topic
#     url: https://example.org/
# contacts:
#   - contact-id          # contacts/contact-id.yaml
# media:                  # photos and documents, kept in media/{slug}/
#   - file: photo.jpg
#     alt: What the photo shows, for readers who cannot see it
#     caption: The line under the photo
#     credit: "Photo: Name / Organisation"
---
Write the lead paragraph here: who, what, when, where and why.
"""
    path.parent.mkdir(exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)
    return path


def new_translation(
    root: Path, slug: str, language: str, headline: str | None = None, location: str | None = None
) -> Path:
    """Write releases/<slug>.<language>.md, a draft translation of a release, and return its path.

    The skeleton holds what a translation states for itself (title,
    subtitle, location, attendees, Background, link titles and the body),
    copied from the original for the translator to write over, and
    `translated_from`, the original's source hash, so that `check` can say
    when the original changes afterwards. Date, embargo, issuers, reference,
    tags and contacts come from the original. Never overwrites a file.
    """
    from pressroom.content.loader import load_newsroom, translation_language_problem

    root = root.resolve()
    newsroom = load_newsroom(root)  # a newsroom with errors is reported, not translated
    original = newsroom.release(slug)
    if original is None:
        raise UnknownSlug([slug], did_you_mean(slug, [r.slug for r in newsroom.releases]))
    problem = translation_language_problem(language, slug, original)
    if problem is not None:
        raise ConfigError(problem)
    path = root / "releases" / f"{slug}.{language}.md"
    same = [t for t in newsroom.translations_of(original) if same_tag(t.language, language)]
    if path.exists() or same:
        raise ConfigError(f"{same[0].path if same else f'releases/{path.name}'} already exists")
    title = " ".join((headline or original.title).split())
    place = " ".join((location or original.location).split())
    _refuse_unwritable("headline", title)
    _refuse_unwritable("location", place)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(_translation_text(original, language, title, place))
    return path


def _translation_text(original: Release, language: str, title: str, location: str) -> str:
    lines = [
        "---",
        f"# A translation into '{language}' of",
        f"#   {original.path}",
        "# Write the translation over the original's text below. Date, embargo, issuers,",
        "# reference, tags and contacts come from the original; add issuers: or tags: here",
        "# only to translate them.",
        f"translated_from: {original.source_hash}  # the original as it was translated; see check",
        f"title: {_yaml_text(title)}",
    ]
    if original.subtitle:
        lines.append(f"subtitle: {_yaml_text(original.subtitle)}")
    lines += [f"location: {_yaml_text(location)}", "status: draft"]
    if original.attendees:
        lines.append("attendees:")
        for a in original.attendees:
            lines.append(f"  - name: {_yaml_text(a.name)}")
            lines += [
                f"    {k}: {_yaml_text(v)}"
                for k, v in (("role", a.role), ("organization", a.organization))
                if v
            ]
    if original.background:
        lines.append("background: |")
        lines += [f"  {line}".rstrip() for line in original.background.split("\n")]
    if original.links:
        lines.append("links:")
        for link in original.links:
            lines += [f"  - title: {_yaml_text(link.title)}", f"    url: {_yaml_text(link.url)}"]
    lines += ["---", original.body, ""]
    return "\n".join(lines)
