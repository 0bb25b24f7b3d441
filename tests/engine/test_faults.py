"""Fault injection: a build killed anywhere, a full disk, a read-only output folder, builds at once.

Whatever happens to a build, build/ is either the previous tree, byte for byte,
or the new one, whole; the next build succeeds; and the user reads one line
naming the path, not a traceback.

Builds under a fault run in children forked from one driver process (this
file run as a script), so each costs a build and not an interpreter start:
the driver warms the imports, forks, and the child sets the fault up (an
audit hook that sends SIGKILL to its own process at the n-th file operation,
RLIMIT_FSIZE, a swap without renameat2) before running the `pressroom build`
command. Read-only and full file systems are real: `chattr +i`, and tmpfs
mounts in a private mount namespace (`unshare --mount`), which work for root.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import settings

from conftest import PROFILE

NOW = "2020-01-01T00:00:00Z"
ARGS = ["build", "--now", NOW]
# One kill point per five examples of the Hypothesis profile: 12 in "ci", 600 in "long".
KILL_POINTS = max(12, settings.default.max_examples // 5)
# Fixed under the "ci" profile, as Hypothesis is there: the same kill points on every run.
SEED = int(
    os.environ.get("PRESSROOM_FAULT_SEED")
    or (random.SystemRandom().randrange(2**32) if PROFILE == "long" else 525)
)
LOCKED = "Error: another build is running in this newsroom; try again when it has finished"
# What the build does to the disk and the world, as audit events: a kill point
# is "just before the n-th of these". The first `os.rename` puts the journal in
# place: from there on the build is committed, and the next run finishes it.
COUNTED = {
    "open", "os.mkdir", "os.link", "os.rename", "os.remove", "os.rmdir", "os.truncate", "os.chmod",
    "shutil.copyfile", "shutil.rmtree", "tempfile.mkdtemp",
}  # fmt: skip


def release(i: int, word: str = "Text.") -> str:
    return (
        f"---\ntitle: Release {i}\ndate: 2018-05-25\nlocation: Brussels\nstatus: approved\n---\n"
        + f"{word} " * 150
    )


def run_cli(root: Path, args: list[str] = ARGS) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pressroom", *args, "--root", str(root)], capture_output=True, text=True
    )


def tree(out: Path) -> dict[str, str] | None:
    """Every file under `out` with the hash of its bytes; None when there is no build/."""
    if not out.is_dir():
        return None
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in (root / ".pressroom").glob("tmp-*"))


def error_lines(stderr: str) -> list[str]:
    """What the user reads, without the progress bar's label."""
    return [line for line in stderr.split("\n") if line and line != "Rendering"]


@pytest.fixture
def built(make_newsroom):
    """A newsroom of two releases (PDFs too), built once; then its releases change."""
    root = make_newsroom({f"releases/r{i}.md": release(i) for i in range(2)})
    assert run_cli(root).returncode == 0
    before = tree(root / "build")
    for i in range(2):
        (root / f"releases/r{i}.md").write_text(release(i, "Changed."))
    return root, before


def fresh_tree(make_newsroom, root: Path, args: list[str] = ARGS) -> dict[str, str] | None:
    """The tree a clean build of the newsroom's current files gives."""
    copy = make_newsroom({p.relative_to(root).as_posix(): p.read_text() for p in root.glob("releases/*.md")})
    assert run_cli(copy, args).returncode == 0
    return tree(copy / "build")


# -- the driver: forked children, each with one fault -------------------------------------


def _child(scenario: dict, args: list[str], data: str) -> None:
    """Set one fault up and run the build command; never returns."""
    code = 70
    try:
        import importlib
        import resource

        from pressroom.cli import main

        build_module = importlib.import_module(
            "pressroom.engine.build"
        )  # `pressroom.engine.build` is also a function

        if "fsize" in scenario:  # the disk fills up: writing past this size fails with EFBIG
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (scenario["fsize"], scenario["fsize"]))
        if scenario.get("fail"):  # rendering fails after the build started

            def broken(self, progress):
                from pressroom.errors import ContentError, Problem

                raise ContentError([Problem("releases/r0.md", 0, "html", "rendering failed")])

            build_module._Run.run = broken
        events: list[str] = []
        kill_at, kill_on = scenario.get("kill"), scenario.get("on")
        seen, counting = 0, True

        def hook(event: str, _args: tuple) -> None:
            nonlocal seen
            if counting and event in COUNTED:
                events.append(event)
                seen += kill_on is None or event == kill_on
                if seen == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)

        sys.addaudithook(hook)
        # WeasyPrint removes its font folder when the cycle collector frees its font set-up,
        # at a moment that depends on the driver's heap: with the collector off, never in the
        # middle of a build, so every run makes the same file operations and a kill point
        # counted in one run is the same point in the next.
        gc.disable()
        try:
            main.main(args=args, prog_name="pressroom", standalone_mode=True)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        counting = False  # before writing the answer
        if "fsize" not in scenario:  # the limit would cut the answer short too
            Path(data).write_text(json.dumps(events))
    finally:
        os._exit(code)


def _drive(plan_file: str) -> None:
    """Run each scenario of the plan in a forked child; print what came of each, as JSON."""
    plan = json.loads(Path(plan_file).read_text())
    root = Path(plan["root"])
    from pressroom.engine.cache import BuildCache
    from pressroom.render.pdf import render_pdf
    from pressroom.render.templating import template_dirs

    # Warm up: every child starts at the build, not at the imports and the font set-up.
    dirs = template_dirs(None)
    styles = '<link rel="stylesheet" href="assets/house.css"><link rel="stylesheet" href="assets/print.css">'
    render_pdf(f"{styles}<p>Warm <b>up</b> <i>the</i> fonts.</p>", base=dirs[0], roots=dirs)
    gc.collect()  # the engine removes its temporary folder when its font set-up is collected
    temporary = set(os.listdir(tempfile.gettempdir()))

    backup = root.parent / f"{root.name}-build-backup"
    work = root / ".pressroom"
    if plan["reset"]:  # each scenario starts from the same build/, cache and no stale trees
        shutil.rmtree(backup, ignore_errors=True)
        shutil.copytree(root / "build", backup, symlinks=True)
        # A copy of cache.json would be a foreign cache, ignored: it is written again, and sealed.
        cache = BuildCache.read(work)
        assert cache.outputs and cache.rejected is None, cache.rejected
    results = []
    for scenario in plan["scenarios"]:
        with tempfile.TemporaryDirectory() as scratch:
            data = f"{scratch}/events.json"
            # stderr through a pipe, not a file: a file-size limit would cut a file short.
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read_end)
                os.dup2(write_end, 2)
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
                _child(scenario, [*scenario.get("args", plan["args"]), "--root", str(root)], data)
            os.close(write_end)
            with os.fdopen(read_end, encoding="utf-8", errors="replace") as pipe:
                stderr = pipe.read()
            _, status = os.waitpid(pid, 0)
            results.append(
                {
                    "killed": os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL,
                    "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                    "stderr": stderr,
                    "events": json.loads(Path(data).read_text()) if Path(data).exists() else None,
                    "tree": tree(root / "build"),
                    "leftovers": leftovers(root),
                    "tmpdir": sorted(
                        set(os.listdir(tempfile.gettempdir())) - temporary - {Path(scratch).name}
                    ),
                }
            )
        if plan["reset"]:
            shutil.rmtree(root / "build", ignore_errors=True)
            shutil.copytree(backup, root / "build", symlinks=True)
            cache.write(work)
            (work / "commit.json").unlink(missing_ok=True)
            for stale in work.glob("tmp-*"):
                shutil.rmtree(stale)
    print(json.dumps(results))


def drive(root: Path, scenarios: list[dict], args: list[str] = ARGS, *, reset: bool = False) -> list[dict]:
    """Run the scenarios one after the other; with `reset`, each from the build/ there is now.

    The driver's TMPDIR is a folder of its own, so that what a killed build leaves
    there can be seen.
    """
    plan = root.parent / f"{root.name}-plan.json"
    tmpdir = root.parent / f"{root.name}-tmpdir"
    tmpdir.mkdir(exist_ok=True)
    plan.write_text(json.dumps({"root": str(root), "args": args, "scenarios": scenarios, "reset": reset}))
    result = subprocess.run(
        [sys.executable, __file__, str(plan)],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path]),
            "TMPDIR": str(tmpdir),
        },
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


# -- kill -9 -----------------------------------------------------------------------------


@pytest.mark.pdf
def test_a_build_killed_at_random_points_leaves_every_file_whole_and_the_next_run_finishes(
    built, make_newsroom
):
    """Killed before its journal is in place, a build leaves build/ as it was; killed after,
    every file is its previous or its new version, and the next run completes the build."""
    root, before = built
    (count,) = drive(root, [{}], reset=True)
    events, after = count["events"], count["tree"]
    assert count["exit"] == 0, count["stderr"]
    assert after != before
    commit = events.index("os.rename") + 1  # the journal; killed up to here, build/ is untouched
    points = sorted(
        {
            1,
            commit - 1,
            commit,
            commit + 1,
            commit + 2,
            len(events),
            *random.Random(SEED).sample(range(1, len(events) + 1), KILL_POINTS),
        }
    )
    results = drive(root, [{"kill": n} for n in points], reset=True)
    for n, result in zip(points, results, strict=True):
        where = f"killed before event {n} of {len(events)} ({events[n - 1]}); PRESSROOM_FAULT_SEED={SEED}"
        assert result["killed"], where
        assert result["tmpdir"] == [], f"{where}: left temporary files outside the newsroom"
        if n <= commit:
            assert result["tree"] == before, where
            continue
        files = result["tree"] or {}
        assert set(files) <= set(before) | set(after), where
        for rel, digest in files.items():
            assert digest in (before.get(rel), after.get(rel)), f"{where}: {rel} is half written"
    # Killed while applying its journal, and nothing cleaned up: the next run, even one
    # that fails to render, first finishes that build.
    (mid,) = drive(root, [{"on": "os.rename", "kill": 3}])
    assert mid["killed"] and (root / ".pressroom/commit.json").exists()
    (failed,) = drive(root, [{"fail": True}])
    assert failed["exit"] == 1 and failed["tree"] == after
    assert run_cli(root).returncode == 0
    assert tree(root / "build") == after
    assert leftovers(root) == [] and not (root / ".pressroom/commit.json").exists()


def test_a_build_killed_between_journal_and_moves_is_finished_by_the_next_one(make_newsroom):
    html = ["build", "--now", NOW, "--format", "html,email"]
    root = make_newsroom({f"releases/r{i}.md": release(i) for i in range(2)})
    assert run_cli(root, html).returncode == 0
    before = tree(root / "build")
    for i in range(2):
        (root / f"releases/r{i}.md").write_text(release(i, "Changed."))
    journalled, one_moved = drive(
        root, [{"on": "os.rename", "kill": 2}, {"on": "os.rename", "kill": 3}], html, reset=True
    )
    assert journalled["killed"] and journalled["tree"] == before
    assert one_moved["killed"] and one_moved["tree"] != before
    (again,) = drive(root, [{"on": "os.rename", "kill": 2}], html)
    assert again["killed"]
    after = fresh_tree(make_newsroom, root, html)
    assert run_cli(root, html).returncode == 0
    assert tree(root / "build") == after
    assert leftovers(root) == []


# -- a full disk ----------------------------------------------------------------------------

# Where a file-size limit stops the build. With PDFs: the PDF engine's temporary copy
# of a font, before any output. HTML and email only, everything rendered again: the
# first page; the first email (pages fit); the first font of the assets (pages,
# emails, listings, style sheets fit); the largest font.
HTML = ["build", "--now", NOW, "--format", "html,email"]
HTML_CLEAN = [*HTML, "--clean"]
FILE_SIZE_LIMITS = (
    (ARGS, 1, "cannot render the pdf of releases/r1.md"),
    (HTML_CLEAN, 1, "cannot write build/staff/releases/r1/index.html"),
    (HTML, 5_500, "cannot write build/email/r1.eml"),
    (HTML_CLEAN, 6_000, "cannot write build/staff/assets/fonts/Lato-Bold.ttf"),
    (HTML_CLEAN, 700_000, "cannot write build/staff/assets/fonts/Lato-BoldItalic.ttf"),
)


@pytest.mark.pdf
def test_a_full_disk_mid_build_keeps_the_previous_tree_and_says_which_file(built, make_newsroom):
    root, before = built
    results = drive(root, [{"args": args, "fsize": limit} for args, limit, _ in FILE_SIZE_LIMITS], reset=True)
    for (_, limit, where), result in zip(FILE_SIZE_LIMITS, results, strict=True):
        assert error_lines(result["stderr"]) == [f"Error: {where}: File too large"], limit
        assert result["exit"] == 1
        assert result["tree"] == before, limit
        assert result["leftovers"] == []
    assert run_cli(root).returncode == 0
    assert tree(root / "build") == fresh_tree(make_newsroom, root)


ENOSPC_SCRIPT = r"""
set -eu
mount -t tmpfs -o size=40m tmpfs "$DISK"
cp -a "$NEWSROOM" "$DISK/newsroom"
R="$DISK/newsroom"
"$PYTHON" -m pressroom build --now "$NOW" --format html,email --root "$R" >/dev/null 2>&1
find "$R/build" -type f -exec sha256sum {} + | sed "s|$R/||" | sort > "$DISK/before"
sed -i 's/Text\./Changed./g' "$R"/releases/*.md
# Fill the disk to a few hundred kilobytes, as a log or a download would.
dd if=/dev/zero of="$DISK/ballast" bs=1k count=$(( $(df -k --output=avail "$DISK" | tail -1) - $FREE_KB )) status=none
set +e
# --clean: everything is written again, as after an upgrade, not only what changed.
"$PYTHON" -m pressroom build --now "$NOW" --format html,email --clean --root "$R" >"$DISK/out" 2>"$DISK/err"
echo "exit=$?"
set -e
find "$R/build" -type f -exec sha256sum {} + | sed "s|$R/||" | sort > "$DISK/after"
cmp -s "$DISK/before" "$DISK/after" && echo "tree=same" || echo "tree=changed"
ls "$R/.pressroom" | grep -c '^tmp-' || true
echo "stderr:"; cat "$DISK/err"
rm "$DISK/ballast"
"$PYTHON" -m pressroom build --now "$NOW" --format html,email --root "$R" >/dev/null 2>&1 && echo "next=ok" || echo "next=failed"
"""


# A few pages fit in 12 kB, every page, email and style sheet in 2 MB: then a font does not.
@pytest.mark.parametrize("free_kb, stops_at", [(12, "/releases/"), (2_000, "/assets/fonts/")])
def test_a_really_full_file_system_keeps_the_previous_tree(built, tmp_path, free_kb, stops_at):
    """ENOSPC from a small tmpfs, mounted in a private mount namespace so nothing outlives the test."""
    root, _ = built
    disk = tmp_path / "disk"
    disk.mkdir()
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", ENOSPC_SCRIPT],
        env={
            **os.environ,
            "DISK": str(disk),
            "NEWSROOM": str(root),
            "PYTHON": sys.executable,
            "NOW": NOW,
            "FREE_KB": str(free_kb),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report, _, stderr = result.stdout.partition("stderr:\n")
    stderr, _, last = stderr.rstrip("\n").rpartition("\n")
    assert report.split() == ["exit=1", "tree=same", "0"], result.stdout
    (line,) = error_lines(stderr + "\n")
    assert line.startswith("Error: cannot write build/") and line.endswith(": No space left on device"), line
    assert stops_at in line
    assert last == "next=ok"


# -- a read-only output folder ----------------------------------------------------------------


@pytest.fixture
def immutable(built):
    """build/ with the immutable flag, which even root cannot write through; removed afterwards."""
    root, before = built
    subprocess.run(["chattr", "+i", str(root / "build")], check=True)
    try:
        yield root, before
    finally:
        subprocess.run(["chattr", "-i", str(root / "build")], check=True)


@pytest.mark.pdf
def test_a_read_only_output_folder_stops_the_build_before_rendering(immutable, runner, monkeypatch):
    import importlib

    from pressroom.cli import main
    from pressroom.errors import BuildError

    build_module = importlib.import_module("pressroom.engine.build")
    root, before = immutable

    def must_not_render(*args, **kwargs):
        raise AssertionError("rendered although build/ cannot be replaced")

    monkeypatch.setattr(build_module._Run, "run", must_not_render)
    result = runner.invoke(main, [*ARGS, "--root", str(root)])
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [f"Error: cannot write to {root}/build: permission denied"]
    assert tree(root / "build") == before
    debug = runner.invoke(main, ["--debug", *ARGS, "--root", str(root)])
    assert isinstance(debug.exception, BuildError)  # the traceback, for --debug only


READ_ONLY_SCRIPT = r"""
set -eu
mount -t tmpfs -o size=16m tmpfs "$DISK"
cp -a "$NEWSROOM" "$DISK/newsroom"
R="$DISK/newsroom"
"$PYTHON" -m pressroom build --now "$NOW" --root "$R" --format html >/dev/null 2>&1
if [ "$WHAT" = build ]; then
  mount --bind "$R/build" "$R/build" && mount -o remount,bind,ro "$R/build"
else
  mount -o remount,ro "$DISK"
fi
set +e
# --clean: with nothing changed, a build would have nothing to write.
"$PYTHON" -m pressroom build --now "$NOW" --root "$R" --format html --clean >/dev/null 2>"$DISK/../err"
echo "exit=$? root=$R"
cat "$DISK/../err"
"""


@pytest.mark.parametrize(
    "what, message",
    [
        ("build", "Error: cannot write to {root}/build: read-only file system"),
        ("all", "Error: cannot write in {root}/.pressroom: Read-only file system"),
    ],
)
def test_a_read_only_file_system_stops_the_build_naming_the_path(built, tmp_path, what, message):
    root, _ = built
    disk = tmp_path / "disk"
    disk.mkdir()
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", READ_ONLY_SCRIPT],
        env={
            **os.environ,
            "DISK": str(disk),
            "NEWSROOM": str(root),
            "PYTHON": sys.executable,
            "NOW": NOW,
            "WHAT": what,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    status, _, stderr = result.stdout.partition("\n")
    code, newsroom = status.split()
    assert code == "exit=1"
    assert error_lines(stderr) == [message.format(root=newsroom.removeprefix("root="))]


# -- two builds at once ---------------------------------------------------------------------------


def _holds_lock(root: Path) -> bool:
    """Whether a build holds the lock, seen without taking it: its temporary tree exists only then."""
    return bool(leftovers(root))


@pytest.mark.pdf
def test_two_builds_at_once_one_refuses_with_a_message_and_the_result_is_whole(built, make_newsroom):
    root, before = built
    cmd = [sys.executable, "-m", "pressroom", *ARGS, "--root", str(root)]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not _holds_lock(root):
        assert first.poll() is None, "the first build ended before it was seen holding the lock"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    first.send_signal(signal.SIGSTOP)  # held there, lock and all, however fast this machine is
    try:
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    finally:
        first.send_signal(signal.SIGCONT)
    _, first_stderr = first.communicate(timeout=60)
    assert first.returncode == 0, first_stderr
    assert second.returncode == 1
    assert error_lines(second.stderr) == [LOCKED]
    assert tree(root / "build") == fresh_tree(make_newsroom, root) != before
    assert leftovers(root) == []


def test_builds_started_together_each_finish_or_refuse_and_the_tree_is_whole(make_newsroom):
    root = make_newsroom({f"releases/r{i}.md": release(i) for i in range(4)})
    cmd = [
        sys.executable,
        "-m",
        "pressroom",
        "build",
        "--now",
        NOW,
        "--format",
        "html,email",
        "--root",
        str(root),
    ]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)
    ]
    errors = [p.communicate(timeout=60)[1] for p in procs]
    outcomes = [(p.returncode, stderr) for p, stderr in zip(procs, errors, strict=True)]
    assert any(code == 0 for code, _ in outcomes)
    for code, stderr in outcomes:
        assert code == 0 or (code == 1 and error_lines(stderr) == [LOCKED]), stderr
    assert tree(root / "build") == fresh_tree(make_newsroom, root, cmd[3:-2])
    assert leftovers(root) == []


if __name__ == "__main__":
    _drive(sys.argv[1])
