"""The console's page of actions on hold: an admin who sees every account finds each record
whose firing is held or retrying, with the reason in words and times in the reader's zone, and
releases it; the release is in the audit trail. Nobody else opens the page or releases."""

from __future__ import annotations

from datetime import timedelta

from caseclock.services import audit, firing_holds
from caseclock.services.access import create_key
from tests.conftest import Database
from tests.console.conftest import Web
from tests.console.scenario import NOW, Keys

ERROR = "ValueError: the owner field holds a line break"


def hold(db: Database, record: str, *, attempts: int) -> None:
    """Fail ``record``'s firing ``attempts`` times in a row, as the worker counts it: held at
    five, retrying with a backoff before."""
    with db.session_factory() as session:
        for n in range(attempts):
            firing_holds.record_failure(
                session, record, error=ERROR, now=NOW - timedelta(minutes=10 - n)
            )
        session.commit()


def test_an_admin_sees_held_and_retrying_records_and_releases_one(
    db: Database, web: Web, keys: Keys
) -> None:
    """C-1 held after five failures and C-2 retrying after two are listed with the error and
    New York times; releasing C-1 says so, lists only C-2 and leaves an audit row."""
    hold(db, "C-1", attempts=5)
    hold(db, "C-2", attempts=2)
    web.sign_in(keys.admin, me="ada", tz="America/New_York")
    page = web.get("/firings").text
    assert "Actions on hold" in page
    assert ERROR in page
    assert "<strong>On hold</strong> since" in page
    assert "Retrying at" in page
    assert "5 times" in page
    assert "EDT" in page or "EST" in page  # the reader's zone, not UTC
    assert "UTC" not in page.split("<main", 1)[1]
    assert 'href="/firings" aria-current="page"' in page
    released = web.post("/firings/release", {"record": "C-1"}, token_from="/firings")
    assert released.status_code == 303
    after = web.get(released.headers["location"]).text
    assert "Released C-1: its actions fire at the worker&#39;s next pass." in after
    assert 'name="record" value="C-1"' not in after
    assert 'name="record" value="C-2"' in after
    with db.session_factory() as session:
        rows = audit.entries(session, kind=audit.Kind.FIRING.value)
    assert [(r.target, r.action, r.details["failures"], r.details["state"]) for r in rows] == [
        ("C-1", "release", 5, "held")
    ]


def test_nothing_on_hold_says_so(web: Web, keys: Keys) -> None:
    """With no hold, the page says every record's actions fire."""
    web.sign_in(keys.admin, me="ada")
    assert "Nothing is on hold" in web.get("/firings").text


def test_only_unscoped_admins_open_or_release(db: Database, web: Web, keys: Keys) -> None:
    """An agent, and an admin limited to one account, get 403 for the page and the release,
    and the hold stays; releasing a record with no hold is a 404 page, changing nothing."""
    hold(db, "C-1", attempts=5)
    with db.session_factory() as session:
        scoped_admin = create_key(
            session, role="admin", name="globex-admin", accounts=["globex"], now=NOW
        ).secret
        session.commit()
    for key in (keys.agent, scoped_admin):
        web.sign_in(key, me="someone")
        assert web.get("/firings").status_code == 403
        refused = web.post("/firings/release", {"record": "C-1"}, token_from="/")
        assert refused.status_code == 403
    web.sign_in(keys.admin, me="ada")
    assert 'name="record" value="C-1"' in web.get("/firings").text
    assert web.post("/firings/release", {"record": "C-9"}, token_from="/").status_code == 404
    with db.session_factory() as session:
        assert [row.record_id for row in firing_holds.list_holds(session)] == ["C-1"]
        assert audit.entries(session, kind=audit.Kind.FIRING.value) == []
