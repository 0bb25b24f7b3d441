"""Translations (releases/<slug>.<lang>.md): loading, the public rule, the outdated flag, and every
output in the translation's language: dates through Babel, labels through the message catalogues."""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from babel.messages import checkers
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from conftest import REPO
from helpers import EMBARGO, SETTINGS
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build
from pressroom.errors import Severity
from pressroom.layout import Files
from pressroom.model import Release, Status, Visibility, is_public, language_versions, source_hash
from pressroom.render.html import render_release_page
from pressroom.render.mail import render_email
from pressroom.render.templating import DEFAULT_TEMPLATES, environment, template_dirs
from pressroom.render.urls import Page
from pressroom.render.view import ReleaseView

BEFORE = EMBARGO - timedelta(seconds=1)
AFTER = EMBARGO + timedelta(hours=1)
PARAGRAPH = (
    "The dialogue covered the prevention of violent extremism, the protection of critical "
    "infrastructure and the financing of terrorism, with a view to joint action in 2019. "
) * 3
ABSATZ = (
    "Der Dialog befasste sich mit der Prävention von gewaltbereitem Extremismus, dem Schutz "
    "kritischer Infrastrukturen und der Terrorismusfinanzierung, mit Blick auf gemeinsame Maßnahmen 2019. "
) * 3

ORIGINAL = f"""\
---
title: EU and UN strengthen their partnership on counter-terrorism
date: 2018-05-25
location: Brussels
issuers: [European External Action Service]
reference: EEAS/PR/2018/05
language: en
status: approved
embargo: {EMBARGO.isoformat()}
tags: [counter-terrorism]
attendees:
  - name: Federica Mogherini
    role: High Representative
    organization: European Union
background: |
  The Office of Counter-Terrorism was established in June 2017.
links:
  - title: UN counter-terrorism
    url: https://www.un.org/counterterrorism
contacts:
  - name: Maja Kocijancic
    role: Spokesperson
    email: maja.kocijancic@ec.europa.eu
---
The first high-level dialogue took place today.

{PARAGRAPH}
"""


def french(*, status: str = "approved", translated_from: str | None = None, extra: str = "") -> str:
    made_from = source_hash(ORIGINAL) if translated_from is None else translated_from
    return f"""\
---
translated_from: {made_from}
title: L’UE et l’ONU renforcent leur partenariat dans la lutte contre le terrorisme
location: Bruxelles
status: {status}
{extra}attendees:
  - name: Federica Mogherini
    role: Haute représentante
    organization: Union européenne
background: |
  Le Bureau de lutte contre le terrorisme a été créé en juin 2017.
links:
  - title: La lutte contre le terrorisme aux Nations Unies
    url: https://www.un.org/counterterrorism
---
Le premier dialogue de haut niveau a eu lieu aujourd’hui.
"""


def german(*, paragraphs: int = 1) -> str:
    body = "\n\n".join(f"Punkt {i}. {ABSATZ}" for i in range(1, paragraphs + 1))
    return f"""\
---
translated_from: {source_hash(ORIGINAL)}
title: EU und UN stärken ihre Partnerschaft bei der Terrorismusbekämpfung
location: Brüssel
status: approved
attendees:
  - name: Federica Mogherini
    role: Hohe Vertreterin
    organization: Europäische Union
background: |
  Das Büro für Terrorismusbekämpfung wurde im Juni 2017 eingerichtet.
links:
  - title: Terrorismusbekämpfung bei den Vereinten Nationen
    url: https://www.un.org/counterterrorism
---
Der erste hochrangige Dialog fand heute statt.

{body}
"""


@pytest.fixture
def newsroom(make_newsroom):
    def make(fr: str | None = None, de: str | None = None, original: str = ORIGINAL):
        files = {"releases/eu-un.md": original, "releases/eu-un.fr.md": fr or french()}
        if de is not None:
            files["releases/eu-un.de.md"] = de
        return load_newsroom(make_newsroom(files))

    return make


def version(newsroom, key: str) -> Release:
    release = next((r for r in (*newsroom.releases, *newsroom.translations) if r.key == key), None)
    assert release is not None, key
    return release


def shown(newsroom, slug: str, now: datetime, area: str) -> list[Release]:
    """The versions of a release an area shows, as the build hands them to `language_versions`."""
    versions = [newsroom.release(slug), *newsroom.translations_of(slug)]
    return [v for v in versions if area == "staff" or is_public(v, now)]


def page(newsroom, key: str, now: datetime, area: str = "site") -> str:
    release = version(newsroom, key)
    view = ReleaseView(release, newsroom.settings, now, templates=newsroom.templates)
    return render_release_page(
        environment(newsroom.templates),
        view,
        page=Page(area, depth=Files.of(release).folder.count("/")),
        pdf_url="eu-un.fr.pdf",
        versions=language_versions(shown(newsroom, release.slug, now, area)),
    )


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# -- loading -------------------------------------------------------------------------


def test_a_translation_states_its_text_and_inherits_the_rest(newsroom):
    room = newsroom()
    original, fr = version(room, "eu-un"), version(room, "eu-un.fr")
    assert [r.key for r in room.releases] == ["eu-un"]  # Newsroom.releases stays originals only
    assert room.translations == (fr,) == room.translations_of(original) == room.translations_of("eu-un")
    assert (fr.slug, fr.key, fr.language, fr.translation_of, fr.path) == (
        "eu-un",
        "eu-un.fr",
        "fr",
        "eu-un",
        "releases/eu-un.fr.md",
    )
    assert (fr.title, fr.location, fr.status) == (
        "L’UE et l’ONU renforcent leur partenariat dans la lutte contre le terrorisme",
        "Bruxelles",
        Status.APPROVED,
    )
    assert fr.attendees[0].role == "Haute représentante"
    assert fr.links[0].title == "La lutte contre le terrorisme aux Nations Unies"
    # Stated by the original only, and taken from it:
    assert (fr.date, fr.embargo, fr.published) == (original.date, original.embargo, original.published)
    assert (fr.issuers, fr.reference, fr.tags, fr.contacts) == (
        original.issuers,
        original.reference,
        original.tags,
        original.contacts,
    )
    assert fr.original is original and fr.translated_from == original.source_hash
    assert not fr.is_outdated and original.key == "eu-un" and not original.is_translation
    assert room.warnings == ()


def test_a_translation_may_repeat_its_originals_date_and_embargo_and_translate_its_issuers(newsroom):
    # The same instant written in another zone is the same embargo.
    extra = f"date: 2018-05-25\nembargo: {EMBARGO.astimezone(UTC).isoformat()}\n"
    extra += "issuers: [Service européen pour l’action extérieure]\n"
    fr = version(newsroom(french(extra=extra)), "eu-un.fr")
    assert fr.embargo == EMBARGO
    assert fr.issuers == ("Service européen pour l’action extérieure",)


def test_a_translation_missing_an_attendee_or_a_link_is_a_warning(newsroom):
    text = french().replace(
        "links:\n  - title: La lutte contre le terrorisme aux Nations Unies\n"
        "    url: https://www.un.org/counterterrorism\n",
        "",
    )
    room = newsroom(text)
    assert [str(p) for p in room.warnings] == [
        "releases/eu-un.fr.md:2: warning: links: 1 in releases/eu-un.md, 0 here: "
        "is one missing from the translation?"
    ]


def test_translations_come_in_the_order_of_their_originals_then_by_language(make_newsroom):
    other = ORIGINAL.replace("date: 2018-05-25", "date: 2018-05-24").replace(
        f"embargo: {EMBARGO.isoformat()}\n", ""
    )
    room = load_newsroom(
        make_newsroom(
            {
                "releases/eu-un.md": ORIGINAL,
                "releases/eu-un.fr.md": french(),
                "releases/eu-un.de.md": german(),
                "releases/older.md": other,
                "releases/older.fr.md": french(translated_from=source_hash(other)),
            }
        )
    )
    assert [t.key for t in room.translations] == ["eu-un.de", "eu-un.fr", "older.fr"]
    assert room.translations_of("older") == (room.translations[2],)


# -- the source hash and the outdated flag -------------------------------------------


def test_the_source_hash_is_12_hex_digits_of_sha256_over_the_text_without_its_status_line():
    assert re.fullmatch(r"[0-9a-f]{12}", source_hash(ORIGINAL))
    # Approving the original does not make its translations outdated ...
    assert source_hash(ORIGINAL.replace("status: approved", "status: draft")) == source_hash(ORIGINAL)
    assert source_hash(ORIGINAL.replace("status: approved\n", "")) == source_hash(ORIGINAL)
    # ... any other edit does, even in the body, even of one character.
    assert source_hash(ORIGINAL.replace("today.", "today!")) != source_hash(ORIGINAL)
    # A `status:` line in the body is text like any other.
    assert source_hash(ORIGINAL + "status: x\n") != source_hash(ORIGINAL)


def test_the_source_hash_ignores_a_bom_and_windows_line_ends(make_newsroom):
    data = b"\xef\xbb\xbf" + ORIGINAL.replace("\n", "\r\n").encode()
    room = load_newsroom(make_newsroom({"releases/eu-un.md": data, "releases/eu-un.fr.md": french()}))
    assert version(room, "eu-un").source_hash == source_hash(ORIGINAL)
    assert not version(room, "eu-un.fr").is_outdated


def test_a_translation_of_an_earlier_text_is_possibly_outdated(newsroom):
    room = newsroom(french(translated_from="0123456789ab"))
    fr = version(room, "eu-un.fr")
    assert fr.is_outdated
    now = source_hash(ORIGINAL)
    assert [(str(p), p.severity) for p in room.warnings] == [
        (
            f"releases/eu-un.fr.md:2: warning: translated_from: releases/eu-un.md has changed since this "
            f"translation was made (0123456789ab, now {now}): the translation may be out of date; "
            f"bring it up to date, then set translated_from: {now}",
            Severity.WARNING,
        )
    ]


def test_without_translated_from_nothing_is_claimed(newsroom):
    fr = version(newsroom(french().replace(f"translated_from: {source_hash(ORIGINAL)}\n", "")), "eu-un.fr")
    assert fr.translated_from is None and not fr.is_outdated


def test_the_outdated_note_and_the_switcher_mark_on_the_page(newsroom):
    room = newsroom(french(translated_from="0123456789ab"), german())
    html = page(room, "eu-un.fr", AFTER)
    note = re.search(r'<p class="note note-outdated" role="note">(.*?)</p>', html, re.S)
    assert note is not None
    assert text_of(note[1]) == (
        # text_of() folds the no-break space French puts before a colon into a space.
        "Cette traduction n’est peut-être plus à jour : "
        "l’original a été modifié depuis qu’elle a été faite. Lire l’original"
    )
    assert 'href="../../../releases/eu-un/" hreflang="en" lang="en">Lire l’original</a>' in note[1]
    # The German page is current: no note, but its switcher marks the French version.
    de = page(room, "eu-un.de", AFTER)
    assert "note-outdated" not in de
    assert (
        '<a href="../../../releases/eu-un/fr/" hreflang="fr" lang="fr">français</a> '
        '<small class="outdated">(möglicherweise veraltet)</small>'
    ) in de
    assert "note-outdated" not in page(newsroom(), "eu-un.fr", AFTER)


# -- the one public rule -------------------------------------------------------------


def test_a_draft_translation_of_a_public_original_is_not_public(newsroom):
    room = newsroom(french(status="draft"))
    original, fr = version(room, "eu-un"), version(room, "eu-un.fr")
    assert is_public(original, AFTER) and original.is_public(AFTER)
    assert not is_public(fr, AFTER) and not fr.is_public(AFTER)
    assert fr.visibility(AFTER) is Visibility.DRAFT and original.visibility(AFTER) is Visibility.PUBLIC


def test_an_approved_translation_of_an_embargoed_original_waits_for_the_embargo(newsroom):
    room = newsroom()
    fr = version(room, "eu-un.fr")
    assert not is_public(fr, BEFORE) and fr.is_embargoed(BEFORE)
    assert fr.visibility(BEFORE) is Visibility.EMBARGOED
    assert is_public(fr, EMBARGO) and fr.visibility(EMBARGO) is Visibility.PUBLIC


def test_an_approved_translation_of_a_draft_original_is_never_public(newsroom):
    room = newsroom(original=ORIGINAL.replace("status: approved", "status: draft"))
    fr = version(room, "eu-un.fr")
    assert fr.status is Status.APPROVED and not fr.is_outdated  # approving is no edit
    assert not is_public(fr, AFTER + timedelta(days=3650))
    assert fr.visibility(AFTER) is Visibility.WITHHELD  # approved, its original is not public


def test_a_translation_without_its_original_is_never_public(newsroom):
    from dataclasses import replace

    fr = replace(version(newsroom(), "eu-un.fr"), original=None)
    assert not is_public(fr, AFTER)


# -- localised dates and labels: the page --------------------------------------------


def test_the_french_page_speaks_french(newsroom):
    room = newsroom(de=german())
    html = page(room, "eu-un.fr", BEFORE, area="staff")
    text = text_of(html)
    assert '<html lang="fr">' in html
    assert "SOUS EMBARGO JUSQU’AU 25 mai 2018 à 12:00 CEST (10:00 UTC)" in text
    assert "Sous embargo : ne pas publier avant le 25 mai 2018 à 12:00 CEST (10:00 UTC)" in text
    assert "Bruxelles, le 25 mai 2018 – Le premier dialogue de haut niveau a eu lieu aujourd’hui." in text
    for label in ("Communiqué de presse", "Participants", "Contexte", "Pour plus d’informations"):
        assert f">{label}<" in html, label
    assert "Contacts presse" in text and "À propos de Test Press Office" in text
    assert "Télécharger le PDF" in text and "Espace presse" in text
    for english in ("Background", "For more information", "Download the PDF", "EMBARGOED"):
        assert english not in text, english


def test_the_listings_of_a_french_newsroom_speak_french(make_newsroom):
    # The pages of no one release (home, archive, topics, search, 404) take the newsroom's language.
    settings = SETTINGS.replace('language = "en-GB"', 'language = "fr"')
    original = ORIGINAL.replace("language: en\n", "")
    root = make_newsroom({"releases/eu-un.md": original}, settings=settings)
    build(load_newsroom(root), AFTER, formats=("html",))
    for area in ("site", "staff"):
        home = (root / "build" / area / "index.html").read_text()
        assert "Tous les communiqués, par année" in home and "Espace presse" in home
        assert "All press releases, by year" not in home and ">Newsroom<" not in home
        archive = text_of((root / "build" / area / "archive" / "index.html").read_text())
        assert "Archives" in archive and "Archive " not in archive
        year = text_of((root / "build" / area / "archive" / "2018" / "index.html").read_text())
        assert "Communiqués de presse de 2018" in year and "Press releases of 2018" not in year
        assert "Page introuvable" in (root / "build" / area / "404.html").read_text()


def test_the_german_page_speaks_german_and_the_original_stays_english(newsroom):
    room = newsroom(de=german())
    text = text_of(page(room, "eu-un.de", AFTER))
    assert "ZUR SOFORTIGEN VERÖFFENTLICHUNG" in text
    assert "Brüssel, 25. Mai 2018 – Der erste hochrangige Dialog fand heute statt." in text
    assert "Hintergrund" in text and "Weitere Informationen" in text and "PDF herunterladen" in text
    # One environment for all languages: the English page after the German one is English.
    english = text_of(page(room, "eu-un", AFTER))
    assert "FOR IMMEDIATE RELEASE" in english and "Brussels, 25 May 2018 –" in english
    assert "Background" in english and "Hintergrund" not in english


def test_the_page_links_every_public_language_version(newsroom):
    room = newsroom(de=german().replace("status: approved", "status: draft"))
    html = page(room, "eu-un.fr", AFTER)
    base = "https://press.example.org/releases/eu-un/"
    assert f'<link rel="canonical" href="{base}fr/">' in html
    alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)
    # The German draft is not on the public site, so neither in hreflang nor in the switcher.
    assert alternates == [("en", base), ("fr", f"{base}fr/"), ("x-default", base)]
    switcher = re.search(r'<nav class="languages" aria-label="Langues">(.*?)</nav>', html, re.S)
    assert switcher is not None
    assert re.findall(r">([^<>]+)</(?:a|span)>", switcher[1]) == ["English", "français"]
    assert '<span aria-current="page" lang="fr">français</span>' in switcher[1]
    # In the staff tree, every version, the draft too, linked as files.
    staff = page(room, "eu-un.fr", AFTER, area="staff")
    assert 'href="../../../releases/eu-un/de/index.html" hreflang="de" lang="de">Deutsch</a>' in staff


def test_a_page_without_other_versions_has_no_switcher_and_no_hreflang(newsroom):
    room = newsroom(french(status="draft"))
    html = page(room, "eu-un", AFTER)
    assert "hreflang" not in html and '<nav class="languages"' not in html


def test_language_versions_labels_each_language_in_itself(newsroom):
    room = newsroom(de=german())
    versions = language_versions(shown(room, "eu-un", AFTER, "site"))
    assert [(v.language, v.label, v.path, v.outdated) for v in versions] == [
        ("en", "English", "releases/eu-un/", False),
        ("de", "Deutsch", "releases/eu-un/de/", False),
        ("fr", "français", "releases/eu-un/fr/", False),
    ]
    # The page they are shown on links them relative to itself, and marks itself.
    html = page(room, "eu-un", AFTER)
    assert '<span aria-current="page" lang="en">English</span>' in html
    assert '<a href="../../releases/eu-un/de/" hreflang="de" lang="de">Deutsch</a>' in html
    assert '<link rel="alternate" hreflang="de" href="https://press.example.org/releases/eu-un/de/">' in html


def test_a_newsroom_catalogue_overrides_one_label_and_keeps_the_rest(make_newsroom):
    po = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Background"\nmsgstr "Note aux rédactions"\n'
    root = make_newsroom(
        {
            "releases/eu-un.md": ORIGINAL,
            "releases/eu-un.fr.md": french(),
            "templates/locale/fr/LC_MESSAGES/messages.po": po,
        }
    )
    room = load_newsroom(root)
    fr = version(room, "eu-un.fr")
    env = environment(room.templates)
    # A view made without the newsroom's templates/ still gets its labels: the renderer
    # sees the environment's folders and makes the view over.
    for view in (
        ReleaseView(fr, room.settings, AFTER),
        ReleaseView(fr, room.settings, AFTER, room.templates),
    ):
        text = text_of(render_release_page(env, view, page=Page("site", 3), pdf_url=None))
        assert "Note aux rédactions" in text and "Contexte" not in text
        assert "Pour plus d’informations" in text  # the rest from the house style


# -- the PDF -------------------------------------------------------------------------


def pdf_text(room, key: str, now: datetime) -> tuple[str, object]:
    from pypdf import PdfReader

    from pressroom.render.pdf import render_release_pdf

    view = ReleaseView(version(room, key), room.settings, now, templates=room.templates)
    pdf, warnings = render_release_pdf(environment(room.templates), view, template_dirs(room.templates))
    assert warnings == []
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(p.extract_text() for p in reader.pages), reader


@pytest.mark.pdf
def test_the_german_pdf_speaks_german(newsroom):
    room = newsroom(de=german(paragraphs=6))
    text, reader = pdf_text(room, "eu-un.de", BEFORE)
    flat = " ".join(text.split())
    assert len(reader.pages) == 2
    assert "Seite 1 von 2" in flat and "Seite 2 von 2" in flat
    assert "-mehr-" in flat and "-more-" not in flat
    assert "SPERRFRIST BIS 25. Mai 2018, 12:00 Uhr CEST (10:00 UTC)" in flat
    assert "Brüssel, 25. Mai 2018 –" in flat
    assert "HINTERGRUND" in flat.upper() and "Background" not in flat
    assert "PRESSEMITTEILUNG" in flat.upper()
    assert reader.trailer["/Root"]["/Lang"] == "de"
    assert reader.metadata.title == "EU und UN stärken ihre Partnerschaft bei der Terrorismusbekämpfung"


@pytest.mark.pdf
def test_the_french_pdf_speaks_french(newsroom):
    text, reader = pdf_text(newsroom(), "eu-un.fr", AFTER)
    flat = " ".join(text.split())
    assert "Page 1 sur 1" in flat
    assert "POUR DIFFUSION IMMÉDIATE" in flat and "Bruxelles, le 25 mai 2018 –" in flat
    assert "CONTEXTE" in flat.upper() and "COMMUNIQUÉ DE PRESSE" in flat.upper()
    assert reader.trailer["/Root"]["/Lang"] == "fr"


# -- the email -----------------------------------------------------------------------


def parsed(room, key: str, now: datetime):
    view = ReleaseView(version(room, key), room.settings, now, templates=room.templates)
    data = render_email(environment(room.templates), view).as_bytes()
    return BytesParser(policy=policy.default).parsebytes(data)


def test_the_french_email_speaks_french(newsroom):
    message = parsed(newsroom(), "eu-un.fr", BEFORE)
    assert message["Subject"] == (
        "SOUS EMBARGO JUSQU’AU 25 mai 2018 à 12:00 CEST (10:00 UTC) – "
        "L’UE et l’ONU renforcent leur partenariat dans la lutte contre le terrorisme"
    )
    assert message["Content-Language"] == "fr"
    assert message["Message-ID"].startswith("<eu-un.fr.")
    plain = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    for line in ("PARTICIPANTS", "CONTEXTE", "POUR PLUS D’INFORMATIONS", "CONTACTS PRESSE"):
        assert f"\n{line}\n" in plain, line
    assert "Bruxelles, le 25 mai 2018 – Le premier dialogue" in plain
    html = message.get_body(("html",)).get_content()
    assert ">Contexte<" in html and 'lang="fr"' in html


def test_a_draft_translation_says_so_in_its_language(newsroom):
    message = parsed(
        newsroom(french(status="draft"), german().replace("approved", "draft")), "eu-un.de", AFTER
    )
    assert message["Subject"] == (
        "[ENTWURF] EU und UN stärken ihre Partnerschaft bei der Terrorismusbekämpfung"
    )
    assert (
        "*** ENTWURF – nicht zur Veröffentlichung freigegeben ***"
        in message.get_body(("plain",)).get_content()
    )


# -- the catalogues ------------------------------------------------------------------


def _extracted() -> set[str]:
    """Every message of the house style, extracted as `make messages` does."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    ignore = {"build", "tests", "bench"}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO),
        method_map,
        options_map,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
        directory_filter=lambda path: Path(path).name not in ignore and not Path(path).name.startswith("."),
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalogue(language: str):
    with (DEFAULT_TEMPLATES / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    found = _extracted()
    assert {"Background", "Page", "of", "-more-", "FOR IMMEDIATE RELEASE", "[DRAFT] %(subject)s"} <= found
    return found


@pytest.mark.parametrize("language", ["fr", "de", "es", "it", "pt", "nl", "pl"])
def test_every_label_is_translated(extracted, language):
    catalog = _catalogue(language)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else (m.string,))
    }
    missing = sorted(extracted - translated)
    assert missing == [], f"untranslated in {language}: run `make messages`, then translate {missing}"


@pytest.mark.parametrize("language", ["en", "fr", "de", "es", "it", "pt", "nl", "pl"])
def test_every_catalogue_holds_every_label_and_keeps_its_placeholders(extracted, language):
    catalog = _catalogue(language)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    assert sorted(extracted - ids) == []
    for message in catalog:
        if message.id and message.string:
            for check in (checkers.python_format,):
                check(catalog, message)  # raises TranslationError for a lost or added %(name)s


def test_catalogues_are_compiled_once_per_process():
    from pressroom.render.templating import catalogue

    assert catalogue("fr", None) is catalogue("fr", None)
    assert catalogue("de_CH", None).gettext("Background") == "Hintergrund"  # de_CH falls back to de
    assert catalogue("sv", None).gettext("Background") == "Background"  # no catalogue: as written


def test_labels_cost_little_per_page(newsroom):
    """The build renders thousands of pages with one environment: a language must not make it slower."""
    room = newsroom(de=german())
    env = environment(room.templates)

    def render(key: str) -> float:
        release = version(room, key)
        started = time.perf_counter()
        for _ in range(30):
            view = ReleaseView(release, room.settings, AFTER, templates=room.templates)
            render_release_page(env, view, page=Page("site", 3), pdf_url=None)
        return time.perf_counter() - started

    render("eu-un.de"), render("eu-un")  # warm the caches
    assert render("eu-un.de") < 3 * render("eu-un") + 0.05


# -- the sample newsroom's translations ----------------------------------------------

SEED = "2018-05-25-eu-un-strengthen-partnership-on-counter-terrorism"
JOINT = "2026-10-14-eu-au-and-un-agree-joint-priorities-for-maritime-security"


@pytest.fixture(scope="module")
def sample():
    return load_newsroom(REPO)


def test_the_sample_translations_are_current_and_public_with_their_original(sample):
    assert [t.key for t in sample.translations] == [f"{JOINT}.it", f"{SEED}.de", f"{SEED}.fr"]
    assert sample.warnings == ()  # translated_from names the seed as it is
    assert all(not t.is_outdated and t.is_public(t.published) for t in sample.translations)
    assert [t.location for t in sample.translations] == ["Addis Abeba", "Brüssel", "Bruxelles"]


def test_the_sample_pages_and_emails_speak_their_language(sample):
    fr, de = text_of(page(sample, f"{SEED}.fr", AFTER)), text_of(page(sample, f"{SEED}.de", AFTER))
    assert "Bruxelles, le 25 mai 2018 – Federica Mogherini, haute représentante" in fr
    assert "Brüssel, 25. Mai 2018 – Federica Mogherini, Hohe Vertreterin" in de
    assert "Contexte" in fr and "Hintergrund" in de
    assert "Service européen pour l’action extérieure" in fr and "Europäischer Auswärtiger Dienst" in de
    plain = parsed(sample, f"{SEED}.de", AFTER).get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "\nHINTERGRUND\n" in plain and "\nPRESSEKONTAKTE\n" in plain and "Ms. Gerard" in plain


@pytest.mark.pdf
def test_the_sample_german_pdf(sample):
    text, reader = pdf_text(sample, f"{SEED}.de", AFTER)
    flat = " ".join(text.split())
    pages = len(reader.pages)
    assert pages >= 2
    assert f"Seite 1 von {pages}" in flat and "-mehr-" in flat
    assert "Brüssel, 25. Mai 2018 –" in flat and "HINTERGRUND" in flat.upper()
