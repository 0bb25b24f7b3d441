"""`build --scheduler`: the render jobs on a Dask cluster, here a LocalCluster of two worker processes.

The cluster listens on 127.0.0.1 only. Its scheduler runs in this process; its
workers are processes of their own, started by Dask's nannies, which start a
worker again when one dies. The scheduler gives up on a job after it has
killed two workers (`allowed-failures` 1, Dask's default is 3), so that a job
that always kills its worker fails the build in a few seconds.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import sys
from concurrent.futures import Executor
from datetime import timedelta
from pathlib import Path

import dask
import pytest
from distributed import LocalCluster

from helpers import EMBARGO, release
from pressroom.cli import main
from pressroom.content.loader import load_newsroom
from pressroom.engine.build import build
from pressroom.engine.cluster import connect
from pressroom.engine.jobs import Context, ReleaseJob, run_batch
from pressroom.errors import ClusterError

NOW = "2018-06-01T12:00:00+02:00"
BEFORE = (EMBARGO - timedelta(hours=1)).isoformat()  # one release still under embargo
ARGS = ["build", "--clean", "--now", NOW, "--root"]


@pytest.fixture(scope="module")
def cluster():
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # its HTTP server too: loopback, a free port
        ) as running,
    ):
        yield running


@pytest.fixture
def scheduler(cluster):
    """The address of the cluster, once both workers are up (a test before may have killed one)."""
    cluster.wait_for_workers(2, timeout=60)
    return cluster.scheduler_address


@pytest.fixture
def newsroom(make_newsroom):
    """Releases public, draft, embargoed and translated, and a template of the newsroom's own."""
    return make_newsroom(
        {
            "releases/public.md": release("Public news", body="Text. " * 200),
            "releases/second.md": release("Second news", day="2018-05-26"),
            "releases/second.fr.md": release("Deuxième nouvelle", day="2018-05-26", language="fr"),
            "releases/draft.md": release("Draft news", status="draft"),
            "releases/embargoed.md": release("Embargoed news", extra=f"embargo: {EMBARGO.isoformat()}"),
            "templates/partials/endmark.html": "<p class=end>HOUSE-END-MARK</p>\n",
        }
    )


def tree(root: Path) -> dict[str, str]:
    """Every file under root with the hash of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def twin(root: Path, tmp_path: Path) -> Path:
    """The same newsroom in another folder, without its build."""
    copy = tmp_path / f"twin-{root.name}"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("build", ".pressroom"))
    return copy


def leftovers(root: Path) -> list[Path]:
    return list((root / ".pressroom").glob("tmp-*"))


def _die_once_after(marker: str, fn, *args):
    """Do the job, then kill this worker before it hands the result back, if no job did yet."""
    result = fn(*args)
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return result
    os.kill(os.getpid(), signal.SIGKILL)
    return result


def _die_after(fn, *args):
    """Do the job, then kill this worker: every time, on every worker."""
    fn(*args)
    os.kill(os.getpid(), signal.SIGKILL)


class Killing(Executor):
    """The cluster's executor, with every job wrapped in `kill` (run on the worker)."""

    def __init__(self, inner, kill, *first):
        self.inner, self.kill, self.first = inner, kill, first

    def submit(self, fn, /, *args, **kwargs):
        return self.inner.submit(self.kill, *self.first, fn, *args)


@pytest.mark.pdf
@pytest.mark.slow
def test_a_build_on_the_cluster_is_byte_identical_to_a_local_one(runner, scheduler, newsroom, tmp_path):
    local = twin(newsroom, tmp_path)
    result = runner.invoke(main, [*ARGS, str(newsroom), "--scheduler", scheduler])
    assert result.exit_code == 0, result.output
    assert runner.invoke(main, [*ARGS, str(local)]).exit_code == 0
    built = tree(newsroom / "build")
    assert built == tree(local / "build")
    assert "site/releases/public/public.pdf" in built
    assert "site/releases/second/fr/second.fr.pdf" in built
    # The workers rendered with the newsroom's own templates, read at its path.
    assert "HOUSE-END-MARK" in (newsroom / "build/site/releases/public/index.html").read_text()
    assert not leftovers(newsroom)


def test_an_incremental_build_on_the_cluster_renders_only_what_changed(runner, scheduler, newsroom):
    options = ["build", "--now", NOW, "--format", "html,email", "--root", str(newsroom), "--scheduler"]
    assert runner.invoke(main, [*options, scheduler]).exit_code == 0
    page = newsroom / "build/site/releases/second/index.html"
    kept = page.stat().st_ino
    source = newsroom / "releases/public.md"
    source.write_text(source.read_text().replace("Public news", "Public news, revised"))
    result = runner.invoke(main, [*options, scheduler])
    assert result.exit_code == 0, result.output
    assert "Public news, revised" in (newsroom / "build/site/releases/public/index.html").read_text()
    assert page.stat().st_ino == kept


@pytest.mark.pdf
@pytest.mark.slow
def test_a_worker_killed_mid_job_is_replaced_and_the_build_is_whole(scheduler, newsroom, tmp_path):
    local = twin(newsroom, tmp_path)
    build(load_newsroom(local), EMBARGO)
    marker = tmp_path / "killed-once"
    with connect(scheduler) as cluster:
        build(load_newsroom(newsroom), EMBARGO, executor=Killing(cluster, _die_once_after, str(marker)))
    assert marker.exists()  # a worker did die, after rendering and before handing back
    assert tree(newsroom / "build") == tree(local / "build")
    assert not leftovers(newsroom)


@pytest.mark.pdf
@pytest.mark.slow
def test_jobs_that_keep_killing_workers_fail_the_build_and_keep_the_old_tree(
    runner, scheduler, cluster, newsroom, tmp_path
):
    assert runner.invoke(main, ["build", "--now", BEFORE, "--root", str(newsroom)]).exit_code == 0
    before = tree(newsroom / "build")
    with connect(scheduler) as executor, pytest.raises(ClusterError) as caught:
        build(load_newsroom(newsroom), EMBARGO, executor=Killing(executor, _die_after))
    assert re.fullmatch(
        f"2 workers of the Dask cluster at {scheduler} died while rendering the same job "
        r"\(the last: tcp://127\.0\.0\.1:\d+\); their logs say why",
        str(caught.value),
    )
    assert tree(newsroom / "build") == before
    assert not leftovers(newsroom)
    # The nannies start the workers again, and the next build completes.
    cluster.wait_for_workers(2, timeout=60)
    result = runner.invoke(
        main, ["build", "--now", EMBARGO.isoformat(), "--root", str(newsroom), "--scheduler", scheduler]
    )
    assert result.exit_code == 0, result.output
    local = twin(newsroom, tmp_path)
    build(load_newsroom(local), EMBARGO)
    assert tree(newsroom / "build") == tree(local / "build")


def test_a_worker_that_sees_other_templates_refuses_to_render(scheduler, newsroom, tmp_path):
    ctx = Context(
        root=tmp_path / "elsewhere",
        settings=load_newsroom(newsroom).settings,
        templates=tmp_path / "elsewhere" / "templates",  # not on the workers
        now=EMBARGO,
        templates_digest="the digest of the templates on the machine that plans the build",
        remote=True,
    )
    job = ReleaseJob(load_newsroom(newsroom).releases[0], html_areas=("site",))
    with connect(scheduler) as executor, pytest.raises(ClusterError) as caught:
        executor.submit(run_batch, ctx, [job]).result()
    assert str(caught.value) == (
        f"a worker on {socket.gethostname()} sees other templates than this build (the newsroom's "
        f"templates at {tmp_path / 'elsewhere' / 'templates'} and the house style of pressroom 0.1.0): "
        "every worker needs the newsroom at the same path and the same pressroom version "
        "(or a template changed mid-build)"
    )


def test_without_dask_installed_the_build_says_which_extra_and_changes_nothing(runner, newsroom, monkeypatch):
    assert (
        runner.invoke(main, ["build", "--now", NOW, "--format", "html", "--root", str(newsroom)]).exit_code
        == 0
    )
    before = tree(newsroom / "build")
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    result = runner.invoke(main, [*ARGS, str(newsroom), "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: --scheduler renders on a Dask cluster, which needs Dask: pip install 'pressroom[dask]'\n"
    )
    assert tree(newsroom / "build") == before


def test_an_unreachable_scheduler_is_named_and_nothing_changes(runner, newsroom):
    assert (
        runner.invoke(main, ["build", "--now", NOW, "--format", "html", "--root", str(newsroom)]).exit_code
        == 0
    )
    before = tree(newsroom / "build")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = runner.invoke(main, [*ARGS, str(newsroom), "--scheduler", address])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: cannot reach the Dask scheduler at {address}: "
        f"Timed out trying to connect to {address} after 1 s\n"
    )
    assert tree(newsroom / "build") == before


def test_a_scheduler_without_workers_is_named(runner, newsroom):
    with (
        LocalCluster(
            n_workers=0, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address="127.0.0.1:0"
        ) as empty,
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
    ):
        result = runner.invoke(main, [*ARGS, str(newsroom), "--scheduler", empty.scheduler_address])
    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: the Dask scheduler at {empty.scheduler_address} has no workers (waited 1 s)\n"
    )
    assert not (newsroom / "build").exists()


def test_jobs_and_scheduler_together_are_misuse(runner, newsroom):
    result = runner.invoke(main, [*ARGS, str(newsroom), "--scheduler", "tcp://127.0.0.1:8786", "--jobs", "2"])
    assert result.exit_code == 2
    assert (
        "Error: --jobs counts processes on this machine; with --scheduler, the cluster's do" in result.output
    )
