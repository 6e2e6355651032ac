"""Single sign-on in a real browser (Debian's Chromium through Playwright) against a real
OpenID Connect provider, at a desktop and a phone width: the button on the sign-in page, the
provider's own page, and back on the board signed in; a refusal is a readable page that fits
the screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.console.live import launched_chromium
from tests.console.sso_site import SsoSite, add_person, sso_site
from tests.console.test_people_browser import _fits, _page
from tests.oidc_provider import RunningProvider, real_now, running_provider

pytestmark = pytest.mark.browser
WIDTHS = (1440, 390)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def provider() -> Iterator[RunningProvider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path, provider: RunningProvider) -> Iterator[SsoSite]:
    with sso_site(sqlite_template, tmp_path, issuer=provider.url) as made:
        add_person(made.sessions, "ana", "ana@example.com", now=real_now(), role="lead")
        yield made


def _through_the_provider(page: Page, site: SsoSite, subject: str, width: int) -> None:
    page.goto(site.url + "/records")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Frecords$"))
    button = page.get_by_role("link", name="Sign in with Example SSO")
    expect(button).to_be_visible()
    _fits(page, width)
    button.click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()


@pytest.mark.parametrize("width", WIDTHS)
def test_sign_in_through_the_provider(
    chromium: Browser, site: SsoSite, provider: RunningProvider, width: int
) -> None:
    """ana presses "Sign in with Example SSO", signs in at the provider and comes back to
    the page she asked for, signed in as herself (a lead)."""
    provider.put_user("sub-ana", {"email": "ana@example.com", "name": "Ana"})
    page = _page(chromium, width)
    _through_the_provider(page, site, "sub-ana", width)
    expect(page).to_have_url(re.compile(r"/records$"))
    expect(page.locator(".who")).to_contain_text("ana")
    expect(page.locator(".who")).to_contain_text("lead")
    _fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_refused_sign_in_is_a_readable_page(
    chromium: Browser, site: SsoSite, provider: RunningProvider, width: int
) -> None:
    """A stranger comes back refused: the sign-in page says why and what to do, fits the
    screen, and offers to try again."""
    provider.put_user("sub-zed", {"email": "zed.with.a.rather.long.address@example.com"})
    page = _page(chromium, width)
    _through_the_provider(page, site, "sub-zed", width)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Single sign-on did not let you in")
    expect(alert).to_contain_text("ask an admin to invite you")
    expect(page.get_by_role("link", name="Sign in with Example SSO")).to_be_visible()
    _fits(page, width)
