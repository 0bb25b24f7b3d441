"""The mail server to send through: the [smtp] table of pressroom.toml, and the login password.

content/config.py reads the file (`read_config`, the one reader) and lets an
`[smtp]` table through; it is validated here, with the same
`pressroom.toml:line: smtp.key: message` problems, and only when a send needs
it. Sending in clear text ("none-local-relay-only") is accepted only for a relay
on this machine, and never with a login. The password is never in
pressroom.toml: it comes from an environment variable or the system keyring.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from pressroom.content.config import FILENAME, read_config
from pressroom.content.suggest import did_you_mean
from pressroom.errors import ConfigError, ContentError, Problem

SECURITY = ("starttls", "tls", "none-local-relay-only")
CLEAR = "none-local-relay-only"
DEFAULT_PORTS = {"starttls": 587, "tls": 465, CLEAR: 25}
PASSWORD_ENV = "PRESSROOM_SMTP_PASSWORD"  # noqa: S105 - the name of a variable, not its value
_KEYS = (
    "host", "port", "user", "security", "rate_per_minute", "password_env", "connect_timeout", "read_timeout",
)  # fmt: skip
# Seconds. Long enough for a slow submission server that scans each message
# before it answers; short enough that a dead one is reported within a minute.
CONNECT_TIMEOUT = 30.0
READ_TIMEOUT = 60.0
_LOCAL_NAMES = ("localhost", "localhost.localdomain")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\Z")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """The [smtp] table of pressroom.toml, validated."""

    host: str
    port: int
    security: str = "starttls"  # one of SECURITY
    user: str | None = None  # no login when None (a local relay)
    rate_per_minute: int = 30
    password_env: str = PASSWORD_ENV
    connect_timeout: float = CONNECT_TIMEOUT  # connecting, and the greeting
    read_timeout: float = READ_TIMEOUT  # every answer after it, first byte to last; sending one message

    @property
    def keyring_service(self) -> str:
        return f"pressroom:{self.host}"

    def describe(self) -> str:
        """'smtp.example.org:587, STARTTLS, login press@example.org, at most 30 a minute'."""
        security = {"starttls": "STARTTLS", "tls": "TLS", CLEAR: "no encryption (local relay)"}
        login = f"login {self.user}" if self.user else "no login"
        return (
            f"{self.host}:{self.port}, {security[self.security]}, {login}, "
            f"at most {self.rate_per_minute} a minute"
        )


# The defaults live on the dataclass alone: a setting left out reads as SmtpSettings has it.
_DEFAULT = {f.name: f.default for f in fields(SmtpSettings) if f.default is not MISSING}


def load_smtp_settings(root: Path) -> SmtpSettings | None:
    """Read and validate [smtp] from pressroom.toml; None when there is no such table."""
    text, data = read_config(root)
    if "smtp" not in data:
        return None
    return _SmtpTable(text, data["smtp"]).settings()


class _SmtpTable:
    def __init__(self, text: str, table: object) -> None:
        self._lines = text.split("\n")
        self._table = table
        self.problems: list[Problem] = []
        header = re.compile(r"^\s*(\[\s*\"?smtp\"?\s*\]|\"?smtp\"?\s*=)")  # [smtp], or smtp = ...
        self._start = next((i for i, line in enumerate(self._lines) if header.match(line)), None)

    def _line(self, key: str | None) -> int:
        """The line of `key =` inside [smtp], else of the [smtp] header, else 0."""
        if self._start is None:
            return 0
        if key is not None:
            pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
            for i in range(self._start + 1, len(self._lines)):
                if self._lines[i].lstrip().startswith("["):
                    break
                if pattern.match(self._lines[i]):
                    return i + 1
        return self._start + 1

    def _problem(self, key: str | None, message: str) -> None:
        field = f"smtp.{key}" if key else "smtp"
        self.problems.append(Problem(FILENAME, self._line(key), field, message))

    def _text(self, table: dict[str, Any], key: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip() or re.search(r"[\x00-\x1f\x7f]", value):
            self._problem(key, f"expected text on one line, found {value!r}")
            return None
        return value.strip()

    def _number(self, table: dict[str, Any], key: str, default: int, low: int, high: int, what: str) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self._problem(key, f"expected {what} from {low} to {high}, found {value!r}")
            return default
        return value

    def _seconds(self, table: dict[str, Any], key: str, default: float) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0.1 <= value <= 3600:
            self._problem(key, f"expected a number of seconds from 0.1 to 3600, found {value!r}")
            return default
        return float(value)

    def settings(self) -> SmtpSettings:
        table = self._table
        if not isinstance(table, dict):
            self._problem(None, "expected a table: [smtp]")
            raise ContentError(self.problems)
        for key in table:
            if key == "password":
                self._problem(
                    key,
                    "the password never goes in pressroom.toml: set the environment variable "
                    f"{table.get('password_env') or PASSWORD_ENV}, or store it in the system keyring",
                )
            elif key not in _KEYS:
                self._problem(key, f"unknown setting{did_you_mean(key, _KEYS)}")
        host = self._text(table, "host")
        if host is None and "host" not in table:
            self._problem("host", "field required: the mail server's name, e.g. 'smtp.example.org'")
        elif host is not None and not _is_host(host):
            self._problem("host", f"expected a host name such as 'smtp.example.org', found {host!r}")
            host = None
        security = self._text(table, "security") or _DEFAULT["security"]
        if security not in SECURITY:
            choices = ", ".join(f"'{s}'" for s in SECURITY)
            self._problem(
                "security", f"expected one of {choices}, found {security!r}{did_you_mean(security, SECURITY)}"
            )
            security = _DEFAULT["security"]
        port = self._number(table, "port", DEFAULT_PORTS[security], 1, 65535, "a port number")
        user = self._text(table, "user")
        rate = self._number(
            table, "rate_per_minute", _DEFAULT["rate_per_minute"], 1, 6000, "a number of messages a minute"
        )
        connect_timeout = self._seconds(table, "connect_timeout", _DEFAULT["connect_timeout"])
        read_timeout = self._seconds(table, "read_timeout", _DEFAULT["read_timeout"])
        password_env = self._text(table, "password_env") or _DEFAULT["password_env"]
        if not _ENV_NAME.match(password_env):
            self._problem("password_env", f"expected an environment variable name, found {password_env!r}")
        if security == CLEAR:
            if host is not None and not _is_local(host):
                self._problem(
                    "security",
                    f"'{CLEAR}' sends without encryption and is only for a relay on this machine "
                    f"(localhost, 127.0.0.1 or ::1), not {host!r}; use 'starttls' or 'tls'",
                )
            if user is not None:
                self._problem(
                    "user",
                    f"no login without encryption: with security = '{CLEAR}' the password would "
                    "cross in clear text; remove user, or use 'starttls' or 'tls'",
                )
        if self.problems or host is None:
            raise ContentError(self.problems)
        return SmtpSettings(host, port, security, user, rate, password_env, connect_timeout, read_timeout)


def _is_host(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return bool(_HOST.match(text)) and ".." not in text
    return True


def _is_local(host: str) -> bool:
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def find_password(settings: SmtpSettings, environ: Mapping[str, str]) -> str | None:
    """The login password: the environment variable first, then the system keyring.

    None when the settings have no user (no login). Raises ConfigError when a
    login is configured and neither place has a password.
    """
    if settings.user is None:
        return None
    password = environ.get(settings.password_env)
    if password:
        return password
    hint = f"keyring set {settings.keyring_service} {settings.user}"
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise ConfigError(
            f"no SMTP password: set {settings.password_env}, or install the keyring extra "
            f"(pip install 'pressroom[keyring]') and store it with `{hint}`"
        ) from None
    try:
        password = keyring.get_password(settings.keyring_service, settings.user)
    except keyring.errors.KeyringError as exc:
        raise ConfigError(
            f"no SMTP password: {settings.password_env} is not set and the keyring failed: {exc}"
        ) from None
    if not password:
        raise ConfigError(f"no SMTP password: set {settings.password_env}, or store it with `{hint}`")
    return password
