"""Concurrent batches on PostgreSQL: a batch locks the records it touches until it commits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from caseclock.services.access import Principal, Role
from caseclock.services.ingest import Outcome, ingest
from caseclock.store.database import SessionFactory, make_engine, make_session_factory
from caseclock.store.models import RecordRow
from caseclock.store.repositories.records import EventRepository
from tests.conftest import HELPDESK

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
        ingest(session, [event("c", "created", {})], principal=SYSTEM, provenance=HELPDESK, now=NOW)
        session.commit()
    with committed() as first, committed() as second:
        comment = event("e1", "comment", {"public": True, "author_role": "agent"})
        assert (
            ingest(first, [comment], principal=SYSTEM, provenance=HELPDESK, now=NOW)[0].outcome
            is Outcome.ACCEPTED
        )
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
        ingest(session, [event("c", "created", {})], principal=SYSTEM, provenance=HELPDESK, now=NOW)
        session.commit()
    note = event("n1", "note", {"body": "hello"})
    with committed() as session:
        ingest(session, [note], principal=SYSTEM, provenance=HELPDESK, now=NOW)
        session.commit()
    with committed() as session:
        row = {
            "record_id": RECORD,
            "event_id": "n1",
            "type": "note",
            "occurred_at": NOW,
            "received_at": NOW,
            "data": {"body": "hello"},
            "source": HELPDESK.source,
            "actor": HELPDESK.actor,
        }
        EventRepository(session).insert_many([row])
        session.commit()
        count = session.scalar(
            text("SELECT count(*) FROM events WHERE record_id = :id"), {"id": RECORD}
        )
    assert count == 2


def _waiting_on_a_lock(session: Session, pid: int) -> bool:
    """Whether the backend ``pid`` is blocked behind another transaction's lock."""
    return bool(
        session.scalar(text("SELECT cardinality(pg_blocking_pids(:pid)) > 0"), {"pid": pid})
    )


def _create_concurrently(
    committed: SessionFactory, first_id: str, second_id: str
) -> tuple[Outcome, Outcome]:
    """Two batches create the same new record: the second looks the record up (unknown)
    while the first is still open, then waits on it; the first commits; the second goes on.

    The order is made explicit, not timed: the main thread commits the first only once the
    server reports the second's backend blocked behind it.
    """
    outcomes: dict[str, Outcome] = {}
    with committed() as first, committed() as second, committed() as observer:
        created = event(first_id, "created", {"status": "New"})
        outcomes["first"] = ingest(
            first, [created], principal=SYSTEM, provenance=HELPDESK, now=NOW
        )[0].outcome
        pid = second.scalar(text("SELECT pg_backend_pid()"))
        assert isinstance(pid, int)

        def run_second() -> None:
            again = event(second_id, "created", {"status": "Open"})
            outcomes["second"] = ingest(
                second, [again], principal=SYSTEM, provenance=HELPDESK, now=NOW
            )[0].outcome
            second.commit()

        thread = threading.Thread(target=run_second)
        thread.start()
        while thread.is_alive() and not _waiting_on_a_lock(observer, pid):
            observer.rollback()  # a fresh snapshot of the server's lock table each time round
        first.commit()
        thread.join()
    return outcomes["first"], outcomes["second"]


def _created_events(committed: SessionFactory) -> list[str]:
    with committed() as session:
        return list(
            session.scalars(
                text("SELECT event_id FROM events WHERE record_id = :id AND type = 'created'"),
                {"id": RECORD},
            )
        )


def test_two_batches_creating_one_record_store_one_created_event(
    committed: SessionFactory,
) -> None:
    """When two batches race to create the same new record with different created events,
    the record is created once: the later batch's created event is refused, not stored."""
    first, second = _create_concurrently(committed, "c-first", "c-second")
    assert (first, second) == (Outcome.ACCEPTED, Outcome.REJECTED)
    assert _created_events(committed) == ["c-first"]
    with committed() as session:
        record = session.get(RecordRow, RECORD)
        assert record is not None
        assert record.status == "New"


def test_the_same_created_event_racing_itself_is_a_duplicate(committed: SessionFactory) -> None:
    """A created event delivered twice at once (a retry racing the first delivery) is stored
    once, and the later delivery is told it is a duplicate."""
    first, second = _create_concurrently(committed, "c-1", "c-1")
    assert (first, second) == (Outcome.ACCEPTED, Outcome.DUPLICATE)
    assert _created_events(committed) == ["c-1"]
