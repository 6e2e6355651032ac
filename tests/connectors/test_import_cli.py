"""``caseclock import`` on real SQLite files and PostgreSQL schemas: bulk load, idempotency,
bad rows, ``--strict``, ``--dry-run`` and resuming after an interruption."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from caseclock.cli.import_cmd import _progress
from caseclock.cli.main import app
from caseclock.clock import SystemClock
from caseclock.connectors.importer import BatchOutcome, Checkpoint, fingerprint, run_import
from caseclock.connectors.mapping import ImportMapping, Problem, RowError
from caseclock.connectors.rows import Source
from caseclock.connectors.snapshots import PlannedEvent
from caseclock.services.imports import store_batch
from caseclock.store.database import make_engine, make_session_factory
from tests.conftest import pg_schema
from tests.connectors.snapshot_export import MAPPING, generate

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "examples" / "policies" / "b2b.yaml"


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated database of this test's own, with the B2B policy applied."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'c.db'}"
        assert CliRunner().invoke(app, ["db", "upgrade"], env=_env(url)).exit_code == 0
        yield _with_policy(url)
        return
    with pg_schema() as url:
        yield _with_policy(url)


def _env(url: str) -> dict[str, str]:
    return {"CASECLOCK_DATABASE_URL": url}


def _with_policy(url: str) -> str:
    applied = CliRunner().invoke(app, ["policy", "apply", str(BUNDLE)], env=_env(url))
    assert applied.exit_code == 0, applied.output
    return url


def _files(tmp_path: Path, records: int, extra: str = "") -> tuple[Path, Path]:
    export = generate(records)
    data = tmp_path / "incidents.csv"
    data.write_text(export.text + extra, encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    return data, mapping


def _import(url: str, *args: str) -> Any:
    return CliRunner().invoke(app, ["import", *args], env=_env(url))


def _contents(url: str) -> dict[str, list[Any]]:
    """Every row of the tables an import writes, in a stable order."""
    engine: Engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: [
                    tuple(row)
                    for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))  # noqa: S608
                ]
                for table, order in (
                    ("records", "id"),
                    ("events", "record_id, event_id"),
                    ("milestones", "record_id, key, cycle"),
                )
            }
    finally:
        engine.dispose()


def test_an_export_imports_once_and_again_changes_nothing(database: str, tmp_path: Path) -> None:
    """A shuffled snapshot export with repeated rows loads every record with its diffed
    events and evaluated milestones; importing the same file again (without the checkpoint)
    stores nothing and changes no row."""
    data, mapping = _files(tmp_path, 120)
    first = _import(database, str(data), "--mapping", str(mapping), "--batch", "200")
    assert first.exit_code == 0, first.output
    stored = _contents(database)
    assert len(stored["records"]) == 120
    assert len(stored["milestones"]) > 120
    events = len(stored["events"])
    assert f"120 records; stored {events:,} events (0 already there)" in first.stdout
    assert "duplicate row" in first.stdout
    assert "events refused" not in first.stdout
    again = _import(database, str(data), "--mapping", str(mapping), "--restart")
    assert again.exit_code == 0, again.output
    assert f"stored 0 events ({events:,} already there)" in again.stdout
    assert _contents(database) == stored


def test_bad_rows_are_reported_and_the_rest_imports(database: str, tmp_path: Path) -> None:
    """Rows that cannot be read, and events the store refuses (a status the process does not
    know), are reported on stderr with their line and reason; the other rows import. With
    --strict the first bad row stops the import and nothing is stored."""
    bad = (
        "INC9999998,not a date,New,3 - Moderate,,L1,acme,Gold,,x\n"
        "INC9999999,2025-02-03 10:00:00,Bogus,3 - Moderate,,L1,acme,Gold,,x\n"
        "INC9999997,2025-02-03 10:00:00,New,9 - Whatever,,L1,acme,Gold,,x\n"
    )
    data, mapping = _files(tmp_path, 20, extra=bad)
    lines = data.read_text().count("\n")
    strict = _import(database, str(data), "--mapping", str(mapping), "--strict")
    assert strict.exit_code == 2
    assert f"{data}:{lines - 2}:" in strict.stderr
    assert "nothing stored" in strict.stderr
    assert _contents(database)["records"] == []
    loose = _import(database, str(data), "--mapping", str(mapping))
    assert loose.exit_code == 0, loose.output
    reported = loose.stderr.strip().splitlines()
    assert (
        reported[0]
        == f"{data}:{lines - 2}: sys_updated_on: 'not a date' is not a %Y-%m-%d %H:%M:%S instant"
    )
    assert (
        reported[1]
        == f"{data}:{lines}: fields.priority: '9 - Whatever' is not in the mapping's map"
    )
    assert reported[2].startswith(
        f"{data}:{lines - 1}: created event: data.status: 'Bogus' is not a status"
    )
    assert len(reported) == 3
    assert len(_contents(database)["records"]) == 20
    assert "skipped: " in loose.stdout
    assert "1 events refused" in loose.stdout


def test_strict_stops_at_an_event_the_store_refuses(database: str, tmp_path: Path) -> None:
    """--strict: an event refused when stored (a status the process lacks) stops the import
    with its line, and the batches before it are not kept either."""
    bogus = "INC9999999,2025-02-03 10:00:00,Bogus,3 - Moderate,,L1,acme,Gold,,x\n"
    data, mapping = _files(tmp_path, 40, extra=bogus)
    strict = _import(database, str(data), "--mapping", str(mapping), "--strict", "--batch", "20")
    assert strict.exit_code == 2
    lines = data.read_text().count("\n")
    assert strict.stderr.startswith(f"caseclock: error: {data}:{lines}: created event:")
    assert _contents(database)["events"] == []


def test_events_are_by_whom_the_export_names_else_by_who_imports(
    database: str, tmp_path: Path
) -> None:
    """Each row's change is by the person the mapping's actor column names (the created event
    by the first row's); a row that names nobody is by --actor, and every event says it came
    from an import. A blank --actor is a usage error that stores nothing."""
    data = tmp_path / "audit.csv"
    data.write_text(
        "number,sys_updated_on,state,priority,sys_updated_by\n"
        "INC1,2025-02-03 10:00:00,New,3 - Moderate,ana\n"
        "INC1,2025-02-03 11:00:00,In Progress,3 - Moderate,eli\n"
        "INC1,2025-02-03 12:00:00,In Progress,2 - High,\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "mapping.json"
    fields = {k: MAPPING["fields"][k] for k in ("status", "priority")}  # type: ignore[index]
    mapping.write_text(
        json.dumps({**MAPPING, "fields": fields, "actor": "sys_updated_by"}), encoding="utf-8"
    )
    blank = _import(database, str(data), "--mapping", str(mapping), "--actor", " ")
    assert blank.exit_code == 2
    assert "--actor" in blank.stderr
    done = _import(database, str(data), "--mapping", str(mapping), "--actor", "migration-bot")
    assert done.exit_code == 0, done.output
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT type, source, actor FROM events ORDER BY occurred_at")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("created", "import", "ana"),
        ("status", "import", "eli"),
        ("priority", "import", "migration-bot"),
    ]


def test_a_dry_run_stores_nothing(database: str, tmp_path: Path) -> None:
    """--dry-run reads, diffs, checks and evaluates every record, says what it would store,
    and leaves the database as it was."""
    data, mapping = _files(tmp_path, 30)
    dry = _import(database, str(data), "--mapping", str(mapping), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "30 records; would store" in dry.stdout
    assert _contents(database)["events"] == []
    assert not data.with_name(data.name + ".import-state").exists()


def test_an_interrupted_import_resumes_after_its_last_batch(database: str, tmp_path: Path) -> None:
    """An import stopped after its second batch is run again with the same checkpoint: it
    goes on after the last record stored and ends with what one whole run stores."""
    data, mapping_path = _files(tmp_path, 60)
    mapping = ImportMapping.model_validate(MAPPING)
    engine = make_engine(database)
    factory = make_session_factory(engine)
    checkpoint = Checkpoint(tmp_path / "state.json", fingerprint(data, mapping))
    calls = 0

    def sink(planned: Sequence[PlannedEvent]) -> BatchOutcome:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        with factory() as session:
            outcome = store_batch(session, planned, now=SystemClock().now())
            session.commit()
        return outcome

    try:
        with pytest.raises(KeyboardInterrupt):
            run_import(Source(data, mapping), sink, batch_events=50, checkpoint=checkpoint)
        partial = checkpoint.done_through()
        assert partial is not None
        summary = run_import(Source(data, mapping), sink, batch_events=50, checkpoint=checkpoint)
        assert summary.resumed_after == partial
        assert summary.duplicates == 0
    finally:
        engine.dispose()
    resumed = _contents(database)
    assert len(resumed["records"]) == 60
    again = _import(database, str(data), "--mapping", str(mapping_path), "--restart")
    assert "stored 0 events" in again.stdout
    assert _contents(database) == resumed


def _lasting(url: str) -> dict[str, set[Any]]:
    """What an import decides, without the instants of the run (received, evaluated)."""
    engine: Engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                "events": set(
                    connection.execute(
                        text("SELECT record_id, event_id, type, occurred_at FROM events")
                    ).all()
                ),
                "milestones": set(
                    connection.execute(
                        text("SELECT record_id, key, cycle, state, deadline FROM milestones")
                    ).all()
                ),
            }
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_several_loading_processes_store_what_one_stores(tmp_path: Path) -> None:
    """--jobs 2 on PostgreSQL loads batches in two processes at once and ends with the same
    events and milestones as a run in one process; SQLite refuses it with one line."""
    data, mapping = _files(tmp_path, 80)
    with pg_schema() as one, pg_schema() as two:
        _with_policy(one)
        _with_policy(two)
        single = _import(one, str(data), "--mapping", str(mapping), "--batch", "100")
        assert single.exit_code == 0, single.output
        parallel = _import(
            two,
            str(data),
            "--mapping",
            str(mapping),
            "--batch",
            "100",
            "--jobs",
            "2",
            "--restart",
        )
        assert parallel.exit_code == 0, parallel.output
        assert parallel.stdout.splitlines()[0] == single.stdout.splitlines()[0]
        assert _lasting(one) == _lasting(two)
    sqlite = f"sqlite:///{tmp_path / 'c.db'}"
    refused = _import(sqlite, str(data), "--mapping", str(mapping), "--jobs", "2")
    assert refused.exit_code == 2
    assert "--jobs needs PostgreSQL" in refused.stderr


def test_a_terminal_shows_progress_with_the_rate_and_the_time_left(tmp_path: Path) -> None:
    """On a terminal the import draws a bar for reading and one for loading, each with how
    far it is, its rate and the time left; problems print above the bar."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    data, _ = _files(tmp_path, 10)
    source = Source(data, ImportMapping.model_validate(MAPPING))

    def slow_sink(planned: Sequence[PlannedEvent]) -> BatchOutcome:
        return BatchOutcome(stored=len(planned))

    with _progress(data, console) as report:
        report.problem(RowError(7, Problem.INSTANT, "no usable instant"))
        run_import(source, slow_sink, batch_events=5, progress=report)
        report.loading(1, 2)  # half-way, so the bar is drawn with a time left
    shown = screen.getvalue()
    assert f"{data}:7: no usable instant" in shown
    assert "reading" in shown
    assert "loading" in shown
    assert "rows/s" in shown  # the rate
    assert "0:00:0" in shown  # the time left
