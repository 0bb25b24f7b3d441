"""Distribution: one release to one list, one message per recipient, each accepted exactly once.

    prepare()        a validated Newsroom, a release and a list -> a Plan, or a refusal. A draft
                     never goes to a list (only to one address, as a proof); an embargo that
                     has passed needs `after_embargo`; a release that changed since some of
                     the list got it needs `resend_changed`. The email and the PDF are rendered
                     here, once per language version, so a send fails before it starts.
    Plan.message()   the release's email as the build renders it, addressed to one recipient
                     alone, with the PDF attached and a Message-ID of its own.
    write_outbox()   the dry run: every message as an .eml file in .pressroom/outbox/<slug>/.
    deliver()        the real run, under a lock: the ledger (ledger.py, records/sends.sqlite)
                     says who still needs the message, the mailer (smtp.py) sends it
                     through the server of config.py; temporary failures are tried
                     again with back-off, within the rate limit; a server that stops
                     answering ends the run.
    status_lines()   the ledger of one release, for `pressroom send --status`.

A proof (`test_to`) goes to one address, is never recorded in the ledger and
may be sent as often as needed.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import json
import re
import secrets
import shutil
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cached_property
from pathlib import Path

import jinja2

from pressroom.addresses import address_header, envelope_address, parse_mailbox
from pressroom.content.suggest import did_you_mean
from pressroom.engine.plan import Progress
from pressroom.errors import ContentError, PressroomError, Problem
from pressroom.languages import version_for
from pressroom.layout import OUTBOX, WORKDIR, Files
from pressroom.model import Newsroom, Release
from pressroom.render.mail import render_email
from pressroom.render.templating import environment, template_dirs
from pressroom.render.view import ReleaseView
from pressroom.send import unsubscribe
from pressroom.send.config import SmtpSettings, load_smtp_settings
from pressroom.send.ledger import FILENAME as LEDGER_FILE
from pressroom.send.ledger import FOLDER as RECORDS
from pressroom.send.ledger import Ledger, Row, State, UnreadableLedger
from pressroom.send.ledger import exists as ledger_exists
from pressroom.send.lists import MediaList, Recipient, load_list
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
from pressroom.workdir import open_lock

_LOCK = f"{RECORDS}/sends.lock"  # beside the ledger it guards: a clean of .pressroom/ never frees it
# A row in one of these states means the recipient has, or may have, this version.
_HAS_IT = (State.ACCEPTED, State.SENDING, State.UNCERTAIN)


class SendError(PressroomError):
    """A send was refused, or cannot go ahead as asked."""


@dataclass(frozen=True)
class Rendition:
    """One language version of the release, rendered once for the whole run."""

    release: Release
    email: EmailMessage  # as render_email gives it: no To:, no attachment
    pdf: bytes


@dataclass(frozen=True)
class Plan:
    """What a send will do: checked, rendered, and ready to be shown before anything goes out."""

    root: Path
    release: Release
    view: ReleaseView  # the original at `now`, for the summary
    content_hash: str
    now: datetime
    media_list: MediaList  # for a proof, a list of the one address
    proof: bool
    sender: str  # the envelope sender: the address of [email] from
    smtp: SmtpSettings | None  # None only for a dry run without [smtp]
    versions: Mapping[str, Rendition]  # by language tag; "" is the original
    earlier: Mapping[str, Row]  # this version's ledger rows, by address, when the plan was made
    warnings: tuple[Problem, ...]  # the loader's warnings about this release
    resend_uncertain: bool = False
    ledger: str = ""  # what the summary says of the ledger; "" for a proof
    new_ledger: bool = False  # set an unreadable ledger aside and start a new one (--new-ledger)
    notes: tuple[str, ...] = ()  # what reading the ledger did, said once

    @cached_property
    def recipients(self) -> tuple[Recipient, ...]:
        """Who this run sends to: the list, less those the ledger says have or may have it."""
        resend = {State.PENDING} | ({State.UNCERTAIN, State.SENDING} if self.resend_uncertain else set())
        return tuple(
            r
            for r in self.media_list.recipients
            if r.key not in self.earlier or self.earlier[r.key].state in resend
        )

    def message(self, recipient: Recipient) -> EmailMessage:
        """The release's email for one recipient: To: them alone, the PDF attached."""
        language = version_for(recipient.language, self.release.language, self.versions)
        version = self.versions[language]
        message = copy.deepcopy(version.email)
        message.set_raw("To", address_header("To", recipient.address))
        # The build dates an email by its embargo; a sent one is dated when it was sent,
        # as mail clients and spam filters expect.
        message.replace_header("Date", format_datetime(self.now.astimezone(self.view.settings.tz)))
        message.replace_header("Message-ID", self._message_id(recipient, str(version.email["Message-ID"])))
        if not self.proof:
            for name, value in unsubscribe.headers(self.view.settings, self.media_list.name, recipient.email):
                message[name] = value
        content_language = message["Content-Language"]
        message.add_attachment(
            version.pdf, maintype="application", subtype="pdf", filename=Files(self.release.slug).pdf_name
        )
        del message["Content-Language"]  # the text part keeps its own copy
        if content_language:
            message["Content-Language"] = content_language
        message.set_boundary(f"pressroom-mixed-{self.content_hash}")
        return message

    def _message_id(self, recipient: Recipient, base: str) -> str:
        local, _, host = base.strip("<>").rpartition("@")
        if self.proof:  # every proof its own, so a mail client never hides a second one
            return f"<{local}.proof-{secrets.token_hex(6)}@{host}>"
        # Stable per version and recipient: a server or client that sees it twice can tell.
        mine = hashlib.sha256(f"{self.content_hash}\0{recipient.key}".encode()).hexdigest()[:12]
        return f"<{local}.{mine}@{host}>"

    def summary(self) -> list[str]:
        """What the user reads before confirming: release, embargo, list, count, a sample."""
        r, view = self.release, self.view
        rows = [("Release", f"{r.slug} ({r.status.value})")]
        sample = self.recipients[0] if self.recipients else self.media_list.recipients[0]
        rows.append(("Subject", str(self.versions[""].email["Subject"])))
        if r.embargo is None:
            rows.append(("Embargo", "none: for immediate release"))
        elif self.now < r.embargo:
            rows.append(("Embargo", f"until {view.format_moment(r.embargo)}"))
        else:
            rows.append(
                ("Embargo", f"ENDED {view.format_moment(r.embargo)}; sending after it (--after-embargo)")
            )
        if self.proof:
            rows.append(("Proof", f"to {sample.email} only; not recorded in the ledger"))
        else:
            lst = self.media_list
            rows.append(("List", f"{lst.name} ({lst.path}): {_count(len(lst.recipients), 'recipient')}"))
            states = [
                row.state for key, row in self.earlier.items() if key in {x.key for x in lst.recipients}
            ]
            done = ", ".join(
                f"{sum(s is state for s in states)} {label}"
                for state, label in (
                    (State.ACCEPTED, "already sent"),
                    (State.REJECTED, "rejected earlier"),
                    (State.UNCERTAIN, "uncertain"),
                )
            )
            rows.append(("Send to", f"{len(self.recipients)} ({done})"))
        details = ", ".join(x for x in (sample.outlet, sample.language) if x)
        rows.append(("Sample", f"To: {sample.address}" + (f" ({details})" if details else "")))
        pdf = self.versions[""].pdf
        rows.append(("Attached", f"{r.slug}.pdf ({max(1, round(len(pdf) / 1024))} KB)"))
        rows.append(("From", str(self.versions[""].email["From"])))
        rows.append(
            ("Via", self.smtp.describe() if self.smtp else "no [smtp] in pressroom.toml (dry run only)")
        )
        if self.ledger:
            rows.append(("Ledger", self.ledger))
        lines = [f"{label:<9} {value}" for label, value in rows]
        return [*self.notes, *lines, *(str(p) for p in self.warnings)]


def translations(newsroom: Newsroom, release: Release) -> dict[str, Release]:
    """The release's translations that may be sent, by language tag (releases/<slug>.<lang>.md).

    Only approved ones: a draft translation is never sent, so its readers get
    the original instead. `version_for` picks one of these per recipient.
    """
    return {t.language: t for t in newsroom.translations_of(release) if not t.is_draft}


def content_hash(release: Release, versions: Mapping[str, Release]) -> str:
    """What identifies a version of a release in the ledger: its validated content, all languages.

    The release as loaded, not as rendered: the same release sent before and
    after its embargo renders differently but is the same version.
    """
    payload = [asdict(release)] + [asdict(versions[tag]) for tag in sorted(versions)]
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def prepare(
    newsroom: Newsroom,
    slug: str,
    now: datetime,
    *,
    list_name: str | None = None,
    test_to: str | None = None,
    after_embargo: bool = False,
    resend_changed: bool = False,
    resend_uncertain: bool = False,
    dry_run: bool = False,
    new_ledger: bool = False,
) -> Plan:
    """Check that `slug` may go to the list (or, as a proof, to `test_to`) and render it.

    Raises SendError for a refusal, ContentError when the list or the rendered
    PDF has problems, UnreadableLedger when the ledger cannot be trusted (unless
    `new_ledger`), and changes nothing on disk but for moving a ledger from its
    old place to records/.
    """
    release = newsroom.release(slug)
    if release is None:
        hint = did_you_mean(slug, [r.slug for r in newsroom.releases])
        raise SendError(f"no release with slug {slug} in releases/{hint}")
    if (list_name is None) == (test_to is None):
        raise SendError("give either a list to send to (--list NAME) or one address for a proof (--test-to)")
    view = ReleaseView(release, newsroom.settings, now)
    if test_to is not None:
        media_list = MediaList("proof", "", (Recipient(name="", email=test_to, line=0),))
    else:
        if release.is_draft:
            raise SendError(
                f"{release.path} is a draft, and a draft is never sent to a list: set status: approved "
                "when it is, or send yourself a proof with --test-to ADDRESS"
            )
        if release.embargo is not None and now >= release.embargo and not after_embargo:
            raise SendError(
                f"the embargo of {slug} ended {view.format_moment(release.embargo)}: the list would get "
                "it after it went public. To send it anyway, add --after-embargo"
            )
        media_list = load_list(newsroom.root, list_name or "")
    smtp = load_smtp_settings(newsroom.root)
    if smtp is None and not dry_run:
        raise SendError(
            "pressroom.toml has no [smtp] table, so there is no server to send through "
            "(see 'Sending' in the README); --dry-run works without one"
        )
    others = translations(newsroom, release)
    digest = content_hash(release, others)
    earlier: dict[str, Row] = {}
    ledger, notes = "", tuple[str, ...]()
    if test_to is None:
        rows, ledger, notes = _read_ledger(newsroom.root, slug, new_ledger)
        earlier = {row.recipient: row for row in rows if row.content_hash == digest}
        if not resend_changed:
            _refuse_changed(release, digest, rows, media_list)
    env = environment(newsroom.templates)
    wanted = {version_for(r.language, release.language, others) for r in media_list.recipients}
    versions = {"": _render(env, newsroom, view)}
    for tag in sorted(wanted - {""}):
        versions[tag] = _render(env, newsroom, ReleaseView(others[tag], newsroom.settings, now))
    return Plan(
        root=newsroom.root,
        release=release,
        view=view,
        content_hash=digest,
        now=now,
        media_list=media_list,
        proof=test_to is not None,
        sender=envelope_address(parse_mailbox(newsroom.settings.email_from).addr_spec),
        smtp=smtp,
        versions=versions,
        earlier=earlier,
        warnings=tuple(p for p in newsroom.warnings if p.path == release.path),
        resend_uncertain=resend_uncertain,
        ledger=ledger,
        new_ledger=new_ledger,
        notes=notes,
    )


def _read_ledger(root: Path, slug: str, new_ledger: bool) -> tuple[list[Row], str, tuple[str, ...]]:
    """The release's rows, what the summary says of the ledger, and what opening it did."""
    if not ledger_exists(root):  # planning never creates the ledger
        if new_ledger:
            raise SendError(f"there is no {LEDGER_FILE} to replace; leave out --new-ledger")
        return [], f"none yet: {LEDGER_FILE} starts with this send", ()
    try:
        with Ledger.open(root) as ledger:
            rows, notes = ledger.rows(slug), tuple(ledger.notes)
    except UnreadableLedger:
        if not new_ledger:
            raise
        return [], f"{LEDGER_FILE} cannot be read: a new one starts with this send (--new-ledger)", ()
    if new_ledger:
        raise SendError(
            f"{LEDGER_FILE} is a sound ledger, and --new-ledger is only for one that cannot be read: "
            "a new ledger would send everything again to everyone. Leave out --new-ledger"
        )
    return rows, LEDGER_FILE, notes


def _refuse_changed(release: Release, digest: str, rows: list[Row], media_list: MediaList) -> None:
    on_list = {r.key for r in media_list.recipients}
    have_other = [
        r for r in rows if r.content_hash != digest and r.state in _HAS_IT and r.recipient in on_list
    ]
    if have_other:
        last = max(r.updated for r in have_other)
        who = _count(len({r.recipient for r in have_other}), "recipient")
        raise SendError(
            f"{release.path} has changed since {who} of this list got it (last on {last:%Y-%m-%d %H:%M %Z}): "
            f"they would get a second, different version. See `pressroom send --status {release.slug}`; "
            "to send the new version anyway, add --resend-changed"
        )


def _render(env: jinja2.Environment, newsroom: Newsroom, view: ReleaseView) -> Rendition:
    from pressroom.render.pdf import render_release_pdf

    release = view.release
    try:
        email = render_email(env, view)
        pdf, warnings = render_release_pdf(env, view, template_dirs(newsroom.templates))
    except jinja2.TemplateError as exc:
        raise SendError(f"{release.path}: the templates cannot render it: {exc}") from None
    if warnings:  # a build shows these as warnings; what goes to journalists must be clean
        raise ContentError([Problem(release.path, 0, "pdf", message) for message in warnings])
    return Rendition(release, email, pdf)


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


@contextlib.contextmanager
def _lock(root: Path) -> Iterator[None]:
    path = root / _LOCK
    if path.parent.is_symlink():
        raise SendError(f"{RECORDS} is a link; pressroom keeps its files in a real folder there")
    try:
        path.parent.mkdir(exist_ok=True)
        handle = open_lock(path)  # never through a link planted at its name
    except OSError as exc:
        raise SendError(f"cannot write in {root / RECORDS}: {exc.strerror or exc}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SendError("another send is running in this newsroom; wait for it to finish") from None
        yield


# -- the ledger, for people ----------------------------------------------------------


def status_lines(root: Path, slug: str) -> list[str]:
    """The ledger of one release: per version, the count by state, then one line per recipient."""
    rows, _, notes = _read_ledger(root.resolve(), slug, new_ledger=False)
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


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
