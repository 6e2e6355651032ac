"""The review page: a lead sees their team's sections, marks an item with a note and finds it
on the next look; a scoped lead sees only their accounts; others are refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from caseclock.services.access import create_key
from caseclock.store.repositories.people import UserRepository
from tests.conftest import Database
from tests.console.conftest import Web
from tests.services.review_setup import NOW, build


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def keys_for(db: Database, *handles: str, role: str = "lead") -> dict[str, str]:
    """The world of tests.services.review_setup, and a key of each user named."""
    build(db.session_factory)
    found = {}
    with db.session_factory() as session:
        for handle in handles:
            user = UserRepository(session).by_handle(handle)
            made = create_key(session, role=role, name=handle, accounts=None, now=NOW, user=user)
            found[handle] = made.secret
        session.commit()
    return found


def test_the_lead_sees_every_section_worst_first(db: Database, client: TestClient) -> None:
    """lee's review of L2 lists R-VIOL among the violations, R-HELD held by lee with his
    reason, R-QUIET as stalled, and compliance beside the previous period."""
    keys = keys_for(db, "lee")
    web = Web(client).sign_in(keys["lee"], me="lee")
    page = web.get("/reviews")
    assert page.status_code == 200  # followed to the only team lee leads
    assert "Weekly review of L2" in page.text
    for words in (
        "Violated since the last review (2)",
        "R-VIOL",
        "held by lee: waiting for the vendor&#39;s fix",
        "R-QUIET",
        "Compliance <strong>50% (2 of 4)</strong>",
        "previous period 100% (2 of 2)",
    ):
        assert words in page.text, words


def test_a_mark_with_a_note_shows_on_the_next_look(db: Database, client: TestClient) -> None:
    keys = keys_for(db, "lee")
    web = Web(client).sign_in(keys["lee"], me="lee")
    answer = web.post(
        "/reviews/L2/marks",
        {"record_id": "R-VIOL", "milestone": "first_response", "cycle": "1", "note": "On it"},
        token_from="/reviews/L2",
    )
    assert answer.status_code == 303
    page = web.get(answer.headers["location"])
    assert "Marked R-VIOL reviewed." in page.text
    assert "Notes since the last review" in page.text
    assert "Reviewed by lee" in page.text
    assert "On it" in page.text


def test_a_scoped_lead_sees_only_their_accounts(db: Database, client: TestClient) -> None:
    """sam's key sees acme only: R-QUIET (globex) is not on sam's page."""
    keys = keys_for(db, "sam")
    web = Web(client).sign_in(keys["sam"], me="sam")
    page = web.get("/reviews/L2")
    assert "R-VIOL" in page.text
    assert "R-QUIET" not in page.text


def test_others_are_refused_and_bad_input_is_a_clear_error(
    db: Database, client: TestClient
) -> None:
    """An agent may not open a review; a lead gets a clear page for an unknown cadence or a
    naive instant."""
    keys = keys_for(db, "lee")
    with db.session_factory() as session:
        agent = create_key(session, role="agent", name="ana", accounts=None, now=NOW)
        session.commit()
    refused = Web(client).sign_in(agent.secret, me="ana").get("/reviews/L2")
    assert refused.status_code == 403
    lee = Web(client).sign_in(keys["lee"], me="lee")
    bad = lee.get("/reviews/L2?cadence=monthly")
    assert bad.status_code == 422
    assert "use weekly or daily" in bad.text
    naive = lee.get("/reviews/L2?until=2026-03-09T08:00:00")
    assert naive.status_code == 422
    assert "UTC offset" in naive.text
    assert lee.get("/reviews/L9").status_code == 403
