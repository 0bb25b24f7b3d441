"""A Dask cluster on this machine, started as the README's cluster section starts one on many.

One `dask scheduler` and one `dask worker` command with N worker processes of
one thread each, every server on 127.0.0.1 (the dashboards too), the address
passed through a scheduler file. The workers import the PDF engine as they
start (`--preload`), as the build's own pool does in its fork server, so a
timed build measures rendering and not a cold start.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

DASK = Path(sys.executable).parent / "dask"
LOOPBACK = ["--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0", "--no-dashboard"]


def available() -> str | None:
    """Why the Dask rows cannot run here, or None."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return "Dask is not installed: pip install 'pressroom[dask]'"
    if not DASK.exists():
        return f"no {DASK}"
    return None


@contextlib.contextmanager
def local_cluster(folder: Path, workers: int, timeout: float = 120.0) -> Iterator[str]:
    """The address of a scheduler with `workers` single-threaded worker processes, all up."""
    from distributed import Client

    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "scheduler.json"
    file.unlink(missing_ok=True)
    started: list[subprocess.Popen[bytes]] = []
    logs = folder / "cluster.log"
    with logs.open("ab") as log:
        try:
            scheduler = [str(DASK), "scheduler", *LOOPBACK, "--port", "0", "--scheduler-file", str(file)]
            started.append(subprocess.Popen(scheduler, stdout=log, stderr=log))
            address = _address(file, started[0], timeout)
            worker = [str(DASK), "worker", address, *LOOPBACK, "--nworkers", str(workers), "--nthreads", "1"]
            worker += ["--local-directory", str(folder / "workers"), "--preload", "pressroom.render.pdf"]
            started.append(subprocess.Popen(worker, stdout=log, stderr=log))
            with Client(address, set_as_default=False) as client:
                client.wait_for_workers(workers, timeout=timeout)
            yield address
        finally:
            for proc in reversed(started):  # the workers first, then the scheduler
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _address(file: Path, scheduler: subprocess.Popen[bytes], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if scheduler.poll() is not None:
            raise RuntimeError(f"dask scheduler exited with {scheduler.returncode}")
        with contextlib.suppress(OSError, ValueError, KeyError):
            return str(json.loads(file.read_text())["address"])
        time.sleep(0.1)
    raise RuntimeError(f"dask scheduler wrote no {file} in {timeout:g} s")
