"""A release as an RFC 5322 email: plain text and inlined HTML, ready for any mail client.

Headers are set only through EmailMessage, whose policy refuses line breaks in
a value, and the loader already refused them in every one-line field: nothing
in front matter can add or split a header. The values that come from files
with free text in them are encoded by us rather than by the policy: the
subject here (see `_set_subject`), the sender and recipients by
addresses.address_header.

The media kit's lead photo travels inside the email, as a related part of
the HTML (multipart/related, shown by its Content-ID), not as a link to the
site: the email of an embargoed release goes out before the release, and its
photos, are online, and many mail clients do not load remote images anyway.
The body's own photos go the same way when the caller hands their bytes.
Every file of the kit, and the zip of it all, is listed in both parts with
its public address, saying from when it is online if that is yet to come.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

import css_inline
import jinja2

from pressroom.addresses import address_header, parse_mailbox
from pressroom.render import kit, theme
from pressroom.render.context import template_context
from pressroom.render.kit import NO_IMAGES, image_type
from pressroom.render.mime import HeaderClasses, Utf8
from pressroom.render.view import ReleaseView

# CRLF line ends and encoded words for non-ASCII: what SMTP and .eml readers expect.
# A header we encoded ourselves (set_raw) is written as it is: refolding a long one
# would parse it, decode its encoded words and write the decoded text out.
POLICY = policy.SMTP.clone(refold_source="none", header_factory=HeaderClasses())
_UTF8 = Utf8()
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)


def subject(view: ReleaseView, correction: bool = False) -> str:
    """'EMBARGOED UNTIL … – Headline', or just the headline; drafts and corrections say so first."""
    text = view.release.title
    if view.is_embargoed:
        text = f"{view.release_line} – {text}"
    if correction:
        # TRANSLATORS: the subject of a corrected release sent again to those who had it.
        text = view.gettext("CORRECTION: %(subject)s", subject=text)
    if view.release.is_draft:
        text = view.gettext("[DRAFT] %(subject)s", subject=text)
    return text


def _set_subject(message: EmailMessage, text: str) -> None:
    """Set the Subject, encoded by us, so that every reader decodes exactly `text`.

    The policy's own folding is not safe for it. It parses the value it is given
    for RFC 2047 encoded words and writes their decoded text back out as it is,
    so a headline containing "=?utf-8?q?x=0D=0ABcc:_evil@example.org?=" became a
    line break and a Bcc header. And it doubles or drops spaces where it folds a
    long subject beside an encoded word ("(10:00 UTC)  – EU", "–Tomé" with
    Python 3.11). So the whole subject is written here as UTF-8 encoded words,
    which RFC 2047 asks for anyway when text looks like one, and every client
    decodes it to `text`.
    """
    encoded = Header(text, _UTF8, header_name="Subject").encode(linesep=POLICY.linesep)
    message.set_raw("Subject", encoded)


def render_email(
    env: jinja2.Environment,
    view: ReleaseView,
    *,
    correction: bool = False,
    images: Mapping[str, bytes] = NO_IMAGES,
) -> EmailMessage:
    """The release (or a translation) as an email in its language, without To: or attachments.

    With `correction`, the subject starts "CORRECTION:" in the release's
    language; the corrections notice opens the text either way.

    `images` are photos of the release's media kit, by file name, as the
    bytes of their 1200-pixel copy (layout.media(slug, name, WEB_WIDTH)). Those
    the email shows (kit.shown_pictures: the lead image, then the body's) go
    inside it: the HTML part becomes multipart/related, with each photo an
    inline part the HTML shows by its Content-ID (`cid:`), at most 600 pixels
    wide. A photo missing here is not shown; the kit's list names it all the same.
    """
    view = view.for_environment(env)
    r, settings = view.release, view.settings
    host = urlsplit(settings.url).hostname or "localhost"
    inline = {name: images[name] for name in kit.shown_pictures(view) if name in images}
    # A Content-ID made from the photo's bytes: the same photo gives the same message.
    cids = {name: f"media-{hashlib.sha256(data).hexdigest()[:20]}@{host}" for name, data in inline.items()}
    shown = kit.carried_where(settings, r.slug, {n: f"cid:{c}" for n, c in cids.items()}, kit.EMAIL_WIDTH)
    # No logo_url: the issuers' logos travel inside the email as data: addresses.
    context = template_context(env, settings, view=view) | {"logo": None, "kit": kit.kit(view, shown)}
    text = env.get_template("release.email.txt").render(context).strip() + "\n"
    # Mail clients do not resolve var(): the theme's values are written into the CSS first.
    page = env.get_template("release.email.html").render(context)
    html = _INLINER.inline(theme.resolve_styles(page, settings.theme))

    title = subject(view, correction)
    digest = hashlib.sha256(f"{title}\0{text}\0{html}".encode()).hexdigest()[:16]
    message = EmailMessage(policy=POLICY)
    message.set_raw("From", address_header("From", parse_mailbox(settings.email_from)))
    _set_subject(message, title)
    message["Date"] = format_datetime(r.published)
    message["Message-ID"] = f"<{r.key}.{digest}@{host}>"
    if r.is_draft:
        message["X-Pressroom-Status"] = "draft"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    if inline:
        _add_related(message, inline, cids, f"pressroom-{digest}-related")
    # set_content() drops Content-* headers, so this one comes after it; a boundary
    # derived from the content keeps the same release giving the same bytes.
    message["Content-Language"] = r.language
    message.set_boundary(f"pressroom-{digest}")
    return message


def _add_related(
    message: EmailMessage, inline: Mapping[str, bytes], cids: Mapping[str, str], boundary: str
) -> None:
    """The photos beside the HTML part, in a multipart/related inside the multipart/alternative."""
    html_part = list(message.iter_parts())[-1]  # text/plain, then the text/html add_alternative made
    for name, data in inline.items():
        maintype, _, subtype = image_type(data).partition("/")
        html_part.add_related(
            data,
            maintype=maintype,
            subtype=subtype,
            cid=f"<{cids[name]}>",
            disposition="inline",
            filename=name,
        )
    html_part.set_boundary(boundary)
