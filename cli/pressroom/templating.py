"""The one Jinja environment: strict, autoescaped, overridable file by file.

Search order is the newsroom's own templates/ first, then the house style that
ships with the package, so a newsroom can replace a single partial without
copying the rest. Template names are a public contract (see README).
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from jinja2 import select_autoescape

DEFAULT_TEMPLATES = Path(__file__).parent / "templates"
if not DEFAULT_TEMPLATES.is_dir():  # running from a source checkout: the top-level folder
    DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def template_dirs(own: Path | None) -> list[Path]:
    """Where templates and assets are looked up, first match wins."""
    return [own, DEFAULT_TEMPLATES] if own is not None else [DEFAULT_TEMPLATES]


def environment(own: Path | None) -> jinja2.Environment:
    """A fresh environment for one newsroom (its templates/ folder may be None)."""
    env = jinja2.Environment(
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
    # Labels go through gettext so a catalogue can translate them per language.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env
