"""The webhook payload: its fields in order, instants in UTC, whole seconds, stable bytes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from caseclock.channels.payloads import (
    Trigger,
    TriggerKind,
    build_payload,
    console_link,
    encode_json,
    instant,
    seconds,
)
from caseclock.core.milestones import MilestoneState
from tests.worker.samples import CONSOLE, KEY, NOW, milestone, record, trigger


def test_payload_fields_in_documented_order() -> None:
    """Top-level, record and milestone keys come in the order docs/webhooks.md lists them."""
    payload = build_payload(trigger(), record(), milestone(), CONSOLE)
    assert list(payload) == [
        "id", "version", "kind", "fired_at", "due_at", "late", "rule", "record", "milestone",
        "link",
    ]  # fmt: skip
    assert list(payload["record"]) == [
        "id", "type", "account", "tier", "priority", "status", "owner", "team",
    ]  # fmt: skip
    assert list(payload["milestone"]) == [
        "key", "name", "cycle", "state", "calendar", "started_at", "deadline", "completed_at",
        "completed_late", "target_seconds", "elapsed_seconds", "paused_seconds",
        "remaining_seconds",
    ]  # fmt: skip


def test_payload_values() -> None:
    """The trigger, record summary and milestone are carried over, instants as UTC with Z."""
    payload = build_payload(trigger(), record(), milestone(), CONSOLE)
    assert payload["id"] == KEY
    assert payload["kind"] == "warning"
    assert payload["fired_at"] == "2026-11-24T15:30:00Z"
    assert payload["late"] is False
    assert payload["record"]["tier"] == "Gold"
    assert payload["milestone"]["deadline"] == "2026-11-24T16:30:00Z"
    assert payload["milestone"]["remaining_seconds"] == 3600
    assert payload["milestone"]["state"] == "running"
    assert payload["link"] == "https://sla.example.com/console/records/C-1042"


def test_missing_record_fields_are_null_and_extras_are_left_out() -> None:
    """Only the summary fields travel; unknown ones are null, custom fields are not sent."""
    payload = build_payload(trigger(), {"id": 7, "secret_note": "x"}, milestone(), CONSOLE)
    assert payload["record"] == {
        "id": 7, "type": None, "account": None, "tier": None, "priority": None,
        "status": None, "owner": None, "team": None,
    }  # fmt: skip


def test_escalation_has_a_rule_and_no_milestone() -> None:
    """An escalation rule's trigger names the rule; milestone is null."""
    fired = trigger(TriggerKind.ESCALATION, rule="gold-stale-8h")
    payload = build_payload(fired, record(), None, CONSOLE)
    assert (payload["kind"], payload["rule"], payload["milestone"]) == (
        "escalation",
        "gold-stale-8h",
        None,
    )


def test_instants_from_other_zones_are_written_in_utc() -> None:
    """An instant in UTC+1 with microseconds keeps them and is written as UTC."""
    cet = timezone(timedelta(hours=1))
    assert instant(datetime(2026, 11, 24, 17, 0, 0, 250000, tzinfo=cet)) == (
        "2026-11-24T16:00:00.250000Z"
    )


def test_seconds_round_down_and_overdue_is_negative() -> None:
    """Durations are whole seconds, rounded toward the past: 1.5 s overdue is -2."""
    assert seconds(timedelta(seconds=59.9)) == 59
    assert seconds(timedelta(seconds=-1.5)) == -2
    violated = milestone(state=MilestoneState.VIOLATED, remaining=timedelta(minutes=-5))
    payload = build_payload(trigger(TriggerKind.VIOLATION), record(), violated, CONSOLE)
    assert payload["milestone"]["remaining_seconds"] == -300


def test_encoding_is_compact_utf8_and_stable() -> None:
    """The same inputs give the same bytes, compact, with non-ASCII kept as UTF-8."""
    case = record(account="Société Générale")
    first = encode_json(build_payload(trigger(), case, milestone(), CONSOLE))
    again = encode_json(build_payload(trigger(), case, milestone(), CONSOLE))
    assert first == again
    assert "Société".encode() in first
    assert b", " not in first
    assert json.loads(first)["record"]["account"] == "Société Générale"


def test_console_link_quotes_the_record_id() -> None:
    """Record ids with slashes or spaces stay one path segment; a trailing slash is harmless."""
    assert console_link(CONSOLE + "/", "INC 7/a") == (
        "https://sla.example.com/console/records/INC%207%2Fa"
    )


@pytest.mark.parametrize("key", ["", "has space", "a@b", "<x>", "-leading", "x" * 129])
def test_keys_that_cannot_travel_in_headers_are_refused(key: str) -> None:
    """An idempotency key must fit a header and a Message-ID: letters, digits, . _ -."""
    with pytest.raises(ValueError, match="idempotency key"):
        trigger(key=key)


def test_naive_instants_are_refused() -> None:
    """A naive due_at is a bug at the interface, refused with a clear message."""
    with pytest.raises(ValueError, match="timezone-aware"):
        Trigger(KEY, TriggerKind.WARNING, NOW.replace(tzinfo=None), NOW)


def test_a_record_without_id_is_refused() -> None:
    """The record id is what the link and the receiver need; without it there is no payload."""
    with pytest.raises(ValueError, match="'id'"):
        build_payload(trigger(), {"type": "case"}, milestone(), CONSOLE)
