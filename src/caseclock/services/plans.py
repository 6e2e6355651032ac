"""Plans: listing, storing and deleting them, and applying one to accounts in one step.

A plan is one of the shipped ones (``core.plan_library``) or one the installation stored
(``create_plan``, leads and admins), named by key, or a plan document given whole. Applying it
dates every milestone from the start date (``core.account_plans``), links each to the milestone
it counts from or waits for (so completing one moves the next), gives each its tasks, due the
given offset before the milestone, and puts the milestones on the engine
(``services.account_clock``).
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
from caseclock.errors import Conflict, NotFound, ValidationFailed
from caseclock.services import account_clock, audit
from caseclock.services.access import Principal, Role
from caseclock.services.account_milestones import derive_new, team_for
from caseclock.services.accounts import get_account
from caseclock.services.milestone_dates import Dates
from caseclock.store.models import AccountMilestoneRow, AccountRow, PlanRow
from caseclock.store.repositories.account_milestones import (
    AccountMilestoneRepository,
    PlanRepository,
)
from caseclock.store.repositories.people import TeamRepository, UserRepository


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """A plan an account can be given: a shipped one, or one the installation stored."""

    plan: Plan
    shipped: bool
    created_by: str | None = None
    created_at: datetime | None = None


def list_plans(session: Session) -> list[PlanEntry]:
    """The shipped plans and the stored ones, by key."""
    stored = [
        PlanEntry(parse_plan(row.document), False, row.created_by, row.created_at)
        for row in PlanRepository(session).all()
    ]
    shipped = [PlanEntry(plan, True) for plan in builtin_plans().values()]
    return sorted([*shipped, *stored], key=lambda entry: entry.plan.key)


def plan_entry(session: Session, key: str) -> PlanEntry:
    """A shipped or stored plan with where it comes from; 404 when there is none."""
    if key in builtin_plans():
        return PlanEntry(builtin_plans()[key], True)
    row = PlanRepository(session).get(key)
    if row is None:
        raise NotFound(f"no plan {key!r}")
    return PlanEntry(parse_plan(row.document), False, row.created_by, row.created_at)


def plan_named(session: Session, key: str) -> Plan:
    """A shipped or stored plan by key; a 422 naming the plans there are otherwise."""
    if key in builtin_plans():
        return builtin_plans()[key]
    row = PlanRepository(session).get(key)
    if row is None:
        known = ", ".join(entry.plan.key for entry in list_plans(session))
        raise ValidationFailed(f"no plan {key!r}; the plans are {known}", path="plan")
    return parse_plan(row.document)


def plan_of(session: Session, plan: str | Mapping[str, Any]) -> Plan:
    """A plan by key, or a plan document given whole."""
    return plan_named(session, plan) if isinstance(plan, str) else parse_plan(plan)


def create_plan(
    session: Session, document: str | Mapping[str, Any], principal: Principal, *, now: datetime
) -> Plan:
    """Store a plan (YAML or JSON text, or a parsed document) under its key. Refused whole,
    naming the path, when it is not a valid plan, names a calendar, owner or team there is
    not, or takes the key of a shipped or stored plan."""
    principal.require(Role.LEAD)
    plan = parse_plan(document)
    dates = Dates(session)
    dates.check(plan.calendar)
    for index, m in enumerate(plan.milestones):
        where = f"milestones[{index}]"
        if m.owner is not None and UserRepository(session).by_handle(m.owner) is None:
            raise ValidationFailed(f"no user with handle {m.owner!r}", path=f"{where}.owner")
        if m.team is not None and TeamRepository(session).by_name(m.team) is None:
            raise ValidationFailed(f"no team named {m.team!r}", path=f"{where}.team")
    repository = PlanRepository(session)
    if plan.key in builtin_plans() or repository.get(plan.key) is not None:
        raise Conflict(f"a plan {plan.key!r} exists already; choose another key", path="key")
    repository.add(
        PlanRow(
            key=plan.key,
            name=plan.name,
            document=plan.model_dump(mode="json", exclude_none=True),
            created_by=principal.actor,
            created_at=now,
            updated_at=now,
        )
    )
    audit.record(
        session,
        actor=principal.actor,
        kind=audit.Kind.PLAN,
        target=plan.key,
        action="create",
        at=now,
        details={"name": plan.name, "milestones": len(plan.milestones)},
    )
    return plan


def delete_plan(session: Session, key: str, principal: Principal, *, now: datetime) -> None:
    """Delete a stored plan (milestones made from it stay); shipped plans cannot be."""
    principal.require(Role.LEAD)
    if key in builtin_plans():
        raise Conflict(f"{key!r} is a shipped plan; it cannot be deleted", path="key")
    repository = PlanRepository(session)
    row = repository.get(key)
    if row is None:
        raise NotFound(f"no stored plan {key!r}")
    repository.delete(row)
    audit.record(
        session,
        actor=principal.actor,
        kind=audit.Kind.PLAN,
        target=key,
        action="delete",
        at=now,
        details={"name": row.name},
    )


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
    owners = {m.owner or owner for m in plan.milestones} - {None}
    teams = {o: team_for(session, o, None) for o in owners if o is not None}
    ids = iter(repo.reserve_ids(len(accounts) * len(plan.milestones)))
    made: list[AccountMilestoneRow] = []
    tasks: list[dict[str, Any]] = []
    for account in accounts:
        dated = schedule(plan, start or account.start_date or now.date(), is_open=is_open)
        rows = {}
        for m in plan.milestones:
            rows[m.key] = _row(account, plan, m, dated[m.key], actor=actor, owner=owner, now=now)
            rows[m.key].id = next(ids)
            rows[m.key].team = m.team or teams.get(rows[m.key].owner or "")
        for m in plan.milestones:
            row = rows[m.key]
            anchor = m.anchor()
            row.after_id = rows[anchor].id if anchor != START else None
            row.starts_after_id = rows[m.starts_after].id if m.starts_after else None
            tasks.extend(_task(row, task, is_open, actor=actor, now=now) for task in m.tasks)
        made.extend(rows.values())
    derive_new(session, accounts, made, dates=dates)
    repo.insert_new([_values(row) for row in made], tasks)
    account_clock.add_new(session, made, now=now)
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
        actions=None if m.actions is None else m.actions.model_dump(mode="json"),
        starts_on=dated.starts,
        due_on=dated.due,
        moved_from=dated.moved_from,
        created_by=actor,
        created_at=now,
        updated_at=now,
        last_moved_on=now.date(),
    )
