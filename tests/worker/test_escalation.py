"""Escalation rules: per record, on the time since it last changed, with criteria."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.escalation import EscalationRule, escalation_due
from caseclock.core.policy import PolicyInvalid, parse_bundle
from caseclock.services.escalations import last_activity
from caseclock.store.models import EventRow, FiringRow, RecordRow
from caseclock.store.repositories.records import StoredEvent
from caseclock.worker.loop import Worker
from tests.conftest import T0, Database
from tests.worker.firing_setup import (
    POLICY,
    agent_reply,
    created,
    minutes,
    prepare,
    send,
)
from tests.worker.servers import SmtpSink

US_EAST = BusinessCalendar.from_dict(
    {
        "name": "us-east",
        "timezone": "America/New_York",
        "week": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    }
)


def _rule(**changes: object) -> EscalationRule:
    values: dict[str, object] = {
        "name": "idle",
        "after": "8h",
        "calendar": "us-east",
        "do": [{"type": "add_note", "body": "idle"}],
        **changes,
    }
    return EscalationRule.model_validate(values)


@pytest.mark.parametrize(
    ("after", "basis", "due"),
    [
        # Friday 16:00 New York + 8 business hours: 1 h on Friday, 7 h on Monday.
        ("8h", datetime(2026, 3, 6, 21, 0, tzinfo=UTC), datetime(2026, 3, 9, 20, 0, tzinfo=UTC)),
        # 2 business days from Friday 16:00: Tuesday 16:00.
        ("2bd", datetime(2026, 3, 6, 21, 0, tzinfo=UTC), datetime(2026, 3, 10, 20, 0, tzinfo=UTC)),
        # Calendar days ignore business hours.
        ("2d", datetime(2026, 3, 6, 21, 0, tzinfo=UTC), datetime(2026, 3, 8, 21, 0, tzinfo=UTC)),
    ],
)
def test_escalation_due_counts_on_the_rules_calendar(
    after: str, basis: datetime, due: datetime
) -> None:
    """'No activity for 8 business hours' counts open hours only; days count as written."""
    assert escalation_due(_rule(after=after), basis, US_EAST) == due


def test_rules_with_criteria_apply_to_matching_records_only() -> None:
    """A rule's criteria read the record and its account (Gold vs Standard)."""
    gold = _rule(when={"field": "tier", "value": "Gold"})
    assert gold.applies({"tier": "Gold"}, {}, T0)
    assert not gold.applies({"tier": "Standard"}, {}, T0)
    assert gold.applies({}, {"tier": "Gold"}, T0)


def test_a_bundle_rejects_an_escalation_rule_on_an_unknown_calendar() -> None:
    """Escalation rules are validated with the bundle, their path named."""
    text = POLICY.read_text(encoding="utf-8").replace(
        "calendar: always\n    do:", "calendar: x\n    do:"
    )
    with pytest.raises(PolicyInvalid, match=r"escalation_rules\[0\]\.calendar"):
        parse_bundle(text)


def test_an_idle_gold_case_escalates_once_per_quiet_spell(
    db: Database, worker: Worker, smtp_sink: tuple[SmtpSink, int]
) -> None:
    """8 quiet hours on a Gold case: the lead is emailed and the status set, once; a Standard
    case is left alone; activity re-arms the rule."""
    prepare(db.session_factory, T0)
    send(db.session_factory, T0, created("G-1", T0, tier="Gold"), created("S-1", T0))
    send(
        db.session_factory,
        T0 + minutes(10),
        agent_reply("G-1", T0 + minutes(10)),
        agent_reply("S-1", T0),
    )
    quiet_until = T0 + minutes(10 + 8 * 60)
    worker.run_once(quiet_until - minutes(1))
    assert _escalations(db) == []
    worker.run_once(quiet_until)
    worker.run_once(quiet_until + minutes(30))
    assert _escalations(db) == [("G-1", "escalation")]
    with db.session_factory() as session:
        record = session.get(RecordRow, "G-1")
        assert record is not None
        assert record.status == "Escalated"
    [message] = smtp_sink[0].messages()
    assert message["To"] == "lee@example.com"
    replied = quiet_until + minutes(60)
    send(db.session_factory, replied, agent_reply("G-1", replied))
    worker.run_once(replied + minutes(8 * 60))
    assert _escalations(db) == [("G-1", "escalation"), ("G-1", "escalation")]


def test_caseclocks_own_events_are_known_by_their_source_not_their_id(
    db: Database, worker: Worker, smtp_sink: tuple[SmtpSink, int]
) -> None:
    """The escalation's own status change is stored as the worker's (no actor) and does not
    re-arm the rule; a helpdesk comment whose id starts with ``cc-``, as caseclock's own ids
    do, is activity all the same and re-arms it."""
    prepare(db.session_factory, T0)
    send(db.session_factory, T0, created("G-1", T0, tier="Gold"))
    worker.run_once(T0 + minutes(8 * 60))
    worker.run_once(T0 + minutes(9 * 60))
    assert _escalations(db) == [("G-1", "escalation")]
    with db.session_factory() as session:
        own = session.execute(
            select(EventRow.type, EventRow.source, EventRow.actor).where(
                EventRow.record_id == "G-1", EventRow.type == "status"
            )
        ).all()
    assert [tuple(row) for row in own] == [("status", "worker", None)]
    replied = T0 + minutes(9 * 60)
    send(db.session_factory, replied, {**agent_reply("G-1", replied), "id": "cc-zd-4411"})
    worker.run_once(replied + minutes(8 * 60) - minutes(1))
    assert len(_escalations(db)) == 1
    worker.run_once(replied + minutes(8 * 60))
    assert _escalations(db) == [("G-1", "escalation"), ("G-1", "escalation")]


def test_last_activity_skips_the_workers_events_whatever_their_ids() -> None:
    """A record's last activity (read from timelines in hand) is its latest event from any
    source but the worker: a sender's ``cc-`` id counts, the worker's own event does not."""

    def stored(event_id: str, hours: int, source: str) -> StoredEvent:
        at = T0 + minutes(60 * hours)
        return StoredEvent(0, "r", event_id, "comment", at, at, {}, source, None)

    timeline = [stored("zd-1", 0, "api"), stored("cc-9", 1, "api"), stored("x", 2, "worker")]
    assert last_activity({"r": timeline}) == {"r": T0 + minutes(60)}


def _escalations(db: Database) -> list[tuple[str, str]]:
    with db.session_factory() as session:
        rows = session.execute(
            select(FiringRow.record_id, FiringRow.trigger).where(FiringRow.kind == "escalation")
        ).all()
    return [(record_id, trigger) for record_id, trigger in rows]
