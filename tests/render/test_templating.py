"""The template environment: override order, strictness, escaping."""

from __future__ import annotations

import jinja2
import pytest

from helpers import RELEASE
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build
from pressroom.errors import ContentError
from pressroom.render.templating import DEFAULT_TEMPLATES, environment


def test_a_newsroom_template_overrides_one_file_and_keeps_the_rest(make_newsroom, now):
    root = make_newsroom(
        {
            "releases/a.md": RELEASE,
            "templates/partials/endmark.html": '<p class="end-mark">-ENDS-</p>\n',
        }
    )
    build(load_newsroom(root), now, formats=("html",))
    page = (root / "build/site/releases/a/index.html").read_text()
    assert "-ENDS-" in page
    assert "The body of the release." in page  # the built-in partials still render the rest


def test_a_newsroom_asset_overrides_the_built_in_one(make_newsroom, now):
    root = make_newsroom({"releases/a.md": RELEASE, "templates/assets/web.css": "/* ours */\n"})
    build(load_newsroom(root), now, formats=("html",))
    assert (root / "build/site/assets/web.css").read_text() == "/* ours */\n"
    assert (root / "build/site/assets/house.css").read_bytes() == (
        DEFAULT_TEMPLATES / "assets/house.css"
    ).read_bytes()


def test_undefined_variables_fail_loudly():
    env = environment(None)
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


def test_html_is_autoescaped_and_plain_text_is_not(tmp_path):
    (tmp_path / "x.html").write_text("{{ value }}")
    (tmp_path / "x.txt").write_text("{{ value }}")
    env = environment(tmp_path)
    assert env.get_template("x.html").render(value="<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert env.get_template("x.txt").render(value="<b>&</b>") == "<b>&</b>"


def test_a_syntax_error_in_an_override_names_the_file_and_line(make_newsroom, now):
    root = make_newsroom(
        {"releases/a.md": RELEASE, "templates/partials/endmark.html": "<p>\n{% if %}\n</p>\n"}
    )
    with pytest.raises(ContentError) as caught:
        build(load_newsroom(root), now, formats=("html",))
    assert [str(p) for p in caught.value.problems] == [
        "releases/a.md: html: templates/partials/endmark.html:2: template syntax error: Expected an expression, got 'end of statement block'"
    ]
