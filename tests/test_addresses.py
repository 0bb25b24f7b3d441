"""Address headers: whatever a name holds, the header says exactly it and adds no other header."""

from __future__ import annotations

import re
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressroom.addresses import AddressError, address_header, envelope_address, name_problem
from pressroom.render.mail import POLICY

ATTACKS = [
    "=?utf-8?q?Ann=0D=0AReply-To:_evil@attacker.example=0D=0ABcc:_x@attacker.example?=",
    "=?utf-8?b?DQpCY2M6IHpxQGV2aWwuZXhhbXBsZQ==?=",
    "Ann =?iso-8859-1?q?=0ABcc:_x@attacker.example?= Example",
    "Ann\u2028Bcc: x@attacker.example",
    'Ann "<x@attacker.example>", Bob',
    "Ann\\",
    "x" * 300,
    "Anne-Sophie Müller-Lüdenscheidt von und zu Hohenzollern-Sigmaringen, Chefredakteurin",
]


def sent(name, addr="ann@example.org"):
    """A message with that To:, as the server receives it, parsed back as a mail client would."""
    message = EmailMessage(policy=POLICY)
    message.set_raw("To", address_header("To", Address(display_name=name, addr_spec=addr)))
    message["Subject"] = "Subject"
    message.set_content("The body.\n")
    data = message.as_bytes()
    return data, BytesParser(policy=policy.default).parsebytes(data)


def read_to(data):
    """The To: header's (name, address) as RFC 2047 reads it, as mail clients do.

    Not through the email package's header parser: it keeps the folding space
    between two encoded words, which RFC 2047 (and every mail client) drops.
    """
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    unfolded = re.sub(r"\r\n(?=[ \t])", "", head)
    [value] = [line[4:] for line in unfolded.split("\r\n") if line.startswith("To: ")]
    [(name, addr)] = getaddresses([value])
    return str(make_header(decode_header(name))), addr


@pytest.mark.parametrize("name", ATTACKS)
def test_a_name_adds_no_header_and_reads_back_as_written(name):
    data, parsed = sent(name)
    assert parsed.keys() == ["To", "Subject", "Content-Type", "Content-Transfer-Encoding", "MIME-Version"]
    assert read_to(data) == (name, "ann@example.org")
    assert len(parsed["To"].addresses) == 1
    assert parsed.get_content() == "The body.\r\n"
    head = data.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert head.isascii()


@settings(derandomize=True, max_examples=300, database=None)
@given(st.text(min_size=1, max_size=120).filter(lambda t: "\r" not in t and "\n" not in t))
def test_any_name_at_all_reads_back_as_written(name):
    # (CR and LF cannot even make an Address: the standard library refuses them.)
    data, parsed = sent(name)
    assert parsed.keys() == ["To", "Subject", "Content-Type", "Content-Transfer-Encoding", "MIME-Version"]
    assert read_to(data) == (name, "ann@example.org")


def test_a_plain_name_stays_readable():
    assert address_header("From", Address("Test Press Office", addr_spec="press@example.org")) == (
        "Test Press Office <press@example.org>"
    )
    assert address_header("To", Address('Bob "The Wire" Example', addr_spec="bob@example.com")) == (
        '"Bob \\"The Wire\\" Example" <bob@example.com>'
    )
    assert address_header("To", Address("", addr_spec="bob@example.com")) == "bob@example.com"


def test_an_international_domain_is_written_in_its_ascii_form():
    press = Address("Presse Büro", addr_spec="press@bücher.example")
    assert envelope_address(press.addr_spec) == "press@xn--bcher-kva.example"
    assert address_header("From", press) == "=?utf-8?b?UHJlc3NlIELDvHJv?= <press@xn--bcher-kva.example>"
    # IDNA 2008, as registries use it: ß is a letter of its own, not "ss" (another domain).
    assert envelope_address("info@straße.de") == "info@xn--strae-oqa.de"
    assert envelope_address("press@example.org") == "press@example.org"


@pytest.mark.parametrize(
    ("addr", "message"),
    [
        (
            "présse@example.org",
            "'présse@example.org' has letters beyond ASCII before the @, which only servers with SMTPUTF8 "
            "accept, and pressroom does not send that way; use an ASCII address",
        ),
        (
            "press@☃.example",
            "the domain of 'press@☃.example' is not a valid international domain name "
            "(Codepoint U+2603 at position 1 of '☃' not allowed)",
        ),
    ],
)
def test_what_cannot_be_sent_is_refused_with_a_reason(addr, message):
    with pytest.raises(AddressError) as caught:
        envelope_address(addr)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Ann Example", None),
        ("Zoë d’Artagnan", None),
        ("Question? Yes =) ok", None),
        (ATTACKS[0], "contains an RFC 2047 encoded word (=?...?=), which a mail client would decode into "
         "other text; write the name as it should read, and pressroom encodes it"),
        ("Ann\tExample", "contains the control character U+0009; keep the name on one line, without control characters"),
        ("Ann\x1bExample", "contains the control character U+001B; keep the name on one line, without control characters"),
        ("Ann\x85Example", "contains the control character U+0085; keep the name on one line, without control characters"),
        ("Ann\u2028Example", "contains a line break; keep the name on one line, without control characters"),
    ],
)  # fmt: skip
def test_name_problem(name, problem):
    assert name_problem(name) == problem
