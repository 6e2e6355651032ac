"""``caseclock import``: a helpdesk's history from a CSV or JSON Lines export.

    caseclock import tickets.csv --mapping mapping.yaml [--dry-run] [--strict] [--restart]

Rows that cannot be read or whose events are refused are reported on stderr, one line each
(``FILE:LINE: reason``), and the rest imports; ``--strict`` stops at the first and stores
nothing. ``--dry-run`` reads, diffs, checks and evaluates everything, then rolls back. Each
batch commits on its own and a checkpoint (``FILE.import-state``) remembers where the import
got to, so running it again after an interruption goes on from there. The summary goes to
stdout; a progress bar with the rate and the time left to stderr when it is a terminal.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Annotated, cast

import httpx
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError

from caseclock import collector
from caseclock.cli.database import database_problem, migrated_database, safe_url
from caseclock.cli.environment import load_settings
from caseclock.cli.output import fail
from caseclock.cli.unit_of_work import CLI_ACTOR, unit_of_work
from caseclock.client import ApiError, CaseclockClient
from caseclock.client.http import MAX_BATCH
from caseclock.clock import SystemClock
from caseclock.config import Settings
from caseclock.connectors import importer
from caseclock.connectors.importer import (
    BatchOutcome,
    Checkpoint,
    StrictStop,
    Summary,
    fingerprint,
    run_import,
)
from caseclock.connectors.mapping import ImportMapping, Problem, RowError
from caseclock.connectors.reconcile import Difference, ReconcileMapping, source_deadlines
from caseclock.connectors.rows import Cells, Source
from caseclock.connectors.snapshots import PlannedEvent
from caseclock.core.durations import format_timedelta, parse_timedelta
from caseclock.core.provenance import ACTOR_LENGTH
from caseclock.core.validation import describe_validation_error
from caseclock.document_files import load_document
from caseclock.errors import ValidationFailed
from caseclock.services.imports import store_batch
from caseclock.services.reconciliation import reconcile
from caseclock.store.database import SessionFactory, is_sqlite, make_engine, make_session_factory

STATE_SUFFIX = ".import-state"
API_KEY_VARIABLE = "CASECLOCK_API_KEY"  # --url: the key the import sends with


def register(app: typer.Typer) -> None:
    app.command("import")(import_history)
    app.command("reconcile")(reconcile_command)


def import_history(
    *,
    file: Annotated[Path, typer.Argument(help="CSV or JSON Lines export")],
    mapping: Annotated[Path, typer.Option("--mapping", help="mapping document (YAML or JSON)")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="check and evaluate everything, store nothing")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="stop at the first bad row; store nothing")
    ] = False,
    restart: Annotated[
        bool, typer.Option("--restart", help="ignore the checkpoint of an earlier run")
    ] = False,
    batch: Annotated[
        int, typer.Option("--batch", min=1, help="events per transaction (whole records)")
    ] = importer.BATCH_EVENTS,
    url: Annotated[
        str | None,
        typer.Option("--url", help="a caseclock server to send to (key: CASECLOCK_API_KEY)"),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", min=1, max=64, help="processes loading at once (PostgreSQL)")
    ] = 1,
    actor: Annotated[
        str,
        typer.Option("--actor", help="who the events are by where the mapping names no actor"),
    ] = CLI_ACTOR,
) -> None:
    """Import a helpdesk's history (records and their events) from a CSV or JSON Lines file."""
    _refuse_combinations(dry_run=dry_run, strict=strict, url=url, jobs=jobs)
    actor = _checked_actor(actor)
    read = read_mapping(mapping)
    if not file.is_file():
        fail(f"{file}: no such file")
    try:
        source = Source(file, read)
    except ValueError as exc:
        fail(str(exc))
    settings = load_settings()
    checkpoint = None
    if not (dry_run or strict):
        checkpoint = Checkpoint(file.with_name(file.name + STATE_SUFFIX), fingerprint(file, read))
        if restart:
            checkpoint.path.unlink(missing_ok=True)
    if settings.gc_tuning:
        collector.tune()  # a long run of batches, as a server's (caseclock.collector)
    if url is not None:
        _import_remotely(file, source, url, strict=strict, batch=batch, checkpoint=checkpoint)
        return
    now = SystemClock().now()
    if jobs > 1:
        _import_in_parallel(
            file, source, settings, jobs=jobs, batch=batch, checkpoint=checkpoint, actor=actor
        )
        return
    with unit_of_work(settings) as session, _progress(file) as progress:
        # One savepoint around the whole run when it may have to be undone: a transaction
        # SQLite's driver began with a savepoint would otherwise commit when it is released.
        whole = session.begin_nested() if dry_run or strict else None

        def sink(planned: Sequence[PlannedEvent]) -> BatchOutcome:
            outcome = store_batch(session, planned, now=now, actor=actor)
            if whole is None:
                session.commit()  # each batch on its own: an interruption keeps the others
            return outcome

        try:
            summary = run_import(
                source,
                sink,
                strict=strict,
                batch_events=batch,
                checkpoint=checkpoint,
                progress=progress,
                read=collector.freeze_kept,
            )
        except StrictStop as exc:
            if whole is not None:
                whole.rollback()
            session.rollback()
            fail(f"{file}:{exc.error.line}: {exc.error.message} (--strict: nothing stored)")
        if whole is not None:
            if dry_run:
                whole.rollback()
                session.rollback()
            else:
                whole.commit()
    typer.echo(render_summary(file, summary, dry_run=dry_run))


def _import_remotely(
    file: Path,
    source: Source,
    url: str,
    *,
    strict: bool,
    batch: int,
    checkpoint: Checkpoint | None,
) -> None:
    """The import through a caseclock server's API (``caseclock.client``), batch by batch."""
    key = os.environ.get(API_KEY_VARIABLE)
    if not key:
        fail(f"--url needs an agent's API key in {API_KEY_VARIABLE}")
    with CaseclockClient(url, key) as client, _progress(file) as progress:
        try:
            summary = run_import(
                source,
                partial(send_batch, client),
                strict=strict,
                batch_events=batch,
                checkpoint=checkpoint,
                progress=progress,
                read=collector.freeze_kept,
            )
        except StrictStop as exc:
            fail(f"{file}:{exc.error.line}: {exc.error.message} (--strict: stopped here)")
        except ApiError as exc:
            fail(f"{url}: {exc}")
        except httpx.HTTPError as exc:
            fail(f"{url}: {exc.__class__.__name__}: {exc}")
    typer.echo(render_summary(file, summary, dry_run=False, remote=True))


def _checked_actor(actor: str) -> str:
    """``--actor`` as events keep it (``core.provenance``), or a usage error."""
    if not 0 < len(actor.strip()) <= ACTOR_LENGTH:
        fail(f"--actor: give 1 to {ACTOR_LENGTH} characters")
    return actor.strip()


def _refuse_combinations(*, dry_run: bool, strict: bool, url: str | None, jobs: int) -> None:
    if url is not None and dry_run:
        fail("--dry-run works on the local database only; a server stores what it is sent")
    if jobs > 1 and (dry_run or strict or url is not None):
        fail(
            "--jobs loads batches in transactions of their own: "
            "not with --dry-run, --strict or --url"
        )


def _import_in_parallel(
    file: Path,
    source: Source,
    settings: Settings,
    *,
    jobs: int,
    batch: int,
    checkpoint: Checkpoint | None,
    actor: str,
) -> None:
    """Batches loaded by ``jobs`` processes at once, each batch in its own transaction. Batches
    hold disjoint records, so they never wait for each other; PostgreSQL only (SQLite has one
    writer)."""
    if is_sqlite(settings.database_url):
        fail("--jobs needs PostgreSQL: SQLite takes one writer at a time")
    with migrated_database(settings):
        pass  # refuses a database that is unreachable or not migrated, as every command does
    context = multiprocessing.get_context("spawn")
    now = SystemClock().now()
    with (
        ProcessPoolExecutor(
            jobs, mp_context=context, initializer=start_loader, initargs=(settings, now, actor)
        ) as pool,
        _progress(file) as progress,
    ):
        try:
            summary = run_import(
                source,
                lambda planned: pool.submit(load_in_process, planned),
                batch_events=batch,
                checkpoint=checkpoint,
                progress=progress,
                read=collector.freeze_kept,
                in_flight=jobs + 1,
            )
        except SQLAlchemyError as exc:
            fail(f"database {safe_url(settings.database_url)}: {database_problem(exc)}")
    typer.echo(render_summary(file, summary, dry_run=False))


_LOADER: dict[str, object] = {}  # in each loading process: its session factory and instant


def start_loader(settings: Settings, now: datetime, actor: str) -> None:
    """A loading process's start: its own engine (never one inherited from the parent)."""
    if settings.gc_tuning:
        collector.tune()
    engine = make_engine(settings.database_url, pool_size=1)
    _LOADER.update(factory=make_session_factory(engine), now=now, actor=actor)


def load_in_process(planned: Sequence[PlannedEvent]) -> BatchOutcome:
    """One batch in a loading process, committed on its own."""
    factory = cast(SessionFactory, _LOADER["factory"])
    with factory() as session:
        outcome = store_batch(
            session,
            planned,
            now=cast(datetime, _LOADER["now"]),
            actor=cast(str, _LOADER["actor"]),
        )
        session.commit()
    return outcome


def send_batch(client: CaseclockClient, planned: Sequence[PlannedEvent]) -> BatchOutcome:
    """A batch through ``POST /events``, in requests the server accepts (``MAX_BATCH``)."""
    outcome = BatchOutcome()
    for start in range(0, len(planned), MAX_BATCH):
        chunk = planned[start : start + MAX_BATCH]
        answer = client.post_events([p.event for p in chunk])
        for event, result in zip(chunk, answer.results, strict=True):
            if result.status == "accepted":
                outcome.stored += 1
            elif result.status == "duplicate":
                outcome.duplicates += 1
            else:
                reason = "; ".join(result.errors)
                outcome.refused.append(
                    RowError(event.line, Problem.REFUSED, f"{event.event['type']} event: {reason}")
                )
    return outcome


def read_mapping(path: Path) -> ImportMapping:
    try:
        return ImportMapping.model_validate(load_document(path))
    except ValidationFailed as exc:
        fail(str(exc))
    except ValidationError as exc:
        fail(f"{path}: " + "; ".join(describe_validation_error(exc)))


def render_summary(file: Path, summary: Summary, *, dry_run: bool, remote: bool = False) -> str:
    """The end-of-import summary: records, events, skipped rows by reason, milestones."""
    verb = "would store" if dry_run else "stored"
    lines = [
        f"{file}: {summary.rows:,} rows, {summary.records:,} records; "
        f"{verb} {summary.events:,} events ({summary.duplicates:,} already there)",
        "milestones evaluated by the server"
        if remote
        else f"milestones evaluated: {summary.milestones:,}",
    ]
    if summary.resumed_after is not None:
        lines.append(f"resumed after record {summary.resumed_after}")
    skipped = sum(summary.skipped.values())
    if skipped or summary.refused:
        reasons = ", ".join(f"{count:,} {reason}" for reason, count in summary.skipped.items())
        if summary.refused:
            reasons = ", ".join(filter(None, [reasons, f"{summary.refused:,} events refused"]))
        lines.append(f"skipped: {reasons}")
    return "\n".join(lines)


class _Report(importer.Progress):
    """Problems on stderr, and a progress bar there when it is a terminal."""

    def __init__(self, file: Path, console: Console, bar: Progress | None) -> None:
        self._file = file
        self._console = console
        self._bar = bar
        self._tasks: dict[str, TaskID] = {}

    def _task(self, name: str, total: int) -> TaskID | None:
        if self._bar is None:
            return None
        if name not in self._tasks:
            unit = "bytes" if name == "reading" else "rows"
            self._tasks[name] = self._bar.add_task(name, total=total, unit=unit)
        return self._tasks[name]

    def reading(self, consumed: int, size: int) -> None:
        task = self._task("reading", size)
        if self._bar is not None and task is not None:
            self._bar.update(task, completed=consumed)

    def loading(self, rows: int, total: int) -> None:
        task = self._task("loading", total)
        if self._bar is not None and task is not None:
            self._bar.update(task, completed=rows)

    def problem(self, error: RowError) -> None:
        message = f"{self._file}:{error.line}: {error.message}"
        if self._bar is None:
            typer.echo(message, err=True)
        else:
            self._console.print(message, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def _progress(file: Path, console: Console | None = None) -> Iterator[_Report]:
    """Problems and, on a terminal (stderr's, unless ``console`` is given), a progress bar."""
    console = console or Console(stderr=True, highlight=False)
    if not console.is_terminal:
        yield _Report(file, console, None)
        return
    bar = Progress(
        TextColumn("{task.description:>8}"),
        BarColumn(),
        MofNCompleteColumn(),
        _Rate(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with bar:
        yield _Report(file, bar.console, bar)


class _Rate(ProgressColumn):
    """Throughput so far: rows a second while loading, megabytes a second while reading."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text("")
        if task.fields.get("unit") == "bytes":
            return Text(f"{speed / 1e6:,.1f} MB/s")
        return Text(f"{speed:,.0f} rows/s")


def reconcile_command(
    *,
    file: Annotated[Path, typer.Argument(help="the source's SLA state: CSV or JSON Lines")],
    mapping: Annotated[Path, typer.Option("--mapping", help="reconciliation mapping (YAML)")],
    tolerance: Annotated[
        str, typer.Option("--tolerance", help="differences up to this are agreement")
    ] = "15m",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON lines")] = False,
) -> None:
    """List records whose deadlines differ between the source's SLA state and caseclock."""
    try:
        shape = ReconcileMapping.model_validate(load_document(mapping))
        allowed = parse_timedelta(tolerance)
    except ValidationFailed as exc:
        fail(str(exc))
    except ValidationError as exc:
        fail(f"{mapping}: " + "; ".join(describe_validation_error(exc)))
    except ValueError as exc:
        fail(f"--tolerance: {exc}")
    if not file.is_file():
        fail(f"{file}: no such file")
    try:
        cells = Cells(file, shape)
    except ValueError as exc:
        fail(str(exc))
    theirs = []
    for line, values in cells.items():
        found = (
            [values] if isinstance(values, RowError) else source_deadlines(shape, [(line, values)])
        )
        for item in found:
            if isinstance(item, RowError):
                typer.echo(f"{file}:{item.line}: {item.message}", err=True)
            else:
                theirs.append(item)
    with unit_of_work(load_settings()) as session:
        differences, pairs = reconcile(session, theirs, tolerance=allowed)
    typer.echo(render_differences(differences, pairs, tolerance, as_json=as_json))


def render_differences(
    differences: list[Difference], pairs: int, tolerance: str, *, as_json: bool
) -> str:
    if as_json:
        return "\n".join(
            json.dumps(
                {
                    "record": d.record,
                    "milestone": d.milestone,
                    "source": d.source.isoformat() if d.source else None,
                    "caseclock": d.caseclock.isoformat() if d.caseclock else None,
                    "difference_seconds": d.delta.total_seconds() if d.delta else None,
                }
            )
            for d in differences
        )
    lines = [f"{'record':<24} {'milestone':<18} {'source':<26} {'caseclock':<26} difference"]
    for d in differences:
        source = d.source.isoformat() if d.source else "-"
        mine = d.caseclock.isoformat() if d.caseclock else "-"
        delta = d.delta
        shown = "only one side" if delta is None else format_timedelta(delta)
        lines.append(f"{d.record:<24} {d.milestone:<18} {source:<26} {mine:<26} {shown}")
    lines.append(
        f"{len(differences):,} of {pairs:,} (record, milestone) pairs differ by more than "
        f"{tolerance}"
    )
    return "\n".join(lines)
