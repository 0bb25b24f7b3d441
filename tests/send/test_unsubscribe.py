"""A list send tells mail clients how to unsubscribe: List-Unsubscribe, and one click over https."""

from __future__ import annotations

from test_send import LIST, SLUG, plan_for, release, smtp_table

from helpers import SETTINGS


def _plan(make_newsroom, unsubscribe=None, **options):
    line = f'unsubscribe = "{unsubscribe}"\n' if unsubscribe else ""
    root = make_newsroom(
        {f"releases/{SLUG}.md": release(), "contacts/lists/media.csv": LIST},
        settings=SETTINGS + line + smtp_table(25),
    )
    return plan_for(root, **options)


def _first(plan):
    return plan.message(plan.recipients[0])


def test_an_https_address_gets_one_click_unsubscribing(make_newsroom):
    plan = _plan(make_newsroom, "https://press.example.org/unsubscribe?list={list}&email={email}")
    message = _first(plan)
    assert (
        message["List-Unsubscribe"]
        == "<https://press.example.org/unsubscribe?list=media&email=ann@example.org>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _first_other(plan)["List-Unsubscribe"].endswith("email=bob@example.com>")


def _first_other(plan):
    return plan.message(plan.recipients[1])


def test_a_mailto_address_has_no_one_click_header(make_newsroom):
    message = _first(_plan(make_newsroom, "mailto:unsubscribe@example.org"))
    assert message["List-Unsubscribe"] == "<mailto:unsubscribe@example.org>"
    assert message["List-Unsubscribe-Post"] is None


def test_without_a_setting_the_reader_writes_to_the_sender(make_newsroom):
    message = _first(_plan(make_newsroom))
    assert message["List-Unsubscribe"] == "<mailto:press@example.org?subject=unsubscribe%20media>"
    assert message["List-Unsubscribe-Post"] is None


def test_a_proof_is_not_a_list_send(make_newsroom):
    plan = _plan(make_newsroom, "https://press.example.org/unsubscribe", test_to="me@example.org")
    assert _first(plan)["List-Unsubscribe"] is None


def test_the_address_of_an_international_sender_is_written_in_ascii(make_newsroom):
    # The mailto: address, like From:, carries the domain as the envelope does (IDNA).
    settings = SETTINGS.replace("press@example.org", "press@bücher.example") + smtp_table(25)
    root = make_newsroom(
        {f"releases/{SLUG}.md": release(), "contacts/lists/media.csv": LIST}, settings=settings
    )
    message = _first(plan_for(root))
    assert message["List-Unsubscribe"] == "<mailto:press@xn--bcher-kva.example?subject=unsubscribe%20media>"
