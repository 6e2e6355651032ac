"""Reading rows with a mapping: instants, value maps, and bad rows reported with their line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from caseclock.connectors.mapping import ImportMapping, Problem, Row, RowError
from caseclock.connectors.ordering import SortedRows
from caseclock.connectors.rows import Source

BASE: dict[str, Any] = {
    "record": "id",
    "instant": {"column": "at", "zone": "America/New_York"},
    "fields": {"status": {"column": "status", "map": {"Awaiting": "Waiting"}}},
}


def _rows(tmp_path: Path, text: str, name: str, **mapping: Any) -> list[Row | RowError]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return list(Source(path, ImportMapping.model_validate({**BASE, **mapping})).read())


def test_bad_csv_rows_are_reported_with_their_line_and_reason(tmp_path: Path) -> None:
    """Each unreadable row names its line (a quoted cell over two lines counts both) and why;
    the good rows around them are read."""
    text = (
        "id,at,status,note\n"
        'C-1,2026-03-09 10:00,Awaiting,"two\nlines"\n'
        "C-2,2026-03-09 10:00,New\n"
        ",2026-03-09 10:00,New,x\n"
        "C-4,yesterday,New,x\n"
        "C-5,2026-03-09T10:00:00+01:00,New,x\n"
    )
    rows = _rows(tmp_path, text, "t.csv")
    good = [r for r in rows if isinstance(r, Row)]
    bad = [(r.line, r.problem) for r in rows if isinstance(r, RowError)]
    assert bad == [(4, Problem.UNREADABLE), (5, Problem.RECORD), (6, Problem.INSTANT)]
    assert [(r.line, r.record, r.fields["status"]) for r in good] == [
        (2, "C-1", "Waiting"),
        (7, "C-5", "New"),
    ]
    assert good[0].at == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # New York, EDT
    assert good[1].at == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # its own offset wins
    assert str(rows[1]) == "line 4: 3 cells where the header has 4"


def test_json_lines_take_dotted_paths_and_epoch_instants(tmp_path: Path) -> None:
    """A column may be a dotted path into a JSON object; epoch instants need no zone; an
    invalid line and a non-object are reported, blank lines skipped."""
    text = '{"ticket": {"id": 7, "status": "Awaiting"}, "ts": 1773064800}\n\n{not json}\n[1, 2]\n'
    rows = _rows(
        tmp_path,
        text,
        "t.jsonl",
        record="ticket.id",
        record_prefix="ZD-",
        instant={"column": "ts", "format": "epoch"},
        fields={"status": {"column": "ticket.status", "map": {"Awaiting": "Waiting"}}},
    )
    assert isinstance(rows[0], Row)
    assert (rows[0].record, rows[0].at, rows[0].fields) == (
        "ZD-7",
        datetime(2026, 3, 9, 14, 0, tzinfo=UTC),
        {"status": "Waiting"},
    )
    assert [(r.line, r.problem) for r in rows[1:] if isinstance(r, RowError)] == [
        (3, Problem.UNREADABLE),
        (4, Problem.UNREADABLE),
    ]


def test_a_value_outside_a_strict_map_refuses_the_row(tmp_path: Path) -> None:
    """``unmapped: error`` refuses a value its map lacks, saying which; ``keep`` keeps it."""
    strict = {"status": {"column": "status", "map": {"New": "New"}, "unmapped": "error"}}
    rows = _rows(tmp_path, "id,at,status\nC-1,2026-03-09 10:00,Odd\n", "t.csv", fields=strict)
    assert isinstance(rows[0], RowError)
    assert rows[0].problem is Problem.VALUE
    assert rows[0].message == "fields.status: 'Odd' is not in the mapping's map"


def test_instants_without_an_offset_need_a_zone(tmp_path: Path) -> None:
    """A wall-clock instant without a zone in the mapping is refused, saying so; in a DST gap
    it moves forward by the gap (02:30 on the spring-forward night is 03:30 EDT)."""
    no_zone = _rows(
        tmp_path, "id,at,status\nC-1,2026-03-09 10:00,New\n", "a.csv", instant={"column": "at"}
    )
    assert isinstance(no_zone[0], RowError)
    assert "has no offset and the mapping gives no instant.zone" in no_zone[0].message
    gap = _rows(tmp_path, "id,at,status\nC-1,2026-03-08 02:30,New\n", "b.csv")
    assert isinstance(gap[0], Row)
    assert gap[0].at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"instant": {"column": "at", "zone": "Mars/Olympus"}}, "unknown time zone"),
        ({"instant": {"column": "at", "format": "dd/mm"}}, "strptime pattern"),
        ({"shape": "events"}, "needs type"),
        ({"fields": {"status": {"column": "s", "value": "x"}}}, "not both"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_mappings_are_refused_with_what_to_fix(change: dict[str, Any], message: str) -> None:
    """A mapping that cannot be read is refused with the reason, before any row is read."""
    with pytest.raises(ValidationError, match=message):
        ImportMapping.model_validate({**BASE, **change})


def test_a_row_names_who_made_its_change_and_keeps_it_through_the_sort(tmp_path: Path) -> None:
    """The actor column is the row's author (trimmed; blank is nobody); one longer than
    events keep is refused with its line; rows spilled to disk while sorting keep theirs."""
    long_name = "x" * 201
    text = (
        "id,at,status,by\n"
        "C-2,2026-03-09 11:00,New, ana \n"
        "C-1,2026-03-09 10:00,New,\n"
        f"C-3,2026-03-09 10:00,New,{long_name}\n"
    )
    rows = _rows(tmp_path, text, "t.csv", actor="by")
    assert [(r.record, r.actor) for r in rows if isinstance(r, Row)] == [
        ("C-2", "ana"),
        ("C-1", None),
    ]
    refused = [r for r in rows if isinstance(r, RowError)]
    assert [(r.line, r.problem) for r in refused] == [(4, Problem.VALUE)]
    assert "actor: at most 200 characters" in refused[0].message
    with SortedRows(run_rows=1) as spilled:  # every row its own run on disk
        for row in rows:
            if isinstance(row, Row):
                spilled.add(row)
        assert [(r.record, r.actor) for r in spilled] == [("C-1", None), ("C-2", "ana")]
