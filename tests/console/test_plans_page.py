"""The plans page without a browser: the shipped plans listed with their milestones and
dependencies; a plan stored from YAML, refused whole with every problem at its path (what was
typed kept), deleted; agents read the plans but get no forms; the board filters by kind."""

from __future__ import annotations

from tests.console.conftest import Web
from tests.console.scenario import Keys

PLAN = """key: rollout
name: Rollout
milestones:
  - key: pilot
    name: Pilot team live
    due: {offset: 10bd}
    tasks: [{title: Choose the pilot team}]
  - key: everyone
    name: Everyone on board
    starts_after: pilot
    due: {offset: 1mo}
"""


def test_the_shipped_plans_are_listed_with_their_steps(agent: Web) -> None:
    """Each shipped plan with its milestones, offsets, dependencies and phases."""
    page = agent.get("/plans")
    assert page.status_code == 200
    for words in (
        "Three-phase implementation",
        "Product Onsite Delivery",
        "starts when Product Onsite Delivery is done",
        "Customer lifecycle",
        "phase adoption",
        "Shipped with caseclock",
    ):
        assert words in page.text, words
    assert "+ plan" not in page.text  # agents apply plans; leads and admins make them


def test_an_admin_stores_a_plan_refused_whole_first_then_deletes_it(web: Web, keys: Keys) -> None:
    """A document with two problems is refused whole, each named; a good one is stored,
    applied to acme, deleted (its milestones stay); a shipped plan cannot be deleted."""
    admin = web.sign_in(keys.admin, me="root")
    bad = PLAN.replace("10bd", "4h").replace("key: pilot\n", "key: pilot\n    colour: red\n")
    refused = admin.post("/plans", {"document": bad}, token_from="/plans")
    assert refused.status_code == 422
    assert "milestones[0].due.offset" in refused.text
    assert "colour" in refused.text
    assert "Pilot team live" in refused.text  # the document typed is kept
    assert "Rollout" not in admin.get("/plans").text.split("+ plan")[0]
    stored = admin.post("/plans", {"document": PLAN}, token_from="/plans")
    assert stored.status_code == 303
    page = admin.get("/plans").text
    assert "Stored by " in page
    assert "starts when Pilot team live is done" in page
    applied = admin.post(
        "/accounts/acme/plans",
        {"plan": "rollout", "start": "2026-03-02"},
        token_from="/accounts/acme",
    )
    assert applied.status_code == 303
    gone = admin.post("/plans/rollout/delete", {}, token_from="/plans")
    assert gone.status_code == 303
    assert "Stored by " not in admin.get("/plans").text
    assert "Everyone on board" in admin.get("/accounts/acme").text
    shipped = admin.post("/plans/renewal/delete", {}, token_from="/plans")
    assert shipped.status_code == 422
    assert "shipped plan" in shipped.text


def test_the_board_shows_customer_milestones_and_filters_by_kind(agent: Web) -> None:
    """A customer milestone made on acme is a board row linking to the account; the kind
    filter keeps it or leaves it out."""
    agent.post(
        "/accounts/acme/milestones",
        {"name": "Kick-off call", "when": "date", "due_on": "2026-03-20"},
        token_from="/accounts/acme",
    )
    board = agent.get("/").text
    assert "Kick-off call" in board
    assert "Customer milestone" in board
    assert "Kick-off call" in agent.get("/?kind=customer").text
    assert "Kick-off call" not in agent.get("/?kind=case").text
