"""Ingestion's timer hook works from the rows it has just written, not from reading them back:
whatever it leaves behind is what the re-reading hook would have left."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from caseclock.services.timers import after_refresh
from caseclock.store.models import EscalationTimerRow, FiringRow, MilestoneRow
from tests.conftest import T0, Database
from tests.worker.firing_setup import agent_reply, created, minutes, prepare, send


def timer_state(session: Session) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every milestone row's next timer and every escalation timer, in a stable order."""
    milestones = session.execute(
        select(
            MilestoneRow.record_id,
            MilestoneRow.key,
            MilestoneRow.cycle,
            MilestoneRow.next_timer_at,
            MilestoneRow.next_timer_kind,
            MilestoneRow.timers,
        ).order_by(MilestoneRow.record_id, MilestoneRow.key, MilestoneRow.cycle)
    ).all()
    escalations = session.execute(
        select(
            EscalationTimerRow.record_id,
            EscalationTimerRow.rule,
            EscalationTimerRow.basis,
            EscalationTimerRow.due_at,
        ).order_by(EscalationTimerRow.record_id, EscalationTimerRow.rule)
    ).all()
    return [tuple(r) for r in milestones], [tuple(r) for r in escalations]


def fire(session: Session, record: str, kind: str, due: datetime) -> None:
    """Put one timer of ``first_response`` cycle 1 in the firing ledger, as a worker would."""
    session.execute(
        insert(FiringRow).values(
            record_id=record,
            source="first_response",
            cycle=1,
            kind=kind,
            sequence=0,
            trigger=kind,
            due_at=due,
            fired_at=due,
            late=False,
            skipped=False,
            notes=[],
        )
    )


def test_the_hook_leaves_what_re_reading_would(db: Database) -> None:
    """After batches of creations, replies, late events and field changes, running the hook
    again the old way (reading every row back) changes nothing."""
    prepare(db.session_factory, T0)
    send(
        db.session_factory,
        T0,
        created("C-1", T0, tier="Gold"),
        created("C-2", T0),
        created("C-3", T0 + minutes(5), tier="Gold"),
    )
    with db.session_factory() as session:
        fire(session, "C-2", "warning", T0 + minutes(45))
        session.commit()
    now = T0 + minutes(50)
    send(
        db.session_factory,
        now,
        agent_reply("C-1", T0 + minutes(20)),  # late: completes before the warning
        {
            "id": "C-2-flag",
            "record": "C-2",
            "type": "field",
            "at": now.isoformat(),
            "data": {"field": "tier", "value": "Gold"},
        },
        {
            "id": "C-3-owner",
            "record": "C-3",
            "type": "owner",
            "at": now.isoformat(),
            "data": {"owner": "eli"},
        },
    )
    with db.session_factory() as session:
        written = timer_state(session)
        after_refresh(session, {"C-1", "C-2", "C-3"}, now=now)
        session.flush()
        assert timer_state(session) == written
    milestones, escalations = written
    c2 = next(r for r in milestones if r[0] == "C-2")
    assert c2[4] == "violation"  # the fired warning is no longer its next timer
    assert {(r[0], r[1]) for r in escalations} == {
        ("C-1", "idle_gold"),
        ("C-2", "idle_gold"),
        ("C-3", "idle_gold"),
    }


def test_a_row_inserted_again_skips_timers_already_fired(db: Database) -> None:
    """A milestone row written anew (it had gone) whose warning already fired points the
    worker at its violation: the hook finds the new row's id to say so."""
    prepare(db.session_factory, T0)
    send(db.session_factory, T0, created("C-1", T0))
    with db.session_factory() as session:
        fire(session, "C-1", "warning", T0 + minutes(45))
        session.execute(delete(MilestoneRow).where(MilestoneRow.record_id == "C-1"))
        session.commit()
    now = T0 + minutes(50)
    send(
        db.session_factory,
        now,
        {
            "id": "C-1-internal",
            "record": "C-1",
            "type": "comment",
            "at": now.isoformat(),
            "data": {"public": False, "author_role": "agent"},
        },
    )
    with db.session_factory() as session:
        [row] = session.scalars(select(MilestoneRow).where(MilestoneRow.record_id == "C-1")).all()
        assert (row.next_timer_at, row.next_timer_kind) == (T0 + minutes(60), "violation")
