"""Evaluate records with the pure core and turn the result into milestone rows.

One ``RecordEvaluator`` per unit of work: it parses each process version and builds each
calendar once, however many records a batch touches.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from hashlib import blake2b
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.evaluate import evaluate, replay_record
from caseclock.core.events import Event
from caseclock.core.milestones import Milestone, Timer, lasting_digest, timer_to_json
from caseclock.core.policy import Process
from caseclock.core.record_fields import RecordFields
from caseclock.services.calendars import CalendarCache, Versions, version_of
from caseclock.services.document_cache import DocumentCache
from caseclock.store.models import AccountRow
from caseclock.store.repositories.milestones import Wanted
from caseclock.store.repositories.policy import ProcessRepository
from caseclock.store.repositories.timers import TimerId


def account_facts(account: AccountRow | None) -> dict[str, Any] | None:
    """The account as the evaluator's conditions and target rules read it."""
    if account is None:
        return None
    facts: dict[str, Any] = dict(account.fields or {})
    facts.update(
        {
            "id": account.id,
            "name": account.name,
            "tier": account.tier,
            "region": account.region,
            "start_date": _iso(account.start_date),
            "renewal_date": _iso(account.renewal_date),
        }
    )
    return facts


class AccountFacts:
    """``account_facts`` of each account of ``accounts`` by id (``{}`` for none, or one not
    there), built once however many records of a batch share the account."""

    def __init__(self, accounts: Mapping[str, AccountRow]) -> None:
        self._accounts = accounts
        self._facts: dict[str | None, dict[str, Any]] = {}

    def __call__(self, account_id: str | None) -> dict[str, Any]:
        if account_id not in self._facts:
            row = self._accounts.get(account_id) if account_id is not None else None
            self._facts[account_id] = account_facts(row) or {}
        return self._facts[account_id]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


_PARSED: DocumentCache[Process] = DocumentCache()


def parsed_process(document: Mapping[str, Any], version: int) -> Process:
    """A stored process version, parsed once per process while its document is the same.

    Parsing a process costs milliseconds and compiling it for the evaluator more; a 500-event
    batch used to pay both on every request. The same ``Process`` object also keeps the
    evaluator's compiled form (``core.process_compiled``) warm.
    """
    versioned = {**document, "version": version}
    return _PARSED.get(versioned, lambda: Process.model_validate(versioned))


class RecordEvaluator:
    """Evaluates records on the process version each one keeps, and on the calendar versions
    it holds (``calendars_for``: ``records.calendar_versions``)."""

    def __init__(self, session: Session, calendars: CalendarCache | None = None) -> None:
        self._processes = ProcessRepository(session)
        self._parsed: dict[tuple[str, int], Process | None] = {}
        self.calendars = calendars or CalendarCache(session)

    def calendars_for(self, versions: Versions | None) -> Mapping[str, BusinessCalendar]:
        """The calendars a record holding ``versions`` counts on."""
        return self.calendars.at(versions)

    def process(self, key: str | None, version: int | None) -> Process | None:
        if key is None or version is None:
            return None
        if (key, version) not in self._parsed:
            row = self._processes.get(key, version)
            self._parsed[(key, version)] = (
                parsed_process(row.document, version) if row is not None else None
            )
        return self._parsed[(key, version)]

    def preload(self, pairs: Sequence[tuple[str, int]]) -> None:
        """Parse every process version a batch needs with one query."""
        missing = [pair for pair in set(pairs) if pair not in self._parsed]
        for pair, row in self._processes.get_many(missing).items():
            self._parsed[pair] = parsed_process(row.document, row.version)

    def refusals(
        self,
        process: Process,
        timeline: Sequence[Event],
        now: datetime,
        account: Mapping[str, Any] | None,
        versions: Versions | None = None,
    ) -> dict[str, str]:
        """The overrides of ``timeline`` the evaluator refuses at ``now`` (by event id, with
        why): pausing a held clock, resuming a running one, extending past the limit."""
        calendars = self.calendars_for(versions)
        found = replay_record(process, timeline, now, calendars=calendars, account=account)
        return found.refusals

    def evaluate(
        self,
        process: Process | None,
        timeline: Sequence[Event],
        now: datetime,
        account: Mapping[str, Any] | None,
        versions: Versions | None = None,
    ) -> list[Milestone]:
        """Every milestone of one record at ``now`` (holding calendar ``versions``); none
        without a process (no clock)."""
        if process is None or not timeline:
            return []
        calendars = self.calendars_for(versions)
        return evaluate(process, timeline, now, calendars=calendars, account=account)


def wanted_rows(
    record_id: str,
    fields: RecordFields,
    milestones: Sequence[Milestone],
    *,
    now: datetime,
    fired: Collection[TimerId] = frozenset(),
    versions: Versions | None = None,
) -> list[Wanted]:
    """The materialized rows of one record's milestones, as ``MilestoneRepository.replace``
    takes them: each with the digest of its values, and the values built only if written.
    ``versions`` are the calendar versions the record holds: each row names the version of
    its calendar it was counted on (None: the newest, for clocks kept on today's calendars,
    such as customer milestones).

    ``next_timer_*`` name the earliest timer of the plan that is not in ``fired`` (the firing
    ledger's keys): what the worker claims the row by.
    """
    rows = []
    for milestone in milestones:
        timers = milestone.timers
        if len(timers) > 1:
            timers = tuple(sorted(timers, key=_plan_order))
        if not fired:  # most records: the plan's first timer
            first = 0 if timers else -1
        else:
            first = next(
                (
                    place
                    for place, t in enumerate(timers)
                    if (record_id, t.milestone, t.cycle, str(t.kind), t.sequence) not in fired
                ),
                -1,
            )
        row = _Row(
            record_id,
            fields,
            milestone,
            timers=timers,
            first=first,
            now=now,
            version=None if versions is None else version_of(versions, milestone.calendar),
        )
        rows.append(Wanted(record_id, milestone.key, milestone.cycle, row.digest(), row.values))
    return rows


def _plan_order(timer: Timer) -> tuple[datetime, int]:
    return (timer.at, timer.sequence)


class _Row:
    """One milestone row: the digest of its lasting values, and all its column values.
    ``first`` is the place in ``timers`` of the earliest one not fired (-1: none)."""

    __slots__ = ("fields", "first", "milestone", "now", "record_id", "timers", "version")

    def __init__(
        self,
        record_id: str,
        fields: RecordFields,
        milestone: Milestone,
        *,
        timers: Sequence[Timer],
        first: int,
        now: datetime,
        version: int | None,
    ) -> None:
        self.record_id = record_id
        self.version = version
        self.fields = fields
        self.milestone = milestone
        self.timers = timers
        self.first = first
        self.now = now

    def digest(self) -> str:
        """The digest of the row's lasting values (``core.milestones.lasting_digest``)."""
        fields = self.fields
        digest = lasting_digest(
            self.record_id,
            self.milestone,
            self.timers,
            self.first,
            owner=self.milestone.owner or fields.owner,
            team=fields.team,
            account=fields.account,
        )
        if self.version is None or self.version == 1:
            return digest  # the digest rows had before calendars were versioned
        return blake2b(f"{digest}@{self.version}".encode(), digest_size=16).hexdigest()

    def values(self) -> dict[str, Any]:
        m = self.milestone
        first = self.timers[self.first] if self.first >= 0 else None
        return {
            "record_id": self.record_id,
            "key": m.key,
            "cycle": m.cycle,
            "name": m.name,
            "state": str(m.state),
            "is_open": m.is_open,
            "calendar": m.calendar,
            "calendar_version": self.version,
            "started_at": m.started_at,
            "deadline": m.deadline,
            "warning_at": m.warning_at,
            "completed_at": m.completed_at,
            "target_seconds": _seconds(m.target),
            "elapsed_seconds": m.elapsed.total_seconds(),
            "paused_seconds": m.paused.total_seconds(),
            "remaining_seconds": _seconds(m.remaining),
            "late": m.late,
            "basis": str(m.basis),
            "violated_at": m.violated_at,
            "owner": m.owner or self.fields.owner,
            "team": self.fields.team,
            "account_id": self.fields.account,
            "timers": [timer_to_json(t) for t in self.timers],
            "next_timer_at": first.at if first else None,
            "next_timer_kind": str(first.kind) if first else None,
            "evaluated_at": self.now,
        }


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value.total_seconds())
