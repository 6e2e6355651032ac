"""A history import from start to end, whatever stores the events.

1. **Read**: every row of the file is read with the mapping; a row that cannot be read is
   reported (line and reason) and skipped, the others go to ``SortedRows``.
2. **Load**: rows come back by record, in time order; each record's rows become events
   (``snapshots``), and whole records are handed to ``sink`` in batches of about
   ``batch_events`` events: the local store (``services.imports``) or a caseclock server
   (``caseclock.client``). A batch never splits a record, so each record is evaluated once,
   with its whole history.

``strict`` stops at the first bad row (``StrictStop``). A ``Checkpoint`` file remembers the last
record of each batch stored, for this file and this mapping (by digest): an import run again
after an interruption skips the records stored already. It is only an economy: events have
deterministic ids, so loading a record twice stores nothing new.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from caseclock.connectors.mapping import ImportMapping, Problem, Row, RowError
from caseclock.connectors.ordering import RUN_ROWS, SortedRows
from caseclock.connectors.rows import Source
from caseclock.connectors.snapshots import PlannedEvent, by_record, record_events

BATCH_EVENTS = 5_000


@dataclass(slots=True)
class BatchOutcome:
    """What a sink did with one batch."""

    stored: int = 0
    duplicates: int = 0  # events stored already (an import run again)
    refused: list[RowError] = field(default_factory=list)
    milestones: int = 0  # milestone cycles of the batch's records, once evaluated


@dataclass(slots=True)
class Summary:
    rows: int = 0  # rows read (skipped ones included)
    records: int = 0
    events: int = 0  # events stored
    duplicates: int = 0
    milestones: int = 0
    skipped: Counter[Problem] = field(default_factory=Counter)  # rows, by reason
    refused: int = 0  # events refused when stored
    resumed_after: str | None = None  # the checkpoint's record, when resumed

    def add(self, outcome: BatchOutcome) -> None:
        self.events += outcome.stored
        self.duplicates += outcome.duplicates
        self.milestones += outcome.milestones
        self.refused += len(outcome.refused)


class StrictStop(Exception):
    """``strict``: the first bad row ends the import."""

    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


Sink = Callable[[Sequence[PlannedEvent]], "BatchOutcome | Future[BatchOutcome]"]


class Progress:
    """Hooks a front end may follow: rows read (bytes of the file), then rows loaded."""

    def reading(self, consumed: int, size: int) -> None:
        """``consumed`` of the file's ``size`` bytes have been read."""

    def loading(self, rows: int, total: int) -> None:
        """``rows`` of ``total`` rows have been loaded."""

    def problem(self, error: RowError) -> None:
        """A row was skipped or an event refused."""


def fingerprint(path: Path, mapping: ImportMapping) -> str:
    """A digest of the file's bytes and the mapping: what a checkpoint belongs to."""
    digest = hashlib.sha256(mapping.model_dump_json().encode())
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class Checkpoint:
    """The last record stored, kept in a small JSON file beside the import."""

    def __init__(self, path: Path, print_: str) -> None:
        self.path = path
        self.print = print_

    def done_through(self) -> str | None:
        """The last record stored by an earlier run of this same import, if any."""
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(state, dict) or state.get("fingerprint") != self.print:
            return None
        last = state.get("done_through")
        return last if isinstance(last, str) else None

    def save(self, record: str) -> None:
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(
            json.dumps({"fingerprint": self.print, "done_through": record}), encoding="utf-8"
        )
        partial.replace(self.path)  # atomic: a crash leaves the old or the new state


def run_import(
    source: Source,
    sink: Sink,
    *,
    strict: bool = False,
    batch_events: int = BATCH_EVENTS,
    checkpoint: Checkpoint | None = None,
    progress: Progress | None = None,
    run_rows: int | None = None,
    in_flight: int = 1,
    read: Callable[[], None] | None = None,
) -> Summary:
    """Import ``source`` into ``sink``; see the module's docstring. A sink may answer with a
    ``Future`` (batches loaded by other processes): up to ``in_flight`` batches are then
    loading at once, and they settle in order. ``read`` is called once every row is read
    and sorted, before the first batch is loaded (``collector.freeze_kept``)."""
    hooks = progress or Progress()
    summary = Summary()
    resume_after = checkpoint.done_through() if checkpoint is not None else None
    summary.resumed_after = resume_after
    with SortedRows(run_rows or RUN_ROWS) as rows:
        for item in source.read():
            summary.rows += 1
            if isinstance(item, RowError):
                _skip(summary, hooks, item, strict)
            else:
                rows.add(item)
            if summary.rows % 1000 == 0:
                hooks.reading(source.consumed, source.size)
        hooks.reading(source.size, source.size)
        if read is not None:
            read()
        loaded = 0
        pending: deque[tuple[BatchOutcome | Future[BatchOutcome], str, int]] = deque()

        def settle() -> None:
            # Batches settle in the order they were read, so the checkpoint only ever names a
            # record whose batch and every batch before it are stored.
            handed, last, rows_done = pending.popleft()
            outcome = handed.result() if isinstance(handed, Future) else handed
            for error in outcome.refused:
                if strict:
                    raise StrictStop(error)
                hooks.problem(error)
            summary.add(outcome)
            if checkpoint is not None:
                checkpoint.save(last)
            hooks.loading(rows_done, rows.count)

        for batch, count in _batches(source.mapping, rows, summary, hooks, strict, batch_events):
            loaded += count
            last = max(p.record for p in batch)
            wanted = [p for p in batch if resume_after is None or p.record > resume_after]
            if not wanted:
                hooks.loading(loaded, rows.count)
                continue
            pending.append((sink(wanted), last, loaded))
            while len(pending) >= in_flight:
                settle()
        while pending:
            settle()
    return summary


def _skip(summary: Summary, hooks: Progress, error: RowError, strict: bool) -> None:
    summary.skipped[error.problem] += 1
    if error.problem is Problem.DUPLICATE:
        return  # normal in exports that overlap: counted, not reported
    if strict:
        raise StrictStop(error)
    hooks.problem(error)


def _batches(  # noqa: PLR0917 (private; named at its one call)
    mapping: ImportMapping,
    rows: SortedRows,
    summary: Summary,
    hooks: Progress,
    strict: bool,
    batch_events: int,
) -> Iterator[tuple[list[PlannedEvent], int]]:
    """Batches of whole records' events, with how many rows each consumed."""
    batch: list[PlannedEvent] = []
    consumed = 0
    record_rows: list[Row]
    for record_rows in by_record(rows):
        summary.records += 1
        planned, skipped = record_events(mapping, record_rows)
        for error in skipped:
            _skip(summary, hooks, error, strict)
        batch.extend(planned)
        consumed += len(record_rows)
        if len(batch) >= batch_events:
            yield batch, consumed
            batch, consumed = [], 0
    if batch:
        yield batch, consumed
