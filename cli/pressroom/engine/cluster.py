"""Render on a Dask cluster: the build's jobs sent to a running scheduler through an Executor.

`build --scheduler tcp://HOST:PORT` hands `build()` the executor made here in
place of its pool of processes. Nothing else changes: the jobs are pure data
in and bytes out (jobs.py), so the workers write nothing and the staging
folder on this machine stays the one writer of build/. Retrying a job whose
worker died is Dask's work (`distributed.scheduler.allowed-failures`); when
it gives up, or the scheduler goes away, the job's future fails with a
ClusterError, the build stops and build/ stays as it was.

The workers read the house style of their own pressroom installation and the
newsroom's templates/ at the path it has here: each checks it sees the same
files before rendering (jobs.py `_check_templates`).

Dask is an optional extra (`pressroom[dask]`), imported only here and only
when a scheduler is given.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from typing import Any, TypeVar

from pressroom.errors import ClusterError, PressroomError

T = TypeVar("T")

MISSING = "--scheduler renders on a Dask cluster, which needs Dask: pip install 'pressroom[dask]'"


@contextmanager
def connect(address: str) -> Iterator[ClusterExecutor]:
    """An executor on the Dask cluster of the scheduler at `address`, closed on leaving.

    Waits as long as Dask's `distributed.comm.timeouts.connect` setting says
    (30 s unless configured) for the scheduler and for a first worker. If the
    block raises, the jobs still queued on the cluster are cancelled.
    """
    client = _client(address)
    try:
        executor = ClusterExecutor(client, address)
        try:
            yield executor
        except BaseException:
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        executor.shutdown(wait=True)
    finally:
        client.close()


def _client(address: str) -> Any:
    """A client of the scheduler at `address` that has at least one worker (Dask's types are partial)."""
    try:
        import dask
        import distributed
    except ImportError:
        raise ClusterError(MISSING) from None
    timeout = dask.utils.parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
    failure = None
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:  # refused, timed out, or no address at all
        failure = f"cannot reach the Dask scheduler at {address}: {exc}"
    if failure is not None:
        # The half-made client closes as it is collected: now, while its event loop
        # runs, rather than at exit, where it would wait and print a traceback.
        gc.collect()
        raise ClusterError(failure)
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (TimeoutError, OSError):
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no workers (waited {timeout:g} s)") from None
    return client


class ClusterExecutor(Executor):
    """Dask's own Executor (`Client.get_executor`), its failures told as ClusterErrors naming the cluster."""

    def __init__(self, client: Any, address: str) -> None:
        self.address = address
        # Batches are sized by how many jobs can run at once (build._batches).
        self.workers = max(1, sum(client.nthreads().values()))
        # Pure: the scheduler keys each job by a hash of its content, as the build's cache does.
        self._dask = client.get_executor(pure=True)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        told: Future[T] = Future()
        told.set_running_or_notify_cancel()  # sent at once: as with a pool, a sent job is not taken back
        job = self._dask.submit(fn, *args, **kwargs)
        job.add_done_callback(lambda done: self._settle(done, told))
        return told

    def _settle(self, done: Future[T], told: Future[T]) -> None:
        if done.cancelled():
            told.set_exception(
                ClusterError(f"the Dask scheduler at {self.address} cancelled a job: it stopped or restarted")
            )
            return
        exc = done.exception()
        if exc is None:
            told.set_result(done.result())
        elif isinstance(exc, PressroomError):  # raised by the job itself, e.g. a full disk on a worker
            told.set_exception(exc)
        else:
            told.set_exception(ClusterError(self.describe(exc)))

    def describe(self, exc: BaseException) -> str:
        """One line for a failure of the cluster rather than of a job."""
        from distributed.scheduler import KilledWorker

        if isinstance(exc, KilledWorker):
            tries = getattr(exc, "allowed_failures", 0) + 1
            last = getattr(getattr(exc, "last_worker", None), "address", "?")
            return (
                f"{tries} workers of the Dask cluster at {self.address} died while rendering the "
                f"same job (the last: {last}); their logs say why"
            )
        return f"a worker of the Dask cluster at {self.address} failed: {type(exc).__name__}: {exc}"

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        # Dask's executor cancels what is left when not told to wait for it.
        self._dask.shutdown(wait=wait and not cancel_futures)
