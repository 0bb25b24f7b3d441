"""The sample newsroom's pages and plain-text emails, compared byte for byte with tests/golden/.

Regenerate on purpose with `pytest tests/test_golden.py --update-golden` and review
the diff; see CONTRIBUTING.md.
"""

from __future__ import annotations

import difflib
import email
import email.policy
import shutil
from datetime import datetime

import pytest

from conftest import REPO
from helpers import copy_sample
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

GOLDEN = REPO / "tests" / "golden" / "sample"
# After the sample draft's date and before the sample embargo lifts.
INSTANT = datetime.fromisoformat("2026-12-15T09:00:00+01:00")


@pytest.fixture(scope="module")
def produced(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("sample")
    copy_sample(root)
    build(load_newsroom(root), INSTANT, formats=("html", "email"))
    out = root / "build"
    files = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*.html")}
    for eml in (out / "email").glob("*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        head = "".join(f"{k}: {message[k]}\n" for k in ("From", "Subject", "Date", "Content-Language"))
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        files[f"email/{eml.stem}.txt"] = f"{head}\n{text}"
    return files


def _golden_files() -> list[str]:
    return sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file())


def test_golden_set_matches_the_outputs(produced, update_golden):
    if update_golden:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, text in produced.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_text(text, encoding="utf-8")
    assert _golden_files() == sorted(produced), "outputs and golden files differ; see --update-golden"


@pytest.mark.parametrize("rel", _golden_files() or ["(no golden files yet)"])
def test_output_matches_golden(produced, rel):
    expected_path = GOLDEN / rel
    assert expected_path.is_file(), f"missing golden file {rel}: run pytest --update-golden"
    expected = expected_path.read_text(encoding="utf-8")
    actual = produced.get(rel)
    assert actual is not None, f"{rel} is no longer produced"
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), rel, "now"))
        pytest.fail(f"{rel} differs from its golden file:\n{diff}")
