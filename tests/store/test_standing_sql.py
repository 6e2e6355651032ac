"""The SQL filters that count violations agree with ``core.standing.state_at``.

The store cannot call the core for every row of a filtered page, so three queries restate the
rule in SQL (the queue's state filter, the queue's counts by standing and the per-account
violated count). These tests store one
row of each kind around ``now`` and hold each query to the answers of the pure function.
"""

from __future__ import annotations

from datetime import timedelta

from caseclock.core.milestones import Health, MilestoneState
from caseclock.core.standing import standing, state_at
from caseclock.store.models import MilestoneRow, RecordRow
from caseclock.store.repositories.milestones import DueSoon, MilestoneRepository, QueueFilter
from caseclock.store.repositories.reports import ReportRepository
from tests.conftest import T0, Database

NOW = T0
DEADLINES = (
    None,
    NOW - timedelta(hours=1),
    NOW,
    NOW + timedelta(microseconds=1),
    NOW + timedelta(hours=3),
)
YELLOW = timedelta(hours=1)
STATES = ("pending", "running", "paused", "violated", "completed", "cancelled")


def _store_rows(db: Database) -> None:
    with db.session_factory() as session:
        session.add(
            RecordRow(id="r-1", type="case", created_at=NOW, updated_at=NOW, received_at=NOW)
        )
        session.flush()
        cycle = 0
        for state in STATES:
            for deadline in DEADLINES:
                if state == "violated" and (deadline is None or deadline > NOW):
                    continue  # never stored: the evaluator marks violated only past a deadline
                cycle += 1
                session.add(
                    MilestoneRow(
                        record_id="r-1",
                        key="m",
                        cycle=cycle,
                        name="m",
                        state=state,
                        is_open=state in ("running", "paused", "violated"),
                        deadline=deadline,
                        account_id="acme",
                        evaluated_at=NOW - timedelta(days=1),
                    )
                )
        session.commit()


def test_queue_state_filter_mirrors_state_at(db: Database) -> None:
    """Filtering the queue by a state returns exactly the rows ``state_at`` gives that state."""
    _store_rows(db)
    with db.session_factory() as session:
        rows = session.query(MilestoneRow).all()
        repo = MilestoneRepository(session)
        for state in MilestoneState:
            found = repo.queue(
                QueueFilter(states=frozenset({str(state)})),
                now=NOW,
                scope=None,
                sort_by_deadline=False,
                limit=1000,
                offset=0,
            )
            expected = {
                r.id for r in rows if state_at(MilestoneState(r.state), r.deadline, NOW) is state
            }
            assert {r.id for r in found} == expected, state


def test_overdue_count_by_account_mirrors_state_at(db: Database) -> None:
    """The per-account overdue count is the number of open rows ``state_at`` calls violated."""
    _store_rows(db)
    with db.session_factory() as session:
        rows = [r for r in session.query(MilestoneRow).all() if r.is_open]
        counts = ReportRepository(session).open_by_account(now=NOW, scope=None)
    violated = [
        r
        for r in rows
        if state_at(MilestoneState(r.state), r.deadline, NOW) is MilestoneState.VIOLATED
    ]
    assert counts["acme"] == (len(rows), len(violated))


def test_queue_counts_mirror_standing(db: Database) -> None:
    """The queue's counts by standing (violated, at risk, on track, paused) are the open rows'
    ``standing`` at ``now``, time left on the wall clock for rows on no known calendar."""
    _store_rows(db)
    with db.session_factory() as session:
        rows = [r for r in session.query(MilestoneRow).all() if r.is_open]
        counts = MilestoneRepository(session).counts(
            QueueFilter(), now=NOW, scope=None, due_soon=DueSoon(wall=NOW + YELLOW, business={})
        )
    kinds = {"violated": 0, "at_risk": 0, "on_track": 0, "paused": 0}
    for r in rows:
        found = standing(
            key=r.key,
            state=MilestoneState(r.state),
            basis=r.basis,
            deadline=r.deadline,
            warning_at=r.warning_at,
            stored_remaining=None,
            calendar=None,
            now=NOW,
            yellow_within=YELLOW,
        )
        if found.state is MilestoneState.PAUSED:
            kinds["paused"] += 1
        elif found.state is MilestoneState.VIOLATED:
            kinds["violated"] += 1
        else:
            kinds["at_risk" if found.health is Health.YELLOW else "on_track"] += 1
    assert (counts.violated, counts.at_risk, counts.on_track, counts.paused) == tuple(
        kinds.values()
    )
