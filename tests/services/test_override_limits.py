"""Ingestion refuses the overrides the evaluator refuses, with the reason, storing nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from caseclock.core.policy import parse_bundle
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import Outcome, ingest
from caseclock.services.policy import apply_bundle
from caseclock.store.models import EventRow
from tests.conftest import HELPDESK, T0, Database

BUNDLE = """
calendars:
  - {name: always, timezone: UTC, always_open: true}
processes:
  support:
    name: Support
    calendar: always
    max_extension: 8h
    milestones:
      - key: resolution
        start: {on: created}
        complete: {on: closed}
        target: 8h
entitlement_rules:
  default: support
"""


def _override(event_id: str, hours: float, **change: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "record": "R-1",
        "type": "override",
        "at": (T0 + timedelta(hours=hours)).isoformat(),
        "data": {"milestone": "resolution", "by": "lee", "reason": "asked", **change},
    }


def test_a_pause_of_a_paused_clock_and_a_long_extension_are_refused(db: Database) -> None:
    """In one batch: the first pause is accepted, a second pause of the held clock is refused,
    and an extension beyond the process's ``max_extension`` is refused; neither is stored."""
    created = {"id": "c", "record": "R-1", "type": "created", "at": T0.isoformat(), "data": {}}
    now = T0 + timedelta(hours=3)
    with db.session_factory() as session:
        apply_bundle(session, parse_bundle(BUNDLE), now=T0)
        first = ingest(session, [created], principal=SYSTEM, provenance=HELPDESK, now=now)
        assert first[0].outcome is Outcome.ACCEPTED
        batch = [
            _override("p1", 1, pause=True),
            _override("p2", 2, pause=True),
            _override("x", 2.5, extend="9h"),
        ]
        results = ingest(session, batch, principal=SYSTEM, provenance=HELPDESK, now=now)
        session.commit()
    assert [r.outcome for r in results] == [Outcome.ACCEPTED, Outcome.REJECTED, Outcome.REJECTED]
    assert "already paused" in results[1].errors[0]
    assert "max_extension 8h" in results[2].errors[0]
    with db.session_factory() as session:
        stored = session.scalar(select(func.count()).select_from(EventRow))
    assert stored == 2
