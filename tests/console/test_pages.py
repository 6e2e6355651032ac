"""The console's pages through the ASGI app, on SQLite and PostgreSQL: sign-in, the at-risk
board, a record and its forms, roles, scopes and CSRF."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from caseclock.clock import FixedClock
from caseclock.services.access import revoke_keys_named
from caseclock.store.models import DeliveryRow, EventRow, FiringRow
from tests.conftest import Database
from tests.console.conftest import Web
from tests.console.scenario import T0, Keys

ROW = re.compile(
    r'<tr class="row-(?P<kind>\w+)" data-record="(?P<record>[^"]+)" '
    r'data-milestone="(?P<milestone>[^"]+)">\s*<td><span class="badge \w+">'
    r'<span class="dot" aria-hidden="true"></span>(?P<label>[^<]+)</span>'
)


def rows(html: str) -> list[tuple[str, str, str, str]]:
    return [(m["record"], m["milestone"], m["kind"], m["label"]) for m in ROW.finditer(html)]


def event_count(db: Database) -> int:
    with db.session_factory() as session:
        return session.scalar(select(func.count()).select_from(EventRow)) or 0


def test_pages_need_a_session(web: Web) -> None:
    """Without a session every page leads to the sign-in form, remembering where it was."""
    response = web.get("/records/C-1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Frecords%2FC-1"
    assert web.get("/board/rows", headers={"X-Caseclock-Fragment": "1"}).status_code == 401


def test_sign_in_sets_a_protected_cookie(web: Web, keys: Keys) -> None:
    """A good key signs in; the session cookie is HttpOnly and SameSite=Lax, and holds no key."""
    response = web.post("/login", {"key": keys.agent, "me": "ana", "next": "/reports"})
    assert response.status_code == 303
    assert response.headers["location"] == "/reports"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("cc_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert keys.agent not in cookie


def test_pages_may_not_be_framed_nor_load_foreign_code(web: Web) -> None:
    """Every page forbids framing and loads scripts and styles from caseclock only."""
    response = web.get("/login")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert "https://" not in response.text


def test_bad_key_is_refused(web: Web) -> None:
    """An unknown key gets the form again with a message, and no session."""
    response = web.post("/login", {"key": "cc_nope_nope"})
    assert response.status_code == 401
    assert "unknown or revoked" in response.text
    assert web.get("/", follow_redirects=False).status_code == 303


def test_sign_in_never_redirects_off_site(web: Web, keys: Keys) -> None:
    """A ``next`` pointing at another site is replaced by the board."""
    for elsewhere in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        response = web.post("/login", {"key": keys.agent, "next": elsewhere})
        assert response.headers["location"] == "/"


def test_board_orders_by_time_to_breach_with_colours_and_labels(agent: Web) -> None:
    """Red (violated) before yellow (warning reached) before green, each with its text."""
    board = rows(agent.get("/").text)
    assert board[:4] == [
        ("C-1", "first_response", "red", "Violated"),
        ("C-2", "first_response", "yellow", "At risk"),
        ("C-3", "first_response", "green", "On track"),
        ("C-4", "first_response", "green", "On track"),
    ]
    assert {m for _, m, _, _ in board[4:]} == {"resolution"}


def test_board_countdowns_carry_business_time_left(agent: Web) -> None:
    """Each row carries its remaining business seconds and whether its calendar is open."""
    html = agent.get("/").text
    assert 'data-remaining="-1800" data-ticking="1"' in html
    assert "30m business time overdue" in html
    assert 'data-remaining="1800" data-ticking="1"' in html


def test_board_filters_and_refresh_keep_them(agent: Web) -> None:
    """Mine, my team, tier, account and milestone narrow the board; the refreshed rows too."""
    assert {r for r, *_ in rows(agent.get("/?scope=mine").text)} == {"C-2"}
    assert {r for r, *_ in rows(agent.get("/?scope=team").text)} == {"C-1", "C-2", "C-4"}
    assert {r for r, *_ in rows(agent.get("/?tier=Standard").text)} == {"C-4"}
    assert {r for r, *_ in rows(agent.get("/?account=globex").text)} == {"C-4"}
    only = rows(agent.get("/?milestone=resolution").text)
    assert {m for _, m, _, _ in only} == {"resolution"}
    page = agent.get("/?scope=all&tier=Gold&milestone=first_response").text
    assert 'data-refresh="/board/rows?scope=all&amp;tier=Gold&amp;milestone=first_response"' in page
    fragment = agent.get("/board/rows?scope=all&tier=Gold&milestone=first_response")
    assert [r for r, *_ in rows(fragment.text)] == ["C-1", "C-2", "C-3"]
    assert "<html" not in fragment.text


def test_records_without_entitlement_are_flagged(agent: Web) -> None:
    """A record no entitlement rule matched is listed above the board: no clock runs."""
    html = agent.get("/").text
    assert "without an entitlement" in html
    assert html.index('href="/records/C-5"') < html.index("<table")


def test_record_page_shows_tracker_explanation_and_zones(agent: Web) -> None:
    """The tracker shows each milestone with its health, progress, and why its deadline is
    where it is, in sentences; the deadline is in the viewer's zone."""
    html = agent.get("/records/C-2").text
    assert 'data-milestone="first_response"' in html
    assert "At risk" in html
    assert "Why this deadline?" in html
    assert "The target is 4 business hours" in html
    assert "Mon 09 Mar 15:00 EDT" in html
    assert "SSO login loop" in html


def test_first_public_comment_completes_first_response(agent: Web, db: Database) -> None:
    """Posting a public comment goes through ingestion: first response turns completed."""
    response = agent.post(
        "/records/C-2/comment",
        {"body": "We are on it.", "visibility": "public"},
        token_from="/records/C-2",
    )
    assert response.status_code == 303
    html = agent.get(response.headers["location"]).text
    assert "Comment posted." in html
    assert "Completed on time" in html
    assert "Public reply by ana" in html
    assert "C-2" not in {r for r, m, *_ in rows(agent.get("/").text) if m == "first_response"}


def test_handoff_with_a_note(agent: Web) -> None:
    """Changing the owner records the handoff and its note on the record."""
    agent.post(
        "/records/C-1/owner",
        {"owner": "eli", "team": "L2", "note": "Customer prefers phone; logs attached."},
        token_from="/records/C-1",
    )
    html = agent.get("/records/C-1").text
    assert "bo → eli" in html
    assert "Customer prefers phone; logs attached." in html


def test_extend_moves_the_deadline_and_shows_who_and_why(agent: Web) -> None:
    """Extending resolution by 2h moves its deadline by two business hours, with the reason."""
    before = agent.get("/records/C-3").text
    assert "Thu 12 Mar 13:00 EDT" in before  # 24 business hours from Mon 13:00
    agent.post(
        "/records/C-3/sla",
        {"milestone": "resolution", "action": "extend", "amount": "2h", "reason": "vendor fix"},
        token_from="/records/C-3",
    )
    after = agent.get("/records/C-3").text
    assert "Thu 12 Mar 15:00 EDT" in after
    assert "Resolution SLA extended by 2 business hours by ana" in after
    assert "vendor fix" in after


def test_pause_needs_a_reason(agent: Web, db: Database) -> None:
    """Without a reason the SLA form says so and writes nothing; with one the clock pauses."""
    count = event_count(db)
    response = agent.post(
        "/records/C-3/sla",
        {"milestone": "resolution", "action": "pause", "reason": " "},
        token_from="/records/C-3",
    )
    assert response.status_code == 422
    assert "a reason is required" in response.text
    assert event_count(db) == count
    agent.post(
        "/records/C-3/sla",
        {"milestone": "resolution", "action": "pause", "reason": "customer on holiday"},
        token_from="/records/C-3",
    )
    html = agent.get("/records/C-3").text
    assert "unknown while paused" in html
    assert event_count(db) == count + 1


def test_status_waiting_pauses_resolution(agent: Web) -> None:
    """Waiting for Customer pauses resolution; the board shows it as paused, last."""
    agent.post("/records/C-1/status", {"status": "Waiting for Customer"}, token_from="/records/C-1")
    board = rows(agent.get("/").text)
    assert board[-1] == ("C-1", "resolution", "paused", "Paused")


def test_forms_without_csrf_are_rejected(agent: Web, db: Database) -> None:
    """A POST without the token (or with a forged one) is refused and changes nothing."""
    count = event_count(db)
    for token in ("", "forged"):
        response = agent.client.post(
            "/records/C-2/comment",
            data={"csrf": token, "body": "hi", "visibility": "public"},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert "security token" in response.text
    assert event_count(db) == count


def test_viewer_sees_no_forms_and_cannot_post(web: Web, keys: Keys, db: Database) -> None:
    """A viewer reads everything but gets no forms, and a forged post is forbidden."""
    web.sign_in(keys.viewer)
    html = web.get("/records/C-1").text
    assert "Post a comment" not in html
    assert html.count("<form") == 1  # signing out
    count = event_count(db)
    response = web.post(
        "/records/C-1/comment", {"body": "x", "visibility": "public"}, token_from="/records/C-1"
    )
    assert response.status_code == 403
    assert event_count(db) == count


def test_scoped_key_sees_only_its_accounts(web: Web, keys: Keys) -> None:
    """Out of scope is 404 (no existence leak), and the board lists only the key's accounts."""
    web.sign_in(keys.scoped)
    assert web.get("/records/C-1").status_code == 404
    assert web.get("/accounts/acme").status_code == 404
    assert {r for r, *_ in rows(web.get("/").text)} == {"C-4"}
    assert web.get("/records/C-4").status_code == 200


def test_logout_ends_the_session(agent: Web) -> None:
    """Signing out clears the cookie: the board asks to sign in again."""
    response = agent.post("/logout", {}, token_from="/")
    assert response.status_code == 303
    assert agent.get("/", follow_redirects=False).status_code == 303


def test_revoked_key_ends_its_sessions(agent: Web, db: Database, clock: FixedClock) -> None:
    """The key is looked up on every request: revoking it signs its sessions out."""
    with db.session_factory() as session:
        revoke_keys_named(session, "ana-key", now=clock.now())
        session.commit()
    assert agent.get("/", follow_redirects=False).status_code == 303


def test_tampered_session_cookie_is_ignored(agent: Web) -> None:
    """A session cookie changed by hand fails its signature."""
    value = agent.client.cookies.get("cc_session")
    assert value is not None
    agent.client.cookies.set("cc_session", "x" + value[1:])
    assert agent.get("/", follow_redirects=False).status_code == 303


def test_account_page(agent: Web) -> None:
    """Tier, the entitlement and its process, open records with their health."""
    html = agent.get("/accounts/acme").text
    assert "Acme Manufacturing" in html
    assert "Gold" in html
    assert 'href="/records/C-1"' in html
    assert "Violated" in html
    assert "<svg" in html


def test_process_and_calendar_pages_read_as_words(agent: Web) -> None:
    """Conditions and targets in words; the calendar as a week grid with its next holiday."""
    process = agent.get("/processes/gold").text
    assert "a public comment by an agent" in process
    assert "4 business hours" in process
    assert "status is Waiting for Customer" in process
    calendars = agent.get("/calendars").text
    assert "09:00\N{EN DASH}17:00" in calendars
    assert "Fri 03 Apr 2026" in calendars
    assert "40.0 h" in calendars


def test_record_shows_actions_fired_and_their_deliveries(agent: Web, db: Database) -> None:
    """What the worker fired on a record is listed with each delivery's state and attempts."""
    with db.session_factory() as session:
        firing = FiringRow(
            record_id="C-1",
            source="first_response",
            cycle=1,
            kind="violation",
            sequence=0,
            trigger="violation",
            due_at=T0 + timedelta(hours=4),
            fired_at=T0 + timedelta(hours=4),
            late=False,
            skipped=False,
            notes=["email to 'owner': no address known; skipped"],
        )
        session.add(firing)
        session.flush()
        for channel, state, attempts in (("webhook", "delivered", 3), ("chat", "failed", 8)):
            session.add(
                DeliveryRow(
                    key=f"k-{channel}",
                    firing_id=firing.id,
                    record_id="C-1",
                    channel=channel,
                    endpoint="ops",
                    url=None,
                    recipients=None,
                    document={},
                    state=state,
                    attempts=attempts,
                    next_attempt_at=None,
                    last_error="HTTP 500" if state == "failed" else None,
                    last_code=500 if state == "failed" else 200,
                    created_at=T0,
                    updated_at=T0,
                    delivered_at=None,
                )
            )
        session.commit()
    html = agent.get("/records/C-1").text
    section = html[html.index('id="actions-h"') :]
    assert "First response" in section
    assert "webhook to ops" in section
    assert "delivered" in section
    assert "after 3 attempts" in section
    assert "HTTP 500" in section
    assert "no address known" in section


def test_record_without_entitlement_says_no_clock_runs(agent: Web) -> None:
    """A record no entitlement rule matched shows that no clock runs, and no milestones."""
    html = agent.get("/records/C-5").text
    assert "no entitlement: no clock runs" in html
    assert 'class="milestone' not in html


def test_links_under_console_land_on_the_page(web: Web) -> None:
    """A link built with a ``/console`` base (as in the worker's messages) redirects to the
    page itself, query kept."""
    response = web.get("/console/records/C-1?x=1", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "/records/C-1?x=1"
    elsewhere = web.get("/console//evil.example/", follow_redirects=False)
    assert elsewhere.headers["location"] == "/evil.example/"


def test_accounts_list_most_overdue_first(agent: Web) -> None:
    """Acme (one overdue first response) comes before Globex (nothing overdue)."""
    html = agent.get("/accounts").text
    assert html.index("Acme Manufacturing") < html.index("Globex Logistics")
    assert "1 overdue" in html
