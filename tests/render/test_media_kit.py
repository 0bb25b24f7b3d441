"""A release's media kit in every output: the page, the body's references, the PDF, the email, the data."""

from __future__ import annotations

import io
import json
import re
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from PIL import Image

from helpers import NOW, SETTINGS
from pictures import jpeg, png
from pressroom.content.loader import load_newsroom
from pressroom.layout import SITE, STAFF, Files
from pressroom.render import kit, markup
from pressroom.render.exports import render_release_json
from pressroom.render.feeds import render_feed
from pressroom.render.html import render_release_page
from pressroom.render.mail import render_email
from pressroom.render.renditions import WEB_WIDTH, render_image, web_copies
from pressroom.render.summary import summarise
from pressroom.render.templating import environment
from pressroom.render.urls import Page
from pressroom.render.view import ReleaseView

SLUG = "harbour"
SITE_URL = "https://press.example.org/"
MEDIA = f"{SITE_URL}releases/{SLUG}/media/"
PHOTO, CHART, QA = jpeg(2400, 1600), png(800, 600), b"%PDF-1.4\n" + b"%" * 84_000
RELEASE = f"""\
---
title: The harbour opens
date: 2018-05-25
location: Brussels
status: approved
media:
  - file: harbour.jpg
    alt: A grey patrol vessel at the quay
    caption: The new harbour on its first morning
    credit: "Photo: Jane Doe / EEAS"
  - file: chart.png
    alt: A bar chart of ships by year
    caption: Ships a year since 2010
  - file: qa.pdf
    title: Questions and answers
---
The harbour opened today.

![Ships by year](media/chart.png)

Read [the questions and answers](media/qa.pdf), see <img src="../media/{SLUG}/harbour.jpg" alt="The quay">
and [the statement](https://example.org/statement).
"""
TRANSLATION = """\
---
title: Le port ouvre
date: 2018-05-25
location: Bruxelles
status: approved
media:
  - file: harbour.jpg
    alt: Un patrouilleur gris à quai
    caption: Le nouveau port à son premier matin
    credit: "Photo : Jane Doe / SEAE"
  - file: chart.png
    alt: Un graphique des navires par an
  - file: qa.pdf
    title: Questions et réponses
---
Le port a ouvert aujourd’hui. ![Navires par an](media/chart.png)
"""
X, KB = "\u00a0×\u00a0", "\u00a0kB"  # no line ends inside "2400 × 1600" or "84 kB"
EMBARGOED = RELEASE.replace("status: approved", "status: approved\nembargo: 2026-02-01T12:00:00+01:00")


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    root = tmp_path_factory.mktemp("kit-newsroom")
    files = {
        "pressroom.toml": SETTINGS,
        f"releases/{SLUG}.md": RELEASE,
        f"releases/{SLUG}.fr.md": TRANSLATION,
        f"media/{SLUG}/harbour.jpg": PHOTO,
        f"media/{SLUG}/chart.png": CHART,
        f"media/{SLUG}/qa.pdf": QA,
    }
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return load_newsroom(root)


@pytest.fixture(scope="module")
def env():
    return environment(None)


@pytest.fixture(scope="module")
def original(room):
    return ReleaseView(room.release(SLUG), room.settings, NOW)


@pytest.fixture(scope="module")
def french(room):
    return ReleaseView(room.translations_of(SLUG)[0], room.settings, NOW)


@pytest.fixture(scope="module")
def images(room):
    """The 1200-pixel copies the engine hands the PDF and the email."""
    r = room.release(SLUG)
    data = {"harbour.jpg": PHOTO, "chart.png": CHART}
    return web_copies(r.images, lambda m: data[m.name])


def page(env, view, area=SITE):
    folder = Files.of(view.release).folder
    return render_release_page(env, view, page=Page(area, folder.count("/")), pdf_url=None)


def tag(html: str, pattern: str) -> str:
    found = re.search(pattern, html, re.DOTALL)
    assert found, f"no {pattern!r} in the page"
    return found[0]


def attributes(img: str) -> dict[str, str]:
    return dict(re.findall(r'([a-z-]+)="([^"]*)"', img))


# -- the page ----------------------------------------------------------------------------


def test_the_lead_photo_is_a_figure_between_the_headline_and_the_body(env, original):
    html = page(env, original)
    figure = tag(html, r'<figure class="lead-image">.*?</figure>')
    assert html.index("</h1>") < html.index(figure) < html.index('<div class="body">')
    img = attributes(tag(figure, r"<img [^>]*>"))
    assert img == {
        "src": "media/1200/harbour.jpg",
        "srcset": "media/400/harbour.jpg 400w, media/1200/harbour.jpg 1200w",
        "sizes": kit.PAGE_SIZES,
        "width": "1200",
        "height": "800",
        "alt": "A grey patrol vessel at the quay",
        "loading": "eager",
        "fetchpriority": "high",
        "decoding": "async",
    }
    caption = tag(figure, r"<figcaption>.*?</figcaption>")
    assert "The new harbour on its first morning" in caption
    assert '<span class="credit">Photo: Jane Doe / EEAS</span>' in caption


def test_a_translation_links_the_kit_of_its_original_folder_in_its_own_words(env, french):
    html = page(env, french)
    img = attributes(tag(tag(html, r'<figure class="lead-image">.*?</figure>'), r"<img [^>]*>"))
    assert img["src"] == "../media/1200/harbour.jpg"
    assert img["srcset"] == "../media/400/harbour.jpg 400w, ../media/1200/harbour.jpg 1200w"
    assert img["alt"] == "Un patrouilleur gris à quai"
    assert "Photo : Jane Doe / SEAE" in html
    section = tag(html, r'<section class="media-kit">.*?</section>')
    assert "<h2>Kit média</h2>" in section
    assert '<a href="../media/qa.pdf" download>Questions et réponses</a>' in section
    assert "Document · PDF, 84\u202fko" in section
    assert (
        '<a href="../media/kit.zip" download="harbour-media.zip">Télécharger tout le kit (zip)</a>' in section
    )


def test_the_gallery_shows_the_other_photos_as_thumbnails_of_their_download_copy(env, original):
    gallery = tag(page(env, original), r'<ul class="gallery">.*?</ul>')
    assert "harbour.jpg" not in gallery  # the lead is above, not twice
    link = tag(gallery, r"<a [^>]*><img [^>]*></a>")
    assert link.startswith('<a href="media/chart.png">')
    img = attributes(tag(link, r"<img [^>]*>"))
    assert img["src"] == "media/400/chart.png"
    assert (img["width"], img["height"]) == ("400", "300")
    assert img["alt"] == "A bar chart of ships by year"
    assert img["loading"] == "lazy"
    assert "Ships a year since 2010" in gallery


def test_the_media_kit_lists_every_file_with_its_kind_format_and_size(env, original):
    section = tag(page(env, original), r'<section class="media-kit">.*?</section>')
    files = re.findall(
        r'<li><a href="([^"]+)" download>([^<]+)</a> <span class="kit-facts">([^<]+)</span>', section
    )
    photo, chart = round(len(PHOTO) / 1000), round(len(CHART) / 1000)
    assert files == [
        (
            "media/harbour.jpg",
            "The new harbour on its first morning",
            f"Photo · JPEG, 2400{X}1600, {photo}{KB}",
        ),
        ("media/chart.png", "Ships a year since 2010", f"Photo · PNG, 800{X}600, {chart}{KB}"),
        ("media/qa.pdf", "Questions and answers", f"Document · PDF, 84{KB}"),
    ]
    assert '<a href="media/kit.zip" download="harbour-media.zip">Download the whole kit (zip)</a>' in section
    assert "kit-note" not in section  # the page's links are beside it: nothing to wait for


def test_the_staff_page_links_its_own_copies(env, original):
    html = page(env, original, STAFF)
    assert 'src="media/1200/harbour.jpg"' in html
    assert 'href="media/kit.zip"' in html


def test_a_release_without_a_kit_shows_none_of_it(make_newsroom, env):
    root = make_newsroom({"releases/plain.md": RELEASE.split("media:")[0] + "---\nJust text.\n"})
    room = load_newsroom(root)
    html = page(env, ReleaseView(room.releases[0], room.settings, NOW))
    assert "lead-image" not in html
    assert "media-kit" not in html
    assert "og:image:width" not in html
    assert "summary_large_image" not in html


def test_a_withdrawn_release_shows_no_kit(make_newsroom, env):
    withdrawn = RELEASE.replace(
        "status: approved", "status: withdrawn\nwithdrawn:\n  date: 2018-06-01\n  text: Sent in error."
    )
    root = make_newsroom(
        {f"releases/{SLUG}.md": withdrawn, **{f"media/{SLUG}/{n}": d for n, d in _kit_files().items()}}
    )
    view = ReleaseView(load_newsroom(root).releases[0], load_newsroom(root).settings, NOW)
    html = page(env, view)
    assert "media/" not in html
    assert "og:image:width" not in html
    assert kit.shown_pictures(view) == ()


def _kit_files():
    return {"harbour.jpg": PHOTO, "chart.png": CHART, "qa.pdf": QA}


# -- references to the kit in the body --------------------------------------------------


def test_the_body_shows_its_kit_photo_at_the_page_width_and_links_the_download_copy(env, original):
    body = tag(page(env, original), r'<div class="body">.*?</div>')
    chart = attributes(tag(body, r'<img src="media/1200/chart.png"[^>]*>'))
    assert chart == {
        "src": "media/1200/chart.png",
        "srcset": "media/400/chart.png 400w, media/1200/chart.png 800w",
        "sizes": kit.PAGE_SIZES,
        "width": "800",
        "height": "600",
        "alt": "Ships by year",
        "loading": "lazy",
        "decoding": "async",
    }
    # ../media/<slug>/<file>, the path from the release file, means the same file.
    assert attributes(tag(body, r'<img src="media/1200/harbour.jpg"[^>]*>'))["alt"] == "The quay"
    assert '<a href="media/qa.pdf" rel="noopener">the questions and answers</a>' in body
    assert '<a href="https://example.org/statement" rel="noopener">' in body
    assert markup.KIT_SCHEME not in body


def test_a_translation_body_links_the_copies_relative_to_its_own_page(env, french):
    body = tag(page(env, french), r'<div class="body">.*?</div>')
    assert 'src="../media/1200/chart.png"' in body
    assert 'alt="Navires par an"' in body


def test_the_sanitiser_keeps_kit_references_and_drops_every_other_relative_address():
    def names(address: str) -> str | None:
        return {"media/a.jpg": "a.jpg", "media/q.pdf": "q.pdf"}.get(address)

    html = markup.to_html(
        '![A](media/a.jpg) ![B](img/b.jpg) [Q](media/q.pdf) [R](../r.pdf) <img src="media/a.jpg" alt="C">'
        ' <img src="pressroom-kit:a.jpg" alt="D"> [F](#fn:1)',
        kit=names,
    )
    assert html.count('src="pressroom-kit:a.jpg"') == 2  # the Markdown image and the raw one
    assert '<img alt="B">' in html
    assert 'href="pressroom-kit:q.pdf"' in html
    assert "r.pdf" not in html
    # No text can write the private scheme itself: it is not an allowed one.
    assert '<img alt="D">' in html
    # Without a kit, every relative address goes, as before.
    assert "src=" not in markup.to_html("![A](media/a.jpg)")


def test_rewrite_kit_escapes_what_it_writes_and_leaves_other_tags_alone():
    html = '<p><a href="pressroom-kit:q.pdf" title="x &gt; y">Q</a> <abbr title="A">A</abbr> <img src="pressroom-kit:a.jpg" alt="a &amp; b"></p>'
    seen = {}

    def image(name, attributes):
        seen[name] = dict(attributes)
        return '<img src="x.jpg?a=1&amp;b=2" alt="ok">'

    out = markup.rewrite_kit(html, image, lambda name: f"https://x.example/{name}?a=1&b=2")
    assert seen == {"a.jpg": {"alt": "a & b"}}
    assert '<a href="https://x.example/q.pdf?a=1&amp;b=2" title="x &gt; y">Q</a>' in out
    assert '<abbr title="A">A</abbr>' in out
    assert "pressroom-kit" not in out


def test_exports_and_feeds_carry_the_body_with_public_addresses(original):
    body = str(original.body_html)
    assert f'<img src="{MEDIA}1200/chart.png" width="800" height="600" alt="Ships by year">' in body
    assert f'<a href="{MEDIA}qa.pdf" rel="noopener">' in body
    assert "srcset" not in body and "loading" not in body


# -- the PDF ----------------------------------------------------------------------------


@pytest.mark.pdf
def test_the_pdf_places_the_lead_photo_on_page_one_and_lists_the_kit(env, room, original, images):
    from pypdf import PdfReader

    from pressroom.render.pdf import render_release_pdf
    from pressroom.render.templating import template_dirs

    pdf, warnings = render_release_pdf(env, original, template_dirs(room.templates), images=images)
    assert warnings == []
    reader = PdfReader(io.BytesIO(pdf))
    first = reader.pages[0]
    sizes = sorted(Image.open(io.BytesIO(i.data)).size for i in first.images)
    assert (1200, 800) in sizes  # the lead photo, as it was handed
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "The new harbour on its first morning" in text
    assert "Media kit" in text.replace("MEDIA KIT", "Media kit")
    assert "Questions and answers" in text and "Document · PDF, 84 kB" in text
    compact = text.replace(" ", "")
    assert f"{MEDIA}qa.pdf".replace(" ", "") in compact
    assert f"{MEDIA}kit.zip" in compact
    # The body's chart is placed too: both photos are in the document.
    every = [Image.open(io.BytesIO(i.data)).size for p in reader.pages for i in p.images]
    assert (800, 600) in every


@pytest.mark.pdf
def test_a_photo_not_handed_over_is_not_placed_but_still_listed(env, room, original):
    from pypdf import PdfReader

    from pressroom.render.pdf import render_release_pdf
    from pressroom.render.templating import template_dirs

    pdf, warnings = render_release_pdf(env, original, template_dirs(room.templates))
    assert warnings == []
    reader = PdfReader(io.BytesIO(pdf))
    assert not [i for p in reader.pages for i in p.images]
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "The new harbour on its first morning" in text


@pytest.mark.pdf
def test_the_pdf_fetcher_answers_kit_addresses_from_the_bytes_handed_and_nothing_else():
    from pressroom.render.pdf import render_pdf
    from pressroom.render.templating import DEFAULT_TEMPLATES

    html = (
        '<html lang="en"><img src="pressroom-media:there.jpg" alt="x">'
        '<img src="pressroom-media:..%2Fsecret.jpg" alt="y"></html>'
    )
    _, warnings = render_pdf(
        html, base=DEFAULT_TEMPLATES, roots=[DEFAULT_TEMPLATES], media={"there.jpg": jpeg(60, 40)}
    )
    assert len(warnings) == 1
    assert "no such photo was handed to the PDF" in warnings[0]


# -- the email --------------------------------------------------------------------------


def parsed(message: EmailMessage):
    return message_from_bytes(message.as_bytes(), policy=policy.default)


def plain(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_the_email_carries_the_lead_photo_as_a_related_part_of_its_html(env, original, images):
    message = parsed(render_email(env, original, images={"harbour.jpg": images["harbour.jpg"]}))
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, photo = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert photo.get_content_type() == "image/jpeg"
    assert photo.get_content_disposition() == "inline"
    assert photo.get_filename() == "harbour.jpg"
    assert photo.get_content() == images["harbour.jpg"]
    cid = photo["Content-ID"].strip("<>")
    html = html_part.get_content()
    img = attributes(tag(tag(html, r'<figure class="lead-image".*?</figure>'), r"<img [^>]*>"))
    assert img["src"] == f"cid:{cid}"
    assert (img["width"], img["height"]) == ("600", "400")
    assert img["alt"] == "A grey patrol vessel at the quay"
    assert "max-width: 600px" in img["style"]
    assert "Photo: Jane Doe / EEAS" in html
    # The body's chart was not handed over: not shown, and no remote image instead.
    assert "chart.png" not in tag(html, r'<div class="body".*?</div>')


def test_the_email_lists_the_downloads_in_both_parts_with_their_public_addresses(env, original, images):
    message = parsed(render_email(env, original, images=images))
    text = plain(message)
    section = text[text.index("MEDIA KIT") :]
    for address in ("harbour.jpg", "chart.png", "qa.pdf", "kit.zip"):
        assert f"  {MEDIA}{address}\n" in section
    assert f"- Questions and answers (Document · PDF, 84{KB}):" in section
    assert "[Ships by year]" in text  # a photo in the text part: its alt text, as ever
    assert f"the questions and answers <{MEDIA}qa.pdf>" in " ".join(text.split())
    html = message.get_body(("html",)).get_content()
    assert f'href="{MEDIA}kit.zip"' in html
    assert f'href="{MEDIA}qa.pdf"' in html
    assert "Online from" not in text  # public already


def test_an_embargoed_email_says_from_when_its_addresses_answer(make_newsroom, env):
    root = make_newsroom(
        {f"releases/{SLUG}.md": EMBARGOED, **{f"media/{SLUG}/{n}": d for n, d in _kit_files().items()}}
    )
    room = load_newsroom(root)
    view = ReleaseView(room.releases[0], room.settings, NOW)
    text = plain(parsed(render_email(env, view)))
    assert "Online from 1 February 2026, 12:00 CET (11:00 UTC), when the release is\npublished." in text


def test_the_email_shows_the_body_photos_it_is_handed_once_each(env, original, images):
    message = parsed(render_email(env, original, images=images))
    related = message.get_payload()[1]
    parts = related.get_payload()[1:]
    assert [p.get_filename() for p in parts] == ["harbour.jpg", "chart.png"]
    html = related.get_payload()[0].get_content()
    for p in parts:
        assert html.count(f'src="cid:{p["Content-ID"].strip("<>")}"') >= 1


def test_the_email_is_the_same_bytes_for_the_same_photos(env, original, images):
    first = render_email(env, original, images=images).as_bytes()
    assert first == render_email(env, original, images=images).as_bytes()
    assert first != render_email(env, original, images={}).as_bytes()


# -- what machines read -------------------------------------------------------------------


def test_link_previews_and_json_ld_show_the_lead_photo(env, original):
    html = page(env, original)
    photo = f"{MEDIA}1200/harbour.jpg"
    assert f'<meta property="og:image" content="{photo}">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta property="og:image:height" content="800">' in html
    assert '<meta property="og:image:alt" content="A grey patrol vessel at the quay">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    data = json.loads(tag(html, r'(?<=<script type="application/ld\+json">).*?(?=</script>)'))
    assert data["image"] == {
        "@type": "ImageObject",
        "url": photo,
        "contentUrl": photo,
        "width": 1200,
        "height": 800,
        "caption": "The new harbour on its first morning",
        "creditText": "Photo: Jane Doe / EEAS",
    }


def test_release_json_lists_the_kit_with_its_addresses(original):
    data = json.loads(render_release_json(original, html_url=f"{SITE_URL}releases/{SLUG}/", pdf_url=None))
    assert data["kit_url"] == f"{MEDIA}kit.zip"
    photo, _chart, qa = data["media"]
    assert photo == {
        "name": "harbour.jpg",
        "kind": "image",
        "title": None,
        "caption": "The new harbour on its first morning",
        "alt": "A grey patrol vessel at the quay",
        "credit": "Photo: Jane Doe / EEAS",
        "url": f"{MEDIA}harbour.jpg",
        "mime": "image/jpeg",
        "size": len(PHOTO),
        "width": 2400,
        "height": 1600,
        "web_url": f"{MEDIA}1200/harbour.jpg",
    }
    assert qa["kind"] == "document" and qa["title"] == "Questions and answers"
    assert qa["url"] == f"{MEDIA}qa.pdf" and qa["size"] == len(QA)
    assert "web_url" not in qa
    assert "digest" not in photo and "line" not in photo


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_entries_enclose_the_lead_photo(original, images, kind):
    summary = summarise(original, images=images)
    length = len(images["harbour.jpg"])
    feed = render_feed(
        kind, [summary], original.settings, title="News", page_path="", feed_path=f"{kind}.xml"
    ).decode()
    element = tag(feed, r"<enclosure [^>]*>" if kind == "rss" else r'<link [^>]*rel="enclosure"[^>]*>')
    assert attributes(element) == {
        "url" if kind == "rss" else "href": f"{MEDIA}1200/harbour.jpg",
        "length": str(length),
        "type": "image/jpeg",
        **({} if kind == "rss" else {"rel": "enclosure"}),
    }


def test_the_dimensions_written_are_those_of_the_published_copies():
    for width, height in ((2400, 1600), (1201, 7), (1999, 1333), (800, 600), (5000, 3)):
        copy = render_image(jpeg(width, height), WEB_WIDTH)
        assert kit.fitted(width, height, WEB_WIDTH) == (copy.width, copy.height)
