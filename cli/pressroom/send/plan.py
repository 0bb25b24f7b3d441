"""A send, planned: a validated Newsroom, a release and a list -> a Plan, or a refusal.

    prepare()        a draft never goes to a list (only to one address, as a proof), nor
                     does a withdrawn release or one edited since its approval; an embargo
                     that has passed needs `after_embargo`; a release that changed since
                     some of the list got it needs `resend_changed`, or `correction`, which
                     sends it to exactly those who accepted an earlier version (correction.py).
                     The email and the PDF are rendered here, once per language version, by
                     a `Renderer` (`render_version` unless a caller passes its own), so a
                     send fails before it starts.
    Plan.message()   the release's email as the build renders it, addressed to one recipient
                     alone, with the PDF attached and a Message-ID of its own.
    Plan.summary()   what the user reads before confirming.

Planning reads the ledger but never writes it; deliver.py does the sending.
A proof (`test_to`) goes to one address, is never recorded in the ledger and
may be sent as often as needed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cached_property
from pathlib import Path
from typing import Protocol

import jinja2

from pressroom.addresses import address_header, envelope_address, parse_mailbox
from pressroom.content.media import read_kit_file
from pressroom.content.suggest import did_you_mean
from pressroom.errors import ContentError, PressroomError, Problem
from pressroom.languages import version_for
from pressroom.layout import Files
from pressroom.model import Newsroom, Release
from pressroom.render.kit import shown_pictures
from pressroom.render.mail import render_email
from pressroom.render.renditions import render_image, web_copies
from pressroom.render.templating import environment, template_dirs
from pressroom.render.view import ReleaseView
from pressroom.send import unsubscribe
from pressroom.send.config import SmtpSettings, load_smtp_settings
from pressroom.send.correction import CorrectionError, correction_audience, refuse_unapproved
from pressroom.send.ledger import FILENAME as LEDGER_FILE
from pressroom.send.ledger import Ledger, Row, State, UnreadableLedger
from pressroom.send.ledger import exists as ledger_exists
from pressroom.send.lists import MediaList, Recipient, load_list

# What one message may carry attached, the PDF included: many mail servers refuse a
# message over 10 MB, and base64 makes the attachments a third larger on the way.
ATTACH_LIMIT = 7 * 1000 * 1000
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


class Renderer(Protocol):
    """One language version of a release -> its email and PDF; `render_version` in production.

    With `correction`, the email's subject says it corrects an earlier one.
    """

    def __call__(
        self, env: jinja2.Environment, newsroom: Newsroom, view: ReleaseView, *, correction: bool = False
    ) -> Rendition: ...


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
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # kit files asked for: (name, MIME type, bytes)

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
        for name, mime, data in self.attachments:
            maintype, _, subtype = mime.partition("/")
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
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
            rows.append(("List", f"{lst.name} ({lst.path}): {count(len(lst.recipients), 'recipient')}"))
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
        attached = [(f"{r.slug}.pdf", len(pdf)), *((name, len(data)) for name, _, data in self.attachments)]
        rows.append(("Attached", ", ".join(f"{name} ({max(1, round(n / 1024))} KB)" for name, n in attached)))
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
    correction: bool = False,
    attach: Sequence[str] = (),
    renderer: Renderer | None = None,
) -> Plan:
    """Check that `slug` may go to the list (or, as a proof, to `test_to`) and render it.

    `attach` names files of the release's media kit to attach beside the PDF,
    as published (a photo without its metadata). `renderer` renders each
    language version (default `render_version`).

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
        if release.embargo is not None and now >= release.embargo and not after_embargo and not correction:
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
        refusal = refuse_unapproved((release, *others.values()))
        if refusal is not None:
            raise SendError(refusal)
        rows, ledger, notes = read_ledger(newsroom.root, slug, new_ledger)
        earlier = {row.recipient: row for row in rows if row.content_hash == digest}
        if correction:
            try:
                media_list = correction_audience(release, media_list, rows, digest)
            except CorrectionError as exc:
                raise SendError(str(exc)) from None
        elif not resend_changed:
            _refuse_changed(release, digest, rows, media_list)
    attachments = _attachments(newsroom.root, release, attach)  # before the long part: rendering
    env = environment(newsroom.templates)
    render = renderer or render_version
    wanted = {version_for(r.language, release.language, others) for r in media_list.recipients}
    versions = {"": render(env, newsroom, view, correction=correction)}
    for tag in sorted(wanted - {""}):
        other = ReleaseView(others[tag], newsroom.settings, now)
        versions[tag] = render(env, newsroom, other, correction=correction)
    total = len(versions[""].pdf) + sum(len(data) for _, _, data in attachments)
    if total > ATTACH_LIMIT:
        raise SendError(
            f"the attachments come to {total / 1e6:.1f} MB with the PDF, "
            f"over the {ATTACH_LIMIT / 1e6:.0f} MB a message may carry (many mail servers refuse more): "
            "attach fewer files; the page links them all"
        )
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
        attachments=attachments,
    )


def _attachments(root: Path, release: Release, names: Sequence[str]) -> tuple[tuple[str, str, bytes], ...]:
    """The kit files `names` as they are published (ATTACH_LIMIT is checked with the PDF)."""
    kit = {m.name: m for m in release.media}
    found = []
    for name in dict.fromkeys(names):
        m = kit.get(name)
        if m is None:
            offer = f"; its kit has {', '.join(kit)}" if kit else "; it has no media: list"
            raise SendError(f"{name} is not a file of the media kit of {release.slug}{offer}")
        data = read_kit_file(root, release.slug, m)
        found.append((name, m.mime, render_image(data, None).data if m.is_image else data))
    return tuple(found)


def read_ledger(root: Path, slug: str, new_ledger: bool) -> tuple[list[Row], str, tuple[str, ...]]:
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
        who = count(len({r.recipient for r in have_other}), "recipient")
        raise SendError(
            f"{release.path} has changed since {who} of this list got it (last on {last:%Y-%m-%d %H:%M %Z}): "
            f"they would get a second, different version. See `pressroom send --status {release.slug}`; "
            "to send the new version anyway, add --resend-changed"
        )


def render_version(
    env: jinja2.Environment, newsroom: Newsroom, view: ReleaseView, *, correction: bool = False
) -> Rendition:
    """The email and the PDF of one language version, as the build renders them; refuses PDF warnings."""
    from pressroom.render.pdf import render_release_pdf

    release = view.release
    # The photos the email and the PDF show, made as the build makes them.
    shown = [view.media[name] for name in shown_pictures(view)]
    images = web_copies(shown, lambda m: read_kit_file(newsroom.root, release.slug, m))
    try:
        email = render_email(env, view, correction=correction, images=images)
        pdf, warnings = render_release_pdf(env, view, template_dirs(newsroom.templates), images=images)
    except jinja2.TemplateError as exc:
        raise SendError(f"{release.path}: the templates cannot render it: {exc}") from None
    if warnings:  # a build shows these as warnings; what goes to journalists must be clean
        raise ContentError([Problem(release.path, 0, "pdf", message) for message in warnings])
    return Rendition(release, email, pdf)


def count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
