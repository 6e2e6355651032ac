"""Applying a plan to an account: its milestones, tasks and reminders in one step.

A plan is one of the shipped ones (``core.plan_library``) named by key, or a plan document
given whole. Applying it dates every milestone from the start date (``core.account_plans``),
links each to the milestone it counts from or waits for (so completing one moves the next), and
gives each its tasks, due the given offset before the milestone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from caseclock.core.account_plans import (
    START,
    Dated,
    Plan,
    PlanMilestone,
    TaskSpec,
    parse_plan,
    schedule,
)
from caseclock.core.day_offsets import OpenDay, backwards, parse_offset, shift
from caseclock.core.plan_library import builtin_plans
from caseclock.errors import ValidationFailed
from caseclock.services import audit
from caseclock.services.access import Principal
from caseclock.services.account_milestones import Dates, derive_new
from caseclock.services.accounts import get_account
from caseclock.store.models import AccountMilestoneRow, AccountRow
from caseclock.store.repositories.account_milestones import AccountMilestoneRepository
from caseclock.store.repositories.people import UserRepository


def list_plans() -> list[Plan]:
    return sorted(builtin_plans().values(), key=lambda p: p.key)


def plan_named(key: str) -> Plan:
    plan = builtin_plans().get(key)
    if plan is None:
        known = ", ".join(sorted(builtin_plans()))
        raise ValidationFailed(f"no plan {key!r}; the plans are {known}", path="plan")
    return plan


def plan_of(plan: str | Mapping[str, Any]) -> Plan:
    """A shipped plan by key, or a plan document."""
    return plan_named(plan) if isinstance(plan, str) else parse_plan(plan)


@dataclass(frozen=True, slots=True)
class Applied:
    plan: Plan
    milestones: list[AccountMilestoneRow]


def apply_plan(
    session: Session,
    account_id: str,
    plan: Plan,
    principal: Principal,
    *,
    now: datetime,
    start: date | None = None,
    owner: str | None = None,
) -> Applied:
    """Make the plan's milestones on the account, dated from ``start`` (default: the account's
    start date, else today)."""
    account = get_account(session, account_id, principal)
    if owner is not None and UserRepository(session).by_handle(owner) is None:
        raise ValidationFailed(f"no user with handle {owner!r}", path="owner")
    dates = Dates(session)
    dates.check(plan.calendar)
    applied = apply_to_accounts(
        session,
        [account],
        plan,
        actor=principal.actor,
        now=now,
        start=start,
        owner=owner,
        dates=dates,
    )
    audit.record(
        session,
        actor=principal.actor,
        kind=audit.Kind.MILESTONE,
        target=account.id,
        action="apply_plan",
        at=now,
        details={"plan": plan.key, "milestones": len(applied)},
    )
    return Applied(plan, applied)


def apply_to_accounts(
    session: Session,
    accounts: Sequence[AccountRow],
    plan: Plan,
    *,
    actor: str,
    now: datetime,
    start: date | None = None,
    owner: str | None = None,
    dates: Dates | None = None,
) -> list[AccountMilestoneRow]:
    """The plan on each account, written in a few statements whatever the number of accounts
    (demo loading and the benchmark apply it to many at once): ids are reserved first so the
    milestones can name the ones they count from, their reminders, phases and pins are worked
    out before they are written, then milestones and tasks go in one statement each."""
    dates = dates or Dates(session)
    is_open = dates.open_day(plan.calendar)
    repo = AccountMilestoneRepository(session)
    ids = iter(repo.reserve_ids(len(accounts) * len(plan.milestones)))
    made: list[AccountMilestoneRow] = []
    tasks: list[dict[str, Any]] = []
    for account in accounts:
        dated = schedule(plan, start or account.start_date or now.date(), is_open=is_open)
        rows = {}
        for m in plan.milestones:
            rows[m.key] = _row(account, plan, m, dated[m.key], actor=actor, owner=owner, now=now)
            rows[m.key].id = next(ids)
        for m in plan.milestones:
            row = rows[m.key]
            anchor = m.anchor()
            row.after_id = rows[anchor].id if anchor != START else None
            row.starts_after_id = rows[m.starts_after].id if m.starts_after else None
            tasks.extend(_task(row, task, is_open, actor=actor, now=now) for task in m.tasks)
        made.extend(rows.values())
    derive_new(session, accounts, made, dates=dates)
    repo.insert_new([_values(row) for row in made], tasks)
    return list(repo.by_ids(row.id for row in made))


def _task(
    row: AccountMilestoneRow, task: TaskSpec, is_open: OpenDay, *, actor: str, now: datetime
) -> dict[str, Any]:
    due = None
    if task.due_before is not None:
        due = shift(row.due_on, backwards(parse_offset(task.due_before)), is_open)
    return {
        "milestone_id": row.id,
        "kind": "task",
        "title": task.title,
        "assignee": task.assignee or row.owner,
        "due_on": due,
        "required": task.required,
        "done_at": None,
        "done_by": None,
        "created_by": actor,
        "created_at": now,
        "updated_at": now,
    }


_COLUMNS = [c.key for c in cast(Table, AccountMilestoneRow.__table__).columns]


def _values(row: AccountMilestoneRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _COLUMNS}


def _row(
    account: AccountRow,
    plan: Plan,
    m: PlanMilestone,
    dated: Dated,
    *,
    actor: str,
    owner: str | None,
    now: datetime,
) -> AccountMilestoneRow:
    return AccountMilestoneRow(
        account_id=account.id,
        name=m.name,
        description=m.description,
        owner=m.owner or owner,
        plan_key=plan.key,
        key=m.key,
        anchor="date"
        if m.due.on is not None
        else ("start" if m.anchor() == START else "milestone"),
        offset=m.due.offset,
        calendar=plan.calendar,
        move_off_closed=m.move_off_closed,
        every=m.every,
        first_due_on=dated.due if m.every else None,
        occurrence=0,
        phase=m.phase,
        pin=m.pin,
        auto_complete=m.auto_complete,
        reminders=m.reminders.model_dump(mode="json"),
        starts_on=dated.starts,
        due_on=dated.due,
        moved_from=dated.moved_from,
        created_by=actor,
        created_at=now,
        updated_at=now,
        last_moved_on=now.date(),
    )
