"""Invitations in the console, with a real SMTP server (aiosmtpd): an admin invites a person,
the person receives a single-use, expiring link and chooses their own password with it; the
admin never sees the link nor the password; used, replaced, expired and unknown links get a
clear page; an invitation that cannot be sent leaves nothing behind."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caseclock.api.app import create_app
from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.services import people
from caseclock.store.models import AuditRow, UserRow
from tests.conftest import FAST_PASSWORDS, Database, with_fast_passwords
from tests.console.conftest import SECRET, Web
from tests.console.scenario import Keys
from tests.console.test_people_pages import PASSWORD, sign_in
from tests.mail import running_smtp
from tests.worker.servers import SmtpSink

LINK = re.compile(r"http://testserver(/invitation/[A-Za-z0-9_\-]+)")


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpSink, int]]:
    with running_smtp() as running:
        yield running


def _app_maker(
    db: Database, clock: FixedClock, smtp_port: int
) -> tuple[Callable[[], Web], list[TestClient]]:
    settings = with_fast_passwords(
        Settings(
            database_url=db.url,
            console_secret=SECRET,
            console_url="http://testserver",
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            smtp_timeout=5,
            email_from="caseclock@example.com",
        )
    )
    app = create_app(settings, clock=clock, engine=db.engine, session_factory=db.session_factory)
    clients: list[TestClient] = []

    def make() -> Web:
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Web(client)

    return make, clients


def _root(db: Database, clock: FixedClock) -> None:
    """root, an admin who signs in with ``PASSWORD``."""
    with db.session_factory() as session:
        people.create_user(
            session,
            people.NewUser("root", "root@example.com", role="admin", password=PASSWORD),
            actor="test",
            passwords=FAST_PASSWORDS,
            now=clock.now(),
        )
        session.commit()


@pytest.fixture
def site(
    db: Database, clock: FixedClock, keys: Keys, smtp: tuple[SmtpSink, int]
) -> Iterator[tuple[Callable[[], Web], SmtpSink]]:
    """Browsers over one app whose mail goes to the sink; root is an admin with a password."""
    _root(db, clock)
    make, clients = _app_maker(db, clock, smtp[1])
    try:
        yield make, smtp[0]
    finally:
        for client in clients:
            client.__exit__(None, None, None)


def _invite(root: Web, handle: str, email: str) -> str:
    answer = root.post(
        "/people",
        {"handle": handle, "email": email, "display_name": "Mo Farah", "role": "lead"},
        token_from="/people",
    )
    assert answer.status_code == 303
    return str(answer.headers["location"])


def _link(sink: SmtpSink, to: str) -> str:
    """The invitation path in the newest email to ``to``."""
    for message in reversed(sink.messages()):
        if message["To"] == to:
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            found = LINK.search(body.get_content())
            assert found is not None, body.get_content()
            return found.group(1)
    raise AssertionError(f"no email to {to}")


def _choose(web: Web, link: str, password: str, confirm: str | None = None) -> httpx.Response:
    return web.post(link, {"password": password, "confirm": confirm or password}, token_from=link)


def test_an_invited_person_chooses_their_password_and_is_signed_in(
    site: tuple[Callable[[], Web], SmtpSink], db: Database
) -> None:
    """root invites mo: mo is added (a lead, no password), one email with the link reaches
    mo@example.com, and neither the redirect nor the people page shows the link; mo opens it,
    a mismatch and a short password are refused in place, then mo's own password signs mo
    in; the trail has the invitation, its acceptance and the sign-in."""
    make, sink = site
    root = sign_in(make(), "root")
    location = _invite(root, "mo", "mo@example.com")
    assert "Invitation+sent+to+mo%40example.com" in location
    page = root.get("/people").text
    assert "invited" in page
    assert "/invitation/" not in location + page
    assert [m["To"] for m in sink.messages()] == ["mo@example.com"]
    message = sink.messages()[0]
    assert message["Subject"] == "You are invited to caseclock"
    link = _link(sink, "mo@example.com")
    assert link not in page

    mo = make()
    form = mo.get(link)
    assert form.status_code == 200
    assert "Welcome to caseclock, Mo Farah" in form.text
    assert _choose(mo, link, "long-enough-pass-1", "another-one-2222").status_code == 422
    short = _choose(mo, link, "short")
    assert short.status_code == 422
    assert "at least 12 characters" in short.text
    answer = _choose(mo, link, "violet-harbour-93")
    assert answer.status_code == 303
    board = mo.get("/")
    assert board.status_code == 200
    assert "· lead" in board.text
    with db.session_factory() as session:
        user = session.scalars(select(UserRow).where(UserRow.handle == "mo")).one()
        assert user.password_hash is not None
        trail = [
            (row.actor, row.kind, row.action)
            for row in session.scalars(select(AuditRow).order_by(AuditRow.id)).all()
            if row.target == "mo"
        ]
    assert ("root", "user", "invite") in trail
    assert trail[-2:] == [("mo", "user", "accept_invitation"), ("mo", "sign_in", "sign_in")]
    used = make().get(link)
    assert used.status_code == 410
    assert "This invitation was used already: sign in instead." in used.text


def test_an_expired_link_and_an_unknown_one_say_so(
    site: tuple[Callable[[], Web], SmtpSink], clock: FixedClock
) -> None:
    """Past 72 hours the link answers 410 asking for a new invitation, and sets nothing; a
    link that never existed answers 404."""
    make, sink = site
    _invite(sign_in(make(), "root"), "mo", "mo@example.com")
    link = _link(sink, "mo@example.com")
    clock.advance(timedelta(hours=72))
    web = make()
    expired = web.get(link)
    assert expired.status_code == 410
    assert "This invitation has expired: ask an admin to send a new one." in expired.text
    posted = web.post(
        link, {"password": "violet-harbour-93", "confirm": "violet-harbour-93"}, token_from="/login"
    )
    assert posted.status_code == 410
    unknown = web.get("/invitation/not-a-real-token")
    assert unknown.status_code == 404
    assert "not valid" in unknown.text


def test_sending_again_ends_the_previous_link(
    site: tuple[Callable[[], Web], SmtpSink],
) -> None:
    """A new invitation replaces the old: the first link answers that a newer one replaced
    it, the second works."""
    make, sink = site
    root = sign_in(make(), "root")
    _invite(root, "mo", "mo@example.com")
    first = _link(sink, "mo@example.com")
    again = root.post("/people/mo/invitation", {}, token_from="/people")
    assert "Invitation+sent" in again.headers["location"]
    second = _link(sink, "mo@example.com")
    assert first != second
    assert "a newer invitation replaced this one" in make().get(first).text.lower()
    assert _choose(make(), second, "violet-harbour-93").status_code == 303
    refused = root.post("/people/mo/invitation", {}, token_from="/people")
    assert "mo+has+a+password+already" in refused.headers["location"]


def test_an_invitation_that_cannot_be_sent_adds_nobody(
    db: Database, clock: FixedClock, keys: Keys
) -> None:
    """With the SMTP server unreachable, the admin is told the email was not sent, and mo
    is not added: no user, no audit row."""
    _root(db, clock)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    make, clients = _app_maker(db, clock, closed)
    try:
        location = _invite(sign_in(make(), "root"), "mo", "mo@example.com")
    finally:
        for client in clients:
            client.__exit__(None, None, None)
    assert "error=" in location
    assert "was+not+sent" in location
    with db.session_factory() as session:
        assert session.scalars(select(UserRow).where(UserRow.handle == "mo")).first() is None
        assert session.scalars(select(AuditRow).where(AuditRow.target == "mo")).first() is None
