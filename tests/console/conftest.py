"""Console fixtures: the real app over a seeded database at a fixed instant, a browser-like
client that signs in with a key, keeps its cookies and sends the CSRF token of each page, and
for the browser tests a live server with Debian's headless Chromium driven by Playwright
(at the desktop and phone viewports)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect, sync_playwright
from sqlalchemy.orm import Session

from caseclock.api.app import create_app
from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.store.database import make_engine, make_session_factory
from tests.conftest import Database
from tests.console.live import CHROMIUM_ARGS, LiveServer, chromium_path
from tests.console.scenario import NOW, Keys, seed

SECRET = "console-test-secret"
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


class Web:
    """A signed-in (or not) browser stand-in over the ASGI app."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(url, **kwargs)
        return response

    def csrf(self, url: str = "/login") -> str:
        match = CSRF_FIELD.search(self.client.get(url).text)
        assert match is not None, f"no CSRF token on {url}"
        return match.group(1)

    def post(self, url: str, data: dict[str, str], *, token_from: str = "/login") -> httpx.Response:  # noqa: S107
        """Submit a form the way its page would: with the page's CSRF token."""
        response: httpx.Response = self.client.post(
            url, data={"csrf": self.csrf(token_from), **data}, follow_redirects=False
        )
        return response

    def sign_in(self, key: str, *, me: str = "", team: str = "", tz: str = "UTC") -> Web:
        response = self.post("/login", {"key": key, "me": me, "team": team, "tz": tz})
        assert response.status_code == 303, response.text
        return self


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def keys(db: Database) -> Keys:
    with db.session_factory() as session:
        made = seed(session)
        session.commit()
    return made


@pytest.fixture
def app_settings(db: Database) -> Settings:
    return Settings(database_url=db.url, console_secret=SECRET)


@pytest.fixture
def web(keys: Keys, client: TestClient) -> Web:
    """A browser stand-in over the test app, once the scenario is seeded."""
    return Web(client)


@pytest.fixture
def agent(web: Web, keys: Keys) -> Web:
    """Signed in as ana of team L1 with an unscoped agent key, in New York's zone."""
    return web.sign_in(keys.agent, me="ana", team="L1", tz="America/New_York")


@dataclass(frozen=True)
class Site:
    url: str
    keys: Keys
    clock: FixedClock


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required on CI: apt-get install -y chromium")
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[Site]:
    with live_site(sqlite_template, tmp_path) as made:
        yield made


@contextmanager
def live_site(
    sqlite_template: Path, tmp_path: Path, then: Callable[[Session], None] | None = None
) -> Iterator[Site]:
    """The seeded scenario (and ``then``, run on it before the commit) served live."""
    database = tmp_path / "caseclock.db"
    shutil.copyfile(sqlite_template, database)
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        keys = seed(session)
        if then is not None:
            then(session)
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


DESKTOP: ViewportSize = {"width": 1440, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def open_page(browser: Browser, viewport: ViewportSize) -> Page:
    context = browser.new_context(timezone_id="America/New_York", viewport=viewport)
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    opened = open_page(browser, {"width": 1366, "height": 900})
    yield opened
    opened.context.close()


@pytest.fixture(params=[DESKTOP, PHONE], ids=["1440px", "390px"])
def screen(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page at the desktop width, then at a phone's."""
    opened = open_page(browser, request.param)
    yield opened
    opened.context.close()


def sign_in(page: Page, site: Site, key: str, *, me: str = "", team: str = "") -> None:
    page.goto(site.url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    page.get_by_text("Sign in with an API key instead").click()
    page.get_by_label("API key").fill(key)
    page.get_by_label("Your name as owner").fill(me)
    page.get_by_label("Your team").fill(team)
    page.get_by_role("button", name="Sign in with the key").click()
    expect(page.get_by_role("heading", name="At risk")).to_be_visible()


def board_filters(page: Page) -> Locator:
    """The board's filters, unfolded first where they fold under "Filters" (on a phone)."""
    fold = page.locator("details.fold")
    if not fold.evaluate("fold => fold.open"):
        fold.locator("summary").click()
    return page.get_by_role("form", name="Filters")
