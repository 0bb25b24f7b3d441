"""Preview: what `pressroom serve` adds to the staff newsroom, rendered on request.

The one page rendered per request is a release's preview (`ui/preview.html`):
its web page, PDF and email side by side or in tabs. Everything else is read:
the email is parsed from build/email/<slug>.eml with the standard library,
exactly as a mail client would get it, and the staff pages are served as the
build wrote them, with one script tag added (`inject`). Nothing here renders
Markdown: that is the builder thread's job alone.

The UI files are tool UI, not house style, so they live in the package and a
newsroom's templates/ cannot override them.
"""

from __future__ import annotations

import base64
import email
import functools
import hashlib
import json
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import jinja2

from pressroom.layout import CONTENT_TYPES
from pressroom.model import Newsroom, Release, Visibility

UI = Path(__file__).with_name("ui")
UI_ASSETS = ("live.js", "live.css", "preview.js", "preview.css")

# The preview page runs only its own scripts and styles and frames only this server.
UI_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Staff pages keep their house style as built; only scripts are held to this server's own.
STAFF_CSP = (
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
# The email's HTML part: inline styles, as mail clients allow, and nothing that runs or loads.
EMAIL_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'; sandbox"
)
# A document type that can hold script (SVG), opened on its own.
SANDBOX_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

# Shown first, in this order; the rest follow as the message has them.
_HEADERS_FIRST = ("From", "To", "Subject", "Date", "Message-ID")
_NO_TO = "each journalist on the list, one message each (added by pressroom send)"


def content_type(name: str) -> str:
    """The Content-Type for a file name; the table first, so the machine's mime.types cannot change it."""
    suffix = Path(name).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def ui_asset(name: str) -> tuple[bytes, str] | None:
    """One of the preview's own scripts or stylesheets, by name; None for any other name."""
    if name not in UI_ASSETS:
        return None
    return (UI / name).read_bytes(), content_type(name)


def etag(data: bytes | None) -> str | None:
    """A short hash of an output as built: a tab reloads a frame only when it changed."""
    return hashlib.blake2b(data, digest_size=8).hexdigest() if data is not None else None


def live_tag(version: int, tag: str | None = None) -> bytes:
    """The script tag that reloads a page and shows problems.

    `version` is the HTML version it was served at, `tag` the etag of the page
    as built: after a build the page asks for its etag again and reloads only
    if it differs.
    """
    attrs = f' data-html-version="{int(version)}"'
    if tag:
        attrs += f' data-etag="{tag}"'
    return f'<script src="/_pressroom/ui/live.js"{attrs}></script>\n'.encode()


def inject(page: bytes, version: int, page_etag: str | None = None) -> bytes:
    """`page` with the live script before its last </body>, or at its end when it has none.

    `page_etag` is `etag(page)` when the caller has it already.
    """
    tag = live_tag(version, page_etag or etag(page))
    at = page.lower().rfind(b"</body")
    if at < 0:
        return page + tag
    return page[:at] + tag + page[at:]


def placeholder(title: str) -> bytes:
    """A page standing in for one the build has not written, until it does."""
    return _template("placeholder.html").render(title=title).encode()


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(UI),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _template(name: str) -> jinja2.Template:
    return _environment().get_template(name)


def release_state(release: Release | None, now: datetime | None, newsroom: Newsroom | None) -> str:
    """What a journalist could see of the release at the build's instant, in a few words."""
    if release is None or now is None or newsroom is None:
        return ""
    match release.visibility(now):
        case Visibility.DRAFT:
            return "Draft: staff only"
        case Visibility.EMBARGOED if release.embargo is not None:
            moment = release.embargo.astimezone(newsroom.settings.tz).strftime("%d %b %Y, %H:%M %Z")
            return f"Embargoed until {moment}"
        case Visibility.PUBLIC:
            return "Public"
        case Visibility.WITHDRAWN:
            return "Withdrawn: its address shows the notice, no listing names it"
    return "Not public yet"


@dataclass(frozen=True)
class Outputs:
    """One release's staff page, PDF and email as built (None: not built), read by the server."""

    page: bytes | None
    pdf: bytes | None
    email: bytes | None

    def etags(self) -> dict[str, str | None]:
        return {"page": etag(self.page), "pdf": etag(self.pdf), "email": etag(self.email)}


def render_page(
    slug: str, newsroom: Newsroom | None, now: datetime | None, versions: dict[str, int], outputs: Outputs
) -> tuple[bytes, bool]:
    """The preview page of one release, and whether the release is known.

    The page is a frame for each output; preview.js fills in the email and
    keeps every frame up to date.
    """
    release = newsroom.release(slug) if newsroom is not None else None
    known = release is not None or outputs.page is not None
    page = _template("preview.html").render(
        slug=slug,
        title=release.title if release else slug,
        state=release_state(release, now, newsroom),
        known=known,
        pdf=outputs.pdf is not None,
        pdf_version=versions["pdf"],
        versions=json.dumps(versions),
        etags=json.dumps(outputs.etags()),
        live=live_tag(versions["html"]).decode(),
    )
    return page.encode(), known


def read_email(data: bytes | None) -> EmailMessage | None:
    """The release's .eml as a message object, or None when none has been built."""
    if data is None:
        return None
    return email.message_from_bytes(data, policy=policy.default)


def email_summary(data: bytes | None) -> dict[str, Any] | None:
    """The headers and the plain-text part of the release's email, for the email tab."""
    message = read_email(data)
    if message is None:
        return None
    headers: list[tuple[str, str]] = []
    for name in _HEADERS_FIRST:
        value = message.get(name)
        if value is not None:
            headers.append((name, str(value)))
        elif name == "To":
            headers.append((name, _NO_TO))
    shown = {n.lower() for n, _ in headers} | {"content-type", "content-transfer-encoding"}
    headers += [(n, str(v)) for n, v in message.items() if n.lower() not in shown]
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return {
        "headers": headers,
        "text": text_part.get_content() if isinstance(text_part, EmailMessage) else "",
        "html": html_part is not None,
    }


def email_html(data: bytes | None) -> bytes | None:
    """The HTML part of the release's email, as a mail client would show it."""
    message = read_email(data)
    if message is None:
        return None
    part = message.get_body(preferencelist=("html",))
    if not isinstance(part, EmailMessage):
        return None
    content = part.get_content()
    html = content if isinstance(content, str) else bytes(content).decode("utf-8", "replace")
    return _inline_related(html, message).encode()


def _inline_related(html: str, message: EmailMessage) -> str:
    """Its related images (the lead photo: `cid:` in the HTML) as data: addresses the frame may load."""
    for part in message.walk():
        cid = str(part.get("Content-ID") or "").strip("<>")
        if cid and part.get_content_maintype() == "image" and isinstance(part, EmailMessage):
            data = base64.b64encode(part.get_content()).decode("ascii")
            html = html.replace(f"cid:{cid}", f"data:{part.get_content_type()};base64,{data}")
    return html


def info(slug: str, newsroom: Newsroom | None, now: datetime | None, outputs: Outputs) -> dict[str, Any]:
    """What the preview page shows beside the frames, as JSON, fetched again after each build.

    With the etag of each output, so that a build which did not change one
    (the build after the fast path, which wrote the same bytes) reloads nothing.
    """
    release = newsroom.release(slug) if newsroom is not None else None
    return {
        "title": release.title if release else slug,
        "state": release_state(release, now, newsroom),
        "pdf": outputs.pdf is not None,
        "email": email_summary(outputs.email),
        "etags": outputs.etags(),
    }
