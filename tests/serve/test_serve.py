"""`pressroom serve`: what it serves, what it refuses, how it follows saves and how it stops.

The HTTP checks talk to a real server on 127.0.0.1 with raw sockets, so that a
request can say what a browser never would (a foreign Host, `..`, NUL, a
backslash). The server runs in this process for those, and in a subprocess
started as a user would for the command-line behaviour: the URL it prints,
Ctrl-C, the port it frees.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
from serving import Server

import helpers
from helpers import EMBARGO, NOW, wait_for
from pressroom.cli import main
from pressroom.serve import pages as preview
from pressroom.serve.http import Preview, Refused, parse_target
from pressroom.serve.rebuild import _Interrupt, _Stopped
from pressroom.serve.watch import Pending, classify

SLUG = "2018-05-25-hello"
SECRET = "SECRET-CANARY-serve-7f3a"
# Before the embargo: the release is on the staff side only.
BEFORE = "2018-05-20T09:00:00+02:00"


def release(title: str = "Hello from the newsroom") -> str:
    return helpers.release(title, embargo=EMBARGO.isoformat(), body="The body of the release.")


# -- without a socket -----------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/../secret.txt",
        "/releases/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/%252e%252e%252fsecret.txt",  # encoded twice
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/%5c..%5csecret.txt",
        "/index.html%00.txt",
        "/\x00",
        "//etc/passwd",
        "/releases//x",
        "/./index.html",
        "http://127.0.0.1/../secret.txt",
        "etc/passwd",
        "/%ff%fe",
    ],
)
def test_a_path_that_could_leave_the_tree_is_refused_before_any_file_is_read(target):
    with pytest.raises(Refused) as refused:
        parse_target(target)
    assert refused.value.status == 400


def test_ordinary_paths_are_decoded_into_segments():
    assert parse_target("/") == ([], True)
    assert parse_target("/releases/a-b/index.html?v=3") == (["releases", "a-b", "index.html"], False)
    assert parse_target("/releases/a-b/") == (["releases", "a-b"], True)
    assert parse_target("/assets/caf%C3%A9.css") == (["assets", "café.css"], False)


def test_a_save_asks_for_what_it_changed(tmp_path):
    root = tmp_path
    assert classify(root, {str(root / "releases/a.md")}) == Pending(slugs={"a"})
    assert classify(root, {str(root / "releases/a.fr.md")}) == Pending(slugs={"a"})
    assert classify(root, {str(root / "contacts/gerard.yaml")}) == Pending(contacts={"gerard"})
    assert classify(root, {str(root / "templates/base.html")}).everything
    assert classify(root, {str(root / "pressroom.toml")}).everything
    assert classify(root, {str(root / "releases")}).everything  # the folder itself went or came
    assert not classify(root, {str(root / "contacts/lists/media.csv"), str(root / "releases/notes.txt")})


def test_a_waiting_save_ends_a_pdf_build_and_ctrl_c_ends_any():
    stop, saves = threading.Event(), queue.Queue()
    pdf, html = _Interrupt(stop, saves), _Interrupt(stop, None)
    pdf.advance()
    saves.put(Pending(slugs={"a"}))
    with pytest.raises(_Stopped):
        pdf.advance()
    html.advance()  # a save the fast path cannot show (a template) waits for the page build
    fast = _Interrupt(threading.Event(), None, fast=lambda: True)
    with pytest.raises(_Stopped):  # one it can show goes first: the build starts again after it
        fast.advance()
    stop.set()
    with pytest.raises(_Stopped):
        html.advance()


def test_the_live_script_goes_before_the_last_body_end_tag():
    page = b"<html><body><p>x</p><script>'</body>'</script></BODY></html>"
    out = preview.inject(page, 7)
    tag = preview.etag(page)
    assert out.endswith(
        f'<script src="/_pressroom/ui/live.js" data-html-version="7" data-etag="{tag}"></script>\n'
        "</BODY></html>".encode()
    )
    assert preview.inject(b"<p>no body</p>", 1).startswith(b"<p>no body</p><script")


# -- a server in this process ---------------------------------------------------


@pytest.fixture
def served(make_newsroom):
    root = make_newsroom({f"releases/{SLUG}.md": release(), "secret.txt": SECRET + "\n"})
    (root.parent / "outside.txt").write_text(SECRET + "\n")
    with Preview(root, port=0, clock=lambda: NOW) as running:
        yield root, running


def request(port: int, raw: bytes | str) -> tuple[int, dict[str, str], bytes]:
    """Send `raw` as it is; the status, headers and body of the answer."""
    if isinstance(raw, str):
        raw = raw.encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(raw)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def get(port: int, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    host = f"127.0.0.1:{port}" if host is None else host
    return request(port, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")


def port_of(running: Preview) -> int:
    return int(running.url.rsplit(":", 1)[1].strip("/"))


def test_serves_the_staff_newsroom_with_the_live_script(served):
    root, running = served
    port = port_of(running)
    status, headers, body = get(port, "/")
    assert status == 200
    assert b"Hello from the newsroom" in body
    assert b'src="/_pressroom/ui/live.js"' in body
    assert headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in headers["content-security-policy"]
    # On disk, the build has no script: it is added as the page is served.
    assert b"live.js" not in (root / "build/staff/index.html").read_bytes()


def test_a_release_opens_in_its_preview_page_with_a_strict_policy(served):
    _, running = served
    port = port_of(running)
    status, headers, _ = get(port, f"/releases/{SLUG}/")
    assert status == 302
    assert headers["location"] == f"/_pressroom/preview/{SLUG}/"
    status, headers, body = get(port, f"/_pressroom/preview/{SLUG}/")
    assert status == 200
    assert b"Hello from the newsroom" in body
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert get(port, "/_pressroom/preview/no-such-release/")[0] == 404


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1",  # no port: not this server's origin
        "127.0.0.1:1",
        "localhost.evil.example:{port}",
        "127.0.0.1:{port}.evil.example",
        "",
    ],
)
def test_a_foreign_host_header_is_refused_against_dns_rebinding(served, host):
    _, running = served
    port = port_of(running)
    status, _, body = get(port, "/", host=host.format(port=port))
    assert status == 400
    assert b"Hello" not in body


def test_a_request_without_host_is_refused(served):
    _, running = served
    status, _, _ = request(port_of(running), "GET / HTTP/1.0\r\n\r\n")
    assert status == 400


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "[::1]:{port}"])
def test_this_servers_own_names_are_accepted(served, host):
    _, running = served
    port = port_of(running)
    assert get(port, "/", host=host.format(port=port))[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/../../outside.txt",
        "/%2e%2e/%2e%2e/secret.txt",
        "/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/%252e%252e%252f%252e%252e%252fsecret.txt",
        "/..%5c..%5csecret.txt",
        "/..\\..\\secret.txt",
        "/%00../secret.txt",
        "/releases/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "//etc/passwd",
        "/etc/passwd",
        "/leak.txt",  # a link planted in build/staff/ to the newsroom's secret
        "/out/passwd",  # a link planted in build/staff/ to /etc
        "/.hidden",
        "/_pressroom/ui/../../secret.txt",
        "/_pressroom/ui/preview.html",  # the template is not an asset
        f"/_pressroom/preview/{SLUG}/../../../secret.txt",
    ],
)
def test_nothing_outside_the_staff_tree_is_served(served, path):
    root, running = served
    staff = root / "build/staff"
    (staff / "leak.txt").symlink_to(root / "secret.txt")
    (staff / "out").symlink_to("/etc")
    (staff / ".hidden").write_text(SECRET)
    status, _, body = get(port_of(running), path)
    assert status in (400, 404)
    assert SECRET.encode() not in body
    assert b"root:" not in body


def test_an_absolute_url_as_request_target_is_refused(served):
    _, running = served
    port = port_of(running)
    raw = f"GET http://127.0.0.1:{port}/../secret.txt HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    status, _, body = request(port, raw)
    assert status == 400
    assert SECRET.encode() not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_only_get_and_head(served, method):
    _, running = served
    port = port_of(running)
    raw = f"{method} / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n"
    status, headers, _ = request(port, raw)
    assert status == 405
    assert headers["allow"] == "GET, HEAD"
    assert request(port, f"BREW / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n")[0] == 501


def test_head_gives_the_headers_without_the_body(served):
    _, running = served
    port = port_of(running)
    status, headers, body = request(port, f"HEAD / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n")
    assert status == 200
    assert int(headers["content-length"]) > 0
    assert body == b""


def test_listens_on_loopback_only(served):
    _, running = served
    port = port_of(running)
    assert running.url.startswith("http://127.0.0.1:")
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: it only picks the outgoing address
        address = probe.getsockname()[0]
    except OSError:
        address = None
    finally:
        probe.close()
    if address and not address.startswith("127."):
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=5).close()


def test_the_email_tab_reads_the_eml_the_build_wrote(served):
    root, running = served
    port = port_of(running)
    eml = root / f"build/email/{SLUG}.eml"
    deadline = time.monotonic() + 120
    while not eml.exists() and time.monotonic() < deadline:  # PDF and email come after the page
        time.sleep(0.2)
    status, _, body = get(port, f"/_pressroom/preview/{SLUG}/info.json")
    assert status == 200
    info = json.loads(body)
    headers = dict(info["email"]["headers"])
    assert headers["Subject"] == "Hello from the newsroom"
    assert headers["From"] == "Test Press Office <press@example.org>"
    assert headers["Message-ID"].startswith(f"<{SLUG}.")
    assert "each journalist" in headers["To"]  # the built email has no To: send adds it
    assert "The body of the release." in info["email"]["text"]
    status, headers, body = get(port, f"/_pressroom/preview/{SLUG}/email.html")
    assert status == 200
    assert b"Hello from the newsroom" in body
    assert "sandbox" in headers["content-security-policy"]


def status_of(port: int) -> dict:
    return json.loads(get(port, "/_pressroom/status")[2])


def test_a_save_rebuilds_a_broken_file_keeps_the_last_good_build_and_a_fix_recovers(served):
    root, running = served
    port = port_of(running)
    source = root / f"releases/{SLUG}.md"
    page = f"/releases/{SLUG}/index.html"
    version = status_of(port)["versions"]["html"]

    source.write_text(release("A second headline"))
    wait_for(lambda: status_of(port)["versions"]["html"] > version)
    assert b"A second headline" in get(port, page)[2]

    source.write_text(release("A second headline").replace("date: 2018-05-25", "date: 2018-02-30"))
    problems = wait_for(lambda: status_of(port)["problems"])
    assert problems == [
        {
            "path": f"releases/{SLUG}.md",
            "line": 3,
            "field": "date",
            "message": "'2018-02-30' is not a real date",
            "severity": "error",
        }
    ]
    status, _, body = get(port, page)
    assert status == 200 and b"A second headline" in body  # the last good build, still served

    source.write_text(release("A third headline"))
    wait_for(lambda: not status_of(port)["problems"])
    assert b"A third headline" in get(port, page)[2]


def test_the_build_after_a_save_writes_what_the_preview_already_showed(served, caplog):
    caplog.set_level(logging.INFO, logger="pressroom")
    root, running = served
    port = port_of(running)
    out = root / "build"
    info = f"/_pressroom/preview/{SLUG}/info.json"
    wait_for(lambda: (out / f"email/{SLUG}.eml").exists(), timeout=120)  # the first build is whole
    before = json.loads(get(port, info)[2])["etags"]
    saved = time.time()
    (root / f"releases/{SLUG}.md").write_text(release("Shown before the build"))
    # The fast path: page, PDF and email rendered, and served, before build/ has them.
    etags = wait_for(
        lambda: (
            all(e[k] != before[k] for k in e) and e
            if (e := json.loads(get(port, info)[2])["etags"])
            else None
        )
    )
    assert b"Shown before the build" in get(port, f"/releases/{SLUG}/index.html")[2]
    # Then the whole build writes build/, listings included ...
    wait_for(lambda: b"Shown before the build" in (out / "staff/index.html").read_bytes(), timeout=120)
    wait_for(lambda: (out / f"staff/releases/{SLUG}/{SLUG}.pdf").stat().st_mtime >= saved, timeout=120)
    wait_for(lambda: not status_of(port)["building"], timeout=120)
    # ... byte for byte what was shown: no etag changed, so no open tab reloads anything again.
    assert json.loads(get(port, info)[2])["etags"] == etags
    on_disk = {
        "page": out / f"staff/releases/{SLUG}/index.html",
        "pdf": out / f"staff/releases/{SLUG}/{SLUG}.pdf",
        "email": out / f"email/{SLUG}.eml",
    }
    assert {k: preview.etag(path.read_bytes()) for k, path in on_disk.items()} == etags
    # The build took the newsroom the fast path had read the saved file into: nothing parsed twice.
    assert re.search(rf"Built html \({SLUG}\) in [\d.]+ s \(the fast path's newsroom, no load\)", caplog.text)


def test_the_event_stream_sends_the_state_at_once(served):
    _, running = served
    port = port_of(running)
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(f"GET /_pressroom/events HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode())
        data = b""
        while b"event: status\ndata: " not in data or not data.endswith(b"\n\n"):
            data += s.recv(65536)
    assert b"Content-Type: text/event-stream" in data
    state = json.loads(data.split(b"event: status\ndata: ", 1)[1].split(b"\n", 1)[0])
    assert state["problems"] == [] and state["versions"]["html"] >= 1


# -- the command, as a user runs it ---------------------------------------------


@pytest.mark.slow
def test_ctrl_c_stops_the_server_exits_0_and_frees_the_port(make_newsroom):
    root = make_newsroom({f"releases/{SLUG}.md": release()})
    with Server(root, "--now", BEFORE) as server:
        assert server.url == f"http://127.0.0.1:{server.port}/"
        assert get(server.port, "/")[0] == 200
        assert server.stop(signal.SIGINT) == 0
        assert "Stopped." in server.log()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
    with socket.socket() as again:  # the port is free for the next server
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", server.port))


@pytest.mark.slow
def test_sigterm_stops_it_too(make_newsroom):
    root = make_newsroom({f"releases/{SLUG}.md": release()})
    with Server(root) as server:
        assert server.stop(signal.SIGTERM) == 0


@pytest.mark.slow
def test_broken_content_at_start_still_serves_and_says_why(make_newsroom):
    root = make_newsroom({f"releases/{SLUG}.md": release().replace("location: Brussels\n", "")})
    with Server(root, "--now", BEFORE) as server:
        status, _, body = get(server.port, "/")
        assert status == 503  # nothing built yet: a page saying so, with the live script
        assert b"live.js" in body
        problems = status_of(server.port)["problems"]
        assert [(p["path"], p["field"], p["message"]) for p in problems] == [
            (f"releases/{SLUG}.md", "location", "field required")
        ]
        assert server.stop() == 0


def test_there_is_no_option_to_listen_beyond_this_machine(runner, make_newsroom):
    root = make_newsroom()
    result = runner.invoke(main, ["serve", "--root", str(root), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "No such option '--host'" in result.output


def test_a_port_in_use_is_one_clear_line(runner, make_newsroom):
    root = make_newsroom({f"releases/{SLUG}.md": release()})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(main, ["serve", "--root", str(root), "--port", str(port)])
    assert result.exit_code == 1
    assert (
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use; choose another with --port"
        in result.output
    )


def test_serve_has_help_with_an_example(runner):
    result = runner.invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert "127.0.0.1" in result.output


def test_the_ui_files_ship_inside_the_package():
    folder = Path(preview.__file__).with_name("ui")
    for name in (*preview.UI_ASSETS, "preview.html", "placeholder.html"):
        assert (folder / name).is_file(), name
    assert os.access(folder / "live.js", os.R_OK)
