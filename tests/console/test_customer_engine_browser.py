"""Customer milestones in headless Chromium at 1440 and 390 px: a milestone with its team,
a task reassigned, done and reopened (the milestone completes and reopens with it), its row on
the at-risk board under the "Customer milestones" kind; a plan stored on the Plans page and
applied to an account from a start date. Nothing is wider than the window.

With ``CI`` set these tests must run: a missing Chromium fails them instead of skipping.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from caseclock.api.app import create_app
from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.services import people, teams
from caseclock.store.database import make_engine, make_session_factory
from tests.conftest import FAST_PASSWORDS
from tests.console.conftest import Site, board_filters, sign_in
from tests.console.live import LiveServer
from tests.console.scenario import NOW, seed
from tests.console.test_account_milestones_browser import fits

pytestmark = pytest.mark.browser

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


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[Site]:
    """The console's scenario, plus lee (an agent on the Customer Success team)."""
    database = tmp_path / "caseclock.db"
    shutil.copyfile(sqlite_template, database)
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        keys = seed(session)
        lee = people.create_user(
            session,
            people.NewUser(handle="lee", email="lee@example.com", role="agent"),
            actor="test",
            passwords=FAST_PASSWORDS,
            now=NOW,
        )
        team = teams.create_team(
            session, "Customer Success", {"email": "cs@example.com"}, actor="test", now=NOW
        )
        teams.set_member(session, team, lee, lead=False, actor="test", now=NOW)
        session.commit()
    clock = FixedClock(NOW)
    app = create_app(
        Settings(database_url=url, console_secret="browser-tests"), clock=clock, engine=engine
    )
    try:
        with LiveServer(app) as server:
            yield Site(server.url, keys, clock)
    finally:
        engine.dispose()


def _work_on(screen: Page, card_id: str) -> None:
    """Unfold the card's "Work on this milestone" (folded again after each reload)."""
    milestone = screen.locator(card_id)
    if milestone.locator("details").first.get_attribute("open") is None:
        milestone.get_by_text("Work on this milestone").click()


def test_a_task_reassigned_done_and_reopened_moves_the_milestone_on_the_engine(
    screen: Page, site: Site
) -> None:
    """ana adds "Setup and Installation" for lee, due in ten days: its team is lee's. Its task
    is reassigned to lee, marked done (the milestone completes and leaves the board), then
    reopened (the milestone is open again, due soon, back on the board under "Customer
    milestones", not under "Case milestones")."""
    sign_in(screen, site, site.keys.agent, me="ana", team="L1")
    screen.goto(site.url + "/accounts/acme")
    screen.get_by_text("+ milestone").click()
    screen.get_by_label("Name", exact=True).fill("Setup and Installation")
    screen.get_by_label("Due date", exact=True).fill("2026-03-19")
    screen.locator("#ms-owner").fill("lee")
    screen.get_by_role("button", name="Add milestone").click()
    expect(screen.get_by_role("status")).to_contain_text("Milestone Setup and Installation added")
    card = screen.locator("article.milestone").first
    card_id = "#" + str(card.get_attribute("id"))
    expect(card).to_contain_text("team Customer Success")
    _work_on(screen, card_id)
    card.get_by_label("New task").fill("Install onsite")
    card.get_by_role("button", name="Add task").click()
    expect(screen.get_by_role("status")).to_contain_text("Task Install onsite added.")

    _work_on(screen, card_id)
    card = screen.locator(card_id)
    card.get_by_label("Reassign to").fill("lee")
    card.get_by_role("button", name="Reassign").click()
    expect(screen.get_by_role("status")).to_contain_text("Task Install onsite now with lee.")
    expect(screen.locator(card_id + " .tasks")).to_contain_text("lee")
    assert fits(screen)

    screen.locator(card_id).get_by_role("button", name="Mark done: Install onsite").click()
    expect(screen.get_by_role("heading", name="Customer milestones (0 open)")).to_be_visible()
    screen.goto(site.url + "/?kind=customer")
    expect(screen.locator("table.board")).not_to_contain_text("Setup and Installation")

    screen.goto(site.url + "/accounts/acme")
    screen.get_by_text(re.compile(r"^Done \(1\)$")).click()
    screen.locator(card_id).get_by_role("button", name="Reopen: Install onsite").click()
    expect(screen.get_by_role("heading", name="Customer milestones (1 open)")).to_be_visible()
    expect(screen.locator(card_id + " .badge")).to_have_text("due soon")

    screen.goto(site.url + "/")
    board_filters(screen).get_by_label("Kind").select_option("customer")
    row = screen.locator("table.board tbody tr", has_text="Setup and Installation")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Customer milestone")
    expect(row).to_contain_text("lee")
    assert fits(screen)
    screen.goto(site.url + "/?kind=case")
    expect(screen.locator("table.board")).not_to_contain_text("Setup and Installation")
    screen.goto(site.url + "/?kind=customer")
    screen.locator("table.board tbody tr", has_text="Setup and Installation").get_by_role(
        "link", name="Customer milestone"
    ).click()
    expect(screen).to_have_url(re.compile(r"/accounts/acme#milestones$"))


def test_a_plan_stored_on_the_plans_page_and_applied_from_a_date(screen: Page, site: Site) -> None:
    """An admin pastes a plan with an hour offset: refused, the problem at its path, the text
    kept; corrected, it is stored and listed; applied to Acme from 2 March, the pilot is due
    ten working days later and the second step waits for it."""
    sign_in(screen, site, site.keys.admin, me="root")
    screen.goto(site.url + "/accounts")
    screen.get_by_role("link", name="Plans of milestones").click()
    expect(screen.get_by_role("heading", name="Three-phase implementation")).to_be_visible()
    screen.get_by_text("+ plan").click()
    document = screen.get_by_label("The plan, in YAML or JSON")
    document.fill(PLAN.replace("10bd", "4h"))
    screen.get_by_role("button", name="Store the plan").click()
    expect(screen.get_by_role("alert")).to_contain_text("milestones[0].due.offset")
    expect(screen.get_by_label("The plan, in YAML or JSON")).to_have_value(
        PLAN.replace("10bd", "4h")
    )
    assert fits(screen)
    screen.get_by_label("The plan, in YAML or JSON").fill(PLAN)
    screen.get_by_role("button", name="Store the plan").click()
    expect(screen.get_by_role("status")).to_contain_text("Plan Rollout stored.")
    expect(screen.locator("#plan-rollout")).to_contain_text("starts when Pilot team live is done")
    assert fits(screen)

    screen.goto(site.url + "/accounts/acme")
    screen.get_by_text("Apply a plan", exact=True).click()
    screen.get_by_label("Plan").select_option("rollout")
    screen.get_by_label("From").fill("2026-03-02")
    screen.get_by_role("button", name="Apply").click()
    expect(screen.get_by_role("status")).to_contain_text("Rollout: 2 milestones added.")
    pilot = screen.locator("article.milestone", has_text="Pilot team live")
    expect(pilot).to_contain_text("Due Mon 16 Mar 2026")
    expect(screen.locator("article.milestone", has_text="Everyone on board")).to_contain_text(
        "starts"
    )
    assert fits(screen)
