"""The record page explains who held each milestone (business time by team and owner, share
of the target) and shows its success criteria, flagging a completion without them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import ingest
from tests.conftest import HELPDESK, Database
from tests.console.conftest import Web
from tests.console.test_review_page import keys_for
from tests.services.review_setup import NOW, Events


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


def test_the_holders_report_and_its_csv(db: Database, client: TestClient) -> None:
    """Over the last 30 days: L2 held the completed milestones; once R-HELD is resumed and
    closed, lee's override pause on its resolution is counted by agent and by reason;
    R-WEEK's resolution completed without its criteria; the CSV has the same figures."""
    web = Web(client).sign_in(keys_for(db, "lee")["lee"], me="lee")
    events = Events().add(
        "R-HELD", "override", -0.3, milestone="resolution", resume=True, by="lee", reason="fixed"
    )
    events.add("R-HELD", "note", -0.25, body="cause: the vendor's bug")
    events.add("R-HELD", "closed", -0.2)
    with db.session_factory() as session:
        ingest(session, events.items, principal=SYSTEM, provenance=HELPDESK, now=NOW)
        session.commit()
    page = web.get("/reports/holders?days=30")
    assert page.status_code == 200
    assert "Time held, by team" in page.text
    assert "<td>L2</td>" in page.text
    assert '<td class="wrap">waiting for the vendor&#39;s fix</td>' in page.text
    assert "50%</strong> of 2 completions met their criteria" in page.text
    csv = web.get("/reports/holders.csv?days=30")
    assert csv.status_code == 200
    rows = [line.split(",") for line in csv.text.splitlines()]
    assert rows[0][:3] == ["section", "dimension", "label"]
    assert ["pauses", "agent", "lee"] in [r[:3] for r in rows]
    assert ["criteria", "completions", "met", "2", "", "0.5000", ""] in rows


def test_speed_beside_reopens_by_team_and_tier(db: Database, client: TestClient) -> None:
    """R-RE is resolved, reopened and resolved again; R-WEEK was resolved once: team L2
    resolved 2 records and 1 was reopened (50%), beside its average times and its CSAT (2 of
    its 3 answers satisfied); the CSV agrees."""
    web = Web(client).sign_in(keys_for(db, "lee")["lee"], me="lee")
    events = Events().created("R-RE", -10, account="acme", owner="ana", tier="Gold")
    events.add("R-RE", "comment", -9.5, public=True, author_role="agent")
    events.add("R-RE", "closed", -8).add("R-RE", "reopened", -6).add("R-RE", "closed", -5)
    with db.session_factory() as session:
        ingest(session, events.items, principal=SYSTEM, provenance=HELPDESK, now=NOW)
        session.commit()
    page = web.get("/reports?days=30")
    assert "Speed beside reopens and satisfaction, by team and tier" in page.text
    rows = [r.split(",") for r in web.get("/reports/balance.csv?days=30").text.splitlines()]
    team = next(r for r in rows if r[:2] == ["team", "L2"])
    assert team[4:] == ["2", "1", "0.5000", "3", "2", "0.6667"]
    gold = next(r for r in rows if r[:2] == ["tier", "Gold"])
    assert gold[4:] == ["1", "1", "1.0000", "0", "0", ""]
