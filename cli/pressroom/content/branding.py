"""The tables of pressroom.toml that dress the house style: [theme], [issuers.*], [languages.*], [topics].

Each is optional and read into the frozen settings the renderers trust: the
theme's values go into CSS as they are, so only hex colours and plain font
names pass; an issuer's logo is read here, once, because the email carries it
inside and a renderer reads no file.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from pressroom.content.settings_file import FILENAME, LANGUAGE, SettingsFile
from pressroom.content.source import read_bytes
from pressroom.content.suggest import did_you_mean
from pressroom.content.templates import template_dirs
from pressroom.errors import ContentError, Problem
from pressroom.layout import ASSETS
from pressroom.model import Issuer, LanguageSettings, Theme

_LANGUAGE_KEYS = {"name", "boilerplate", "end_mark"}
_ISSUER = {"name", "short_name", "logo"}
_KEY = re.compile(r"[a-z0-9][a-z0-9-]*")
# A logo goes inside every email: keep it a logo, not a photograph.
_LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
_MAX_LOGO = 100_000
# Values that go into CSS as they are: a hex colour, or a font-family list of plain names.
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})\Z")
_FONTS = re.compile(
    r"""^\s*(?:"[\w .-]+"|'[\w .-]+'|[\w .-]+)(?:\s*,\s*(?:"[\w .-]+"|'[\w .-]+'|[\w .-]+))*\s*\Z"""
)


def topics(file: SettingsFile) -> tuple[tuple[str, str], ...]:
    """[topics]: display names of tags, `maritime-security = "Maritime security"`."""
    table = file.data.get("topics", {})
    if not isinstance(table, dict):
        file.problem("topics", 'expected a table: [topics] with lines such as climate = "Climate action"')
        return ()
    found = []
    for tag in table:
        name = file.text(f"topics.{tag}", None, table)
        if name is not None:
            found.append((tag, name))
    return tuple(found)


def languages(file: SettingsFile) -> tuple[LanguageSettings, ...]:
    """[languages.<tag>]: the newsroom's name, boilerplate and end mark in other languages."""
    tables = file.data.get("languages", {})
    if not isinstance(tables, dict):
        file.problem("languages", "expected tables such as [languages.fr]")
        return ()
    found = []
    for tag, table in tables.items():
        where = f"languages.{tag}"
        if not LANGUAGE.match(tag) or not isinstance(table, dict):
            file.problem(where, "expected a table named by a language tag, such as [languages.fr]")
            continue
        for key in table:
            if key not in _LANGUAGE_KEYS:
                file.problem(f"{where}.{key}", f"unknown setting{did_you_mean(key, _LANGUAGE_KEYS)}")
        values = {key: file.text(f"{where}.{key}", None, table) for key in sorted(_LANGUAGE_KEYS)}
        found.append(LanguageSettings(tag, **values))
    return tuple(found)


def issuers(file: SettingsFile) -> tuple[Issuer, ...]:
    """[issuers.<key>]: name, short_name and logo of each organisation that issues releases."""
    tables = file.data.get("issuers", {})
    if not isinstance(tables, dict):
        file.problem("issuers", "expected tables such as [issuers.eeas]")
        return ()
    found = []
    for key, table in tables.items():
        where = f"issuers.{key}"
        if not _KEY.fullmatch(key) or not isinstance(table, dict):
            file.problem(where, "expected a table such as [issuers.eeas] (lower-case letters, digits, -)")
            continue
        for field in table:
            if field not in _ISSUER:
                file.problem(f"{where}.{field}", f"unknown setting{did_you_mean(field, _ISSUER)}")
        name = file.text(f"{where}.name", None, table)
        if name is None:
            if "name" not in table:
                line = file.line_in("issuers", key) or file.line(where)
                file.problems.append(Problem(FILENAME, line, f"{where}.name", "field required"))
            continue
        short = file.text(f"{where}.short_name", None, table)
        logo, kind, data = _logo(file, f"{where}.logo", table)
        found.append(Issuer(key, name, short, logo, kind, data))
    return tuple(found)


def _logo(file: SettingsFile, where: str, table: dict[str, Any]) -> tuple[str | None, str, str]:
    """An issuer's logo: its path under templates/, media type and base64 bytes, or a Problem."""
    logo = file.text(where, None, table)
    if logo is None:
        return None, "", ""
    kind = _LOGO_TYPES.get(Path(logo).suffix.lower())
    if not logo.startswith(ASSETS) or ".." in Path(logo).parts or kind is None:
        file.problem(where, f"expected an SVG, PNG or JPEG in templates/assets/, found {logo!r}")
        return None, "", ""
    # As templates are found: the newsroom's templates/ first, then the house style's;
    # a regular file inside its folder, never a link out of it.
    path = next(
        (
            folder / logo
            for folder in template_dirs(file.root / "templates")
            if (folder / logo).is_file() and (folder / logo).resolve().is_relative_to(folder.resolve())
        ),
        None,
    )
    if path is None:
        file.problem(where, f"no file templates/{logo} in the newsroom or the house style")
        return None, "", ""
    if path.stat().st_size > _MAX_LOGO:
        file.problem(where, f"templates/{logo} is over {_MAX_LOGO // 1000} kB; a logo goes into every email")
        return None, "", ""
    try:
        data = read_bytes(path, f"templates/{logo}")
    except ContentError as exc:
        file.problems.extend(exc.problems)
        return None, "", ""
    return logo, kind, base64.b64encode(data).decode("ascii")


def theme(file: SettingsFile) -> Theme:
    """[theme]: colours and fonts over the house style's defaults; each value goes into CSS as it is."""
    table = file.data.get("theme", {})
    if not isinstance(table, dict):
        file.problem("theme", "expected a table: [theme]")
        return Theme()
    known = Theme.COLOURS + Theme.FONTS
    values: dict[str, str] = {}
    for key, value in table.items():
        if key not in known:
            file.problem(f"theme.{key}", f"unknown setting{did_you_mean(key, known)}")
        elif key in Theme.COLOURS and not (isinstance(value, str) and _COLOUR.match(value)):
            file.problem(f"theme.{key}", f"expected a hex colour such as '#0b4f8a', found {value!r}")
        elif key in Theme.FONTS and not (isinstance(value, str) and _FONTS.match(value)):
            example = "'\"Source Sans 3\", Arial, sans-serif'"
            file.problem(f"theme.{key}", f"expected a list of font names such as {example}, found {value!r}")
        else:
            values[key] = value.strip()
    return Theme(**values)
