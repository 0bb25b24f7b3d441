"""Read pressroom.toml into Settings, reporting every bad value with its line.

`read_config` is the one reader of the file; the tables have their validators:
the top and [email] here, the house style's tables in branding.py, the
`[publish.<name>]` deploy targets in targets.py (`load_publish_targets`, kept
out of `Settings`: a build keys every output on the settings, and where a site
is deployed changes none of them), and [smtp] in send/config.py.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import MISSING, fields
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pressroom.addresses import AddressError, envelope_address, name_problem
from pressroom.content import branding, targets
from pressroom.content.settings_file import FILENAME as FILENAME
from pressroom.content.settings_file import LANGUAGE as LANGUAGE
from pressroom.content.settings_file import NOT_IN_HEADER, SettingsFile
from pressroom.content.source import read_text
from pressroom.content.suggest import did_you_mean
from pressroom.content.targets import TARGET_TYPES as TARGET_TYPES
from pressroom.content.targets import PublishTarget as PublishTarget
from pressroom.errors import ContentError, Problem
from pressroom.layout import ASSETS
from pressroom.model import RELEASE_FIELDS, Settings

_FIELD = re.compile(r"^[a-z][a-z0-9_]*\Z")

_TOP = {
    "name", "url", "language", "timezone", "boilerplate", "logo", "end_mark",
    "dateline_style", "show_utc", "custom_fields", "allow_remote_resources", "email", "location",
    "smtp",  # validated by the sending code, which alone uses it
    "theme", "issuers", "languages", "topics",
    "publish",
    "notes_style",
    "lint", "references",  # validated by the editorial desk (pressroom.desk), which alone uses them
}  # fmt: skip
_EMAIL = {"from", "unsubscribe"}
# Where a journalist unsubscribes from list sends: https (one click) or mailto, no spaces or controls.
_UNSUBSCRIBE = re.compile(
    r"^(https://[^\s<>\x00-\x1f\x7f]+|mailto:[^\s<>@\x00-\x1f\x7f]+@[^\s<>\x00-\x1f\x7f]+)\Z"
)
_MAX_SENDER = 254
# The defaults live on the dataclass alone: a setting left out reads as Settings has it.
_DEFAULT = {f.name: f.default for f in fields(Settings) if f.default is not MISSING}


def load_settings(root: Path) -> Settings:
    """Parse and validate pressroom.toml; raise ContentError listing every problem."""
    text, data = read_config(root)
    return _Validator(text, data, root.resolve()).settings()


def load_publish_targets(root: Path) -> dict[str, PublishTarget]:
    """The `[publish.<name>]` tables of pressroom.toml, by name; raise ContentError listing every problem.

    Relative directory paths are taken from the newsroom folder.
    """
    text, data = read_config(root)
    file = SettingsFile(text, data, root.resolve())
    found = targets.publish_targets(file)
    if file.problems:
        raise ContentError(file.problems)
    return found


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


class _Validator(SettingsFile):
    """The top of pressroom.toml and [email], then every other table's problems with them."""

    def _sender(self, sender: str) -> None:
        display, addr = parseaddr(sender)
        try:
            if "@" in addr and not NOT_IN_HEADER.search(sender):
                # As the envelope will carry it: a non-ASCII local part, or a domain IDNA cannot write.
                envelope_address(addr)
        except AddressError as exc:
            self.problem("email.from", str(exc))
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
        if not valid or NOT_IN_HEADER.search(sender) or len(sender) > _MAX_SENDER:
            self.problem(
                "email.from", f"expected an address such as 'Press <press@example.org>', found {sender!r}"
            )
        elif problem := name_problem(display):  # an encoded word would be read as other text
            self.problem("email.from", f"the name {problem}")

    def settings(self) -> Settings:
        data = self.data
        for key in data:
            if key not in _TOP:
                self.problem(key, f"unknown setting{did_you_mean(key, _TOP)}")
        email = data.get("email", {})
        if not isinstance(email, dict):
            self.problem("email", "expected a table: [email]")
            email = {}
        for key in email:
            if key not in _EMAIL:
                self.problem(f"email.{key}", f"unknown setting{did_you_mean(key, _EMAIL)}")

        name = self.text("name") or ""
        url = self.text("url") or ""
        if url and not re.match(r"^https?://[^\s/]+", url):
            self.problem(
                "url", f"expected an http(s) address such as https://press.example.org/, found {url!r}"
            )
        language = self.text("language", "en") or "en"
        if not LANGUAGE.match(language):
            self.problem("language", f"expected a language tag such as 'en' or 'en-GB', found {language!r}")
        timezone = self.text("timezone", "UTC") or "UTC"
        try:
            ZoneInfo(timezone)
        # zoneinfo opens the name as a file: 'Europe' is a folder (IsADirectoryError),
        # a 300-letter name is too long for the file system (OSError).
        except (ZoneInfoNotFoundError, ValueError, OSError):
            self.problem(
                "timezone", f"unknown time zone {timezone!r}; expected a name such as 'Europe/Brussels'"
            )
            timezone = "UTC"
        style = self.text("dateline_style", _DEFAULT["dateline_style"]) or _DEFAULT["dateline_style"]
        if style not in ("eu", "ap"):
            self.problem("dateline_style", f"expected 'eu' or 'ap', found {style!r}")
        notes_style = self.text("notes_style", _DEFAULT["notes_style"]) or _DEFAULT["notes_style"]
        if notes_style not in ("uk", "eu"):
            self.problem("notes_style", f"expected 'uk' or 'eu', found {notes_style!r}")
        logo = self.text("logo")
        if logo is not None and (not logo.startswith(ASSETS) or ".." in Path(logo).parts):
            self.problem(
                "logo", f"expected a file in templates/assets/, such as 'assets/logo.svg', found {logo!r}"
            )
            logo = None
        sender = self.text("email.from", "", email) or ""
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
        unsubscribe = self.text("email.unsubscribe", "", email) or ""
        if unsubscribe and (not _UNSUBSCRIBE.match(unsubscribe) or len(unsubscribe) > 500):
            self.problem(
                "email.unsubscribe",
                "expected an https: or mailto: address such as 'https://press.example.org/unsubscribe?email={email}',"
                f" found {unsubscribe!r}",
            )
            unsubscribe = ""
        custom = data.get("custom_fields", [])
        if not isinstance(custom, list) or not all(isinstance(c, str) and _FIELD.match(c) for c in custom):
            self.problem("custom_fields", "expected a list of field names")
            custom = []
        if clash := sorted(set(custom) & set(RELEASE_FIELDS)):
            self.problem("custom_fields", f"{', '.join(clash)} already a release field; pick another name")
            custom = [c for c in custom if c not in clash]
        flags = {}
        for key in ("show_utc", "allow_remote_resources"):
            default = _DEFAULT[key]
            value = data.get(key, default)
            if not isinstance(value, bool):
                self.problem(key, f"expected true or false, found {value!r}")
                value = default
            flags[key] = value
        # Read before the check below, so a bad value is reported rather than dropped.
        boilerplate = self.text("boilerplate", _DEFAULT["boilerplate"]) or _DEFAULT["boilerplate"]
        location = self.text("location")
        end_mark = self.text("end_mark", _DEFAULT["end_mark"]) or _DEFAULT["end_mark"]
        theme = branding.theme(self)
        issuers = branding.issuers(self)
        languages = branding.languages(self)
        topics = branding.topics(self)
        targets.publish_targets(self)  # for its problems: `check` lists them with the rest
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
            email_unsubscribe=unsubscribe,
            custom_fields=tuple(custom),
            allow_remote_resources=flags["allow_remote_resources"],
            theme=theme,
            issuers=issuers,
            languages=languages,
            topics=topics,
        )
