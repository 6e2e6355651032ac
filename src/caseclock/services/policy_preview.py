"""Preview a bundle on the stored history: every open record (and every closed one with a
cycle in the chosen period) as it stands and as it would stand under the proposed bundle, at
the same instant, tallied by ``core.policy_preview``.

Under the proposal a record runs the bundle's process of its own key (the version a
migration would move it to; a process the bundle lacks stays as it is) on the calendar
versions it holds, with the bundle's calendars replacing those of the same names. Only what the
bundle can change is evaluated:

- **before** is read from the record's stored milestone rows (as the reports read them), and
  evaluated from its timeline only when those rows may lag behind the clock: a hold until an
  instant (``pause_until``), or a process whose milestones move with the clock alone
  (``_moves_by_itself``: dated starts or checkpoints, cycles that start at a deadline);
- **after** is evaluated from the timeline only for a record the bundle touches: it moves, and
  the bundle's process of its key differs from the version it runs, or one of the bundle's
  calendars it may count on differs from the version it holds. Any other record stands after
  as before.

Reads only: a preview changes nothing, whether it succeeds or fails. Records are read in pages
of ``BATCH`` (columns, milestone rows, events and accounts with one query each), so memory
stays flat and ``progress(done, total)`` is called after each page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.conditions import Facts, Predicate
from caseclock.core.evaluate import evaluate
from caseclock.core.events import stored_event
from caseclock.core.milestones import Milestone
from caseclock.core.policy import PolicyBundle, Process
from caseclock.core.policy_preview import (
    PreviewSummary,
    PreviewTally,
    StoredCycle,
    as_migrated,
    stored_milestone,
)
from caseclock.services.calendars import business_calendar, calendar_document
from caseclock.services.escalations import record_facts
from caseclock.services.evaluation import AccountFacts, RecordEvaluator
from caseclock.services.policy import ensure_storable, process_document
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.policy import EventValues, PolicyChangeRepository
from caseclock.store.repositories.records import RecordRepository

BATCH = 1000
Progress = Callable[[int, int], None]
Moving = Callable[[Mapping[str, Any], Mapping[str, Any]], bool]  # (columns, account) -> moves


def no_progress(_done: int, _total: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Proposal:
    """The bundle as the evaluator reads it: its processes by key, its calendars by name."""

    processes: Mapping[str, Process]
    calendars: Mapping[str, BusinessCalendar]


def proposal_of(bundle: PolicyBundle) -> Proposal:
    return Proposal(
        dict(bundle.processes),
        {spec.name: business_calendar(calendar_document(spec)) for spec in bundle.calendars},
    )


@dataclass(slots=True)
class RecordPair:
    """One record as it stands (``before``) and under the proposal (``after``: the same list
    when the proposal leaves it as it is)."""

    record: str
    columns: Mapping[str, Any]
    account: Mapping[str, Any]
    before: list[Milestone]
    after: list[Milestone]
    moves: bool


def _moves_by_itself(process: Process) -> bool:
    """Whether a record's milestones on ``process`` may change with the clock alone, between
    two evaluations. The evaluator reads conditions at events (a ``within_next`` included) and
    at deadlines, so only these do: a dated checkpoint (completed at its deadline), a start
    anchored on a date (``start_at``), a cycle that starts at a deadline (``repeat`` anchored
    at the deadline, ``sequential``'s deferred start)."""
    for definition in process.milestones:
        recurrence = definition.recurrence
        if definition.complete is None or definition.start_at is not None:
            return True
        if recurrence.mode == "sequential":
            return True
        if recurrence.mode == "repeat" and recurrence.anchor == "deadline":
            return True
    return False


def _held_until(events: Sequence[EventValues]) -> bool:
    """Whether a record's events hold a clock until an instant (``pause_until``), which ends
    the hold with no event."""
    return any(kind == "override" and "pause_until" in data for _, kind, _, data in events)


def _reach(process: Process) -> frozenset[str] | None:
    """The calendars a process's clocks may count on (None: any, a field picks it)."""
    choices = [process.calendar, *(m.calendar for m in process.milestones)]
    if any(c is not None and c.field is not None for c in choices):
        return None
    return frozenset(process.calendar_names())


class PairEvaluator:
    """Reads records as they stand and evaluates them under the proposal where it changes
    them (see the module's docstring)."""

    def __init__(self, session: Session, bundle: PolicyBundle) -> None:
        self.session = session
        self.evaluator = RecordEvaluator(session)
        self.proposal = proposal_of(bundle)
        self.changes = PolicyChangeRepository(session)
        self._process_same: dict[tuple[str, int], bool] = {}
        self._clock: dict[tuple[str, int], bool] = {}
        self._calendars_same: dict[tuple[frozenset[str] | None, Any], bool] = {}

    def proposed(self, key: str, current: Process) -> Process:
        return self.proposal.processes.get(key, current)

    def _same_process(self, key: str, version: int, current: Process) -> bool:
        if (key, version) not in self._process_same:
            after = self.proposed(key, current)
            same = after is current or process_document(after) == process_document(current)
            self._process_same[(key, version)] = same
        return self._process_same[(key, version)]

    def _same_calendars(self, current: Process, held: Mapping[str, BusinessCalendar]) -> bool:
        """Whether every calendar of the bundle the process may count on reads as the record
        holds it."""
        reach = _reach(current)
        cache_key = (reach, id(held))
        if cache_key not in self._calendars_same:
            self._calendars_same[cache_key] = all(
                name in held and held[name].spec == calendar.spec
                for name, calendar in self.proposal.calendars.items()
                if reach is None or name in reach
            )
        return self._calendars_same[cache_key]

    def _by_itself(self, key: str, version: int, process: Process) -> bool:
        if (key, version) not in self._clock:
            self._clock[(key, version)] = _moves_by_itself(process)
        return self._clock[(key, version)]

    def pairs(self, ids: Sequence[str], now: datetime, moving: Moving) -> Iterator[RecordPair]:
        """Each record of ``ids`` that runs a process, as it stands at ``now`` and as it would
        after the change: on the bundle's process and calendars when ``moving(columns,
        account)`` says it moves."""
        columns = RecordRepository(self.session).columns(ids)
        stored = self.changes.stored_cycles(list(columns))
        accounts = AccountRepository(self.session).get_many(
            {c["account_id"] for c in columns.values() if c["account_id"] is not None}
        )
        facts_of = AccountFacts(accounts)
        self.evaluator.preload([(c["process_key"], c["process_version"]) for c in columns.values()])
        plans: list[tuple[str, Process, bool, bool, bool]] = []
        for record_id in sorted(columns):
            row = columns[record_id]
            key, version = row["process_key"], row["process_version"]
            current = self.evaluator.process(key, version)
            if current is None or key is None or version is None:
                continue
            moves = moving(row, facts_of(row["account_id"]))
            held = self.evaluator.calendars_for(row["calendar_versions"])
            touched = moves and not (
                self._same_process(key, version, current) and self._same_calendars(current, held)
            )
            lagging = touched and not row["is_closed"] and self._by_itself(key, version, current)
            plans.append((record_id, current, moves, touched, lagging))
        evaluated = {record_id for record_id, _, _, touched, _ in plans if touched}
        events = self.changes.events(evaluated)
        for record_id, current, moves, touched, fresh_before in plans:
            row = columns[record_id]
            account = facts_of(row["account_id"])
            held = self.evaluator.calendars_for(row["calendar_versions"])
            before = _as_stored(stored[record_id], now)
            after = before
            if touched:
                # in timeline order already; the evaluator stamps and orders it itself
                timeline = [stored_event(i, record_id, k, a, d) for i, k, a, d in events[record_id]]
                if fresh_before or _held_until(events[record_id]):
                    before = evaluate(current, timeline, now, calendars=held, account=account)
                after = evaluate(
                    self.proposed(row["process_key"], current),
                    timeline,
                    now,
                    calendars={**held, **self.proposal.calendars},
                    account=account,
                )
            yield RecordPair(record_id, row, account, before, after, moves)


def _as_stored(cycles: Sequence[StoredCycle], now: datetime) -> list[Milestone]:
    return [stored_milestone(cycle, now=now) for cycle in cycles]


def matches(
    predicate: Predicate | None,
    columns: Mapping[str, Any],
    account: Mapping[str, Any],
    now: datetime,
) -> bool:
    """Whether a record (its columns, its account's facts) meets a migration's criteria
    (none: every record)."""
    if predicate is None:
        return True
    facts = record_facts(columns)
    return predicate(Facts(now, facts, facts, account))


@dataclass(frozen=True, slots=True)
class Step:
    """Progress of a preview: records walked of all it will walk."""

    done: int
    total: int


@dataclass(frozen=True, slots=True)
class Asked:
    """What a preview compares: at ``now``, the open records as they would stand after the
    change (moved to the bundle's versions when ``moves``; only those ``matching``, when
    given), and compliance of the period ``[since, until)``."""

    now: datetime
    since: datetime
    until: datetime
    moves: bool = True
    matching: Predicate | None = None


def previewing(
    session: Session, bundle: PolicyBundle, asked: Asked, *, batch: int = BATCH
) -> Iterator[Step | PreviewSummary]:
    """What applying ``bundle`` and migrating the open records would do to them, and the
    period's compliance before and after: open records as they would stand after the change,
    closed ones (which never move) under the proposed bundle, as a what-if. Yields a ``Step``
    after each page, then the summary. Raises ``PolicyInvalid`` for a bundle ``policy apply``
    would refuse."""
    ensure_storable(bundle)
    now = asked.now
    pairs = PairEvaluator(session, bundle)
    repo = PolicyChangeRepository(session)
    tally = PreviewTally(since=asked.since, until=asked.until)
    total = repo.count_open() + repo.count_period(asked.since, asked.until)
    done = 0
    yield Step(done, total)

    def moving(columns: Mapping[str, Any], account: Mapping[str, Any]) -> bool:
        return asked.moves and matches(asked.matching, columns, account, now)

    after: str | None = None
    while ids := repo.open_ids(after, batch):
        for pair in pairs.pairs(ids, now, moving):
            migrated = pair.after
            if pair.moves and pair.after is not pair.before:
                migrated = as_migrated(pair.before, pair.after, now)
            tally.add_open(pair.record, pair.before, migrated)
            tally.add_period(pair.columns["tier"], pair.before, pair.after)
        after = ids[-1]
        done += len(ids)
        yield Step(done, total)
    after = None
    while ids := repo.period_ids(asked.since, asked.until, after, batch):
        for pair in pairs.pairs(ids, now, lambda _columns, _account: True):
            tally.add_period(pair.columns["tier"], pair.before, pair.after)
        after = ids[-1]
        done += len(ids)
        yield Step(done, total)
    yield tally.summary()


def preview(
    session: Session,
    bundle: PolicyBundle,
    asked: Asked,
    *,
    progress: Progress = no_progress,
    batch: int = BATCH,
) -> PreviewSummary:
    """``previewing`` to its end, calling ``progress(done, total)`` at each step."""
    for step in previewing(session, bundle, asked, batch=batch):
        if isinstance(step, PreviewSummary):
            return step
        progress(step.done, step.total)
    raise AssertionError("a preview ends with its summary")  # pragma: no cover
