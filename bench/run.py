"""One run, one table: pressroom against Pelican, bare WeasyPrint and (if installed) Hugo.

Why one script and one run: the targets in the speed issue are ratios, and a
ratio is only worth something when both sides were measured on the same files,
on the same machine, at the same moment. This script generates the archives
(bench/generate.py, fixed seed), then times every tool as a subprocess with
the wall clock, alternating the tools repetition by repetition so that a
neighbour's load on this shared 2-core machine hits both sides alike, and
prints medians, ratios and PASS/FAIL against each target.

Nothing is hard-coded but the targets: every figure in the table was measured
in this run. A target that cannot be measured yet (an engine flag missing)
says so instead of passing.

Usage:
    .venv/bin/python bench/run.py            # the full benchmark (see bench/README.md for its length)
    .venv/bin/python bench/run.py --quick    # small archives, 2 repetitions: a sanity run in about a minute
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes.util
import json
import logging
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import dask_cluster  # bench/ is sys.path[0] when this file is run as a script
import generate as gen

BIN = Path(sys.executable).parent
SLOW_ROUND = 30.0  # s: a repetition round longer than this gets at most 3 repetitions
VERY_SLOW_ROUND = 120.0  # s: and longer than this, just one


# -- plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How big and how often: the full benchmark, or a quick sanity run of every code path."""

    main: int  # releases in the head-to-head archive
    sizes: tuple[int, ...]  # archives for the flatness rows (main among them)
    subset: int  # releases in the all-formats archive (a full PDF build of `main` takes minutes)
    reps: int  # repetitions of each timed command, before the slow-round rule
    pdfs: int  # releases timed one by one in the warm-process PDF comparison
    emails: int  # releases timed one by one for the email
    dask: int  # releases whose PDFs are built on a Dask cluster of 1 and of 2 local workers

    @property
    def small(self) -> int:
        return self.sizes[0]


FULL = Plan(main=1000, sizes=(100, 1000, 5000), subset=40, reps=5, pdfs=20, emails=200, dask=1000)
QUICK = Plan(main=60, sizes=(20, 60, 120), subset=4, reps=2, pdfs=3, emails=10, dask=8)


# -- running a command --------------------------------------------------------------------------


class BenchError(Exception):
    """A tool failed: the benchmark stops, since its numbers would mean nothing."""


@dataclass(frozen=True)
class Sample:
    """One timed run of a command."""

    seconds: float
    rss_mib: float  # peak RSS of the largest single process of the run (the tool or a worker)
    main_mib: float | None = None  # peak RSS of the tool's own process, when watched
    worker_mib: float | None = None  # peak RSS of its largest child process, when watched
    load: float = 0.0  # the 1-minute load average when it ended: above 2, a neighbour was busy


def _read_hwm(pid: int) -> float | None:
    """The process's peak resident set (VmHWM) in MiB, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else None


def _descendants(root: int) -> dict[int, int]:
    """Every descendant of `root` with its parent, from the parent ids in /proc/*/stat.

    /proc/<pid>/task/<tid>/children would be cheaper, but this kernel is built
    without it; one pass over /proc is a few hundred small reads.
    """
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat.rsplit(")", 1)[-1].split()
        parents[int(entry.name)] = int(fields[1])
    found: dict[int, int] = {}
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found |= {pid: parents[pid] for pid in frontier}
    return found


class _Watcher:
    """Samples the peak RSS (VmHWM) of a tool's process and of each of its workers every 50 ms.

    The launcher's rusage gives the largest single process of the run for
    free; the watcher is what tells the tool's own process from its workers.
    VmHWM only grows, so a sample misses at most the last 50 ms of a process.
    """

    def __init__(self, launcher: int) -> None:
        self.launcher = launcher
        self.main = 0.0
        self.workers: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            for pid, parent in _descendants(self.launcher).items():
                hwm = _read_hwm(pid)
                if hwm is None:
                    continue
                if parent == self.launcher:  # the tool itself
                    self.main = max(self.main, hwm)
                else:
                    self.workers[pid] = max(self.workers.get(pid, 0.0), hwm)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


# Runs one command and reports its wall time and peak memory. Why a launcher, rather than
# timing the subprocess from here: on Linux a child's ru_maxrss starts at its parent's peak
# (exec keeps the old memory's high-water mark), so every tool started by this process,
# which holds WeasyPrint and a loaded newsroom, would report at least this process's size.
# A child of this small interpreter starts from about 7 MiB instead. Its timer also leaves
# out its own start-up. ru_maxrss covers the tool and every worker it waited for.
LAUNCHER = """
import os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
with open(out, "w") as f:
    f.write(f"{elapsed!r} {usage.ru_maxrss}")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run(cmd: Sequence[str], cwd: Path, *, watch: bool = False) -> Sample:
    """Run a command to the end through the launcher: wall time, and the peak RSS of its processes."""
    with tempfile.TemporaryFile() as log, tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report"
        launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(report), *cmd]
        proc = subprocess.Popen(
            launcher, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        watcher = _Watcher(proc.pid) if watch else None
        code = proc.wait()
        if watcher is not None:
            watcher.stop()
        if code != 0:
            log.seek(0)
            output = log.read().decode(errors="replace")[-4000:]
            raise BenchError(f"`{' '.join(cmd)}` in {cwd} exited with {code}:\n{output}")
        elapsed, max_rss = report.read_text().split()
    rss = int(max_rss) / 1024  # kB on Linux
    load = os.getloadavg()[0]
    if watcher is None:
        return Sample(float(elapsed), rss, load=load)
    worker = max(watcher.workers.values(), default=None)
    return Sample(float(elapsed), rss, watcher.main or None, worker, load)


@dataclass
class Case:
    """A command to time, with what to do (untimed) before each repetition."""

    label: str
    cmd: list[str]
    cwd: Path
    prepare: Callable[[], None] | None = None
    watch: bool = False
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def rss(self) -> float:
        """The largest process of any repetition, from rusage or, where watched, from /proc.

        Both, because rusage counts only processes the tool waited for: a
        worker that a build leaves to exit on its own is seen by the watcher alone.
        """
        return max(max(s.rss_mib, s.main_mib or 0.0, s.worker_mib or 0.0) for s in self.samples)


RAW: dict[str, list[dict[str, Any]]] = {}  # every sample, for --json


def measure(cases: Sequence[Case], reps: int) -> None:
    """Time the cases alternately, one round per repetition; fewer rounds when a round is slow.

    Alternating means a burst of load from a neighbour on this shared machine
    lands on every tool of the comparison, not on one of them.
    """
    done = 0
    while done < reps:
        started = time.perf_counter()
        for case in cases:
            if case.prepare is not None:
                case.prepare()
            case.samples.append(run(case.cmd, case.cwd, watch=case.watch))
        done += 1
        if done == 1:
            spent = time.perf_counter() - started
            if spent > VERY_SLOW_ROUND:
                reps = 1
            elif spent > SLOW_ROUND:
                reps = min(reps, 3)
    for case in cases:
        RAW[case.label] = [s.__dict__ for s in case.samples]
        log(f"  {case.label}: median {fmt_s(case.median)} of {len(case.samples)}, peak {case.rss:.0f} MiB")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the tools ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tools:
    pressroom: list[str]
    clean: bool  # `pressroom build --clean` exists
    jobs: bool  # `pressroom build --jobs N` exists
    scheduler: bool  # `pressroom build --scheduler ADDRESS` exists (a Dask cluster)
    pelican: str | None
    hugo: str | None

    def build(
        self,
        root: Path,
        formats: str = "html",
        *,
        clean: bool = False,
        jobs: int | None = None,
        slugs: Sequence[str] = (),
        scheduler: str | None = None,
    ) -> list[str]:
        """A `pressroom build` command line, with the engine flags only when the engine has them."""
        cmd = [*self.pressroom, "build", *slugs, "--root", str(root), "--now", gen.NOW, "--format", formats]
        if clean and self.clean:
            cmd.append("--clean")
        if jobs is not None and self.jobs:
            cmd += ["--jobs", str(jobs)]
        if scheduler is not None:
            cmd += ["--scheduler", scheduler]
        return cmd


def compile_bytecode() -> None:
    """Write pressroom's .pyc files, as installing a wheel does for it and for Pelican: a source
    checkout (or PYTHONDONTWRITEBYTECODE) would otherwise time the compiling of every module."""
    import pressroom

    package = str(Path(pressroom.__file__).parent)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", package], env=env, check=True, stdout=subprocess.DEVNULL
    )


def find_tools() -> Tools:
    """Where each tool is, and which of the engine's new flags this pressroom has."""
    compile_bytecode()
    script = BIN / "pressroom"
    pressroom = [str(script)] if script.exists() else [sys.executable, "-m", "pressroom"]
    usage = subprocess.run([*pressroom, "build", "--help"], capture_output=True, text=True, check=True).stdout
    pelican = BIN / "pelican"
    return Tools(
        pressroom=pressroom,
        clean=re.search(r"--clean\b", usage) is not None,
        jobs=re.search(r"--jobs\b", usage) is not None,
        scheduler=re.search(r"--scheduler\b", usage) is not None,
        pelican=str(pelican) if pelican.exists() else shutil.which("pelican"),
        hugo=shutil.which("hugo"),
    )


def _version(cmd: Sequence[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return "?"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


def machine(tools: Tools) -> list[str]:
    """What the numbers were measured on, printed above the table."""
    import weasyprint

    import pressroom

    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0))
    lines = [
        f"machine     {platform.platform()}, {cores} cores ({usable} usable), "
        f"load average {os.getloadavg()[0]:.2f} at start",
        f"python      {platform.python_version()} ({sys.executable})",
        f"pressroom   {_version([*tools.pressroom, '--version'])}; build flags: "
        f"--clean {'yes' if tools.clean else 'NO'}, --jobs {'yes' if tools.jobs else 'NO'}, "
        f"--scheduler {'yes' if tools.scheduler else 'NO'}; "
        f"from {Path(pressroom.__file__).parent}",
        f"weasyprint  {weasyprint.__version__}; libharfbuzz-subset: "
        f"{ctypes.util.find_library('harfbuzz-subset') or 'NOT FOUND (every PDF about 4x slower)'}",
        f"pelican     {_version([tools.pelican, '--version']) if tools.pelican else 'not installed'}",
        f"hugo        {_version([tools.hugo, 'version']) if tools.hugo else 'not installed'}",
    ]
    return lines


# -- edits --------------------------------------------------------------------------------------

_WORD = re.compile(r"\b(today|yesterday)\b")


def toggle_word(path: Path, body_after: str) -> None:
    """Change one word of a release's body: its first 'today' becomes 'yesterday', or back.

    `body_after` is what ends the file's header ("\\n---\\n" for pressroom's
    front matter, "\\n\\n" for Pelican's metadata), so the edit is in the body.
    """
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition(body_after)
    body = _WORD.sub(lambda m: "yesterday" if m.group(1) == "today" else "today", body, count=1)
    path.write_text(head + sep + body, encoding="utf-8")


def toggle_text(paths: Sequence[Path], a: str, b: str) -> None:
    """Replace `a` by `b` in every file, or `b` by `a` where the first edit was already made."""
    for path in paths:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(a, b) if a in text else text.replace(b, a), encoding="utf-8")


def clear(*paths: Path) -> Callable[[], None]:
    """A `prepare` that removes output and cache folders: the next build starts cold."""

    def prepare() -> None:
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)

    return prepare


# -- the archives -------------------------------------------------------------------------------


@dataclass
class Archive:
    """One generated archive: the newsroom, and the same text for the other tools."""

    count: int
    news: Path
    pelican: Path | None
    hugo: Path | None
    edit_slug: str  # a public release in the middle of the archive, edited by the one-edit rows
    hot: list[str]  # the 10 releases that name the hot contact

    @property
    def hot_phone(self) -> tuple[str, str]:
        phone = gen.contacts()[gen.HOT_CONTACT]["phone"]
        return phone, phone.replace(" 555 ", " 556 ", 1)

    def edit_release(self) -> None:
        toggle_word(self.news / "releases" / f"{self.edit_slug}.md", "\n---\n")

    def edit_pelican(self) -> None:
        assert self.pelican is not None
        toggle_word(self.pelican / "content" / f"{self.edit_slug}.md", "\n\n")

    def edit_hugo(self) -> None:
        assert self.hugo is not None
        toggle_word(self.hugo / "content" / "releases" / f"{self.edit_slug}.md", "\n---\n")

    def edit_contact(self) -> None:
        toggle_text([self.news / "contacts" / f"{gen.HOT_CONTACT}.yaml"], *self.hot_phone)

    def edit_contact_pelican(self) -> None:
        """Pelican has no contact files: the contact is written out in each of its 10 releases."""
        assert self.pelican is not None
        toggle_text([self.pelican / "content" / f"{s}.md" for s in self.hot], *self.hot_phone)


def make_archive(base: Path, count: int, *, pelican: bool, hugo: bool) -> Archive:
    started = time.perf_counter()
    news = base / f"news-{count}"
    pel = base / f"pelican-{count}" if pelican else None
    hug = base / f"hugo-{count}" if hugo else None
    gen.generate(news, count, pelican=pel, hugo=hug)
    data = gen.releases(count)
    middle = data[len(data) // 2 :] + data
    edit = next(r for r in middle if r.status == "approved" and r.embargo is None)
    log(f"generated {count} releases in {time.perf_counter() - started:.1f} s: {news}")
    return Archive(count, news, pel, hug, edit.slug, gen.hot_releases(count))


# -- in-process measurements --------------------------------------------------------------------


@dataclass
class Warm:
    """Per-release times in one warm process, in seconds."""

    bare: list[float] = field(default_factory=list)  # weasyprint.HTML(...).write_pdf()
    bare_ua: list[float] = field(default_factory=list)  # the same with pressroom's PDF options
    ours: list[float] = field(default_factory=list)  # pressroom's render_release_pdf
    pages: list[int] = field(default_factory=list)
    email: list[float] = field(default_factory=list)  # render_email(...).as_bytes(), written to a file
    # The same, with the view's Markdown converted first, as a build that renders the page or the
    # PDF of the release too has done: what the email adds to them.
    email_own: list[float] = field(default_factory=list)
    print_html: Path | None = None  # one release's print HTML, for the fresh-process comparison
    base_url: str = ""  # what its relative URLs resolve against
    bare_warnings: int = 0  # WeasyPrint warnings during the bare runs (a missing font would show here)


def print_html(env: Any, view: Any, folders: Sequence[Path]) -> tuple[str, str]:
    """The print HTML and base URL that pressroom lays out for a release, taken from pressroom itself.

    render_release_pdf is called with its layout step (render_pdf) swapped for
    one that keeps what it is given, so the HTML is exactly pressroom's however
    the engine prepares it (views per language, label catalogues, ...), and
    this benchmark need not follow each change of the template context.
    """
    from pressroom.render import pdf

    captured: dict[str, Any] = {}

    def keep(html: str, *args: Any, **kwargs: Any) -> tuple[bytes, list[str]]:
        captured.update(html=html, base=kwargs.get("base", folders[0]))
        return b"", []

    original = pdf.render_pdf
    pdf.render_pdf = keep  # type: ignore[assignment]
    try:
        pdf.render_release_pdf(env, view, folders)
    finally:
        pdf.render_pdf = original  # type: ignore[assignment]
    if not captured:
        raise BenchError("render_release_pdf no longer calls render_pdf: update print_html in bench/run.py")
    return captured["html"], Path(captured["base"]).resolve().as_uri() + "/"


class _Warnings(logging.Handler):
    """Counts WeasyPrint's warnings for the bare runs: a bare run that failed to load a font is no match."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.active = False
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += self.active


def warm_pdf(root: Path, limit: int, scratch: Path, fresh_slug: str) -> Warm:
    """PDF per release: pressroom's own render against bare WeasyPrint on the same HTML.

    Both sides run in this one process after two warm-up documents each, in
    alternating order release by release, so font loading, caches and a
    neighbour's load favour neither. Bare is timed as the issue states it,
    `weasyprint.HTML(string=..., base_url=...).write_pdf()` (render() and
    write_pdf() are the two halves of that call; the page count comes free),
    and once more with pressroom's PDF/UA options, to tell tagging cost from
    pressroom's own. The print HTML of `fresh_slug` is kept in a file for the
    fresh-process comparison. Pressroom's side renders as a build's worker does:
    its temporary files in a scratch folder, where the build's PDFs share one font
    set-up (render.pdf.build_fonts); bare WeasyPrint makes one for each document.
    """
    import weasyprint

    from pressroom.content.loader import load_newsroom
    from pressroom.render.pdf import PDF_OPTIONS, build_fonts, render_release_pdf
    from pressroom.render.templating import environment, template_dirs
    from pressroom.render.view import ReleaseView

    newsroom = load_newsroom(root)
    now = datetime.fromisoformat(gen.NOW)
    env = environment(newsroom.templates)
    folders = template_dirs(newsroom.templates)
    views = [ReleaseView(r, newsroom.settings, now) for r in newsroom.releases][:limit]
    documents = [print_html(env, v, folders) for v in views]
    fresh = next(r for r in newsroom.releases if r.slug == fresh_slug)
    fresh_html, fresh_base = print_html(env, ReleaseView(fresh, newsroom.settings, now), folders)
    result = Warm(print_html=scratch / "print.html", base_url=fresh_base)
    assert result.print_html is not None
    result.print_html.write_text(fresh_html, encoding="utf-8")
    warnings = _Warnings()
    logging.getLogger("weasyprint").addHandler(warnings)

    def bare(html: str, base: str, options: dict[str, Any]) -> float:
        warnings.active = True
        started = time.perf_counter()
        document = weasyprint.HTML(string=html, base_url=base).render()
        document.write_pdf(**options)
        elapsed = time.perf_counter() - started
        warnings.active = False
        result.pages.append(len(document.pages))
        return elapsed

    build_scratch = scratch / "pdf-scratch"
    build_scratch.mkdir(exist_ok=True)

    def ours(view: Any) -> float:
        started = time.perf_counter()
        render_release_pdf(env, view, folders, fonts=build_fonts(folders, str(build_scratch)))
        return time.perf_counter() - started

    saved_tempdir, tempfile.tempdir = tempfile.tempdir, str(build_scratch)
    try:
        for view, (html, base) in list(zip(views, documents, strict=True))[:2]:
            bare(html, base, {})
            bare(html, base, PDF_OPTIONS)
            ours(view)
        result.pages.clear()
        for i, (view, (html, base)) in enumerate(zip(views, documents, strict=True)):
            steps: list[Callable[[], None]] = [
                lambda h=html, b=base: result.bare.append(bare(h, b, {})),
                lambda h=html, b=base: result.bare_ua.append(bare(h, b, PDF_OPTIONS)),
                lambda v=view: result.ours.append(ours(v)),
            ]
            for step in steps if i % 2 == 0 else reversed(steps):
                step()
    finally:
        tempfile.tempdir = saved_tempdir
        logging.getLogger("weasyprint").removeHandler(warnings)
    result.bare_warnings = warnings.count
    return result


def warm_email(root: Path, limit: int, scratch: Path, result: Warm) -> None:
    """Email per release, including the .eml: render_email, as_bytes, and the file written."""
    from pressroom.content.loader import load_newsroom
    from pressroom.render.mail import render_email
    from pressroom.render.templating import environment
    from pressroom.render.view import ReleaseView

    newsroom = load_newsroom(root)
    now = datetime.fromisoformat(gen.NOW)
    env = environment(newsroom.templates)
    views = [ReleaseView(r, newsroom.settings, now) for r in newsroom.releases][:limit]
    out = scratch / "email"
    out.mkdir(exist_ok=True)
    for view in views[:2]:
        render_email(env, view).as_bytes()
    for view in views:
        started = time.perf_counter()
        (out / f"{view.release.slug}.eml").write_bytes(render_email(env, view).as_bytes())
        result.email.append(time.perf_counter() - started)
    for r in newsroom.releases[:limit]:
        view = ReleaseView(r, newsroom.settings, now)
        _ = (view.marked_body_html, view.background_html)  # the Markdown the page shares
        started = time.perf_counter()
        (out / f"{view.release.slug}.eml").write_bytes(render_email(env, view).as_bytes())
        result.email_own.append(time.perf_counter() - started)


# -- the table ----------------------------------------------------------------------------------


def fmt_s(seconds: float) -> str:
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def fmt_n(n: int) -> str:
    return f"{n:,}"


def faster(ours: float, theirs: float) -> str:
    ratio = theirs / ours
    return f"{ratio:.1f}× faster" if ratio >= 1 else f"{1 / ratio:.1f}× slower"


@dataclass
class Row:
    what: str
    ours: str
    alt: str = "—"
    ratio: str = "—"
    target: str = "—"
    result: str = "info"

    @staticmethod
    def verdict(*conditions: bool) -> str:
        return "PASS" if all(conditions) else "FAIL"


def print_table(rows: Sequence[Row]) -> None:
    header = Row("what", "pressroom", "alternative", "ratio", "target", "result")
    cells = [[r.what, r.ours, r.alt, r.ratio, r.target, r.result] for r in (header, *rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(6)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for values in cells[1:]:
        print(line(values))


# -- the benchmark ------------------------------------------------------------------------------


def head_to_head(a: Archive, tools: Tools, plan: Plan, rows: list[Row]) -> dict[str, Case]:
    """Full HTML build and the three rebuilds, pressroom against Pelican (and Hugo), at plan.main."""
    n = fmt_n(a.count)
    pel_out = (a.pelican / "output", a.pelican / "cache") if a.pelican else ()
    ours_full = Case(
        f"pressroom full html @{a.count}",
        tools.build(a.news, clean=True),
        a.news,
        clear(a.news / "build", a.news / ".pressroom"),
    )
    cases = [ours_full]
    if tools.pelican and a.pelican:
        pel_full = Case(
            f"pelican full @{a.count}",
            [tools.pelican, "content", "-s", "pelicanconf.py", "-o", "output", "-q"],
            a.pelican,
            clear(*pel_out),
        )
        cases.append(pel_full)
    if tools.hugo and a.hugo:
        cases.append(
            Case(
                f"hugo full @{a.count}",
                [tools.hugo, "--quiet", "--source", str(a.hugo), "--destination", "public"],
                a.hugo,
                clear(a.hugo / "public", a.hugo / "resources"),
            )
        )
    log(f"full HTML build, {n} releases")
    measure(cases, plan.reps)
    by_label = {c.label: c for c in cases}
    pel_full_case = next((c for c in cases if c.label.startswith("pelican")), None)
    if pel_full_case is not None:
        ratio = pel_full_case.median / ours_full.median
        rows.append(
            Row(
                f"full build, HTML only, {n} releases",
                fmt_s(ours_full.median),
                f"Pelican {fmt_s(pel_full_case.median)}",
                faster(ours_full.median, pel_full_case.median),
                "≥ 3.5× faster",
                Row.verdict(ratio >= 3.5),
            )
        )
    else:
        rows.append(
            Row(
                f"full build, HTML only, {n} releases",
                fmt_s(ours_full.median),
                "Pelican not installed",
                target="≥ 3.5× faster",
                result="n/a",
            )
        )

    # Rebuilds start from a finished build of each tool; Pelican's from a primed cache.
    run(tools.build(a.news), a.news)
    pel_cached = None
    if tools.pelican and a.pelican:
        clear(*pel_out)()
        pel_cached = [tools.pelican, "content", "-s", "pelicanconf_cached.py", "-o", "output", "-q"]
        run(pel_cached, a.pelican)

    rebuilds: list[tuple[str, str, str, Callable[[], None] | None, Callable[[], None] | None, float]] = [
        ("no-op", "no-op rebuild", "nothing changed", None, None, 0.2),
        (
            "one-edit",
            "one-edit rebuild",
            "one word of one release",
            a.edit_release,
            a.edit_pelican if a.pelican else None,
            0.3,
        ),
        (
            "contact",
            "contact edit",
            f"{gen.HOT_CONTACT}, named by 10 releases",
            a.edit_contact,
            a.edit_contact_pelican if a.pelican else None,
            0.3,
        ),
    ]
    for key, title, detail, ours_edit, pel_edit, limit in rebuilds:
        ours = Case(f"pressroom {key} html @{a.count}", tools.build(a.news), a.news, ours_edit)
        cases = [ours]
        pel = None
        if pel_cached and a.pelican:
            pel = Case(f"pelican cached {key} @{a.count}", pel_cached, a.pelican, pel_edit)
            cases.append(pel)
        log(f"{title} ({detail}), {n} releases")
        measure(cases, plan.reps)
        by_label.update({c.label: c for c in cases})
        what = f"{title} ({detail}), {n} releases"
        target = f"≤ {fmt_s(limit)} and ≥ 10× faster"
        if pel is not None:
            rows.append(
                Row(
                    what,
                    fmt_s(ours.median),
                    f"Pelican cached {fmt_s(pel.median)}",
                    faster(ours.median, pel.median),
                    target,
                    Row.verdict(ours.median <= limit, pel.median / ours.median >= 10),
                )
            )
        else:
            rows.append(
                Row(
                    what,
                    fmt_s(ours.median),
                    "Pelican not installed",
                    "—",
                    target,
                    Row.verdict(ours.median <= limit) + " (time only)",
                )
            )

    if tools.hugo and a.hugo:
        hugo_full = by_label[f"hugo full @{a.count}"]
        rows.append(
            Row(
                f"full build vs Hugo, {n}",
                fmt_s(ours_full.median),
                f"Hugo {fmt_s(hugo_full.median)}",
                faster(ours_full.median, hugo_full.median),
            )
        )
        hugo_edit = Case(
            f"hugo one-edit @{a.count}",
            [tools.hugo, "--quiet", "--source", str(a.hugo), "--destination", "public"],
            a.hugo,
            a.edit_hugo,
        )
        log(f"Hugo one-edit rebuild (a plain `hugo` build; `hugo server` is not measured), {n}")
        measure([hugo_edit], plan.reps)
        ours_edit = by_label[f"pressroom one-edit html @{a.count}"]
        rows.append(
            Row(
                f"one-edit rebuild vs `hugo` build, {n}",
                fmt_s(ours_edit.median),
                f"Hugo {fmt_s(hugo_edit.median)}",
                faster(ours_edit.median, hugo_edit.median),
            )
        )
    else:
        rows.append(Row("full build vs Hugo", "—", "Hugo not installed", result="n/a"))
    return by_label


def flatness(
    base: Path, main: Archive, main_cases: dict[str, Case], tools: Tools, plan: Plan, rows: list[Row]
) -> None:
    """No-op and one-edit rebuilds (and the full build's memory) at every archive size."""
    noop: dict[int, float] = {}
    edit: dict[int, float] = {}
    full: dict[int, Case] = {main.count: main_cases[f"pressroom full html @{main.count}"]}
    pelican_full: dict[int, Case] = {}
    if f"pelican full @{main.count}" in main_cases:
        pelican_full[main.count] = main_cases[f"pelican full @{main.count}"]
    noop[main.count] = main_cases[f"pressroom no-op html @{main.count}"].median
    edit[main.count] = main_cases[f"pressroom one-edit html @{main.count}"].median
    for count in plan.sizes:
        if count == main.count:
            continue
        a = make_archive(base, count, pelican=count == plan.small and tools.pelican is not None, hugo=False)
        log(f"full HTML build, {fmt_n(count)} releases (once, for its memory and to start the rebuilds from)")
        full[count] = Case(f"pressroom full html @{count}", tools.build(a.news, clean=True), a.news)
        cases = [full[count]]
        if a.pelican is not None and tools.pelican:
            pelican_full[count] = Case(
                f"pelican full @{count}",
                [tools.pelican, "content", "-s", "pelicanconf.py", "-o", "output", "-q"],
                a.pelican,
            )
            cases.append(pelican_full[count])
        measure(cases, 1)
        ours_noop = Case(f"pressroom no-op html @{count}", tools.build(a.news), a.news)
        ours_edit = Case(f"pressroom one-edit html @{count}", tools.build(a.news), a.news, a.edit_release)
        log(f"no-op and one-edit rebuilds, {fmt_n(count)} releases")
        measure([ours_noop, ours_edit], plan.reps)
        noop[count], edit[count] = ours_noop.median, ours_edit.median
        shutil.rmtree(a.news, ignore_errors=True)  # a 5,000-release build/ is large; nothing reads it again

    sizes = sorted(noop)
    label = " / ".join(fmt_n(s) for s in sizes)
    lo, hi = sizes[0], sizes[-1]
    for title, times, limit in (("no-op rebuild", noop, 0.2), ("one-edit rebuild", edit, 0.3)):
        growth = times[hi] / times[lo]
        rows.append(
            Row(
                f"{title} at {label} releases",
                " / ".join(fmt_s(times[s]) for s in sizes),
                "—",
                f"{fmt_n(hi)} vs {fmt_n(lo)}: {growth:.2f}×",
                f"each ≤ {fmt_s(limit)}; flat: ≤ 1.5×",
                Row.verdict(all(t <= limit for t in times.values()), growth <= 1.5),
            )
        )
    mem = {s: c.rss for s, c in full.items()}
    growth = mem[plan.main] / mem[plan.small]
    rows.append(
        Row(
            f"peak memory, full HTML build, {label} releases",
            " / ".join(f"{mem[s]:.0f}" for s in sizes) + " MiB",
            "Pelican "
            + " / ".join(f"{pelican_full[s].rss:.0f}" if s in pelican_full else "—" for s in sizes)
            + " MiB",
            f"{fmt_n(plan.main)} vs {fmt_n(plan.small)}: {growth:.2f}×",
            "≤ 100 MiB at each; not growing: ≤ 1.25×",
            Row.verdict(all(m <= 100 for m in mem.values()), growth <= 1.25),
        )
    )
    rows.append(
        Row(
            f"full build, HTML only, {label} releases",
            " / ".join(fmt_s(full[s].median) for s in sizes),
            "Pelican "
            + " / ".join(fmt_s(pelican_full[s].median) if s in pelican_full else "—" for s in sizes),
        )
    )


def all_formats(base: Path, tools: Tools, plan: Plan, rows: list[Row]) -> Warm:
    """HTML, PDF and email on a small archive: jobs 1 against jobs 2, rebuilds, PDF and email."""
    a = make_archive(base, plan.subset, pelican=False, hugo=False)
    n = plan.subset
    per = f"per release, {n} releases"
    reps = min(plan.reps, 3)
    formats = "html,pdf,email"
    clean = clear(a.news / "build", a.news / ".pressroom")
    one = Case(
        f"pressroom full all formats jobs 1 @{n}",
        tools.build(a.news, formats, clean=True, jobs=1),
        a.news,
        clean,
        watch=True,
    )
    cases = [one]
    two = None
    if tools.jobs:
        two = Case(
            f"pressroom full all formats jobs 2 @{n}",
            tools.build(a.news, formats, clean=True, jobs=2),
            a.news,
            clean,
            watch=True,
        )
        cases.append(two)
    log(f"full build, all formats, {n} releases, --jobs 1{' and 2' if two else ' (no --jobs flag: default)'}")
    measure(cases, reps)
    jobs1 = "--jobs 1" if tools.jobs else "one process (no --jobs yet)"
    rows.append(
        Row(f"full build, all formats, {jobs1}", f"{fmt_s(one.median / n)} {per} ({fmt_s(one.median)})")
    )
    if two is not None:
        speedup = one.median / two.median
        rows.append(
            Row(
                "full build, all formats, --jobs 2",
                f"{fmt_s(two.median / n)} {per} ({fmt_s(two.median)})",
                f"--jobs 1 {fmt_s(one.median / n)}",
                f"{speedup:.2f}× speed-up",
                "≥ 1.8×",
                Row.verdict(speedup >= 1.8),
            )
        )
    else:
        rows.append(
            Row(
                "full build, all formats, --jobs 2",
                "not measurable: no --jobs flag yet",
                target="≥ 1.8× speed-up",
                result="n/a",
            )
        )
    # Peak memory per process: wait4 gives the largest one; with jobs, the watcher tells them apart.
    rows.append(
        Row(
            f"peak memory, all formats, {jobs1}, {n} releases",
            f"{one.rss:.0f} MiB",
            target="≤ 100 MiB per process",
            result=Row.verdict(one.rss <= 100),
        )
    )
    if two is not None:
        main = max((s.main_mib or 0.0) for s in two.samples)
        workers = [s.worker_mib for s in two.samples if s.worker_mib is not None]
        worker = max(workers) if workers else None
        shown = f"main {main:.0f} MiB, largest worker " + (f"{worker:.0f} MiB" if worker else "none seen")
        rows.append(
            Row(
                f"peak memory, all formats, --jobs 2, {n} releases",
                shown,
                target="≤ 100 MiB per process",
                result=Row.verdict(two.rss <= 100),
            )
        )

    # Rebuilds with every format: the PDFs of unchanged releases should be kept, not rendered.
    run(tools.build(a.news, formats), a.news)
    noop = Case(f"pressroom no-op all formats @{n}", tools.build(a.news, formats), a.news)
    edit = Case(f"pressroom one-edit all formats @{n}", tools.build(a.news, formats), a.news, a.edit_release)
    log(f"no-op and one-edit rebuilds, all formats, {n} releases")
    measure([noop, edit], reps)
    rows.append(Row(f"no-op rebuild, all formats, {n} releases", fmt_s(noop.median)))
    rows.append(Row(f"one-edit rebuild, all formats, {n} releases", fmt_s(edit.median)))

    scratch = base / "scratch"
    scratch.mkdir(exist_ok=True)
    log(f"PDF per release in one warm process, {min(plan.pdfs, n)} releases")
    warm = warm_pdf(a.news, plan.pdfs, scratch, a.edit_slug)
    ours, bare, ua = (statistics.median(x) for x in (warm.ours, warm.bare, warm.bare_ua))
    pages = statistics.median(warm.pages)
    noted = f", {warm.bare_warnings} WeasyPrint warnings in bare runs" if warm.bare_warnings else ""
    rows.append(
        Row(
            f"PDF per release, warm process ({pages:g} pages, {len(warm.ours)} releases{noted})",
            fmt_s(ours),
            f"bare WeasyPrint {fmt_s(bare)}",
            f"{ours / bare:.2f}× of bare",
            "≤ 1.1× of bare",
            Row.verdict(ours / bare <= 1.1),
        )
    )
    rows.append(
        Row(
            "  (bare WeasyPrint with pressroom's PDF/UA options)",
            fmt_s(ours),
            f"bare + PDF/UA {fmt_s(ua)}",
            f"{ours / ua:.2f}× of bare + PDF/UA",
        )
    )

    # One release's PDF from a fresh process: what `pressroom build SLUG --format pdf` costs after
    # an edit (the edit makes any engine render it, however it decides what is up to date).
    assert warm.print_html is not None
    base_url = warm.base_url
    bare_script = (
        "import sys, weasyprint; "
        "weasyprint.HTML(filename=sys.argv[1], base_url=sys.argv[2]).write_pdf(sys.argv[3])"
    )
    fresh_ours = Case(
        f"pressroom one pdf fresh @{n}",
        tools.build(a.news, "pdf", slugs=[a.edit_slug]),
        a.news,
        a.edit_release,
    )
    fresh_bare = Case(
        "weasyprint one pdf fresh",
        [sys.executable, "-c", bare_script, str(warm.print_html), base_url, str(scratch / "out.pdf")],
        scratch,
    )
    log("one release's PDF in a fresh process")
    measure([fresh_ours, fresh_bare], reps)
    rows.append(
        Row(
            "one release's PDF after an edit, fresh process (`build SLUG --format pdf`)",
            fmt_s(fresh_ours.median),
            f"bare WeasyPrint {fmt_s(fresh_bare.median)}",
            f"{fresh_ours.median / fresh_bare.median:.2f}× of bare",
        )
    )
    return warm


def email_rows(main: Archive, plan: Plan, base: Path, warm: Warm, rows: list[Row]) -> None:
    log(f"email per release in one warm process, {plan.emails} releases")
    warm_email(main.news, plan.emails, base / "scratch", warm)
    median = statistics.median(warm.email)
    rows.append(
        Row(
            f"email per release, with the .eml written ({len(warm.email)} releases)",
            fmt_s(median),
            target="≤ 5 ms",
            result=Row.verdict(median <= 0.005),
        )
    )
    own = statistics.median(warm.email_own)
    rows.append(
        Row(
            "of which the email's own work (the release's Markdown converted already, shared with its "
            "page and PDF in a build)",
            fmt_s(own),
            ratio=f"Markdown {fmt_s(median - own)}",
        )
    )


def dask_rows(base: Path, tools: Tools, count: int, reps: int, rows: list[Row]) -> None:
    """The PDFs of `count` releases on a Dask cluster of 1 and of 2 local workers, and on the pool."""
    what = f"PDFs of {fmt_n(count)} releases, Dask cluster, 2 local workers"
    missing = None if tools.scheduler else "no --scheduler flag"
    missing = missing or dask_cluster.available()
    if missing is not None:
        rows.append(Row(what, f"not measurable: {missing}", result="n/a"))
        return
    a = make_archive(base / "dask", count, pelican=False, hugo=False)
    clean = clear(a.news / "build", a.news / ".pressroom")
    with (
        dask_cluster.local_cluster(base / "dask" / "one", 1) as one,
        dask_cluster.local_cluster(base / "dask" / "two", 2) as two,
    ):
        on_one = Case(
            f"dask 1 worker pdf @{count}",
            tools.build(a.news, "pdf", clean=True, scheduler=one),
            a.news,
            clean,
        )
        on_two = Case(
            f"dask 2 workers pdf @{count}",
            tools.build(a.news, "pdf", clean=True, scheduler=two),
            a.news,
            clean,
        )
        pool = Case(
            f"pool jobs 2 pdf @{count}", tools.build(a.news, "pdf", clean=True, jobs=2), a.news, clean
        )
        log(f"PDFs of {count} releases on Dask, 1 and 2 local workers, and on the pool with --jobs 2")
        measure([on_one, on_two, pool], reps)
    speedup = on_one.median / on_two.median
    per = f"{fmt_s(on_two.median / count)} per release"
    rows.append(
        Row(
            what,
            f"{fmt_s(on_two.median)} ({per})",
            f"1 worker {fmt_s(on_one.median)}",
            f"{speedup:.2f}× speed-up",
        )
    )
    rows.append(
        Row(
            "  (the same on the built-in pool, --jobs 2)",
            fmt_s(on_two.median),
            f"--jobs 2 {fmt_s(pool.median)}",
            f"{on_two.median / pool.median:.2f}× of the pool",
        )
    )


REPO = Path(__file__).resolve().parents[1]
JOINT = "2026-10-14-eu-au-and-un-agree-joint-priorities-for-maritime-security"
SAMPLE_PHOTO = REPO / "media" / JOINT / "patrol-vessel.jpg"  # 2400 × 1600, 382 kB
_MEDIA_LIST = re.compile(r"^media:\n(?:  .*\n)*", re.MULTILINE)  # the list, up to the next field


def sample_copy(target: Path, *, media: bool) -> Path:
    """The repository's sample newsroom, with its media kits or with every `media:` list taken out."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy(REPO / "pressroom.toml", target)
    for folder in ("releases", "contacts", *(("media",) if media else ())):
        shutil.copytree(REPO / folder, target / folder)
    if not media:
        for path in (target / "releases").glob("*.md"):
            path.write_text(_MEDIA_LIST.sub("", path.read_text(encoding="utf-8")), encoding="utf-8")
    return target


def add_photos(news: Path, photo: Path) -> int:
    """A 2400 × 1600 photo for every original release, named under `media:` as an editor names it."""
    count = 0
    for path in sorted((news / "releases").glob("*.md")):
        slug = path.name[: -len(".md")]
        if "." in slug:
            continue  # a translation shows its original's kit
        folder = news / "media" / slug
        folder.mkdir(parents=True, exist_ok=True)
        os.link(photo, folder / "photo.jpg")  # the same bytes: each release's copies are still made
        head, sep, body = path.read_text(encoding="utf-8").partition("\n---\n")
        kit = "\nmedia:\n  - file: photo.jpg\n    alt: A patrol vessel at sea at dusk\n    caption: At sea"
        path.write_text(head + kit + sep + body, encoding="utf-8")
        count += 1
    return count


def media_rows(base: Path, tools: Tools, plan: Plan, rows: list[Row]) -> None:
    """What the media kits cost: the sample with and without its photos, the archive with one per release."""
    reps = min(plan.reps, 3)
    with_kits = sample_copy(base / "sample-kits", media=True)
    without = sample_copy(base / "sample-plain", media=False)
    cases = [
        Case(f"sample {name} all formats", tools.build(root, "html,pdf,email", clean=True), root,
             clear(root / "build", root / ".pressroom"))
        for name, root in (("with kits", with_kits), ("without kits", without))
    ]  # fmt: skip
    log("the sample newsroom, every format, with its 3 photos and a Q&A, and without them")
    measure(cases, reps)
    kits, plain = cases
    rows.append(
        Row(
            "sample, all formats, clean: media kits (3 photos, 1 document)",
            fmt_s(kits.median),
            f"without {fmt_s(plain.median)}",
            f"+{fmt_s(kits.median - plain.median)}",
        )
    )
    a = make_archive(base / "media-plain", plan.main, pelican=False, hugo=False)
    b = make_archive(base / "media-photos", plan.main, pelican=False, hugo=False)
    photos = add_photos(b.news, SAMPLE_PHOTO)
    clean = [
        Case(f"{name} html clean @{plan.main}", tools.build(x.news, "html", clean=True), x.news,
             clear(x.news / "build", x.news / ".pressroom"))
        for name, x in (("photos", b), ("plain", a))
    ]  # fmt: skip
    log(f"{plan.main} releases, HTML, clean: {photos} with a 2400 × 1600 photo each, and none")
    measure(clean, reps)
    edits = [
        Case(f"{name} html one edit @{plan.main}", tools.build(x.news, "html"), x.news, x.edit_release)
        for name, x in (("photos", b), ("plain", a))
    ]
    log(f"{plan.main} releases, HTML, one release's text edited: with photos and without")
    measure(edits, reps)
    added = clean[0].median - clean[1].median
    rows.append(
        Row(
            f"{fmt_n(plan.main)} releases, HTML, clean: a photo in each ({photos} photos)",
            fmt_s(clean[0].median),
            f"without {fmt_s(clean[1].median)}",
            f"+{fmt_s(added)} ({fmt_s(added / max(photos, 1))} a photo)",
        )
    )
    rows.append(
        Row(
            f"  one edit of a release's text, {fmt_n(plan.main)} releases with photos",
            fmt_s(edits[0].median),
            f"without {fmt_s(edits[1].median)}",
            f"+{fmt_s(edits[0].median - edits[1].median)}",
        )
    )


def benchmark(plan: Plan, base: Path, dask: int, dask_only: bool, media_only: bool = False) -> list[Row]:
    tools = find_tools()
    for line in machine(tools):
        print(line)
    print(flush=True)
    rows: list[Row] = []
    if dask_only:
        dask_rows(base, tools, dask, min(plan.reps, 3), rows)
        return rows
    if media_only:
        media_rows(base, tools, plan, rows)
        return rows
    main = make_archive(base, plan.main, pelican=tools.pelican is not None, hugo=tools.hugo is not None)
    check = run([*tools.pressroom, "check", "--root", str(main.news)], main.news)
    rows.append(Row(f"check ({fmt_n(plan.main)} releases, 40 contacts)", fmt_s(check.seconds)))
    main_cases = head_to_head(main, tools, plan, rows)
    flatness(base, main, main_cases, tools, plan, rows)
    warm = all_formats(base, tools, plan, rows)
    email_rows(main, plan, base, warm, rows)
    RAW["warm pdf ours"] = [{"seconds": s} for s in warm.ours]
    RAW["warm pdf bare"] = [{"seconds": s} for s in warm.bare]
    RAW["warm pdf bare pdf/ua"] = [{"seconds": s} for s in warm.bare_ua]
    RAW["warm email"] = [{"seconds": s} for s in warm.email]
    RAW["warm email, Markdown converted already"] = [{"seconds": s} for s in warm.email_own]
    media_rows(base, tools, plan, rows)
    if dask:
        dask_rows(base, tools, dask, min(plan.reps, 3), rows)
    return rows


@contextlib.contextmanager
def workspace(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="pressroom-bench-") as folder:
        yield Path(folder)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small archives and 2 repetitions: a sanity run")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="generate into DIR and leave it there")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every sample to FILE")
    parser.add_argument(
        "--dask",
        type=int,
        metavar="N",
        help="releases whose PDFs the Dask rows build on 1 and 2 local workers "
        f"(default {FULL.dask:,}, --quick {QUICK.dask}; 0 leaves the rows out)",
    )
    parser.add_argument("--dask-only", action="store_true", help="run the Dask rows and nothing else")
    parser.add_argument(
        "--media-only", action="store_true", help="run the media kit rows (sample, archive) and nothing else"
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    dask = plan.dask if args.dask is None else max(0, args.dask)
    if args.media_only:
        dask = 0
    started = time.perf_counter()
    with workspace(args.keep) as base:
        try:
            rows = benchmark(plan, base, dask, args.dask_only, args.media_only)
        except BenchError as exc:
            print(f"benchmark stopped: {exc}", file=sys.stderr)
            return 1
    minutes = (time.perf_counter() - started) / 60
    print()
    print_table(rows)
    print()
    if not (args.dask_only or args.media_only):
        print(
            "HTML rows: `pressroom build --format html` with the engine's default jobs, against Pelican in\n"
            "one process, its rebuilds with its content cache (generator layer). All-format rows: "
            f"{plan.subset} releases,\nper release = total / {plan.subset}. Medians; every sample with "
            "--json. See bench/README.md."
        )
    if dask:
        print(
            f"Dask rows: `pressroom build --format pdf --clean --scheduler` on {dask:,} releases, against\n"
            "`dask scheduler` and `dask worker --nworkers 1|2 --nthreads 1` on 127.0.0.1 "
            "(bench/dask_cluster.py)."
        )
    if not args.dask_only:
        print(
            "Media rows: the sample built clean with and without its kits; the archive clean with one\n"
            "2400 × 1600 photo per release (each published at full size, 1200 and 400 px, in site/ and\n"
            "staff/, and zipped) and without; then one release's text edited, which re-encodes no photo."
        )
    verdicts = [r.result.split()[0] for r in rows]
    loads = [sample["load"] for samples in RAW.values() for sample in samples if "load" in sample]
    print()
    print(
        f"{verdicts.count('PASS')} targets met, {verdicts.count('FAIL')} missed, "
        f"{verdicts.count('n/a')} not measurable yet; {minutes:.1f} min; load average "
        f"{min(loads, default=0):.2f}–{max(loads, default=0):.2f} during the runs, "
        f"{os.getloadavg()[0]:.2f} at the end"
        + (" (--quick: small archives, the targets are for the full run)" if args.quick else "")
    )
    if args.json is not None:
        args.json.write_text(json.dumps({"plan": plan.__dict__, "samples": RAW}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
