"""The real run of a planned send (plan.py), and its dry run: each message accepted exactly once.

write_outbox()   the dry run: every message as an .eml file in .pressroom/outbox/<slug>/.
deliver()        the real run, under a lock: the ledger (ledger.py, records/sends.sqlite)
                 says who still needs the message, the mailer (smtp.py) sends it
                 through the server of config.py; temporary failures are tried
                 again with back-off, within the rate limit; a server that stops
                 answering ends the run.
status_lines()   the ledger of one release, for `pressroom send --status`.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from pressroom.addresses import envelope_address
from pressroom.engine.plan import Progress
from pressroom.layout import OUTBOX, WORKDIR
from pressroom.send.ledger import FILENAME as LEDGER_FILE
from pressroom.send.ledger import FOLDER as RECORDS
from pressroom.send.ledger import Ledger, Row, State
from pressroom.send.lists import Recipient
from pressroom.send.plan import Plan, SendError, read_ledger
from pressroom.send.smtp import (
    Clock,
    Connection,
    Outcome,
    RateLimit,
    Result,
    Retry,
    SmtpError,
    SystemClock,
    Unavailable,
)
from pressroom.workdir import exclusive

_LOCK = f"{RECORDS}/sends.lock"  # beside the ledger it guards: a clean of .pressroom/ never frees it


# -- the dry run -----------------------------------------------------------------


def write_outbox(plan: Plan) -> Path:
    """Write the messages the plan would send into .pressroom/outbox/<slug>/, replacing the last dry run."""
    folder = plan.root / OUTBOX / plan.release.slug
    # The old dry run is deleted: through a link, that would be a folder outside the newsroom.
    for path in (plan.root / WORKDIR, plan.root / OUTBOX, folder):
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            raise SendError(f"{path.relative_to(plan.root).as_posix()} is not a folder; move it away")
    try:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for number, recipient in enumerate(plan.recipients, 1):
            name = re.sub(r"[^a-z0-9@._-]", "_", recipient.key)
            (folder / f"{number:03d}-{name}.eml").write_bytes(plan.message(recipient).as_bytes())
    except OSError as exc:
        raise SendError(f"cannot write {OUTBOX}/{plan.release.slug}: {exc.strerror or exc}") from None
    return folder


# -- the real run ------------------------------------------------------------------


@dataclass
class SendReport:
    """How a run ended, recipient by recipient."""

    proof: bool
    recipients: tuple[Recipient, ...]  # the whole list (or the proof address)
    sent: list[str] = field(default_factory=list)  # addresses the server accepted in this run
    final: dict[str, tuple[State, str]] = field(default_factory=dict)  # address -> (state, response)
    recovered: list[Row] = field(default_factory=list)  # left in `sending` by a run that was killed
    notes: list[str] = field(default_factory=list)  # what opening the ledger did
    aborted: str | None = None  # why the run stopped before the end of the list

    @property
    def not_sent(self) -> list[tuple[Recipient, State, str]]:
        missing = (State.PENDING, "not sent in this run")
        found = ((r, *self.final.get(r.key, missing)) for r in self.recipients)
        return [(r, state, response) for r, state, response in found if state is not State.ACCEPTED]

    @property
    def ok(self) -> bool:
        return self.aborted is None and not self.not_sent

    def lines(self) -> list[str]:
        """The closing report: what went out, then everything that did not and why."""
        earlier = len(self.recipients) - len(self.not_sent) - len(self.sent)
        head = f"Sent {len(self.sent)} message{'s' * (len(self.sent) != 1)}"
        if not self.proof:
            head += (
                f"; {len(self.recipients) - len(self.not_sent)} of {len(self.recipients)} on the list have it"
            )
            head += f" ({earlier} from earlier runs)" if earlier else ""
        lines = [*self.notes, head]
        for row in self.recovered:
            lines.append(f"A previous run was stopped while sending to {row.recipient}: now uncertain")
        if self.aborted:
            lines.append(f"Stopped: {self.aborted}")
        if self.not_sent:
            lines.append(f"Not sent ({len(self.not_sent)}):")
            for recipient, state, response in self.not_sent:
                lines.append(f"  {recipient.email}: {state.value}: {response or 'not tried in this run'}")
            if any(state is State.UNCERTAIN for _, state, _ in self.not_sent):
                lines.append(
                    "Uncertain: the server may have these, so they are not sent again. Look for their "
                    "Message-ID (see --status) in the server's log; if it is not there, "
                    "add --resend-uncertain."
                )
            if any(state is State.PENDING for _, state, _ in self.not_sent):
                lines.append("Pending: run the same command again to send them; nobody gets a message twice.")
        return lines


def deliver(
    plan: Plan,
    password: str | None,
    *,
    clock: Clock | None = None,
    progress: Progress | None = None,
    retry: Retry | None = None,
    ssl_context: ssl.SSLContext | None = None,
    local_hostname: str | None = None,
) -> SendReport:
    """Send the plan's messages over SMTP, recording every step in the ledger.

    Returns a report of what was and was not sent; raises only when the run
    cannot start (another send running, no [smtp], an unreadable ledger).
    """
    if plan.smtp is None:
        raise SendError("pressroom.toml has no [smtp] table, so there is no server to send through")
    clock = clock or SystemClock()
    connection = Connection(plan.smtp, password, ssl_context=ssl_context, local_hostname=local_hostname)
    report = SendReport(plan.proof, plan.media_list.recipients)
    with _lock(plan.root):
        if plan.proof:
            _Run(plan, None, connection, clock, retry or Retry(), report).send(
                list(plan.recipients), progress
            )
            return report
        slug, digest = plan.release.slug, plan.content_hash
        with Ledger.open(plan.root, replace_unreadable=plan.new_ledger) as ledger:
            report.notes = ledger.notes
            report.recovered = ledger.recover(slug, clock.now())
            ledger.add(
                slug, digest, plan.media_list.name, [r.email for r in plan.media_list.recipients], clock.now()
            )
            rows = ledger.states(slug, digest)
            if plan.resend_uncertain:
                for recipient in plan.media_list.recipients:
                    if rows[recipient.key].state is State.UNCERTAIN:
                        ledger.move(
                            slug, digest, recipient.email, State.UNCERTAIN, State.PENDING, clock.now(),
                            response="to be sent again (--resend-uncertain)",
                        )  # fmt: skip
                rows = ledger.states(slug, digest)
            todo = [r for r in plan.media_list.recipients if rows[r.key].state is State.PENDING]
            _Run(plan, ledger, connection, clock, retry or Retry(), report).send(todo, progress)
            rows = ledger.states(slug, digest)
            report.final = {key: (row.state, row.response) for key, row in rows.items()}
    return report


class _Run:
    """One pass over the recipients still to be sent, with retries, back-off and the rate limit."""

    def __init__(
        self,
        plan: Plan,
        ledger: Ledger | None,
        connection: Connection,
        clock: Clock,
        retry: Retry,
        report: SendReport,
    ) -> None:
        self.plan = plan
        self.ledger = ledger
        self.connection = connection
        self.clock = clock
        self.retry = retry
        self.report = report
        assert plan.smtp is not None
        self.rate = RateLimit(plan.smtp.rate_per_minute, clock)

    def send(self, todo: list[Recipient], progress: Progress | None) -> None:
        if progress is not None:
            progress.start(len(todo))
        try:
            for recipient in todo:
                self._one(recipient)
                if progress is not None:
                    progress.advance()
        except SmtpError as exc:
            self.report.aborted = str(exc)
        finally:
            self.connection.close()

    def _move(self, recipient: Recipient, old: State, new: State, **kw: str) -> None:
        if self.ledger is not None:
            p = self.plan
            self.ledger.move(
                p.release.slug, p.content_hash, recipient.email, old, new, self.clock.now(), **kw
            )
        self.report.final[recipient.key] = (new, kw.get("response", ""))

    def _one(self, recipient: Recipient) -> None:
        message = self.plan.message(recipient)
        data = message.as_bytes()
        message_id = str(message["Message-ID"])
        failures = 0
        while True:
            self.rate.wait()
            try:
                outcome = self.connection.transaction(
                    self.plan.sender,
                    envelope_address(recipient.email),
                    data,
                    lambda: self._move(recipient, State.PENDING, State.SENDING, message_id=message_id),
                )
            except Unavailable as exc:
                outcome = Outcome(Result.TEMPORARY, str(exc), offered=False)
            old = State.SENDING if outcome.offered else State.PENDING
            if outcome.result is not Result.TEMPORARY:
                self._move(recipient, old, State(outcome.result.value), response=outcome.response)
                if outcome.result is Result.ACCEPTED:
                    self.report.sent.append(recipient.key)
                if outcome.stop:  # recorded; the rest of the list would wait on it the same way
                    raise SmtpError(outcome.response)
                return
            failures += 1
            tries = f"{outcome.response} (tried {failures} time{'s' * (failures != 1)})"
            self._move(recipient, old, State.PENDING, response=tries)
            if failures >= self.retry.attempts:
                if not self.connection.is_open:
                    # The server is gone or keeps closing: every other recipient would wait the same.
                    raise SmtpError(f"giving up on {self.connection.where}: {outcome.response}")
                return
            self.clock.sleep(self.retry.delay(failures))


def _lock(root: Path) -> contextlib.AbstractContextManager[None]:
    path = root / _LOCK
    if path.parent.is_symlink():
        raise SendError(f"{RECORDS} is a link; pressroom keeps its files in a real folder there")
    try:
        path.parent.mkdir(exist_ok=True)
    except OSError as exc:
        raise SendError(f"cannot write in {root / RECORDS}: {exc.strerror or exc}") from None
    return exclusive(path, "another send is running in this newsroom; wait for it to finish", SendError)


# -- the ledger, for people ----------------------------------------------------------


def status_lines(root: Path, slug: str) -> list[str]:
    """The ledger of one release: per version, the count by state, then one line per recipient."""
    rows, _, notes = read_ledger(root.resolve(), slug, new_ledger=False)
    if not rows:
        return [*notes, f"No sends of {slug} recorded in {LEDGER_FILE}"]
    lines: list[str] = list(notes)
    versions = list(dict.fromkeys(row.content_hash for row in rows))
    for number, digest in enumerate(versions, 1):
        mine = [row for row in rows if row.content_hash == digest]
        counts = ", ".join(f"{sum(r.state is s for r in mine)} {s.value}" for s in State)
        label = "latest version" if number == len(versions) else "earlier version"
        lines.append(f"{slug}, {label} {digest}: {counts}")
        width = max(len(r.recipient) for r in mine)
        for r in mine:
            when = r.updated.strftime("%Y-%m-%d %H:%M:%S %Z")
            tries = f"{r.attempts} tr{'ies' if r.attempts != 1 else 'y'}"
            detail = " ".join(x for x in (r.response, r.message_id) if x)
            lines.append(
                f"  {r.recipient:<{width}}  {r.state.value:<9}  {when}  {tries:<9}  {detail}".rstrip()
            )
    return lines
