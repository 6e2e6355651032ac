"""A record's columns are the fold of its timeline, whatever order events arrived in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from caseclock.core.events import Event
from caseclock.core.record_fields import record_fields
from caseclock.core.timeline import build_timeline

T0 = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def event(event_id: str, kind: str, hours: float, **data: Any) -> Event:
    return Event(id=event_id, record="C-1", type=kind, at=T0 + timedelta(hours=hours), data=data)


def test_fields_follow_occurrence_not_arrival() -> None:
    """A status sent late but that happened earlier does not override a later one."""
    events = [
        event("1", "created", 0, status="New", priority="P2", account="acme", sla_tier="x"),
        event("3", "status", 2, status="Investigating"),
        event("2", "status", 1, status="Waiting for Customer"),
    ]
    fields = record_fields(build_timeline(events))
    assert fields.status == "Investigating"
    assert fields.account == "acme"
    assert fields.custom == {"sla_tier": "x"}
    assert fields.updated_at == T0 + timedelta(hours=2)


def test_closed_and_reopened() -> None:
    """closed sets the Closed status and the closed flag; reopened clears the flag."""
    events = [event("1", "created", 0), event("2", "closed", 1)]
    assert record_fields(build_timeline(events)).is_closed
    reopened = record_fields(
        build_timeline([*events, event("3", "reopened", 2, status="In Progress")])
    )
    assert (reopened.is_closed, reopened.status) == (False, "In Progress")


def test_field_events_set_and_clear_custom_fields() -> None:
    """A field event sets a custom field and a null value clears it; owner events set both."""
    events = [
        event("1", "created", 0),
        event("2", "field", 1, field="l2_escalated", value=True),
        event("3", "owner", 2, owner="eli", team="L2"),
        event("4", "field", 3, field="l2_escalated", value=None),
    ]
    fields = record_fields(build_timeline(events))
    assert fields.custom == {}
    assert (fields.owner, fields.team) == ("eli", "L2")


def test_process_directive_is_not_a_field() -> None:
    """The `process` key of created data chooses a process; it is not a custom field."""
    fields = record_fields([event("1", "created", 0, process="gold")])
    assert "process" not in fields.custom


def test_closed_statuses_of_the_process_close_the_record() -> None:
    """With ``closed_statuses: [Resolved]`` a status of Resolved closes the record's columns, as
    it closes it for the evaluator (one fold for both); Closed is then an ordinary status."""
    events = [event("1", "created", 0, status="New"), event("2", "status", 1, status="Resolved")]
    assert record_fields(build_timeline(events), ["Resolved"]).is_closed
    assert not record_fields(build_timeline(events)).is_closed  # the default: only Closed
    closed = [event("1", "created", 0), event("2", "status", 1, status="Closed")]
    assert not record_fields(build_timeline(closed), ["Resolved"]).is_closed


def test_a_closed_event_takes_the_first_closed_status() -> None:
    """A ``closed`` event without a status sets the process's first closed status."""
    events = [event("1", "created", 0), event("2", "closed", 1)]
    fields = record_fields(build_timeline(events), ["Resolved", "Done"])
    assert (fields.is_closed, fields.status) == (True, "Resolved")
