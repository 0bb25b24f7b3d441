"""pressroom.toml as it was read: its values, the line of each, and the problems found in them.

The settings reader (config.py) and the house-style tables (branding.py) both
take values from here, so a bad value anywhere in the file is reported the
same way, `pressroom.toml:LINE: key: message`, and every one of them in a run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pressroom.errors import Problem

FILENAME = "pressroom.toml"
# A BCP 47 language tag as the settings, a release and a media list write it: "fr", "pt-BR".
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")

# What no one-line value may hold: it would split an email header or a dateline.
NOT_IN_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# TOML lets a control character into a string only as an escape ("\u001b"); the name,
# boilerplate and end mark reach pages, feeds, PDFs and emails, where XML cannot hold one
# and a terminal would act on it. The boilerplate alone may span lines.
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class SettingsFile:
    """The parsed file with its text, for lines; `problems` collects what is wrong, in file order."""

    def __init__(self, text: str, data: dict[str, Any], root: Path) -> None:
        self.lines = text.split("\n")
        self.data = data
        self.root = root  # the newsroom folder, resolved: where its templates/ are
        self.problems: list[Problem] = []

    def line(self, key: str) -> int:
        """The first line of `key = ...`, or of the `[key]` header of a table, or 0."""
        pattern = re.compile(rf"^\s*(\"?{re.escape(key)}\"?\s*=|\[\s*\"?{re.escape(key)}\"?\s*\])")
        return next((i + 1 for i, line in enumerate(self.lines) if pattern.match(line)), 0)

    def line_in(self, table: str, key: str) -> int:
        """The line of `key = ...` under the `[table]` header ("issuers.eeas"), or 0."""
        if not table:
            return 0
        header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
        start = next((i for i, line in enumerate(self.lines) if header.match(line)), None)
        if start is None:
            return 0
        pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
        for i in range(start + 1, len(self.lines)):
            if self.lines[i].lstrip().startswith("["):
                break
            if pattern.match(self.lines[i]):
                return i + 1
        return 0

    def problem(self, key: str, message: str) -> None:
        """A problem with the value of `key` ("email.from", "issuers.eeas.logo"), at its line."""
        table, _, name = key.rpartition(".")
        self.problems.append(Problem(FILENAME, self.line_in(table, name) or self.line(name), key, message))

    def text(self, key: str, default: str | None = None, table: dict[str, Any] | None = None) -> str | None:
        """The text of `key` (in `table`, or at the top of the file), stripped; `default` if absent or bad.

        One-line values may hold no control character or line separator, the
        boilerplate (in any table) no control character; the addresses under
        [email] have stricter checks of their own.
        """
        source = self.data if table is None else table
        name = key.rsplit(".", 1)[-1]
        if name not in source:
            if default is None and table is None and key in ("name", "url"):
                self.problems.append(Problem(FILENAME, 0, key, "field required"))
            return default
        value = source[name]
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"expected text, found {value!r}")
            return default
        value = value.strip()
        bad = (_CONTROL_IN_TEXT if name == "boilerplate" else NOT_IN_HEADER).search(value)
        if bad and not key.startswith("email."):
            what = (
                "a line break" if bad[0] in "\n\u2028\u2029" else f"the control character U+{ord(bad[0]):04X}"
            )
            self.problem(
                key, f"contains {what}; {'remove it' if name == 'boilerplate' else 'keep it on one line'}"
            )
            return default
        return value
