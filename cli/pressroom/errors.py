"""The few exceptions the core raises, and the one format every problem is shown in.

The core never prints and never exits: it raises a PressroomError and the
command line decides what the user sees and the exit code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# What a terminal acts on instead of showing: controls and the Unicode line and
# paragraph separators would start a second line, bidi controls would reorder
# this one. Field names and quoted values come from the file as written, so a
# problem escapes them and stays one plain line whatever the file holds.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with every character a terminal would act on written as an escape, e.g. \\u202e."""
    return _UNPRINTABLE.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with one file, at one line, in one field."""

    path: str  # relative to the newsroom root, with forward slashes
    line: int  # 1-based; 0 when the problem is about the whole file
    field: str  # dotted field path such as "attendees[2].name"; "" when none applies
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        label = "warning: " if self.severity is Severity.WARNING else ""
        field = f"{self.field}: " if self.field else ""
        return printable(f"{where}: {label}{field}{self.message}")


class PressroomError(Exception):
    """Base of every error the core raises on purpose."""


class ConfigError(PressroomError):
    """pressroom.toml or the newsroom layout is unusable."""


class ContentError(PressroomError):
    """Releases or contacts have problems; carries every one of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class RenderError(PressroomError):
    """A template, the PDF engine or the email builder failed on valid content."""


class BuildError(PressroomError):
    """The output folder could not be written."""


class ClusterError(PressroomError):
    """The Dask cluster of `build --scheduler` cannot render: no Dask, no scheduler, or a worker failed."""


class UnknownSlug(PressroomError):
    """A command named a release that releases/ does not have: one message for build, new and send."""

    def __init__(self, slugs: Iterable[str], hint: str = "") -> None:
        self.slugs = tuple(slugs)
        # `hint` is a did-you-mean, such as " (did you mean 'eu-un'?)", or "".
        super().__init__(f"no release with slug {', '.join(self.slugs)} in releases/{hint}")
