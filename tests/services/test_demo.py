"""The demo: deterministic for a seed and an instant, and it shows every situation."""

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
from caseclock.store.models import EventRow, MilestoneRow, RecordRow
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
