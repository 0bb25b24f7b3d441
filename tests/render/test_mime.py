"""The email package's encoding, made linear (render/mime.py), writes the very bytes the library writes."""

from __future__ import annotations

from email import policy
from email.header import Header
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage

from hypothesis import example, given
from hypothesis import strategies as st

from pressroom.render.mime import HeaderClasses, Utf8

# Subjects as releases have them: words in several scripts, long runs without a space,
# typographic marks, and what an encoded word or a header injection looks like.
_TEXT = st.text(
    st.sampled_from(
        [*"abcdefghij KLMNOP ", "é", "ü", "ß", "–", "’", "€", "😀", "中", "文", "Ж", "=", "?", "_", "\t", ":"]
    ),
    max_size=300,
)


def _library(text: str, name: str) -> str:
    return Header(text, "utf-8", header_name=name).encode(linesep="\r\n")


def _ours(text: str, name: str) -> str:
    return Header(text, Utf8(), header_name=name).encode(linesep="\r\n")


@given(_TEXT, st.sampled_from(["Subject", "X-A-Much-Longer-Header-Name-Than-Any-We-Write"]))
@example("EMBARGOED UNTIL 12 MAY 2026, 10:00 CEST – Commission proposes " * 4, "Subject")
@example("=?utf-8?q?x=0D=0ABcc:_evil@example.org?=", "Subject")
@example("Ö" * 200, "Subject")  # base64, many lines
@example("a" * 200, "Subject")  # one word longer than a line
@example("", "Subject")
def test_a_header_is_encoded_as_the_library_encodes_it(text: str, name: str) -> None:
    assert _ours(text, name) == _library(text, name)


def _message(header_factory: HeaderClasses | None) -> bytes:
    kw = {"header_factory": header_factory} if header_factory is not None else {}
    message = EmailMessage(policy=policy.SMTP.clone(refold_source="none", **kw))
    message["Date"] = "Tue, 12 May 2026 10:00:00 +0200"
    message["Message-ID"] = "<x.1@example.org>"
    message["X-Pressroom-Status"] = "draft"
    message.set_content("Grüße\n" * 40, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative("<p>Grüße</p>\n", subtype="html", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = "de"
    message.set_boundary("pressroom-b")
    return message.as_bytes()


def test_the_header_classes_write_the_message_the_library_writes() -> None:
    classes = HeaderClasses()
    library = _message(None)
    assert _message(classes) == library
    assert _message(classes) == library  # again, from the headers it parsed and folded the first time


def test_a_value_is_parsed_once_and_folded_for_each_policy_it_is_written_with() -> None:
    classes = HeaderClasses()
    header = classes("Subject", "A subject long enough to be folded " * 3)
    assert classes("Subject", "A subject long enough to be folded " * 3) is header
    assert classes("subject", "Another") is not header
    smtp, wide = policy.SMTP, policy.SMTP.clone(max_line_length=200)
    assert header.fold(policy=smtp).count("\r\n") == 2
    assert header.fold(policy=wide).count("\r\n") == 1  # not the fold made for the other policy
    assert header.fold(policy=smtp) == HeaderRegistry()("Subject", str(header)).fold(policy=smtp)


def test_each_header_name_gets_one_class_which_parses_as_the_library_does() -> None:
    classes = HeaderClasses()
    assert classes["Date"] is classes["date"]
    assert classes["To"] is not classes["Subject"]
    made = classes("To", "Ann <ann@example.org>, bob@example.org")
    assert [a.addr_spec for a in made.addresses] == ["ann@example.org", "bob@example.org"]
