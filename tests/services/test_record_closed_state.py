"""A record's closed state is the one fold of its timeline: the stored columns (which the
``state=open`` filter and the escalation rules read) agree with the evaluator's milestones,
whatever statuses the record's process calls closed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caseclock.core.policy import parse_bundle
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import Outcome, ingest
from caseclock.services.policy import apply_bundle
from caseclock.store.models import MilestoneRow, RecordRow
from caseclock.store.repositories.records import RecordFilter, RecordRepository
from tests.conftest import HELPDESK, T0, Database

BUNDLE = """
calendars:
  - {name: always, timezone: UTC, always_open: true}
processes:
  support:
    name: Support
    calendar: always
    closed_statuses: [Resolved]
    milestones:
      - key: resolution
        name: Resolution
        start: {on: created}
        complete: {field: status, value: Resolved}
        target: 8h
entitlement_rules:
  default: support
"""


def test_a_closed_status_of_the_process_closes_the_stored_record(db: Database) -> None:
    """With ``closed_statuses: [Resolved]``, a record set to Resolved is closed for its
    milestones and for the stored columns alike: the open-records filter leaves it out."""
    events = [
        {"id": "c", "record": "R-1", "type": "created", "at": T0.isoformat(), "data": {}},
        {
            "id": "s",
            "record": "R-1",
            "type": "status",
            "at": (T0 + timedelta(hours=1)).isoformat(),
            "data": {"status": "Resolved"},
        },
    ]
    now = T0 + timedelta(hours=2)
    with db.session_factory() as session:
        apply_bundle(session, parse_bundle(BUNDLE), now=T0)
        results = ingest(session, events, principal=SYSTEM, provenance=HELPDESK, now=now)
        assert all(r.outcome is Outcome.ACCEPTED for r in results)
        session.commit()
    with db.session_factory() as session:
        record = session.get(RecordRow, "R-1")
        assert record is not None
        assert record.is_closed
        states = session.scalars(select(MilestoneRow.state)).all()
        assert states == ["completed"]
        open_records = RecordRepository(session).list(
            RecordFilter(closed=False), scope=None, limit=10, offset=0
        )
        assert [r.id for r in open_records] == []
