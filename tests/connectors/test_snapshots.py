"""Snapshot exports diffed into events, and event exports mapped directly (pure: no store)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caseclock.connectors.mapping import ImportMapping, Problem, Row, RowError
from caseclock.connectors.ordering import SortedRows
from caseclock.connectors.rows import Source
from caseclock.connectors.snapshots import (
    CREATED_ID,
    by_record,
    diff_snapshots,
    map_events,
    record_events,
)
from caseclock.core.events import Event
from caseclock.core.record_fields import record_fields
from tests.connectors.snapshot_export import MAPPING, generate

AT = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def _read(tmp_path: Path, text: str, mapping: dict[str, Any], name: str = "x.csv") -> Source:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return Source(path, ImportMapping.model_validate(mapping))


def _expected(snapshot: dict[str, str | None]) -> dict[str, Any]:
    """A generated snapshot's values as the mapping reads them."""
    state = snapshot["state"]
    priority = snapshot["priority"]
    return {
        "status": "Waiting for Customer" if state == "Awaiting User Info" else state,
        "priority": f"P{priority[0]}" if priority else None,
        "owner": snapshot["assigned_to"],
        "team": snapshot["assignment_group"],
        "account": snapshot["company"],
        "tier": snapshot["u_tier"],
        "root_cause": snapshot["u_root_cause"],
        "subject": snapshot["short_description"],
    }


def _fields_of(events: list[Event]) -> dict[str, Any]:
    folded = record_fields(events)
    return {
        "status": folded.status,
        "priority": folded.priority,
        "owner": folded.owner,
        "team": folded.team,
        "account": folded.account,
        "tier": folded.tier,
        "root_cause": folded.custom.get("root_cause"),
        "subject": folded.custom.get("subject"),
    }


def test_a_shuffled_snapshot_export_with_duplicates_diffs_into_its_history(
    tmp_path: Path,
) -> None:
    """Rows of 300 tickets, out of order, some repeated, sorted in runs spilled to disk: each
    ticket's events, folded as the engine folds a timeline, give back every snapshot it had,
    at its instant; every repeated row is skipped as a duplicate and nothing else is."""
    export = generate(300)
    source = _read(tmp_path, export.text, MAPPING)
    skipped: Counter[Problem] = Counter()
    with SortedRows(run_rows=500) as rows:
        for item in source.read():
            assert not isinstance(item, RowError), item
            rows.add(item)
        assert rows.count == export.rows
        records = 0
        for record_rows in by_record(rows):
            records += 1
            planned, errors = record_events(source.mapping, record_rows)
            skipped.update(e.problem for e in errors)
            events = [Event.model_validate(p.event) for p in planned]
            assert events[0].type == "created"
            assert events[0].id == CREATED_ID
            assert len({e.id for e in events}) == len(events)
            for at, snapshot in export.truth[record_rows[0].record]:
                upto = [e for e in events if e.at <= at]
                assert _fields_of(upto) == _expected(snapshot), (record_rows[0].record, at)
    assert records == 300
    assert skipped == Counter({Problem.DUPLICATE: export.duplicates})


def _row(line: int, minute: int, **fields: Any) -> Row:
    return Row(line, "C-1", AT.replace(minute=minute), dict(fields))


def test_each_change_becomes_its_own_kind_of_event() -> None:
    """Status and priority changes are their own events, owner and team one owner event, any
    other field a field event; a blank status is no change, a blank field clears it."""
    rows = [
        _row(2, 0, status="New", priority="P3", owner=None, team="L1", flag=None),
        _row(3, 5, status="Open", priority="P3", owner="ana", team="L2", flag="x"),
        _row(4, 9, status=None, priority="P1", owner="ana", team="L2", flag=None),
    ]
    planned, skipped = diff_snapshots(rows)
    assert skipped == []
    assert [(p.event["type"], p.event["data"], p.line) for p in planned] == [
        ("created", {"status": "New", "priority": "P3", "team": "L1"}, 2),
        ("status", {"status": "Open"}, 3),
        ("field", {"field": "flag", "value": "x"}, 3),
        ("owner", {"owner": "ana", "team": "L2"}, 3),
        ("priority", {"priority": "P1"}, 4),
        ("field", {"field": "flag", "value": None}, 4),
    ]


def test_event_ids_are_the_same_whichever_file_or_line_they_come_from() -> None:
    """The same change at the same instant gets the same id on any line; a row without a
    change yields nothing and an exact repeat is a duplicate."""
    first, _ = diff_snapshots([_row(2, 0, status="New"), _row(3, 5, status="Open")])
    again, skipped = diff_snapshots(
        [
            _row(10, 0, status="New"),
            _row(11, 1, status="New"),
            _row(12, 5, status="Open"),
            _row(13, 5, status="Open"),
        ]
    )
    assert [p.event["id"] for p in first] == [p.event["id"] for p in again]
    assert [(e.line, e.problem) for e in skipped] == [(13, Problem.DUPLICATE)]


def test_event_rows_map_to_the_data_their_type_takes(tmp_path: Path) -> None:
    """One row per event: the type's column mapped to caseclock's types; each event takes the
    keys its type accepts, the source's own ids are kept, and a created event takes every
    field."""
    text = (
        "ticket,when,kind,event_id,state,visibility,who,text\n"
        "Z-1,2026-03-09T10:00:00-04:00,Ticket Created,e1,New,,,\n"
        "Z-1,2026-03-09T10:30:00-04:00,Comment,e2,,public,customer,hello\n"
        "Z-1,2026-03-09T11:00:00-04:00,Status Change,e3,Pending,,,\n"
    )
    mapping = {
        "shape": "events",
        "record": "ticket",
        "instant": {"column": "when"},
        "id": "event_id",
        "type": {
            "column": "kind",
            "map": {"Ticket Created": "created", "Comment": "comment", "Status Change": "status"},
        },
        "fields": {"status": "state"},
        "data": {
            "public": {"column": "visibility", "map": {"public": True, "internal": False}},
            "author_role": "who",
            "body": "text",
        },
    }
    source = _read(tmp_path, text, mapping)
    rows = [r for r in source.read() if isinstance(r, Row)]
    planned, _ = map_events(rows)
    assert [p.event | {"at": None} for p in planned] == [
        {"id": "e1", "record": "Z-1", "type": "created", "at": None, "data": {"status": "New"}},
        {
            "id": "e2",
            "record": "Z-1",
            "type": "comment",
            "at": None,
            "data": {"public": True, "author_role": "customer", "body": "hello"},
        },
        {"id": "e3", "record": "Z-1", "type": "status", "at": None, "data": {"status": "Pending"}},
    ]
    for p in planned:
        Event.model_validate(p.event)
