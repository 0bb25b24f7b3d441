"""The built newsroom against WCAG 2.1 A/AA (axe-core in Chromium) and the HTML standard (Nu Html Checker).

Both tools come from the npm registry (scripts/a11y-deps, run by `make test`,
installs them into .venv/a11y/); the checker needs a Java runtime. Without
them these tests skip locally and fail in CI, as the browser tests do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import REPO
from helpers import copy_sample, serving
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

TOOLS = REPO / ".venv" / "a11y" / "node_modules"
AXE = TOOLS / "axe-core" / "axe.min.js"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Every sample release public, the Italian translation included.
INSTANT = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
JOINT = "2026-10-14-eu-au-and-un-agree-joint-priorities-for-maritime-security"
PAGES = {
    "home": "",
    "release": f"releases/{JOINT}/",
    "translation": f"releases/{JOINT}/it/",
    "listing": "tags/maritime-security/",
    "search": "search/?q=security",
    "404": "404.html",
}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _missing(what: str, path: Path) -> None:
    message = f"{what} is missing ({path.relative_to(REPO)}): run scripts/a11y-deps"
    if os.environ.get("CI"):
        pytest.fail(f"accessibility checks cannot run in CI: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    copy_sample(root)
    build(load_newsroom(root), INSTANT, formats=("html",))
    return root / "build" / "site"


@pytest.fixture(scope="module")
def served(site):
    """build/site over HTTP on loopback, as a web server serves it."""
    with serving(site) as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("name", list(PAGES))
def test_no_wcag_21_aa_violations(browser, served, name):
    if not AXE.is_file():
        _missing("axe-core", AXE)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = context.new_page()
        tab.goto(served + PAGES[name], wait_until="networkidle")
        if name == "search":
            tab.wait_for_selector("#search-results li")
        tab.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = tab.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_21_AA,
        )
    finally:
        context.close()
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in result["violations"]
    ]
    assert violations == [], f"{PAGES[name] or 'home'}:\n" + "\n".join(violations)


def test_the_site_is_valid_html(site):
    if not VNU.is_file():
        _missing("the Nu Html Checker (vnu-jar)", VNU)
    java = shutil.which("java")
    if java is None:
        _missing("java (default-jre-headless)", VNU)
    run = subprocess.run(
        [java, "-jar", str(VNU), "--skip-non-html", "--errors-only", "--format", "json", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(run.stderr or '{"messages": []}')["messages"]
    errors = [f"{m.get('url', '')}:{m.get('lastLine', 0)}: {m['message']}" for m in messages]
    assert errors == []
    assert len(list(site.rglob("*.html"))) > 20  # the checker saw the whole site
