"""An unhappy customer on the console scenario's C-3: a comment that scores very negative
with urgency cues, and the worker's pass that suggests a priority and writes the summary."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from caseclock.services.ingest import Outcome, ingest
from caseclock.services.insights.handoffs import SummaryWriter
from caseclock.services.insights.suggestions import suggest_for
from tests.conftest import HELPDESK
from tests.console.scenario import NOW, SYSTEM

ANGRY = "Production is down again, this is terrible and we are furious. Fix it ASAP!"
CALM = "Thanks, the export works great now."


def unhappy_customer(session: Session) -> None:
    """C-3's customer writes calmly, then angrily; the worker's pass follows."""
    events = [
        {
            "id": f"C-3:c{n}",
            "record": "C-3",
            "type": "comment",
            "at": (NOW - timedelta(minutes=30 - 10 * n)).isoformat(),
            "data": {"public": True, "author_role": "customer", "body": body},
        }
        for n, body in enumerate((CALM, ANGRY))
    ]
    results = ingest(session, events, principal=SYSTEM, provenance=HELPDESK, now=NOW)
    assert all(r.outcome is Outcome.ACCEPTED for r in results), results
    suggest_for(session, ["C-3"], NOW)
    SummaryWriter().write(session, ["C-3"], NOW)
