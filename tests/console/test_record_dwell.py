"""The record page explains who held each milestone (business time by team and owner, share
of the target) and shows its success criteria, flagging a completion without them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from tests.conftest import Database
from tests.console.conftest import Web
from tests.console.test_review_page import keys_for
from tests.services.review_setup import NOW


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def test_who_held_it_and_the_checklist(db: Database, client: TestClient) -> None:
    """R-WEEK was closed with no note about the cause: its resolution shows the unmet
    criterion and "Completed without criteria"; L2 held it 5 hours, 62% of its 8-hour
    target."""
    web = Web(client).sign_in(keys_for(db, "lee")["lee"], me="lee")
    page = web.get("/records/R-WEEK")
    assert page.status_code == 200
    assert "✗ a note about cause" in page.text
    assert "Completed without criteria" in page.text
    assert "team L2: 5h 00m (62% of the target)" in page.text
