"""pressroom: press releases from Markdown files to a newsroom site, PDFs and emails.

The package's public entry points, `build` and `load_newsroom`, are imported
on first use: importing a part of pressroom never imports the whole pipeline,
and `pressroom build` with nothing to do never loads YAML or Markdown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pressroom.version import __version__

if TYPE_CHECKING:
    from pressroom.content.loader import load_newsroom
    from pressroom.engine.build import build

__all__ = ["__version__", "build", "load_newsroom"]


def __getattr__(name: str) -> Any:
    if name == "build":
        from pressroom.engine.build import build

        return build
    if name == "load_newsroom":
        from pressroom.content.loader import load_newsroom

        return load_newsroom
    raise AttributeError(name)
