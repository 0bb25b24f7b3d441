"""The S3 target: a bucket (AWS, or any S3-compatible service) holding the site as objects.

Only objects whose bytes changed are uploaded: the MD5 of each file is
compared with the ETag the bucket lists, which for an object uploaded in one
part is the MD5 of its bytes. New objects go up first, then changed ones, so a
listing never links a page that is not there yet; objects that left the site
are deleted last, and only when every upload succeeded. Each object gets its
Content-Type and a Cache-Control: short on pages, feeds, the sitemap, the
search index and JSON, so that caches do not hide an embargo lifting.

Credentials are boto3's to find (environment, ~/.aws/credentials and config,
an instance role): pressroom.toml never holds them.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pressroom.content.config import PublishTarget
from pressroom.layout import CONTENT_TYPES
from pressroom.publish.snapshot import Snapshot
from pressroom.publish.targets import DeployError, DeployReport, Failure, plan

_WORKERS = 8  # uploads at once: most of a deploy is waiting for the network
_DELETE_BATCH = 1000  # the most DeleteObjects takes in one request
_YEAR = 31_536_000
# Read again by anyone who wants what is new: a page, a feed, the sitemap, the search index, JSON.
_SHORT = (".html", ".xml", ".json", ".txt")
# A name that changes with its content (house.3f9a2c1d.css) can be cached for good.
_FINGERPRINT = re.compile(r"\.[0-9a-f]{8,}\.[A-Za-z0-9]+\Z")
_FEEDS = {"atom.xml": "application/atom+xml; charset=utf-8", "rss.xml": "application/rss+xml; charset=utf-8"}


def content_type(rel: str) -> str:
    """The Content-Type of a site file, from its name (the same on every machine)."""
    name = rel.rsplit("/", 1)[-1]
    if name in _FEEDS:
        return _FEEDS[name]
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return (
        CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name, strict=True)[0] or "application/octet-stream"
    )


def cache_control(rel: str, max_age: int, assets_max_age: int) -> str:
    """How long caches may keep a site file: short for what changes when a release goes public."""
    if _FINGERPRINT.search(rel):
        return f"public, max-age={_YEAR}, immutable"
    seconds = max_age if rel.lower().endswith(_SHORT) else assets_max_age
    return f"public, max-age={seconds}" if seconds else "no-cache"


class S3Target:
    """A bucket, or a folder (`prefix`) of one, on AWS S3 or an S3-compatible service."""

    def __init__(self, config: PublishTarget) -> None:
        self.name = config.name
        self.config = config
        self._client: Any = None

    def describe(self) -> str:
        where = f"s3://{self.config.bucket}/{self.config.prefix}"
        return f"{where} at {self.config.endpoint}" if self.config.endpoint else where

    @property
    def client(self) -> Any:
        """The boto3 S3 client, made on first use."""
        if self._client is None:
            self._client = _make_client(self.config)
        return self._client

    def check(self) -> None:
        """boto3 is there and finds credentials (nothing is sent yet)."""
        _ = self.client

    def deploy(self, snapshot: Snapshot, *, dry_run: bool = False) -> DeployReport:
        prefix = self.config.prefix
        held = {key[len(prefix) :]: etag for key, etag in self._list().items()}
        files = {rel: f.md5 for rel, f in snapshot.files.items()}
        added, changed, removed, unchanged = plan(files, held)
        if dry_run:
            return DeployReport(added, changed, removed, unchanged, dry_run=True)
        failures = self._upload(snapshot, added)
        if not failures:
            failures = self._upload(snapshot, changed)
        if not failures:
            failures = self._delete(removed)
        else:
            removed = ()
        return DeployReport(added, changed, removed, unchanged, tuple(failures))

    def _list(self) -> dict[str, str]:
        """Every key under the prefix, with its ETag (lowercase hex, quotes dropped)."""
        from botocore.exceptions import BotoCoreError, ClientError

        found: dict[str, str] = {}
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.config.bucket, Prefix=self.config.prefix
            )
            for page in pages:
                for item in page.get("Contents", ()):
                    found[item["Key"]] = str(item.get("ETag", "")).strip('"').lower()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "NoSuchBucket":
                raise DeployError(
                    f"bucket {self.config.bucket!r} does not exist at {self.describe()}"
                ) from None
            raise DeployError(f"cannot list {self.describe()}: {_client_error(exc)}") from None
        except BotoCoreError as exc:
            raise DeployError(f"cannot reach {self.describe()}: {exc}") from None
        return found

    def _upload(self, snapshot: Snapshot, rels: Iterable[str]) -> list[Failure]:
        rels = list(rels)
        if not rels:
            return []
        with ThreadPoolExecutor(min(_WORKERS, len(rels)), thread_name_prefix="pressroom-upload") as pool:
            results = list(pool.map(lambda rel: self._put(snapshot, rel), rels))
        return [f for f in results if f is not None]

    def _put(self, snapshot: Snapshot, rel: str) -> Failure | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            body = snapshot.read(rel)
            self.client.put_object(
                Bucket=self.config.bucket,
                Key=self.config.prefix + rel,
                Body=body,
                # The server checks the bytes it stored against this, and refuses a corrupted upload.
                ContentMD5=base64.b64encode(bytes.fromhex(snapshot.files[rel].md5)).decode("ascii"),
                ContentType=content_type(rel),
                CacheControl=cache_control(rel, self.config.max_age, self.config.assets_max_age),
            )
        except ClientError as exc:
            return Failure(rel, _client_error(exc))
        except (BotoCoreError, OSError) as exc:
            return Failure(rel, str(exc))
        return None

    def _delete(self, rels: tuple[str, ...]) -> list[Failure]:
        from botocore.exceptions import BotoCoreError, ClientError

        failures: list[Failure] = []
        prefix = self.config.prefix
        for start in range(0, len(rels), _DELETE_BATCH):
            batch = rels[start : start + _DELETE_BATCH]
            try:
                answer = self.client.delete_objects(
                    Bucket=self.config.bucket,
                    Delete={"Objects": [{"Key": prefix + rel} for rel in batch], "Quiet": True},
                )
            except ClientError as exc:
                failures += [Failure(rel, f"not deleted: {_client_error(exc)}") for rel in batch]
                continue
            except BotoCoreError as exc:
                failures += [Failure(rel, f"not deleted: {exc}") for rel in batch]
                continue
            for error in answer.get("Errors", ()):
                key = str(error.get("Key", ""))
                message = f"{error.get('Code', 'Error')}: {error.get('Message', '')}"
                failures.append(Failure(key[len(prefix) :], f"not deleted: {message}"))
        return failures


def _make_client(config: PublishTarget) -> Any:
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ProfileNotFound
    except ImportError:
        raise DeployError(
            f"publish.{config.name} is an S3 target, which needs boto3: pip install 'pressroom[s3]'"
        ) from None
    try:
        session = boto3.session.Session(profile_name=config.profile, region_name=config.region)
        credentials = session.get_credentials()
    except ProfileNotFound:
        raise DeployError(
            f"publish.{config.name}.profile: no profile {config.profile!r} "
            "in ~/.aws/credentials or ~/.aws/config"
        ) from None
    except BotoCoreError as exc:
        raise DeployError(f"cannot read the AWS settings for publish.{config.name}: {exc}") from None
    if credentials is None:
        raise DeployError(
            f"no credentials for publish.{config.name}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            'in the environment, or AWS_PROFILE (or profile = "..." in the target) for a profile '
            "of ~/.aws/credentials; pressroom.toml never holds them"
        )
    settings = Config(
        retries={"mode": "standard", "max_attempts": 4},
        connect_timeout=5,
        read_timeout=30,
        max_pool_connections=_WORKERS * 2,
        # Checksums only where the API demands them: not every S3-compatible service knows the
        # newer ones, and ContentMD5 already guards every upload.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return session.client("s3", endpoint_url=config.endpoint, region_name=config.region, config=settings)


def _client_error(exc: Any) -> str:
    error = exc.response.get("Error", {})
    code = error.get("Code") or "Error"
    message = error.get("Message") or str(exc)
    return f"{code}: {message}"
