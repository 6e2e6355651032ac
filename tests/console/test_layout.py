"""The console at a desktop width (1440 px) and a phone's (390 px), in headless Chromium: no
page grows wider than the window, the navigation stays reachable, a refused form stays in view.

With ``CI`` set these tests must run: a missing Chromium fails them instead of skipping.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import Site, sign_in
from tests.console.scenario import T0

pytestmark = pytest.mark.browser

LONG_URL = "https://support.example.com/" + "a1b2c3d4e5" * 22  # 250 characters, no break
PAGES = (
    "/",
    "/records",
    "/records/C-LONG",
    "/accounts",
    "/accounts/acme",
    "/processes",
    "/processes/gold",
    "/calendars",
    "/reports",
)


def add_long_subject_case(site: Site) -> None:
    """A Gold case of Acme whose subject is one 250-character URL, through the API."""
    event = {
        "id": "long:created",
        "record": "C-LONG",
        "type": "created",
        "at": T0.isoformat(),
        "data": {
            "type": "case",
            "status": "New",
            "account": "acme",
            "tier": "Gold",
            "priority": "P2",
            "owner": "ana",
            "subject": LONG_URL,
        },
    }
    response = httpx.post(
        site.url + "/api/v1/events",
        json=event,
        headers={"Authorization": f"Bearer {site.keys.admin}"},
    )
    assert response.status_code in (200, 201), response.text


def overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than its window (0: it fits)."""
    width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert isinstance(width, int)
    return width


def test_a_long_word_widens_no_page(screen: Page, site: Site) -> None:
    """With a 250-character URL as a case's subject, every console page fits the window at
    1440 and at 390 px; on the board the subject is cut short and its whole text is on hover."""
    add_long_subject_case(site)
    sign_in(screen, site, site.keys.agent, me="ana", team="L1")
    for path in PAGES:
        screen.goto(site.url + path)
        expect(screen.locator("main")).to_be_visible()
        assert overflow(screen) == 0, path
    screen.goto(site.url + "/")
    subject = screen.locator('tr[data-record="C-LONG"] .subject').first
    expect(subject).to_have_attribute("title", LONG_URL)
    box = subject.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= screen.evaluate("window.innerWidth")


def test_the_board_reads_without_scrolling_sideways(screen: Page, site: Site) -> None:
    """Each board row shows its health, time left, record and milestone inside the window."""
    sign_in(screen, site, site.keys.agent, me="ana", team="L1")
    width = screen.evaluate("window.innerWidth")
    row = screen.locator('table.board tr[data-record="C-1"]').first
    for part in (".badge", ".countdown", "a.rec"):
        box = row.locator(part).first.bounding_box()
        assert box is not None
        assert box["x"] >= 0, part
        assert box["x"] + box["width"] <= width, part
    assert overflow(screen) == 0


def test_navigation_is_reachable(screen: Page, site: Site) -> None:
    """Every section of the console has a visible link in the header, at either width."""
    sign_in(screen, site, site.keys.agent, me="ana")
    nav = screen.get_by_role("navigation", name="Main")
    for name in ("At risk", "Records", "Accounts", "Processes", "Calendars", "Reports"):
        link = nav.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        expect(link).to_be_in_viewport()
    nav.get_by_role("link", name="Accounts", exact=True).click()
    expect(screen.get_by_role("heading", name="Accounts", level=1)).to_be_visible()


ADMIN_SECTIONS = (
    "At risk",
    "Records",
    "Accounts",
    "Processes",
    "Calendars",
    "Reports",
    "Reviews",
    "People",
    "Policy",
    "Audit",
    "Insights",
    "On hold",
)


def test_every_section_name_stays_on_one_line(screen: Page, site: Site) -> None:
    """An admin's twelve sections: each link's name reads on one line, at either width (the
    links wrap as a whole onto another row, never a name into two)."""
    sign_in(screen, site, site.keys.admin, me="root")
    nav = screen.get_by_role("navigation", name="Main")
    heights = {}
    for name in ADMIN_SECTIONS:
        link = nav.get_by_role("link", name=name, exact=True)
        expect(link).to_be_in_viewport()
        box = link.bounding_box()
        assert box is not None
        heights[name] = box["height"]
    lowest = min(heights.values())
    assert all(height < 1.5 * lowest for height in heights.values()), heights
    assert overflow(screen) == 0


def test_a_refused_form_stays_in_view_with_what_was_typed(screen: Page, site: Site) -> None:
    """An SLA change with an amount that is no duration comes back with the error inside the
    SLA form, in view, and the amount and the reason as they were typed."""
    sign_in(screen, site, site.keys.agent, me="ana")
    screen.goto(site.url + "/records/C-3")
    form = screen.locator("#form-sla")
    form.get_by_label("Milestone", exact=True).select_option(label="Resolution")
    form.get_by_label("Change", exact=True).select_option("shorten")
    form.get_by_label("Amount").fill("2 parsecs")
    form.get_by_label("Reason").fill("change window moved")
    form.get_by_role("button", name="Change SLA").click()
    error = screen.locator("#form-sla .form-error")
    expect(error).to_be_visible()
    expect(error).to_be_in_viewport()
    expect(form.get_by_label("Amount")).to_have_value("2 parsecs")
    expect(form.get_by_label("Reason")).to_have_value("change window moved")
    expect(form.get_by_label("Change", exact=True)).to_have_value("shorten")
