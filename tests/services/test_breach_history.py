"""Breaches are history in reports: extending a violated milestone moves its deadline, but the
compliance report and the violations list still count the breach that happened."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from caseclock.core.policy import parse_bundle
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import Outcome, ingest
from caseclock.services.policy import apply_bundle
from caseclock.services.reports import compliance_report, violations
from tests.conftest import HELPDESK, T0, Database

BUNDLE = """
calendars:
  - {name: always, timezone: UTC, always_open: true}
processes:
  support:
    name: Support
    calendar: always
    milestones:
      - key: first_response
        start: {on: created}
        complete: {on: comment, public: true, author_role: agent}
        target: 1h
entitlement_rules:
  default: support
"""


def _event(event_id: str, kind: str, hours: float, **data: Any) -> dict[str, Any]:
    at = (T0 + timedelta(hours=hours)).isoformat()
    return {"id": event_id, "record": "R-1", "type": kind, "at": at, "data": data}


def test_an_extension_after_a_breach_leaves_it_in_the_reports(db: Database) -> None:
    """Breached at T0+1h, extended by 4h at T0+2h, answered at T0+3h (in time for the new
    deadline): the report counts a late cycle, and the violations list names it."""
    events = [
        _event("c", "created", 0),
        _event("x", "override", 2, milestone="first_response", extend="4h", by="lee", reason="ok"),
        _event("a", "comment", 3, public=True, author_role="agent"),
    ]
    now = T0 + timedelta(hours=4)
    with db.session_factory() as session:
        apply_bundle(session, parse_bundle(BUNDLE), now=T0)
        results = ingest(session, events, principal=SYSTEM, provenance=HELPDESK, now=now)
        assert all(r.outcome is Outcome.ACCEPTED for r in results), [r.errors for r in results]
        session.commit()
    with db.session_factory() as session:
        report = compliance_report(session, SYSTEM, now=now)
        found = violations(session, SYSTEM, now=now)
    assert (report.overall.on_time, report.overall.late) == (0, 1)
    assert [v.record_id for v in found] == ["R-1"]
