"""What a release or a template can make pressroom read, fetch or run: files, the network, scripts.

The PDF engine loads only files of the house style; raw HTML in a release
loses everything active; a title is text in every output, never markup or a
template expression.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import zlib
from datetime import datetime

import pytest
from pypdf import PdfReader

from helpers import SETTINGS, release
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

NOW = datetime.fromisoformat("2026-01-15T10:00:00+01:00")

RELEASE = release("Partnership on counter-terrorism", body="The body of the release.")


def png(size: int) -> bytes:
    """A real, tiny PNG of size x size pixels, so a leaked one is recognisable in the PDF."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class Listener:
    """A TCP server on a loopback address that counts the connections it is offered."""

    def __init__(self, family: socket.AddressFamily, host: str) -> None:
        self.server = socket.create_server((host, 0), family=family)
        self.server.settimeout(0.05)
        self.port = self.server.getsockname()[1]
        self.connections: list[object] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self.server.accept()
            except TimeoutError:
                continue
            self.connections.append(peer)
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture
def listeners():
    """One listener on 127.0.0.1 and, where the machine has IPv6, one on ::1."""
    opened = [Listener(socket.AF_INET, "127.0.0.1")]
    with contextlib.suppress(OSError):
        opened.append(Listener(socket.AF_INET6, "::1"))
    yield opened
    for listener in opened:
        listener.close()


def hostile_template(port4: int, port6: int) -> str:
    """A newsroom's own release.pdf.html that asks for everything it must not get."""
    return f"""\
<!doctype html>
<html lang="{{{{ r.language }}}}">
<head>
  <meta charset="utf-8">
  <title>{{{{ r.title }}}}</title>
  <link rel="stylesheet" href="assets/house.css">
  <link rel="stylesheet" href="assets/print.css">
  <link rel="stylesheet" href="../releases/leak.css">
  <link rel="stylesheet" href="http://127.0.0.1:{port4}/x.css">
  <link rel="attachment" href="file:///etc/hostname" title="host name">
  <link rel="attachment" href="../releases/secret.png" title="secret">
  <style>
    @import url("../releases/leak.css");
    @import url("http://127.0.0.1:{port4}/import.css");
    @font-face {{ font-family: Remote; src: url("http://127.0.0.1:{port4}/font.ttf"); }}
    .remote-font {{ font-family: Remote; }}
    .local-file {{ background-image: url("file:///etc/hostname"); }}
    .newsroom-file {{ background-image: url("../releases/secret.png"); }}
    .loopback4 {{ background-image: url("http://127.0.0.1:{port4}/bg.png"); }}
    .loopback6 {{ background-image: url("http://[::1]:{port6}/"); }}
  </style>
</head>
<body>
  <p class="remote-font">Remote font.</p>
  <p class="local-file">Local file.</p>
  <p class="newsroom-file">Newsroom file.</p>
  <p class="loopback4">IPv4 loopback.</p>
  <p class="loopback6">IPv6 loopback.</p>
  <img src="file:///etc/hostname" alt="host name">
  <img src="../releases/secret.png" alt="secret">
  <img src="//127.0.0.1:{port4}/img.png" alt="scheme-relative">
  <img src="allowed.png" alt="allowed">
  <a rel="attachment" href="../releases/secret.png">attached</a>
  <article class="release">{{% include "partials/release.html" %}}</article>
</body>
</html>
"""


def build_hostile(make_newsroom, listeners, settings=SETTINGS):
    port4 = listeners[0].port
    port6 = listeners[1].port if len(listeners) > 1 else 9
    root = make_newsroom(
        {
            "releases/eu-un.md": RELEASE,
            "releases/secret.png": png(2),
            "releases/leak.css": '.release::before { content: "LEAKED-CSS"; }',
            "templates/allowed.png": png(1),
            "templates/release.pdf.html": hostile_template(port4, port6),
        },
        settings=settings,
    )
    report = build(load_newsroom(root), NOW, formats={"pdf"})
    reader = PdfReader(root / "build" / "site" / "releases" / "eu-un" / "eu-un.pdf")
    return root.resolve(), report, reader


def image_sizes(reader: PdfReader) -> list[tuple[int, int]]:
    sizes = []
    for page in reader.pages:
        for xobject in page["/Resources"].get("/XObject", {}).values():
            xobject = xobject.get_object()
            if xobject["/Subtype"] == "/Image":
                sizes.append((int(xobject["/Width"]), int(xobject["/Height"])))
    return sizes


def warnings_text(report) -> str:
    assert all(w.field == "pdf" and w.path == "releases/eu-un.md" for w in report.warnings)
    return "\n".join(w.message for w in report.warnings)


# -- the PDF engine -------------------------------------------------------------


@pytest.mark.pdf
def test_pdf_engine_loads_only_house_style_files(make_newsroom, listeners):
    root, report, reader = build_hostile(make_newsroom, listeners)

    assert [listener.connections for listener in listeners] == [[] for _ in listeners]
    assert image_sizes(reader) == [(1, 1)]  # templates/allowed.png, and not the 2x2 secret
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Partnership on counter-terrorism" in text  # the house style still rendered
    assert "LEAKED-CSS" not in text

    assert reader.attachments == {}
    assert "/Names" not in reader.trailer["/Root"]
    for page in reader.pages:
        annotations = [a.get_object() for a in page.get("/Annots", [])]
        assert all(a["/Subtype"] != "/FileAttachment" for a in annotations)

    warned = warnings_text(report)
    port4 = listeners[0].port
    for url in (
        "file:///etc/hostname",
        (root / "releases" / "secret.png").as_uri(),
        (root / "releases" / "leak.css").as_uri(),
        f"http://127.0.0.1:{port4}/x.css",
        f"http://127.0.0.1:{port4}/import.css",
        f"http://127.0.0.1:{port4}/bg.png",
        f"file://127.0.0.1:{port4}/img.png",
        "http://[::1]:",
    ):
        assert f"refused to load {url}" in warned, url
    assert warned.count("Failed to load attachment") == 2
    assert "Font-face 'Remote' cannot be loaded" in warned


@pytest.mark.pdf
def test_allowing_remote_resources_still_keeps_the_pdf_off_this_machine(make_newsroom, listeners):
    settings = SETTINGS.replace("[email]", "allow_remote_resources = true\n\n[email]")
    _, report, reader = build_hostile(make_newsroom, listeners, settings=settings)

    assert [listener.connections for listener in listeners] == [[] for _ in listeners]
    assert image_sizes(reader) == [(1, 1)]
    warned = warnings_text(report)
    assert "refused to load http://127.0.0.1:" in warned
    assert "127.0.0.1 is not a public address" in warned
    assert "refused to load file:///etc/hostname" in warned


# -- raw HTML in a release ---------------------------------------------------------

HOSTILE_BODY = """\
Before <script>alert('script')</script> after.

<img src="file:///etc/hostname" alt="host"> <img src="data:x" onerror="alert('onerror')">

<a href="javascript:alert('href')">a link</a> and <a href="https://example.org/" onclick="alert('onclick')">
another</a>.

<iframe src="https://evil.example.org/"></iframe><style>body { display: none }</style>

<div onmouseover="alert('div')">Hover text.</div>
"""


@pytest.mark.pdf
def test_raw_html_in_a_release_is_defused_in_every_output(make_newsroom):
    root = make_newsroom({"releases/eu-un.md": RELEASE.replace("The body of the release.\n", HOSTILE_BODY)})
    report = build(load_newsroom(root), NOW)
    assert report.warnings == ()
    out = root / "build"
    page = (out / "site" / "releases" / "eu-un" / "index.html").read_text(encoding="utf-8")
    eml = (out / "email" / "eu-un.eml").read_bytes().decode("ascii")
    body = page.split("<article", 1)[1]
    for output in (body, eml):
        assert "alert(" not in output
        for marker in (
            "<script",
            "onerror",
            "onclick",
            "onmouseover",
            "javascript:",
            "<iframe",
            "file:",
            "<style",
        ):
            assert marker not in output
    # What is left is the text and the safe link.
    assert "Hover text." in body
    assert '<a href="https://example.org/" rel="noopener">' in body
    reader = PdfReader(out / "site" / "releases" / "eu-un" / "eu-un.pdf")
    assert image_sizes(reader) == []
    assert "Hover text." in reader.pages[0].extract_text()


# -- templates escape what releases say --------------------------------------------


@pytest.mark.parametrize(
    ("title", "escaped", "not_there"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)"),
        ("{{ 7*7 }} and {% raw %}", "{{ 7*7 }} and {% raw %}", "49 and"),
        ('"><img src=x onerror=alert(1)>', "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;", "<img src=x"),
    ],
)
def test_a_title_is_text_in_the_page(make_newsroom, title, escaped, not_there):
    quoted = title.replace("'", "''")
    body = "Markdown is not a template either: {{ 8*8 }}."
    root = make_newsroom(
        {"releases/eu-un.md": RELEASE.replace("Partnership on counter-terrorism", f"'{quoted}'")}
    )
    source = root / "releases" / "eu-un.md"
    source.write_text(source.read_text().replace("The body of the release.", body))
    build(load_newsroom(root), NOW, formats={"html"})
    page = (root / "build" / "site" / "releases" / "eu-un" / "index.html").read_text(encoding="utf-8")
    assert '<h1 class="headline"' in page
    assert f">{escaped}</h1>" in page
    assert f"<title>{escaped} – " in page
    assert not_there not in page
    assert "{{ 8*8 }}" in page
    assert "either: 64" not in page
    # The structured data is a script element: the title must not be able to close it.
    ld = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in ld
