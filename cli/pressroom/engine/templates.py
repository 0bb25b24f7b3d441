"""The templates and assets a newsroom renders with, and which of them each kind of output uses.

An output's key holds the digests of the templates its kind reaches from its
entry template (`{% include %}`, `{% extends %}`, `{% import %}`), and of every
message catalogue: editing the email template renders no page again.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from pressroom.engine import codec
from pressroom.engine.cache import digest, engine, file_digest
from pressroom.engine.plan import Keys
from pressroom.layout import DEFAULT_TEMPLATES
from pressroom.model import Settings


def keys(settings: Settings, templates: Templates) -> Keys:
    """What each kind of output is made from besides its release; the engine's own code too."""
    settings_key = digest(codec.encode(settings))
    kinds = {
        kind: digest(kind, engine(), settings_key, templates.digest(kind))
        for kind in ("html", "pdf", "email", "summary", "listing")
    }
    assets = templates.assets_digest()
    return Keys(
        html=kinds["html"],
        pdf=digest(kinds["pdf"], assets),
        email=digest(kinds["email"], assets),
        summary=kinds["summary"],
        listing=kinds["listing"],
        media=digest("media", engine(), _imaging_version()),
    )


def _imaging_version() -> str:
    """The imaging library's version: another one may encode the same photo to other bytes."""
    from PIL import __version__

    return __version__


class Templates:
    """The templates and assets a newsroom renders with, and which of them each kind of output uses."""

    ENTRIES: ClassVar[dict[str, tuple[str, ...]]] = {
        "html": ("release.html",),
        "pdf": ("release.pdf.html",),
        "email": ("release.email.html", "release.email.txt"),
        "summary": (),
    }

    def __init__(self, dirs: Sequence[Path], known: Any = None) -> None:
        self.dirs = dirs
        self.files: dict[str, Path] = {}  # template name -> the file that wins
        for folder in reversed(dirs):
            for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
                rel = path.relative_to(folder).as_posix()
                if path.is_file() and not rel.startswith("assets/"):
                    self.files[rel] = path
        self._digests = {name: file_digest(path.read_bytes()) for name, path in self.files.items()}
        # Which templates each kind reaches, kept with the cache: parsing them all takes a while.
        self._version = digest(sorted(self._digests.items()))
        self.closures: dict[str, Any] = {"version": self._version}
        if isinstance(known, dict) and known.get("version") == self._version:
            self.closures = known

    def digest(self, kind: str) -> str:
        """What outputs of `kind` are made from: the templates they reach, and every catalogue."""
        if kind == "all":
            return digest(sorted(self._digests.items()))
        shared = sorted((n, d) for n, d in self._digests.items() if not n.endswith((".html", ".txt", ".xml")))
        if kind == "listing":
            entries = [
                n for n in self.files if "/" not in n and not n.startswith("release.") and n.endswith(".html")
            ]
        else:
            entries = list(self.ENTRIES[kind])
        cached = self.closures.get(kind)
        if isinstance(cached, list) and all(isinstance(n, str) and n in self._digests for n in cached):
            used = set(cached)
        else:
            used = self._closure(entries)
            self.closures[kind] = sorted(used)
        return digest(shared, sorted((n, self._digests[n]) for n in used))

    def house_style(self, kind: str) -> bool:
        """Whether every template outputs of `kind` reach is the house style's, none the newsroom's."""
        self.digest(kind)  # works the closure out, or takes it from the cache
        used = self.closures.get(kind)
        if not isinstance(used, list):
            return False
        default = DEFAULT_TEMPLATES.resolve()
        return all(self.files[name].resolve().is_relative_to(default) for name in used)

    def _closure(self, entries: Iterable[str]) -> set[str]:
        import jinja2
        from jinja2 import meta

        env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # parsed, never rendered
        seen: set[str] = set()
        todo = [e for e in entries if e in self.files]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            try:
                refs = list(meta.find_referenced_templates(env.parse(self.files[name].read_text())))
            except (jinja2.TemplateSyntaxError, UnicodeDecodeError, OSError):
                refs = [None]
            if None in refs:  # a name computed at render time: it may use any template
                return set(self.files)
            todo += [r for r in refs if r is not None and r in self.files]
        return seen

    @functools.cached_property
    def _assets(self) -> list[tuple[str, Path, str]]:
        found: dict[str, Path] = {}
        for folder in reversed(self.dirs):
            source = folder / "assets"
            for path in sorted(source.rglob("*")) if source.is_dir() else ():
                if not path.is_file():
                    continue
                # A link in templates/ must not copy a file from elsewhere into the public site.
                if not any(path.resolve().is_relative_to(d.resolve()) for d in self.dirs):
                    continue
                found[path.relative_to(source).as_posix()] = path
        return [(rel, path, file_digest(path.read_bytes())) for rel, path in sorted(found.items())]

    def assets(self) -> list[tuple[str, Path, str]]:
        """(path under assets/, the file that wins, its digest), refusing links out of the folders."""
        return self._assets

    def assets_digest(self) -> str:
        return digest([(rel, d) for rel, _, d in self.assets()])
