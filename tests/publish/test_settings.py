"""The [publish.<name>] tables of pressroom.toml: read with the other settings, every problem with its line."""

from __future__ import annotations

import pytest
from publishing import release

from helpers import SETTINGS
from pressroom.cli import main
from pressroom.content.config import PublishTarget, load_publish_targets
from pressroom.errors import ContentError

TARGETS = """
[publish.site]
type = "directory"
path = "../www/press"

[publish.cdn]
type = "s3"
bucket = "press-example-org"
prefix = "news/"
region = "eu-central-1"
endpoint = "https://s3.example.net/"
profile = "press"
max_age = 0
"""


def test_targets_are_read_with_defaults_and_a_relative_path_from_the_newsroom(make_newsroom):
    root = make_newsroom(settings=SETTINGS + TARGETS)
    assert load_publish_targets(root) == {
        "site": PublishTarget(name="site", type="directory", path=root.parent / "www" / "press"),
        "cdn": PublishTarget(
            name="cdn",
            type="s3",
            bucket="press-example-org",
            prefix="news/",
            region="eu-central-1",
            endpoint="https://s3.example.net",
            profile="press",
            max_age=0,
            assets_max_age=3600,
        ),
    }
    assert load_publish_targets(make_newsroom()) == {}


BROKEN = """
[publish.site]
type = "folder"

[publish.cdn]
type = "s3"
endpoint = "http://s3.example.net"
prefix = "/news"
max_age = -1
cache = "short"

[publish.here]
type = "directory"
path = "build/site"

[publish.Bad]
type = "directory"
path = "/srv/www"
"""


def test_every_problem_is_reported_at_once_with_its_line(make_newsroom, runner):
    root = make_newsroom(settings=SETTINGS + BROKEN)
    with pytest.raises(ContentError) as exc:
        load_publish_targets(root)
    base = SETTINGS.count("\n") + 1
    assert [str(p) for p in exc.value.problems] == [
        f"pressroom.toml:{base + 2}: publish.site.type: expected 'directory' or 's3', found 'folder'",
        f"pressroom.toml:{base + 4}: publish.cdn.bucket: field required: the name of the bucket",
        f"pressroom.toml:{base + 6}: publish.cdn.endpoint: 'http://s3.example.net' is not encrypted: "
        "use https (http only for a server on this machine, such as http://127.0.0.1:9000)",
        f"pressroom.toml:{base + 7}: publish.cdn.prefix: expected a folder of the bucket such as 'news/', found '/news'",
        f"pressroom.toml:{base + 8}: publish.cdn.max_age: expected seconds from 0 to 31536000, found -1",
        f"pressroom.toml:{base + 9}: publish.cdn.cache: unknown setting",
        f"pressroom.toml:{base + 13}: publish.here.path: 'build/site' is the newsroom, holds it, or is inside "
        "one of its folders: name a folder for the web server, such as '/srv/www/press'",
        f"pressroom.toml:{base + 15}: publish.Bad: a target's name is lowercase letters, digits, '-' and '_', "
        "such as 'site'",
    ]
    result = runner.invoke(main, ["check", "--root", str(root)])
    assert result.exit_code == 1
    assert f"pressroom.toml:{base + 2}: publish.site.type: expected 'directory' or 's3', found 'folder'" in (
        result.output
    )


def test_a_final_line_break_does_not_pass_for_a_target_name_or_value(make_newsroom):
    # Names and values are matched whole: `$` would match before a final newline.
    table = '[publish."cdn\\n"]\ntype = "directory"\npath = "/srv/www/press"\n'
    table += '[publish.s3]\ntype = "s3"\nbucket = "press\\n"\nprefix = "news/\\n"\nregion = "eu-west-1\\n"\n'
    root = make_newsroom(settings=SETTINGS + "\n" + table)
    with pytest.raises(ContentError) as exc:
        load_publish_targets(root)
    base = SETTINGS.count("\n") + 1
    assert [str(p) for p in exc.value.problems] == [
        "pressroom.toml: publish.cdn\\n: a target's name is lowercase letters, digits, '-' and '_', such as 'site'",
        f"pressroom.toml:{base + 6}: publish.s3.bucket: expected text on one line, found 'press\\n'",
        f"pressroom.toml:{base + 7}: publish.s3.prefix: expected text on one line, found 'news/\\n'",
        f"pressroom.toml:{base + 8}: publish.s3.region: expected text on one line, found 'eu-west-1\\n'",
    ]


@pytest.mark.parametrize(
    ("settings", "args", "message"),
    [
        (SETTINGS, [], "Error: no publishing target in pressroom.toml: add one, such as\n"),
        (
            SETTINGS + TARGETS,
            [],
            "Error: pressroom.toml has several targets; choose one with --to: site, cdn\n",
        ),
        (
            SETTINGS + TARGETS,
            ["--to", "web"],
            "Error: no target 'web' in pressroom.toml; it has: site, cdn\n",
        ),
    ],
)
def test_the_target_must_be_known(make_newsroom, runner, settings, args, message):
    root = make_newsroom({"releases/2018-05-25-alpha.md": release("Alpha")}, settings=settings)
    result = runner.invoke(main, ["publish", "--root", str(root), *args])
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert not (root / "build").exists()


def test_watch_takes_neither_now_nor_dry_run(make_newsroom, runner):
    root = make_newsroom(settings=SETTINGS + TARGETS)
    for extra in (["--now", "2018-05-25T12:00:00Z"], ["--dry-run"]):
        result = runner.invoke(main, ["publish", "--watch", "--to", "site", "--root", str(root), *extra])
        assert result.exit_code == 2
        assert "--watch publishes at the real time: leave out --now and --dry-run" in result.output
