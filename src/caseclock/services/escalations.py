"""Escalation rules in force, and when each falls due on each open record.

``store_rules`` keeps the rules a bundle leaves in force (the newest set is in force; which
rules a bundle replaces, adds and leaves is ``core.policy_scope``'s). ``schedule`` computes,
per open record and rule whose criteria hold, ``due_at = basis + after`` on the rule's
calendar. The basis is the record's creation, or its last activity: its latest event not
written by caseclock's own actions (source ``worker``, whatever its id), so an escalation's
own reassignment does not re-arm it. The row keeps its basis, so a rule that fired (``due_at``
null) fires again only after new activity. Closed records and rules that no longer apply lose
their rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.account_clock import is_customer_record
from caseclock.core.calendar import BusinessCalendar
from caseclock.core.escalation import EscalationRule, escalation_due
from caseclock.core.provenance import Source
from caseclock.services.calendars import CalendarCache
from caseclock.services.evaluation import AccountFacts
from caseclock.store.models import AccountRow, EscalationRuleSetRow, EscalationTimerKind
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.escalations import EscalationRepository
from caseclock.store.repositories.records import RecordRepository, StoredEvent

RECORD_COLUMNS = ("type", "status", "priority", "owner", "team", "tier", "region", "product")
RESCHEDULE_BATCH = 500


def record_facts(columns: Mapping[str, Any]) -> dict[str, Any]:
    """A record row's columns and custom fields, as conditions read them."""
    facts: dict[str, Any] = dict(columns.get("fields") or {})
    facts.update({name: columns.get(name) for name in RECORD_COLUMNS})
    facts["account"] = columns.get("account_id")
    facts["id"] = columns.get("id")
    return facts


def rules_in_force(session: Session) -> tuple[EscalationRule, ...]:
    row = EscalationRepository(session).latest_rules()
    if row is None:
        return ()
    return tuple(EscalationRule.model_validate(doc) for doc in row.document)


def store_rules(session: Session, rules: Iterable[EscalationRule], *, now: datetime) -> bool:
    """Put ``rules`` in force (and reschedule the open records); True when the set changed."""
    document = [rule.model_dump(mode="json", exclude_none=True) for rule in rules]
    repo = EscalationRepository(session)
    current = repo.latest_rules()
    if current is not None and current.document == document:
        return False
    repo.add_rules(EscalationRuleSetRow(document=document, created_at=now))
    reschedule_all(session, now=now)
    return True


def reschedule_all(session: Session, *, now: datetime) -> None:
    """Recompute every open record's escalation timers (after the rules changed)."""
    repo = EscalationRepository(session)
    after: str | None = None
    while ids := repo.open_record_ids(after, RESCHEDULE_BATCH):
        schedule(session, set(ids), now=now)
        after = ids[-1]


def _accounts_of(
    session: Session, records: Iterable[Mapping[str, Any]], known: Mapping[str, AccountRow]
) -> dict[str, AccountRow]:
    """The records' accounts: those in ``known``, the others read."""
    wanted = {r["account_id"] for r in records if r["account_id"] is not None}
    found = {a: known[a] for a in wanted if a in known}
    found.update(AccountRepository(session).get_many(wanted - found.keys()))
    return found


def last_activity(timelines: Mapping[str, Sequence[StoredEvent]]) -> dict[str, datetime]:
    """Per record, the instant of its latest event not written by caseclock's own actions."""
    found: dict[str, datetime] = {}
    for record_id, timeline in timelines.items():
        instants = [e.occurred_at for e in timeline if e.source != Source.WORKER]
        if instants:
            found[record_id] = max(instants)
    return found


def _activity_of(
    repo: EscalationRepository,
    record_ids: set[str],
    timelines: Mapping[str, Sequence[StoredEvent]] | None,
) -> Mapping[str, datetime]:
    if timelines is None:
        return repo.last_activity(record_ids, Source.WORKER)
    return last_activity(timelines)


def basis_of(
    rule: EscalationRule, columns: Mapping[str, Any], activity: Mapping[str, datetime]
) -> datetime:
    """Creation, or the last event not written by caseclock's own actions."""
    created: datetime = columns["created_at"]
    if rule.since == "created":
        return created
    return activity.get(columns["id"], created)


def schedule(
    session: Session,
    record_ids: set[str],
    *,
    now: datetime,
    rules: Sequence[EscalationRule] | None = None,
    records: Mapping[str, Mapping[str, Any]] | None = None,
    accounts: Mapping[str, AccountRow] | None = None,
    timelines: Mapping[str, Sequence[StoredEvent]] | None = None,
) -> datetime | None:
    """Bring the records' escalation timers up to date; return the earliest new due instant.

    ``records`` (their columns as stored), ``accounts`` and ``timelines`` (every event of
    each record) spare reading what the caller has.
    """
    rules = rules_in_force(session) if rules is None else rules
    repo = EscalationRepository(session)
    existing = dict(repo.rule_timers(record_ids))
    if not rules and not existing:
        return None
    if records is None:
        records = RecordRepository(session).columns(record_ids)
    accounts = _accounts_of(session, records.values(), accounts or {})
    calendars = CalendarCache(session)
    activity = _activity_of(repo, record_ids, timelines) if rules else {}
    inserts: list[dict[str, Any]] = []
    updates: list[tuple[int, datetime, datetime | None]] = []
    sooner: datetime | None = None
    account_facts_of = AccountFacts(accounts)
    for record_id, columns in records.items():
        facts = record_facts(columns)
        account = account_facts_of(columns["account_id"])
        for rule in rules:
            found = existing.pop((record_id, rule.name), None)
            zone = _zone_of(calendars.get(rule.calendar))
            if (
                columns["is_closed"]
                or is_customer_record(record_id)  # customer milestones: no case to escalate
                or not rule.applies(facts, account, now, zone)
            ):
                if found is not None:
                    existing[(record_id, rule.name)] = found  # deleted below
                continue
            basis = basis_of(rule, columns, activity)
            if found is not None and found["basis"] == basis:
                continue
            calendar = calendars.get(rule.calendar)
            if calendar is None:
                continue
            due = escalation_due(rule, basis, calendar)
            sooner = due if sooner is None else min(sooner, due)
            if found is None:
                inserts.append(
                    {
                        "record_id": record_id,
                        "kind": EscalationTimerKind.RULE.value,
                        "rule": rule.name,
                        "basis": basis,
                        "due_at": due,
                    }
                )
            else:
                updates.append((found["id"], basis, due))
    repo.write(inserts, updates, [row["id"] for row in existing.values()])
    return sooner


def _zone_of(calendar: BusinessCalendar | None) -> tzinfo:
    """The zone a rule reads date-only fields in: its calendar's."""
    return UTC if calendar is None else calendar.zone
