"""The console as a person uses it: Debian's headless Chromium, driven by Playwright, against
the real app served by uvicorn over a seeded SQLite file at a fixed instant.

With ``CI`` set these tests must run: a missing Chromium fails them instead of skipping.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import Site, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_board_and_first_response(page: Page, site: Site) -> None:
    """An agent signs in, sees red, yellow, green in breach order, opens the yellow case and
    answers publicly: its first-response milestone turns completed."""
    sign_in(page, site, site.keys.agent, me="ana", team="L1")
    rows = page.locator("table.board tbody tr")
    for index, (record, colour, label) in enumerate(
        [("C-1", "red", "Violated"), ("C-2", "yellow", "At risk"), ("C-3", "green", "On track")]
    ):
        row = rows.nth(index)
        expect(row).to_have_attribute("data-record", record)
        expect(row).to_have_attribute("data-milestone", "first_response")
        expect(row).to_have_class(f"row-{colour}")
        expect(row.locator(".badge")).to_have_text(label)
    expect(rows.first.locator(".countdown")).to_contain_text("overdue")
    expect(page.locator(".alert.warn")).to_contain_text("without an entitlement")

    rows.nth(1).get_by_role("link", name="C-2").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("C-2")
    first = page.locator('li.milestone[data-milestone="first_response"]')
    expect(first.locator(".badge")).to_have_text("At risk")
    expect(first.locator(".deadline time")).to_have_text("Mon 09 Mar 15:00 EDT")

    page.get_by_label("Comment", exact=True).fill("We are on it; logs received.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status")).to_have_text("Comment posted.")
    expect(first.locator(".badge")).to_have_text("Completed on time")
    expect(page.locator(".timeline")).to_contain_text("Public reply by ana")


def test_extend_then_pause_an_sla(page: Page, site: Site) -> None:
    """Extending resolution by 2h moves its deadline two business hours; pausing it with a
    reason stops the clock, and the override shows who and why."""
    sign_in(page, site, site.keys.agent, me="ana")
    page.goto(site.url + "/records/C-3")
    resolution = page.locator('li.milestone[data-milestone="resolution"]')
    expect(resolution.locator(".deadline time")).to_have_text("Thu 12 Mar 13:00 EDT")

    page.get_by_label("Milestone", exact=True).select_option(label="Resolution")
    page.get_by_label("Change", exact=True).select_option("extend")
    page.get_by_label("Amount").fill("2h")
    page.get_by_label("Reason").fill("waiting on a vendor fix")
    page.get_by_role("button", name="Change SLA").click()
    expect(resolution.locator(".deadline time")).to_have_text("Thu 12 Mar 15:00 EDT")
    expect(page.locator("#overrides-h + ol")).to_contain_text(
        "Resolution SLA extended by 2 business hours by ana"
    )

    page.get_by_label("Milestone", exact=True).select_option(label="Resolution")
    page.get_by_label("Change", exact=True).select_option("pause")
    page.get_by_label("Reason").fill("customer on holiday until Monday")
    page.get_by_role("button", name="Change SLA").click()
    expect(resolution.locator(".badge")).to_have_text("Paused")
    expect(resolution.locator(".deadline")).to_have_text("unknown while paused")


def test_board_refresh_keeps_filters(page: Page, site: Site) -> None:
    """Filtering by tier survives the board's refresh, which shows the new state of things."""
    sign_in(page, site, site.keys.agent, me="ana")
    page.get_by_label("Tier").select_option("Gold")
    expect(page).to_have_url(re.compile(r"tier=Gold"))
    rows = page.locator("table.board tbody tr")
    expect(rows.nth(1)).to_have_class("row-yellow")
    site.clock.advance(timedelta(minutes=30))  # C-2's first response is now due
    page.get_by_role("button", name="Refresh now").click()
    expect(rows.nth(1)).to_have_class("row-red")
    expect(page.locator("#board-live")).to_contain_text("Board updated: 2 violated")
    expect(page.locator('table.board tr[data-record="C-4"]')).to_have_count(0)


def test_viewer_sees_no_forms(page: Page, site: Site) -> None:
    """A viewer reads the record but is offered no form but signing out."""
    sign_in(page, site, site.keys.viewer)
    page.goto(site.url + "/records/C-1")
    expect(page.get_by_role("heading", name="Milestones")).to_be_visible()
    expect(page.locator("form")).to_have_count(1)
    expect(page.get_by_role("button", name="Post comment")).to_have_count(0)


def test_form_with_a_forged_token_is_rejected(page: Page, site: Site) -> None:
    """A form whose CSRF token was tampered with is refused and changes nothing."""
    sign_in(page, site, site.keys.agent, me="ana")
    page.goto(site.url + "/records/C-2")
    page.eval_on_selector_all(
        "input[name=csrf]", "els => els.forEach(e => { e.value = 'forged'; })"
    )
    page.get_by_label("Comment", exact=True).fill("should not land")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("could not be accepted")
    page.goto(site.url + "/records/C-2")
    expect(page.locator(".timeline")).not_to_contain_text("should not land")


def test_sign_out(page: Page, site: Site) -> None:
    """Signing out returns to the sign-in form, and the board asks for a key again."""
    sign_in(page, site, site.keys.agent)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to caseclock")).to_be_visible()
    page.goto(site.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_keyboard_only(page: Page, site: Site) -> None:
    """The first Tab reaches the skip link; arrow keys move the board's scope, which applies
    at once, and Enter on a row's link opens the record."""
    sign_in(page, site, site.keys.agent, me="ana", team="L1")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("All", exact=True).focus()
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"scope=team"))
    expect(page.get_by_label("My team")).to_be_checked()
    link = page.get_by_role("link", name="C-2").first
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("C-2")
