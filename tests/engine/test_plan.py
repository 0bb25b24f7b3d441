"""The build's planner, alone: from a newsroom, an instant and what build/ holds, the outputs due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpers import EMBARGO, release
from pressroom.content.loader import load_newsroom
from pressroom.engine.noop import BuildState
from pressroom.engine.plan import Keys, Outcome, plan_preview, plan_releases
from pressroom.errors import Problem

KEYS = Keys(html="h", pdf="p", email="e", summary="s", listing="l")
AFTER = EMBARGO + timedelta(hours=1)


class Disk:
    """build/ as a dict: the key each output was written for, and files that are there without one."""

    def __init__(self, written: dict[str, str] | None = None, present: set[str] = frozenset()) -> None:
        self.written = written or {}
        self.present = set(present) | set(self.written)

    def fresh(self, rel, key):
        return self.written.get(rel) == key

    def has(self, rel):
        return rel in self.present


@pytest.fixture
def newsroom(make_newsroom):
    return load_newsroom(
        make_newsroom(
            {
                "releases/public.md": release("Public", "2018-05-20"),
                "releases/embargoed.md": release("Embargoed", "2018-05-25", embargo=EMBARGO.isoformat()),
                "releases/draft.md": release("Draft", "2018-05-24", status="draft"),
            }
        )
    )


def test_a_first_build_renders_every_output_where_it_belongs(newsroom):
    plan = plan_releases(newsroom, EMBARGO - timedelta(hours=1), KEYS, Disk())
    due = plan.due()
    assert {rel for rel in due if "/public/" in rel or rel == "email/public.eml"} == {
        "staff/releases/public/index.html",
        "site/releases/public/index.html",
        "staff/releases/public/public.pdf",
        "site/releases/public/public.pdf",
        "site/releases/public/release.json",
        "staff/releases/public/ninjs.json",
        "site/releases/public/ninjs.json",
        "staff/releases/public/newsml.xml",
        "site/releases/public/newsml.xml",
        "email/public.eml",
    }
    # Under embargo and in draft: the staff tree and the email only, never the site.
    assert not any(rel.startswith("site/") and ("embargoed" in rel or "draft" in rel) for rel in due)
    assert "staff/releases/embargoed/index.html" in due and "email/draft.eml" in due
    assert plan.public == ("public",) and set(plan.withheld) == {"embargoed", "draft"}
    assert plan.reused == 0


def test_what_build_has_for_the_same_key_is_fresh_and_nothing_is_rendered(newsroom):
    first = plan_releases(newsroom, AFTER, KEYS, Disk())
    again = plan_releases(
        newsroom,
        AFTER,
        KEYS,
        Disk(first.due()),
        known_summary=lambda key, *_: key in first.summary_keys.values(),
    )
    assert again.jobs == [] and again.due() == {}
    assert {outcome for _, outcome in again.outputs.values()} == {Outcome.FRESH}
    assert again.reused == len(first.due())


def test_a_news_item_missing_from_build_is_rendered_again_on_its_own(newsroom):
    first = plan_releases(newsroom, AFTER, KEYS, Disk())
    written = {rel: key for rel, key in first.due().items() if rel != "site/releases/public/ninjs.json"}
    again = plan_releases(
        newsroom, AFTER, KEYS, Disk(written), known_summary=lambda key, *_: key in first.summary_keys.values()
    )
    assert again.due() == {"site/releases/public/ninjs.json": first.due()["site/releases/public/ninjs.json"]}
    (job,) = again.jobs
    assert _outputs(job) == ["site/releases/public/ninjs.json"]


def test_the_embargo_instant_changes_the_keys_of_that_release_only(newsroom):
    before = plan_releases(newsroom, EMBARGO - timedelta(seconds=1), KEYS, Disk())
    after = plan_releases(newsroom, EMBARGO, KEYS, Disk(before.due()))
    assert {
        rel.split("/")[2] for rel in after.due() if rel.startswith(("staff/releases", "site/releases"))
    } == {
        "embargoed",
        "public",  # its page links the newly public release as its neighbour
    }
    assert "site/releases/embargoed/index.html" in after.due()


def test_a_format_left_out_keeps_what_build_has_as_out_of_date(newsroom):
    pdf = "staff/releases/public/public.pdf"
    plan = plan_releases(newsroom, AFTER, KEYS, Disk(present={pdf}), formats=("html",))
    assert plan.outputs[pdf] == ("", Outcome.KEPT)
    assert not any(job.pdf_areas for job in plan.jobs)
    assert "staff/releases/draft/draft.pdf" not in plan.outputs  # neither asked for nor there


def test_the_preview_plans_the_staff_outputs_of_the_saved_release_only(newsroom):
    plan = plan_preview(newsroom, AFTER, KEYS, Disk(), ["public"], formats=("html", "pdf", "email"))
    rendered = {rel for job in plan.jobs for rel in _outputs(job)}
    assert rendered == {
        "staff/releases/public/index.html",
        "staff/releases/public/public.pdf",
        "email/public.eml",
    }
    # The same keys as the whole build plans, so that the build takes what the preview rendered.
    whole = plan_releases(newsroom, AFTER, KEYS, Disk()).due()
    assert all(whole[rel] == key for rel, key in plan.due().items() if rel in rendered)


def test_the_build_state_reads_back_as_it_was_written(newsroom):
    state = BuildState(
        inputs="abc",
        formats=("email", "html"),
        since=EMBARGO,
        until=None,
        public=("public",),
        withheld=("draft",),
        warnings=(Problem("releases/draft.md", 3, "tags", "a warning"),),
        closures={"version": "1"},
    )
    assert BuildState.from_json(state.to_json()) == state
    with pytest.raises((KeyError, TypeError, ValueError)):
        BuildState.from_json({"inputs": 3})


def _outputs(job):
    files = job.files
    return (
        [files.page(a) for a in job.html_areas]
        + [files.pdf(a) for a in job.pdf_areas]
        + ([files.email] if job.email else [])
        + [files.ninjs(a) for a in job.ninjs_areas]
        + [files.newsml(a) for a in job.newsml_areas]
    )


def test_the_house_style_is_told_from_a_newsrooms_own_listing_templates(make_newsroom):
    from pressroom.engine.templates import Templates
    from pressroom.render.templating import template_dirs

    def house_style(files):
        newsroom = load_newsroom(make_newsroom(files))
        return Templates(template_dirs(newsroom.templates)).house_style("listing")

    assert house_style({})
    assert house_style({"templates/release.pdf.html": "{{ r.title }}"})  # the PDF's: no listing uses it
    assert not house_style({"templates/partials/entry.html": "<li>{{ i.s.content }}</li>"})


@pytest.mark.slow
def test_a_newsrooms_own_listing_template_gets_each_body_in_a_worker(make_newsroom):
    """Enough releases for the build's workers: their listing jobs still carry what an own template reads."""
    from pressroom.engine.build import build

    files = {
        f"releases/r{n:02d}.md": release(
            f"Release {n}", tags="[Trade]", body=f"BODY-MARK-{n:02d} of the release."
        )
        for n in range(45)
    }
    files["templates/partials/entry.html"] = "<li>{{ i.s.content }}</li>\n"
    root = make_newsroom(files)
    build(load_newsroom(root), EMBARGO + timedelta(days=400), formats=("html",), jobs=2)
    page = (root / "build/site/tags/trade/index.html").read_text()
    assert "BODY-MARK-" in page
