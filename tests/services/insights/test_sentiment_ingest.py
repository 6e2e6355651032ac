"""Customer comments are scored as they are stored, and scoring never refuses an event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from caseclock.core.events import Event
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import Outcome, ingest
from caseclock.services.insights.scoring import signals_of
from caseclock.store.models import CommentSentimentRow, EventRow
from tests.conftest import HELPDESK, T0, Database
from tests.worker.firing_setup import created, prepare


def _comment(record: str, n: int, role: str, body: Any) -> dict[str, Any]:
    return {
        "id": f"{record}-c{n}",
        "record": record,
        "type": "comment",
        "at": (T0 + timedelta(minutes=n)).isoformat(),
        "data": {"public": True, "author_role": role, "body": body},
    }


def test_customer_comments_are_scored_with_drivers_and_cues(db: Database) -> None:
    """Each customer comment gets its score, band, driving words and urgency cues beside its
    event; agents' comments and empty ones are not scored."""
    prepare(db.session_factory, T0)
    with db.session_factory() as session:
        results = ingest(
            session,
            [
                created("C-1", T0, account=None),
                _comment("C-1", 1, "customer", "Production is down, this is terrible!\n> ok"),
                _comment("C-1", 2, "agent", "We are on it."),
                _comment("C-1", 3, "customer", None),
                _comment("C-1", 4, "customer", "Thanks, works great."),
            ],
            principal=SYSTEM,
            provenance=HELPDESK,
            now=T0 + timedelta(hours=1),
        )
        assert all(r.outcome is Outcome.ACCEPTED for r in results)
        session.commit()
        rows = session.execute(
            select(EventRow.event_id, CommentSentimentRow)
            .join(EventRow, EventRow.seq == CommentSentimentRow.event_seq)
            .order_by(CommentSentimentRow.occurred_at)
        ).all()
    assert [event_id for event_id, _ in rows] == ["C-1-c1", "C-1-c4"]
    angry, happy = rows[0][1], rows[1][1]
    assert angry.score < -0.2
    assert angry.band < 0
    assert angry.drivers[0][0] == "terrible"
    assert angry.cues == [["outage", "Production is down"]]
    assert happy.band == 2


def test_comments_stored_unscored_are_scored_when_read() -> None:
    """A comment with no stored score (stored before sentiment was, or whose scoring failed)
    is scored when the risk is read, as it would have been at ingestion."""
    events = [
        Event.model_validate(_comment("C-3", 1, "customer", "This is terrible, ASAP please.")),
        Event.model_validate(_comment("C-3", 2, "agent", "On it.")),
    ]
    scores, cues = signals_of(events, {})
    assert scores["C-3-c1"] < -0.2
    assert cues == {"C-3-c1": 1}
