"""The README tells the truth: every command is documented, set-up is the two make targets."""

from __future__ import annotations

import re

from conftest import REPO
from pressroom.cli import main
from pressroom.render.templating import DEFAULT_TEMPLATES

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme():
    for name in main.commands:
        assert f"`pressroom {name}" in README, f"pressroom {name} is not documented in README.md"


def test_set_up_is_make_build_and_make_test_and_ci_runs_the_latter():
    assert "make build" in README and "make test" in README
    ci = [line for line in (REPO / ".ci/run").read_text().splitlines() if line and not line.startswith("#")]
    assert "make test" in ci


def test_every_template_named_in_the_readme_exists():
    names = set(re.findall(r"`((?:partials/|assets/)?[\w./-]+\.(?:html|txt|css))`", README))
    assert "release.pdf.html" in names
    for name in names:
        # The partials row lists its files without the folder.
        found = (DEFAULT_TEMPLATES / name).is_file() or (DEFAULT_TEMPLATES / "partials" / name).is_file()
        assert found, f"README names {name}, which is not in templates/"
