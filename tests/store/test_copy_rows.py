"""``bulk.copy_rows``: what a history import writes with ``COPY`` (binary on PostgreSQL) reads
back as it was given, on both engines; a naive instant or an unknown column type is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, Numeric, Table, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from caseclock.store.bulk import copy_rows
from caseclock.store.database import make_engine
from caseclock.store.models.records import EventRow, MilestoneRow, RecordRow
from tests.conftest import Database

AT = datetime(2026, 3, 6, 16, 30, tzinfo=timezone(timedelta(hours=-5)))
EVENTS = EventRow.__table__
MILESTONES = MilestoneRow.__table__


def _record(db: Database) -> None:
    with db.session_factory() as session:
        session.add(
            RecordRow(
                id="R-1",
                type="case",
                created_at=AT,
                updated_at=AT,
                received_at=AT,
                fields={},
            )
        )
        session.commit()


def _event(number: int, data: dict[str, Any], at: datetime = AT) -> dict[str, Any]:
    return {
        "record_id": "R-1",
        "event_id": f"e{number}",
        "type": "comment",
        "occurred_at": at,
        "received_at": at,
        "data": data,
        "source": "import",
        "actor": None,
    }


def test_rows_read_back_as_given(db: Database) -> None:
    """Text, numbers, flags, nulls, instants (any offset, read back in UTC) and documents
    (nested, non-ASCII, control characters) survive the copy."""
    _record(db)
    document = {"body": "Grüße — “quoted”\nline two", "n": [1, 2.5, None, True], "tab": "a\tb"}
    milestone = {
        "record_id": "R-1",
        "key": "first_response",
        "cycle": 1,
        "name": "First response",
        "state": "violated",
        "is_open": True,
        "calendar": None,
        "calendar_version": 3,
        "started_at": AT,
        "deadline": AT + timedelta(hours=2),
        "warning_at": None,
        "completed_at": None,
        "target_seconds": 7200.0,
        "elapsed_seconds": 7300.25,
        "paused_seconds": 0.0,
        "remaining_seconds": -100.25,
        "late": None,
        "basis": "business",
        "violated_at": AT + timedelta(hours=2),
        "owner": "ana",
        "team": None,
        "account_id": "acme",
        "timers": [{"at": "2026-03-06T18:30:00-05:00", "kind": "violation"}],
        "next_timer_at": None,
        "next_timer_kind": None,
        "evaluated_at": AT,
        "digest": "d" * 32,
    }
    with db.session_factory() as session:
        copy_rows(session, EVENTS, [_event(1, document), _event(2, {})])  # type: ignore[arg-type]
        copy_rows(session, MILESTONES, [milestone])  # type: ignore[arg-type]
        session.commit()
    with db.session_factory() as session:
        events = session.execute(select(EVENTS).order_by(EVENTS.c.event_id)).mappings().all()
        stored = session.execute(select(MILESTONES)).mappings().one()
    assert [e["data"] for e in events] == [document, {}]
    assert events[0]["occurred_at"] == AT
    assert events[0]["occurred_at"].tzinfo == UTC
    assert events[0]["actor"] is None
    for name, value in milestone.items():
        assert stored[name] == value, name


def test_a_naive_instant_stores_nothing(db: Database) -> None:
    """A naive datetime fails the copy (as ``UTCDateTime`` refuses it): no row of it is kept."""
    _record(db)
    naive = datetime(2026, 3, 6, 16, 30)  # noqa: DTZ001 (the point of the test)
    with db.session_factory() as session:
        with pytest.raises((SQLAlchemyError, ValueError, TypeError)):
            copy_rows(session, EVENTS, [_event(1, {}), _event(2, {}, at=naive)])  # type: ignore[arg-type]
        session.rollback()
    with db.session_factory() as session:
        assert session.execute(select(EVENTS)).first() is None


@pytest.mark.postgres
def test_a_column_type_without_a_copy_type_is_named(pg_schema_url: str) -> None:
    """A table whose column has no binary ``COPY`` type is refused before anything is sent
    (PostgreSQL only: SQLite inserts the rows)."""
    engine = make_engine(pg_schema_url)
    table = Table("priced", MetaData(), Column("amount", Numeric))
    try:
        with Session(engine) as session, pytest.raises(TypeError, match=r"priced\.amount"):
            copy_rows(session, table, [{"amount": 1}])
    finally:
        engine.dispose()
