"""The satisfaction survey page in a real browser (Debian's Chromium through Playwright) at
1440 and 390 px: a customer opens the emailed link without signing in, picks a score, leaves
a comment and is thanked; the same link then says it was used; nothing is wider than the
screen."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from caseclock.api.app import create_app
from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.services.csat_links import SurveyLinks
from caseclock.store.database import make_engine, make_session_factory
from caseclock.store.models import CsatRow
from tests.console.live import LiveServer, launched_chromium
from tests.services.review_setup import NOW, build

pytestmark = pytest.mark.browser
WIDTHS = (1440, 390)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """The review world; a survey link rating R-LATE's resolution, and one that has expired."""
    database = tmp_path / "caseclock.db"
    shutil.copyfile(sqlite_template, database)
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    factory = make_session_factory(engine)
    build(factory)
    settings = Settings(database_url=url, console_secret="browser-tests")
    app = create_app(settings, clock=FixedClock(NOW), engine=engine)
    try:
        with LiveServer(app) as server:
            with factory() as session:
                links = SurveyLinks(session, server.url)
                link = links.link("R-LATE", "resolution", 1, key="cc-success-1.0", now=NOW)
                old = links.link(
                    "R-LATE", None, None, key="cc-success-2.0", now=NOW - timedelta(days=15)
                )
                session.commit()
            yield server.url, link, old
    finally:
        with factory() as session:
            kept = session.query(CsatRow).filter(CsatRow.source == "survey").count()
        engine.dispose()
        assert kept <= 1


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
def test_a_customer_answers_the_survey_once(
    chromium: Browser, site: tuple[str, str, str], width: int
) -> None:
    """The link opens the question about the resolution of R-LATE with five scores; choosing
    4 and a comment thanks the customer; opening the link again says it was answered; an
    expired link says so. No sign-in anywhere."""
    _, link, old = site
    page = _page(chromium, width)
    page.goto(link)
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("the resolution of your case")
    expect(page.locator("main")).to_contain_text("R-LATE")
    expect(page.get_by_role("radio")).to_have_count(5)
    _fits(page, width)
    page.get_by_text("4", exact=True).click()
    page.get_by_label("Anything you want to tell us?").fill("Fixed, but it took a while.")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your answer is recorded")
    _fits(page, width)
    page.goto(link)
    expect(page.get_by_role("alert")).to_have_text("This survey was answered already: thank you.")
    _fits(page, width)
    page.goto(old)
    expect(page.get_by_role("alert")).to_have_text("This survey link has expired.")
    page.goto(link[:-3] + "abc")
    expect(page.get_by_role("alert")).to_contain_text("not one caseclock made")
    _fits(page, width)
