"""Customer milestones on the account page in headless Chromium at 1440 and 390 px: create a
milestone, add tasks, complete them, and watch progress and the status change; the accounts
list segments by phase and exports the segment.

With ``CI`` set these tests must run: a missing Chromium fails them instead of skipping.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import Site, sign_in

pytestmark = pytest.mark.browser


def fits(page: Page) -> bool:
    """Whether the page is no wider than its window."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _add_task(screen: Page, card: str, title: str) -> None:
    milestone = screen.locator(card)
    if milestone.locator("details").first.get_attribute("open") is None:  # folded after a reload
        milestone.get_by_text("Work on this milestone").click()
    milestone.get_by_label("New task").fill(title)
    milestone.get_by_role("button", name="Add task").click()
    expect(screen.get_by_role("status")).to_contain_text(f"Task {title} added.")


def test_create_a_milestone_add_tasks_complete_them(screen: Page, site: Site) -> None:
    """An agent adds "Product Onsite Delivery" due in ten days: it is due soon with no tasks.
    Two tasks give it 0 of 2; completing one shows 50 %; completing the other completes the
    milestone (it completes on its tasks), which moves under Done with the status done. Nothing
    is wider than the window."""
    sign_in(screen, site, site.keys.agent, me="ana", team="L1")
    screen.goto(site.url + "/accounts/acme")
    expect(screen.get_by_role("heading", name="Customer milestones (0 open)")).to_be_visible()
    screen.get_by_text("+ milestone").click()
    screen.get_by_label("Name", exact=True).fill("Product Onsite Delivery")
    screen.get_by_label("Due date", exact=True).fill("2026-03-19")
    screen.get_by_role("button", name="Add milestone").click()
    expect(screen.get_by_role("status")).to_contain_text("Milestone Product Onsite Delivery added")
    card = screen.locator("article.milestone").first
    card_id = "#" + str(card.get_attribute("id"))
    expect(card.locator(".badge")).to_have_text("due soon")
    assert fits(screen)

    _add_task(screen, card_id, "Submit the delivery request")
    _add_task(screen, card_id, "Schedule the delivery date")
    card = screen.locator(card_id)
    expect(card.locator(".progress-words")).to_contain_text("0 of 2 tasks done")

    card.get_by_role("button", name="Mark done: Submit the delivery request").click()
    card = screen.locator(card_id)
    expect(card.locator(".progress-words")).to_contain_text("1 of 2 tasks done")
    expect(card.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "50")
    expect(card.locator(".badge")).to_have_text("due soon")

    card.get_by_role("button", name="Mark done: Schedule the delivery date").click()
    expect(screen.get_by_role("heading", name="Customer milestones (0 open)")).to_be_visible()
    screen.get_by_text(re.compile(r"^Done \(1\)$")).click()
    done = screen.locator(card_id)
    expect(done.locator(".badge")).to_have_text("done")
    expect(done.locator(".progress-words")).to_contain_text("2 of 2 tasks done")
    assert fits(screen)


def test_a_plan_puts_the_account_in_its_phase_and_the_list_segments_by_it(
    screen: Page, site: Site
) -> None:
    """Applying the lifecycle plan from 1 January puts Acme in adoption on 9 March; the list
    filtered to adoption shows Acme alone, with its phase, and offers the segment as CSV."""
    sign_in(screen, site, site.keys.agent, me="ana", team="L1")
    screen.goto(site.url + "/accounts/acme")
    screen.get_by_text("Apply a plan", exact=True).click()
    screen.get_by_label("Plan").select_option("lifecycle")
    screen.get_by_label("From").fill("2026-01-01")
    screen.get_by_role("button", name="Apply").click()
    expect(screen.get_by_role("status")).to_contain_text("Customer lifecycle: 4 milestones added.")
    expect(screen.locator(".facts")).to_contain_text("Adoption")
    screen.goto(site.url + "/accounts")
    screen.get_by_label("Phase").select_option("adoption")
    screen.get_by_role("button", name="Show").click()
    rows = screen.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acme Manufacturing")
    expect(rows.first).to_contain_text("adoption")
    expect(screen.get_by_role("link", name="CSV of these 1")).to_have_attribute(
        "href", "/accounts.csv?phase=adoption"
    )
    assert fits(screen)
