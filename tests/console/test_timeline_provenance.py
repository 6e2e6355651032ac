"""The record page's timeline says who sent each event and how: "by Ana Ruiz via the
console", a service account through the API, caseclock's own actions."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caseclock.clock import FixedClock
from caseclock.console.record_view import provenance_words
from caseclock.core.provenance import Provenance, Source, webhook_source
from caseclock.services import people
from caseclock.services.access import create_key
from caseclock.services.passwords import PasswordPolicy
from caseclock.store.models import EventRow
from tests.conftest import Database
from tests.console.conftest import Web
from tests.console.scenario import Keys


def timeline(html: str) -> list[str]:
    """The timeline's entries as read on the page, newest first."""
    section = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S)
    assert section is not None
    entries = re.findall(r"<li [^>]*>(.*?)</li>", section.group(1), re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", e)).split()) for e in entries]


def test_a_comment_from_the_console_names_the_person_and_the_console(
    client: TestClient, keys: Keys, db: Database, clock: FixedClock
) -> None:
    """Ana Ruiz signs in with her own key and comments on C-2: the event is stored as the
    console's, by her handle, and the timeline shows "by Ana Ruiz via the console"; the
    events the helpdesk sent say so in their own words."""
    with db.session_factory() as session:
        ana = people.create_user(
            session,
            people.NewUser(handle="ana", email="ana@example.com", display_name="Ana Ruiz"),
            actor="test",
            passwords=PasswordPolicy(),
            now=clock.now(),
        )
        key = create_key(
            session, role="agent", name=None, accounts=None, now=clock.now(), user=ana
        ).secret
        session.commit()
    web = Web(client).sign_in(key, tz="America/New_York")
    sent = web.post(
        "/records/C-2/comment",
        {"body": "Looking at the logs now", "visibility": "public"},
        token_from="/records/C-2",
    )
    assert sent.status_code == 303, sent.text
    with db.session_factory() as session:
        stored = session.execute(
            select(EventRow.source, EventRow.actor)
            .where(EventRow.record_id == "C-2")
            .order_by(EventRow.seq.desc())
            .limit(1)
        ).one()
    assert tuple(stored) == ("console", "ana")
    entries = timeline(web.get("/records/C-2").text)
    assert "by Ana Ruiz via the console" in entries[0]
    assert "Looking at the logs now" in entries[0]
    assert "by helpdesk (service account) via the API" in entries[-1]


@pytest.mark.parametrize(
    ("provenance", "words"),
    [
        (Provenance(Source.CONSOLE, "ana"), "by Ana Ruiz via the console"),
        (Provenance(Source.CONSOLE, "bo"), "by bo via the console"),  # not in the directory
        (
            Provenance(Source.API, "service:zendesk-sync"),
            "by zendesk-sync (service account) via the API",
        ),
        (Provenance(Source.WORKER), "automatically, by caseclock"),
        (Provenance(Source.IMPORT, "ana"), "by Ana Ruiz via an import"),
        (Provenance(webhook_source("zendesk")), "via the zendesk webhook"),
        (Provenance(Source.DEMO), "from the demo data"),
        (None, None),  # an event the page has no provenance for
    ],
)
def test_provenance_in_words(provenance: Provenance | None, words: str | None) -> None:
    """Each source reads as words, never as its key; a known handle as the person's name."""
    assert provenance_words(provenance, {"ana": "Ana Ruiz"}) == words
