"""A newsroom's templates/, read as input: where they are, which files are templates, what is wrong with one.

Templates are untrusted input, like releases: they are parsed here, never run,
so that `check` and every build report a syntax error or a reach for Python's
internals with its file and line before anything renders. The sandbox that
runs them (render/templating.py) refuses the same names again at render time.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pressroom.errors import Problem

# The settings reader looks for an issuer's logo and the loader for a language's labels
# the way the renderers look for a template.
from pressroom.layout import DEFAULT_TEMPLATES as DEFAULT_TEMPLATES

LOCALE_FOLDER = "locale"
DOMAIN = "messages"
# What Jinja may load from a templates/ folder; assets/ is copied, never rendered.
TEMPLATE_SUFFIXES = (".html", ".txt", ".xml")
# Parses with the syntax the render environment accepts ({% trans %} included); runs nothing.
_PARSER = ImmutableSandboxedEnvironment(extensions=["jinja2.ext.i18n"])


def template_dirs(own: Path | None) -> list[Path]:
    """Where templates, assets and catalogues are looked up, first match wins: the newsroom's, then ours."""
    return [own, DEFAULT_TEMPLATES] if own is not None else [DEFAULT_TEMPLATES]


def catalogue_file(folder: Path, locale: str) -> Path:
    """The label catalogue of a Babel locale ('fr', 'pt_BR') in a templates folder."""
    return folder / LOCALE_FOLDER / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def is_template(rel: str) -> bool:
    """Whether a file of templates/ (path relative to it) is a template, not an asset or a catalogue."""
    return not rel.startswith(("assets/", f"{LOCALE_FOLDER}/")) and rel.endswith(TEMPLATE_SUFFIXES)


@functools.lru_cache(maxsize=512)  # `serve` loads again after every save; parsing is the cost
def template_problems(text: str, rel: str) -> tuple[Problem, ...]:
    """What is wrong with one template of a newsroom: its syntax, or a reach the sandbox refuses.

    The sandbox refuses every name that starts with `_` when the template
    runs; the names written out in the template are found here, so `check`
    reports `templates/x.html:3` before any build. A name computed while
    rendering is still refused, by the sandbox.
    """
    try:
        tree = _PARSER.parse(text, name=rel, filename=rel)
    except TemplateSyntaxError as exc:
        return (Problem(rel, exc.lineno, "", f"template syntax error: {exc.message}"),)
    found: dict[int, list[str]] = {}
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name: object = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            first = node.args[0]
            name = first.value if isinstance(first, nodes.Const) else None
        if isinstance(name, str) and name.startswith("_") and name not in found.get(node.lineno, []):
            found.setdefault(node.lineno, []).append(name)
    lines = text.split("\n")
    problems = []
    for line, names in sorted(found.items()):
        names.sort(key=lambda n: (lines[line - 1].find(n) if line <= len(lines) else 0, n))
        quoted = [f"'{n}'" for n in names]
        what = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
        verb = "is" if len(names) == 1 else "are"
        sandbox = "templates run in a sandbox, where no name starts with '_'"
        problems.append(Problem(rel, line, "", f"{what} {verb} out of a template's reach: {sandbox}"))
    return tuple(problems)
