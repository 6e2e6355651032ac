"""The at-risk board in headless Chromium at 1440 and 390 px: the counts of the whole queue,
both orders, one row per record, and time left that names its basis, all within the window;
on a phone the filters fold under "Filters" so that the queue starts on the first screen.

With ``CI`` set these tests must run: a missing Chromium fails them instead of skipping.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.console.conftest import DESKTOP, PHONE, Site, board_filters, open_page, sign_in

pytestmark = pytest.mark.browser


def fits(page: Page) -> bool:
    """Whether the page is no wider than its window."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def filter_controls(page: Page) -> list[Locator]:
    """Whose milestones, then the six choices: tier, account, milestone, kind, order, rows."""
    selects = page.get_by_role("form", name="Filters").locator("select")
    expect(selects).to_have_count(6)
    whose = page.get_by_role("group", name="Whose milestones")
    return [whose, *(selects.nth(n) for n in range(6))]


def test_counts_orders_and_next_breach_view(screen: Page, site: Site) -> None:
    """The summary counts every open milestone; the records view shows each record once with
    its next breach; the other order is one choice away; nothing is wider than the window."""
    sign_in(screen, site, site.keys.agent, me="ana", team="L1")
    counts = screen.get_by_role("list", name=re.compile("Summary"))
    expect(counts).to_contain_text("1 violated")
    expect(counts).to_contain_text("1 at risk")
    expect(counts).to_contain_text("5 on track")
    first = screen.locator("table.board tbody tr").first
    expect(first.locator(".countdown")).to_contain_text("business time overdue")
    assert fits(screen)

    board_filters(screen).get_by_label("Rows").select_option("records")
    expect(screen).to_have_url(re.compile(r"view=records"))
    rows = screen.locator("table.board tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_have_attribute("data-record", "C-1")
    expect(counts).to_contain_text("5 on track")  # the counts stay those of every milestone
    assert fits(screen)

    board_filters(screen).get_by_label("Rows").select_option("milestones")
    expect(screen).not_to_have_url(re.compile(r"view=records"))
    board_filters(screen).get_by_label("Order").select_option("time_left")
    expect(screen).to_have_url(re.compile(r"order=time_left"))
    expect(screen.locator("p.muted").first).to_contain_text("least time left first")
    expect(screen.locator("table.board tbody tr").first).to_have_attribute("data-record", "C-1")
    assert fits(screen)


def test_on_a_phone_the_filters_fold_and_the_queue_starts_on_the_first_screen(
    browser: Browser, site: Site
) -> None:
    """At 390 px the first row is whole on the first screen, under a closed "Filters"; the
    toggle opens the six filters, a filter applies, and the toggle then says one is active
    with the filtered queue again on the first screen."""
    page = open_page(browser, PHONE)
    sign_in(page, site, site.keys.agent, me="ana", team="L1")
    toggle = page.locator("details.fold > summary")
    expect(toggle).to_have_text("Filters")
    expect(page.get_by_label("Tier")).to_be_hidden()
    first = page.locator("table.board tbody tr").first
    box = first.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"]

    toggle.click()
    for control in filter_controls(page):
        expect(control).to_be_visible()
    page.get_by_label("Tier").select_option("Standard")
    expect(page).to_have_url(re.compile(r"tier=Standard"))
    expect(toggle).to_have_text("Filters (1 active)")
    rows = page.locator("table.board tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-record", "C-4")
    box = rows.first.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"]
    assert fits(page)
    page.context.close()


def test_on_a_desktop_the_filters_are_shown_without_a_click(browser: Browser, site: Site) -> None:
    """At 1440 px every filter is in view at once, with no toggle to open, and applies."""
    page = open_page(browser, DESKTOP)
    sign_in(page, site, site.keys.agent, me="ana", team="L1")
    expect(page.locator("details.fold > summary")).to_be_hidden()
    for control in filter_controls(page):
        expect(control).to_be_in_viewport()
    page.get_by_label("Kind").select_option("case")
    expect(page).to_have_url(re.compile(r"kind=case"))
    expect(page.get_by_label("Kind")).to_have_value("case")
    expect(page.get_by_label("Tier")).to_be_in_viewport()
    assert fits(page)
    page.context.close()
