"""The demo: deterministic for a seed and an instant, and it shows every situation, breach
risk included from the moment it is loaded."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from caseclock.core.events import Event
from caseclock.demo.generator import REGIONS, TIERS, generate
from caseclock.demo.loader import SYSTEM, load_demo
from caseclock.document_files import load_bundle
from caseclock.services.at_risk import milestone_queue
from caseclock.services.insights.scoring import latest_model
from caseclock.services.insights.stored_risk import queue_by_risk
from caseclock.services.insights.training import train
from caseclock.store.models import EventRow, MilestoneRiskRow, MilestoneRow, RecordRow
from caseclock.store.repositories.milestones import QueueFilter
from tests.conftest import Database

NOW = datetime(2026, 3, 11, 16, 0, tzinfo=UTC)  # a Wednesday, 11:00 in New York
BUNDLE = Path(__file__).resolve().parents[2] / "examples" / "policies" / "b2b.yaml"


def test_same_seed_same_demo() -> None:
    """Two runs with the same seed and instant give identical data; another seed does not."""
    assert generate(now=NOW, cases=50, seed=3) == generate(now=NOW, cases=50, seed=3)
    assert generate(now=NOW, cases=50, seed=3) != generate(now=NOW, cases=50, seed=4)


def test_demo_covers_tiers_regions_and_stories() -> None:
    """Accounts span every tier and both regions; histories hold every kind of event."""
    data = generate(now=NOW, cases=200)
    assert {a.tier for a in data.accounts} == set(TIERS)
    assert {a.region for a in data.accounts} == set(REGIONS)
    kinds = Counter(e["type"] for e in data.events)
    assert {"created", "comment", "owner", "status", "field", "note"} <= set(kinds)
    assert all(Event.model_validate(e).at <= NOW for e in data.events)
    oldest = min(Event.model_validate(e).at for e in data.events)
    assert NOW - oldest > timedelta(days=90)


def test_loaded_demo_has_open_cases_at_every_health(db: Database) -> None:
    """Loaded with the B2B policy, the at-risk queue shows green, yellow and red."""
    with db.session_factory() as session:
        load_demo(session, load_bundle(BUNDLE), generate(now=NOW, cases=150), now=NOW)
        session.commit()
        items = milestone_queue(
            session,
            QueueFilter(open_only=True),
            SYSTEM,
            now=NOW,
            limit=500,
            offset=0,
            yellow_within=timedelta(minutes=15),
        )
        healths = {item.standing.health.value for item in items}
        closed = session.scalar(select(func.count()).where(RecordRow.is_closed.is_(True)))
        late = session.scalar(select(func.count()).where(MilestoneRow.late.is_(True)))
        origins = set(session.execute(select(EventRow.source, EventRow.actor).distinct()).all())
    assert healths == {"green", "yellow", "red"}
    assert closed
    assert late
    assert origins == {("demo", None)}  # every event says it is demo data


def test_loaded_demo_has_a_model_and_its_open_milestones_a_risk(db: Database) -> None:
    """Loading the demo trains the breach-risk model on its history, at the loading instant,
    and stores a risk for every open milestone of its cases, so "highest risk first" has
    figures to sort on before the worker's first pass; the model is the one the same history
    trains again (deterministic)."""
    data = generate(now=NOW, cases=150)
    with db.session_factory() as session:
        loaded = load_demo(session, load_bundle(BUNDLE), data, now=NOW)
        session.commit()
        assert loaded.risk is not None
        found = latest_model(session)
        assert found is not None
        model, row = found
        assert (row.trained_at, row.trigger) == (NOW, "demo")
        assert loaded.risk.trained_on == row.closed_milestones
        assert model == train(session, now=NOW, store=False).model
        cases = {e["record"] for e in data.events}
        open_ids = set(
            session.scalars(
                select(MilestoneRow.id).where(
                    MilestoneRow.is_open.is_(True), MilestoneRow.record_id.in_(cases)
                )
            )
        )
        risks = session.scalars(select(MilestoneRiskRow)).all()
        top = queue_by_risk(
            session,
            QueueFilter(open_only=True),
            SYSTEM,
            now=NOW,
            limit=5,
            yellow_within=timedelta(minutes=15),
        )
    assert open_ids
    assert {r.milestone_id for r in risks} == open_ids
    assert loaded.risk.scored == len(open_ids)
    assert {(r.scored_at, r.model_id) for r in risks} == {(NOW, row.id)}
    scored = {r.milestone_id: r.probability for r in risks if r.probability is not None}
    assert len(scored) > len(open_ids) / 2
    assert any(r.reasons for r in risks if r.probability is not None)
    figures = [scored[item.row.id] for item in top]
    assert figures == sorted(scored.values(), reverse=True)[:5]


def test_a_demo_too_small_to_train_on_loads_without_a_model(db: Database) -> None:
    """Five cases cannot train a model: the demo loads all the same, says why, and stores no
    model and no risk (the worker trains once the history allows)."""
    with db.session_factory() as session:
        loaded = load_demo(session, load_bundle(BUNDLE), generate(now=NOW, cases=5), now=NOW)
        session.commit()
        assert latest_model(session) is None
        assert session.scalars(select(MilestoneRiskRow)).first() is None
    assert loaded.records == 5
    assert loaded.risk is not None
    assert loaded.risk.trained_on is None
    assert "not enough history" in (loaded.risk.why_not or "")
