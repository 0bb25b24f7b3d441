"""What the preview serves from memory: outputs the fast path rendered, until the build has them."""

from __future__ import annotations

from pressroom.engine.preview import Rendered
from pressroom.serve.hub import Hub

PAGE = "staff/releases/ships/index.html"
PHOTO = "staff/releases/ships/media/1200/ship.jpg"
PDF = "staff/releases/ships/ships.pdf"


def test_a_kits_copies_rendered_ahead_give_way_to_the_build_with_the_pages():
    hub = Hub()
    hub.update(built=(), ahead={rel: Rendered("k", rel.encode()) for rel in (PAGE, PHOTO, PDF)})
    assert hub.file(PHOTO) == PHOTO.encode()
    hub.update(built=("html",))  # the build wrote the pages, and the kits planned with them
    assert hub.file(PAGE) is None and hub.file(PHOTO) is None
    assert hub.file(PDF) == PDF.encode()  # its build is still to come


def test_the_email_frame_shows_the_photo_a_mail_client_would_from_its_related_part():
    from email.message import EmailMessage

    from pressroom.serve.pages import email_html

    message = EmailMessage()
    message["Subject"] = "Ships"
    message.set_content("Ships at sea.")
    message.add_alternative('<p>Ships</p><img src="cid:lead@press" alt="A ship">', subtype="html")
    html_part = message.get_body(("html",))
    html_part.add_related(b"\xff\xd8\xff photo", "image", "jpeg", cid="<lead@press>")
    shown = email_html(message.as_bytes())
    assert shown is not None
    assert b'<img src="data:image/jpeg;base64,/9j/IHBob3Rv" alt="A ship">' in shown
    assert b"cid:" not in shown
