"""The page of actions on hold in a real browser (Debian's Chromium through Playwright) at 1440
and 390 px: an admin opens it from the menu, reads the held record's reason with times in New
York's zone, releases it with the button and sees it go; nothing is wider than the screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from caseclock.services import firing_holds
from caseclock.store.database import make_engine, make_session_factory
from tests.console.conftest import Site, sign_in
from tests.console.scenario import NOW

pytestmark = pytest.mark.browser
ERROR = (
    "ValueError: the stored owner of this case holds a line break, which no email header may "
    "carry (set the owner again through the API)"
)


@pytest.fixture
def held_site(site: Site, tmp_path: Path) -> Site:
    """The console scenario's site, with C-1 held after five failed firings and C-2 retrying
    (written to the site's SQLite file, which the server reads at each request)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'caseclock.db'}")
    try:
        with make_session_factory(engine)() as session:
            for record, attempts in (("C-1", 5), ("C-2", 1)):
                for _ in range(attempts):
                    firing_holds.record_failure(session, record, error=ERROR, now=NOW)
            session.commit()
    finally:
        engine.dispose()
    return site


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_an_admin_releases_a_held_record(screen: Page, held_site: Site) -> None:
    """The admin signs in with a key, follows "On hold" in the menu, reads C-1's reason and
    its New York time, releases it, and finds only C-2 (retrying) left; the page fits."""
    page = screen
    sign_in(page, held_site, held_site.keys.admin, me="ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="On hold").click()
    expect(page.get_by_role("heading", name="Actions on hold")).to_be_visible()
    held = page.locator("tr", has_text="C-1")
    expect(held).to_contain_text("On hold since")
    expect(held).to_contain_text(ERROR)
    expect(held).to_contain_text("EDT")  # the reader's zone, not UTC
    expect(page.locator("tr", has_text="C-2")).to_contain_text("Retrying at")
    _fits(page)
    held.get_by_role("button", name="Release C-1").click()
    expect(page.get_by_role("status")).to_have_text(
        "Released C-1: its actions fire at the worker's next pass."
    )
    expect(page.get_by_role("button", name="Release C-1")).to_have_count(0)
    expect(page.get_by_role("button", name="Release C-2")).to_be_visible()
    _fits(page)
