"""Reconciliation: a source's own SLA deadlines beside caseclock's stored ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from typer.testing import CliRunner

from caseclock.cli.main import app
from caseclock.connectors.reconcile import (
    ReconcileMapping,
    SourceDeadline,
    compare,
    source_deadlines,
)
from caseclock.store.database import make_engine

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)

# Zendesk's ticket metric events (one per SLA event: apply_sla, breach, fulfill, ...; a breach
# event's time is when the SLA breaches), as its Ticket Metric Events API lists them:
# https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metric_events/
ZENDESK_METRICS = {
    "record": "ticket_id",
    "record_prefix": "Z-",
    "milestone": {
        "column": "metric",
        "map": {"reply_time": "first_response", "requester_wait_time": "resolution"},
    },
    "deadline": {"column": "time"},
    "where": {"column": "type", "value": "breach"},
}


def test_only_pairs_beyond_the_tolerance_or_on_one_side_are_listed() -> None:
    """A difference within the tolerance agrees; beyond it, or a deadline only one side
    has (for a record and milestone the source names), is listed; the source's latest row
    wins."""
    theirs = [
        SourceDeadline(1, "A", "first_response", AT),
        SourceDeadline(2, "A", "resolution", AT),
        SourceDeadline(3, "A", "resolution", AT + timedelta(hours=1)),
        SourceDeadline(4, "B", "first_response", AT),
    ]
    ours = {
        ("A", "first_response"): AT + timedelta(minutes=10),
        ("A", "resolution"): AT + timedelta(hours=3),
        ("A", "assignment"): AT,  # a milestone the source does not track
        ("B", "resolution"): AT,
        ("C", "first_response"): AT,  # a record the source does not name
    }
    found = compare(theirs, ours, tolerance=timedelta(minutes=15))
    assert [(d.record, d.milestone, d.delta) for d in found] == [
        ("A", "resolution", timedelta(hours=2)),
        ("B", "first_response", None),
        ("B", "resolution", None),
    ]


def test_wide_exports_give_a_deadline_per_column() -> None:
    """Zammad's escalation fields, a column per SLA on the ticket's row: each filled one is a
    deadline; empty ones are none."""
    mapping = ReconcileMapping.model_validate(
        {
            "record": "number",
            "record_prefix": "zammad-",
            "deadlines": {
                "first_response": {"column": "first_response_escalation_at"},
                "resolution": {"column": "close_escalation_at"},
            },
        }
    )
    rows: list[tuple[int, dict[str, Any]]] = [
        (
            2,
            {
                "number": "10081",
                "first_response_escalation_at": "2026-03-09T16:00:00Z",
                "close_escalation_at": "",
            },
        )
    ]
    assert list(source_deadlines(mapping, rows)) == [
        SourceDeadline(2, "zammad-10081", "first_response", AT + timedelta(hours=2))
    ]


def test_reconcile_lists_records_whose_deadlines_differ(tmp_path: Path) -> None:
    """``caseclock reconcile`` reads Zendesk metric events and lists, from the store, the
    records whose deadline differs from Zendesk's by more than the tolerance."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    env = {"CASECLOCK_DATABASE_URL": url}
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    policy = str(ROOT / "examples" / "policies" / "b2b.yaml")
    assert runner.invoke(app, ["policy", "apply", policy], env=env).exit_code == 0
    events = tmp_path / "events.jsonl"
    events.write_text(
        "\n".join(
            json.dumps(
                {
                    "ticket": f"Z-{n}",
                    "at": "2026-03-09T10:00:00-04:00",
                    "kind": "created",
                    "tier": "Gold",
                    "priority": "P2",
                }
            )
            for n in (1, 2)
        ),
        encoding="utf-8",
    )
    mapping = tmp_path / "events.json"
    mapping.write_text(
        json.dumps(
            {
                "shape": "events",
                "record": "ticket",
                "instant": {"column": "at"},
                "type": "kind",
                "fields": {"tier": "tier", "priority": "priority", "status": {"value": "New"}},
            }
        ),
        encoding="utf-8",
    )
    imported = runner.invoke(app, ["import", str(events), "--mapping", str(mapping)], env=env)
    assert imported.exit_code == 0, imported.output
    engine = make_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(
            text(
                "SELECT deadline FROM milestones WHERE key = 'first_response' AND record_id = 'Z-1'"
            )
        ).scalar_one()
    engine.dispose()
    deadline = datetime.fromisoformat(str(stored)).replace(tzinfo=UTC)
    metrics = [
        {
            "ticket_id": 1,
            "metric": "reply_time",
            "type": "apply_sla",
            "time": "2026-03-09T14:00:00Z",
        },
        {
            "ticket_id": 1,
            "metric": "reply_time",
            "type": "breach",
            "time": (deadline + timedelta(minutes=5)).isoformat(),
        },
        {
            "ticket_id": 2,
            "metric": "reply_time",
            "type": "breach",
            "time": (deadline + timedelta(hours=2)).isoformat(),
        },
    ]
    source = tmp_path / "metrics.jsonl"
    source.write_text("\n".join(json.dumps(m) for m in metrics), encoding="utf-8")
    rules = tmp_path / "zendesk.json"
    rules.write_text(json.dumps(ZENDESK_METRICS), encoding="utf-8")
    report = runner.invoke(app, ["reconcile", str(source), "--mapping", str(rules)], env=env)
    assert report.exit_code == 0, report.output
    lines = report.stdout.strip().splitlines()
    assert lines[1].split()[:2] == ["Z-2", "first_response"]
    assert lines[1].endswith("-2h")
    assert lines[-1] == "1 of 2 (record, milestone) pairs differ by more than 15m"
