"""A customer's falling mood fires through the worker: ``on: sentiment_drop`` starts a
milestone whose warning email reaches the owner (a real SMTP server) and whose violation
escalates to the team lead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from caseclock.core.policy import parse_bundle
from caseclock.services.policy import apply_bundle
from caseclock.worker.loop import Worker
from tests.conftest import T0, Database
from tests.worker.firing_setup import created, minutes
from tests.worker.firing_setup import send as send_events
from tests.worker.servers import SmtpSink

POLICY = """
calendars:
  - {name: always, timezone: UTC, always_open: true}
processes:
  support:
    name: Support
    calendar: always
    milestones:
      - key: win_back
        name: Win the customer back
        start: {on: sentiment_drop, within: 3}
        complete: {on: comment, public: true, author_role: agent}
        target: 1h
        actions:
          warning: {share: 0.5, do: [{type: email, to: owner}]}
          violation: {do: [{type: email, to: team_lead}]}
entitlement_rules:
  default: support
"""


def _customer(n: int, body: str) -> dict[str, Any]:
    return {
        "id": f"C-1-c{n}",
        "record": "C-1",
        "type": "comment",
        "at": (T0 + minutes(n)).isoformat(),
        "data": {"public": True, "author_role": "customer", "body": body},
    }


def test_a_falling_mood_warns_the_owner_then_escalates(
    db: Database, worker: Worker, smtp_sink: tuple[SmtpSink, int]
) -> None:
    """Happy, then furious: the milestone starts at the furious comment (minute 10); at half
    its hour the owner is warned, at its end the team lead hears of the breach."""
    with db.session_factory() as session:
        apply_bundle(session, parse_bundle(POLICY), now=T0)
        session.commit()
    send_events(
        db.session_factory,
        T0 + minutes(10),
        created("C-1", T0),
        _customer(5, "Thanks, that is great, it works well now."),
        _customer(10, "This is terrible and awful. We are furious, nothing works."),
    )
    assert worker.run_once(T0 + minutes(39)).fired == []
    warned = worker.run_once(T0 + minutes(40))
    assert [(f.source, f.kind.value) for f in warned.fired] == [("win_back", "warning")]
    breached = worker.run_once(T0 + minutes(70) + timedelta(seconds=1))
    assert [(f.source, f.kind.value) for f in breached.fired] == [("win_back", "violation")]
    to = [m["To"] for m in smtp_sink[0].messages()]
    assert to == ["ana@example.com", "lee@example.com"]
