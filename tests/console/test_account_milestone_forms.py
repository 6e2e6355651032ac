"""The account page's milestone forms without a browser: a refused form changes nothing and
says why in place; a viewer gets no forms; the accounts list's CSV is the whole segment."""

from __future__ import annotations

import csv
import io

from tests.console.conftest import Web
from tests.console.scenario import Keys


def test_a_refused_milestone_keeps_what_was_typed_and_stores_nothing(agent: Web) -> None:
    """An hour offset is refused with a 422 naming the accepted forms, the name typed is kept
    in the form, and the account still has no milestone."""
    response = agent.post(
        "/accounts/acme/milestones",
        {"name": "Go-live", "when": "offset", "offset": "4h", "after": "start"},
        token_from="/accounts/acme",
    )
    assert response.status_code == 422
    assert "not a date offset" in response.text
    assert 'value="Go-live"' in response.text
    assert "Customer milestones (0 open)" in agent.get("/accounts/acme").text


def test_a_milestone_with_a_date_and_a_plan_from_the_form(agent: Web) -> None:
    """A milestone due on a date goes back to the page at its card with a message; a plan adds
    its milestones; an unknown plan is refused."""
    made = agent.post(
        "/accounts/acme/milestones",
        {"name": "Kick-off", "when": "date", "due_on": "2026-04-01"},
        token_from="/accounts/acme",
    )
    assert made.status_code == 303
    assert made.headers["location"].startswith("/accounts/acme?done=Milestone+Kick-off+added")
    plan = agent.post(
        "/accounts/acme/plans",
        {"plan": "onboarding", "start": "2026-03-02"},
        token_from="/accounts/acme",
    )
    assert plan.status_code == 303
    page = agent.get("/accounts/acme").text
    assert "Customer milestones (5 open)" in page
    assert "Go-live" in page
    refused = agent.post("/accounts/acme/plans", {"plan": "nope"}, token_from="/accounts/acme")
    assert refused.status_code == 422
    assert "no plan &#39;nope&#39;" in refused.text


def test_viewers_read_milestones_without_forms(web: Web, keys: Keys, agent: Web) -> None:
    """A viewer sees the milestone and its tasks but none of the forms that change them."""
    agent.post(
        "/accounts/acme/milestones",
        {"name": "Kick-off", "when": "date", "due_on": "2026-04-01"},
        token_from="/accounts/acme",
    )
    web.client.cookies.clear()
    viewer = web.sign_in(keys.viewer, me="val")
    page = viewer.get("/accounts/acme").text
    assert "Kick-off" in page
    assert "+ milestone" not in page
    assert "Work on this milestone" not in page


def test_the_csv_is_the_whole_segment(agent: Web) -> None:
    """The accounts CSV lists every account of the segment with its phase column."""
    response = agent.get("/accounts.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [
        "account",
        "name",
        "tier",
        "region",
        "phase",
        "customer_since",
        "renewal_date",
    ]
    assert sorted(r[0] for r in rows[1:]) == ["acme", "globex"]
    assert agent.get("/accounts.csv", params={"renewal": "30"}).text.count("\n") == 1


def test_who_an_overdue_milestone_emails_is_chosen_on_the_form(agent: Web) -> None:
    """By default the owner; "the owner and the team" is kept as the milestone's violation
    actions and said on its card; an unknown choice is refused and nothing is made."""
    made = agent.post(
        "/accounts/acme/milestones",
        {"name": "Go-live", "when": "date", "due_on": "2026-04-01", "overdue": "owner_team"},
        token_from="/accounts/acme",
    )
    assert made.status_code == 303
    agent.post(
        "/accounts/acme/milestones",
        {"name": "QBR", "when": "date", "due_on": "2026-05-01"},
        token_from="/accounts/acme",
    )
    page = agent.get("/accounts/acme").text
    assert "Once overdue, caseclock emails the owner and the team." in page
    assert "Once overdue, caseclock emails the owner." in page
    refused = agent.post(
        "/accounts/acme/milestones",
        {"name": "X", "when": "date", "due_on": "2026-05-01", "overdue": "everyone"},
        token_from="/accounts/acme",
    )
    assert refused.status_code == 422
    assert "Customer milestones (2 open)" in agent.get("/accounts/acme").text


def test_a_due_date_on_a_closed_day_moves_to_the_business_day_before_on_the_chosen_calendar(
    agent: Web,
) -> None:
    """Due Saturday 4 April 2026, on us-east's days (Good Friday is a holiday there), moved off
    closed days: due Thursday 2 April, and the card says from which date, on which calendar."""
    made = agent.post(
        "/accounts/acme/milestones",
        {
            "name": "Go-live",
            "when": "date",
            "due_on": "2026-04-04",
            "calendar": "us-east",
            "move_off_closed": "on",
        },
        token_from="/accounts/acme",
    )
    assert made.status_code == 303, made.text
    page = agent.get("/accounts/acme").text
    moved = "(moved from Sat 04 Apr 2026, a closed day on us-east)"
    assert f"Due <strong>Thu 02 Apr 2026</strong> {moved}" in page
