"""Invitations over the API, with a real SMTP server: an admin invites (201, the link only in
the email), sends again, and the refusals: not an admin, a taken handle, an SMTP server that
does not answer (502, nothing kept)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from caseclock.config import Settings
from tests.api.people_fixtures import person
from tests.conftest import Database, app_client, with_fast_passwords
from tests.mail import running_smtp
from tests.worker.servers import SmtpSink

INVITE = {"handle": "mo", "email": "Mo@Example.com", "role": "lead"}


def _settings(db: Database, smtp_port: int) -> Settings:
    return with_fast_passwords(
        Settings(
            database_url=db.url,
            console_url="https://caseclock.example.com",
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            smtp_timeout=5,
        )
    )


@pytest.fixture
def mailing(db: Database, clock: FixedClock) -> Iterator[tuple[TestClient, SmtpSink]]:
    with running_smtp() as (sink, port), app_client(db, clock, _settings(db, port)) as client:
        yield client, sink


def test_an_admin_invites_and_sends_again(
    mailing: tuple[TestClient, SmtpSink], db: Database, clock: FixedClock
) -> None:
    """POST /users/invitations adds mo without a password and emails the link (absent from
    the answer); POST /users/mo/invitation sends a new one."""
    client, sink = mailing
    admin = person(client, db, clock, "root", "admin").api
    made = admin.post("/api/v1/users/invitations", json={**INVITE, "team": None})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["sent_to"] == "mo@example.com"
    assert body["user"]["has_password"] is False
    assert body["user"]["role"] == "lead"
    assert "invitation/" not in made.text
    assert [m["To"] for m in sink.messages()] == ["mo@example.com"]
    text = sink.messages()[0].get_body(preferencelist=("plain",))
    assert text is not None
    assert re.search(r"https://caseclock\.example\.com/invitation/\S{40,}", text.get_content())
    again = admin.post("/api/v1/users/mo/invitation")
    assert again.status_code == 201
    assert len(sink.messages()) == 2


def test_invitations_refuse_with_problem_details(
    mailing: tuple[TestClient, SmtpSink], db: Database, clock: FixedClock
) -> None:
    """An agent may not invite (403); a taken handle is 409 naming the field; an unknown
    field is 422; nothing is sent for any of them."""
    client, sink = mailing
    agent = person(client, db, clock, "ana", "agent").api
    admin = person(client, db, clock, "root", "admin").api
    assert agent.post("/api/v1/users/invitations", json=INVITE).status_code == 403
    taken = admin.post("/api/v1/users/invitations", json={**INVITE, "handle": "ana"})
    assert taken.status_code == 409
    assert taken.headers["content-type"] == "application/problem+json"
    assert admin.post("/api/v1/users/invitations", json={**INVITE, "pw": 1}).status_code == 422
    assert sink.messages() == []


def test_an_unreachable_smtp_server_keeps_nothing(db: Database, clock: FixedClock) -> None:
    """With nothing listening on the SMTP port the answer is 502 saying the email was not
    sent, and mo does not exist afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with app_client(db, clock, _settings(db, closed)) as client:
        admin = person(client, db, clock, "root", "admin").api
        refused = admin.post("/api/v1/users/invitations", json=INVITE)
        assert refused.status_code == 502
        assert "was not sent" in refused.json()["detail"]
        assert admin.get("/api/v1/users/mo").status_code == 404
