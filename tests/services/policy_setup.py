"""The installation the policy-change scenarios start from: one process on an office
calendar (09:00-17:00 on weekdays, UTC) and four records, three of them open."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from caseclock.core.policy import PolicyBundle, parse_bundle
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import Outcome, ingest
from caseclock.services.policy import apply_bundle
from tests.conftest import HELPDESK, T0, Database

WEEKDAYS = ", ".join(f'{day}: [["09:00", "17:00"]]' for day in ("mon", "tue", "wed", "thu", "fri"))
BUNDLE = f"""
calendars:
  - {{name: office, timezone: UTC, week: {{{WEEKDAYS}}}}}
processes:
  support:
    name: Support
    calendar: office
    milestones:
      - key: first_response
        name: First response
        start: {{on: created}}
        complete: {{on: comment, public: true, author_role: agent}}
        target: 4h
      - key: resolution
        name: Resolution
        start: {{on: created}}
        complete: {{on: closed}}
        target: 16h
entitlement_rules:
  default: support
"""
NOW = T0  # Monday 2026-03-09 14:00 UTC
MONDAY = NOW.replace(hour=9)
DAYS = 90


def event(record: str, event_id: str, kind: str, at: datetime, **data: Any) -> dict[str, Any]:
    return {"id": event_id, "record": record, "type": kind, "at": at.isoformat(), "data": data}


def answer(record: str, at: datetime) -> dict[str, Any]:
    return event(record, f"{record}-a", "comment", at, public=True, author_role="agent")


HISTORY = [
    # last week: answered after 3 business hours, closed the next morning
    event("R-3", "R-3-c", "created", MONDAY - timedelta(days=7), tier="Gold"),
    answer("R-3", MONDAY - timedelta(days=7, hours=-3)),
    event("R-3", "R-3-x", "closed", MONDAY - timedelta(days=6, hours=-1)),
    # today: R-1 unanswered since 11:00; R-2 answered at 12:00 (3 h); R-4 answered, waiting
    event("R-1", "R-1-c", "created", NOW - timedelta(hours=3), tier="Gold"),
    event("R-2", "R-2-c", "created", MONDAY, tier="Standard"),
    answer("R-2", MONDAY + timedelta(hours=3)),
    event("R-4", "R-4-c", "created", MONDAY, tier="Standard"),
    answer("R-4", MONDAY + timedelta(minutes=30)),
    event("R-4", "R-4-s", "status", MONDAY + timedelta(hours=1), status="Waiting"),
]


def install(db: Database) -> Database:
    """The history above, stored under ``BUNDLE`` (process support v1)."""
    with db.session_factory() as session:
        apply_bundle(session, parse_bundle(BUNDLE), now=NOW - timedelta(days=30))
        results = ingest(session, HISTORY, principal=SYSTEM, provenance=HELPDESK, now=NOW)
        assert all(r.outcome is Outcome.ACCEPTED for r in results), [r.errors for r in results]
        session.commit()
    return db


def changed(old: str, new: str) -> PolicyBundle:
    """``BUNDLE`` with ``old`` written as ``new``."""
    assert old in BUNDLE
    return parse_bundle(BUNDLE.replace(old, new))
