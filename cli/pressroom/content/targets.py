"""The `[publish.<name>]` tables of pressroom.toml: where `pressroom publish` deploys build/site/.

Read with the rest of the file (config.py), each problem with its line, but
kept out of Settings: a build keys every output on the settings, and where a
site is deployed changes none of them.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pressroom.content.settings_file import FILENAME, SettingsFile
from pressroom.content.suggest import did_you_mean
from pressroom.errors import Problem

TARGET_TYPES = ("directory", "s3")
_TARGET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\Z")
_TARGET_KEYS = {
    "directory": {"type", "path"},
    "s3": {"type", "bucket", "prefix", "region", "endpoint", "profile", "max_age", "assets_max_age"},
}
# A key that looks like a secret is refused by its name, whatever its value: pressroom.toml
# is shared and usually committed, and a secret written there once stays in the history.
_SECRET = re.compile(r"secret|password|passwd|token|credential|access_key|key_id|private", re.IGNORECASE)
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")
_PREFIX = re.compile(r"^([A-Za-z0-9._-]+/)*\Z")
_REGION = re.compile(r"^[a-z0-9-]{2,32}\Z")
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


@dataclass(frozen=True, slots=True)
class PublishTarget:
    """One `[publish.<name>]` table: where `pressroom publish --to <name>` deploys build/site/.

    Never holds a credential: S3 keys come from the environment or the usual
    AWS files, as boto3 finds them (`profile` names a profile of those files).
    """

    name: str
    type: str  # one of TARGET_TYPES
    path: Path | None = None  # directory: the link the web server serves, absolute
    bucket: str = ""  # s3
    prefix: str = ""  # s3: a folder of the bucket, "" or ending in "/"
    region: str | None = None  # s3
    endpoint: str | None = None  # s3: an S3-compatible service other than AWS
    profile: str | None = None  # s3: a profile of ~/.aws/credentials and ~/.aws/config
    max_age: int = 60  # s3: Cache-Control seconds for pages, feeds, sitemap, search index, JSON
    assets_max_age: int = 3600  # s3: for PDFs, styles, fonts, images (a fingerprinted name: a year)


_TARGET_DEFAULT = {f.name: f.default for f in fields(PublishTarget) if f.default is not MISSING}


def _table_line(file: SettingsFile, name: str, key: str | None) -> int:
    """The line of `key =` in [publish.<name>], else of that header, else of `publish`, else 0."""
    header = re.compile(rf"^\s*\[\s*\"?publish\"?\s*\.\s*\"?{re.escape(name)}\"?\s*\]")
    start = next((i for i, line in enumerate(file.lines) if header.match(line)), None)
    if start is None:
        return file.line("publish")
    if key is not None:
        pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
        for i in range(start + 1, len(file.lines)):
            if file.lines[i].lstrip().startswith("["):
                break
            if pattern.match(file.lines[i]):
                return i + 1
    return start + 1


def _target_problem(file: SettingsFile, name: str, key: str | None, message: str) -> None:
    field = f"publish.{name}.{key}" if key else f"publish.{name}"
    file.problems.append(Problem(FILENAME, _table_line(file, name, key), field, message))


def publish_targets(file: SettingsFile) -> dict[str, PublishTarget]:
    """Every valid [publish.<name>] table by name; the problems of the others join `problems`."""
    tables = file.data.get("publish", {})
    if not isinstance(tables, dict):
        file.problem("publish", "expected tables such as [publish.site]")
        return {}
    targets: dict[str, PublishTarget] = {}
    for name, table in tables.items():
        if not _TARGET_NAME.match(name):
            _target_problem(
                file, name, None, "a target's name is lowercase letters, digits, '-' and '_', such as 'site'"
            )
        elif not isinstance(table, dict):
            _target_problem(file, name, None, f"expected a table: [publish.{name}]")
        elif (target := _target(file, name, table)) is not None:
            targets[name] = target
    return targets


def _target(file: SettingsFile, name: str, table: dict[str, Any]) -> PublishTarget | None:
    before = len(file.problems)
    kind = table.get("type")
    if kind not in TARGET_TYPES:
        found = "nothing" if kind is None else repr(kind)
        expected = " or ".join(repr(t) for t in TARGET_TYPES)
        _target_problem(file, name, "type", f"expected {expected}, found {found}")
        kind = None
    allowed = _TARGET_KEYS[kind] if kind else set().union(*_TARGET_KEYS.values())
    for key in table:
        if _SECRET.search(key):
            _target_problem(
                file,
                name,
                key,
                "credentials never go in pressroom.toml, which is shared and kept in version "
                "control: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, "
                'or name a profile of ~/.aws/credentials with profile = "..."',
            )
        elif key not in allowed:
            _target_problem(file, name, key, f"unknown setting{did_you_mean(key, allowed)}")
    text: dict[str, str | None] = {
        key: _target_text(file, name, table, key)
        for key in ("path", "bucket", "prefix", "region", "endpoint", "profile")
        if key in allowed
    }
    seconds = {
        key: _target_seconds(file, name, table, key, _TARGET_DEFAULT[key])
        for key in ("max_age", "assets_max_age")
        if key in allowed
    }
    path = None
    if kind == "directory":
        if text["path"] is not None:
            path = _target_path(file, name, text["path"])
        elif "path" not in table:
            _target_problem(
                file, name, "path", "field required: the folder a web server serves, e.g. '/srv/www/press'"
            )
    elif kind == "s3":
        _check_s3(file, name, table, text)
    if kind is None or len(file.problems) > before:
        return None
    return PublishTarget(
        name=name,
        type=kind,
        path=path,
        bucket=text.get("bucket") or "",
        prefix=text.get("prefix") or "",
        region=text.get("region"),
        endpoint=(text.get("endpoint") or "").rstrip("/") or None,
        profile=text.get("profile"),
        **seconds,
    )


def _check_s3(file: SettingsFile, name: str, table: dict[str, Any], text: dict[str, str | None]) -> None:
    bucket, prefix, region, endpoint = (text[k] for k in ("bucket", "prefix", "region", "endpoint"))
    if bucket is None:
        if "bucket" not in table:
            _target_problem(file, name, "bucket", "field required: the name of the bucket")
    elif not _BUCKET.match(bucket):
        _target_problem(
            file, name, "bucket", f"expected a bucket name such as 'press-example-org', found {bucket!r}"
        )
    if prefix is not None and not _PREFIX.match(prefix):
        _target_problem(
            file, name, "prefix", f"expected a folder of the bucket such as 'news/', found {prefix!r}"
        )
    if region is not None and not _REGION.match(region):
        _target_problem(file, name, "region", f"expected a region such as 'eu-central-1', found {region!r}")
    if endpoint is None:
        return
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        _target_problem(
            file,
            name,
            "endpoint",
            f"expected an address such as 'https://s3.example.net', found {endpoint!r}",
        )
    elif parts.scheme == "http" and not _loopback(parts.hostname):
        _target_problem(
            file,
            name,
            "endpoint",
            f"{endpoint!r} is not encrypted: use https (http only for a server on this machine, "
            "such as http://127.0.0.1:9000)",
        )


def _target_text(file: SettingsFile, name: str, table: dict[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or re.search(r"[\x00-\x1f\x7f]", value):
        if key == "prefix" and value == "":
            return ""
        _target_problem(file, name, key, f"expected text on one line, found {value!r}")
        return None
    return value if key == "prefix" else value.strip()


def _target_seconds(file: SettingsFile, name: str, table: dict[str, Any], key: str, default: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 31_536_000:
        _target_problem(file, name, key, f"expected seconds from 0 to 31536000, found {value!r}")
        return default
    return value


def _target_path(file: SettingsFile, name: str, text: str) -> Path | None:
    root = file.root
    # Replaced by a link to each new copy of the site: it must be nobody else's folder.
    path = Path(os.path.normpath(root / Path(text).expanduser()))
    inside = [root / "build", root / ".pressroom", root / "releases", root / "templates"]
    if root.is_relative_to(path) or any(path.is_relative_to(folder) for folder in inside):
        _target_problem(
            file,
            name,
            "path",
            f"{text!r} is the newsroom, holds it, or is inside one of its folders: name a folder "
            "for the web server, such as '/srv/www/press'",
        )
        return None
    return path


def _loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
