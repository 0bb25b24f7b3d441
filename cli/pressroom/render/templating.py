"""The one Jinja environment: sandboxed, strict, autoescaped, overridable file by file; and the labels.

Templates are untrusted input, like everything else in a newsroom: they run in
Jinja's immutable sandbox, so a template can show what it is given, call its
methods and Jinja's filters, but it cannot reach Python's internals (no name
that starts with `_`), change what it was given, or run anything else.
`template_problems` (content/templates.py) finds what the sandbox would
refuse before a build does, so `check` names the file and line.

Search order is the newsroom's own templates/ first, then the house style that
ships with the package, so a newsroom can replace a single partial without
copying the rest. Template names are a public contract (see README).

Labels ("Background", "Page 1 of 2") are gettext messages. Their translations
are catalogues beside the templates, `locale/<lang>/LC_MESSAGES/messages.po`,
looked up the same way: the house style's first, a newsroom's own on top of
it, message by message. One environment serves every language: a render gets
its language's `gettext` in its context (see `i18n_context`), which shadows
the English defaults installed here, so a build in five languages still
compiles each template once, and a process that finds it compiled by an
earlier one (`_CompiledTemplates`) not at all.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import stat
from collections.abc import Callable
from gettext import NullTranslations
from pathlib import Path
from typing import Any

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import select_autoescape
from jinja2.bccache import Bucket
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from pressroom.content.source import read_bytes
from pressroom.content.templates import DEFAULT_TEMPLATES as DEFAULT_TEMPLATES  # the renderers' name for it
from pressroom.content.templates import DOMAIN, TEMPLATE_SUFFIXES, catalogue_file
from pressroom.content.templates import template_dirs as template_dirs
from pressroom.errors import ContentError, RenderError


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, its answer on each attribute kept per type and name.

    A build asks it hundreds of thousands of times, and the answer depends on
    nothing else: jinja2.sandbox's `is_internal_attribute` and
    `modifies_known_mutable` look at the object's type and at the name only.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._safe: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        safe = self._safe.get(key)
        if safe is None:
            safe = self._safe[key] = super().is_safe_attribute(obj, attr, value)
        return safe


def compiled_templates_folder() -> Path:
    """Where compiled templates are kept: the user's cache folder, the only place outside the
    newsroom a build writes to."""
    base = os.environ.get("XDG_CACHE_HOME") or Path("~/.cache").expanduser()
    return Path(base, "pressroom", "templates")


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled by an earlier run, so that a process does not compile them again.

    Jinja turns each template into Python code on first use: about 100 ms for
    the templates one build uses, paid by every process (each worker, each
    one-edit build, each preview). The code is what this sandbox compiled from
    the template's source, kept in the user's own cache folder
    ($XDG_CACHE_HOME/pressroom/templates, made 0700 and refused unless it is
    the user's alone), never in the newsroom; an entry is used only for the
    same source (Jinja checks its hash), the same Jinja and this module as it
    is (in the file names). One that cannot be read or written costs only the time.
    """

    def __init__(self) -> None:
        folder = compiled_templates_folder()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.lstat()
        if st.st_uid != os.getuid() or not stat.S_ISDIR(st.st_mode) or stat.S_IMODE(st.st_mode) & 0o077:
            raise RuntimeError(f"{folder} is not the user's own folder")
        salt = hashlib.blake2b(jinja2.__version__.encode(), digest_size=8)
        salt.update(Path(__file__).read_bytes())  # the environment's options are set below
        super().__init__(str(folder), pattern=f"{salt.hexdigest()}-%s.cache")

    def load_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


@functools.cache
def _template_cache() -> jinja2.BytecodeCache | None:
    try:
        return _CompiledTemplates()
    except (OSError, RuntimeError):  # no temporary folder of the user's own: compile every time
        return None


def environment(own: Path | None) -> jinja2.Environment:
    """A fresh environment for one newsroom (its templates/ folder may be None)."""
    env = _Sandbox(
        bytecode_cache=_template_cache(),
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(own)]),
        undefined=jinja2.StrictUndefined,
        # .txt templates are the plain-text email: escaping there would print &amp;
        autoescape=select_autoescape(enabled_extensions=("html", "xml", "svg"), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,
    )
    # English (the messages as written) unless a render passes its language's gettext.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


def template_location(exc: BaseException, roots: list[Path]) -> str | None:
    """'templates/x.html:3': where in a template an error raised while rendering happened, if known.

    Jinja rewrites the traceback of a render so that its frames are the
    template's file and line; the innermost one is where it happened. The
    path is shown relative to the first of `roots` it lies in.
    """
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if not frame.filename.endswith(TEMPLATE_SUFFIXES):
            continue
        path = Path(frame.filename)
        for root in roots:
            if path.is_absolute() and path.is_relative_to(root):
                path = path.relative_to(root)
                break
        return f"{path.as_posix()}:{frame.lineno}"
    return None


def own_templates(env: jinja2.Environment) -> Path | None:
    """The newsroom's own templates/ folder an environment from `environment()` searches first."""
    loader = env.loader
    if isinstance(loader, jinja2.FileSystemLoader) and len(loader.searchpath) > 1:
        return Path(loader.searchpath[0])
    return None


def catalogue(locale: str, own: Path | None) -> NullTranslations:
    """The label translations for a Babel locale such as 'fr' or 'de_CH'.

    Catalogues are merged from the most general to the most particular:
    for 'de_CH', the house style's de, the newsroom's de, the house style's
    de_CH, the newsroom's de_CH. A message missing everywhere stays as
    written (English). Compiled once per process and kept while the files
    are unchanged, so `pressroom serve` picks up an edited catalogue.
    """
    parts = locale.split("_")
    tags = ["_".join(parts[: i + 1]) for i in range(len(parts))]
    found = []
    for tag in tags:
        for folder in reversed(template_dirs(own)):
            path = catalogue_file(folder, tag)
            try:
                stat = path.stat()
            except OSError:
                continue
            found.append((path, stat.st_mtime_ns, stat.st_size))
    return _compiled(tuple(found))


@functools.lru_cache(maxsize=64)
def _compiled(files: tuple[tuple[Path, int, int], ...]) -> NullTranslations:
    """.po files compiled in memory and merged in order: no .mo file to build or to forget."""
    merged: Translations | None = None
    for path, _mtime, _size in files:
        try:
            catalog = read_po(io.BytesIO(read_bytes(path, path.name)), domain=DOMAIN)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)  # translated, non-fuzzy messages only
        except ContentError as exc:
            raise RenderError(
                f"{path}: cannot read this message catalogue: {exc.problems[0].message}"
            ) from None
        except ValueError as exc:
            raise RenderError(f"{path}: cannot read this message catalogue: {exc}") from exc
        buffer.seek(0)
        translations = Translations(buffer, domain=DOMAIN)
        merged = translations if merged is None else merged.merge(translations)
    return merged if merged is not None else NullTranslations()


@functools.lru_cache(maxsize=64)
def i18n_context(translations: NullTranslations) -> dict[str, Callable[..., str]]:
    """`gettext` and friends for a render's context, as Jinja's newstyle gettext behaves.

    The template's `_()`, `gettext()`, `ngettext()` and `{% trans %}` find
    these before the environment's English defaults. Made once per catalogue.
    """

    @jinja2.pass_context
    def gettext(context: Context, message: str, /, **variables: Any) -> str:
        return _format(context, translations.gettext(message), variables)

    @jinja2.pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, /, **variables: Any) -> str:
        variables.setdefault("num", num)
        return _format(context, translations.ngettext(singular, plural, num), variables)

    @jinja2.pass_context
    def pgettext(context: Context, message_context: str, message: str, /, **variables: Any) -> str:
        variables.setdefault("context", message_context)
        return _format(context, translations.pgettext(message_context, message), variables)

    @jinja2.pass_context
    def npgettext(
        context: Context, message_context: str, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("context", message_context)
        variables.setdefault("num", num)
        text = translations.npgettext(message_context, singular, plural, num)
        return _format(context, text, variables)

    return {"gettext": gettext, "ngettext": ngettext, "pgettext": pgettext, "npgettext": npgettext}


def _format(context: Context, text: str, variables: dict[str, Any]) -> str:
    # As Jinja's own newstyle gettext: the message is markup, the values are escaped
    # into it, and it is always %-formatted, so "%%" means "%" whatever the values.
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - a label from our own catalogue, values escaped into it
    return text % variables
