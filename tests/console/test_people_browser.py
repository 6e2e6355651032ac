"""Signing in and the people page in a real browser (Debian's Chromium through Playwright), on
a desktop and a phone width: usable, nothing wider than the screen."""

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
from caseclock.services import people
from caseclock.store.database import make_engine, make_session_factory
from tests.conftest import FAST_PASSWORDS, with_fast_passwords
from tests.console.live import LiveServer, launched_chromium
from tests.console.scenario import NOW, seed
from tests.mail import running_smtp
from tests.worker.servers import SmtpSink

pytestmark = pytest.mark.browser
PASSWORD = "tangerine-otter-44"
WIDTHS = (1440, 390)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpSink, int]]:
    with running_smtp() as running:
        yield running


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path, smtp: tuple[SmtpSink, int]) -> Iterator[str]:
    """The seeded installation with an admin, root, who signs in with a password."""
    database = tmp_path / "caseclock.db"
    shutil.copyfile(sqlite_template, database)
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        seed(session)
        people.create_user(
            session,
            people.NewUser(
                handle="root", email="root@example.com", role="admin", password=PASSWORD
            ),
            actor="test",
            passwords=FAST_PASSWORDS,
            now=NOW,
        )
        session.commit()
    settings = with_fast_passwords(
        Settings(
            database_url=url,
            console_secret="browser-tests",
            smtp_host="127.0.0.1",
            smtp_port=smtp[1],
        )
    )
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


def _sign_in(page: Page, site: str, login: str, password: str) -> None:
    page.goto(site + "/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    page.get_by_label("Handle or email").fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


@pytest.mark.parametrize("width", WIDTHS)
def test_sign_in_with_a_password(chromium: Browser, site: str, width: int) -> None:
    """A wrong password is said plainly on the form; the right one opens the board, and the
    header links the person's profile."""
    page = _page(chromium, width)
    _sign_in(page, site, "root", "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("That sign-in name or password is wrong.")
    _fits(page, width)
    _sign_in(page, site, "root@example.com", PASSWORD)
    expect(page.get_by_role("heading", name="At risk")).to_be_visible()
    page.get_by_role("link", name="root").click()
    expect(page.get_by_role("heading", name=re.compile("root"))).to_be_visible()
    _fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_invites_a_person_who_chooses_a_password(
    chromium: Browser, site: str, smtp: tuple[SmtpSink, int], width: int
) -> None:
    """On the people page an admin invites mo as a lead; mo receives the link by email,
    chooses a password on the invitation page and lands on the board signed in; both pages
    fit the screen, and the admin never saw the link."""
    page = _page(chromium, width)
    _sign_in(page, site, "root", PASSWORD)
    expect(page.get_by_role("heading", name="At risk")).to_be_visible()
    page.goto(site + "/people")
    expect(page.get_by_role("heading", name="People and teams")).to_be_visible()
    _fits(page, width)
    page.get_by_label("Handle", exact=True).fill("mo")
    page.get_by_label("Email").first.fill("mo@example.com")
    page.get_by_label("Role", exact=True).select_option("lead")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to mo@example.com")
    row = page.locator("tr", has_text="@mo")
    expect(row.get_by_role("combobox").first).to_have_value("lead")
    expect(row).to_contain_text("invited")
    expect(row.get_by_role("button", name="Send the invitation again")).to_be_visible()
    _fits(page, width)
    body = smtp[0].messages()[-1].get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"/invitation/[A-Za-z0-9_\-]+", body.get_content())
    assert found is not None
    assert found.group(0) not in page.content()
    other = _page(chromium, width)
    other.goto(site + found.group(0))
    expect(other.get_by_role("heading", name="Welcome to caseclock, mo")).to_be_visible()
    _fits(other, width)
    other.get_by_label("Choose a password").fill("violet-harbour-93")
    other.get_by_label("The same password again").fill("violet-harbour-93")
    other.get_by_role("button", name="Set my password and sign in").click()
    expect(other.get_by_role("heading", name="At risk")).to_be_visible()
    expect(other.locator(".who")).to_contain_text("lead")
