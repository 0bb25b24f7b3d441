"""`pressroom send --correction`, for real on 127.0.0.1: only those who had an earlier version get it."""

from __future__ import annotations

import pytest
from test_send import (  # noqa: F401  # the SMTP server fixtures on 127.0.0.1
    ca,
    client_tls,
    email_and_stub_pdf,
    parse,
    send,
    server_tls,
    smtp_server,
    smtp_table,
    starttls_server,
)

import helpers
from helpers import NOW, SETTINGS
from pressroom.content.loader import load_newsroom
from pressroom.send.plan import SendError, prepare

SLUG = "eu-un"


def maritime(**fields):
    body = "Brussels, 10 January 2026 – The ministers agreed to meet again in Abuja."
    return helpers.release("EU and UN agree on maritime security", "2026-01-10", body=body, **fields)


RELEASE = maritime()
CORRECTED = maritime(
    extra="corrections:\n"
    "  - date: 2026-01-12T15:30:00+01:00\n"
    "    text: An earlier version placed the next meeting in Abuja; it is in Accra."
)

LIST = """\
name,email
Ann Example,ann@example.org
Bob Example,bob@example.com
Carl Example,carl@example.org
"""


@pytest.mark.pdf
def test_a_correction_goes_only_to_those_who_accepted_an_earlier_version(
    starttls_server,  # noqa: F811
    make_newsroom,
    client_tls,  # noqa: F811
):
    handler, port = starttls_server
    handler.script[("RCPT", "bob@example.com")] = ["550 5.1.1 no such mailbox"]
    first = "name,email\nAnn Example,ann@example.org\nBob Example,bob@example.com\n"
    root = make_newsroom(
        {f"releases/{SLUG}.md": RELEASE, "contacts/lists/media.csv": first},
        settings=SETTINGS + smtp_table(port),
    )
    now = NOW
    report = send(prepare(load_newsroom(root), SLUG, now, list_name="media"), client_tls)
    assert [r.rcpt_tos for r in handler.received] == [["ann@example.org"]]  # Bob's server said no
    assert not report.ok

    # The list grows, the release is corrected: the correction goes to Ann alone.
    (root / "contacts/lists/media.csv").write_text(LIST)
    with pytest.raises(SendError, match="has no corrections: entry"):
        prepare(load_newsroom(root), SLUG, now, list_name="media", correction=True)
    (root / f"releases/{SLUG}.md").write_text(CORRECTED)
    plan = prepare(load_newsroom(root), SLUG, now, list_name="media", correction=True)
    assert [r.email for r in plan.recipients] == ["ann@example.org"]
    assert send(plan, client_tls).ok
    assert [r.rcpt_tos for r in handler.received] == [["ann@example.org"], ["ann@example.org"]]
    message = parse(handler.received[-1].data)
    assert message["Subject"] == "CORRECTION: EU and UN agree on maritime security"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(
        "*** CORRECTION OF 12 JANUARY 2026 ***\nAn earlier version placed the next meeting"
    )
    # Ann has it now: the same correction again has no one to go to.
    again = prepare(load_newsroom(root), SLUG, now, list_name="media", correction=True)
    assert again.recipients == ()
    # A correction is never sent to someone who never had the release.
    (root / "contacts/lists/media.csv").write_text("name,email\nCarl Example,carl@example.org\n")
    with pytest.raises(SendError, match="no one on the list media got an earlier version of eu-un"):
        prepare(load_newsroom(root), SLUG, now, list_name="media", correction=True)
