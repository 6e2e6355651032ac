"""API fixtures: keys per role over the test app (``client``, from ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.services.access import create_key
from tests.conftest import Database, app_client

POLICY = (Path(__file__).parent / "policy.yaml").read_text(encoding="utf-8")


class Api:
    """A test client that sends a key and checks problem details on errors."""

    def __init__(self, client: TestClient, key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, headers=self.headers, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.client.post(url, headers=self.headers, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self.client.patch(url, headers=self.headers, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.client.put(url, headers=self.headers, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.client.delete(url, headers=self.headers, **kwargs)


@pytest.fixture
def people_client(
    db: Database, clock: FixedClock, fast_password_settings: Settings
) -> Iterator[TestClient]:
    """The app with cheap password hashing, for tests that make people."""
    with app_client(db, clock, fast_password_settings) as test_client:
        yield test_client


def make_key(db: Database, clock: FixedClock, role: str, accounts: list[str] | None = None) -> str:
    with db.session_factory() as session:
        made = create_key(session, role=role, name=None, accounts=accounts, now=clock.now())
        session.commit()
        return made.secret


@pytest.fixture
def admin(client: TestClient, db: Database, clock: FixedClock) -> Api:
    return Api(client, make_key(db, clock, "admin"))


@pytest.fixture
def agent(client: TestClient, db: Database, clock: FixedClock) -> Api:
    return Api(client, make_key(db, clock, "agent"))


@pytest.fixture
def viewer(client: TestClient, db: Database, clock: FixedClock) -> Api:
    return Api(client, make_key(db, clock, "viewer"))


@pytest.fixture
def policy_applied(admin: Api) -> dict[str, Any]:
    response = admin.client.post(
        "/api/v1/policy",
        content=POLICY,
        headers={**admin.headers, "Content-Type": "application/yaml"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())
