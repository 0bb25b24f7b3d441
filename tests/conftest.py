"""Shared fixtures: a newsroom written from a dict, a fixed clock, the CLI runner, golden files."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import NOW, SETTINGS

REPO = Path(__file__).resolve().parents[1]

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


# Whole files of slow tests: property-based fuzzing, fault injection in forked builds, and
# the attacks, each a build. `make test-fast` leaves them (and every `slow` test) out.
SLOW_FILES = {"test_fuzz.py", "test_faults.py", "test_hostile.py"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
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


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# -- the system Chromium, for every browser test (scripts/browser-deps installs it) -------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_problem() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing: run scripts/browser-deps (installs Debian's chromium package)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: .venv/bin/pip install --group tests (never `playwright install`)"
    return None


@pytest.fixture(scope="module")
def browser():
    problem = _browser_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {problem}", pytrace=False)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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
# Markdown limits accept renders in about a second on a CI machine's two cores;
# 15 s leaves room for a machine busy with the rest of the suite while still
# catching a quadratic or exponential blow-up, which takes minutes.
# "ci" is what every run and CI use: derandomized, each property tries the same
# examples every time (seeded from the test itself), and no example database, so
# a submission cannot pass or fail by chance or by what an earlier run on the
# machine found. "long" stays random, and keeps its database to replay a failure.
from datetime import timedelta  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.database import DirectoryBasedExampleDatabase  # noqa: E402

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=timedelta(seconds=15),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
# Every field is set, not inherited: with CI set in the environment, Hypothesis makes
# its own derandomized "ci" profile the default, and a profile registered without a
# value for a field would take that one.
settings.register_profile(
    "long",
    max_examples=3000,
    deadline=timedelta(seconds=15),
    derandomize=False,
    database=DirectoryBasedExampleDatabase(".hypothesis/examples"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile(PROFILE)
