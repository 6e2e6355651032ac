"""The at-risk board in headless Chromium at 1440 and 390 px: the counts of the whole queue,
both orders, one row per record, and time left that names its basis, all within the window.

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

    screen.get_by_label("Rows").select_option("records")
    expect(screen).to_have_url(re.compile(r"view=records"))
    rows = screen.locator("table.board tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_have_attribute("data-record", "C-1")
    expect(counts).to_contain_text("5 on track")  # the counts stay those of every milestone
    assert fits(screen)

    screen.get_by_label("Rows").select_option("milestones")
    screen.get_by_label("Order").select_option("time_left")
    expect(screen).to_have_url(re.compile(r"order=time_left"))
    expect(screen.locator("p.muted").first).to_contain_text("least time left first")
    expect(screen.locator("table.board tbody tr").first).to_have_attribute("data-record", "C-1")
    assert fits(screen)
