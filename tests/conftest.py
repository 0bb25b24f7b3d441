"""Shared fixtures: a newsroom written from a dict, a fixed clock, the CLI runner, golden files."""

from __future__ import annotations

import functools
import json
import os
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

REPO = Path(__file__).resolve().parents[1]

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
# it out, else the copy vendored in tests/standards/ninjs/ (test_ninjs.py checks they agree).
NINJS_SCHEMA_OFFICIAL = REPO.parent / "shared" / "standards" / "ninjs" / "ninjs-schema_3.1.json"
NINJS_SCHEMA_VENDORED = REPO / "tests" / "standards" / "ninjs" / "ninjs-schema_3.1.json"
NINJS_SCHEMA = NINJS_SCHEMA_OFFICIAL if NINJS_SCHEMA_OFFICIAL.is_file() else NINJS_SCHEMA_VENDORED

# Every test sees the same instant, well after the sample releases.
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)

NewsroomFactory = Callable[..., Path]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the current output instead of comparing against it.",
    )


def _pdf_engine_problem() -> str | None:
    """Why WeasyPrint cannot run here (its system libraries are missing), or None."""
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        return f"WeasyPrint cannot load its system libraries ({exc}); run scripts/system-deps"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any(item.get_closest_marker("pdf") for item in items):
        return
    problem = _pdf_engine_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"PDF tests cannot run in CI: {problem}")
    skip = pytest.mark.skip(reason=problem)
    for item in items:
        if item.get_closest_marker("pdf"):
            item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a check that did not run: fail the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line("CI: skipped tests count as failures (a check that did not run)", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@functools.cache
def _ninjs_validator() -> Draft202012Validator:
    schema = json.loads(NINJS_SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    # Formats (uri, date-time) are checked too: rfc3339-validator and rfc3986-validator are installed.
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def ninjs_errors(item: object) -> list[str]:
    """What IPTC's ninjs 3.1 schema finds wrong with an item, one line each, or nothing."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _ninjs_validator().iter_errors(item)
    ]


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def make_newsroom(tmp_path: Path) -> NewsroomFactory:
    """Write a newsroom into a fresh folder: `make_newsroom({"releases/a.md": "..."})`.

    pressroom.toml defaults to SETTINGS unless the dict gives one; text is
    dedented, bytes are written as they are (for encoding tests).
    """
    counter = iter(range(1000))

    def factory(files: dict[str, str | bytes] | None = None, *, settings: str | None = SETTINGS) -> Path:
        root = tmp_path / f"newsroom{next(counter)}"
        root.mkdir()
        (root / "releases").mkdir()
        (root / "contacts").mkdir()
        if settings is not None:
            (root / "pressroom.toml").write_text(settings, encoding="utf-8")
        for rel, content in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content), encoding="utf-8")
        return root

    return factory


# -- Hypothesis profiles: "ci" by default; HYPOTHESIS_PROFILE=long for a longer local run --
# The deadline is the "bounded time" of the fuzz tests: the worst input the
# Markdown limits accept renders in about a second on a CI machine's two cores.
from datetime import timedelta  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "long",
    max_examples=3000,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
