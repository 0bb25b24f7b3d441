"""The preview in a real browser: Playwright driving Debian's Chromium against `pressroom serve`.

What a communications officer sees: she opens a release, saves its file in
her editor, and the page shows the change without her touching it; a typo in
the front matter puts the problem over the page, naming the file and the line,
and saving the fix brings the page back. The PDF and the email follow too.

Chromium is the system one (/usr/bin/chromium, from scripts/browser-deps), shared
by every browser test through the `browser` fixture of conftest.py; `playwright
install` is never used. Without it these tests skip locally and fail in CI.
"""

from __future__ import annotations

import io
import re
import time
import urllib.request

import pytest
from serving import Server

from helpers import EMBARGO, release

SLUG = "2018-05-25-eu-un-counter-terrorism"
NOW = "2018-05-20T09:00:00+02:00"  # before the embargo: a staff-only release with its banner
WAIT_MS = 60_000  # a PDF on two busy cores

pytestmark = pytest.mark.browser


def page_text(title: str) -> str:
    """The release the browser tests edit: before NOW, it is under embargo."""
    return release(
        title,
        embargo=EMBARGO.isoformat(),
        body="Federica Mogherini and Vladimir Voronkov met today in Brussels.",
    )


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def newsroom(make_newsroom):
    return make_newsroom({f"releases/{SLUG}.md": page_text("Original headline")})


@pytest.fixture
def server(newsroom):
    with Server(newsroom, "--now", NOW) as running:
        yield running
        assert running.stop() == 0, running.log()


def wait_until(predicate, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def save(newsroom, title: str | None = None, text: str | None = None) -> None:
    """What an editor does on save: the whole file written again."""
    content = text if text is not None else page_text(title)
    (newsroom / f"releases/{SLUG}.md").write_text(content, encoding="utf-8")


def test_a_release_opens_in_its_preview_and_follows_a_save(page, server, newsroom):
    from playwright.sync_api import expect

    page.goto(f"{server.url}releases/{SLUG}/")
    expect(page).to_have_url(re.compile(rf"/_pressroom/preview/{SLUG}/"))
    frame = page.frame_locator("#page-frame")
    expect(frame.locator("h1.headline")).to_have_text("Original headline")
    expect(frame.locator(".banner-embargo")).to_be_visible()  # the staff view, with its banner
    page.evaluate("window.notReloaded = true")

    save(newsroom, "Edited headline")

    expect(frame.locator("h1.headline")).to_have_text("Edited headline")
    expect(page.locator("#release-title")).to_have_text("Edited headline")
    assert page.evaluate("window.notReloaded") is True  # only the frame reloaded, not the tabs around it


@pytest.mark.pdf
def test_a_save_reloads_each_frame_once_though_the_build_follows_the_preview(page, server, newsroom):
    from playwright.sync_api import expect

    out = newsroom / "build"
    pdf = out / f"staff/releases/{SLUG}/{SLUG}.pdf"
    wait_until(lambda: pdf.exists() and not server.status()["building"])  # the first build, whole
    page.goto(f"{server.url}_pressroom/preview/{SLUG}/#all")  # its frames loaded
    frame = page.frame_locator("#page-frame")
    expect(frame.locator("h1.headline")).to_have_text("Original headline")
    page.evaluate(
        """() => { window.loads = { page: 0, pdf: 0 };
             for (const name of ["page", "pdf"]) document.getElementById(`${name}-frame`)
               .addEventListener("load", () => window.loads[name]++); }"""
    )
    saved = time.time()

    save(newsroom, "Edited headline")

    expect(frame.locator("h1.headline")).to_have_text("Edited headline")
    # The whole build then writes the same page and PDF to build/, and the listings.
    wait_until(lambda: b"Edited headline" in (out / "staff/index.html").read_bytes())
    wait_until(lambda: pdf.stat().st_mtime >= saved and not server.status()["building"])
    time.sleep(1.0)  # time for any reload it would have caused
    assert page.evaluate("window.loads") == {"page": 1, "pdf": 1}


def test_the_bare_page_reloads_itself(page, server, newsroom):
    from playwright.sync_api import expect

    page.goto(f"{server.url}releases/{SLUG}/index.html")
    expect(page.locator("h1.headline")).to_have_text("Original headline")
    toolbar = page.locator("#pressroom-toolbar a")
    expect(toolbar).to_have_attribute("href", f"/_pressroom/preview/{SLUG}/")

    save(newsroom, "Edited headline")

    expect(page.locator("h1.headline")).to_have_text("Edited headline")


def test_broken_front_matter_shows_the_file_and_line_and_the_fix_brings_the_page_back(page, server, newsroom):
    from playwright.sync_api import expect

    page.goto(f"{server.url}releases/{SLUG}/index.html")
    expect(page.locator("h1.headline")).to_have_text("Original headline")

    broken = page_text("Original headline").replace(
        "date: 2018-05-25", 'date: "<img src=x onerror=alert(1)>"'
    )
    save(newsroom, text=broken)

    problem = page.locator("#pressroom-overlay .problem")
    expect(problem).to_have_count(1)
    expect(problem.locator(".where")).to_have_text(f"releases/{SLUG}.md:3")
    expect(problem.locator(".field")).to_have_text("date")
    expect(problem.locator(".message")).to_have_text(
        "expected a date as YYYY-MM-DD, found '<img src=x onerror=alert(1)>'"
    )
    assert page.locator("#pressroom-overlay img").count() == 0  # shown as text, never as HTML
    expect(page.locator("h1.headline")).to_have_text("Original headline")  # the last good build

    save(newsroom, "Fixed headline")

    expect(page.locator("#pressroom-overlay")).to_have_count(0)
    expect(page.locator("h1.headline")).to_have_text("Fixed headline")


def test_the_overlay_is_there_for_a_page_opened_while_broken(page, server, newsroom):
    from playwright.sync_api import expect

    save(newsroom, text=page_text("x").replace("location: Brussels\n", ""))
    page.goto(f"{server.url}index.html")
    expect(page.locator("#pressroom-overlay .problem .field")).to_have_text("location")
    save(newsroom, "Back again")
    expect(page.locator("#pressroom-overlay")).to_have_count(0)


@pytest.mark.pdf
def test_the_email_and_the_pdf_show_the_edit(page, server, newsroom):
    from playwright.sync_api import expect
    from pypdf import PdfReader

    page.goto(f"{server.url}releases/{SLUG}/#email")
    expect(page.locator('[data-tab="email"]')).to_have_attribute("aria-selected", "true")
    expect(page.locator("#email-text")).to_contain_text("Original headline")
    pdf_frame = page.locator("#pdf-frame")
    expect(pdf_frame).to_have_attribute("src", re.compile(rf"/releases/{SLUG}/{SLUG}\.pdf\?v=\w+$"))
    before = pdf_frame.get_attribute("src")

    save(newsroom, "Edited headline")

    expect(page.locator("#email-text")).to_contain_text("Edited headline")
    subject = page.locator("#email-headers div", has=page.locator("dt", has_text="Subject")).locator("dd")
    expect(subject).to_contain_text("Edited headline")
    expect(page.locator("#email-headers")).to_contain_text("Message-ID")
    expect(page.frame_locator("#email-frame").locator("body")).to_contain_text("Edited headline")

    expect(pdf_frame).not_to_have_attribute("src", before)
    with urllib.request.urlopen(
        server.url + pdf_frame.get_attribute("src").lstrip("/"), timeout=30
    ) as answer:
        assert answer.headers["Content-Type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.read())).pages)
    assert "Edited headline" in " ".join(text.split())


def test_the_chosen_tab_survives_a_reload(page, server):
    from playwright.sync_api import expect

    page.goto(f"{server.url}_pressroom/preview/{SLUG}/")
    expect(page.locator('[data-tab="page"]')).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="PDF").click()
    expect(page).to_have_url(re.compile(r"#pdf$"))
    page.reload()
    expect(page.locator('[data-tab="pdf"]')).to_have_attribute("aria-selected", "true")
    expect(page.locator("#pane-pdf")).to_be_visible()
    expect(page.locator("#pane-page")).to_be_hidden()


def test_a_link_followed_in_the_page_frame_opens_in_the_whole_tab(page, server):
    from playwright.sync_api import expect

    page.goto(f"{server.url}_pressroom/preview/{SLUG}/")
    page.frame_locator("#page-frame").locator("a[href]:not([href^='#'])").first.click()
    expect(page).not_to_have_url(re.compile(r"/_pressroom/preview/"))
    expect(page.locator("#page-frame")).to_have_count(0)  # no preview nested in a preview
