"""Start `pressroom serve` in a subprocess, as a user would, and find the URL it prints."""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

URL = re.compile(r"http://127\.0\.0\.1:(\d+)/")


class Server:
    """A `pressroom serve` process: its URL, its log (stderr) and how to stop it."""

    def __init__(self, root: Path, *args: str, timeout: float = 180.0) -> None:
        # A file, not a pipe: a pipe nobody reads fills up and stops the server mid-log.
        self.log_file = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pressroom", "serve", "--root", str(root), "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=self.log_file,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.url = self._read_url(timeout)
        self.port = int(URL.search(self.url)[1])

    def _read_url(self, timeout: float) -> str:
        """The URL line; the first build comes before it, so the pages are there."""
        assert self.proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline:
            if selector.select(timeout=0.5):
                line = self.proc.stdout.readline()
                if match := URL.search(line):
                    return match[0]
                if not line:  # the server exited
                    break
        self.stop()
        raise AssertionError(f"pressroom serve printed no URL (last line {line!r}); its log:\n{self.log()}")

    def status(self) -> dict[str, Any]:
        """The state every open tab mirrors: versions, problems, whether a build is running."""
        with urllib.request.urlopen(f"{self.url}_pressroom/status", timeout=30) as answer:
            state: dict[str, Any] = json.load(answer)
        return state

    def log(self) -> str:
        """What the server wrote to stderr so far: its builds and their problems."""
        self.log_file.flush()
        self.log_file.seek(0)
        return self.log_file.read()

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30.0) -> int:
        """Ctrl-C, as a user stops it; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"pressroom serve did not stop within {timeout} s") from None
        return self.proc.returncode

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log_file.close()
