"""Customer milestones on the SLA engine: their milestone rows, timers and actions.

Each account with customer milestones has one record on the engine (``customer-milestones:ID``,
of type ``customer-milestones``: no events, no process); each of its customer milestones is a
materialized milestone row of that record (key ``customer-<id>``), on calendar time, with the
timers ``core.account_clock`` plans. From there the engine treats them as any milestone: the
worker claims their timers and fires their warning, violation and success actions through the
firing ledger and the outbox (``services.firing``), the at-risk board lists them (and filters
to them), and the compliance reports count them.

``sync`` writes an account's rows whenever one of its milestones is made, dated, completed or
reopened (the services that change them call it); ``refresh`` is the engine's re-evaluation of
those records (``services.ingest.refresh`` hands them over), so the worker re-reads them at
``now`` before firing, as it does any record. ``FiringContext`` tells the firing what a customer
milestone's actions are and who its owner, team and collaborators are.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.account_clock import (
    RECORD_PREFIX,
    RECORD_TYPE,
    CustomerMilestone,
    account_of,
    clock,
    day_start,
    is_customer_record,
    key_of,
    parse_actions,
    record_id_of,
)
from caseclock.core.actions import Actions
from caseclock.core.record_fields import RecordFields
from caseclock.services.evaluation import account_facts, wanted_rows
from caseclock.services.milestone_dates import Dates
from caseclock.services.timers import WAKE_HORIZON
from caseclock.services.wakeup import announce
from caseclock.store.models import AccountMilestoneRow, AccountRow
from caseclock.store.repositories.account_milestones import AccountMilestoneRepository
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.milestones import MilestoneRepository, Wanted
from caseclock.store.repositories.records import RecordRepository
from caseclock.store.repositories.timers import FiringRepository, TimerId

_DEFAULT = parse_actions(None)  # most milestones: parsed once, not per row

__all__ = [
    "FiringContext",
    "actions_of",
    "add_new",
    "customer_records",
    "is_customer_record",
    "refresh",
    "sync",
    "sync_all",
]


def customer_records(record_ids: Iterable[str]) -> set[str]:
    """Those of ``record_ids`` that hold customer milestones."""
    return {r for r in record_ids if is_customer_record(r)}


def refresh(session: Session, record_ids: Collection[str], *, now: datetime) -> None:
    """Re-evaluate customer records at ``now`` (the engine's refresh of them)."""
    sync(session, {account_of(r) for r in record_ids}, now=now)


def sync(session: Session, account_ids: Collection[str], *, now: datetime) -> None:
    """Make the accounts' engine rows match their customer milestones at ``now``: one record
    per account with milestones, one row per milestone, each row's next timer past the ones
    already fired; wake the workers when a timer is due soon."""
    if not account_ids:
        return
    milestones = AccountMilestoneRepository(session).for_accounts(account_ids)
    accounts = AccountRepository(session).get_many({m.account_id for m in milestones})
    record_ids = {record_id_of(a) for a in accounts}
    _ensure_records(session, accounts.values(), now=now)
    fired = FiringRepository(session).fired(record_ids)
    present = [m for m in milestones if m.account_id in accounts]
    wanted = _wanted(session, present, now=now, fired=fired)
    repository = MilestoneRepository(session)
    stale = {record_id_of(a) for a in account_ids} - record_ids  # accounts with none left
    if record_ids and not repository.existing_digests(record_ids):
        written = repository.insert_new(wanted)
    else:
        written = repository.replace(record_ids, wanted)
    if stale:
        repository.replace(stale, [])
    _wake_if_soon(session, written, now=now)


def _wanted(
    session: Session,
    milestones: Sequence[AccountMilestoneRow],
    *,
    now: datetime,
    fired: Collection[TimerId],
) -> list[Wanted]:
    """The engine rows of ``milestones`` at ``now``, each past the timers already fired."""
    dates = Dates(session)
    by_id = {m.id: m for m in milestones}
    wanted = []
    for row in milestones:
        value = clock(
            _customer(row, by_id, dates), actions_of(row), now, dates.open_day(row.calendar)
        )
        fields = RecordFields(
            type=RECORD_TYPE, owner=row.owner, team=row.team, account=row.account_id
        )
        wanted.extend(
            wanted_rows(record_id_of(row.account_id), fields, [value], now=now, fired=fired)
        )
    return wanted


def _wake_if_soon(session: Session, written: Iterable[Mapping[str, Any]], *, now: datetime) -> None:
    soon = now + WAKE_HORIZON
    if any(r["next_timer_at"] is not None and r["next_timer_at"] <= soon for r in written):
        announce(session)


def add_new(session: Session, milestones: Sequence[AccountMilestoneRow], *, now: datetime) -> None:
    """Put milestones just made on the engine (a plan applied to many accounts at once): their
    rows are new, so nothing stored is read back or compared, and they go in one ``COPY``.
    A milestone waits only for one among ``milestones`` (a plan's own dependencies)."""
    if not milestones:
        return
    accounts = AccountRepository(session).get_many({m.account_id for m in milestones})
    _ensure_records(session, accounts.values(), now=now)
    wanted = _wanted(session, milestones, now=now, fired=set())
    written = MilestoneRepository(session).insert_new(wanted)
    _wake_if_soon(session, written, now=now)


def actions_of(row: AccountMilestoneRow) -> Actions:
    """The milestone's warning / violation / success actions (the default ones when unset)."""
    return _DEFAULT if row.actions is None else parse_actions(row.actions)


def _customer(
    row: AccountMilestoneRow, by_id: Mapping[int, AccountMilestoneRow], dates: Dates
) -> CustomerMilestone:
    zone = dates.zone_of(row)
    waited = by_id.get(row.starts_after_id) if row.starts_after_id is not None else None
    started = day_start(row.starts_on, zone) if row.starts_on is not None else row.created_at
    return CustomerMilestone(
        key=key_of(row.id),
        name=row.name,
        cycle=row.occurrence,
        due_on=row.due_on,
        zone=zone,
        started_at=started,
        owner=row.owner,
        calendar=row.calendar,
        completed_at=row.completed_at,
        waiting=waited is not None and waited.completed_at is None,
    )


def _ensure_records(session: Session, accounts: Iterable[AccountRow], *, now: datetime) -> None:
    """The customer record of each account, made the first time it has a milestone."""
    wanted = {record_id_of(a.id): a for a in accounts}
    repository = RecordRepository(session)
    missing = wanted.keys() - repository.columns(wanted).keys()
    repository.insert_new(
        [
            {
                "id": record_id,
                "type": RECORD_TYPE,
                "status": None,
                "priority": None,
                "owner": None,
                "team": None,
                "account_id": wanted[record_id].id,
                "tier": wanted[record_id].tier,
                "region": None,
                "product": None,
                "fields": {},
                "is_closed": False,
                "process_key": None,
                "process_version": None,
                "entitlement_id": None,
                "created_at": now,
                "updated_at": now,
                "received_at": now,
                "event_count": 0,
            }
            for record_id in sorted(missing)
        ]
    )


@dataclass(frozen=True, slots=True)
class CustomerFiring:
    """What one customer milestone's firing needs: its actions, and the record summary its
    actions read (owner, team and collaborators are the milestone's)."""

    actions: Actions
    record: dict[str, Any]
    account: dict[str, Any]  # the account's facts, as a case's actions read them


class FiringContext:
    """The customer milestones of a batch of claimed records, loaded once (nothing is read
    when the batch holds no customer record)."""

    def __init__(self, session: Session, record_ids: Iterable[str]) -> None:
        accounts = {account_of(r) for r in customer_records(record_ids)}
        repository = AccountMilestoneRepository(session)
        rows = repository.for_accounts(accounts) if accounts else []
        self._accounts = AccountRepository(session).get_many(accounts) if accounts else {}
        self._collaborators = repository.collaborator_handles(r.id for r in rows) if rows else {}
        self._rows = {(record_id_of(r.account_id), key_of(r.id)): r for r in rows}

    def get(self, record_id: str, key: str) -> CustomerFiring | None:
        row = self._rows.get((record_id, key))
        if row is None:
            return None
        account = self._accounts.get(row.account_id)
        name = account.name if account is not None else row.account_id
        record = {
            "id": record_id,
            "type": "account",
            "account": row.account_id,
            "tier": account.tier if account is not None else None,
            "owner": row.owner,
            "team": row.team,
            "collaborators": self._collaborators.get(row.id, []),
            "subject": f"{row.name} for {name}",
            "label": f"account {name}",
            "due_on": row.due_on.isoformat(),
        }
        # "collaborators" are the milestone's, whatever the account's fields say
        facts = {**(account_facts(account) or {}), "collaborators": record["collaborators"]}
        return CustomerFiring(actions_of(row), record, facts)


def sync_all(
    session: Session, *, now: datetime, missing_only: bool = False, batch: int = 1000
) -> int:
    """``sync`` every account that has customer milestones (``missing_only``: those not on
    the engine yet, as after an upgrade); returns how many."""
    repository = AccountMilestoneRepository(session)
    accounts = (
        repository.accounts_without_record(RECORD_PREFIX)
        if missing_only
        else repository.accounts_with_milestones()
    )
    for start in range(0, len(accounts), batch):
        sync(session, accounts[start : start + batch], now=now)
    return len(accounts)
