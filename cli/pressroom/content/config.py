"""Read pressroom.toml into Settings, reporting every bad value with its line."""

from __future__ import annotations

import base64
import re
import tomllib
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pressroom.content.source import read_text
from pressroom.content.suggest import did_you_mean
from pressroom.errors import ContentError, Problem
from pressroom.house import DEFAULT_TEMPLATES
from pressroom.model import RELEASE_FIELDS, Issuer, LanguageSettings, Settings, Theme

FILENAME = "pressroom.toml"
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_FIELD = re.compile(r"^[a-z][a-z0-9_]*$")

_TOP = {
    "name", "url", "language", "timezone", "boilerplate", "logo", "end_mark",
    "dateline_style", "show_utc", "custom_fields", "allow_remote_resources", "email", "location",
    "smtp",  # validated by the sending code, which alone uses it
    "theme", "issuers", "languages", "topics",
}  # fmt: skip
_LANGUAGE_KEYS = {"name", "boilerplate", "end_mark"}
_ISSUER = {"name", "short_name", "logo"}
_KEY = re.compile(r"[a-z0-9][a-z0-9-]*")
# A logo goes inside every email: keep it a logo, not a photograph.
_LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
_MAX_LOGO = 100_000
_EMAIL = {"from", "unsubscribe"}
# Where a journalist unsubscribes from list sends: https (one click) or mailto, no spaces or controls.
_UNSUBSCRIBE = re.compile(
    r"^(https://[^\s<>\x00-\x1f\x7f]+|mailto:[^\s<>@\x00-\x1f\x7f]+@[^\s<>\x00-\x1f\x7f]+)$"
)
# Values that go into CSS as they are: a hex colour, or a font-family list of plain names.
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_FONTS = re.compile(
    r"""^\s*(?:"[\w .-]+"|'[\w .-]+'|[\w .-]+)(?:\s*,\s*(?:"[\w .-]+"|'[\w .-]+'|[\w .-]+))*\s*$"""
)
_NOT_IN_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MAX_SENDER = 254


def load_settings(root: Path) -> Settings:
    """Parse and validate pressroom.toml; raise ContentError listing every problem."""
    path = root / FILENAME
    if not path.is_file():
        raise ContentError(
            [Problem(FILENAME, 0, "", "not found: a newsroom needs a pressroom.toml (see README)")]
        )
    # Like releases and contacts: no name in the newsroom leads to a file elsewhere.
    if not path.resolve().is_relative_to(root.resolve()):
        raise ContentError(
            [Problem(FILENAME, 0, "", "is a link to a file outside the newsroom; copy the file in instead")]
        )
    text = read_text(path, FILENAME)  # a Latin-1 file is a Problem with its line, not a traceback
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        raise ContentError(
            [
                Problem(
                    FILENAME,
                    int(match[1]) if match else 0,
                    "",
                    f"TOML syntax error: {re.sub(r' [(]at line .*[)]$', '', str(exc))}",
                )
            ]
        ) from None
    return _Validator(text, data, root).settings()


class _Validator:
    def __init__(self, text: str, data: dict[str, Any], root: Path | None = None) -> None:
        self._lines = text.split("\n")
        self._data = data
        self._root = root
        self.problems: list[Problem] = []

    def _line(self, key: str) -> int:
        # `key = ...`, or the `[key]` header of a table
        pattern = re.compile(rf"^\s*(\"?{re.escape(key)}\"?\s*=|\[\s*\"?{re.escape(key)}\"?\s*\])")
        return next((i + 1 for i, line in enumerate(self._lines) if pattern.match(line)), 0)

    def _problem(self, key: str, message: str) -> None:
        table, _, name = key.rpartition(".")
        self.problems.append(Problem(FILENAME, self._line_in(table, name) or self._line(name), key, message))

    def _line_in(self, table: str, key: str) -> int:
        """The line of `key = ...` under the `[table]` header ("issuers.eeas"), or 0."""
        if not table:
            return 0
        header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
        start = next((i for i, line in enumerate(self._lines) if header.match(line)), None)
        if start is None:
            return 0
        pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
        for i in range(start + 1, len(self._lines)):
            if self._lines[i].lstrip().startswith("["):
                break
            if pattern.match(self._lines[i]):
                return i + 1
        return 0

    def _text(self, key: str, default: str | None = None, table: dict[str, Any] | None = None) -> str | None:
        source = self._data if table is None else table
        name = key.rsplit(".", 1)[-1]
        if name not in source:
            if default is None and table is None and key in ("name", "url"):
                self.problems.append(Problem(FILENAME, 0, key, "field required"))
            return default
        value = source[name]
        if not isinstance(value, str) or not value.strip():
            self._problem(key, f"expected text, found {value!r}")
            return default
        return value.strip()

    def settings(self) -> Settings:
        data = self._data
        for key in data:
            if key not in _TOP:
                self._problem(key, f"unknown setting{did_you_mean(key, _TOP)}")
        email = data.get("email", {})
        if not isinstance(email, dict):
            self._problem("email", "expected a table: [email]")
            email = {}
        for key in email:
            if key not in _EMAIL:
                self._problem(f"email.{key}", f"unknown setting{did_you_mean(key, _EMAIL)}")

        name = self._text("name") or ""
        url = self._text("url") or ""
        if url and not re.match(r"^https?://[^\s/]+", url):
            self._problem(
                "url", f"expected an http(s) address such as https://press.example.org/, found {url!r}"
            )
        language = self._text("language", "en") or "en"
        if not LANGUAGE.match(language):
            self._problem("language", f"expected a language tag such as 'en' or 'en-GB', found {language!r}")
        timezone = self._text("timezone", "UTC") or "UTC"
        try:
            ZoneInfo(timezone)
        # zoneinfo opens the name as a file: 'Europe' is a folder (IsADirectoryError),
        # a 300-letter name is too long for the file system (OSError).
        except (ZoneInfoNotFoundError, ValueError, OSError):
            self._problem(
                "timezone", f"unknown time zone {timezone!r}; expected a name such as 'Europe/Brussels'"
            )
            timezone = "UTC"
        style = self._text("dateline_style", "eu") or "eu"
        if style not in ("eu", "ap"):
            self._problem("dateline_style", f"expected 'eu' or 'ap', found {style!r}")
        logo = self._text("logo")
        if logo is not None and (not logo.startswith("assets/") or ".." in Path(logo).parts):
            self._problem(
                "logo", f"expected a file in templates/assets/, such as 'assets/logo.svg', found {logo!r}"
            )
            logo = None
        sender = self._text("email.from", "", email) or ""
        if not sender:
            if "from" not in email:  # `from = ""` or `from = 3` already has its message
                example = "e.g. 'Press Office <press@example.org>'"
                self.problems.append(
                    Problem(
                        FILENAME, 0, "email.from", f"field required: the sender of release emails, {example}"
                    )
                )
        else:
            display, addr = parseaddr(sender)
            try:
                Address(display_name=display, addr_spec=addr)
                # As the email will read it: encoded words (=?utf-8?q?...?=) in the display
                # name are decoded, and one that decodes to a line break fails only then.
                valid = "@" in addr and len(policy.SMTP.header_factory("From", sender).addresses) == 1
            # The standard library's parser raises any of these on malformed input.
            except (ValueError, IndexError, AttributeError, HeaderParseError):
                valid = False
            # The email package splits header values at every line boundary str.splitlines
            # knows (form feed, NEL, U+2028 ...), not only CR and LF; and a word longer than
            # the 998 characters a mail line may hold cannot be folded.
            if not valid or _NOT_IN_HEADER.search(sender) or len(sender) > _MAX_SENDER:
                self._problem(
                    "email.from", f"expected an address such as 'Press <press@example.org>', found {sender!r}"
                )
        unsubscribe = self._text("email.unsubscribe", "", email) or ""
        if unsubscribe and (not _UNSUBSCRIBE.match(unsubscribe) or len(unsubscribe) > 500):
            self._problem(
                "email.unsubscribe",
                "expected an https: or mailto: address such as 'https://press.example.org/unsubscribe?email={email}',"
                f" found {unsubscribe!r}",
            )
            unsubscribe = ""
        custom = data.get("custom_fields", [])
        if not isinstance(custom, list) or not all(isinstance(c, str) and _FIELD.match(c) for c in custom):
            self._problem("custom_fields", "expected a list of field names")
            custom = []
        if clash := sorted(set(custom) & set(RELEASE_FIELDS)):
            self._problem("custom_fields", f"{', '.join(clash)} already a release field; pick another name")
            custom = [c for c in custom if c not in clash]
        flags = {}
        for key, default in (("show_utc", True), ("allow_remote_resources", False)):
            value = data.get(key, default)
            if not isinstance(value, bool):
                self._problem(key, f"expected true or false, found {value!r}")
                value = default
            flags[key] = value
        # Read before the check below, so a bad value is reported rather than dropped.
        boilerplate = self._text("boilerplate", "") or ""
        location = self._text("location")
        end_mark = self._text("end_mark", "###") or "###"
        theme = self._theme()
        issuers = self._issuers()
        languages = self._languages()
        topics = self._topics()
        if self.problems:
            raise ContentError(self.problems)
        return Settings(
            name=name,
            url=url.rstrip("/") + "/",
            language=language,
            timezone=timezone,
            boilerplate=boilerplate,
            location=location,
            logo=logo,
            end_mark=end_mark,
            dateline_style=style,
            show_utc=flags["show_utc"],
            email_from=sender,
            email_unsubscribe=unsubscribe,
            custom_fields=tuple(custom),
            allow_remote_resources=flags["allow_remote_resources"],
            theme=theme,
            issuers=issuers,
            languages=languages,
            topics=topics,
        )

    def _topics(self) -> tuple[tuple[str, str], ...]:
        """[topics]: display names of tags, `maritime-security = "Maritime security"`."""
        table = self._data.get("topics", {})
        if not isinstance(table, dict):
            self._problem(
                "topics", 'expected a table: [topics] with lines such as climate = "Climate action"'
            )
            return ()
        found = []
        for tag in table:
            name = self._text(f"topics.{tag}", None, table)
            if name is not None:
                found.append((tag, name))
        return tuple(found)

    def _languages(self) -> tuple[LanguageSettings, ...]:
        """[languages.<tag>]: the newsroom's name, boilerplate and end mark in other languages."""
        tables = self._data.get("languages", {})
        if not isinstance(tables, dict):
            self._problem("languages", "expected tables such as [languages.fr]")
            return ()
        found = []
        for tag, table in tables.items():
            where = f"languages.{tag}"
            if not LANGUAGE.match(tag) or not isinstance(table, dict):
                self._problem(where, "expected a table named by a language tag, such as [languages.fr]")
                continue
            for key in table:
                if key not in _LANGUAGE_KEYS:
                    self._problem(f"{where}.{key}", f"unknown setting{did_you_mean(key, _LANGUAGE_KEYS)}")
            values = {key: self._text(f"{where}.{key}", None, table) for key in sorted(_LANGUAGE_KEYS)}
            found.append(LanguageSettings(tag, **values))
        return tuple(found)

    def _issuers(self) -> tuple[Issuer, ...]:
        """[issuers.<key>]: name, short_name and logo of each organisation that issues releases."""
        tables = self._data.get("issuers", {})
        if not isinstance(tables, dict):
            self._problem("issuers", "expected tables such as [issuers.eeas]")
            return ()
        issuers = []
        for key, table in tables.items():
            where = f"issuers.{key}"
            if not _KEY.fullmatch(key) or not isinstance(table, dict):
                self._problem(
                    where, "expected a table such as [issuers.eeas] (lower-case letters, digits, -)"
                )
                continue
            for field in table:
                if field not in _ISSUER:
                    self._problem(f"{where}.{field}", f"unknown setting{did_you_mean(field, _ISSUER)}")
            name = self._text(f"{where}.name", None, table)
            if name is None:
                if "name" not in table:
                    line = self._line_in("issuers", key) or self._line(f"issuers.{key}")
                    self.problems.append(Problem(FILENAME, line, f"{where}.name", "field required"))
                continue
            short = self._text(f"{where}.short_name", None, table)
            logo, kind, data = self._logo(f"{where}.logo", table)
            issuers.append(Issuer(key, name, short, logo, kind, data))
        return tuple(issuers)

    def _logo(self, where: str, table: dict[str, Any]) -> tuple[str | None, str, str]:
        """An issuer's logo: its path under templates/, media type and base64 bytes, or a Problem."""
        logo = self._text(where, None, table)
        if logo is None:
            return None, "", ""
        kind = _LOGO_TYPES.get(Path(logo).suffix.lower())
        if not logo.startswith("assets/") or ".." in Path(logo).parts or kind is None:
            self._problem(where, f"expected an SVG, PNG or JPEG in templates/assets/, found {logo!r}")
            return None, "", ""
        # As templates are found: the newsroom's templates/ first, then the house style's;
        # a regular file inside its folder, never a link out of it.
        folders = ([self._root / "templates"] if self._root else []) + [DEFAULT_TEMPLATES]
        path = next(
            (
                folder / logo
                for folder in folders
                if (folder / logo).is_file() and (folder / logo).resolve().is_relative_to(folder.resolve())
            ),
            None,
        )
        if path is None:
            self._problem(where, f"no file templates/{logo} in the newsroom or the house style")
        elif path.stat().st_size > _MAX_LOGO:
            self._problem(
                where, f"templates/{logo} is over {_MAX_LOGO // 1000} kB; a logo goes into every email"
            )
        else:
            return logo, kind, base64.b64encode(path.read_bytes()).decode("ascii")
        return None, "", ""

    def _theme(self) -> Theme:
        """[theme]: colours and fonts over the house style's defaults; each value goes into CSS as it is."""
        table = self._data.get("theme", {})
        if not isinstance(table, dict):
            self._problem("theme", "expected a table: [theme]")
            return Theme()
        known = Theme.COLOURS + Theme.FONTS
        values: dict[str, str] = {}
        for key, value in table.items():
            if key not in known:
                self._problem(f"theme.{key}", f"unknown setting{did_you_mean(key, known)}")
            elif key in Theme.COLOURS and not (isinstance(value, str) and _COLOUR.match(value)):
                self._problem(f"theme.{key}", f"expected a hex colour such as '#0b4f8a', found {value!r}")
            elif key in Theme.FONTS and not (isinstance(value, str) and _FONTS.match(value)):
                example = "'\"Source Sans 3\", Arial, sans-serif'"
                self._problem(
                    f"theme.{key}", f"expected a list of font names such as {example}, found {value!r}"
                )
            else:
                values[key] = value.strip()
        return Theme(**values)
