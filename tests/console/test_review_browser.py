"""The review page in a real browser (Debian's Chromium through Playwright) at 1440 and 390
px: a lead signs in, reads the sections, marks an item with a note and finds it on the page;
nothing is wider than the screen."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from caseclock.api.app import create_app
from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.store.database import make_engine, make_session_factory
from tests.conftest import with_fast_passwords
from tests.console.live import LiveServer, launched_chromium
from tests.services.review_setup import NOW, build

pytestmark = pytest.mark.browser
PASSWORD = "tangerine-otter-44"
WIDTHS = (1440, 390)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """The review world of tests.services.review_setup; lee (lead of L2) has a password."""
    database = tmp_path / "caseclock.db"
    shutil.copyfile(sqlite_template, database)
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    build(make_session_factory(engine), password=PASSWORD)
    settings = with_fast_passwords(Settings(database_url=url, console_secret="browser-tests"))
    app = create_app(settings, clock=FixedClock(NOW), engine=engine)
    try:
        with LiveServer(app) as server:
            yield server.url
    finally:
        engine.dispose()


def _page(chromium: Browser, width: int) -> Page:
    context = chromium.new_context(
        timezone_id="America/New_York", viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(30_000)  # the machine may be busy; nothing here waits on time
    return context.new_page()


def _fits(page: Page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide on a {width}px screen"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_lead_reviews_and_marks_an_item(chromium: Browser, site: str, width: int) -> None:
    """lee opens Reviews from the menu, sees L2's sections with times in New York's zone,
    marks R-VIOL reviewed with a note, and the page shows the note; it fits the screen."""
    page = _page(chromium, width)
    page.goto(site + "/reviews")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Handle or email").fill("lee")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Weekly review of L2")).to_be_visible()
    expect(page.get_by_role("heading", name="Violated since the last review (2)")).to_be_visible()
    violated = page.locator("#violated")
    expect(violated).to_contain_text("R-VIOL")
    expect(violated).to_contain_text("EDT")  # the reader's zone, not UTC
    expect(page.locator("#paused")).to_contain_text("held by lee")
    _fits(page, width)
    item = violated.locator("li", has_text="R-VIOL")
    item.get_by_text("Mark reviewed").first.click()
    item.get_by_label("Note for the next review").fill("Ana takes it after lunch")
    item.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_role("status")).to_have_text("Marked R-VIOL reviewed.")
    expect(page.get_by_role("heading", name="Notes since the last review")).to_be_visible()
    expect(page.locator("#violated li", has_text="R-VIOL")).to_contain_text(
        "Ana takes it after lunch"
    )
    _fits(page, width)
