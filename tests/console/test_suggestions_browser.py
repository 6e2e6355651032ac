"""Accepting and dismissing a priority suggestion in headless Chromium at 1440 and 390 px:
the suggestion with its reasons, the buttons, the result on the record, all within the
window; and the account's sentiment page, whose dates stay on one line.

With ``CI`` set these tests must run: a missing Chromium fails them instead of skipping.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import Site, live_site, sign_in
from tests.console.insight_setup import unhappy_customer

pytestmark = pytest.mark.browser


@pytest.fixture
def unhappy_site(sqlite_template: Path, tmp_path: Path) -> Iterator[Site]:
    """The console scenario, with C-3's customer unhappy and the worker's pass done."""
    with live_site(sqlite_template, tmp_path, unhappy_customer) as made:
        yield made


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_accept_then_the_priority_is_set(screen: Page, unhappy_site: Site) -> None:
    """The suggestion and its reasons fit the window; Accept sets the priority and says so."""
    sign_in(screen, unhappy_site, unhappy_site.keys.agent, me="ana", team="L1")
    screen.goto(unhappy_site.url + "/records/C-3")
    box = screen.locator(".suggestion")
    expect(box).to_contain_text("Suggested priority: P1")
    expect(box).to_contain_text("the customer says production is down")
    assert fits(screen)
    box.get_by_role("button", name="Accept P1").click()
    expect(screen.get_by_role("status")).to_contain_text("Priority set to P1, as suggested.")
    expect(screen.locator(".suggestion")).to_have_count(0)
    expect(screen.locator("ol.timeline")).to_contain_text("Priority set to P1")
    assert fits(screen)


def test_dismiss_then_a_note_says_so(screen: Page, unhappy_site: Site) -> None:
    """Dismiss keeps the priority, and the timeline's note says what was dismissed and why;
    the comments show their sentiment with the words behind it."""
    sign_in(screen, unhappy_site, unhappy_site.keys.agent, me="ana", team="L1")
    screen.goto(unhappy_site.url + "/records/C-3")
    screen.locator(".suggestion").get_by_role("button", name="Dismiss").click()
    expect(screen.get_by_role("status")).to_contain_text("Suggestion of P1 dismissed.")
    timeline = screen.locator("ol.timeline")
    expect(timeline).to_contain_text("Priority suggestion dismissed: P1 (from P3)")
    expect(timeline.locator(".mood").first).to_contain_text("Very negative")
    assert fits(screen)


def test_the_account_sentiment_reads_within_the_window(screen: Page, unhappy_site: Site) -> None:
    """Acme's sentiment page fits the window: each comment's date stays on one line and the
    words behind its score wrap, with nothing to scroll sideways, on a phone as on a desktop."""
    sign_in(screen, unhappy_site, unhappy_site.keys.agent, me="ana", team="L1")
    screen.goto(unhappy_site.url + "/accounts/acme/sentiment")
    rows = screen.locator("table tbody tr")
    expect(rows).to_have_count(2)
    assert fits(screen)
    width = screen.viewport_size["width"] if screen.viewport_size else 0
    for row in rows.all():
        when = row.locator("time")
        line = float(when.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)"))
        box = when.bounding_box()
        assert box is not None
        assert box["height"] < 1.5 * line  # one line, not a date broken over several
        assert when.evaluate("el => el.getClientRects().length") == 1
        words = row.locator('td[data-label="Words behind it"]')
        assert words.evaluate("el => el.scrollWidth <= el.clientWidth")
        box = words.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
