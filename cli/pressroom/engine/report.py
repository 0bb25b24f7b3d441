"""What a build tells its caller: the files it wrote and kept, the releases it published or withheld."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pressroom.errors import Problem


@dataclass
class BuildReport:
    out: Path
    rendered: Counter[str] = field(default_factory=Counter)  # files written, by extension
    reused: int = 0  # outputs already up to date in build/
    removed: int = 0
    public: tuple[str, ...] = ()
    withheld: tuple[str, ...] = ()  # built for staff only: drafts and unexpired embargoes
    warnings: tuple[Problem, ...] = ()
    notices: tuple[str, ...] = ()  # about this machine rather than the newsroom, said once a build
