"""pressroom: press releases from Markdown files to a newsroom site, PDFs and emails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The function shadows its module's name here, as callers expect; the module is light.
from pressroom.engine.build import build

if TYPE_CHECKING:
    from pressroom.content.loader import load_newsroom

__all__ = ["__version__", "build", "load_newsroom"]


def __getattr__(name: str) -> Any:
    # Imported on first use: `pressroom build` with nothing to do never loads YAML or Markdown.
    if name == "load_newsroom":
        from pressroom.content.loader import load_newsroom

        return load_newsroom
    raise AttributeError(name)
