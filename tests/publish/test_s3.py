"""`pressroom publish` to S3-compatible storage: a real S3 server (moto) on 127.0.0.1."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ConnectionClosedError
from publishing import AWS_ENV, S3Server, release, s3_settings, site_files

from pressroom.cli import main
from pressroom.publish import open_named, publish

pytestmark = pytest.mark.pdf  # every publish builds, PDFs included


@pytest.fixture(scope="module")
def s3():
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def bucket(s3):
    name = f"press-{uuid.uuid4().hex[:12]}"
    s3.client().create_bucket(Bucket=name)
    return name


def newsroom_files():
    return {
        "releases/2018-05-25-alpha.md": release("Alpha agreement signed"),
        "releases/2018-05-26-beta.md": release("Beta programme launched", "2018-05-26"),
        "releases/2018-05-27-gamma.md": release("Gamma summit ends", "2018-05-27"),
    }


def run_publish(runner, root, *args):
    return runner.invoke(main, ["publish", "--root", str(root), "--jobs", "1", *args])


def test_the_bucket_holds_build_site_byte_for_byte_with_content_type_and_cache_control(
    runner, make_newsroom, s3, bucket
):
    root = make_newsroom(newsroom_files(), settings=s3_settings(s3.endpoint, bucket))
    result = run_publish(runner, root)
    assert result.exit_code == 0, result.output
    assert f"Published to s3://{bucket}/ at {s3.endpoint}: went public: " in result.output
    assert "2018-05-25-alpha" in result.output

    site = site_files(root)
    assert s3.objects(bucket) == site
    client = s3.client()

    def head(key):
        answer = client.head_object(Bucket=bucket, Key=key)
        return answer["ContentType"], answer.get("CacheControl")

    page = "releases/2018-05-25-alpha/index.html"
    assert head(page) == ("text/html; charset=utf-8", "public, max-age=60")
    assert head("index.html") == ("text/html; charset=utf-8", "public, max-age=60")
    assert head("atom.xml") == ("application/atom+xml; charset=utf-8", "public, max-age=60")
    assert head("rss.xml") == ("application/rss+xml; charset=utf-8", "public, max-age=60")
    assert head("sitemap.xml") == ("application/xml; charset=utf-8", "public, max-age=60")
    assert head("search/index.json") == ("application/json", "public, max-age=60")
    assert head("releases.json") == ("application/json", "public, max-age=60")
    assert head("releases/2018-05-25-alpha/2018-05-25-alpha.pdf") == (
        "application/pdf",
        "public, max-age=3600",
    )
    assert head("assets/house.css") == ("text/css; charset=utf-8", "public, max-age=3600")
    assert head("assets/fonts/Lato-Regular.ttf") == ("font/ttf", "public, max-age=3600")


def test_an_edit_uploads_only_the_changed_objects_and_a_withdrawn_release_is_deleted(
    runner, make_newsroom, s3, bucket
):
    root = make_newsroom(newsroom_files(), settings=s3_settings(s3.endpoint, bucket, "prefix = 'news/'"))
    assert run_publish(runner, root).exit_code == 0
    before = site_files(root)
    client = s3.client()
    stamps = {item["Key"]: item["LastModified"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert set(stamps) == {f"news/{rel}" for rel in before}
    time.sleep(1.1)  # LastModified counts whole seconds: an upload now is told apart

    (root / "releases/2018-05-25-alpha.md").write_text(
        release("Alpha agreement signed", body="The corrected body of the release."), encoding="utf-8"
    )
    (root / "releases/2018-05-27-gamma.md").write_text(
        release("Gamma summit ends", "2018-05-27", status="draft"), encoding="utf-8"
    )
    result = run_publish(runner, root)
    assert result.exit_code == 0, result.output
    assert "withdrawn: 2018-05-27-gamma" in result.output

    after = site_files(root)
    changed = {rel for rel in after if rel in before and after[rel] != before[rel]}
    removed = set(before) - set(after)
    assert "releases/2018-05-25-alpha/index.html" in changed
    assert "releases/2018-05-27-gamma/2018-05-27-gamma.pdf" in removed
    assert (
        f"0 added, {len(changed)} changed, {len(removed)} removed, {len(after) - len(changed)} unchanged"
        in (result.output)
    )
    assert s3.objects(bucket) == {f"news/{rel}": data for rel, data in after.items()}
    for item in client.list_objects_v2(Bucket=bucket)["Contents"]:
        rel = item["Key"].removeprefix("news/")
        if rel in changed:
            assert item["LastModified"] > stamps[item["Key"]], rel
        else:
            assert item["LastModified"] == stamps[item["Key"]], f"{rel} was uploaded again unchanged"

    again = run_publish(runner, root)
    assert "went public: none (0 added, 0 changed, 0 removed" in again.output


@pytest.mark.parametrize("failing", ["releases/2018-05-28-delta/index.html", "index.html"])
def test_a_deploy_failing_mid_upload_keeps_the_previous_site_and_the_next_run_completes_it(
    runner, make_newsroom, s3, bucket, failing
):
    root = make_newsroom(newsroom_files(), settings=s3_settings(s3.endpoint, bucket))
    assert run_publish(runner, root).exit_code == 0
    previous = s3.objects(bucket)

    # A new release (new objects), an edit (changed objects), a withdrawal (objects to delete).
    (root / "releases/2018-05-28-delta.md").write_text(
        release("Delta talks open", "2018-05-28"), encoding="utf-8"
    )
    (root / "releases/2018-05-25-alpha.md").write_text(
        release("Alpha agreement signed", body="A second text."), encoding="utf-8"
    )
    (root / "releases/2018-05-26-beta.md").write_text(
        release("Beta programme launched", "2018-05-26", status="draft"), encoding="utf-8"
    )
    target = open_named(root, None)

    def cut_connection(params, **kwargs):
        if params["Key"] == failing:
            raise ConnectionClosedError(endpoint_url=f"{s3.endpoint}/{bucket}/{failing}")

    target.client.meta.events.register("before-parameter-build.s3.PutObject", cut_connection)
    report = publish(root, datetime.now(UTC), target, jobs=1)

    assert not report.ok
    assert [f.item for f in report.deploy.failures] == [failing]
    assert "Connection was closed" in report.deploy.failures[0].message
    assert report.deploy.removed == ()
    online = s3.objects(bucket)
    assert set(previous) <= set(online), "nothing of the previous site is deleted"
    if failing.startswith("releases/2018-05-28-delta/"):
        # New objects go up first: a failure among them leaves every previous object as it was.
        assert {k: online[k] for k in previous} == previous
        assert "index.html" in report.deploy.changed and online["index.html"] == previous["index.html"]
    assert failing not in online or online[failing] == previous.get(failing)

    result = run_publish(runner, root)
    assert result.exit_code == 0, result.output
    assert "went public: 2018-05-28-delta; withdrawn: 2018-05-26-beta" in result.output
    assert s3.objects(bucket) == site_files(root)


def test_credentials_in_pressroom_toml_are_refused_by_check_and_publish(runner, make_newsroom, s3, bucket):
    settings = s3_settings(s3.endpoint, bucket, 'aws_secret_access_key = "abc"\naccess_key = "x"')
    root = make_newsroom(newsroom_files(), settings=settings)
    line = settings.splitlines().index('aws_secret_access_key = "abc"') + 1
    message = (
        "publish.cdn.aws_secret_access_key: credentials never go in pressroom.toml, which is shared and "
        "kept in version control: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, "
        'or name a profile of ~/.aws/credentials with profile = "..."'
    )
    for command in (["check"], ["publish"]):
        result = runner.invoke(main, [*command, "--root", str(root)])
        assert result.exit_code == 1
        assert f"pressroom.toml:{line}: {message}" in result.output
        assert f"pressroom.toml:{line + 1}: publish.cdn.access_key: credentials never go" in result.output
    assert s3.objects(bucket) == {}


def test_without_credentials_nothing_is_built_or_sent_and_the_message_says_where_they_go(
    runner, make_newsroom, s3, bucket, monkeypatch
):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    root = make_newsroom(newsroom_files(), settings=s3_settings(s3.endpoint, bucket))
    result = run_publish(runner, root)
    assert result.exit_code == 1
    assert not (root / "build").exists()
    assert result.output == (
        "Error: no credentials for publish.cdn: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the "
        'environment, or AWS_PROFILE (or profile = "..." in the target) for a profile of ~/.aws/credentials; '
        "pressroom.toml never holds them\n"
    )


def test_a_missing_bucket_or_an_unreachable_server_is_one_clear_error(runner, make_newsroom, s3):
    root = make_newsroom(newsroom_files(), settings=s3_settings(s3.endpoint, "no-such-bucket"))
    result = run_publish(runner, root)
    assert result.exit_code == 1
    assert (
        f"Error: bucket 'no-such-bucket' does not exist at s3://no-such-bucket/ at {s3.endpoint}"
        in result.output
    )

    closed = f"http://127.0.0.1:{__import__('publishing').free_port()}"
    root = make_newsroom(newsroom_files(), settings=s3_settings(closed, "press"))
    result = run_publish(runner, root)
    assert result.exit_code == 1
    assert (
        f"Error: cannot reach s3://press/ at {closed}: Could not connect to the endpoint URL" in result.output
    )


def test_dry_run_lists_what_would_change_and_changes_nothing(runner, make_newsroom, s3, bucket):
    root = make_newsroom(newsroom_files(), settings=s3_settings(s3.endpoint, bucket))
    result = run_publish(runner, root, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "add    releases/2018-05-25-alpha/index.html\n" in result.output
    assert (
        f"Dry run for s3://{bucket}/ at {s3.endpoint}: would be {len(site_files(root))} added"
        in result.output
    )
    assert s3.objects(bucket) == {}
