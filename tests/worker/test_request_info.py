"""request_info: email the customer for what is missing and pause the milestone until they
answer; their public comment resumes the clock at the instant they wrote it."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from caseclock.core.policy import parse_bundle
from caseclock.services.policy import apply_bundle
from caseclock.store.models import EscalationTimerRow, MilestoneRow, RecordRow
from caseclock.worker.loop import Worker
from tests.conftest import T0, Database
from tests.worker.firing_setup import POLICY, created, minutes, send, settings_for
from tests.worker.servers import SmtpSink

REQUEST = "{type: request_info, missing: [server logs, screenshots]}"


def _customer_reply(record: str, minute: int) -> dict[str, object]:
    return {
        "id": f"{record}-customer-{minute}",
        "record": record,
        "type": "comment",
        "at": (T0 + minutes(minute)).isoformat(),
        "data": {"public": True, "author_role": "customer"},
    }


def test_request_info_pauses_until_the_customer_answers(
    db: Database, client: httpx.Client, smtp_sink: tuple[SmtpSink, int]
) -> None:
    """At the warning the customer is asked for logs and screenshots and the clock stops; they
    answer 55 minutes later, the clock runs again and the deadline moved out by those 55."""
    text = POLICY.read_text(encoding="utf-8").replace(
        "- {type: email, to: owner}\n              - {type: webhook, endpoint: ops}\n"
        "              - {type: add_note, body: First response is at risk}",
        f"- {REQUEST}",
    )
    with db.session_factory() as session:
        apply_bundle(session, parse_bundle(text), now=T0)
        session.commit()
    send(db.session_factory, T0, created("C-1", T0, contact_email="it@customer.example"))
    worker = Worker(db.session_factory, settings_for(db.url, smtp_sink[1]), http=client)
    try:
        worker.run_once(T0 + minutes(45))
        assert _milestone(db) == ("paused", None)  # no deadline while the clock is held
        [message] = smtp_sink[0].messages()
        assert message["To"] == "it@customer.example"
        assert "server logs" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        send(db.session_factory, T0 + minutes(100), _customer_reply("C-1", 100))
        answered = T0 + minutes(100)
        assert _timers(db) == [("answered", None, answered, answered)]  # due now, no rule
        worker.run_once(T0 + minutes(100))
    finally:
        worker.close()
    assert _timers(db) == []  # the worker acted on the answer
    assert _milestone(db) == ("running", T0 + minutes(115))
    with db.session_factory() as session:
        record = session.get(RecordRow, "C-1")
        assert record is not None
        assert "awaiting_customer" not in record.fields


def _timers(db: Database) -> list[tuple[object, ...]]:
    """Every escalation timer: kind, rule, basis and due instant (the policy has no rule
    that applies to C-1, so only the answer's)."""
    with db.session_factory() as session:
        rows = session.execute(
            select(
                EscalationTimerRow.kind,
                EscalationTimerRow.rule,
                EscalationTimerRow.basis,
                EscalationTimerRow.due_at,
            )
        ).all()
    return [tuple(row) for row in rows]


def _milestone(db: Database) -> tuple[str, object]:
    with db.session_factory() as session:
        row = session.scalars(
            select(MilestoneRow).where(MilestoneRow.key == "first_response")
        ).one()
        return row.state, row.deadline
