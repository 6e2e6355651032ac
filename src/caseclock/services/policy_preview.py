"""Preview a bundle on the stored history: every open record (and every closed one with a
cycle in the chosen period) evaluated from its timeline under the policy in force and under the
proposed one, at the same instant, tallied by ``core.policy_preview``.

Under the proposal a record runs the bundle's process of its own key (the version a
migration would move it to; a process the bundle lacks stays as it is) on the calendars in
force with the bundle's replacing those of the same names. A record whose process and
calendars the bundle leaves as they are is evaluated once. Reads only: a preview changes
nothing, whether it succeeds or fails. Records are read in pages of ``BATCH`` (timelines and
accounts with one query each), so memory stays flat and ``progress(done, total)`` is called
after each page.
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
from caseclock.core.milestones import Milestone
from caseclock.core.policy import PolicyBundle, Process
from caseclock.core.policy_preview import PreviewSummary, PreviewTally, as_migrated
from caseclock.core.timeline import build_timeline
from caseclock.services.calendars import business_calendar, calendar_document
from caseclock.services.escalations import record_facts
from caseclock.services.evaluation import AccountFacts, RecordEvaluator
from caseclock.services.ingest import to_event
from caseclock.services.policy import ensure_storable, process_document
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.policy import PolicyChangeRepository
from caseclock.store.repositories.records import EventRepository, RecordRepository

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
    """One record evaluated under the policy in force and under the proposal."""

    record: str
    columns: Mapping[str, Any]
    account: Mapping[str, Any]
    before: list[Milestone]
    after: list[Milestone]
    moves: bool


class PairEvaluator:
    """Evaluates records twice (once when the proposal leaves their policy unchanged).

    A record that moves runs the bundle's process of its key (if the bundle has one) on the
    calendars it counts on, but the bundle's calendars as the bundle has them (a migration
    unpins them); one that does not move keeps all it has (an apply pins its calendars).
    """

    def __init__(self, session: Session, bundle: PolicyBundle) -> None:
        self.session = session
        self.evaluator = RecordEvaluator(session)
        self.proposal = proposal_of(bundle)
        self._same_process: dict[tuple[str, int], bool] = {}

    def proposed(self, key: str, current: Process) -> Process:
        return self.proposal.processes.get(key, current)

    def _unchanged(
        self, key: str, version: int, current: Process, calendars: Mapping[str, BusinessCalendar]
    ) -> bool:
        """Whether moving leaves the record's process and calendars as they are."""
        if (key, version) not in self._same_process:
            after = self.proposed(key, current)
            same = process_document(after) == process_document(current)
            self._same_process[(key, version)] = same
        return self._same_process[(key, version)] and all(
            name in calendars and calendars[name].spec == calendar.spec
            for name, calendar in self.proposal.calendars.items()
        )

    def pairs(self, ids: Sequence[str], now: datetime, moving: Moving) -> Iterator[RecordPair]:
        """Each record of ``ids`` that runs a process, evaluated at ``now`` as it stands and
        as it would after the change: on the proposed calendars, and on the bundle's process
        when ``moving(columns, account)`` says it moves to it."""
        columns = RecordRepository(self.session).columns(ids)
        timelines = EventRepository(self.session).timelines(columns.keys())
        accounts = AccountRepository(self.session).get_many(
            {c["account_id"] for c in columns.values() if c["account_id"] is not None}
        )
        facts_of = AccountFacts(accounts)
        self.evaluator.preload([(c["process_key"], c["process_version"]) for c in columns.values()])
        self.evaluator.preload_pins(columns.keys())
        for record_id in sorted(columns):
            row = columns[record_id]
            key, version = row["process_key"], row["process_version"]
            current = self.evaluator.process(key, version)
            if current is None or key is None or version is None:
                continue
            timeline = build_timeline(to_event(s) for s in timelines[record_id])
            account = facts_of(row["account_id"])
            calendars = self.evaluator.calendars_for(record_id)
            before = evaluate(current, timeline, now, calendars=calendars, account=account)
            moves = moving(row, account)
            if not moves or self._unchanged(key, version, current, calendars):
                after = before
            else:
                after = evaluate(
                    self.proposed(key, current),
                    timeline,
                    now,
                    calendars={**calendars, **self.proposal.calendars},
                    account=account,
                )
            yield RecordPair(record_id, row, account, before, after, moves)


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
            migrated = as_migrated(pair.before, pair.after, now) if pair.moves else pair.after
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
