"""`pressroom new`: a release skeleton that `pressroom check` accepts as it is."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

from pressroom.errors import ConfigError
from pressroom.settings import load_settings

_MAX_SLUG_WORDS = 60  # characters of headline in the slug; URLs stay readable
# What a one-line field may not hold (controls, line separators) and what YAML
# cannot carry unescaped (surrogates, U+FFFE/U+FFFF): refused here, so that
# `new` never writes a file `check` would then refuse.
_UNWRITABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def slugify(text: str) -> str:
    """ASCII, lowercase, hyphenated: 'Étude sur l’eau' -> 'etude-sur-l-eau'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > _MAX_SLUG_WORDS:
        slug = slug[:_MAX_SLUG_WORDS].rsplit("-", 1)[0]
    return slug


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
---
Write the lead paragraph here: who, what, when, where and why.
"""
    path.parent.mkdir(exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)
    return path
