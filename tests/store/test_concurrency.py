"""Concurrent batches on PostgreSQL: a batch locks the records it touches until it commits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, text
from sqlalchemy.exc import OperationalError

from caseclock.services.access import Principal, Role
from caseclock.services.ingest import Outcome, ingest
from caseclock.store.database import SessionFactory, make_engine, make_session_factory
from caseclock.store.models import RecordRow
from caseclock.store.repositories.records import EventRepository

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
SYSTEM = Principal(key_id=0, name="test", role=Role.ADMIN)
RECORD = "LOCK-1"


@pytest.fixture
def committed(pg_schema_url: str) -> Iterator[SessionFactory]:
    """Sessions that really commit, on the run's schema; the record is removed afterwards."""
    engine = make_engine(pg_schema_url)
    factory = make_session_factory(engine)
    try:
        yield factory
    finally:
        with factory() as session:
            session.execute(delete(RecordRow).where(RecordRow.id == RECORD))
            session.commit()
        engine.dispose()


def event(event_id: str, kind: str, data: dict[str, object]) -> dict[str, object]:
    return {"id": event_id, "record": RECORD, "type": kind, "at": NOW.isoformat(), "data": data}


def test_a_batch_holds_its_records_until_commit(committed: SessionFactory) -> None:
    """While one batch on a record is open, another cannot take that record's lock."""
    with committed() as session:
        ingest(session, [event("c", "created", {})], principal=SYSTEM, now=NOW)
        session.commit()
    with committed() as first, committed() as second:
        comment = event("e1", "comment", {"public": True, "author_role": "agent"})
        assert ingest(first, [comment], principal=SYSTEM, now=NOW)[0].outcome is Outcome.ACCEPTED
        with pytest.raises(OperationalError, match="could not obtain lock"):
            second.execute(
                text("SELECT id FROM records WHERE id = :id FOR UPDATE NOWAIT"), {"id": RECORD}
            )
        second.rollback()
        first.commit()
        second.execute(
            text("SELECT id FROM records WHERE id = :id FOR UPDATE NOWAIT"), {"id": RECORD}
        )


def test_storing_an_event_twice_is_skipped_not_an_error(
    committed: SessionFactory,
) -> None:
    """An event stored meanwhile by another request (a retry racing its first delivery) is
    skipped by the insert itself, so the later batch does not fail."""
    with committed() as session:
        ingest(session, [event("c", "created", {})], principal=SYSTEM, now=NOW)
        session.commit()
    note = event("n1", "note", {"body": "hello"})
    with committed() as session:
        ingest(session, [note], principal=SYSTEM, now=NOW)
        session.commit()
    with committed() as session:
        row = {
            "record_id": RECORD,
            "event_id": "n1",
            "type": "note",
            "occurred_at": NOW,
            "received_at": NOW,
            "data": {"body": "hello"},
        }
        EventRepository(session).insert_many([row])
        session.commit()
        count = session.scalar(
            text("SELECT count(*) FROM events WHERE record_id = :id"), {"id": RECORD}
        )
    assert count == 2
