"""Preview: `pressroom serve`, the staff newsroom on 127.0.0.1, rebuilt on every save.

The HTTP side. `http.server.ThreadingHTTPServer` runs one thread a request and
serves build/staff/ as it is on disk (the builder swaps a new tree in whole),
except for a saved release's page, PDF and email that the fast path rendered
before the build wrote them (`Hub.file`); the preview page of pages.py; and
server-sent events that tell open tabs what may have changed (hub.py). rebuild.py
watches and rebuilds. `Preview` puts them together.

The server is for the person at this machine only. It listens on 127.0.0.1,
answers only requests whose Host names it (a web page elsewhere cannot reach
it by DNS rebinding), serves nothing outside build/staff/ (no `..`, encoded or
not, and no link out), and only GET and HEAD.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote, unquote

from pressroom import layout
from pressroom.errors import PressroomError
from pressroom.serve import pages as preview
from pressroom.serve.hub import Hub
from pressroom.serve.rebuild import Rebuilder

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
KEEPALIVE_S = 15.0  # a comment down each event stream this often notices a closed tab

_SLUG_PATH = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")
# Refused in a decoded path: a second round of encoding, Windows separators, controls.
_BAD_DECODED = re.compile(r"[%\\\x00-\x1f\x7f]")


class Refused(Exception):
    """A request the server answers with an error status and nothing else."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status


# -- HTTP -----------------------------------------------------------------------


def parse_target(target: str) -> tuple[list[str], bool]:
    """The decoded path segments of a request target, and whether it ends with '/'.

    Anything that could name a file outside the served tree is refused, before
    any file is looked at: `.` and `..` segments, encoded or not; a second round
    of percent-encoding; backslashes, NUL and other controls; an absolute URL or
    anything not starting with '/'; empty segments (`//`); invalid UTF-8.
    """
    if not target.startswith("/") or target.startswith("//"):
        raise Refused(HTTPStatus.BAD_REQUEST, "expected a path starting with one /")
    raw = target.split("?", 1)[0].split("#", 1)[0]
    if "\\" in raw or "\x00" in raw:
        raise Refused(HTTPStatus.BAD_REQUEST, "backslash or NUL in the path")
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise Refused(HTTPStatus.BAD_REQUEST, "the path is not UTF-8") from None
    if _BAD_DECODED.search(decoded):
        raise Refused(HTTPStatus.BAD_REQUEST, "encoded %, backslash or control character in the path")
    segments = decoded.split("/")[1:]
    trailing = segments[-1] == ""
    if trailing:
        segments.pop()
    for segment in segments:
        if segment in ("", ".", ".."):
            raise Refused(HTTPStatus.BAD_REQUEST, "empty, '.' or '..' segment in the path")
    return segments, trailing


def contained(base: Path, segments: list[str]) -> Path:
    """The real file `segments` name under `base`, refusing anything that resolves outside it."""
    real_base = base.resolve()
    if real_base != base or not real_base.is_dir():  # build() refuses a link for build/ too
        raise Refused(HTTPStatus.SERVICE_UNAVAILABLE, "nothing built yet")
    if any(s.startswith(".") for s in segments):  # hidden files are no part of a site
        raise Refused(HTTPStatus.NOT_FOUND, "hidden file")
    real = base.joinpath(*segments).resolve()
    if not real.is_relative_to(real_base):
        raise Refused(HTTPStatus.NOT_FOUND, "a link out of the served folder")
    return real


class Handler(BaseHTTPRequestHandler):
    """One request: check Host, method and path, then a file, the preview page or the events."""

    server: PreviewServer
    server_version = "pressroom"
    # One request a connection: no idle keep-alive threads, and Ctrl-C ends promptly.
    protocol_version = "HTTP/1.0"
    body = True  # False for HEAD: the same status and headers, no body
    timeout = 60  # seconds a silent connection may hold a thread

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def do_GET(self) -> None:
        self._handle(body=True)

    def do_HEAD(self) -> None:
        self._handle(body=False)

    def _refuse_method(self) -> None:
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            b"only GET and HEAD\n",
            "text/plain",
            headers={"Allow": "GET, HEAD"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse_method

    def _handle(self, *, body: bool) -> None:
        self.body = body
        try:
            self._check_host()
            segments, trailing = parse_target(self.path)
            self._route(segments, trailing)
        except Refused as exc:
            self._send(exc.status, f"{exc.status.phrase}: {exc}\n".encode(), "text/plain")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the tab went away
        except Exception:
            log.exception("error answering %s", self.path)
            with contextlib.suppress(OSError):
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, b"internal error\n", "text/plain")

    def _check_host(self) -> None:
        """Only this server's own names: a page on another site cannot read it through DNS rebinding."""
        host = (self.headers.get("Host") or "").strip().lower()
        port = self.server.server_address[1]
        if host not in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
            raise Refused(HTTPStatus.BAD_REQUEST, f"Host must be 127.0.0.1:{port} or localhost:{port}")

    def _route(self, segments: list[str], trailing: bool) -> None:
        if segments[:1] == ["_pressroom"]:
            self._tool(segments[1:], trailing)
        elif len(segments) == 2 and segments[0] == "releases" and trailing and _SLUG_PATH.match(segments[1]):
            # A release opens in its preview; its bare page is releases/<slug>/index.html.
            self._redirect(f"/_pressroom/preview/{segments[1]}/", HTTPStatus.FOUND)
        else:
            self._static(segments, trailing)

    def _tool(self, rest: list[str], trailing: bool) -> None:
        """/_pressroom/...: the events, the state, the UI files and the preview pages."""
        hub = self.server.hub
        if rest == ["events"]:
            self._events()
        elif rest == ["status"]:
            self._send(HTTPStatus.OK, json.dumps(hub.status()).encode(), "application/json")
        elif len(rest) == 2 and rest[0] == "ui" and (asset := preview.ui_asset(rest[1])) is not None:
            self._send(HTTPStatus.OK, *asset)
        elif len(rest) >= 2 and rest[0] == "preview" and _SLUG_PATH.match(rest[1]):
            self._preview(rest[1], rest[2:], trailing)
        else:
            raise Refused(HTTPStatus.NOT_FOUND, "no such page")

    def _static(self, segments: list[str], trailing: bool) -> None:
        """A file of build/staff/ as the last good build wrote it; HTML with the live script added."""
        # Read before the file: a build swapped in between makes the page newer than its
        # number, which costs one reload too many, never one too few.
        version = self.server.hub.version("html")
        try:
            path = contained(self.server.staff, segments)
        except Refused as exc:
            if exc.status is HTTPStatus.SERVICE_UNAVAILABLE:
                self._placeholder(exc.status, "Nothing built yet", version)
                return
            raise
        if path.is_dir():
            if not trailing:
                self._redirect(quote("/" + "/".join(segments) + "/"), HTTPStatus.MOVED_PERMANENTLY)
                return
            path = path / "index.html"
        elif trailing:
            raise Refused(HTTPStatus.NOT_FOUND, "no such folder")
        rel = path.relative_to(self.server.staff.resolve()).as_posix()
        data = self.server.hub.file(f"{layout.STAFF}/{rel}")
        if data is None:
            try:
                data = path.read_bytes()
            except OSError:  # not there, or gone with the tree a build replaced
                if path.suffix == ".html":
                    self._placeholder(HTTPStatus.NOT_FOUND, "No such page in the staff newsroom", version)
                    return
                raise Refused(HTTPStatus.NOT_FOUND, "no such file") from None
        content_type = preview.content_type(path.name)
        tag = preview.etag(data)
        headers = {"ETag": f'"{tag}"'}
        if content_type.startswith("text/html"):
            data = preview.inject(data, version, tag)
            headers["Content-Security-Policy"] = preview.STAFF_CSP
        elif path.suffix == ".svg":
            headers["Content-Security-Policy"] = preview.SANDBOX_CSP
        self._send(HTTPStatus.OK, data, content_type, headers=headers)

    def _placeholder(self, status: HTTPStatus, title: str, version: int) -> None:
        data = preview.inject(preview.placeholder(title), version)
        self._send(
            status, data, "text/html; charset=utf-8", headers={"Content-Security-Policy": preview.STAFF_CSP}
        )

    def _preview(self, slug: str, rest: list[str], trailing: bool) -> None:
        """/_pressroom/preview/<slug>/: the page, its info.json and the email's HTML part."""
        hub = self.server.hub
        if not rest and not trailing:
            self._redirect(f"/_pressroom/preview/{slug}/", HTTPStatus.MOVED_PERMANENTLY)
        elif not rest:
            versions = hub.status()["versions"]  # before the outputs, as _static reads them
            outputs = self.server.outputs(slug)
            data, known = preview.render_page(slug, hub.newsroom, hub.now, versions, outputs)
            status = HTTPStatus.OK if known else HTTPStatus.NOT_FOUND
            csp = {"Content-Security-Policy": preview.UI_CSP}
            self._send(status, data, "text/html; charset=utf-8", headers=csp)
        elif rest == ["info.json"]:
            data = json.dumps(preview.info(slug, hub.newsroom, hub.now, self.server.outputs(slug))).encode()
            self._send(HTTPStatus.OK, data, "application/json")
        elif rest == ["email.html"] and (part := self.server.email_html(slug)) is not None:
            csp = {"Content-Security-Policy": preview.EMAIL_CSP}
            self._send(HTTPStatus.OK, part, "text/html; charset=utf-8", headers=csp)
        else:
            raise Refused(HTTPStatus.NOT_FOUND, "no such page")

    def _events(self) -> None:
        """Server-sent events: the whole state on connecting, then at every change."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if not self.body:
            return
        hub = self.server.hub
        self.wfile.write(b"retry: 1000\n\n")
        seen = -1
        while not hub.closed:
            got = hub.wait(seen, KEEPALIVE_S)
            if hub.closed:
                break
            if got is None:
                self.wfile.write(b": keep-alive\n\n")
            else:
                seen, state = got
                self.wfile.write(f"event: status\ndata: {json.dumps(state)}\n\n".encode())
            self.wfile.flush()

    def _redirect(self, location: str, status: HTTPStatus) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(
        self, status: HTTPStatus, data: bytes, content_type: str, *, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        if content_type == "text/plain":
            content_type = "text/plain; charset=utf-8"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.body:
            self.wfile.write(data)


class PreviewServer(ThreadingHTTPServer):
    """The socket on 127.0.0.1 and what its handlers share."""

    daemon_threads = True  # an open event stream must not hold the process at exit
    # A fresh server on a port the last one left in TIME_WAIT (restarting after Ctrl-C).
    allow_reuse_address = True

    def __init__(self, root: Path, hub: Hub, port: int) -> None:
        self.hub = hub
        self.out = root / layout.OUTPUT
        self.staff = self.out / layout.STAFF
        super().__init__((HOST, port), Handler)

    def output(self, rel: str) -> bytes | None:
        """An output by its path in build/: as the fast path rendered it ahead of the build, or
        as build/ has it (`rel` is made from a checked slug)."""
        data = self.hub.file(rel)
        if data is None:
            with contextlib.suppress(OSError):
                data = (self.out / rel).read_bytes()
        return data

    def outputs(self, slug: str) -> preview.Outputs:
        """A release's staff page, PDF and email."""
        files = layout.Files(slug)
        return preview.Outputs(
            page=self.output(files.page(layout.STAFF)),
            pdf=self.output(files.pdf(layout.STAFF)),
            email=self.output(files.email),
        )

    def email_html(self, slug: str) -> bytes | None:
        return preview.email_html(self.output(layout.Files(slug).email))


# -- the whole ------------------------------------------------------------------


class Preview:
    """A running preview: the server bound, the first HTML build done, the watchers on.

    Use it as a context manager; leaving it stops every thread and frees the port.
    """

    def __init__(self, root: Path, *, port: int = 8000, clock: Callable[[], datetime]) -> None:
        self.root = root.resolve()
        self.hub = Hub()
        self.stop = threading.Event()
        self.rebuilder = Rebuilder(self.root, clock, self.hub, self.stop)
        self.port = port
        self._server: PreviewServer | None = None
        self._serving: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{HOST}:{self._server.server_address[1]}/"

    def __enter__(self) -> Preview:
        try:
            # Bound first: a port in use is an error before any work is done.
            try:
                self._server = PreviewServer(self.root, self.hub, self.port)
            except OSError as exc:
                raise PressroomError(
                    f"cannot listen on {HOST}:{self.port}: {exc.strerror or exc}; choose another with --port"
                ) from None
            self.rebuilder.start()
            while not self.rebuilder.first_html.wait(0.2):
                pass
            self._serving = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="pressroom-http"
            )
            self._serving.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait(self) -> None:
        """Serve until Ctrl-C (KeyboardInterrupt) or, inside `sigterm_as_interrupt`, SIGTERM."""
        while not self.stop.wait(0.5):
            pass

    def close(self) -> None:
        self.stop.set()
        self.hub.close()
        if self._server is not None:
            if self._serving is not None:
                self._server.shutdown()
                self._serving.join()
            self._server.server_close()
        self.rebuilder.join(timeout=5.0)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Stop on SIGTERM as on Ctrl-C (SIGINT), so `kill` also frees the port and exits 0.

    Installed before the first build starts: a SIGTERM while starting stops as cleanly.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    # Started in the background of a shell script, a program inherits SIGINT ignored, and
    # Ctrl-C (or a test's SIGINT) would never reach it.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
