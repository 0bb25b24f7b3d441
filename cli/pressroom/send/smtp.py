"""The SMTP side of sending: a verified connection, and one transaction for one recipient.

Security is decided before anything else crosses the wire. With "starttls"
(the default) or "tls" the server's certificate is verified against the
system's trusted authorities and the host name, and a server that offers no
TLS ends the run before the login and before any message. The settings and
the password come from config.py.

A transaction reports what the server did with one message for one recipient
(`Outcome`); it never retries or sleeps. The caller owns retries, back-off and
the rate limit, through a `Clock` so tests need not wait.

Every wait for the server has an end: connecting and the greeting take at
most `connect_timeout`, every later answer at most `read_timeout`, from its
first byte to its last (deadline.py), so a silent server and one that trickles
a byte a second are both caught. A server that runs out of time ends the run
(`TimedOut`), naming what it was waiting for: the next recipient would wait
the same. A message it was answering for is then uncertain, as the ledger
says of any message the server may have taken without saying so.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from pressroom.errors import PressroomError
from pressroom.send.config import CLEAR, SmtpSettings
from pressroom.send.deadline import Deadline


class SmtpError(PressroomError):
    """The mail server cannot be used as configured: no TLS, a bad certificate, a refused login."""


class TimedOut(SmtpError):
    """The server gave no complete answer in time; the run stops rather than wait on it again."""


class Unavailable(Exception):
    """The server could not be reached or asked us to come back later; worth another try."""


# -- time --------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> datetime: ...
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: what a send uses outside tests."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True, slots=True)
class Retry:
    """How often, and how patiently, a temporary failure (4xx, a lost connection) is tried again."""

    attempts: int = 5  # tries per recipient, the first one included
    first_delay: float = 5.0  # seconds before the second try; doubled for each one after
    max_delay: float = 120.0

    def delay(self, failures: int) -> float:
        return float(min(self.max_delay, self.first_delay * 2 ** (failures - 1)))


class RateLimit:
    """At most `per_minute` transactions a minute, spaced evenly rather than in bursts."""

    def __init__(self, per_minute: int, clock: Clock) -> None:
        self._interval = 60.0 / per_minute
        self._clock = clock
        self._next: float | None = None

    def wait(self) -> None:
        now = self._clock.monotonic()
        if self._next is not None and now < self._next:
            self._clock.sleep(self._next - now)
            now = self._next
        self._next = now + self._interval


# -- the connection ------------------------------------------------------------


class Result(StrEnum):
    ACCEPTED = "accepted"  # 250 after the message: the server has it
    REJECTED = "rejected"  # 5xx: this recipient or this message will not be taken
    TEMPORARY = "temporary"  # 4xx or a lost connection before the message: try again later
    UNCERTAIN = "uncertain"  # no answer after the message: it may have been taken


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Result
    response: str  # the server's answer or what went wrong, on one line
    offered: bool  # the whole message was handed over (the ledger says `sending`)
    stop: bool = False  # the server stopped answering: record this one, then end the run


class _Exchanges:
    """A session with the server in which every exchange has a deadline (deadline.py).

    Connection (below) speaks SMTP over it; here is what any step needs: where
    the server is, a time limit that covers a whole answer, and the two ways
    to leave, politely (QUIT) or at once.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._deadline = Deadline()
        self._connected = False  # whether the step under way got past the TCP connection

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    @property
    def is_open(self) -> bool:
        return self._smtp is not None

    def _attach(self, sock: socket.socket) -> None:
        self._connected = True
        self._deadline.attach(sock)

    @contextmanager
    def _step(self, seconds: float, what: str, setting: str) -> Iterator[None]:
        """Run one exchange with the server within `seconds`, or raise TimedOut saying what was late."""
        try:
            with self._deadline.within(seconds):
                yield
        except OSError as exc:  # smtplib's own errors are OSErrors too
            if not (self._deadline.expired or _timed_out(exc)):
                raise
            self._drop()
            waited = what if self._connected else "the connection"
            raise TimedOut(
                f"no complete answer from {self.where} in {seconds:g} s while waiting for {waited} "
                f"({setting} in [smtp])"
            ) from None
        if self._deadline.expired:  # answered just as time ran out: the connection is closed now
            self._drop()

    def close(self) -> None:
        """Say goodbye politely if the server is still there; forget the session either way."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                with self._deadline.within(self.settings.read_timeout):
                    smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        self._deadline.close()

    def _drop(self) -> None:
        """Close without a word: after a failure, or to abandon a message mid-DATA."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()
        self._deadline.close()

    def _reset(self) -> None:
        if self._smtp is None:
            return
        try:
            with self._deadline.within(self.settings.read_timeout):
                code, _ = self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            code = 0
        if code != 250:
            self._drop()


class Connection(_Exchanges):
    """One SMTP session, opened on demand, with the security the settings ask for."""

    def __init__(
        self,
        settings: SmtpSettings,
        password: str | None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        super().__init__(settings)
        self._password = password
        self._context = ssl_context
        self._local_hostname = local_hostname

    def open(self) -> None:
        """Connect, secure and log in, unless already connected.

        Raises Unavailable for what may pass (no answer, a 4xx greeting) and
        SmtpError for what will not: missing TLS, an untrusted certificate, a
        refused login. Both come before any login or message when TLS fails.
        """
        if self._smtp is not None:
            return
        s = self.settings
        context = self._context or ssl.create_default_context()
        self._connected = False
        try:
            with self._step(s.connect_timeout, "its greeting", "connect_timeout"):
                if s.security == "tls":
                    smtp: smtplib.SMTP = _SessionTLS(
                        self._attach, s.host, s.port, self._local_hostname, s.connect_timeout, context
                    )
                else:
                    smtp = _Session(self._attach, s.host, s.port, self._local_hostname, s.connect_timeout)
        except ssl.SSLCertVerificationError as exc:
            raise SmtpError(self._untrusted(exc)) from None
        except ssl.SSLError as exc:
            raise SmtpError(
                f"no TLS at {self.where} ({exc.reason or exc}); nothing was sent. Is it a STARTTLS port "
                '(usually 587)? Then set security = "starttls"'
            ) from None
        except smtplib.SMTPConnectError as exc:
            self._greeting_refused(exc.smtp_code, exc.smtp_error)
            raise  # pragma: no cover - _greeting_refused always raises
        except (OSError, smtplib.SMTPException) as exc:
            raise Unavailable(f"cannot connect to {self.where}: {_reason(exc)}") from None
        try:
            if smtp.sock is not None:  # from here on, every answer has read_timeout
                smtp.sock.settimeout(s.read_timeout)
            self._secure_and_login(smtp)
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp

    def _secure_and_login(self, smtp: smtplib.SMTP) -> None:
        s = self.settings
        late = s.read_timeout
        try:
            with self._step(late, "its answer to EHLO", "read_timeout"):
                code, reply = smtp.ehlo()
            if code != 250:
                self._greeting_refused(code, reply)
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise SmtpError(
                        f"{self.where} does not offer STARTTLS, so the login and the messages would cross "
                        "the network unencrypted; nothing was sent. Ask for a TLS-capable server, or for "
                        f'a relay on this machine only set security = "{CLEAR}"'
                    )
                with self._step(late, "the TLS handshake (STARTTLS)", "read_timeout"):
                    code, reply = smtp.starttls(context=self._context or ssl.create_default_context())
                if code != 220:
                    self._greeting_refused(code, reply)
                with self._step(late, "its answer to EHLO", "read_timeout"):
                    smtp.ehlo()
            if s.user is not None:
                with self._step(late, "its answer to the login (AUTH)", "read_timeout"):
                    smtp.login(s.user, self._password or "")
        except ssl.SSLCertVerificationError as exc:
            raise SmtpError(self._untrusted(exc)) from None
        except ssl.SSLError as exc:
            raise SmtpError(f"TLS with {self.where} failed ({exc.reason or exc}); nothing was sent") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise SmtpError(
                f"{self.where} refused the login for {s.user}: {_response(exc.smtp_code, exc.smtp_error)}"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise SmtpError(
                f"{self.where} offers no login (AUTH); remove smtp.user for a relay that needs none"
            ) from None
        except smtplib.SMTPResponseException as exc:
            self._greeting_refused(exc.smtp_code, exc.smtp_error)
        except (OSError, smtplib.SMTPException) as exc:
            raise Unavailable(f"connection to {self.where} lost: {_reason(exc)}") from None

    def _greeting_refused(self, code: int, reply: bytes | str) -> None:
        text = _response(code, reply)
        if 400 <= code < 500:
            raise Unavailable(f"{self.where} is not taking messages now: {text}")
        raise SmtpError(f"{self.where} refused the session: {text}")

    def _untrusted(self, exc: ssl.SSLCertVerificationError) -> str:
        return (
            f"the certificate of {self.where} is not trusted ({exc.verify_message or exc}); "
            "nothing was sent. For a server with a private certificate authority, "
            "point SSL_CERT_FILE at that authority's certificate"
        )

    def transaction(
        self, sender: str, recipient: str, data: bytes, before_offer: Callable[[], None]
    ) -> Outcome:
        """Offer one message to one recipient and say what became of it.

        `before_offer` runs after the server said 354 and before the message
        and its final line are sent: from then on the server may have it. If
        `before_offer` raises, the message is abandoned unsent (the connection
        is dropped mid-DATA, which a server must treat as no message).
        Raises SmtpError when the server refuses the sender, which no retry
        or other recipient would change, and TimedOut when it does not answer
        in time before the message (which it then cannot have).
        """
        self.open()
        smtp = self._smtp
        assert smtp is not None
        late = self.settings.read_timeout
        try:
            options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
            with self._step(late, "its answer to MAIL FROM", "read_timeout"):
                code, reply = smtp.mail(sender, options)
            if code != 250:
                if code >= 500:
                    self._reset()
                    raise SmtpError(f"{self.where} refused the sender {sender}: {_response(code, reply)}")
                return self._not_offered("MAIL FROM", code, reply)
            with self._step(late, "its answer to RCPT TO", "read_timeout"):
                code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                return self._not_offered("RCPT TO", code, reply)
            with self._step(late, "its answer to DATA", "read_timeout"):
                code, reply = smtp.docmd("DATA")
            if code != 354:
                return self._not_offered("DATA", code, reply)
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            return Outcome(
                Result.TEMPORARY, f"connection lost before the message: {_reason(exc)}", offered=False
            )
        try:
            before_offer()
        except BaseException:
            self._drop()
            raise
        try:
            with self._step(late, "its answer after the message", "read_timeout"):
                smtp.send(_dot_stuffed(data))
                code, reply = smtp.getreply()
        except TimedOut as exc:
            return Outcome(Result.UNCERTAIN, f"{exc}; it may have the message", offered=True, stop=True)
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            return Outcome(
                Result.UNCERTAIN, f"no answer after the message was sent: {_reason(exc)}", offered=True
            )
        except BaseException:  # Ctrl-C: a polite QUIT now would land inside the message
            self._drop()
            raise
        text = _response(code, reply)
        if code == 250:
            return Outcome(Result.ACCEPTED, text, offered=True)
        if 500 <= code < 600:
            return Outcome(Result.REJECTED, text, offered=True)
        if 400 <= code < 500:
            if code == 421:
                self._drop()
            return Outcome(Result.TEMPORARY, text, offered=True)
        # An answer that is no answer (a garbled line): the server may have queued it.
        self._drop()
        return Outcome(Result.UNCERTAIN, f"unexpected answer after the message: {text}", offered=True)

    def _not_offered(self, step: str, code: int, reply: bytes) -> Outcome:
        text = f"{step}: {_response(code, reply)}"
        if code == 421 or code < 0:  # the server is closing the session
            self._drop()
        else:
            self._reset()
        result = Result.REJECTED if 500 <= code < 600 else Result.TEMPORARY
        return Outcome(result, text, offered=False)


class _Session(smtplib.SMTP):
    """smtplib's client, handing its socket to the deadline the moment it is connected."""

    def __init__(
        self,
        attach: Callable[[socket.socket], None],
        host: str,
        port: int,
        local_hostname: str | None,
        timeout: float,
    ) -> None:
        self._attach = attach
        super().__init__(host, port, local_hostname=local_hostname, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # smtplib's hook for making the connection (SMTP_SSL wraps what it returns);
        # typeshed leaves it out, hence the ignore.
        sock: socket.socket = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        self._attach(sock)
        return sock


class _SessionTLS(smtplib.SMTP_SSL, _Session):
    """Implicit TLS: SMTP_SSL wraps the socket _Session attached, so the handshake is timed too."""

    def __init__(
        self,
        attach: Callable[[socket.socket], None],
        host: str,
        port: int,
        local_hostname: str | None,
        timeout: float,
        context: ssl.SSLContext,
    ) -> None:
        self._attach = attach
        smtplib.SMTP_SSL.__init__(
            self, host, port, local_hostname=local_hostname, timeout=timeout, context=context
        )


def _timed_out(exc: BaseException) -> bool:
    """Whether `exc` is, or was raised while handling, a socket timeout (smtplib rewraps them)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA carries it: CRLF line ends, leading dots doubled, the final '.' line."""
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _response(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(f"{code} {' / '.join(text.splitlines())}".split())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
