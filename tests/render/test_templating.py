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


def test_a_syntax_error_in_an_override_is_found_by_the_loader_with_its_file_and_line(make_newsroom):
    root = make_newsroom(
        {"releases/a.md": RELEASE, "templates/partials/endmark.html": "<p>\n{% if %}\n</p>\n"}
    )
    with pytest.raises(ContentError) as caught:
        load_newsroom(root)  # what `check` runs: the template fails before any build
    assert [str(p) for p in caught.value.problems] == [
        "templates/partials/endmark.html:2: template syntax error: Expected an expression, got 'end of statement block'"
    ]


# -- the sandbox: what a template cannot do ------------------------------------------------


@pytest.mark.parametrize(
    "template, refused",
    [
        # the name computed while rendering, out of check's sight
        ('{{ (lipsum|attr("_" ~ "_globals__"))["os"].popen("echo pwned").read() }}', "'__globals__'"),
        ('{% set name = "_" ~ "_class__" %}{{ ()[name] }}', "'__class__'"),
        # the immutable sandbox: what a template is given, or makes, stays as it is
        ("{% set seen = [] %}{{ seen.append(r.title) }}", "'append' of 'list'"),
    ],
)
def test_the_sandbox_refuses_at_render_time_naming_the_template_and_line(
    make_newsroom, now, template, refused
):
    root = make_newsroom(
        {"releases/a.md": RELEASE, "templates/partials/endmark.html": f"<p>\n{template}\n</p>\n"}
    )
    newsroom = load_newsroom(root)  # nothing check can see: the name is made while rendering
    with pytest.raises(ContentError) as caught:
        build(newsroom, now, formats=("html",))
    messages = [str(p) for p in caught.value.problems]
    assert messages, "the build must fail"
    for message in messages:
        assert message.startswith(
            "releases/a.md: html: templates/partials/endmark.html:2: refused by the template sandbox: "
        ), message
        assert refused in message
    assert not (root / "build").exists()


def test_a_template_cannot_run_a_command(make_newsroom, now, tmp_path):
    marker = tmp_path / "pwned"
    template = f'{{{{ (lipsum|attr("_" ~ "_globals__"))["os"].system("touch {marker}") }}}}\n'
    jinja2.Environment().from_string(template).render()  # outside the sandbox, it runs
    assert marker.exists()
    marker.unlink()
    root = make_newsroom({"releases/a.md": RELEASE, "templates/release.email.txt": template})
    with pytest.raises(ContentError) as caught:
        build(load_newsroom(root), now, formats=("email",))
    assert [str(p) for p in caught.value.problems] == [
        "releases/a.md: email: templates/release.email.txt:1: refused by the template sandbox: "
        "access to attribute '__globals__' of 'function' object is unsafe."
    ]
    assert not marker.exists()


def test_a_newsroom_template_still_calls_methods_and_filters(make_newsroom, now):
    root = make_newsroom(
        {
            "releases/a.md": RELEASE,
            "templates/partials/endmark.html": (
                '<p class="end-mark">{{ r.title.upper() }} {{ r.tags|join(", ") or "none" }} '
                "{{ r.is_public(v.now) }} {{ '%s-%s'|format(r.slug, r.language) }}</p>\n"
            ),
        }
    )
    build(load_newsroom(root), now, formats=("html",))
    page = (root / "build/site/releases/a/index.html").read_text()
    assert '<p class="end-mark">MINIMAL RELEASE none True a-en-GB</p>' in page


# -- templates compiled once, for every later process ---------------------------------------


@pytest.fixture
def template_cache(tmp_path, monkeypatch):
    """A cache folder of this test's own; the process's choice of folder, and its environments with
    it, are made again."""
    from pressroom.engine import jobs
    from pressroom.render import templating

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    templating._template_cache.cache_clear()
    jobs._environments.clear()
    yield tmp_path / "cache/pressroom/templates"
    templating._template_cache.cache_clear()
    jobs._environments.clear()


def test_a_compiled_template_is_kept_for_the_next_process_and_redone_when_its_source_changes(
    make_newsroom, now, template_cache
):
    root = make_newsroom({"releases/a.md": RELEASE, "templates/partials/endmark.html": "<p>-ENDS-</p>\n"})
    build(load_newsroom(root), now, formats=("html",))
    assert template_cache.stat().st_mode & 0o777 == 0o700
    kept = {p.name: p.stat().st_mtime_ns for p in template_cache.iterdir()}
    assert len(kept) > 5  # the page's templates and partials

    (root / "templates/partials/endmark.html").write_text("<p>-THE END-</p>\n")
    build(load_newsroom(root), now, formats=("html",))
    page = (root / "build/site/releases/a/index.html").read_text()
    assert "-THE END-" in page and "-ENDS-" not in page
    again = {p.name: p.stat().st_mtime_ns for p in template_cache.iterdir()}
    assert [name for name in kept if again[name] != kept[name]] != []  # the edited one, compiled again


def test_a_cache_folder_others_can_write_to_is_not_used(make_newsroom, now, template_cache):
    template_cache.mkdir(parents=True)
    template_cache.chmod(0o777)
    root = make_newsroom({"releases/a.md": RELEASE})
    build(load_newsroom(root), now, formats=("html",))
    assert "The body of the release." in (root / "build/site/releases/a/index.html").read_text()
    assert list(template_cache.iterdir()) == []  # compiled, used, never written there


def test_a_damaged_compiled_template_is_compiled_again(make_newsroom, now, template_cache):
    root = make_newsroom({"releases/a.md": RELEASE})
    build(load_newsroom(root), now, formats=("html",))
    for path in template_cache.iterdir():
        path.write_bytes(b"not what Jinja wrote")
    (root / "build").rename(root / "old")
    build(load_newsroom(root), now, formats=("html",), clean=True)
    assert (root / "build/site/releases/a/index.html").read_bytes() == (
        root / "old/site/releases/a/index.html"
    ).read_bytes()
