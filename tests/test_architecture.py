"""The one-way pipeline, as the imports have it: no module imports a stage downstream of its own.

content (files to a validated Newsroom) -> render (objects to text and bytes)
-> engine (plan, render, write build/) -> serve (the preview) and send (the
mail merge). The shared kernel (errors, model, layout, languages, version, and the rules
every stage holds a file to: addresses for a header, workdir for .pressroom/)
imports nothing else; only the command line and the package's entry points see
everything. Imports are read from the source with `ast`, those inside functions
and under TYPE_CHECKING too: a lazy import runs against the pipeline all the same.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pressroom

PACKAGE = Path(pressroom.__file__).parent
KERNEL = {"errors", "model", "layout", "languages", "version", "addresses", "workdir"}
TOP = {"cli", "__init__", "__main__"}
# What each part may import besides itself and the kernel.
ALLOWED: dict[str, set[str]] = {
    "kernel": set(),
    "content": set(),
    "render": {"content"},
    "engine": {"content", "render"},
    "serve": {"content", "render", "engine"},
    # send renders what it sends, and of the engine uses only its public side.
    "send": {"content", "render", "engine.plan"},
    # publish builds the site, then deploys build/site/ as it is.
    "publish": {"content", "engine"},
}


def part(module: str) -> str:
    """'pressroom.render.html' -> 'render'; a kernel module -> 'kernel'; cli and the package -> 'top'."""
    parts = module.split(".")[1:]
    if not parts or parts[0] in TOP:
        return "top"
    if parts[0] in KERNEL:
        return "kernel"
    return parts[0]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)


def is_module(name: str) -> bool:
    base = PACKAGE.parent.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports(path: Path) -> set[str]:
    """Every pressroom module a file imports, wherever the import statement is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("pressroom")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pressroom"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if is_module(sub) else node.module)
    return found


def allowed(importer: str, imported: str) -> bool:
    mine, theirs = part(importer), part(imported)
    if mine == "top" or theirs in ("kernel", mine):
        return True
    if theirs == "top":
        return False
    rules = ALLOWED[mine]
    return theirs in rules or any(imported == f"pressroom.{rule}" for rule in rules)


def test_no_import_runs_against_the_pipeline():
    against = sorted(
        f"{module_name(path)} imports {imported}"
        for path in PACKAGE.rglob("*.py")
        for imported in imports(path)
        if not allowed(module_name(path), imported)
    )
    assert against == []


def test_the_check_sees_an_import_against_the_pipeline():
    assert not allowed("pressroom.render.html", "pressroom.engine.build")
    assert not allowed("pressroom.content.loader", "pressroom.render.view")
    assert not allowed("pressroom.send.deliver", "pressroom.engine.build")
    assert not allowed("pressroom.model", "pressroom.content.loader")
    assert not allowed("pressroom.engine.cache", "pressroom")  # the package's entry points import the build
    assert allowed("pressroom.send.plan", "pressroom.engine.plan")
    assert allowed("pressroom.serve.rebuild", "pressroom.engine.build")


def test_every_part_of_the_package_is_a_known_stage():
    parts = {part(module_name(path)) for path in PACKAGE.rglob("*.py")}
    assert parts <= {"top", *ALLOWED}


def test_the_build_cache_does_not_import_the_build():
    """engine/cache.py once imported the package, whose entry point imports the build: a cycle."""
    code = "import json, sys, pressroom.engine.cache; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(result.stdout)
    assert "pressroom.engine.build" not in loaded
    assert not any(m.startswith(("pressroom.render", "pressroom.content")) for m in loaded)
