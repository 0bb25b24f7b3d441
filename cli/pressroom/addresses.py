"""Names and addresses from a newsroom's files, as email headers and SMTP envelopes carry them.

Every address header pressroom writes (From:, To:) is built by `address_header`,
and every envelope address by `envelope_address`. The display name is encoded
here, never by the email package's policy: the policy parses the value it is
given for RFC 2047 encoded words and writes their *decoded* text back out, so a
name such as `=?utf-8?q?Ann=0D=0ABcc:_x@example.org?=` used to become a line
break and a Bcc: header. Here a name is either a plain quoted phrase or UTF-8
encoded words of exactly its text, folded to the line length mail allows, and
the message carries it as it is written (`set_raw`).

The domain of an international address (`press@bücher.example`) is written in
its ASCII form (`xn--bcher-kva.example`, IDNA 2008), which every server accepts.
A local part that is not ASCII would need SMTPUTF8 from every server on the way;
it is refused rather than sent to whoever happens to support it.
"""

from __future__ import annotations

import base64
import re
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import formataddr, parseaddr

import idna

from pressroom.errors import PressroomError

# The longest line a header should have (RFC 5322 2.1.1), its name included.
_LINE = 78
# Bytes of text in one encoded word: 60 characters of base64, 72 with "=?utf-8?b?" and
# "?=", within the 75 RFC 2047 allows and, with "To: " or a folding space, within _LINE.
_WORD_BYTES = 45
# C0 and C1 controls, and the Unicode line and paragraph separators: the email
# package splits a header at every one of them (str.splitlines), tab included here.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Anything a mail client might take for an encoded word: =?charset?encoding?text?=
_ENCODED_WORD = re.compile(r"=\?.*\?=", re.DOTALL)


class AddressError(PressroomError):
    """An address that cannot be written into a message as it stands; the text says why."""


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a display name in a header, or None when it can.

    The check every name from a file passes before it may reach a header: a
    control character or line separator would split the header, and an encoded
    word would be decoded by the reader into text nobody wrote in the file.
    """
    if bad := _CONTROL.search(name):
        breaks = "\r\n\u2028\u2029"
        what = "a line break" if bad[0] in breaks else f"the control character U+{ord(bad[0]):04X}"
        return f"contains {what}; keep the name on one line, without control characters"
    if _ENCODED_WORD.search(name):
        return (
            "contains an RFC 2047 encoded word (=?...?=), which a mail client would decode into other "
            "text; write the name as it should read, and pressroom encodes it"
        )
    return None


def parse_mailbox(text: str) -> Address:
    """'Press Office <press@example.org>' as an Address; AddressError when it is not one mailbox."""
    display, addr = parseaddr(text)
    try:
        if "@" in addr:
            return Address(display_name=display, addr_spec=addr)
    # The standard library's parser raises any of these on malformed input.
    except (ValueError, IndexError, AttributeError, HeaderParseError):
        pass
    raise AddressError(f"expected an address such as 'Press <press@example.org>', found {text!r}")


def envelope_address(addr_spec: str) -> str:
    """`local@domain` in ASCII, as MAIL FROM, RCPT TO and the header carry it.

    Raises AddressError when the local part is not ASCII or the domain is not
    a valid international domain name.
    """
    local, _, domain = addr_spec.rpartition("@")
    if not local.isascii():
        raise AddressError(
            f"'{addr_spec}' has letters beyond ASCII before the @, which only servers with "
            "SMTPUTF8 accept, and pressroom does not send that way; use an ASCII address"
        )
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as exc:  # InvalidCodepoint and the rest are IDNAError too
            raise AddressError(
                f"the domain of '{addr_spec}' is not a valid international domain name ({exc})"
            ) from None
    return f"{local}@{domain}"


def address_header(field: str, address: Address) -> str:
    """The value of an address header (From:, To:) for `address`: ASCII, folded, safe as it is.

    The one place such a header is written. Set it with
    `message.set_raw(field, value)`, so nothing parses it again.
    """
    addr = envelope_address(address.addr_spec)
    name = address.display_name
    if not name:
        return addr
    plain = formataddr((name, addr))  # quotes and escapes an ASCII name as a phrase needs
    readable = name_problem(name) is None and name.isascii() and name == name.strip()
    if readable and len(field) + 2 + len(plain) <= _LINE:
        return plain
    # The loaders refuse a name with a control character or an encoded word, so that
    # it reads as written; should one get here, it is still only text in the header.
    words = _encoded_words(name)
    last = len(words[-1]) + (len(field) + 2 if len(words) == 1 else 1)
    separator = " " if last + len(addr) + 3 <= _LINE else "\r\n "
    return "\r\n ".join(words) + f"{separator}<{addr}>"


def _encoded_words(text: str) -> list[str]:
    """`text` as UTF-8 base64 encoded words of at most 72 characters, split between characters.

    Written here rather than with email.header.Header, which turns a line or
    paragraph separator in the text into folding whitespace: the reader must
    get back exactly `text`, whatever it holds.
    """
    words, chunk = [], b""
    for char in text:
        data = char.encode("utf-8")
        if len(chunk) + len(data) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words]
