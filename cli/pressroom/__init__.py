"""pressroom: press releases from Markdown files to a newsroom site, PDFs and emails."""

from __future__ import annotations

__version__ = "0.1.0"

from pressroom.build import build
from pressroom.load import load_newsroom

__all__ = ["__version__", "build", "load_newsroom"]
