"""Fire what is due: claim records, re-evaluate them, fire each due timer once, in one transaction.

``fire_due`` locks a batch of records with a due milestone timer or escalation, re-evaluates
them at ``now`` (a record that changed since its timers were planned gets its current plan, so a
completed milestone never gets its warning), and for each due timer not in the ledger: writes
the ledger row, applies the internal effects as events on the timeline (ingested like any
event), and writes the external deliveries to the outbox. The caller commits: the ledger, the
effects and the outbox rows land together or not at all.

Catching up after downtime, a cycle's repeated violations collapse to the last one, and so do
the due rungs of a warning ladder; a warning whose violation is also due is skipped, and so is
anything overdue by more than the catch-up window (all recorded in the ledger as skipped, so
they never fire later).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from caseclock.channels.email import EmailTemplates
from caseclock.channels.payloads import Trigger, TriggerKind
from caseclock.core.actions import ActionSpec, WarningPlan
from caseclock.core.escalation import EscalationRule
from caseclock.core.milestones import Milestone, MilestoneState, TimerKind
from caseclock.core.policy import Process
from caseclock.core.provenance import WORKER
from caseclock.services import answers, escalations, firing_holds, ingest
from caseclock.services.access import Principal, Role
from caseclock.services.account_clock import FiringContext
from caseclock.services.calendars import CalendarCache
from caseclock.services.csat_links import SurveyLinks
from caseclock.services.directory import load_directory
from caseclock.services.effects import Firing, Planned, Targets, plan, trigger_key
from caseclock.services.evaluation import AccountFacts, RecordEvaluator
from caseclock.services.timers import (
    DueTimer,
    Refreshed,
    due_now,
    hooks_deferred,
    passed_repeats,
    reconcile,
)
from caseclock.services.wakeup import announce
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.escalations import EscalationRepository
from caseclock.store.repositories.insight_state import SummaryRepository
from caseclock.store.repositories.milestones import MilestoneRepository
from caseclock.store.repositories.outbox import PENDING, DeliveryRepository, EndpointRepository
from caseclock.store.repositories.records import EventRepository
from caseclock.store.repositories.timers import FiringRepository, TimerRepository

SYSTEM = Principal(key_id=0, name="caseclock", role=Role.ADMIN)
ESCALATION_KIND = "escalation"


@dataclass(frozen=True, slots=True)
class Fired:
    """One ledger entry written by ``fire_due``."""

    record_id: str
    source: str
    kind: TriggerKind
    due_at: datetime
    fired_at: datetime
    late: bool
    skipped: bool
    deliveries: int
    effects: int


@dataclass(frozen=True, slots=True)
class FireResult:
    """How many records one claim locked, and what was fired on them."""

    claimed: int
    fired: list[Fired]


@dataclass(frozen=True, slots=True)
class FireOptions:
    limit: int = 100
    late_after: timedelta = timedelta(minutes=1)
    catch_up: timedelta = timedelta(days=7)  # older due timers are recorded as skipped


def targets_for(
    session: Session, *, console_url: str, email_domain: str | None, templates: EmailTemplates
) -> Targets:
    """Where this batch's external actions may go (the endpoints registered now)."""
    endpoints = {name: row.kind for name, row in EndpointRepository(session).all().items()}
    survey = SurveyLinks(session, console_url)
    directory = load_directory(session)
    return Targets(endpoints, console_url, email_domain, templates, directory, survey)


class _Batch:
    """What the records of one claim need for their firings: what re-evaluating them read and
    wrote (``refreshed``), and the milestone rows of the due timers (``rows``, by id)."""

    def __init__(
        self,
        session: Session,
        refreshed: Refreshed,
        rows: Mapping[tuple[str, str, int], Mapping[str, Any]],
        targets: Targets,
    ) -> None:
        self.session = session
        self.targets = targets
        self.records = refreshed.records or {}
        accounts = dict(refreshed.accounts or {})
        missing = {r["account_id"] for r in self.records.values()} - accounts.keys() - {None}
        if missing:  # a record whose account its events changed
            accounts.update(AccountRepository(session).get_many(missing))
        self.account_facts = AccountFacts(accounts)
        self.rows = rows
        self.evaluator = RecordEvaluator(session)
        # customer milestones' actions and whom they reach (no timeline was re-read for them)
        self.customer = FiringContext(session, {record for record, _, _ in rows})
        self.calendars = CalendarCache(session)
        self.handoffs = SummaryRepository(session).texts(self.records)  # for the emails
        self.planned = Planned()
        self.firings: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        self.fired: list[Fired] = []

    def summary(self, record_id: str) -> dict[str, Any]:
        columns = self.records[record_id]
        return {
            **(columns.get("fields") or {}),
            **escalations.record_facts(columns),
            "id": record_id,
        }

    def account(self, record_id: str) -> dict[str, Any]:
        account_id = self.records[record_id]["account_id"]
        return self.account_facts(account_id)

    def process(self, record_id: str) -> Process | None:
        columns = self.records[record_id]
        return self.evaluator.process(columns["process_key"], columns["process_version"])

    def zone(self, calendar: str | None) -> tzinfo:
        found = self.calendars.get(calendar)
        return found.zone if found is not None else UTC

    def fire(
        self,
        firing: Firing,
        *,
        cycle: int,
        kind: str,
        sequence: int,
        actions: Sequence[ActionSpec],
        skipped: bool = False,
    ) -> None:
        trigger = firing.trigger
        planned = Planned() if skipped else plan(firing, actions, self.targets)
        row: dict[str, Any] = {
            "record_id": str(firing.record["id"]),
            "source": firing.source,
            "cycle": cycle,
            "kind": kind,
            "sequence": sequence,
            "trigger": trigger.kind.value,
            "due_at": trigger.due_at,
            "fired_at": trigger.fired_at,
            "late": trigger.late,
            "skipped": skipped,
            "notes": planned.notes,
        }
        self.firings.append((row, planned.deliveries))
        self.planned.events.extend(planned.events)
        self.fired.append(
            Fired(
                row["record_id"],
                firing.source,
                trigger.kind,
                trigger.due_at,
                trigger.fired_at,
                trigger.late,
                skipped,
                len(planned.deliveries),
                len(planned.events),
            )
        )

    def write(self, now: datetime) -> None:
        """Insert the ledger rows, then their deliveries (which refer to them), in two batches."""
        ids = FiringRepository(self.session).insert_many([row for row, _ in self.firings])
        if any(deliveries for _, deliveries in self.firings):
            announce(self.session)  # a worker that only sends learns of them at the commit
        DeliveryRepository(self.session).insert_many(
            [
                {
                    **values,
                    "firing_id": firing_id,
                    "record_id": row["record_id"],
                    "state": PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": None,
                    "last_code": None,
                    "created_at": now,
                    "updated_at": now,
                    "delivered_at": None,
                }
                for firing_id, (row, deliveries) in zip(ids, self.firings, strict=True)
                for values in deliveries
            ]
        )


def fire_due(
    session: Session,
    *,
    now: datetime,
    targets: Targets,
    options: FireOptions,
    only: Collection[str] | None = None,
) -> FireResult:
    """Claim and fire one batch (among the records ``only`` when given); the caller commits.
    Returns what was fired (or skipped). Records with a firing hold are left out until their
    retry (``firing_holds``); the records fired lose theirs."""
    record_ids = TimerRepository(session).claim_records(now, options.limit, only=only)
    if not record_ids:
        return FireResult(0, [])
    claimed = set(record_ids)
    firing_holds.cleared(session, claimed)
    timers, ledger = TimerRepository(session), FiringRepository(session)
    fired = ledger.fired(claimed)
    # Only rows with a due timer are read: a row's ``next_timer_at`` is its earliest unfired
    # timer, both as stored and as re-evaluation rewrites it. Due by the stored plan first,
    # then by the plan at ``now`` (with the rows read first: a repetition they had due may
    # have left the new plan, ``passed_repeats``); only those rows' next timers move.
    before = timers.timer_rows(claimed, due_by=now)
    stored = due_now(before, fired, now)
    with hooks_deferred(session):  # reconciled once, below, when the ledger is written
        refreshed = ingest.refresh(session, claimed, now=now, ledger=fired)
    rows = timers.timer_rows(claimed, due_by=now, also=[row["id"] for row in before])
    due = sorted(
        set(due_now(rows, fired, now)) | set(passed_repeats(rows, stored)),
        key=lambda t: (t.at, t.record_id, t.milestone, t.cycle, t.sequence),
    )
    batch = _Batch(session, refreshed, _due_rows(session, rows, due), targets)
    skipped = _caught_up(due) | {t for t in due if now - t.at > options.catch_up}
    for timer in due:
        _fire_timer(batch, timer, now, options, skip=timer in skipped)
    _fire_escalations(batch, claimed, now, options)
    batch.write(now)
    fired |= {t.ledger_key for t in due}
    if batch.planned.events:
        with hooks_deferred(session):
            ingest.ingest(
                session, batch.planned.events, principal=SYSTEM, provenance=WORKER, now=now
            )
        rows = timers.timer_rows(claimed)
    reconcile(session, claimed, rows=rows, fired=fired)
    escalations.schedule(session, claimed, now=now)
    return FireResult(len(record_ids), batch.fired)


def _due_rows(
    session: Session, rows: Sequence[Mapping[str, Any]], due: Sequence[DueTimer]
) -> dict[tuple[str, str, int], Mapping[str, Any]]:
    """The whole milestone rows of the due timers (what payloads and templates read), by
    (record, milestone, cycle), in one query."""
    wanted = {(t.record_id, t.milestone, t.cycle) for t in due}
    ids = [r["id"] for r in rows if (r["record_id"], r["key"], r["cycle"]) in wanted]
    found = MilestoneRepository(session).values_by_id(ids)
    return {(r["record_id"], r["key"], r["cycle"]): r for r in found.values()}


def _caught_up(due: Sequence[DueTimer]) -> set[DueTimer]:
    """Timers not worth firing after downtime: all but a cycle's last due violation, and a
    warning whose cycle's violation is due too, and all but the last due rung of a warning
    ladder."""
    by_cycle: dict[tuple[str, str, int], list[DueTimer]] = {}
    for timer in due:
        by_cycle.setdefault((timer.record_id, timer.milestone, timer.cycle), []).append(timer)
    skipped: set[DueTimer] = set()
    for timers in by_cycle.values():
        violations = [t for t in timers if t.kind is TimerKind.VIOLATION]
        skipped.update(violations[:-1])
        warnings = [t for t in timers if t.kind is TimerKind.WARNING]
        skipped.update(warnings if violations else warnings[:-1])
    return skipped


def _fire_timer(
    batch: _Batch, timer: DueTimer, now: datetime, options: FireOptions, *, skip: bool
) -> None:
    row = batch.rows.get((timer.record_id, timer.milestone, timer.cycle))
    if row is None:
        return
    customer = batch.customer.get(timer.record_id, timer.milestone)
    if customer is not None:
        plans, summary, account = customer.actions, customer.record, customer.account
    elif (process := batch.process(timer.record_id)) is not None:
        plans = process.definition(timer.milestone).actions
        summary, account = batch.summary(timer.record_id), batch.account(timer.record_id)
    else:
        return
    kind = _trigger_kind(timer)
    actions = {
        TimerKind.WARNING: _rung(plans.ladder(), timer.sequence),
        TimerKind.VIOLATION: plans.violation.do,
        TimerKind.SUCCESS: plans.success.do,
    }[timer.kind]
    key = trigger_key(timer.record_id, timer.milestone, timer.cycle, timer.kind, timer.sequence)
    trigger = Trigger(key, kind, timer.at, now, late=now - timer.at > options.late_after)
    firing = Firing(
        trigger,
        timer.milestone,
        summary,
        account,
        milestone_from_row(row),
        batch.zone(row["calendar"]),
        batch.handoffs.get(timer.record_id),
    )
    batch.fire(
        firing,
        cycle=timer.cycle,
        kind=timer.kind.value,
        sequence=timer.sequence,
        actions=actions,
        skipped=skip,
    )


def _rung(ladder: Sequence[WarningPlan], sequence: int) -> tuple[ActionSpec, ...]:
    """The actions of a warning ladder's rung (none for a rung the policy no longer has)."""
    return ladder[sequence].do if sequence < len(ladder) else ()


def _trigger_kind(timer: DueTimer) -> TriggerKind:
    if timer.kind is TimerKind.VIOLATION:
        return TriggerKind.REPEATED_VIOLATION if timer.sequence else TriggerKind.VIOLATION
    return TriggerKind(timer.kind.value)


def _fire_escalations(
    batch: _Batch, record_ids: set[str], now: datetime, options: FireOptions
) -> None:
    repo = EscalationRepository(batch.session)
    timers = repo.rule_timers(record_ids)
    rules: Mapping[str, EscalationRule] = {
        r.name: r for r in escalations.rules_in_force(batch.session)
    }
    fired: list[tuple[int, datetime, None]] = []
    done: list[int] = []
    answered = {r: t for r, t in repo.answer_timers(record_ids).items() if _due(t, now)}
    if answered:
        timelines = EventRepository(batch.session).timelines(answered)
        for record_id in sorted(answered):
            batch.planned.events.extend(answers.resume_events(record_id, timelines[record_id]))
            done.append(answered[record_id]["id"])
    for (record_id, name), timer in sorted(timers.items()):
        rule = rules.get(name)
        due_at = timer["due_at"]
        if rule is None or due_at is None or due_at > now:
            continue
        source = f"rule:{name}"
        sequence = int(timer["basis"].timestamp())
        key = trigger_key(record_id, source, 0, ESCALATION_KIND, sequence)
        trigger = Trigger(
            key,
            TriggerKind.ESCALATION,
            due_at,
            now,
            late=now - due_at > options.late_after,
            rule=name,
        )
        firing = Firing(
            trigger,
            source,
            batch.summary(record_id),
            batch.account(record_id),
            None,
            batch.zone(rule.calendar),
            batch.handoffs.get(record_id),
        )
        batch.fire(firing, cycle=0, kind=ESCALATION_KIND, sequence=sequence, actions=rule.do)
        fired.append((timer["id"], timer["basis"], None))
    repo.write([], fired, done)


def _due(timer: Mapping[str, Any], now: datetime) -> bool:
    due_at: datetime | None = timer["due_at"]
    return due_at is not None and due_at <= now


def milestone_from_row(row: Mapping[str, Any]) -> Milestone:
    """The milestone value of a materialized row's columns (what payloads and templates read)."""

    def span(seconds: float | None) -> timedelta | None:
        return None if seconds is None else timedelta(seconds=seconds)

    return Milestone(
        key=row["key"],
        name=row["name"],
        cycle=row["cycle"],
        state=MilestoneState(row["state"]),
        calendar=row["calendar"],
        started_at=row["started_at"],
        deadline=row["deadline"],
        warning_at=row["warning_at"],
        completed_at=row["completed_at"],
        target=span(row["target_seconds"]),
        elapsed=timedelta(seconds=row["elapsed_seconds"]),
        paused=timedelta(seconds=row["paused_seconds"]),
        remaining=span(row["remaining_seconds"]),
        late=row["late"],
        owner=row["owner"],
    )
