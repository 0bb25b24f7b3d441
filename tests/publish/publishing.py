"""For the publish tests: an S3-compatible server on 127.0.0.1 (moto), newsrooms with targets, reading sites back."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

import helpers
from helpers import SETTINGS

BRUSSELS = ZoneInfo("Europe/Brussels")  # the time zone of conftest.SETTINGS
# What the tests and the processes they start authenticate with: moto accepts any key.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "test-key-id",
    "AWS_SECRET_ACCESS_KEY": "test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    """moto's S3 in server mode: real HTTP on 127.0.0.1, a port of its own."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    @classmethod
    def on_port(cls, port: int) -> S3Server:
        """A server again on a port an earlier one used: moto keeps its buckets in this process."""
        return cls(port)

    def start(self) -> S3Server:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def client(self):
        return boto3.session.Session(
            aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        ).client("s3", endpoint_url=self.endpoint, config=Config(retries={"max_attempts": 1}))

    def objects(self, bucket: str) -> dict[str, bytes]:
        client = self.client()
        keys = [
            item["Key"]
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for item in page.get("Contents", ())
        ]
        return {key: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def s3_settings(endpoint: str, bucket: str, extra: str = "") -> str:
    table = (
        f'[publish.cdn]\ntype = "s3"\nbucket = "{bucket}"\nendpoint = "{endpoint}"\nregion = "us-east-1"\n'
    )
    return f"{SETTINGS}\n{table}{extra}\n"


def directory_settings(path: Path) -> str:
    return SETTINGS + f'\n[publish.site]\ntype = "directory"\npath = "{path}"\n'


def release(
    title: str,
    day: str = "2018-05-25",
    *,
    status: str = "approved",
    embargo: str | None = None,
    body: str | None = None,
) -> str:
    """The shared release builder's file, tagged 'testing' so that the site has a topic page."""
    fields = {"embargo": embargo} if embargo else {}
    return helpers.release(title, day, status=status, body=body, tags="[testing]", **fields)


def embargoed_release(title: str, instant: datetime) -> str:
    """An approved release whose embargo lifts at `instant` (whole seconds), dated that day in Brussels."""
    local = instant.astimezone(BRUSSELS)
    return release(title, local.date().isoformat(), embargo=local.isoformat(timespec="seconds"))


def next_whole_second(moment: datetime, ahead: float) -> datetime:
    target = moment + timedelta(seconds=ahead)
    return target.replace(microsecond=0) + timedelta(seconds=1)


def site_files(root: Path) -> dict[str, bytes]:
    site = root / "build" / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
