"""Instants in the store: aware UTC in, aware UTC out, naive refused, on every engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from caseclock.store.models import CalendarRow
from tests.conftest import Database

DOC = {"name": "x", "timezone": "UTC", "always_open": True}


def test_aware_instant_comes_back_as_utc(db: Database) -> None:
    """An instant with an offset is stored as UTC and read back aware, same instant."""
    local = datetime(2026, 3, 6, 16, 30, tzinfo=timezone(timedelta(hours=-5)))
    with db.session_factory() as session:
        session.add(CalendarRow(name="x", document=DOC, created_at=local, updated_at=local))
        session.commit()
    with db.session_factory() as session:
        row = session.get(CalendarRow, "x")
        assert row is not None
        assert row.created_at == local
        assert row.created_at.tzinfo == UTC


def test_naive_instant_is_refused(db: Database) -> None:
    """A naive datetime never reaches the database."""
    naive = datetime(2026, 3, 6, 16, 30)  # noqa: DTZ001 (the point of the test)
    with db.session_factory() as session:
        session.add(CalendarRow(name="x", document=DOC, created_at=naive, updated_at=naive))
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()
