"""The colours and fonts of `[theme]` as CSS: custom properties for page and PDF, values for the email.

house.css, web.css and print.css use `var(--accent)` and friends; every page
and PDF declares the newsroom's values in a `:root` rule after them, so one
table in pressroom.toml restyles all three outputs. Mail clients do not
resolve var(), and the email's CSS is inlined, so there the same names are
replaced by their values before inlining. The values were checked by the
config reader (a hex colour, a list of font names), so they go into CSS as
they are.
"""

from __future__ import annotations

import dataclasses
import re

from markupsafe import Markup

from pressroom.model import Theme

_VAR = re.compile(r"var\(\s*--([a-z-]+)\s*\)")
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.DOTALL | re.IGNORECASE)


def properties(theme: Theme) -> dict[str, str]:
    """Custom property names (without the --) and their values: 'accent', 'email-font'."""
    return {f.name.replace("_", "-"): getattr(theme, f.name) for f in dataclasses.fields(theme)}


def css_variables(theme: Theme) -> Markup:
    """A `:root` rule declaring the theme, for a <style> element after the house style's sheets."""
    body = " ".join(f"--{name}: {value};" for name, value in properties(theme).items())
    return Markup(f":root {{ {body} }}")  # noqa: S704 - validated colours and font names


def resolve(css: str, theme: Theme) -> str:
    """CSS with each var(--name) of the theme replaced by its value, for mail clients."""
    values = properties(theme)
    return _VAR.sub(lambda m: values.get(m[1], m[0]), css)


def resolve_styles(html: str, theme: Theme) -> str:
    """`resolve` applied to the <style> elements of a document only, never to its text."""
    return _STYLE.sub(lambda m: m[1] + resolve(m[2], theme) + m[3], html)
