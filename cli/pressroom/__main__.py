"""`python -m pressroom` runs the command line."""

from __future__ import annotations

from pressroom.cli import run

run()
