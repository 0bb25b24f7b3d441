"""The preview's fast path: some releases' staff page, PDF and email, rendered here and kept in memory.

It shows a save before the build that follows it has planned a thousand
outputs and rendered the listings. Outputs are planned as build() plans them
(plan.plan_preview), so build() takes what was rendered ahead for the same
key (`prerendered`) rather than rendering it again. Nothing is written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pressroom.engine.cache import BuildCache
from pressroom.engine.disk import CacheDisk
from pressroom.engine.jobs import Context, MediaJob, ReleaseJob, run_batch, run_media
from pressroom.engine.plan import plan_preview
from pressroom.engine.templates import Templates, keys
from pressroom.errors import Problem, Severity
from pressroom.layout import OUTPUT, SITE, STAFF, WORKDIR
from pressroom.model import Newsroom


@dataclass(frozen=True, slots=True)
class Rendered:
    """An output rendered ahead of a build, with the key it was planned under and what it warned of."""

    key: str
    data: bytes
    warnings: tuple[Problem, ...] = ()


def render_preview(
    newsroom: Newsroom,
    now: datetime,
    slugs: Collection[str],
    *,
    formats: Collection[str],
    cache: BuildCache | None = None,
    digests: Mapping[str, str] | None = None,
) -> tuple[dict[str, Rendered], tuple[Problem, ...]]:
    """The staff outputs of `formats` of the releases `slugs` (and their translations), by path in build/.

    Planned against `cache`, the last build's (read from .pressroom/ when not
    given); `digests` are the releases' digests the loader knew, by path.
    Also returns the problems of the renders; an output whose render failed
    is left out.
    """
    from pressroom.render.templating import template_dirs

    root = newsroom.root
    if cache is None:
        cache = BuildCache.read(root / WORKDIR)
    templates = Templates(template_dirs(newsroom.templates), cache.state.get("closures"))
    disk = CacheDisk(root / OUTPUT, cache)
    plan = plan_preview(
        newsroom, now, keys(newsroom.settings, templates), disk, slugs, formats=formats, digests=digests
    )
    ctx = Context(
        root=root,
        settings=newsroom.settings,
        templates=newsroom.templates,
        now=now,
        templates_digest=templates.digest("all"),
    )
    due = plan.due()
    rendered: dict[str, Rendered] = {}
    problems: list[Problem] = []
    for result in [*run_batch(ctx, plan.jobs), *run_media(ctx, plan.media)]:
        problems += result.problems
        if any(p.severity is Severity.ERROR for p in result.problems):
            continue
        for rel, data in result.files.items():
            rendered[rel] = Rendered(due[rel], data, tuple(result.problems))
    return rendered, tuple(problems)


def take_ahead(
    jobs: Sequence[ReleaseJob], ahead: Mapping[str, Rendered], due: Mapping[str, str]
) -> tuple[list[ReleaseJob], dict[str, Rendered]]:
    """The jobs less what was rendered ahead under the key now due, and those outputs by path."""
    ready: dict[str, Rendered] = {}

    def taken(rel: str) -> bool:
        found = ahead.get(rel)
        if found is None and rel.startswith(f"{SITE}/") and rel.endswith(".pdf"):
            found = ahead.get(STAFF + rel.removeprefix(SITE))  # one PDF for both areas: one key
        if found is None or found.key != due.get(rel):
            return False
        ready[rel] = found
        return True

    left = []
    for job in jobs:
        job = dataclasses.replace(
            job,
            html_areas=tuple(a for a in job.html_areas if not taken(job.files.page(a))),
            pdf_areas=tuple(a for a in job.pdf_areas if not taken(job.files.pdf(a))),
            email=job.email and not taken(job.files.email),
        )
        work = (job.html_areas, job.pdf_areas, job.email, job.summary, job.export, job.ninjs_areas)
        if any(work) or job.newsml_areas:
            left.append(job)
    return left, ready


def take_media_ahead(
    jobs: Sequence[MediaJob], ahead: Mapping[str, Rendered], due: Mapping[str, str]
) -> tuple[list[MediaJob], dict[str, Rendered]]:
    """The kit jobs less the copies rendered ahead under the key now due, and those copies by path."""
    ready = {rel: ahead[rel] for job in jobs for rel, _, _ in job.outputs if _ahead(rel, ahead, due)}
    left = []
    for job in jobs:
        job = dataclasses.replace(job, outputs=tuple(o for o in job.outputs if o[0] not in ready))
        if job.outputs:
            left.append(job)
    return left, ready


def _ahead(rel: str, ahead: Mapping[str, Rendered], due: Mapping[str, str]) -> bool:
    found = ahead.get(rel)
    return found is not None and found.key == due.get(rel)
