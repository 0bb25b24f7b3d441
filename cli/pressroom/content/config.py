"""Read pressroom.toml into Settings, reporting every bad value with its line.

The `[publish.<name>]` tables, the places `pressroom publish` deploys to, are
read here too (`load_publish_targets`) but kept out of `Settings`: a build
keys every output on the settings, and where a site is deployed changes none
of them.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import MISSING, dataclass, fields
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pressroom.addresses import AddressError, envelope_address, name_problem
from pressroom.content.source import read_text
from pressroom.content.suggest import did_you_mean
from pressroom.errors import ContentError, Problem
from pressroom.model import RELEASE_FIELDS, Settings

FILENAME = "pressroom.toml"
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")
_FIELD = re.compile(r"^[a-z][a-z0-9_]*\Z")

_TOP = {
    "name", "url", "language", "timezone", "boilerplate", "logo", "end_mark",
    "dateline_style", "show_utc", "custom_fields", "allow_remote_resources", "email", "location",
    "smtp",  # validated by the sending code, which alone uses it
    "publish",
    "notes_style",
    "lint", "references",  # validated by the editorial desk (pressroom.desk), which alone uses them
}  # fmt: skip
_EMAIL = {"from"}
_NOT_IN_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# TOML lets a control character into a string only as an escape ("\u001b"); the name,
# boilerplate and end mark reach pages, feeds, PDFs and emails, where XML cannot hold one
# and a terminal would act on it. The boilerplate alone may span lines.
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_MAX_SENDER = 254
# The defaults live on the dataclass alone: a setting left out reads as Settings has it.
_DEFAULT = {f.name: f.default for f in fields(Settings) if f.default is not MISSING}

TARGET_TYPES = ("directory", "s3")
_TARGET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\Z")
_TARGET_KEYS = {
    "directory": {"type", "path"},
    "s3": {"type", "bucket", "prefix", "region", "endpoint", "profile", "max_age", "assets_max_age"},
}
# A key that looks like a secret is refused by its name, whatever its value: pressroom.toml
# is shared and usually committed, and a secret written there once stays in the history.
_SECRET = re.compile(r"secret|password|passwd|token|credential|access_key|key_id|private", re.IGNORECASE)
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")
_PREFIX = re.compile(r"^([A-Za-z0-9._-]+/)*\Z")
_REGION = re.compile(r"^[a-z0-9-]{2,32}\Z")
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


@dataclass(frozen=True, slots=True)
class PublishTarget:
    """One `[publish.<name>]` table: where `pressroom publish --to <name>` deploys build/site/.

    Never holds a credential: S3 keys come from the environment or the usual
    AWS files, as boto3 finds them (`profile` names a profile of those files).
    """

    name: str
    type: str  # one of TARGET_TYPES
    path: Path | None = None  # directory: the link the web server serves, absolute
    bucket: str = ""  # s3
    prefix: str = ""  # s3: a folder of the bucket, "" or ending in "/"
    region: str | None = None  # s3
    endpoint: str | None = None  # s3: an S3-compatible service other than AWS
    profile: str | None = None  # s3: a profile of ~/.aws/credentials and ~/.aws/config
    max_age: int = 60  # s3: Cache-Control seconds for pages, feeds, sitemap, search index, JSON
    assets_max_age: int = 3600  # s3: for PDFs, styles, fonts, images (a fingerprinted name: a year)


_TARGET_DEFAULT = {f.name: f.default for f in fields(PublishTarget) if f.default is not MISSING}


def load_settings(root: Path) -> Settings:
    """Parse and validate pressroom.toml; raise ContentError listing every problem."""
    text, data = read_config(root)
    return _Validator(text, data, root.resolve()).settings()


def load_publish_targets(root: Path) -> dict[str, PublishTarget]:
    """The `[publish.<name>]` tables of pressroom.toml, by name; raise ContentError listing every problem.

    Relative directory paths are taken from the newsroom folder.
    """
    text, data = read_config(root)
    validator = _Validator(text, data, root.resolve())
    targets = validator.publish_targets()
    if validator.problems:
        raise ContentError(validator.problems)
    return targets


def read_config(root: Path) -> tuple[str, dict[str, Any]]:
    """pressroom.toml as text and as parsed TOML: the one reader of the file, for every table's validator.

    Raises ContentError naming the line of a syntax error, a missing file, or a link out of the newsroom.
    """
    path = root / FILENAME
    if not path.exists():  # anything but a plain file there is refused by read_text
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
    return text, data


class _Validator:
    def __init__(self, text: str, data: dict[str, Any], root: Path) -> None:
        self._root = root
        self._lines = text.split("\n")
        self._data = data
        self.problems: list[Problem] = []

    def _line(self, key: str) -> int:
        # `key = ...`, or the `[key]` header of a table
        pattern = re.compile(rf"^\s*(\"?{re.escape(key)}\"?\s*=|\[\s*\"?{re.escape(key)}\"?\s*\])")
        return next((i + 1 for i, line in enumerate(self._lines) if pattern.match(line)), 0)

    def _problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(FILENAME, self._line(key.rsplit(".", 1)[-1]), key, message))

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
        value = value.strip()
        # The sender has its own check, stricter, below.
        bad = (_CONTROL_IN_TEXT if key == "boilerplate" else _NOT_IN_HEADER).search(value)
        if bad and table is None:
            what = (
                "a line break" if bad[0] in "\n\u2028\u2029" else f"the control character U+{ord(bad[0]):04X}"
            )
            self._problem(
                key, f"contains {what}; {'remove it' if key == 'boilerplate' else 'keep it on one line'}"
            )
            return default
        return value

    def _sender(self, sender: str) -> None:
        display, addr = parseaddr(sender)
        try:
            if "@" in addr and not _NOT_IN_HEADER.search(sender):
                # As the envelope will carry it: a non-ASCII local part, or a domain IDNA cannot write.
                envelope_address(addr)
        except AddressError as exc:
            self._problem("email.from", str(exc))
            return
        try:
            Address(display_name=display, addr_spec=addr)
            # As the email package reads it: one mailbox, no more (`a@b.org, c@d.org`).
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
        elif problem := name_problem(display):  # an encoded word would be read as other text
            self._problem("email.from", f"the name {problem}")

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
        style = self._text("dateline_style", _DEFAULT["dateline_style"]) or _DEFAULT["dateline_style"]
        if style not in ("eu", "ap"):
            self._problem("dateline_style", f"expected 'eu' or 'ap', found {style!r}")
        notes_style = self._text("notes_style", _DEFAULT["notes_style"]) or _DEFAULT["notes_style"]
        if notes_style not in ("uk", "eu"):
            self._problem("notes_style", f"expected 'uk' or 'eu', found {notes_style!r}")
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
            self._sender(sender)
        custom = data.get("custom_fields", [])
        if not isinstance(custom, list) or not all(isinstance(c, str) and _FIELD.match(c) for c in custom):
            self._problem("custom_fields", "expected a list of field names")
            custom = []
        if clash := sorted(set(custom) & set(RELEASE_FIELDS)):
            self._problem("custom_fields", f"{', '.join(clash)} already a release field; pick another name")
            custom = [c for c in custom if c not in clash]
        flags = {}
        for key in ("show_utc", "allow_remote_resources"):
            default = _DEFAULT[key]
            value = data.get(key, default)
            if not isinstance(value, bool):
                self._problem(key, f"expected true or false, found {value!r}")
                value = default
            flags[key] = value
        # Read before the check below, so a bad value is reported rather than dropped.
        boilerplate = self._text("boilerplate", _DEFAULT["boilerplate"]) or _DEFAULT["boilerplate"]
        location = self._text("location")
        end_mark = self._text("end_mark", _DEFAULT["end_mark"]) or _DEFAULT["end_mark"]
        self.publish_targets()  # for its problems: `check` lists them with the rest
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
            notes_style=notes_style,
            show_utc=flags["show_utc"],
            email_from=sender,
            custom_fields=tuple(custom),
            allow_remote_resources=flags["allow_remote_resources"],
        )

    # -- [publish.<name>] --------------------------------------------------------------

    def _table_line(self, name: str, key: str | None) -> int:
        """The line of `key =` in [publish.<name>], else of that header, else of `publish`, else 0."""
        header = re.compile(rf"^\s*\[\s*\"?publish\"?\s*\.\s*\"?{re.escape(name)}\"?\s*\]")
        start = next((i for i, line in enumerate(self._lines) if header.match(line)), None)
        if start is None:
            return self._line("publish")
        if key is not None:
            pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
            for i in range(start + 1, len(self._lines)):
                if self._lines[i].lstrip().startswith("["):
                    break
                if pattern.match(self._lines[i]):
                    return i + 1
        return start + 1

    def _target_problem(self, name: str, key: str | None, message: str) -> None:
        field = f"publish.{name}.{key}" if key else f"publish.{name}"
        self.problems.append(Problem(FILENAME, self._table_line(name, key), field, message))

    def publish_targets(self) -> dict[str, PublishTarget]:
        """Every valid [publish.<name>] table by name; the problems of the others join `problems`."""
        tables = self._data.get("publish", {})
        if not isinstance(tables, dict):
            self._problem("publish", "expected tables such as [publish.site]")
            return {}
        targets: dict[str, PublishTarget] = {}
        for name, table in tables.items():
            if not _TARGET_NAME.match(name):
                self._target_problem(
                    name, None, "a target's name is lowercase letters, digits, '-' and '_', such as 'site'"
                )
            elif not isinstance(table, dict):
                self._target_problem(name, None, f"expected a table: [publish.{name}]")
            elif (target := self._target(name, table)) is not None:
                targets[name] = target
        return targets

    def _target(self, name: str, table: dict[str, Any]) -> PublishTarget | None:
        before = len(self.problems)
        kind = table.get("type")
        if kind not in TARGET_TYPES:
            found = "nothing" if kind is None else repr(kind)
            expected = " or ".join(repr(t) for t in TARGET_TYPES)
            self._target_problem(name, "type", f"expected {expected}, found {found}")
            kind = None
        allowed = _TARGET_KEYS[kind] if kind else set().union(*_TARGET_KEYS.values())
        for key in table:
            if _SECRET.search(key):
                self._target_problem(
                    name,
                    key,
                    "credentials never go in pressroom.toml, which is shared and kept in version "
                    "control: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, "
                    'or name a profile of ~/.aws/credentials with profile = "..."',
                )
            elif key not in allowed:
                self._target_problem(name, key, f"unknown setting{did_you_mean(key, allowed)}")
        text: dict[str, str | None] = {
            key: self._target_text(name, table, key)
            for key in ("path", "bucket", "prefix", "region", "endpoint", "profile")
            if key in allowed
        }
        seconds = {
            key: self._target_seconds(name, table, key, _TARGET_DEFAULT[key])
            for key in ("max_age", "assets_max_age")
            if key in allowed
        }
        path = None
        if kind == "directory":
            if text["path"] is not None:
                path = self._target_path(name, text["path"])
            elif "path" not in table:
                self._target_problem(
                    name, "path", "field required: the folder a web server serves, e.g. '/srv/www/press'"
                )
        elif kind == "s3":
            self._check_s3(name, table, text)
        if kind is None or len(self.problems) > before:
            return None
        return PublishTarget(
            name=name,
            type=kind,
            path=path,
            bucket=text.get("bucket") or "",
            prefix=text.get("prefix") or "",
            region=text.get("region"),
            endpoint=(text.get("endpoint") or "").rstrip("/") or None,
            profile=text.get("profile"),
            **seconds,
        )

    def _check_s3(self, name: str, table: dict[str, Any], text: dict[str, str | None]) -> None:
        bucket, prefix, region, endpoint = (text[k] for k in ("bucket", "prefix", "region", "endpoint"))
        if bucket is None:
            if "bucket" not in table:
                self._target_problem(name, "bucket", "field required: the name of the bucket")
        elif not _BUCKET.match(bucket):
            self._target_problem(
                name, "bucket", f"expected a bucket name such as 'press-example-org', found {bucket!r}"
            )
        if prefix is not None and not _PREFIX.match(prefix):
            self._target_problem(
                name, "prefix", f"expected a folder of the bucket such as 'news/', found {prefix!r}"
            )
        if region is not None and not _REGION.match(region):
            self._target_problem(
                name, "region", f"expected a region such as 'eu-central-1', found {region!r}"
            )
        if endpoint is None:
            return
        parts = urlsplit(endpoint)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            self._target_problem(
                name, "endpoint", f"expected an address such as 'https://s3.example.net', found {endpoint!r}"
            )
        elif parts.scheme == "http" and not _loopback(parts.hostname):
            self._target_problem(
                name,
                "endpoint",
                f"{endpoint!r} is not encrypted: use https (http only for a server on this machine, "
                "such as http://127.0.0.1:9000)",
            )

    def _target_text(self, name: str, table: dict[str, Any], key: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip() or re.search(r"[\x00-\x1f\x7f]", value):
            if key == "prefix" and value == "":
                return ""
            self._target_problem(name, key, f"expected text on one line, found {value!r}")
            return None
        return value if key == "prefix" else value.strip()

    def _target_seconds(self, name: str, table: dict[str, Any], key: str, default: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 31_536_000:
            self._target_problem(name, key, f"expected seconds from 0 to 31536000, found {value!r}")
            return default
        return value

    def _target_path(self, name: str, text: str) -> Path | None:
        root = self._root
        # Replaced by a link to each new copy of the site: it must be nobody else's folder.
        path = Path(os.path.normpath(root / Path(text).expanduser()))
        inside = [root / "build", root / ".pressroom", root / "releases", root / "templates"]
        if root.is_relative_to(path) or any(path.is_relative_to(folder) for folder in inside):
            self._target_problem(
                name,
                "path",
                f"{text!r} is the newsroom, holds it, or is inside one of its folders: name a folder "
                "for the web server, such as '/srv/www/press'",
            )
            return None
        return path


def _loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
