"""The hostile corpus: every attack in tests/hostile/ is refused with a message, or built harmlessly.

Each `tests/hostile/<case>.md` is a release and each `tests/hostile/<case>/` a
newsroom fragment (files laid over a small newsroom, `symlinks.txt` for links,
`attack.txt` saying what it tries). `@PORT@` stands for the port of a listener
this test runs on 127.0.0.1 and [::1], `@OUTSIDE@` for a folder beside the
newsroom holding canary files.

All cases run in one subprocess under an audit hook (sys.addaudithook): it
records every file opened, every link, rename and removal, every connection
and every process started, so the test can assert that nothing outside the
newsroom and the package is read, nothing outside build/ and .pressroom/ is
written, and nothing connects anywhere; the listeners must see no connection.
"""

from __future__ import annotations

import email
import html
import json
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

import pytest

HOSTILE = Path(__file__).parent / "hostile"
SECRET = "SECRET-CANARY-5c1d"
NOW = "2026-01-15T09:00:00Z"
BASE_RELEASE = (
    "---\ntitle: Base release\ndate: 2018-05-25\nlocation: Brussels\nstatus: approved\n---\nBase text.\n"
)
BUILD = ["build", "--now", NOW]


@dataclass(frozen=True)
class Refused:
    """`check` and `build` exit 1 with exactly these problems (plus the summary) and write nothing."""

    problems: tuple[str, ...]


@dataclass(frozen=True)
class BuildRefused:
    """`check` passes; `build` exits 1 with this one error line before writing anything."""

    error: str


@dataclass(frozen=True)
class Built:
    """The build succeeds and every output passes the common checks, and the case's own."""

    args: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()  # shown as text in the release's staff page (escaped, not run)
    extra: str = ""  # the name of a case-specific check below
    warnings: bool = False  # the PDF engine refused something, and says so
    said: tuple[str, ...] = ()  # the warnings check and build both print


LINK_OUT = "is a link to a file outside the newsroom; copy the file in instead"
CONTACT_ID = "is not a valid contact id: use lowercase letters, digits, '-' and '_'"
SANDBOX = "templates run in a sandbox, where no name starts with '_'"
LOCAL_PATH = (
    "is a path on this computer, which readers cannot open: put the file in media/body-local-paths/, "
    "list it under media: and write media/<file>"
)
EXPECTED = {
    "body-local-paths": Refused(
        tuple(
            f"releases/body-local-paths.md:{line}: body: '{path}' {LOCAL_PATH}"
            for line, path in (
                (9, "../../../../../../etc/passwd"),
                (9, "/etc/passwd"),
                (10, "../../.ssh/id_rsa"),
                (10, "assets/../../../../etc/hostname"),
                (12, "../media/other-release/x.jpg"),
                (12, "/etc/hostname"),
                (12, "media/../../../../etc/passwd"),
            )
        )
    ),
    "asset-link-out": Refused(
        (
            "templates/assets/etc: is a link to a folder outside the newsroom; copy the folder in instead",
            f"templates/assets/leak.txt: {LINK_OUT}",
        )
    ),
    "body-control-characters": Built(
        texts=("The Council agreed today.", "A line break from Word, a page break, a backspace and a DEL."),
        said=(
            "releases/body-control-characters.md:12: warning: body: dropped 8 invisible control characters "
            "(U+0007, U+0008, U+000B, U+000C, U+001B, U+007F, U+0085, U+009B) on lines 12, 14 and 16, "
            "most likely left over from copying and pasting",
        ),
        extra="no-controls",
    ),
    "build-planted-link": Built(args=("base",), extra="planted"),
    "contact-id-traversal": Refused(
        (
            f"releases/contact-id-traversal.md:8: contacts[0]: '../../../../../../etc/passwd' {CONTACT_ID}",
            f"releases/contact-id-traversal.md:9: contacts[1]: '/etc/passwd' {CONTACT_ID}",
            f"releases/contact-id-traversal.md:10: contacts[2]: '..' {CONTACT_ID}",
            f"releases/contact-id-traversal.md:11: contacts[3]: '../pressroom' {CONTACT_ID}",
            "releases/contact-id-traversal.md:12: contacts[4]: contains the control character U+0000; "
            "keep it on one line",
        )
    ),
    "contact-link-out": Refused(
        (
            f"contacts/leak.yaml: {LINK_OUT}",
            "releases/names-leak.md:7: contacts[0]: unknown contact 'leak' (no contacts/leak.yaml)",
        )
    ),
    "document-end-promotes-draft": Refused(
        ("releases/document-end-promotes-draft.md:8: YAML syntax error: did not find expected <document start>",)
    ),
    "duplicate-status-promotes-draft": Refused(
        ("releases/duplicate-status-promotes-draft.md:8: status: duplicate field (first given on line 6)",)
    ),
    "fetch-cloud-metadata": Built(warnings=True),
    "fetch-loopback-ipv4": Built(warnings=True),
    "fetch-loopback-ipv6": Built(warnings=True),
    "fetch-with-remote-resources-allowed": Built(warnings=True),
    "header-injection-encoded-word": Built(extra="encoded-word"),
    "header-injection-language": Refused(
        ("releases/header-injection-language.md:6: language: contains a line break; keep it on one line",)
    ),
    "header-injection-line-break": Refused(
        (
            "releases/header-injection-line-break.md:3: title: contains a line break; keep it on one line",
            "releases/header-injection-line-break.md:4: subtitle: contains a line break; keep it on one line",
        )
    ),
    "header-injection-unicode-breaks": Refused(
        (
            "releases/header-injection-unicode-breaks.md:4: title: contains the control character U+0085; "
            "keep it on one line",
            "releases/header-injection-unicode-breaks.md:5: subtitle: contains a line break; keep it on one line",
            "releases/header-injection-unicode-breaks.md:6: reference: contains the control character U+000C; "
            "keep it on one line",
            "releases/header-injection-unicode-breaks.md:7: location: contains the control character U+000B; "
            "keep it on one line",
        )
    ),
    "html-in-body": Built(),
    "html-in-fields": Built(texts=("</title></script><zq-x zqattr=1>", "<img src=x onerror=alert(1)><zq-x>")),
    "link-to-local-file": Refused(
        (
            "releases/link-to-local-file.md:9: links[0].url: expected an http, https or mailto address, "
            "found 'file:///etc/passwd'",
            "releases/link-to-local-file.md:11: links[1].url: expected an http, https or mailto address, "
            "found 'javascript:alert(1)'",
            "releases/link-to-local-file.md:13: links[2].url: expected an http, https or mailto address, "
            "found 'data:text/html,<script>alert(1)</script>'",
        )
    ),
    "logo-path-traversal": Refused(
        (
            "pressroom.toml:4: logo: expected a file in templates/assets/, such as 'assets/logo.svg', "
            "found 'assets/../../../../../../etc/passwd'",
        )
    ),
    "merge-key-promotes-draft": Refused(("releases/merge-key-promotes-draft.md:7: <<: unknown field",)),
    "pdf-attachments": Built(extra="no-attachments", warnings=True),
    "pdf-css-reads-local-files": Built(extra="no-images", warnings=True),
    "pdf-embeds-local-files": Built(extra="no-images", warnings=True),
    "release-link-out": Refused((f"releases/leak.md: {LINK_OUT}",)),
    "second-block-promotes-draft": Refused(
        (
            "releases/second-block-promotes-draft.md:10: a second '---' block in the body: only the block "
            "at the top of the file is front matter; move these fields there",
        )
    ),
    "sender-encoded-word": Refused(
        (
            "pressroom.toml:6: email.from: expected an address such as 'Press <press@example.org>', "
            "found '=?utf-8?q?Press=0D=0ABcc:_victim@example.org?= <press@example.org>'",
        )
    ),
    "sender-header-injection": Refused(
        (
            "pressroom.toml:6: email.from: expected an address such as 'Press <press@example.org>', "
            "found 'Press <press@example.org>\\r\\nBcc: victim@example.org'",
        )
    ),
    "settings-link-out": Refused((f"pressroom.toml: {LINK_OUT}",)),
    "slug-traversal": Refused(
        (
            "releases/a\\..\\..\\..\\escape.md: 'a\\..\\..\\..\\escape' is not a valid slug: use lowercase "
            "letters, digits and '-', e.g. 'a-escape.md'",
        )
    ),
    "status-lookalike": Refused(
        ("releases/status-lookalike.md:7: status: expected 'draft', 'approved' or 'withdrawn', found 'аpproved'",)
    ),
    "status-zero-width": Refused(
        ("releases/status-zero-width.md:6: status: expected 'draft', 'approved' or 'withdrawn', found 'appro\u200bved'",)
    ),
    # Shown as text, its quotes made typographic like any other.
    "template-code-in-body": Built(texts=("{{ 1000 + 337 }}", "{% include “../../../../../../etc/passwd” %}")),
    "template-code-in-fields": Built(texts=("{{ 1000 + 337 }}", "{% for x in 'abc' %}Z{{ x }}{% endfor %}")),
    "template-code-in-settings": Built(),
    "template-link-out": Refused((f"templates/partials/boilerplate.html: {LINK_OUT}",)),
    "template-runs-python": Refused(
        (
            "templates/partials/boilerplate.html:2: '__class__', '__base__', '__subclasses__' and '__name__' "
            f"are out of a template's reach: {SANDBOX}",
            f"templates/partials/endmark.html:1: '__globals__' is out of a template's reach: {SANDBOX}",
        )
    ),
    "templates-folder-link-out": Refused(
        ("templates: is a link to a folder outside the newsroom; copy the folder in instead",)
    ),
    "workdir-link-out": BuildRefused(
        "Error: .pressroom is not a folder; move it away so pressroom can keep its files there"
    ),
    "yaml-alias-bomb": Refused(
        ("releases/yaml-alias-bomb.md:3: a: YAML anchors (&a) are not allowed",)
    ),
    "yaml-python-tag": Refused(
        ("releases/yaml-python-tag.md:3: title: YAML tags (!!python/object/apply:os.system) are not allowed; "
         "write plain text",)
    ),
}  # fmt: skip


def corpus() -> list[str]:
    return sorted(
        p.stem if p.is_file() else p.name for p in HOSTILE.iterdir() if p.suffix == ".md" or p.is_dir()
    )


# -- setting the cases up ------------------------------------------------------------


def _outside(base: Path) -> Path:
    """Canary files beside the newsroom: nothing of them may be read or reach an output."""
    outside = base / "outside"
    (outside / "house" / "partials").mkdir(parents=True)
    (outside / "work").mkdir()
    (outside / "secret.txt").write_text(f"{SECRET} text\n")
    (outside / "secret.yaml").write_text(f"name: {SECRET}\nemail: secret@example.org\n")
    (outside / "secret.md").write_text(BASE_RELEASE.replace("Base", SECRET))
    (outside / "pressroom.toml").write_text(
        f'name = "{SECRET}"\nurl = "https://press.example.org/"\n[email]\nfrom = "S <s@example.org>"\n'
    )
    (outside / "house" / "base.html").write_text(SECRET)
    (outside / "house" / "partials" / "boilerplate.html").write_text(SECRET)
    return outside


def _fill(text: str, port: int, outside: Path) -> str:
    return text.replace("@PORT@", str(port)).replace("@OUTSIDE@", str(outside))


def make_case(case: str, base: Path, port: int, outside: Path) -> Path:
    """A newsroom with the case laid over it: SETTINGS, one plain release, then the attack."""
    from helpers import SETTINGS

    root = base / case
    (root / "releases").mkdir(parents=True)
    (root / "contacts").mkdir()
    (root / "pressroom.toml").write_text(SETTINGS)
    (root / "releases" / "base.md").write_text(BASE_RELEASE)
    single = HOSTILE / f"{case}.md"
    if single.is_file():
        text = single.read_text(encoding="utf-8")
        name = re.search(r"^# install-as: (.+)$", text, re.MULTILINE)
        (root / "releases" / (name[1] if name else single.name)).write_text(
            _fill(text, port, outside), encoding="utf-8"
        )
        return root
    fragment = HOSTILE / case
    for path in sorted(fragment.rglob("*")):
        rel = path.relative_to(fragment)
        if path.is_dir() or rel.as_posix() in ("attack.txt", "symlinks.txt"):
            continue
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(_fill(path.read_text(encoding="utf-8"), port, outside), encoding="utf-8")
    links = fragment / "symlinks.txt"
    for line in links.read_text().splitlines() if links.is_file() else ():
        if line.strip() and not line.startswith("#"):
            link, target = (part.strip() for part in line.split(" -> "))
            path = root / link
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() or path.is_symlink():
                path.unlink()
            path.symlink_to(_fill(target, port, outside))
    return root


# -- the audited run ---------------------------------------------------------------------

# Audit events worth recording: what is read, written, linked and removed, every
# connection and name lookup, and every way to start a process.
AUDITED = {
    "open", "os.rename", "os.link", "os.symlink", "os.remove", "os.rmdir", "os.mkdir", "os.truncate",
    "shutil.copyfile", "shutil.rmtree", "socket.connect", "socket.sendto", "socket.getaddrinfo",
    "urllib.Request", "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
    "os.startfile", "tempfile.mkdtemp", "tempfile.mkstemp",
}  # fmt: skip


def _drive(plan_file: str) -> None:
    """Run each planned command under an audit hook; print what each did, as JSON."""
    # Importing WeasyPrint looks for Pango with ctypes.util.find_library, which runs
    # `ld` and `ldconfig`: that is the import, not the build, so it happens before the hook.
    import weasyprint  # noqa: F401
    from click.testing import CliRunner

    from pressroom.cli import main

    log: list[list[object]] | None = None

    def text(value: object) -> object:
        return os.fsdecode(value) if isinstance(value, bytes | os.PathLike) else value

    def hook(event: str, args: tuple[object, ...]) -> None:
        if log is not None and event in AUDITED:
            log.append(
                [event, *(text(a) if isinstance(a, str | bytes | os.PathLike) else repr(a) for a in args)]
            )

    sys.addaudithook(hook)
    results = []
    for run in json.loads(Path(plan_file).read_text()):
        log = []
        result = CliRunner().invoke(main, run["args"])
        events, log = log, None
        results.append(
            {
                "exit": result.exit_code,
                "stdout": result.stdout,
                "stderr": result.stderr,
                "exception": None
                if isinstance(result.exception, SystemExit | None)
                else repr(result.exception),
                "events": events,
                "cwd": os.getcwd(),
            }
        )
    print(json.dumps(results))


@dataclass
class Run:
    case: str
    root: Path
    args: list[str]
    exit: int = 0
    stdout: str = ""
    stderr: str = ""
    exception: str | None = None
    events: list[list[str]] = field(default_factory=list)
    cwd: str = ""


@dataclass
class Campaign:
    runs: dict[tuple[str, str], Run]  # (case, "check" or "build") -> its run
    connections: list[str]
    outside: Path


def _listeners() -> tuple[int, list[socket.socket]]:
    """Listening sockets on 127.0.0.1 and [::1], one port; a connection waits in their backlog."""
    v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    v4.bind(("127.0.0.1", 0))
    port = v4.getsockname()[1]
    v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    v6.bind(("::1", port))
    for s in (v4, v6):
        s.listen(64)
        s.setblocking(False)
    return port, [v4, v6]


def _accepted(listeners: list[socket.socket]) -> list[str]:
    seen = []
    for s in listeners:
        while True:
            try:
                conn, peer = s.accept()
            except BlockingIOError:
                break
            seen.append(f"{peer} -> {s.getsockname()}")
            conn.close()
    return seen


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    outside = _outside(base)
    port, listeners = _listeners()
    try:
        plan, runs = [], {}
        for case in corpus():
            root = make_case(case, base / "cases", port, outside).resolve()
            expected = EXPECTED.get(case)
            extra = list(expected.args) if isinstance(expected, Built) else []
            for command, args in (("check", ["check"]), ("build", [*BUILD, *extra])):
                run = Run(case, root, [*args, "--root", str(root)])
                runs[case, command] = run
                plan.append({"args": run.args})
        plan_file = base / "plan.json"
        plan_file.write_text(json.dumps(plan))
        work = base / "cwd"  # a newsroom of its own, which no run may read
        work.mkdir()
        (work / "pressroom.toml").write_text(f'name = "{SECRET}"\n')
        result = subprocess.run(
            [sys.executable, __file__, str(plan_file)],
            capture_output=True,
            text=True,
            cwd=work,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])},
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        for run, answer in zip(runs.values(), json.loads(result.stdout), strict=True):
            for key, value in answer.items():
                setattr(run, key, value)
        connections = _accepted(listeners)
    finally:
        for s in listeners:
            s.close()
    return Campaign(runs, connections, outside)


# -- what every run must (not) do -------------------------------------------------------


def _allowed_reads(root: Path) -> list[Path]:
    """The newsroom, the package and its house style, Python and its libraries, system data files."""
    import mimetypes
    import sysconfig
    import zoneinfo

    import pressroom
    from pressroom.render.templating import DEFAULT_TEMPLATES

    places = [root, Path(pressroom.__file__).parent, DEFAULT_TEMPLATES]
    places += [Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)]
    places += [Path(p) for p in sysconfig.get_paths().values()]
    places += [Path(p) for p in mimetypes.knownfiles] + [Path(p) for p in zoneinfo.TZPATH]
    return [p.resolve() for p in places]


def _opened(run: Run) -> list[tuple[Path | None, bool]]:
    """Each file the run opened, and whether for writing."""
    found = []
    for event, *args in run.events:
        if event != "open" or not args[0] or args[0].isdigit():  # an int is a descriptor already open
            continue
        path = Path(run.cwd, args[0])
        if not Path(args[0]).is_absolute() and not path.exists():
            # A name relative to a folder's descriptor (shutil.rmtree opens and removes
            # them so), not to the working folder, where a canary pressroom.toml waits.
            found.append((None, False))
            continue
        path = path.resolve()
        mode, flags = args[1], args[2]
        writes = (mode not in ("None", None) and any(c in str(mode) for c in "wax+")) or (
            int(flags) & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) != 0
        )
        found.append((path, writes))
    return found


def assert_contained(run: Run, campaign: Campaign) -> None:
    """Reads stay in the newsroom, the package and Python; writes in build/ and .pressroom/ (and the
    compiled templates in the user's cache folder); no network."""
    from pressroom.render.templating import compiled_templates_folder

    outside = campaign.outside
    compiled = compiled_templates_folder().resolve()
    allowed = [*_allowed_reads(run.root), compiled]
    roots = {r.root for r in campaign.runs.values()}

    def writable(path: Path) -> bool:
        if path.is_relative_to(run.root / "build") or path.is_relative_to(run.root / ".pressroom"):
            return True
        if path.is_relative_to(compiled):
            return True
        # The PDF engine removes its temporary folder (in .pressroom/tmp-*-scratch) when the
        # garbage collector gets to it, which may be during the run of another case.
        return any(
            path.is_relative_to(root / ".pressroom")
            and path.relative_to(root / ".pressroom").parts[0].endswith("-scratch")
            for root in roots
        )

    for path, writes in _opened(run):
        if path is None:
            continue
        assert not path.is_relative_to(outside.resolve()), f"{run.case}: opened {path}"
        if writes:
            assert writable(path), f"{run.case}: wrote {path}"
        else:
            assert any(path.is_relative_to(a) for a in allowed), f"{run.case}: read {path}"
    for event, *args in run.events:
        assert event != "os.symlink", f"{run.case}: made a link {args}"
        if event in ("os.rename", "os.link", "os.remove", "os.rmdir", "shutil.rmtree", "os.mkdir"):
            paths = args[:2] if event in ("os.rename", "os.link") else args[:1]
            if args[-1] not in ("None", "-1") and not str(args[0]).startswith("/"):
                continue  # relative to a folder's descriptor: shutil.rmtree of its own tree
            for arg in paths:
                path = Path(run.cwd, arg).resolve()
                assert writable(path), f"{run.case}: {event} {arg}"
        assert event not in ("socket.connect", "socket.sendto", "urllib.Request"), (
            f"{run.case}: {event} {args}"
        )
        assert event not in (
            "subprocess.Popen",
            "os.system",
            "os.exec",
            "os.posix_spawn",
            "os.spawn",
            "os.fork",
        ), f"{run.case}: started a process {args}"


def assert_friendly(run: Run) -> None:
    """No traceback: one line per problem, naming a file of the newsroom, then one summary line."""
    assert run.exception is None, f"{run.case}: {run.exception}"
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    for line in run.stderr.split("\n")[:-1]:
        assert re.match(r"(releases|contacts|templates)/|pressroom\.toml|templates:|Error: ", line), line


def _problems(stderr: str) -> tuple[str, ...]:
    return tuple(line for line in stderr.split("\n")[:-1] if not line.startswith("Error: "))


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def assert_harmless_outputs(run: Run) -> None:
    """Every output: real files inside build/, no canary, safe HTML, only pressroom's email headers."""
    from test_fuzz import EMAIL_HEADERS, assert_safe_html

    out = run.root / "build"
    assert out.is_dir() and not out.is_symlink()
    for path in sorted(out.rglob("*")):
        assert not path.is_symlink(), f"{run.case}: a link in the output: {path}"
        if not path.is_file():
            continue
        data = path.read_bytes()
        assert SECRET.encode() not in data, f"{run.case}: {path} holds the canary"
        if path.suffix == ".html":
            assert_safe_html(data.decode(), source="")
            assert "ZaZbZc" not in data.decode(), f"{run.case}: a template loop in a field ran"
        elif path.suffix == ".pdf":
            assert SECRET not in _pdf_text(path), f"{run.case}: {path} shows the canary"
        elif path.suffix == ".eml":
            message = email.message_from_bytes(data, policy=policy.default)
            for part in message.walk():
                assert {k.lower() for k in part} <= EMAIL_HEADERS, f"{run.case}: {path}: {list(part)}"


# -- the tests -------------------------------------------------------------------------


def test_every_case_in_the_corpus_has_an_expected_outcome_and_says_what_it_tries():
    assert corpus() == sorted(EXPECTED)
    for case in corpus():
        single = HOSTILE / f"{case}.md"
        comment = single.read_text() if single.is_file() else (HOSTILE / case / "attack.txt").read_text()
        assert re.search(r"^(# )?attack: \S", comment, re.MULTILINE), f"{case} does not say what it tries"


def test_no_connection_reaches_the_listeners_during_the_builds(campaign):
    builds = [run for (case, command), run in campaign.runs.items() if command == "build"]
    assert all(run.exit == 0 for run in builds if isinstance(EXPECTED[run.case], Built))
    assert campaign.connections == []


@pytest.mark.parametrize("case", corpus())
def test_hostile_case(campaign, case):
    check, build = campaign.runs[case, "check"], campaign.runs[case, "build"]
    for run in (check, build):
        assert_friendly(run)
        assert_contained(run, campaign)
    expected = EXPECTED[case]
    if isinstance(expected, Refused):
        for run in (check, build):
            assert run.exit == 1, run.stderr
            assert _problems(run.stderr) == expected.problems
            assert run.stderr.split("\n")[-2].startswith("Error: ")
        assert not (check.root / "build").exists() or case == "build-planted-link"
        return
    assert check.exit == 0, check.stderr
    if isinstance(expected, BuildRefused):
        assert build.exit == 1
        assert build.stderr.strip() == expected.error
        assert not (check.root / "build").exists()
        assert not any(campaign.outside.joinpath("work").iterdir())
        return
    assert build.exit == 0, build.stderr
    assert _problems(check.stderr) == expected.said
    if not expected.warnings:
        assert _problems(build.stderr) == expected.said
    assert_harmless_outputs(build)
    slug = case if (HOSTILE / f"{case}.md").is_file() else None
    if slug:
        page = html.unescape((build.root / "build/staff/releases" / slug / "index.html").read_text())
        for text in expected.texts:
            assert text in page, f"{text!r} is not shown as text"
    if expected.extra:
        EXTRA[expected.extra](build.root, slug)


def _encoded_word(root: Path, slug: str | None) -> None:
    message = email.message_from_bytes((root / f"build/email/{slug}.eml").read_bytes(), policy=policy.default)
    assert "Bcc" not in message
    assert message.get_all("X-Pressroom-Status") == ["draft"]
    title = "=?utf-8?q?Headline=0D=0ABcc:_victim@example.org?= =?utf-8?b?DQpYLVByZXNzcm9vbS1TdGF0dXM6IGFwcHJvdmVk?="
    assert str(message["Subject"]) == f"[DRAFT] {title}"


def _no_images(root: Path, slug: str | None) -> None:
    from pypdf import PdfReader

    for path in (root / "build").rglob("*.pdf"):
        for page in PdfReader(path).pages:
            assert not page.images, f"{path} embeds an image"


def _no_attachments(root: Path, slug: str | None) -> None:
    from pypdf import PdfReader

    for path in (root / "build").rglob("*.pdf"):
        assert PdfReader(path).attachments == {}, f"{path} carries attachments"


def _planted(root: Path, slug: str | None) -> None:
    page = root / "build/staff/releases/other/index.html"
    assert page.is_file() and not page.is_symlink()
    assert "The other release" in page.read_text()


def _no_controls(root: Path, slug: str | None) -> None:
    """Every output of the release built, public (so in the feeds and exports), with no control character."""
    controls = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
    site = root / "build/site"
    for name in ("atom.xml", "rss.xml", "releases.json", f"releases/{slug}/release.json"):
        assert "The Council agreed today." in (site / name).read_text(encoding="utf-8"), f"{name} lacks it"
    assert "council agreed today" in (site / "search/index.json").read_text(encoding="utf-8")
    for path in (root / "build").rglob("*"):
        if path.suffix in (".html", ".xml", ".json", ".txt"):
            assert not controls.search(path.read_text(encoding="utf-8")), f"{path} holds a control character"
    message = email.message_from_bytes((root / f"build/email/{slug}.eml").read_bytes(), policy=policy.default)
    for part in message.walk():
        if part.get_content_maintype() == "text":
            assert not controls.search(part.get_content()), f"{slug}.eml holds a control character"
    assert "The Council agreed today." in _pdf_text(site / f"releases/{slug}/{slug}.pdf")


EXTRA = {
    "encoded-word": _encoded_word,
    "no-images": _no_images,
    "no-controls": _no_controls,
    "no-attachments": _no_attachments,
    "planted": _planted,
}


# -- names given on the command line ------------------------------------------------------


def test_a_slug_argument_cannot_name_a_path(runner, make_newsroom):
    from pressroom.cli import main

    root = make_newsroom({"releases/base.md": BASE_RELEASE})
    result = runner.invoke(main, ["build", "../../etc/passwd", "--root", str(root)])
    assert result.exit_code == 1
    assert result.stderr == "Error: no release with slug ../../etc/passwd in releases/\n"
    assert not (root / "build").exists()


def test_new_keeps_a_path_like_headline_inside_releases(runner, make_newsroom):
    from pressroom.cli import main

    root = make_newsroom()
    result = runner.invoke(
        main, ["new", "../../../tmp/evil\nstatus: approved", "--date", "2018-05-25", "--root", str(root)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "releases/2018-05-25-tmp-evil-status-approved.md\n"
    assert [p.name for p in root.rglob("*.md")] == ["2018-05-25-tmp-evil-status-approved.md"]
    from pressroom.content.loader import load_newsroom

    (release,) = load_newsroom(root).releases
    assert release.is_draft


if __name__ == "__main__":
    _drive(sys.argv[1])
