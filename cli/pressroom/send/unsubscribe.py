"""The List-Unsubscribe headers of a list send (RFC 2369), with one-click unsubscribing (RFC 8058).

Mail providers show an "Unsubscribe" button for these headers and, for bulk
mail, expect them; without one a journalist who no longer wants releases has
only the spam button. `unsubscribe` under [email] in pressroom.toml may be an
https address (one click: a POST to it, RFC 8058, which needs https) or a
mailto: address; `{email}` and `{list}` in it stand for the recipient and the
list, URL-encoded. Without it, a mail to the sender asking to unsubscribe. The
addresses are written as addresses.py writes them for the envelope.
A proof (`--test-to`) goes to one person, not to a list: it has none.
"""

from __future__ import annotations

from urllib.parse import quote

from pressroom.addresses import envelope_address, parse_mailbox
from pressroom.model import Settings


def headers(settings: Settings, list_name: str, address: str) -> list[tuple[str, str]]:
    """(name, value) of the headers to add to one recipient's message of a list send."""
    target = settings.email_unsubscribe
    if not target:
        sender = envelope_address(parse_mailbox(settings.email_from).addr_spec)
        target = f"mailto:{sender}?subject={quote(f'unsubscribe {list_name}')}"
    # Addresses as the envelope carries them (an international domain in its ASCII form), then URL-encoded.
    email = quote(envelope_address(address), safe="@")
    target = target.replace("{email}", email).replace("{list}", quote(list_name, safe=""))
    found = [("List-Unsubscribe", f"<{target}>")]
    if target.startswith("https://"):
        found.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    return found
