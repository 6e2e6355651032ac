"""The demo's customer milestones: every account on the lifecycle plan, two of them new
customers (one in introduction, one in adoption), a three-phase implementation under way with
some tasks done and collaborators from the APAC team, and a renewal inside its reminder window.

Loaded through the same services the API and the console use, once: an account that already
has milestones is left alone, so loading the demo twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from caseclock.services import milestone_work, plans
from caseclock.services.access import Principal
from caseclock.services.account_milestones import list_milestones
from caseclock.services.accounts import update_account
from caseclock.store.models import AccountMilestoneRow, AccountRow

NEW_CUSTOMERS = (10, 50)  # days since the start of the two newest customers
OWNER = "eli"  # the account manager (Americas)
COLLABORATORS = ("chen", "goran")  # the delivery team, in APAC: they see the account through it


def load_customer_milestones(
    session: Session, accounts: Sequence[AccountRow], principal: Principal, *, now: datetime
) -> int:
    """Give the demo accounts their milestones; returns how many were made."""
    fresh = [
        a
        for a in sorted(accounts, key=lambda a: a.id)
        if not list_milestones(session, a.id, principal)
    ]
    if len(fresh) < len(NEW_CUSTOMERS) + 2:
        return 0
    today = now.date()
    for account, days in zip(fresh, NEW_CUSTOMERS, strict=False):
        update_account(
            session,
            account.id,
            {"start_date": today - timedelta(days=days)},
            principal,
            now=now,
        )
    made = 0
    lifecycle = plans.plan_named(session, "lifecycle")
    for account in fresh:
        applied = plans.apply_plan(session, account.id, lifecycle, principal, now=now, owner=OWNER)
        made += len(applied.milestones) + _close_past(session, account, principal, now=now)
    made += _implementation(session, fresh[len(NEW_CUSTOMERS)], principal, now=now)
    made += _renewal(session, fresh[len(NEW_CUSTOMERS) + 1], principal, now=now)
    return made


def _close_past(
    session: Session, account: AccountRow, principal: Principal, *, now: datetime
) -> int:
    """Mark each lifecycle phase and quarterly review whose day has passed done on its day, on
    time (a renewal phase done makes next year's); returns how many milestones that made."""
    made = 0
    while past := [
        row
        for row in list_milestones(session, account.id, principal)
        if (row.phase is not None or (row.key or "").startswith("qbr"))
        and row.completed_at is None
        and row.due_on < now.date()
    ]:
        for row in past:
            done_at = datetime.combine(row.due_on, time(12), tzinfo=UTC)
            milestone_work.complete(session, row.id, principal, now=done_at, by=OWNER)
            made += 1 if row.every is not None else 0
    return made


def _implementation(
    session: Session, account: AccountRow, principal: Principal, *, now: datetime
) -> int:
    """Started 40 days ago: delivery done (both tasks), setup half done with the APAC delivery
    team collaborating, training to come."""
    applied = plans.apply_plan(
        session,
        account.id,
        plans.plan_named(session, "implementation"),
        principal,
        now=now,
        start=now.date() - timedelta(days=40),
        owner=OWNER,
    )
    by_key = {row.key: row for row in applied.milestones}
    tasks = milestone_work.views(session, applied.milestones, today=now.date())
    for view in tasks:
        wanted = {"delivery": 2, "setup": 1}.get(view.row.key or "", 0)
        for task in view.tasks[:wanted]:
            milestone_work.set_task_done(session, task.id, True, principal, now=now)
    for handle in COLLABORATORS:
        milestone_work.add_collaborator(session, by_key["setup"].id, handle, principal, now=now)
    return len(applied.milestones)


def _renewal(session: Session, account: AccountRow, principal: Principal, *, now: datetime) -> int:
    """The renewal falls 40 days from now: its two-month reminder has gone, the one-month
    one is days away."""
    start = _year_before(now.date() + timedelta(days=40))
    applied = plans.apply_plan(
        session,
        account.id,
        plans.plan_named(session, "renewal"),
        principal,
        now=now,
        start=start,
        owner=OWNER,
    )
    renewal: AccountMilestoneRow = next(r for r in applied.milestones if r.key == "renewal")
    milestone_work.add_collaborator(session, renewal.id, "priya", principal, now=now)
    return len(applied.milestones) + _close_past(session, account, principal, now=now)


def _year_before(day: date) -> date:
    return day.replace(year=day.year - 1, day=min(day.day, 28))
