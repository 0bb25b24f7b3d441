"""Each issuer of a release with its logo, as [issuers.<key>] in pressroom.toml describes it.

A joint release shows every issuer's logo. A translation names its issuers in
its own language ("Europäischer Auswärtiger Dienst"), so an issuer it does not
name as pressroom.toml does is found at the same place in its original's list.
Where the logo comes from depends on the output: a page links the file in
build/, the PDF loads it from the templates folder, and the email carries it
inside as a data: address, since a renderer reads no file and an email's
reader may be offline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pressroom.model import Issuer, Release, Settings


@dataclass(frozen=True, slots=True)
class Mark:
    """One issuer as a release shows it: the name as the release writes it, and its logo's address."""

    name: str
    src: str


def known(release: Release, settings: Settings) -> tuple[tuple[str, Issuer | None], ...]:
    """Each issuer's name as the release writes it, with its [issuers] entry if there is one."""
    names = release.issuers
    original = release.original.issuers if release.original is not None else ()
    fallback = original if len(original) == len(names) else names
    return tuple(
        (name, settings.issuer(name) or settings.issuer(other))
        for name, other in zip(names, fallback, strict=True)
    )


def marks(release: Release, settings: Settings, url: Callable[[str], str] | None) -> tuple[Mark, ...]:
    """The logos of a release's issuers that have one, in the release's order.

    `url` turns a logo's path under templates/ ("assets/issuers/eeas.svg") into
    the address the output uses; None gives data: addresses, for the email.
    """
    found = []
    for name, issuer in known(release, settings):
        if issuer is None or issuer.logo is None:
            continue
        src = url(issuer.logo) if url else f"data:{issuer.logo_type};base64,{issuer.logo_base64}"
        found.append(Mark(name, src))
    return tuple(found)


def short_line(release: Release, settings: Settings) -> str:
    """'EEAS · AUC · UNOWAS': the issuers by their short names where they have one."""
    return " · ".join(
        (issuer.short_name or name) if issuer else name for name, issuer in known(release, settings)
    )
