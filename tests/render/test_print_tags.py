"""The PDF's structure for screen readers: a draft's watermark is an artifact, not text of the release.

WeasyPrint tags every element of the document as content, aria-hidden or
not, but marks a page's background as an artifact; so the watermark is the
page background. (Running headers and footers are WeasyPrint's margin boxes:
see CHANGES.md for what it does with them.)
"""

from __future__ import annotations

import base64
import re

import pytest

from helpers import SETTINGS, release
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build

pytestmark = pytest.mark.pdf


def _pdf(make_newsroom, now, status, language=None):
    fields = {"language": language} if language else {}
    text = release(
        "A release in the making",
        status=status,
        body="The lead paragraph.\n\nThe second paragraph.",
        **fields,
    )
    root = make_newsroom({"releases/2018-05-25-x.md": text}, settings=SETTINGS)
    build(load_newsroom(root), now, formats={"pdf"})
    from pypdf import PdfReader

    return PdfReader(root / "build/staff/releases/2018-05-25-x/2018-05-25-x.pdf")


def _structure(reader):
    document = reader.trailer["/Root"]["/StructTreeRoot"]["/K"]
    document = (document[0] if isinstance(document, list) else document).get_object()
    return [kid.get_object()["/S"] for kid in document["/K"]]


def test_a_drafts_watermark_is_an_artifact_not_content(make_newsroom, now):
    reader = _pdf(make_newsroom, now, "draft")
    # The release is the first thing in the structure: no element for the watermark before it.
    assert _structure(reader)[0] == "/Art"
    content = reader.pages[0].get_contents().get_data()
    # The page's background (the watermark image) is drawn first, inside an artifact.
    assert re.match(rb"(?s).*?/Artifact\s+BMC\s+[^E]*?/x\d+ Do\s+EMC", content)


def test_an_approved_release_has_no_watermark(make_newsroom, now):
    reader = _pdf(make_newsroom, now, "approved")
    content = reader.pages[0].get_contents().get_data()
    assert not re.match(rb"(?s)^[^B]*/Artifact\s+BMC\s+[^E]*?/x\d+ Do", content)


def test_the_watermark_says_draft_in_the_release_language():
    from pressroom.render.pdf import watermark

    svg = base64.b64decode(watermark("BOZZA", "#b3261e").split(",", 1)[1]).decode()
    assert ">BOZZA</text>" in svg and 'fill="#b3261e"' in svg
    assert "&lt;b&gt;" in base64.b64decode(watermark("<b>", "#000").split(",", 1)[1]).decode()
