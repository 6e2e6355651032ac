"""Console fixtures: the real app over a seeded database at a fixed instant, and a browser-like
client that signs in with a key, keeps its cookies and sends the CSRF token of each page."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from caseclock.config import Settings
from tests.conftest import Database
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
