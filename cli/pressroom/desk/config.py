"""The desk's settings: the house-style rules ([lint]) and the reference series ([references]).

content/config.py reads the file (`read_config`, the one reader) and lets
these two tables through; they are validated here, where they are used,
with the same `file:line: field: message` problems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pressroom.content.config import FILENAME, read_config
from pressroom.content.suggest import did_you_mean
from pressroom.errors import ContentError, Problem

# Hype a wire editor strikes out; a newsroom replaces the list with `forbidden_words`.
DEFAULT_FORBIDDEN = (
    "groundbreaking", "game-changer", "game-changing", "world-class", "cutting-edge",
    "revolutionary", "best-in-class", "unprecedented", "state-of-the-art", "synergy",
)  # fmt: skip
_PLACEHOLDER = re.compile(r"\{(yyyy|yy|n+)\}")
_SERIES_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class LintSettings:
    """[lint]: which rules run and their limits."""

    disable: frozenset[str] = frozenset()
    headline_max: int = 100  # characters
    subtitle_max: int = 150
    first_sentence_max: int = 35  # words
    caps_max: int = 6  # an all-caps word longer than this is shouting, not an acronym
    caps_allow: frozenset[str] = frozenset()  # acronyms longer than caps_max, e.g. "UNLIREC"
    forbidden_words: tuple[str, ...] = DEFAULT_FORBIDDEN

    def enabled(self, rule: str) -> bool:
        return rule not in self.disable


@dataclass(frozen=True, slots=True)
class Series:
    """One reference series: `IP/{yy}/{nnnn}` numbered from a counter it may share with others."""

    name: str
    format: str
    counter: str  # series naming the same counter share one run of numbers

    @property
    def yearly(self) -> bool:
        """A series with the year in it starts again at 1 each year, as IP/18/1 follows IP/17/6021."""
        return any(m[1].startswith("y") for m in _PLACEHOLDER.finditer(self.format))

    def reference(self, year: int, number: int) -> str:
        def fill(match: re.Match[str]) -> str:
            code = match[1]
            if code == "yyyy":
                return f"{year:04d}"
            if code == "yy":
                return f"{year % 100:02d}"
            return f"{number:0{len(code)}d}"

        return _PLACEHOLDER.sub(fill, self.format)

    def number_of(self, reference: str, year: int) -> int | None:
        """The number in `reference` if it is one of this series' for `year`, else None."""
        pattern = ""
        last = 0
        for m in _PLACEHOLDER.finditer(self.format):
            pattern += re.escape(self.format[last : m.start()])
            code = m[1]
            if code == "yyyy":
                pattern += f"{year:04d}"
            elif code == "yy":
                pattern += f"{year % 100:02d}"
            else:
                pattern += r"(?P<n>\d+)"
            last = m.end()
        pattern += re.escape(self.format[last:])
        match = re.fullmatch(pattern, reference)
        return int(match["n"]) if match else None


@dataclass(frozen=True, slots=True)
class DeskSettings:
    lint: LintSettings = field(default_factory=LintSettings)
    series: tuple[Series, ...] = ()
    # A newsroom with a [lint] table (even an empty one) has a house style: `check` shows its
    # findings as warnings. Without one, only `pressroom lint` runs the rules, so a newsroom's
    # `check --strict` does not start failing on style when pressroom is upgraded.
    in_check: bool = False

    def find_series(self, name: str | None) -> Series | None:
        if name is None:
            return self.series[0] if self.series else None
        return next((s for s in self.series if s.name == name), None)


def load_desk_settings(root: Path, rules: tuple[str, ...]) -> DeskSettings:
    """[lint] and [references] of pressroom.toml; ContentError naming each bad value's line.

    `rules` are the known rule ids, so a misspelt one in `disable` is caught.
    """
    try:
        text, data = read_config(root)
    except ContentError:
        return DeskSettings()  # load_settings reports what is wrong with the file itself
    lines = text.split("\n")
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        name = key.rsplit(".", 1)[-1]
        pattern = re.compile(rf"^\s*(\"?{re.escape(name)}\"?\s*=|\[\s*\"?{re.escape(name)}\"?\s*\])")
        line = next((i + 1 for i, text in enumerate(lines) if pattern.match(text)), 0)
        problems.append(Problem(FILENAME, line, key, message))

    lint = _lint(data.get("lint", {}), rules, problem)
    series = _series(data.get("references", {}), problem)
    if problems:
        raise ContentError(problems)
    return DeskSettings(lint=lint, series=series, in_check="lint" in data)


def _lint(table: Any, rules: tuple[str, ...], problem: Any) -> LintSettings:
    if not isinstance(table, dict):
        problem("lint", "expected a table: [lint]")
        return LintSettings()
    known = (
        "disable", "headline_max", "subtitle_max", "first_sentence_max", "caps_max", "caps_allow",
        "forbidden_words",
    )  # fmt: skip
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            problem(f"lint.{key}", f"unknown setting{did_you_mean(key, known)}")
        elif key.endswith("_max"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problem(f"lint.{key}", f"expected a whole number of 1 or more, found {value!r}")
            else:
                values[key] = value
        elif not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            problem(f"lint.{key}", f"expected a list of text, found {value!r}")
        elif key == "disable":
            unknown = [v for v in value if v not in rules]
            for name in unknown:
                problem("lint.disable", f"unknown rule '{name}'{did_you_mean(name, rules)}")
            values[key] = frozenset(value)
        elif key == "caps_allow":
            values[key] = frozenset(value)
        else:
            values[key] = tuple(v.strip().lower() for v in value)
    return LintSettings(**values)


def _series(table: Any, problem: Any) -> tuple[Series, ...]:
    if not isinstance(table, dict):
        problem("references", "expected a table: [references]")
        return ()
    found = []
    for name, value in table.items():
        key = f"references.{name}"
        if not _SERIES_NAME.match(name):
            problem(key, "a series name is letters, digits, '-' and '_', starting with a letter")
            continue
        counter = name
        if isinstance(value, dict):
            extra = sorted(set(value) - {"format", "counter"})
            if extra:
                problem(key, f"unknown setting '{extra[0]}'; a series has format and counter")
                continue
            counter = value.get("counter", name)
            value = value.get("format")
            if not isinstance(counter, str) or not counter.strip():
                problem(key, f"expected a counter name, found {counter!r}")
                continue
        if not isinstance(value, str) or len(re.findall(r"\{n+\}", value)) != 1:
            problem(key, f"expected a format with one number, such as 'IP/{{yy}}/{{nnnn}}', found {value!r}")
            continue
        stray = re.sub(_PLACEHOLDER, "", value)
        if "{" in stray or "}" in stray:
            problem(key, f"{value!r}: the placeholders are {{yy}}, {{yyyy}} and {{n}}, {{nn}}, {{nnn}} ...")
            continue
        found.append(Series(name=name, format=value, counter=counter.strip()))
    return tuple(found)
