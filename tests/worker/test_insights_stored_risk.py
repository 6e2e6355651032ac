"""Stored breach risk: "highest risk first" sorts the whole filtered queue, and the worker
keeps the stored figures fresh when records change and as time passes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from caseclock.services.at_risk import QueueFilter
from caseclock.services.firing import SYSTEM
from caseclock.services.insights.stored_risk import forget_changes, queue_by_risk, refresh_changed
from caseclock.store.models import MilestoneRiskRow
from caseclock.store.repositories.insight_state import InsightChangeRepository
from caseclock.store.repositories.milestones import MilestoneRepository
from caseclock.worker.insights import InsightsJob
from tests.conftest import T0, Database
from tests.risk_models import store_model as stored_model
from tests.worker.firing_setup import created, prepare
from tests.worker.firing_setup import send as send_events

KEY = "first_response"


def store_model(db: Database, at: datetime) -> None:
    """A model whose risk grows with the number of customer comments only."""
    stored_model(db, at=at, history={KEY: 40}, coef={"customer_comments": 1.0}, intercept=-3.0)


def comments(record: str, count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{record}-c{start + n}",
            "record": record,
            "type": "comment",
            "at": (T0 + timedelta(minutes=1 + start + n)).isoformat(),
            "data": {"public": True, "author_role": "customer", "body": "Any news?"},
        }
        for n in range(count)
    ]


def job(db: Database) -> InsightsJob:
    return InsightsJob(session_factory=db.session_factory, age=timedelta(minutes=15))


def stored(db: Database) -> dict[str, float | None]:
    with db.session_factory() as session:
        rows = session.scalars(select(MilestoneRiskRow)).all()
        return {r.record_id: r.probability for r in rows}


def top(db: Database, now: datetime, limit: int) -> list[str]:
    with db.session_factory() as session:
        found = queue_by_risk(
            session,
            QueueFilter(open_only=True),
            SYSTEM,
            now=now,
            limit=limit,
            yellow_within=timedelta(minutes=15),
        )
        return [item.row.record_id for item in found]


def test_the_riskiest_rows_of_the_whole_queue_come_first(db: Database) -> None:
    """Five records due at the same instant, with 0 to 4 customer comments: once the worker
    has scored them, the top two of the whole queue are the two riskiest, not the first two
    by deadline with their order changed."""
    prepare(db.session_factory, T0)
    store_model(db, T0)
    events = [created(f"R-{k}", T0) for k in range(1, 6)]
    for k in range(1, 6):
        events += comments(f"R-{k}", k - 1)
    send_events(db.session_factory, T0 + timedelta(minutes=10), *events)
    now = T0 + timedelta(minutes=20)
    assert job(db).run(now) == 5
    risks = stored(db)
    assert sorted(risks, key=lambda r: -(risks[r] or 0)) == ["R-5", "R-4", "R-3", "R-2", "R-1"]
    assert top(db, now, 2) == ["R-5", "R-4"]


def test_a_change_and_the_passing_of_time_score_again(db: Database) -> None:
    """A record that changes is scored again at the worker's next pass (its comments raise
    its risk to the top); one that does not change is scored again once older than the
    refresh age; a newer model makes every stored figure old."""
    prepare(db.session_factory, T0)
    store_model(db, T0)
    send_events(
        db.session_factory,
        T0 + timedelta(minutes=5),
        created("R-1", T0),
        created("R-2", T0),
        *comments("R-2", 1),
    )
    worker = job(db)
    worker.run(T0 + timedelta(minutes=6))
    assert top(db, T0 + timedelta(minutes=6), 1) == ["R-2"]
    send_events(db.session_factory, T0 + timedelta(minutes=10), *comments("R-1", 3, start=10))
    assert worker.run(T0 + timedelta(minutes=10)) == 1  # only the changed record
    assert top(db, T0 + timedelta(minutes=10), 1) == ["R-1"]
    with db.session_factory() as session:
        scored = {r.record_id: r.scored_at for r in session.scalars(select(MilestoneRiskRow))}
    assert scored["R-2"] == T0 + timedelta(minutes=6)
    worker.run(T0 + timedelta(minutes=22))  # R-2's figure is 16 minutes old
    with db.session_factory() as session:
        scored = {r.record_id: r.scored_at for r in session.scalars(select(MilestoneRiskRow))}
    assert scored == {"R-1": T0 + timedelta(minutes=10), "R-2": T0 + timedelta(minutes=22)}
    store_model(db, T0 + timedelta(minutes=23))
    worker.run(T0 + timedelta(minutes=24))  # the aged look runs every 30 s at most
    with db.session_factory() as session:
        again = {r.record_id: r.scored_at for r in session.scalars(select(MilestoneRiskRow))}
    assert set(again.values()) == {T0 + timedelta(minutes=24)}


def test_a_change_while_the_worker_scores_is_not_forgotten(db: Database) -> None:
    """A record noted again after the worker took it keeps its later instant, so the worker's
    forgetting what it took leaves it for the next pass."""
    prepare(db.session_factory, T0)
    send_events(db.session_factory, T0 + timedelta(minutes=5), created("R-1", T0))
    with db.session_factory() as session:
        records, taken = refresh_changed(session, T0 + timedelta(minutes=6))
        session.commit()
    assert records == ["R-1"]
    send_events(db.session_factory, T0 + timedelta(minutes=7), *comments("R-1", 1, start=7))
    with db.session_factory() as session:
        forget_changes(session, taken)
        session.commit()
        assert [r for r, _ in InsightChangeRepository(session).oldest(10)] == ["R-1"]


def test_pages_run_from_the_figures_into_the_rest(db: Database) -> None:
    """Rows with a figure first (highest first), then those without one by deadline; a page
    may start in either part; with no figure at all the order is the deadline order."""
    prepare(db.session_factory, T0)
    store_model(db, T0)
    events = [created(f"R-{k}", T0 + timedelta(minutes=k)) for k in range(1, 5)]
    events += comments("R-3", 2, start=5) + comments("R-4", 1, start=7)
    send_events(db.session_factory, T0 + timedelta(minutes=10), *events)
    now = T0 + timedelta(minutes=20)
    job(db).run(now)
    where = QueueFilter(open_only=True)
    with db.session_factory() as session:
        session.execute(
            update(MilestoneRiskRow)
            .where(MilestoneRiskRow.record_id.in_(["R-1", "R-2"]))
            .values(probability=None)
        )
        repository = MilestoneRepository(session)

        def page(limit: int, offset: int) -> list[str]:
            found = repository.by_risk(where, now=now, scope=None, limit=limit, offset=offset)
            return [row.record_id for row in found]

        assert page(4, 0) == ["R-3", "R-4", "R-1", "R-2"]
        assert page(2, 1) == ["R-4", "R-1"]
        assert page(2, 3) == ["R-2"]
        session.execute(update(MilestoneRiskRow).values(probability=None))
        assert page(4, 0) == ["R-1", "R-2", "R-3", "R-4"]
        assert page(2, 2) == ["R-3", "R-4"]
