"""The `pressroom` command: options, exit codes and what the user reads. No logic lives here.

Exit codes: 0 done, 1 the content or the output folder has a problem (every
problem is listed, one per line, as `file:line: field: message`), 2 the
command was called wrongly, 141 the output's reader went away (a closed pipe,
as in `pressroom list | head -1`): the command ends quietly.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from pressroom import __version__
from pressroom.errors import ContentError, PressroomError, Problem, Severity
from pressroom.layout import FORMATS

if TYPE_CHECKING:
    from pressroom.model import Release

F = TypeVar("F", bound=Callable[..., Any])


def read_clock(value: str | None) -> datetime:
    """The one reading of the clock for a run: --now, else SOURCE_DATE_EPOCH, else the real time."""
    if value is not None:
        text = value.strip().replace("Z", "+00:00").replace(" ", "T")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise click.BadParameter(
                f"expected a date and time such as 2018-05-25T12:00:00+02:00, got {value!r}"
            ) from None
        if moment.tzinfo is None:
            raise click.BadParameter(f"{value!r} has no UTC offset: add one, e.g. {value}+02:00")
        return moment
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)


class _Formats(click.ParamType):  # type: ignore[type-arg]  # generic only from click 8.5
    name = "formats"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        chosen = tuple(dict.fromkeys(v.strip() for v in str(value).split(",") if v.strip()))
        unknown = [v for v in chosen if v not in FORMATS]
        if unknown or not chosen:
            self.fail(f"expected a comma-separated list of {', '.join(FORMATS)}; got {value!r}", param, ctx)
        return chosen


def _root_option(f: F) -> F:
    return click.option(
        "--root",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=".",
        show_default="the current folder",
        help="The newsroom folder (the one holding pressroom.toml).",
    )(f)


def _now_option(f: F) -> F:
    return click.option(
        "--now",
        metavar="ISO-TIME",
        help="The instant that decides embargoes, e.g. 2018-05-25T12:00:00+02:00 (default: now).",
    )(f)


def _report(problems: tuple[Problem, ...] | list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _summary(problems: tuple[Problem, ...] | list[Problem]) -> str:
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    files = len({p.path for p in problems})
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {_plural(files, 'file')}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


# 128 + SIGPIPE: what a shell reports for any program stopped by a closed pipe, so a
# script with `set -o pipefail` sees pressroom as it sees `cat` or `git log`.
CLOSED_PIPE = 141


def _closed_pipe() -> NoReturn:
    """The reader of our output went away: end now, without a traceback or a message."""
    # Python flushes stdout and stderr once more on its way out; pointed at the null
    # device, that flush cannot fail and print "Exception ignored ... BrokenPipeError".
    with contextlib.suppress(OSError, ValueError):  # under CliRunner there is no descriptor
        null = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            os.dup2(null, stream.fileno())
    sys.exit(CLOSED_PIPE)


class _Pressroom(click.Group):
    """The command group: ends quietly when its output meets a closed pipe."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        stdout = sys.stdout
        try:
            try:
                return super().main(*args, **kwargs)
            finally:
                sys.stdout.flush()  # what is still buffered meets the closed pipe here, not at exit
        except BrokenPipeError:
            _closed_pipe()
        except SystemExit:
            # Click answers a closed pipe it meets itself (writing --help) by wrapping
            # stdout and exiting 1; say it as every command does.
            if sys.stdout is not stdout:
                _closed_pipe()
            raise


def _guarded(f: F) -> F:
    """Turn the core's errors into messages and exit codes; tracebacks only with --debug."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return f(*args, **kwargs)
        except ContentError as exc:
            if debug:
                raise
            _report(exc.problems)
            click.echo(f"Error: {_summary(exc.problems)}", err=True)
            sys.exit(1)
        except PressroomError as exc:
            if debug:
                raise
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            _closed_pipe()
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if debug:
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)"
            ) from None

    return wrapper  # type: ignore[return-value]


@click.group(cls=_Pressroom, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pressroom")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
def main(debug: bool) -> None:
    """Press releases from Markdown files to a newsroom site, PDFs and emails.

    \b
    Example:
      pressroom new "EU and UN deepen cooperation on counter-terrorism"
      pressroom check
      pressroom build
    """


def run() -> NoReturn:
    """The command line as a program: the `pressroom` script and `python -m pressroom`.

    A rebuild leaves a heap of releases, summaries and cache entries that Python would
    take apart object by object on its way out: 75 ms of a one-edit rebuild of 1,000
    releases, a tenth of it. The program ends as Python's own exit does — atexit
    handlers run, output flushed, the same status — and leaves the memory to the
    operating system. With a thread still running it takes Python's way out, which
    waits for it. (`main` stays the click group tests and embedding programs call.)
    """
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    if threading.active_count() > 1:
        sys.exit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # as Python does with sys.exit("message")
        with contextlib.suppress(OSError, ValueError):
            print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = status or 120  # what Python exits with when the last flush fails
    os._exit(status)


@main.command()
@_root_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@_guarded
def check(root: Path, strict: bool) -> None:
    """Validate every release, contact, media list, own template and pressroom.toml; change nothing.

    Lists every problem as file:line: field: message and exits 1 if any is an
    error (or a warning, with --strict). With a [lint] table in pressroom.toml,
    the house-style findings of `pressroom lint` are among the warnings, and so
    is a release edited since its approval.

    \b
    Example:
      pressroom check --root ~/newsroom
    """
    from pressroom.content.loader import load_newsroom
    from pressroom.send.lists import list_names, load_list

    problems: list[Problem] = []
    try:
        newsroom = load_newsroom(root)
    except ContentError as exc:
        problems.extend(exc.problems)
    names = list_names(root.resolve())
    for name in names:
        try:
            load_list(root, name)
        except ContentError as exc:  # a list with errors is found here, not mid-send
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    from pressroom.desk.lint import check_warnings

    warnings = sorted((*newsroom.warnings, *check_warnings(newsroom, read_clock(None))))
    _report(warnings)
    if strict and warnings:
        click.echo(f"Error: {_summary(warnings)} (--strict)", err=True)
        sys.exit(1)
    translations = f"{_plural(len(newsroom.translations), 'translation')}, " if newsroom.translations else ""
    click.echo(
        f"{_plural(len(newsroom.releases), 'release')}, {translations}"
        f"{_plural(len(newsroom.contacts), 'contact')} and {_plural(len(names), 'list')} checked: no errors"
    )


@main.command()
@click.option(
    "--fix", is_flag=True, help="Make quotes and dashes typographic in the releases, and show the diff."
)
@click.option("--strict", is_flag=True, help="Exit 1 when there is any finding.")
@_root_option
@_guarded
def lint(fix: bool, strict: bool, root: Path) -> None:
    """Review every release against the house style: file:line:col: rule-id: message.

    The rules and their ids are listed in the README ("House style"); switch
    them off or set their limits in pressroom.toml's [lint]. With --fix, the
    only rewrites safe without a person are made (straight quotes and
    apostrophes to typographic ones, a hyphen between words to an en dash),
    the diff is shown, and what is left is listed. Findings are advice: the
    exit is 0 unless --strict.

    \b
    Examples:
      pressroom lint
      pressroom lint --fix
      pressroom lint --strict
    """
    from pressroom.desk.lint import run_lint

    diffs, findings = run_lint(root, read_clock(None), fix=fix)
    for diff in diffs:
        click.echo(diff, nl=False)
    if fix:
        click.echo(f"Fixed quotes and dashes in {_plural(len(diffs), 'file')}")
    for finding in findings:
        click.echo(str(finding))
    files = len({f.path for f in findings})
    summary = (
        f"{_plural(len(findings), 'finding')} in {_plural(files, 'file')}" if findings else "no findings"
    )
    if strict and findings:
        click.echo(f"Error: {summary} (--strict)", err=True)
        sys.exit(1)
    click.echo(f"House style: {summary}")


@main.command()
@click.argument("slug")
@click.option(
    "--by", "by", required=True, metavar="NAME", help="Who approves: written into the file as approved_by."
)
@click.option(
    "--series",
    metavar="NAME",
    help="The reference series of pressroom.toml's [references] (default: the first).",
)
@_root_option
@_guarded
def approve(slug: str, by: str, series: str | None, root: Path) -> None:
    """Approve a release: its reference from a series, status: approved and the approval trail.

    Gives the release the next reference of its series when it has none
    (records/references.sqlite hands each number out once, even to two
    approvals at once), and writes reference, status, approved_by,
    approved_at and approved_hash into its file, changing no other line. A
    release with errors is refused. When the file is edited afterwards,
    `check` warns and `send` refuses it until it is approved again. SLUG may
    name a translation: SLUG.LANG.

    \b
    Example:
      pressroom approve 2027-03-16-eu-and-un-women-launch-facility-for-women-mediators --by "Anna Schmidt"
    """
    from pressroom.desk.approve import approve as run_approve

    done = run_approve(root, slug, by, read_clock(None), series)
    click.echo(done.diff, nl=False)
    reference = (
        f", reference {done.reference}" + (" (new)" if done.allocated else "") if done.reference else ""
    )
    click.echo(f"Approved {done.path} by {by.strip()}{reference}")


@main.command()
@click.argument("slugs", nargs=-1, metavar="[SLUG]...")
@click.option(
    "--format",
    "formats",
    type=_Formats(),
    default=",".join(FORMATS),
    show_default=True,
    help="Which outputs to render: any of html, pdf, email, comma-separated.",
)
@_now_option
@_root_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for rendering (default: one per core).",
)
@click.option("--clean", is_flag=True, help="Ignore what the last build left and render everything.")
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    help="Render on the workers of this Dask scheduler (needs pressroom[dask]); each worker needs "
    "the newsroom at the same path.",
)
@_guarded
def build(
    slugs: tuple[str, ...],
    formats: tuple[str, ...],
    now: str | None,
    root: Path,
    strict: bool,
    jobs: int | None,
    clean: bool,
    scheduler: str | None,
) -> None:
    """Render the newsroom into build/: site/ (public), staff/ and email/.

    Only outputs whose sources changed are rendered again (--clean renders
    everything). With SLUGs, only those releases are rendered again; the rest
    of build/ is kept. Drafts and releases under embargo at --now go to staff/
    and email/ only, never to site/. build/ stays as it was if anything fails.

    \b
    Examples:
      pressroom build
      pressroom build 2018-05-25-eu-un-counter-terrorism --format pdf
      pressroom build --now 2018-05-25T12:00:00+02:00
      pressroom build --clean --scheduler tcp://10.0.0.5:8786
    """
    if scheduler is not None and jobs is not None:
        raise click.UsageError("--jobs counts processes on this machine; with --scheduler, the cluster's do")
    from pressroom.engine.noop import input_signature, read_cache, up_to_date

    moment = read_clock(now)
    started = time.perf_counter()
    with _cluster(scheduler) as cluster:
        inputs = input_signature(root.resolve())
        cache = None if clean else read_cache(root.resolve())  # read once: checked, then loaded with
        report = None if slugs or clean else up_to_date(root.resolve(), moment, inputs, formats, cache)
        if report is None:
            from pressroom.engine.build import build as run_build
            from pressroom.engine.build import load, warm_pool
            from pressroom.engine.heap import one_build, settled

            if cluster is None and not slugs:
                warm_pool(root.resolve(), formats, jobs, cache)
            with one_build(), _ProgressBar() as progress:
                with settled():  # what is loaded stays to the end of the build
                    newsroom, loader = load(root.resolve(), clean=clean, cache=cache)
                if strict and newsroom.warnings:
                    raise ContentError(
                        [Problem(p.path, p.line, p.field, p.message) for p in newsroom.warnings]
                    )
                report = run_build(
                    newsroom,
                    moment,
                    formats=formats,
                    only=slugs or None,
                    progress=progress,
                    jobs=cluster.workers if cluster is not None else jobs,
                    clean=clean,
                    executor=cluster,
                    inputs=inputs,
                    loader=loader,
                )
        elif strict and report.warnings:
            raise ContentError([Problem(p.path, p.line, p.field, p.message) for p in report.warnings])
    for notice in report.notices:
        click.echo(f"Note: {notice}", err=True)
    _report(report.warnings)
    if strict and report.warnings:
        click.echo(f"Error: {_summary(report.warnings)} (--strict)", err=True)
        sys.exit(1)
    parts = [f"{n} {kind}" for kind, n in sorted(report.rendered.items())]
    rendered = ", ".join(parts) or "nothing new"
    click.echo(
        f"Built {len(report.public)} public and {len(report.withheld)} staff-only release(s) "
        f"into {report.out.name}/ ({rendered} written) in {time.perf_counter() - started:.1f} s"
    )


def _cluster(scheduler: str | None) -> contextlib.AbstractContextManager[Any]:
    """The executor of the Dask cluster of --scheduler, else None: the build starts its own pool."""
    if scheduler is None:
        return contextlib.nullcontext()
    from pressroom.engine.cluster import connect

    return connect(scheduler)


class _ProgressBar:
    """click's progress bar, shown only when a build has enough to do to make one wait."""

    def __init__(self) -> None:
        self._bar: Any = None

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.render_finish()

    def start(self, total: int) -> None:
        if total >= 8:
            self._bar = click.progressbar(length=total, label="Rendering", file=sys.stderr)
            self._bar.__enter__()

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.update(1)


class _Slug(click.ParamType):  # type: ignore[type-arg]  # generic only from click 8.5
    """A release's slug, as its file name writes it: lowercase letters, digits and '-'."""

    name = "slug"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from pressroom.content.loader import SLUG

        if not SLUG.match(str(value)):
            self.fail(
                f"{value!r} is not a slug: lowercase letters, digits and '-', as in releases/", param, ctx
            )
        return str(value)


@main.command()
@click.argument("headline", required=False)
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Release date (default: today in the newsroom's time zone).",
)
@click.option("--location", help="Dateline city (default: `location` in pressroom.toml).")
@click.option(
    "--translate",
    metavar="SLUG",
    type=_Slug(),
    help="Start a translation of the release SLUG instead: writes releases/SLUG.LANG.md.",
)
@click.option("--language", metavar="LANG", help="The translation's language tag, e.g. fr or pt-BR.")
@_root_option
@_guarded
def new(
    headline: str | None,
    day: datetime | None,
    location: str | None,
    translate: str | None,
    language: str | None,
    root: Path,
) -> None:
    """Start a release: writes releases/<date>-<headline>.md and prints its path.

    With --translate SLUG --language LANG, starts a translation of that
    release instead: releases/SLUG.LANG.md, holding the original's text to
    write over and its source hash (translated_from); HEADLINE and
    --location, if given, are the translated headline and city. Either file
    passes `pressroom check` as it is, with status: draft.

    \b
    Examples:
      pressroom new "EU and UN deepen cooperation on counter-terrorism" --location "New York"
      pressroom new --translate 2018-05-25-eu-un-strengthen-partnership-on-counter-terrorism --language fr
    """
    from pressroom.content.scaffold import new_release, new_translation

    if translate is None:
        if language is not None:
            raise click.UsageError("--language goes with --translate SLUG")
        if headline is None:
            raise click.UsageError("Missing argument 'HEADLINE'.")
        path = new_release(root, headline, day.date() if day else read_clock(None), location)
    else:
        if language is None:
            raise click.UsageError("--translate needs --language LANG, e.g. --language fr")
        if day is not None:
            raise click.UsageError("a translation has its original's date: leave out --date")
        path = new_translation(root, translate, language, headline, location)
    click.echo(path.relative_to(root.resolve()).as_posix())


@main.command(name="list")
@_now_option
@_root_option
@_guarded
def list_(now: str | None, root: Path) -> None:
    """Show every release: slug, date, status, embargo and whether it is public now.

    With translations, one more column per language: ✓ public, draft,
    embargoed, withheld (approved, but its original is not public yet), withdrawn,
    "outdated" after any of these when the original changed since, or – none.

    \b
    Example:
      pressroom list --now 2018-05-25T12:00:00+02:00
    """
    from pressroom.content.loader import load_newsroom

    moment = read_clock(now)
    newsroom = load_newsroom(root)
    tz = newsroom.settings.tz
    languages = sorted({t.language for t in newsroom.translations}, key=str.lower)
    rows: list[tuple[str, ...]] = [("SLUG", "DATE", "STATUS", "EMBARGO", "PUBLIC", *languages)]
    for r in newsroom.releases:
        embargo = r.embargo.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if r.embargo else "-"
        versions = {t.language: t for t in newsroom.translations_of(r)}
        cells = [_translation_cell(versions.get(tag), moment) for tag in languages]
        public = "yes" if r.is_public(moment) else "no"
        rows.append((r.slug, r.date.isoformat(), r.status.value, embargo, public, *cells))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _translation_cell(translation: Release | None, now: datetime) -> str:
    """One cell of `list`'s language matrix: the state of one translation at `now`."""
    from pressroom.model import Visibility

    if translation is None:
        return "–"
    state = translation.visibility(now)
    shown = "✓" if state is Visibility.PUBLIC else state.value
    return f"{shown} outdated" if translation.is_outdated else shown


def _address(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--test-to: one address, checked as a list's addresses are."""
    from pressroom.send.lists import check_address

    if value is None:
        return None
    problem = check_address(value)
    if problem is not None:
        raise click.BadParameter(problem)
    return value.strip()


class _SendProgress:
    """A progress bar on stderr while the messages go out."""

    def __init__(self) -> None:
        self._bar: Any = None

    def __enter__(self) -> _SendProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.render_finish()

    def start(self, total: int) -> None:
        if total:
            self._bar = click.progressbar(length=total, label="Sending", file=sys.stderr)
            self._bar.__enter__()

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.update(1)


@main.command()
@click.argument("slug")
@click.option(
    "--list", "list_name", metavar="NAME", help="Send to the list contacts/lists/NAME.csv (or .yaml)."
)
@click.option(
    "--test-to",
    metavar="ADDRESS",
    callback=_address,
    help="Send one proof to ADDRESS instead of a list (drafts too); not recorded in the ledger.",
)
@click.option(
    "--dry-run", is_flag=True, help="Write the messages to .pressroom/outbox/SLUG/ instead of sending."
)
@click.option("--yes", is_flag=True, help="Send without asking for confirmation.")
@click.option("--after-embargo", is_flag=True, help="Send although the release's embargo has ended.")
@click.option(
    "--resend-changed", is_flag=True, help="Send a release that changed since some of the list got it."
)
@click.option("--resend-uncertain", is_flag=True, help="Send again where an earlier send is uncertain.")
@click.option(
    "--correction",
    is_flag=True,
    help="Send the corrected release (subject 'CORRECTION:') to those who accepted an earlier version.",
)
@click.option(
    "--new-ledger",
    is_flag=True,
    help="Keep an unreadable send ledger under another name and start a new one (everyone is sent again).",
)
@click.option(
    "--attach",
    "attach",
    metavar="FILE",
    multiple=True,
    help="Attach FILE of the release's media kit (media/SLUG/FILE) beside the PDF; repeat for more. "
    "At most 7 MB attached in all, the PDF included.",
)
@click.option("--status", is_flag=True, help="Show what the send ledger records for SLUG, and exit.")
@_root_option
@_guarded
def send(
    slug: str,
    list_name: str | None,
    test_to: str | None,
    dry_run: bool,
    yes: bool,
    after_embargo: bool,
    resend_changed: bool,
    resend_uncertain: bool,
    correction: bool,
    new_ledger: bool,
    attach: tuple[str, ...],
    status: bool,
    root: Path,
) -> None:
    """Send a release to a media list over SMTP: one message per recipient, each exactly once.

    Every recipient gets the release's email, addressed to them alone, with
    the PDF attached. A summary comes first, then a confirmation (unless
    --yes). The send ledger (records/sends.sqlite, which no clean touches)
    records each message, so the same command run again after a failure or a
    crash sends only to those who have not got it. Exits 1, listing them, when
    anyone was not sent to. An empty, damaged or foreign ledger is refused:
    only --new-ledger starts a new one. A withdrawn release, or one edited
    since `pressroom approve`, is refused. With --correction, a corrected
    release goes, its subject starting "CORRECTION:", to exactly those on the
    list who accepted an earlier version.

    \b
    Examples:
      pressroom send 2027-03-16-eu-and-un-women-launch-facility-for-women-mediators --list media --dry-run
      pressroom send 2027-03-16-eu-and-un-women-launch-facility-for-women-mediators --test-to me@example.org
      pressroom send 2027-03-16-eu-and-un-women-launch-facility-for-women-mediators --list media
      pressroom send --status 2027-03-16-eu-and-un-women-launch-facility-for-women-mediators
      pressroom send 2022-04-08-eu-and-un-deepen-cooperation-on-counter-terrorism --list media --correction
      pressroom send 2027-03-16-eu-and-un-women-launch-facility-for-women-mediators --list media \\
          --attach questions-and-answers.pdf
    """
    from pressroom.content.loader import load_newsroom
    from pressroom.send import deliver as sending
    from pressroom.send.config import find_password
    from pressroom.send.plan import prepare

    if status:
        flags = (
            dry_run,
            yes,
            after_embargo,
            resend_changed,
            resend_uncertain,
            correction,
            new_ledger,
            attach,
        )
        if list_name or test_to or any(flags):
            raise click.UsageError("--status takes only SLUG and --root")
        for line in sending.status_lines(root, slug):
            click.echo(line)
        return
    if (list_name is None) == (test_to is None):
        raise click.UsageError("give either --list NAME, or --test-to ADDRESS for a proof")
    # Sent mail is dated by the real clock: --now and SOURCE_DATE_EPOCH are for rehearsing builds.
    plan = prepare(
        load_newsroom(root),
        slug,
        datetime.now(UTC),
        list_name=list_name,
        test_to=test_to,
        after_embargo=after_embargo,
        resend_changed=resend_changed,
        resend_uncertain=resend_uncertain,
        dry_run=dry_run,
        correction=correction,
        new_ledger=new_ledger,
        attach=attach,
    )
    for line in plan.summary():
        click.echo(line)
    count = len(plan.recipients)
    if dry_run:
        folder = sending.write_outbox(plan).relative_to(root.resolve()).as_posix()
        click.echo(f"Dry run: {_plural(count, 'message')} written to {folder}/; nothing was sent")
        return
    password = find_password(plan.smtp, os.environ) if plan.smtp and count else None
    if count and not yes:
        click.confirm(f"Send {_plural(count, 'message')} now?", abort=True)
    with _SendProgress() as progress:
        report = sending.deliver(plan, password, progress=progress)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        missing = len(report.not_sent)
        click.echo(f"Error: {missing} of {_plural(len(report.recipients), 'recipient')} not sent", err=True)
        sys.exit(1)


@main.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port on 127.0.0.1 to listen on; 0 picks a free one.",
)
@_now_option
@_root_option
@_guarded
def serve(port: int, now: str | None, root: Path) -> None:
    """Preview the staff newsroom in a browser, rebuilt and reloaded on every save.

    Serves build/staff/ (drafts and embargoed releases, with their banners;
    never the public site) on 127.0.0.1 only. A release opens in its preview:
    web page, PDF and email side by side. Saving a file under releases/,
    contacts/ or templates/, or pressroom.toml, rebuilds what it changed and
    reloads the open tabs; problems show over the page until they are fixed.
    Without --now, each rebuild uses the time it starts. Ctrl-C stops it.

    \b
    Examples:
      pressroom serve
      pressroom serve --port 8080 --now 2027-03-16T11:00:00+01:00
    """
    import logging

    from pressroom.serve.http import Preview, sigterm_as_interrupt

    moment = read_clock(now) if now is not None else None  # a bad --now fails before anything starts
    logger = logging.getLogger("pressroom")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    click.echo(f"Building {root.resolve()} for the preview ...", err=True)
    try:
        with (
            sigterm_as_interrupt(),
            Preview(root, port=port, clock=lambda: moment or read_clock(None)) as preview,
        ):
            click.echo(f"Serving the staff newsroom at {preview.url} (Ctrl-C to stop)")
            preview.wait()
    except KeyboardInterrupt:
        pass
    click.echo("Stopped.", err=True)


@main.command()
@click.option(
    "--to",
    "to",
    metavar="TARGET",
    help="The [publish.TARGET] of pressroom.toml (needed when there are several).",
)
@_now_option
@click.option(
    "--dry-run", is_flag=True, help="Build, and list what the deploy would change; change nothing online."
)
@click.option(
    "--watch",
    is_flag=True,
    help="Keep running: publish at each release's instant (and after a failed deploy).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for rendering (default: one per core).",
)
@_root_option
@_guarded
def publish(
    to: str | None, now: str | None, dry_run: bool, watch: bool, jobs: int | None, root: Path
) -> None:
    """Build the public site and put it online: a folder swapped whole, or an S3 bucket.

    The target is a [publish.NAME] table of pressroom.toml. A folder is
    replaced in one rename, so readers never see half a site; a bucket gets
    only the files that changed, and loses removed ones only after every
    upload succeeded. Files that could not be deployed are listed and the
    command exits 1; running it again finishes the work. With --watch it
    keeps running, sleeps until the next release's instant and publishes
    then, logging one line per publish; SIGTERM or Ctrl-C stops it.

    \b
    Examples:
      pressroom publish --to site
      pressroom publish --to cdn --dry-run
      pressroom publish --to cdn --watch
    """
    import logging
    import threading

    from pressroom.publish import open_named
    from pressroom.publish import publish as run_publish
    from pressroom.publish.watch import Watch, run_watch

    if watch:
        if now is not None or dry_run:
            raise click.UsageError("--watch publishes at the real time: leave out --now and --dry-run")
        logger = logging.getLogger("pressroom")
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
        target = open_named(root, to)
        click.echo(
            f"Publishing {root.resolve()} to {target.describe()} as releases go public "
            "(SIGTERM or Ctrl-C stops)",
            err=True,
        )
        run_watch(Watch(root, target, clock=lambda: datetime.now(UTC), stop=threading.Event(), jobs=jobs))
        click.echo("Stopped.", err=True)
        return
    clock = datetime.now(UTC)
    moment = read_clock(now) if now is not None else clock
    if moment > clock and not dry_run:
        raise click.UsageError(
            "--now is later than the clock: publishing then would put releases under embargo online early; "
            "rehearse with --dry-run, or build with `pressroom build --now`"
        )
    target = open_named(root, to)
    with _ProgressBar() as progress:
        report = run_publish(root, moment, target, dry_run=dry_run, jobs=jobs, progress=progress)
    if dry_run:
        for label, paths in (
            ("add", report.deploy.added),
            ("change", report.deploy.changed),
            ("remove", report.deploy.removed),
        ):
            for path in paths:
                click.echo(f"{label:<7}{path}")
        click.echo(f"Dry run for {report.where}: {report.deploy.summary()}; nothing was changed online")
        return
    for failure in report.deploy.failures:
        click.echo(f"failed: {failure}", err=True)
    if not report.ok:
        click.echo(
            f"Error: {_plural(len(report.deploy.failures), 'file')} not deployed to {report.where}; "
            "nothing was removed. Run the same command again to finish.",
            err=True,
        )
        sys.exit(1)
    click.echo(f"Published to {report.where}: {report.summary()}")


@main.command(name="next")
@_now_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object, for scripts and cron.")
@_root_option
@_guarded
def next_(now: str | None, as_json: bool, root: Path) -> None:
    """Say when the public site next changes: the next embargo lifting or release date beginning.

    Prints the instant (in UTC and the newsroom's time zone), how long until
    then and the releases that go public at it; or that nothing is waiting.
    With --json: {"now", "next" (null when nothing is waiting), "seconds",
    "releases": [{"key", "path", "title"}]}.

    \b
    Examples:
      pressroom next
      pressroom next --json
    """
    import json

    from pressroom.content.loader import load_newsroom
    from pressroom.publish import next_change

    moment = read_clock(now)
    newsroom = load_newsroom(root)
    change = next_change(newsroom, moment)
    if as_json:
        data = {
            "now": moment.isoformat(),
            "next": change.at.astimezone(UTC).isoformat() if change else None,
            "seconds": (change.at - moment).total_seconds() if change else None,
            "releases": [{"key": r.key, "path": r.path, "title": r.title} for r in change.releases]
            if change
            else [],
        }
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    if change is None:
        click.echo("Nothing scheduled: no approved release is waiting for its time.")
        return
    local = change.at.astimezone(newsroom.settings.tz)
    click.echo(
        f"{change.at.astimezone(UTC).isoformat()} ({local:%Y-%m-%d %H:%M %Z}), "
        f"in {_duration((change.at - moment).total_seconds())}:"
    )
    for r in change.releases:
        click.echo(f"  {r.key}")


def _duration(seconds: float) -> str:
    """'2 d 3 h', '3 h 12 min', '4 min 5 s', '12 s'."""
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{seconds:.1f} s" if seconds < 10 else f"{secs} s"
