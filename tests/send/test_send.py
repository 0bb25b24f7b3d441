"""Sending for real, to an SMTP server on 127.0.0.1 (aiosmtpd): one message per recipient, exactly once.

Every test here renders the release's PDF, as a send does. Back-off and the
rate limit run on a fake clock; only the kill test and the CLI use real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import dataclasses
import fcntl
import itertools
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import getaddresses

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from conftest import REPO
from helpers import SETTINGS, copy_sample
from pressroom.cli import main
from pressroom.content.loader import load_newsroom
from pressroom.errors import ContentError
from pressroom.languages import version_for
from pressroom.model import Status
from pressroom.render.mail import render_email
from pressroom.send.deliver import deliver, write_outbox
from pressroom.send.ledger import Ledger, State
from pressroom.send.plan import Rendition, SendError, content_hash, prepare
from pressroom.send.smtp import Retry

SLUG = "eu-un"
SENDER = "press@example.org"  # the address of [email] from in conftest.SETTINGS
USER, PASSWORD = "press@example.org", "secret"
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
TITLE = "EU and UN to strengthen partnership on counter-terrorism"

RELEASE = """\
---
title: {title}
date: {date}
location: Brussels
status: {status}
embargo: {date}T12:00:00+02:00
contacts:
  - name: Maja Kocijancic
    email: maja.kocijancic@ec.europa.eu
---
The first High-Level Dialogue took place today in Brussels.

. A paragraph that starts with a dot, which SMTP must carry as it is.
"""

LIST = """\
name,email,outlet,language,tags
Ann Example,ann@example.org,Example Times,en,
"Bob ""The Wire"" Example",bob@example.com,Wire Service,fr,
Carl Example,carl@example.org,,,
Dora Example,dora@example.com,Example Radio,de,
Emil Example,emil@example.org,,,
"""
ADDRESSES = ["ann@example.org", "bob@example.com", "carl@example.org", "dora@example.com", "emil@example.org"]


# -- the server --------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class Handler:
    """Records what the server is told; `script` gives answers in turn, `hold` stalls a step."""

    received: list[Received] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)
    script: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    hold: dict[tuple[str, str], threading.Event] = field(default_factory=dict)

    def count(self, address):
        return sum(address in r.rcpt_tos for r in self.received)

    def _scripted(self, server, command, address):
        answers = self.script.get((command, address))
        if not answers:
            return None
        answer = answers.pop(0)
        if answer.startswith("421"):  # the server closes the session, as RFC 5321 says
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
        return answer

    async def _hold(self, command, address):
        event = self.hold.pop((command, address), None)
        if event is not None:
            event.set()
            await asyncio.sleep(120)  # until the client gives up or is killed; cancelled at stop

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.log.append(("EHLO", hostname))
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.log.append(("MAIL", address))
        if answer := self._scripted(server, "MAIL", address):
            return answer
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.log.append(("RCPT", address))
        await self._hold("RCPT", address)
        if answer := self._scripted(server, "RCPT", address):
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        recipient = envelope.rcpt_tos[0]
        self.log.append(("DATA", recipient))
        if answer := self._scripted(server, "DATA", recipient):
            return answer
        # Taken, as a real server takes a message once its last line is in.
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        await self._hold("DATA", recipient)
        return "250 2.0.0 OK: queued"

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        self.log.append(("AUTH", auth_data.login.decode()))
        ok = (auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode())
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 235 or 535


class _Controller(Controller):
    """aiosmtpd's Controller on a port the system picks."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def client_tls(ca):
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
def smtp_server():
    """Start servers with `smtp_server(handler, **aiosmtpd options)`; all stop at the end of the test."""
    started = []

    def start(handler, **options):
        controller = _Controller(handler, hostname="127.0.0.1", port=0, **options)
        controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def starttls_server(smtp_server, server_tls):
    """The usual submission server: STARTTLS required, then AUTH."""
    handler = Handler()
    controller = smtp_server(
        handler, tls_context=server_tls, require_starttls=True, authenticator=handler.authenticator
    )
    return handler, controller.port


# -- the newsroom ------------------------------------------------------------------


def smtp_table(port, security="starttls", user=USER, extra=""):
    login = f'user = "{user}"\n' if user else ""
    return (
        f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "{security}"\n{login}rate_per_minute = 6000\n'
        + extra
    )


def release(status="approved", date="2099-05-25", title=TITLE):
    return RELEASE.format(status=status, date=date, title=title)


@pytest.fixture
def newsroom(make_newsroom):
    def make(port=25, security="starttls", user=USER, text=None, files=None, smtp=""):
        content = {
            f"releases/{SLUG}.md": text or release(),
            "contacts/lists/media.csv": LIST,
            **(files or {}),
        }
        return make_newsroom(content, settings=SETTINGS + smtp_table(port, security, user, smtp))

    return make


class FakeClock:
    def __init__(self):
        self.t = 0.0
        self.sleeps = []

    def now(self):
        return NOW + timedelta(seconds=self.t)

    def monotonic(self):
        return self.t

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 3))
        self.t += seconds

    def back_off(self):
        return [s for s in self.sleeps if s >= 1]  # the rate limit's 10 ms pauses left out


# A stand-in for the PDF where a test is not about it: the plan, ledger and SMTP
# tests then need no PDF engine (and run in the fast lane). Tests of the PDF pass pdf=True.
STUB_PDF = b"%PDF-1.7\n%stand-in of the send tests\n%%EOF\n"


def email_and_stub_pdf(env, newsroom, view, *, correction=False):
    return Rendition(view.release, render_email(env, view, correction=correction), STUB_PDF)


def plan_for(root, now=NOW, *, pdf=False, **options):
    options.setdefault("list_name", None if "test_to" in options else "media")
    options.setdefault("renderer", None if pdf else email_and_stub_pdf)
    return prepare(load_newsroom(root), SLUG, now, **options)


def send(plan, tls=None, clock=None, **options):
    options.setdefault("retry", Retry(attempts=3))
    return deliver(
        plan,
        PASSWORD,
        clock=clock or FakeClock(),
        ssl_context=tls,
        local_hostname="localhost",
        **options,
    )


def ledger_states(root):
    with Ledger.open(root) as ledger:
        return {row.recipient: row.state for row in ledger.rows(SLUG)}


def parse(data):
    return BytesParser(policy=policy.default).parsebytes(data)


# -- one message per recipient -----------------------------------------------------


@pytest.mark.pdf
def test_each_recipient_gets_the_intended_message_addressed_to_them_alone(
    starttls_server, newsroom, client_tls
):
    handler, port = starttls_server
    root = newsroom(port)
    plan = plan_for(root, pdf=True)
    intended = {r.email: plan.message(r).as_bytes() for r in plan.recipients}
    assert any(b"\r\n. A paragraph" in data for data in intended.values())  # dot-stuffing is exercised

    report = send(plan, client_tls)

    assert report.ok, report.lines()
    assert report.lines() == ["Sent 5 messages; 5 of 5 on the list have it"]
    assert [r.rcpt_tos for r in handler.received] == [[a] for a in ADDRESSES]
    assert {r.rcpt_tos[0]: r.data for r in handler.received} == intended
    assert all(r.mail_from == SENDER for r in handler.received)
    assert ("AUTH", USER) in handler.log
    pdf = plan.versions[""].pdf
    message_ids = set()
    for received in handler.received:
        address = received.rcpt_tos[0]
        message = parse(received.data)
        assert [a.addr_spec for a in message["To"].addresses] == [address]
        assert message["Cc"] is None and message["Bcc"] is None
        for other in set(ADDRESSES) - {address}:
            assert other.encode() not in received.data.lower(), f"{other} is in the message to {address}"
        assert message["Subject"].startswith(
            "EMBARGOED UNTIL 25 May 2099, 12:00 CEST (10:00 UTC) – EU and UN"
        )
        assert message["From"] == "Test Press Office <press@example.org>"
        assert message["Date"] == "Thu, 15 Jan 2026 10:00:00 +0100"  # when it was sent, not the embargo
        attachment = next(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename() == f"{SLUG}.pdf"
        assert attachment.get_content() == pdf
        assert pdf.startswith(b"%PDF-")
        assert TITLE in message.get_body(("plain",)).get_content()
        assert TITLE in message.get_body(("html",)).get_content()
        message_ids.add(message["Message-ID"])
    assert len(message_ids) == 5
    assert set(ledger_states(root).values()) == {State.ACCEPTED}


def test_a_display_name_cannot_add_a_recipient(starttls_server, newsroom, client_tls):
    handler, port = starttls_server
    root = newsroom(port)
    plan = plan_for(root)
    report = send(plan, client_tls)
    assert report.ok
    bob = next(r for r in handler.received if r.rcpt_tos == ["bob@example.com"])
    to = parse(bob.data)["To"]
    assert [(a.display_name, a.addr_spec) for a in to.addresses] == [
        ('Bob "The Wire" Example', "bob@example.com")
    ]


def test_implicit_tls_with_a_verified_certificate(smtp_server, server_tls, newsroom, client_tls):
    handler = Handler()
    # aiosmtpd counts only STARTTLS as TLS for AUTH; this whole session is TLS.
    controller = smtp_server(
        handler, ssl_context=server_tls, authenticator=handler.authenticator, auth_require_tls=False
    )
    report = send(plan_for(newsroom(controller.port, security="tls")), client_tls)
    assert report.ok, report.lines()
    assert sorted(r.rcpt_tos[0] for r in handler.received) == sorted(ADDRESSES)


# -- temporary and permanent failures ------------------------------------------------


def test_421_and_451_are_tried_again_with_back_off_until_accepted(starttls_server, newsroom, client_tls):
    handler, port = starttls_server
    handler.script = {
        ("MAIL", SENDER): ["421 4.3.2 Service not available, closing transmission channel"],
        ("RCPT", "bob@example.com"): ["451 4.3.0 Mailbox temporarily unavailable", "452 4.2.2 Over quota"],
        ("DATA", "carl@example.org"): ["451 4.7.1 Greylisted, try again later"],
    }
    root = newsroom(port)
    clock = FakeClock()
    report = send(plan_for(root), client_tls, clock=clock)

    assert report.ok, report.lines()
    assert [handler.count(a) for a in ADDRESSES] == [1, 1, 1, 1, 1]
    assert clock.back_off() == [5.0, 5.0, 10.0, 5.0]  # ann once, bob twice, carl once
    with Ledger.open(root) as ledger:
        rows = ledger.states(SLUG, plan_for(root).content_hash)
    assert {a: (rows[a].state, rows[a].attempts) for a in ADDRESSES} == {
        "ann@example.org": (State.ACCEPTED, 1),
        "bob@example.com": (State.ACCEPTED, 1),  # refused before the message: never offered
        "carl@example.org": (State.ACCEPTED, 2),  # offered twice, taken once
        "dora@example.com": (State.ACCEPTED, 1),
        "emil@example.org": (State.ACCEPTED, 1),
    }
    assert rows["carl@example.org"].response == "250 2.0.0 OK: queued"


def test_a_recipient_still_deferred_after_every_try_is_left_for_the_next_run(
    starttls_server, newsroom, client_tls
):
    handler, port = starttls_server
    handler.script = {("RCPT", "bob@example.com"): ["450 4.2.1 Mailbox busy"] * 3}
    root = newsroom(port)
    report = send(plan_for(root), client_tls)
    assert not report.ok
    assert report.lines()[-2:] == [
        "  bob@example.com: pending: RCPT TO: 450 4.2.1 Mailbox busy (tried 3 times)",
        "Pending: run the same command again to send them; nobody gets a message twice.",
    ]
    again = plan_for(root)
    assert [r.email for r in again.recipients] == ["bob@example.com"]
    assert send(again, client_tls).ok
    assert [handler.count(a) for a in ADDRESSES] == [1, 1, 1, 1, 1]


def test_a_550_is_recorded_for_that_recipient_and_the_others_are_sent(starttls_server, newsroom, client_tls):
    handler, port = starttls_server
    handler.script = {
        ("RCPT", "dora@example.com"): [
            "550 5.1.1 <dora@example.com>: Recipient address rejected: User unknown"
        ],
        ("DATA", "emil@example.org"): ["554 5.7.1 Message rejected as spam"],
    }
    root = newsroom(port)
    report = send(plan_for(root), client_tls)
    assert not report.ok
    assert report.lines() == [
        "Sent 3 messages; 3 of 5 on the list have it",
        "Not sent (2):",
        "  dora@example.com: rejected: RCPT TO: 550 5.1.1 <dora@example.com>: Recipient address rejected: User unknown",
        "  emil@example.org: rejected: 554 5.7.1 Message rejected as spam",
    ]
    assert sorted(r.rcpt_tos[0] for r in handler.received) == ADDRESSES[:3]
    assert ledger_states(root)["dora@example.com"] is State.REJECTED
    # A rejection is final for this version: the next run sends nobody and still says so.
    again = send(plan_for(root), client_tls)
    assert len(handler.received) == 3
    assert again.lines()[:2] == [
        "Sent 0 messages; 3 of 5 on the list have it (3 from earlier runs)",
        "Not sent (2):",
    ]


def test_a_refused_sender_stops_the_run_without_rejecting_anyone(starttls_server, newsroom, client_tls):
    handler, port = starttls_server
    handler.script = {("MAIL", SENDER): ["553 5.7.1 <press@example.org>: Sender address rejected"]}
    root = newsroom(port)
    report = send(plan_for(root), client_tls)
    assert report.aborted == (
        f"127.0.0.1:{port} refused the sender press@example.org: 553 5.7.1 <press@example.org>: Sender address rejected"
    )
    assert set(ledger_states(root).values()) == {State.PENDING}
    assert handler.received == []


def test_a_server_that_cannot_be_reached_stops_the_run_after_the_retries(newsroom):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = newsroom(port, security="none-local-relay-only", user=None)
    clock = FakeClock()
    report = send(plan_for(root), clock=clock)
    assert (
        report.aborted
        == f"giving up on 127.0.0.1:{port}: cannot connect to 127.0.0.1:{port}: Connection refused"
    )
    assert clock.back_off() == [5.0, 10.0]
    assert set(ledger_states(root).values()) == {State.PENDING}
    assert "Pending: run the same command again to send them; nobody gets a message twice." in report.lines()


def test_no_answer_after_the_message_is_uncertain_never_sent_again_and_ends_the_run(
    starttls_server, newsroom, client_tls
):
    handler, port = starttls_server
    handler.hold[("DATA", "carl@example.org")] = threading.Event()
    root = newsroom(port, smtp="read_timeout = 1\n")
    started = time.monotonic()
    report = send(plan_for(root), client_tls)
    assert time.monotonic() - started < 10
    # The server stopped answering: the run ends there rather than wait on it for everyone else.
    assert [handler.count(a) for a in ADDRESSES] == [1, 1, 1, 0, 0]
    late = (
        f"no complete answer from 127.0.0.1:{port} in 1 s while waiting for its answer after the "
        "message (read_timeout in [smtp])"
    )
    assert report.aborted == f"{late}; it may have the message"
    assert [(r.email, state, response) for r, state, response in report.not_sent] == [
        ("carl@example.org", State.UNCERTAIN, f"{late}; it may have the message"),
        ("dora@example.com", State.PENDING, ""),
        ("emil@example.org", State.PENDING, ""),
    ]
    with Ledger.open(root) as ledger:
        carl = ledger.states(SLUG, plan_for(root).content_hash)["carl@example.org"]
    assert carl.state is State.UNCERTAIN
    assert carl.message_id.startswith(f"<{SLUG}.")  # to look for in the server's log

    again = plan_for(root)
    assert [r.email for r in again.recipients] == ["dora@example.com", "emil@example.org"]
    send(again, client_tls)
    assert [handler.count(a) for a in ADDRESSES] == [1, 1, 1, 1, 1]
    # Once someone has checked the server's log and found nothing, they may ask for it.
    resent = send(plan_for(root, resend_uncertain=True), client_tls)
    assert resent.ok
    assert handler.count("carl@example.org") == 2


# -- kill -9 -------------------------------------------------------------------------


def _killed_while(event, args):
    """Run the send in a process and kill -9 it the moment the server reaches `event`."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not event.wait(0.05):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"the send was not caught mid-list (exit {process.returncode}):\n{out}\n{err}")
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


@pytest.mark.pdf
def test_a_send_killed_mid_list_and_run_again_sends_each_message_once(smtp_server, newsroom, runner):
    handler = Handler()
    port = smtp_server(handler).port
    root = newsroom(port, security="none-local-relay-only", user=None)
    args = [sys.executable, "-m", "pressroom", "send", SLUG, "--list", "media", "--yes", "--root", str(root)]

    # 1. Killed while the server makes it wait at RCPT for bob: bob's message was never offered.
    handler.hold[("RCPT", "bob@example.com")] = event = threading.Event()
    _killed_while(event, args)
    assert [handler.count(a) for a in ADDRESSES] == [1, 0, 0, 0, 0]

    # 2. Killed after dora's message is in and before the server answers: she may have it.
    handler.hold[("DATA", "dora@example.com")] = event = threading.Event()
    _killed_while(event, args)
    assert [handler.count(a) for a in ADDRESSES] == [1, 1, 1, 1, 0]

    # 3. Run to the end: emil is sent, dora is reported and not sent again.
    finished = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert [handler.count(a) for a in ADDRESSES] == [1, 1, 1, 1, 1]
    assert finished.returncode == 1, finished.stderr
    assert "A previous run was stopped while sending to dora@example.com: now uncertain" in finished.stdout
    assert "  dora@example.com: uncertain: the run ended while the server had the message" in finished.stdout
    assert finished.stderr.endswith("Error: 1 of 5 recipients not sent\n")
    assert ledger_states(root) == dict.fromkeys(ADDRESSES, State.ACCEPTED) | {
        "dora@example.com": State.UNCERTAIN
    }

    status = runner.invoke(main, ["send", "--status", SLUG, "--root", str(root)])
    assert status.exit_code == 0
    assert status.output.splitlines()[0].endswith(
        ": 0 pending, 0 sending, 4 accepted, 0 rejected, 1 uncertain"
    )


# -- refusals ------------------------------------------------------------------------


def test_a_draft_is_never_sent_to_a_list(newsroom):
    root = newsroom(text=release(status="draft"))
    with pytest.raises(SendError) as caught:
        plan_for(root)
    assert str(caught.value) == (
        "releases/eu-un.md is a draft, and a draft is never sent to a list: set status: approved "
        "when it is, or send yourself a proof with --test-to ADDRESS"
    )


def test_a_draft_goes_as_a_proof_to_one_address_and_stays_out_of_the_ledger(
    starttls_server, newsroom, client_tls
):
    handler, port = starttls_server
    root = newsroom(port, text=release(status="draft"))
    plan = plan_for(root, test_to="editor@example.org")
    assert plan.release.status is Status.DRAFT
    report = send(plan, client_tls)
    assert report.ok
    assert report.lines() == ["Sent 1 message"]
    assert [r.rcpt_tos for r in handler.received] == [["editor@example.org"]]
    message = parse(handler.received[0].data)
    assert message["Subject"].startswith("[DRAFT] ")
    assert message["X-Pressroom-Status"] == "draft"
    assert not (root / "records" / "sends.sqlite").exists()  # a proof is never recorded
    send(plan_for(root, test_to="editor@example.org"), client_tls)
    assert handler.count("editor@example.org") == 2  # proofs may be sent as often as needed


def test_an_embargo_that_has_passed_needs_an_explicit_flag(newsroom):
    root = newsroom(text=release(date="2018-05-25"))
    with pytest.raises(SendError) as caught:
        plan_for(root)
    assert str(caught.value) == (
        "the embargo of eu-un ended 25 May 2018, 12:00 CEST (10:00 UTC): the list would get it after it "
        "went public. To send it anyway, add --after-embargo"
    )
    plan = plan_for(root, after_embargo=True)
    assert (
        "Embargo   ENDED 25 May 2018, 12:00 CEST (10:00 UTC); sending after it (--after-embargo)"
        in plan.summary()
    )


@pytest.mark.pdf
def test_a_release_with_problems_is_never_sent(starttls_server, newsroom, runner):
    handler, port = starttls_server
    root = newsroom(port, text=release().replace("date: 2099-05-25\n", "date: 2099-02-30\n"))
    result = runner.invoke(main, ["send", SLUG, "--list", "media", "--yes", "--root", str(root)])
    assert result.exit_code == 1
    assert "releases/eu-un.md:3: date: '2099-02-30' is not a real date" in result.stderr
    assert handler.log == []


@pytest.mark.pdf
def test_a_pdf_with_problems_is_never_sent(newsroom):
    broken = {
        "templates/release.pdf.html": '<html lang="en"><body><img src="assets/missing.png"></body></html>'
    }
    root = newsroom(files=broken)
    with pytest.raises(ContentError) as caught:
        plan_for(root, pdf=True)
    assert caught.value.problems[0].path == "releases/eu-un.md"
    assert caught.value.problems[0].field == "pdf"


def test_a_changed_release_is_not_sent_again_unless_asked(starttls_server, newsroom, client_tls):
    handler, port = starttls_server
    root = newsroom(port)
    assert send(plan_for(root), client_tls).ok
    (root / "releases" / f"{SLUG}.md").write_text(release(title="EU and UN to deepen their partnership"))
    with pytest.raises(
        SendError, match=r"^releases/eu-un.md has changed since 5 recipients of this list got it"
    ):
        plan_for(root)
    plan = plan_for(root, resend_changed=True)
    assert len(plan.recipients) == 5
    assert send(plan, client_tls).ok
    assert [handler.count(a) for a in ADDRESSES] == [2, 2, 2, 2, 2]


def test_a_second_send_at_the_same_time_is_refused(newsroom):
    root = newsroom()
    plan = plan_for(root)
    (root / "records").mkdir()
    with (root / "records" / "sends.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(
            SendError, match=r"^another send is running in this newsroom; wait for it to finish$"
        ):
            send(plan)


# -- TLS -----------------------------------------------------------------------------


def test_starttls_missing_aborts_before_login_and_before_any_message(smtp_server, newsroom, client_tls):
    handler = Handler()
    # A server that offers AUTH in clear text: the tempting mistake.
    port = smtp_server(handler, authenticator=handler.authenticator, auth_require_tls=False).port
    root = newsroom(port)
    report = send(plan_for(root), client_tls)
    assert report.aborted == (
        f"127.0.0.1:{port} does not offer STARTTLS, so the login and the messages would cross the network "
        "unencrypted; nothing was sent. Ask for a TLS-capable server, or for a relay on this machine only "
        'set security = "none-local-relay-only"'
    )
    assert [entry[0] for entry in handler.log] == ["EHLO"]  # no AUTH, no MAIL
    assert set(ledger_states(root).values()) == {State.PENDING}


def test_implicit_tls_missing_aborts_before_login_and_before_any_message(smtp_server, newsroom, client_tls):
    handler = Handler()
    port = smtp_server(handler, authenticator=handler.authenticator, auth_require_tls=False).port
    report = send(plan_for(newsroom(port, security="tls")), client_tls)
    assert report.aborted.startswith(f"no TLS at 127.0.0.1:{port} (")
    assert handler.log == []


def test_an_untrusted_certificate_aborts_before_login(starttls_server, newsroom):
    handler, port = starttls_server
    report = send(plan_for(newsroom(port)), tls=None)  # the system's authorities, which do not know trustme's
    assert report.aborted.startswith(f"the certificate of 127.0.0.1:{port} is not trusted (")
    assert [entry[0] for entry in handler.log] == ["EHLO"]


def test_a_refused_login_aborts_before_any_message(starttls_server, newsroom, client_tls):
    handler, port = starttls_server
    report = deliver(plan_for(newsroom(port)), "wrong", clock=FakeClock(), ssl_context=client_tls)
    assert report.aborted.startswith(f"127.0.0.1:{port} refused the login for press@example.org: 535 ")
    assert "MAIL" not in [entry[0] for entry in handler.log]


# -- the dry run and the command line ------------------------------------------------


@pytest.mark.pdf
def test_a_dry_run_writes_the_messages_and_sends_nothing(starttls_server, newsroom, runner):
    handler, port = starttls_server
    root = newsroom(port)
    result = runner.invoke(main, ["send", SLUG, "--list", "media", "--dry-run", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.splitlines()[-1]
        == "Dry run: 5 messages written to .pressroom/outbox/eu-un/; nothing was sent"
    )
    assert handler.log == []
    assert not (root / "records").exists()  # a dry run starts no ledger
    files = sorted((root / ".pressroom" / "outbox" / SLUG).iterdir())
    assert [f.name for f in files] == [f"{n:03d}-{a}.eml" for n, a in enumerate(ADDRESSES, 1)]
    plan = plan_for(root, pdf=True)
    for path, recipient in zip(files, plan.recipients, strict=True):
        # The run dated its messages by the real clock, this plan by the tests' one.
        undated = re.sub(rb"\r\nDate: [^\r]*", b"", path.read_bytes())
        assert undated == re.sub(rb"\r\nDate: [^\r]*", b"", plan.message(recipient).as_bytes())


@pytest.mark.pdf
def test_the_sample_newsroom_dry_run_writes_messages_a_mail_client_can_open(tmp_path, runner):
    root = copy_sample(tmp_path / "sample")
    slug = "2027-03-16-eu-and-un-women-launch-facility-for-women-mediators"
    result = runner.invoke(main, ["send", slug, "--list", "media", "--dry-run", "--root", str(root)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Release   {slug} (approved)"
    assert lines[3] == "List      media (contacts/lists/media.csv): 4 recipients"
    files = sorted((root / ".pressroom" / "outbox" / slug).iterdir())
    with (root / "contacts/lists/media.csv").open(newline="") as listed:
        recipients = [row["email"] for row in csv.DictReader(listed)]
    assert len(files) == len(recipients) == 4
    for path, address in zip(files, recipients, strict=True):
        data = path.read_bytes()
        assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF throughout, as .eml files and SMTP have it
        message = parse(data)
        assert [part.defects for part in message.walk()] == [[]] * len(list(message.walk()))
        assert [a.addr_spec for a in message["To"].addresses] == [address]
        assert message["From"].addresses[0].addr_spec == "press@press.example.org"
        assert message["Subject"].startswith("EMBARGOED UNTIL 16 March 2027")
        assert message["Message-ID"] and message["Date"]
        assert [p.get_content_type() for p in message.walk()] == [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "application/pdf",
        ]
        assert "Women Mediators Facility" in message.get_body(("plain",)).get_content()
        pdf = next(message.iter_attachments())
        assert pdf.get_filename() == f"{slug}.pdf"
        assert pdf.get_content().startswith(b"%PDF-")
        assert all(other.encode() not in data for other in set(recipients) - {address})


@pytest.mark.pdf
def test_the_cli_shows_a_summary_then_asks_before_sending(starttls_server, newsroom, runner, ca, tmp_path):
    handler, port = starttls_server
    root = newsroom(port)
    args = ["send", SLUG, "--list", "media", "--root", str(root)]
    env = {"PRESSROOM_SMTP_PASSWORD": PASSWORD}
    declined = runner.invoke(main, args, input="n\n", env=env)
    assert declined.exit_code == 1
    assert declined.stdout.splitlines() == [
        "Release   eu-un (approved)",
        "Subject   EMBARGOED UNTIL 25 May 2099, 12:00 CEST (10:00 UTC) – " + TITLE,
        "Embargo   until 25 May 2099, 12:00 CEST (10:00 UTC)",
        "List      media (contacts/lists/media.csv): 5 recipients",
        "Send to   5 (0 already sent, 0 rejected earlier, 0 uncertain)",
        "Sample    To: Ann Example <ann@example.org> (Example Times, en)",
        f"Attached  eu-un.pdf ({round(len(plan_for(root, pdf=True).versions[''].pdf) / 1024)} KB)",
        "From      Test Press Office <press@example.org>",
        f"Via       127.0.0.1:{port}, STARTTLS, login press@example.org, at most 6000 a minute",
        "Ledger    none yet: records/sends.sqlite starts with this send",
        "Send 5 messages now? [y/N]: n",
    ]
    assert "Aborted!" in declined.stderr
    assert handler.log == []

    # The system's trust store is extended the documented way: SSL_CERT_FILE.
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    sent = runner.invoke(main, args, input="y\n", env=env | {"SSL_CERT_FILE": str(ca_file)})
    assert sent.exit_code == 0, sent.output
    assert sent.stdout.splitlines()[-1] == "Sent 5 messages; 5 of 5 on the list have it"
    assert [handler.count(a) for a in ADDRESSES] == [1, 1, 1, 1, 1]

    status = runner.invoke(main, ["send", "--status", SLUG, "--root", str(root)])
    lines = status.output.splitlines()
    digest = plan_for(root, pdf=True).content_hash
    assert (
        lines[0]
        == f"eu-un, latest version {digest}: 0 pending, 0 sending, 5 accepted, 0 rejected, 0 uncertain"
    )
    assert lines[1].split()[:2] == ["ann@example.org", "accepted"]
    assert "250 2.0.0 OK: queued <eu-un." in lines[1]


@pytest.mark.pdf
def test_the_cli_exits_1_listing_what_was_not_sent(starttls_server, newsroom, runner, ca, tmp_path):
    handler, port = starttls_server
    handler.script = {("RCPT", "dora@example.com"): ["550 5.1.1 User unknown"]}
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    env = {"PRESSROOM_SMTP_PASSWORD": PASSWORD, "SSL_CERT_FILE": str(ca_file)}
    result = runner.invoke(
        main, ["send", SLUG, "--list", "media", "--yes", "--root", str(newsroom(port))], env=env
    )
    assert result.exit_code == 1
    assert "  dora@example.com: rejected: RCPT TO: 550 5.1.1 User unknown" in result.stdout.splitlines()
    assert result.stderr.splitlines()[-1] == "Error: 1 of 5 recipients not sent"


@pytest.mark.pdf
def test_sending_without_smtp_settings_says_what_is_missing(make_newsroom, runner):
    root = make_newsroom({f"releases/{SLUG}.md": release(), "contacts/lists/media.csv": LIST})
    result = runner.invoke(main, ["send", SLUG, "--list", "media", "--yes", "--root", str(root)])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: pressroom.toml has no [smtp] table, so there is no server to send through "
        "(see 'Sending' in the README); --dry-run works without one\n"
    )


@pytest.mark.pdf
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([SLUG], "Error: give either --list NAME, or --test-to ADDRESS for a proof"),
        (
            [SLUG, "--list", "media", "--test-to", "a@example.org"],
            "Error: give either --list NAME, or --test-to ADDRESS for a proof",
        ),
        ([SLUG, "--status", "--list", "media"], "Error: --status takes only SLUG and --root"),
        (
            [SLUG, "--test-to", "a@@example.org"],
            "Error: Invalid value for '--test-to': 'a@@example.org' is not an email address",
        ),
        (["--list", "media"], "Error: Missing argument 'SLUG'."),
    ],
)
def test_misuse_exits_2(newsroom, runner, args, message):
    result = runner.invoke(main, ["send", *args, "--root", str(newsroom())])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == message


@pytest.mark.pdf
def test_unknown_release_and_list(newsroom, runner):
    root = newsroom()
    result = runner.invoke(main, ["send", "eu-nu", "--list", "media", "--root", str(root)])
    assert result.stderr == "Error: no release with slug eu-nu in releases/ (did you mean 'eu-un'?)\n"
    result = runner.invoke(main, ["send", SLUG, "--list", "press", "--root", str(root)])
    assert result.stderr == "Error: no list 'press' (contacts/lists/press.csv or .yaml); lists there: media\n"


# -- versions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "available", "expected"),
    [
        (None, {"fr"}, ""),
        ("en-GB", {"fr"}, ""),  # the original is English
        ("fr", {"fr", "de"}, "fr"),
        ("fr-BE", {"fr"}, "fr"),
        ("fr-BE", {"fr-FR", "fr-BE"}, "fr-BE"),
        ("FR", {"fr"}, "fr"),
        ("nl", {"fr", "de"}, ""),  # no Dutch version: the original
        ("fr", set(), ""),  # no translations yet: everyone gets the original
    ],
)
def test_version_for_picks_a_translation_or_the_original(language, available, expected):
    assert version_for(language, "en", available) == expected


def test_every_recipient_gets_the_original_while_no_translation_is_built(newsroom):
    plan = plan_for(newsroom())
    assert list(plan.versions) == [""]
    bob = next(r for r in plan.recipients if r.language == "fr")
    assert plan.message(bob)["Content-Language"] == plan.release.language == "en-GB"


FRENCH = """\
---
title: L’UE et l’ONU renforcent leur partenariat dans la lutte contre le terrorisme
location: Bruxelles
status: {status}
---
Le premier dialogue de haut niveau a eu lieu aujourd’hui à Bruxelles.
"""


@pytest.mark.pdf
def test_a_recipient_reading_french_gets_the_french_version(newsroom):
    files = {
        f"releases/{SLUG}.fr.md": FRENCH.format(status="approved"),
        f"releases/{SLUG}.de.md": FRENCH.format(status="draft").replace("Bruxelles", "Brüssel"),
    }
    plan = plan_for(newsroom(files=files), pdf=True)
    # The German draft is never sent: Dora, who reads German, gets the original.
    assert sorted(plan.versions) == ["", "fr"]
    bob = next(r for r in plan.recipients if r.language == "fr")
    message = plan.message(bob)
    assert message["Content-Language"] == "fr"
    assert message["Subject"] == (
        "SOUS EMBARGO JUSQU’AU 25 mai 2099 à 12:00 CEST (10:00 UTC) – "
        "L’UE et l’ONU renforcent leur partenariat dans la lutte contre le terrorisme"
    )
    text = message.get_body(("plain",)).get_content()
    assert "Bruxelles, le 25 mai 2099 – Le premier dialogue de haut niveau" in text
    assert "CONTACTS PRESSE" in text  # the contacts come from the original, the labels are French
    attachment = next(message.iter_attachments())
    assert attachment.get_content() == plan.versions["fr"].pdf != plan.versions[""].pdf
    dora = next(r for r in plan.recipients if r.language == "de")
    assert plan.message(dora)["Content-Language"] == "en-GB"
    # A translation changes what the list gets, so it is part of the version in the ledger.
    assert plan.content_hash != plan_for(newsroom(), pdf=True).content_hash


def test_the_content_hash_names_the_release_not_its_rendering(newsroom):
    root = newsroom()
    before = plan_for(root, now=NOW)
    after = plan_for(root, now=datetime(2099, 6, 1, tzinfo=UTC), after_embargo=True)
    assert before.versions[""].email["Subject"] != after.versions[""].email["Subject"]
    assert before.content_hash == after.content_hash == content_hash(before.release, {})


def test_ctrl_c_while_a_message_goes_out_leaves_it_uncertain_not_resent(
    starttls_server, newsroom, client_tls, monkeypatch
):
    handler, port = starttls_server
    root = newsroom(port)
    import pressroom.send.smtp

    real = pressroom.send.smtp._dot_stuffed

    def interrupted(data):
        if b"carl@example.org" in data:
            raise KeyboardInterrupt
        return real(data)

    monkeypatch.setattr(pressroom.send.smtp, "_dot_stuffed", interrupted)
    with pytest.raises(KeyboardInterrupt):
        send(plan_for(root), client_tls)
    assert ledger_states(root)["carl@example.org"] is State.SENDING
    monkeypatch.setattr(pressroom.send.smtp, "_dot_stuffed", real)
    report = send(plan_for(root), client_tls)
    assert [handler.count(a) for a in ADDRESSES] == [1, 1, 0, 1, 1]
    assert [(r.email, state) for r, state, _ in report.not_sent] == [("carl@example.org", State.UNCERTAIN)]


def test_a_dry_run_never_deletes_through_a_link(newsroom, tmp_path):
    root = newsroom()
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / SLUG).mkdir(parents=True)
    (elsewhere / SLUG / "keep.txt").write_text("not ours")
    (root / ".pressroom").mkdir()
    (root / ".pressroom" / "outbox").symlink_to(elsewhere)
    with pytest.raises(SendError, match=r"^\.pressroom/outbox is not a folder; move it away$"):
        write_outbox(plan_for(root))
    assert (elsewhere / SLUG / "keep.txt").exists()


# -- attacks: a hostile name, a lost or damaged ledger, an international sender ------------

HOSTILE = (
    "=?utf-8?q?Ann=0D=0AReply-To:_evil@attacker.example=0D=0ABcc:_x@attacker.example=0D=0A=0D=0AForged_body?="
)
NAME_REFUSED = (
    "contacts/lists/media.csv:2: name: contains an RFC 2047 encoded word (=?...?=), which a mail client "
    "would decode into other text; write the name as it should read, and pressroom encodes it"
)
RELAY = {"security": "none-local-relay-only", "user": None}


def rfc2047_to(data):
    """The To: header's (name, address) as RFC 2047 reads it, as mail clients do (see test_addresses)."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    unfolded = re.sub(r"\r\n(?=[ \t])", "", head)
    [value] = [line[4:] for line in unfolded.split("\r\n") if line.startswith("To: ")]
    [(name, addr)] = getaddresses([value])
    return str(make_header(decode_header(name))), addr


@pytest.mark.pdf
def test_an_encoded_word_list_name_is_refused_by_check_and_send(smtp_server, newsroom, runner):
    handler = Handler()
    port = smtp_server(handler).port
    hostile = LIST.replace("Ann Example,", f"{HOSTILE},")
    root = newsroom(port, **RELAY, files={"contacts/lists/media.csv": hostile})

    checked = runner.invoke(main, ["check", "--root", str(root)])
    assert checked.exit_code == 1
    assert checked.stderr.splitlines() == [NAME_REFUSED, "Error: 1 error, 0 warnings in 1 file"]

    sent = runner.invoke(main, ["send", SLUG, "--list", "media", "--yes", "--root", str(root)])
    assert sent.exit_code == 1
    assert sent.stderr.splitlines()[0] == NAME_REFUSED
    assert handler.log == []  # nothing reached the server


def test_a_hostile_name_past_the_loader_still_adds_no_header_at_the_server(smtp_server, newsroom):
    # The loader refuses it; were one to get through, the header builder still writes it as text.
    handler = Handler()
    root = newsroom(smtp_server(handler).port, **RELAY)
    plan = plan_for(root)
    ann = dataclasses.replace(plan.media_list.recipients[0], name=HOSTILE)
    plan = dataclasses.replace(plan, media_list=dataclasses.replace(plan.media_list, recipients=(ann,)))

    assert send(plan).ok
    [received] = handler.received
    assert received.rcpt_tos == ["ann@example.org"]
    message = parse(received.data)
    assert message.keys() == [
        "From", "Subject", "Date", "Message-ID", "MIME-Version", "To", "List-Unsubscribe", "Content-Type",
        "Content-Language",
    ]  # fmt: skip
    assert b"\r\nReply-To:" not in received.data and b"\r\nBcc:" not in received.data
    assert rfc2047_to(received.data) == (HOSTILE, "ann@example.org")
    body = message.get_body(("plain",)).get_content()
    assert body == parse(plan.versions[""].email.as_bytes()).get_body(("plain",)).get_content()
    assert "The first High-Level Dialogue took place today in Brussels." in " ".join(body.split())
    assert "Forged" not in body


INTERNATIONAL = SETTINGS.replace(
    'from = "Test Press Office <press@example.org>"', 'from = "Presse Büro <press@bücher.example>"'
)


@pytest.mark.pdf
def test_an_international_sender_domain_is_checked_and_sent_in_its_ascii_form(
    smtp_server, make_newsroom, runner
):
    handler = Handler()
    port = smtp_server(handler).port
    root = make_newsroom(
        {f"releases/{SLUG}.md": release(), "contacts/lists/media.csv": LIST},
        settings=INTERNATIONAL + smtp_table(port, **RELAY),
    )
    assert runner.invoke(main, ["check", "--root", str(root)]).exit_code == 0
    dry = runner.invoke(main, ["send", SLUG, "--list", "media", "--dry-run", "--root", str(root)])
    assert dry.exit_code == 0, dry.output
    assert "From      Presse Büro <press@xn--bcher-kva.example>" in dry.stdout.splitlines()

    sent = runner.invoke(main, ["send", SLUG, "--list", "media", "--yes", "--root", str(root)])
    assert sent.exit_code == 0, sent.output
    assert {r.mail_from for r in handler.received} == {"press@xn--bcher-kva.example"}
    for received in handler.received:
        assert received.data.split(b"\r\n\r\n", 1)[0].isascii()
        sender = parse(received.data)["From"].addresses[0]
        assert (sender.display_name, sender.addr_spec) == ("Presse Büro", "press@xn--bcher-kva.example")


@pytest.mark.pdf
@pytest.mark.parametrize(
    ("sender", "message"),
    [
        (
            "Presse <présse@example.org>",
            "pressroom.toml:10: email.from: 'présse@example.org' has letters beyond ASCII before the @, "
            "which only servers with SMTPUTF8 accept, and pressroom does not send that way; use an ASCII address",
        ),
        (
            "Presse <press@bü_cher.example>",
            "pressroom.toml:10: email.from: the domain of 'press@bü_cher.example' is not a valid international "
            "domain name (Codepoint U+005F at position 3 of 'bü_cher' not allowed)",
        ),
    ],
)
def test_a_sender_that_cannot_be_sent_from_is_refused_by_check_and_send(
    make_newsroom, runner, sender, message
):
    settings = SETTINGS.replace("Test Press Office <press@example.org>", sender) + smtp_table(25, **RELAY)
    root = make_newsroom(
        {f"releases/{SLUG}.md": release(), "contacts/lists/media.csv": LIST}, settings=settings
    )
    for args in (["check"], ["send", SLUG, "--list", "media", "--dry-run"]):
        result = runner.invoke(main, [*args, "--root", str(root)])
        assert result.exit_code == 1
        assert result.stderr.splitlines()[0] == message


LEDGER_REFUSED = (
    ". It is the send ledger, the record of who has been sent what: starting a new one would send every "
    "release again to everyone on its list. Restore the file from a backup; or, only if everyone may get "
    "the release again, add --new-ledger to keep this file under another name and start a new ledger"
)


def _emptied(root):
    (root / "records/sends.sqlite").write_bytes(b"")
    return "Error: records/sends.sqlite is empty (0 bytes)"


def _truncated(root):
    path = root / "records/sends.sqlite"
    data = path.read_bytes()
    assert len(data) >= 3 * 4096
    path.write_bytes(data[: len(data) // 2 // 4096 * 4096])
    return "Error: records/sends.sqlite is damaged or truncated (SQLite: "


def _replaced(root):
    (root / "records/sends.sqlite").write_text("name,email\nAnn Example,ann@example.org\n" * 100)
    return "Error: records/sends.sqlite is not an SQLite database"


def _emptied_at_the_old_place(root):
    # As an older pressroom kept it, among the caches, and as the reported attack left it.
    (root / "records/sends.sqlite").unlink()
    (root / ".pressroom").mkdir(exist_ok=True)
    (root / ".pressroom/sends.sqlite").write_bytes(b"")
    return "Error: .pressroom/sends.sqlite is empty (0 bytes)"


@pytest.mark.pdf
@pytest.mark.parametrize("damage", [_emptied, _truncated, _replaced, _emptied_at_the_old_place])
def test_a_damaged_ledger_sends_nobody_until_a_new_one_is_asked_for(smtp_server, newsroom, runner, damage):
    handler = Handler()
    root = newsroom(smtp_server(handler).port, **RELAY)
    args = ["send", SLUG, "--list", "media", "--yes", "--root", str(root)]
    assert runner.invoke(main, args).exit_code == 0
    assert [handler.count(a) for a in ADDRESSES] == [1, 1, 1, 1, 1]

    refusal = damage(root)
    again = runner.invoke(main, args)
    assert again.exit_code == 1
    assert again.stderr.startswith(refusal)
    assert again.stderr.rstrip("\n").endswith(LEDGER_REFUSED)
    assert [handler.count(a) for a in ADDRESSES] == [1, 1, 1, 1, 1]  # nobody got a second copy
    dry = runner.invoke(main, ["send", SLUG, "--list", "media", "--dry-run", "--root", str(root)])
    assert dry.exit_code == 1 and dry.stderr.startswith(refusal)

    # Only when asked, and it says what it does: everyone is sent the release again.
    renewed = runner.invoke(main, [*args, "--new-ledger"])
    assert renewed.exit_code == 0, renewed.output
    lines = renewed.stdout.splitlines()
    assert (
        "Ledger    records/sends.sqlite cannot be read: a new one starts with this send (--new-ledger)"
        in lines
    )
    assert lines[-2:] == [
        "Started a new send ledger (--new-ledger); the unreadable one is kept as records/sends.unreadable-1.sqlite",
        "Sent 5 messages; 5 of 5 on the list have it",
    ]
    assert (root / "records/sends.unreadable-1.sqlite").exists()
    assert [handler.count(a) for a in ADDRESSES] == [2, 2, 2, 2, 2]
    # And never in place of a sound ledger.
    refused = runner.invoke(main, [*args, "--new-ledger"])
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: records/sends.sqlite is a sound ledger, and --new-ledger is only for one that cannot be "
        "read: a new ledger would send everything again to everyone. Leave out --new-ledger\n"
    )
    assert [handler.count(a) for a in ADDRESSES] == [2, 2, 2, 2, 2]


def _make_clean(root):
    """Run the project's own `make clean` in the newsroom, as a user of this repository would."""
    shutil.copy(REPO / "Makefile", root / "Makefile")
    result = subprocess.run(["make", "clean"], cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.pdf
def test_make_clean_then_send_sends_nobody_a_second_copy(smtp_server, newsroom, runner):
    handler = Handler()
    root = newsroom(smtp_server(handler).port, **RELAY)
    args = ["send", SLUG, "--list", "media", "--yes", "--root", str(root)]
    assert runner.invoke(main, ["build", "--root", str(root)]).exit_code == 0
    assert runner.invoke(main, [*args[:4], "--dry-run", *args[5:]]).exit_code == 0
    assert runner.invoke(main, args).exit_code == 0
    assert (root / ".pressroom/cache.json").exists() and (root / ".pressroom/outbox").exists()

    _make_clean(root)
    assert not (root / "build").exists()
    assert list((root / ".pressroom").iterdir()) == []  # the caches are gone
    assert (root / "records/sends.sqlite").exists()

    again = runner.invoke(main, args)
    assert again.exit_code == 0, again.output
    assert (
        again.stdout.splitlines()[-1] == "Sent 0 messages; 5 of 5 on the list have it (5 from earlier runs)"
    )
    assert [handler.count(a) for a in ADDRESSES] == [1, 1, 1, 1, 1]


@pytest.mark.pdf
def test_a_ledger_an_older_pressroom_left_in_dot_pressroom_survives_make_clean_and_moves(
    smtp_server, newsroom, runner
):
    handler = Handler()
    root = newsroom(smtp_server(handler).port, **RELAY)
    args = ["send", SLUG, "--list", "media", "--yes", "--root", str(root)]
    assert runner.invoke(main, args).exit_code == 0
    (root / ".pressroom").mkdir()
    (root / "records/sends.sqlite").rename(root / ".pressroom/sends.sqlite")  # where it used to be
    shutil.rmtree(root / "records")

    _make_clean(root)
    assert [p.name for p in (root / ".pressroom").iterdir()] == ["sends.sqlite"]

    moved = runner.invoke(main, args)
    assert moved.exit_code == 0, moved.output
    assert moved.stdout.splitlines()[0] == (
        "Moved the send ledger from .pressroom/sends.sqlite to records/sends.sqlite, where no clean deletes it"
    )
    assert (
        moved.stdout.splitlines()[-1] == "Sent 0 messages; 5 of 5 on the list have it (5 from earlier runs)"
    )
    assert not (root / ".pressroom/sends.sqlite").exists()
    again = runner.invoke(main, args)
    assert "Moved" not in again.stdout  # said once
    assert [handler.count(a) for a in ADDRESSES] == [1, 1, 1, 1, 1]


# -- a server that stops answering -------------------------------------------------------


@contextlib.contextmanager
def misbehaving_server(behaviour):
    """A loopback SMTP peer that, at one point, says nothing or trickles a byte every 0.2 s forever.

    Each byte comes well within any socket timeout, so only a deadline on the
    whole answer ends the wait.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    received = []

    def trickle(conn, text):
        for byte in itertools.cycle(text):
            if stop.wait(0.2):
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:  # the client gave up and hung up, as it should
                return

    def serve(conn):
        with conn, conn.makefile("rb") as lines:
            if behaviour == "silent":
                stop.wait()
                return
            if behaviour == "trickling greeting":
                trickle(conn, b"220-still starting up\r\n")
                return
            conn.sendall(b"220 tiny ESMTP\r\n")
            lines.readline()
            if behaviour == "trickling EHLO":
                trickle(conn, b"250-still thinking\r\n")
                return
            conn.sendall(b"250 tiny\r\n")
            while line := lines.readline():
                if line.upper().startswith(b"DATA"):
                    conn.sendall(b"354 go ahead\r\n")
                    message = b"".join(iter(lines.readline, b".\r\n"))
                    received.append(message)
                    if behaviour == "trickling after the message":
                        trickle(conn, b"250-still scanning\r\n")
                        return
                    conn.sendall(b"250 queued\r\n")
                else:
                    conn.sendall(b"221 bye\r\n" if line.upper().startswith(b"QUIT") else b"250 ok\r\n")

    def accept():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], received
    finally:
        stop.set()
        thread.join()
        listener.close()


QUICK = "connect_timeout = 1\nread_timeout = 1\n"


@pytest.mark.parametrize(
    ("behaviour", "waited"),
    [
        ("silent", "its greeting (connect_timeout in [smtp])"),
        ("trickling greeting", "its greeting (connect_timeout in [smtp])"),
        ("trickling EHLO", "its answer to EHLO (read_timeout in [smtp])"),
    ],
)
def test_a_silent_or_trickling_server_ends_the_send_within_its_timeout(newsroom, behaviour, waited):
    with misbehaving_server(behaviour) as (port, received):
        root = newsroom(port, **RELAY, smtp=QUICK)
        plan = plan_for(root)
        started = time.monotonic()
        report = send(plan)
        elapsed = time.monotonic() - started
    assert elapsed < 4, f"{behaviour}: the send took {elapsed:.1f} s"
    assert report.aborted == f"no complete answer from 127.0.0.1:{port} in 1 s while waiting for {waited}"
    assert received == []
    assert set(ledger_states(root).values()) == {State.PENDING}  # nobody was offered a message


@pytest.mark.pdf
def test_a_server_trickling_its_answer_to_a_message_leaves_it_uncertain_and_ends_the_send(newsroom, runner):
    with misbehaving_server("trickling after the message") as (port, received):
        root = newsroom(port, **RELAY, smtp=QUICK)
        plan = plan_for(root)
        started = time.monotonic()
        report = send(plan)
        elapsed = time.monotonic() - started
    assert elapsed < 4, f"the send took {elapsed:.1f} s"
    assert len(received) == 1
    late = (
        f"no complete answer from 127.0.0.1:{port} in 1 s while waiting for its answer after the message "
        "(read_timeout in [smtp]); it may have the message"
    )
    assert report.aborted == late
    assert ledger_states(root) == {
        "ann@example.org": State.UNCERTAIN,  # the server may have it: not sent again unless asked
        "bob@example.com": State.PENDING,
        "carl@example.org": State.PENDING,
        "dora@example.com": State.PENDING,
        "emil@example.org": State.PENDING,
    }
    assert "Uncertain: the server may have these, so they are not sent again." in "\n".join(report.lines())


@pytest.mark.pdf
def test_the_cli_says_which_server_did_not_answer_and_exits_1(newsroom, runner):
    with misbehaving_server("silent") as (port, _):
        root = newsroom(port, **RELAY, smtp=QUICK)
        result = runner.invoke(main, ["send", SLUG, "--list", "media", "--yes", "--root", str(root)])
    assert result.exit_code == 1
    assert (
        f"Stopped: no complete answer from 127.0.0.1:{port} in 1 s while waiting for its greeting "
        "(connect_timeout in [smtp])"
    ) in result.stdout.splitlines()
    assert result.stderr.splitlines()[-1] == "Error: 5 of 5 recipients not sent"


# -- attachments from the media kit --------------------------------------------------

KIT_FRONT = """\
media:
  - file: qa.pdf
    title: Questions and answers
  - file: ship.jpg
    alt: A grey ship at sea
contacts:"""
QA = b"%PDF-1.4\n% questions and answers\n%%EOF\n"


def kit_newsroom(newsroom, port=25, qa=QA):
    from pictures import SECRETS, jpeg  # noqa: F401 - a camera's photo, GPS position and all

    return newsroom(
        port,
        text=release().replace("contacts:", KIT_FRONT, 1),
        files={"media/eu-un/qa.pdf": qa, "media/eu-un/ship.jpg": jpeg(800, 600)},
    )


def test_named_kit_files_go_attached_beside_the_pdf_the_photo_without_its_metadata(newsroom):
    from pictures import SECRETS

    root = kit_newsroom(newsroom)
    plan = plan_for(root, attach=["qa.pdf", "ship.jpg"], dry_run=True)
    message = parse(plan.message(plan.recipients[0]).as_bytes())
    attached = [(p.get_filename(), p.get_content_type()) for p in message.iter_attachments()]
    assert attached == [
        (f"{SLUG}.pdf", "application/pdf"),
        ("qa.pdf", "application/pdf"),
        ("ship.jpg", "image/jpeg"),
    ]
    parts = {p.get_filename(): p.get_content() for p in message.iter_attachments()}
    assert parts["qa.pdf"] == QA
    assert not [s for s in SECRETS if s in parts["ship.jpg"]]
    assert any(
        line.startswith("Attached  eu-un.pdf (") and ", qa.pdf (1 KB), ship.jpg (" in line
        for line in plan.summary()
    )


def test_a_file_not_in_the_kit_or_too_much_to_attach_is_refused_before_anything_is_sent(newsroom, runner):
    root = kit_newsroom(newsroom, qa=b"%PDF-1.4\n" + b"0" * 7_100_000)
    with pytest.raises(
        SendError,
        match=r"^notes\.docx is not a file of the media kit of eu-un; its kit has qa\.pdf, ship\.jpg$",
    ):
        plan_for(root, attach=["notes.docx"], dry_run=True)
    with pytest.raises(
        SendError, match=r"^the attachments come to 7\.1 MB with the PDF, over the 7 MB a message may carry"
    ):
        plan_for(root, attach=["qa.pdf"], dry_run=True)
    result = runner.invoke(
        main, ["send", SLUG, "--list", "media", "--dry-run", "--attach", "nope.pdf", "--root", str(root)]
    )
    assert result.exit_code != 0 and "nope.pdf is not a file of the media kit of eu-un" in result.output
    assert not (root / ".pressroom/outbox").exists()
