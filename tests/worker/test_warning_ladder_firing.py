"""A warning ladder fires each rung's own actions at its instant, once; after downtime only
the last rung that came due fires."""

from __future__ import annotations

from sqlalchemy import select

from caseclock.core.policy import parse_bundle
from caseclock.services.policy import apply_bundle
from caseclock.store.models import FiringRow, NoteRow
from caseclock.worker.loop import Worker
from tests.conftest import T0, Database
from tests.worker.firing_setup import created, minutes, send

LADDER = """
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
        actions:
          warning:
            - {before: 30m, do: [{type: add_note, body: 30 minutes left}]}
            - {before: 15m, do: [{type: add_note, body: 15 minutes left}]}
            - {before: 5m, do: [{type: add_note, body: 5 minutes left}]}
entitlement_rules:
  default: support
"""


def _notes(db: Database, record: str) -> list[str]:
    with db.session_factory() as session:
        rows = session.scalars(select(NoteRow).where(NoteRow.record_id == record)).all()
        return sorted(r.body for r in rows)


def test_each_rung_fires_its_own_actions_once(db: Database, worker: Worker) -> None:
    """At 30, 45 and 55 minutes the three rungs add their own notes; looking again adds none."""
    with db.session_factory() as session:
        apply_bundle(session, parse_bundle(LADDER), now=T0)
        session.commit()
    send(db.session_factory, T0, created("C-1", T0))
    worker.run_once(T0 + minutes(30))
    assert _notes(db, "C-1") == ["30 minutes left"]
    worker.run_once(T0 + minutes(45))
    worker.run_once(T0 + minutes(55))
    worker.run_once(T0 + minutes(56))
    assert _notes(db, "C-1") == ["15 minutes left", "30 minutes left", "5 minutes left"]
    with db.session_factory() as session:
        fired = session.scalars(
            select(FiringRow.sequence).where(
                FiringRow.kind == "warning", FiringRow.skipped.is_(False)
            )
        ).all()
    assert sorted(fired) == [0, 1, 2]


def test_after_downtime_only_the_last_due_rung_fires(db: Database, worker: Worker) -> None:
    """A worker first looking at 56 minutes fires the 5-minute rung and skips the two before."""
    with db.session_factory() as session:
        apply_bundle(session, parse_bundle(LADDER), now=T0)
        session.commit()
    send(db.session_factory, T0, created("C-2", T0))
    worker.run_once(T0 + minutes(56))
    assert _notes(db, "C-2") == ["5 minutes left"]
