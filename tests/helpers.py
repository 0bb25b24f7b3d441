"""What many test files share: the instant, the newsroom settings, a contact, and a release made to measure."""

from __future__ import annotations

import contextlib
import functools
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Every test sees the same instant, well after the sample releases.
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
# The embargo of the releases of the EU-UN dialogue that many tests render.
EMBARGO = datetime.fromisoformat("2018-05-25T12:00:00+02:00")
# After every release of the small newsrooms the incremental and fast-path tests make.
JUNE = datetime.fromisoformat("2018-06-01T12:00:00+02:00")

SETTINGS = """\
name = "Test Press Office"
url = "https://press.example.org/"
language = "en-GB"
timezone = "Europe/Brussels"
location = "Brussels"
end_mark = "###"
boilerplate = "The Test Press Office speaks for the test institution."

[email]
from = "Test Press Office <press@example.org>"
"""

RELEASE = """\
---
title: Minimal release
date: 2018-05-25
location: Brussels
status: approved
---
The body of the release.
"""

# IPTC's ninjs 3.1 JSON Schema (MIT): the official copy beside the repository, as CI lays
# it out, else the copy vendored in tests/standards/ninjs/ (render/test_ninjs.py checks they agree).
_REPO = Path(__file__).resolve().parents[1]
NINJS_SCHEMA_OFFICIAL = _REPO.parent / "shared" / "standards" / "ninjs" / "ninjs-schema_3.1.json"
NINJS_SCHEMA_VENDORED = _REPO / "tests" / "standards" / "ninjs" / "ninjs-schema_3.1.json"
NINJS_SCHEMA = NINJS_SCHEMA_OFFICIAL if NINJS_SCHEMA_OFFICIAL.is_file() else NINJS_SCHEMA_VENDORED

# contacts/gerard.yaml: a contact file that releases name by its id.
GERARD = """\
name: Ms. Gerard
organization: United Nations Office of Counter-Terrorism
city: New York
email: gerardl@un.org
"""


def release(
    title: str = "Minimal release",
    day: str = "2018-05-25",
    *,
    status: str = "approved",
    body: str | None = None,
    extra: str = "",
    **fields: str | list[str],
) -> str:
    """A release file: its title, date, Brussels and status, then `fields` in the order given (a
    list as one '- ' line per entry), then `extra` lines as written, then the body ("Text of <title>.")."""
    lines = ["---", f"title: {title}", f"date: {day}", "location: Brussels", f"status: {status}"]
    for name, value in fields.items():
        if isinstance(value, list):
            lines += [f"{name}:", *(f"  - {item}" for item in value)]
        else:
            lines.append(f"{name}: {value}")
    if extra:
        lines.append(extra.rstrip("\n"))
    lines += ["---", f"Text of {title}." if body is None else body, ""]
    return "\n".join(lines)


@functools.cache
def _ninjs_validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(NINJS_SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    # Formats (uri, date-time) are checked too: rfc3339-validator and rfc3986-validator are installed.
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def ninjs_errors(item: object) -> list[str]:
    """What IPTC's ninjs 3.1 schema finds wrong with an item, one line each, or nothing."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _ninjs_validator().iter_errors(item)
    ]


def wait_for(predicate, timeout=60.0):
    """The first true value of `predicate`, polled for up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def copy_sample(root: Path) -> Path:
    """The sample newsroom's own files (settings, releases, contacts, media kits) copied into `root`."""
    import shutil

    repo = Path(__file__).resolve().parents[1]
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(repo / "pressroom.toml", root)
    for folder in ("releases", "contacts", "media"):
        if (repo / folder).is_dir():
            shutil.copytree(repo / folder, root / folder)
    return root


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """`folder` over HTTP on loopback, as a static web server serves it (404.html for unknown addresses)."""
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
