"""Customer milestones on accounts: create, date, complete, reopen, pin; phases and reminders.

A milestone is due on a date, or an offset from the account's start, or from another milestone
of the account (counted from that one's completion once done, from its due date until then:
completing a milestone moves the ones that count from it, and theirs in turn). A milestone may
wait for another (``starts_after``). Dates come from ``core.account_plans``; a milestone on a
calendar counts working days on it and may move a due date off a closed day.

Each change keeps three derived things right in the same transaction: the next reminder
(``next_reminder_at``, what the worker claims by), the account's lifecycle phases (each phase
milestone's ``phase_since``/``phase_until``) and its pinned renewal date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from caseclock.core.account_clock import parse_actions
from caseclock.core.account_plans import ReminderSpec, due_from, off_closed
from caseclock.core.day_offsets import parse_offset
from caseclock.core.milestone_status import phase_spans
from caseclock.core.reminders import next_reminder
from caseclock.core.validation import describe_validation_error
from caseclock.errors import NotFound, ValidationFailed
from caseclock.services import account_clock, audit
from caseclock.services.access import Principal
from caseclock.services.accounts import get_account
from caseclock.services.milestone_dates import Dates
from caseclock.store.models import AccountMilestoneRow, AccountRow
from caseclock.store.repositories.account_milestones import AccountMilestoneRepository
from caseclock.store.repositories.people import TeamRepository, UserRepository

START = "start"
RENEWAL_PIN = "renewal"  # a milestone pinned as the renewal keeps the account's renewal date


@dataclass(frozen=True, slots=True)
class MilestoneInput:
    """A milestone made by hand: ``due_on``, or ``offset`` from ``after`` (``start`` or the id
    of another milestone of the account)."""

    name: str
    due_on: date | None = None
    offset: str | None = None
    after: str | int | None = None
    starts_after: int | None = None
    starts_on: date | None = None  # an optional start (its clock on the engine runs from it)
    description: str | None = None
    owner: str | None = None
    reminders: dict[str, Any] = field(default_factory=dict)
    collaborators: tuple[str, ...] = ()
    auto_complete: bool = False
    pin: str | None = None
    calendar: str | None = None
    move_off_closed: bool = False
    every: str | None = None
    team: str | None = None  # default: the owner's first team (by name)
    actions: dict[str, Any] | None = None  # default: core.account_clock.DEFAULT_ACTIONS


def reminder_spec(document: dict[str, Any], path: str = "reminders") -> ReminderSpec:
    try:
        return ReminderSpec.model_validate(document)
    except ValidationError as exc:
        first = describe_validation_error(exc, path)[0]
        where, _, message = first.partition(": ")
        raise ValidationFailed(message or first, path=where or path) from None


def get_milestone(session: Session, milestone_id: int, principal: Principal) -> AccountMilestoneRow:
    """The milestone, or 404 when it does not exist or its account is outside the caller's."""
    row = AccountMilestoneRepository(session).get(milestone_id)
    if row is None or not principal.sees_account(row.account_id):
        raise NotFound(f"no milestone {milestone_id}")
    return row


def list_milestones(
    session: Session, account_id: str, principal: Principal
) -> Sequence[AccountMilestoneRow]:
    account = get_account(session, account_id, principal)
    return AccountMilestoneRepository(session).for_account(account.id)


def create_milestone(
    session: Session,
    account_id: str,
    data: MilestoneInput,
    principal: Principal,
    *,
    now: datetime,
) -> AccountMilestoneRow:
    """Make a milestone on an account; refuse (changing nothing) what cannot be dated."""
    account = get_account(session, account_id, principal)
    repo = AccountMilestoneRepository(session)
    dates = Dates(session)
    dates.check(data.calendar)
    spec = reminder_spec(data.reminders)
    _check_owner(session, data.owner)
    team = team_for(session, data.owner, data.team)
    if data.actions is not None:
        parse_actions(data.actions)
    for text, path in ((data.offset, "offset"), (data.every, "every")):
        if text is not None:
            _offset(text, path)
    anchor, after_row = _anchor(repo, account, data)
    starts_after = _sibling(repo, account, data.starts_after, "starts_after")
    row = AccountMilestoneRow(
        account_id=account.id,
        name=data.name,
        description=data.description,
        owner=data.owner,
        team=team,
        actions=data.actions,
        anchor=anchor,
        offset=data.offset,
        after_id=after_row.id if after_row is not None else None,
        starts_after_id=starts_after.id if starts_after is not None else None,
        calendar=data.calendar,
        move_off_closed=data.move_off_closed,
        every=data.every,
        occurrence=0,
        pin=data.pin,
        auto_complete=data.auto_complete,
        reminders=spec.model_dump(mode="json"),
        created_by=principal.actor,
        created_at=now,
        updated_at=now,
        last_moved_on=now.date(),
    )
    if data.due_on is not None:
        row.due_on, row.moved_from = off_closed(
            data.due_on, is_open=dates.open_day(data.calendar), move=data.move_off_closed
        )
    else:
        row.due_on, row.moved_from = counted_due(row, anchor_date(account, after_row), dates)
    if data.starts_on is not None and starts_after is not None:
        raise ValidationFailed(
            "give a start date, or the milestone it starts after, not both", path="starts_on"
        )
    if data.starts_on is not None and data.starts_on > row.due_on:
        raise ValidationFailed(
            f"it would start on {data.starts_on}, after its due date {row.due_on}",
            path="starts_on",
        )
    row.starts_on = data.starts_on if starts_after is None else anchor_date(account, starts_after)
    row.first_due_on = row.due_on if data.every is not None else None
    repo.add(row)
    refresh_derived(session, account, [row], dates=dates)
    account_clock.sync(session, {account.id}, now=now)
    audit.record(
        session,
        actor=principal.actor,
        kind=audit.Kind.MILESTONE,
        target=account.id,
        action="create",
        at=now,
        details={"id": row.id, "name": row.name, "due_on": row.due_on.isoformat()},
    )
    return row


def team_for(session: Session, owner: str | None, team: str | None) -> str | None:
    """The team a milestone goes to: the one named (it must exist), else its owner's first
    team by name, else none."""
    teams = TeamRepository(session)
    if team is not None:
        if teams.by_name(team) is None:
            raise ValidationFailed(f"no team named {team!r}", path="team")
        return team
    user = UserRepository(session).by_handle(owner) if owner is not None else None
    if user is None:
        return None
    found = teams.teams_of([user.id])
    return found[0][1].name if found else None


def _offset(text: str, path: str) -> None:
    try:
        parse_offset(text)
    except ValueError as exc:
        raise ValidationFailed(str(exc), path=path) from None


def _check_owner(session: Session, owner: str | None) -> None:
    if owner is not None and UserRepository(session).by_handle(owner) is None:
        raise ValidationFailed(f"no user with handle {owner!r}", path="owner")


def _anchor(
    repo: AccountMilestoneRepository, account: AccountRow, data: MilestoneInput
) -> tuple[str, AccountMilestoneRow | None]:
    if (data.due_on is None) == (data.offset is None):
        raise ValidationFailed("give a due date, or an offset (30d, 2mo, 10bd)", path="due_on")
    if data.due_on is not None:
        if data.after is not None:
            raise ValidationFailed("'after' goes with an offset, not a due date", path="after")
        return "date", None
    if data.after in (None, START):
        if account.start_date is None:
            raise ValidationFailed(
                f"account {account.id!r} has no start date to count from", path="after"
            )
        return START, None
    return "milestone", _sibling(repo, account, _milestone_id(data.after), "after")


def _milestone_id(value: str | int | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        raise ValidationFailed(
            "after is 'start' or the id of another milestone of the account", path="after"
        ) from None


def _sibling(
    repo: AccountMilestoneRepository, account: AccountRow, milestone_id: int | None, path: str
) -> AccountMilestoneRow | None:
    if milestone_id is None:
        return None
    row = repo.get(milestone_id)
    if row is None or row.account_id != account.id:
        raise ValidationFailed(f"no milestone {milestone_id} on account {account.id}", path=path)
    return row


def anchor_date(account: AccountRow, after: AccountMilestoneRow | None) -> date:
    """What a milestone counts from: the other one's completion day (its due date until it is
    done), else the account's start."""
    if after is None:
        if account.start_date is None:
            raise ValidationFailed(f"account {account.id!r} has no start date", path="after")
        return account.start_date
    return after.completed_at.date() if after.completed_at is not None else after.due_on


def counted_due(row: AccountMilestoneRow, anchor: date, dates: Dates) -> tuple[date, date | None]:
    return due_from(
        anchor,
        row.offset or "0d",
        is_open=dates.open_day(row.calendar),
        move_off_closed=row.move_off_closed,
    )


def refresh_derived(
    session: Session,
    account: AccountRow,
    changed: Sequence[AccountMilestoneRow],
    *,
    dates: Dates | None = None,
) -> None:
    """After ``changed`` moved or changed state: their reminders, the account's phases (when a
    lifecycle milestone is among them) and its pinned renewal date."""
    refresh_many(session, [account], changed, dates=dates)


def refresh_many(
    session: Session,
    accounts: Sequence[AccountRow],
    changed: Sequence[AccountMilestoneRow],
    *,
    dates: Dates | None = None,
) -> None:
    """``refresh_derived`` for milestones of several accounts, with one query per concern."""
    dates = dates or Dates(session)
    for row in changed:
        plan_reminder(row, dates)
    phased = {row.account_id for row in changed if row.phase is not None}
    if phased:
        refresh_phases(session, [a for a in accounts if a.id in phased])
    pinned = {row.account_id for row in changed if row.pin == RENEWAL_PIN}
    if pinned:
        _pin_renewal(session, [a for a in accounts if a.id in pinned])


def plan_reminder(row: AccountMilestoneRow, dates: Dates) -> None:
    """Point ``next_reminder_at`` at the first reminder after the last one sent (or after the
    milestone was made: a reminder whose day passed before is not sent late)."""
    if row.completed_at is not None or not row.reminders:
        row.next_reminder_at = None
        return
    spec = reminder_spec(row.reminders)
    if spec.is_empty():
        row.next_reminder_at = None
        return
    after = row.last_reminded_at or row.created_at
    found = next_reminder(
        spec,
        row.due_on,
        dates.zone_of(row),
        after=after,
        is_open=dates.open_day(row.calendar),
    )
    row.next_reminder_at = None if found is None else found.at.astimezone(UTC)


def derive_new(
    session: Session,
    accounts: Sequence[AccountRow],
    new: Sequence[AccountMilestoneRow],
    *,
    dates: Dates,
) -> None:
    """``refresh_many`` for milestones about to be written (ids reserved, not yet stored):
    their reminders, phases and pins are set before the insert, with the stored milestones of
    the same accounts read once."""
    for row in new:
        plan_reminder(row, dates)
    phased = {row.account_id for row in new if row.phase is not None}
    if phased:
        refresh_phases(session, [a for a in accounts if a.id in phased], new=new)
    pinned = {row.account_id for row in new if row.pin == RENEWAL_PIN}
    if pinned:
        _pin_renewal(session, [a for a in accounts if a.id in pinned], new=new)


def refresh_phases(
    session: Session, accounts: Sequence[AccountRow], *, new: Sequence[AccountMilestoneRow] = ()
) -> None:
    """Write each lifecycle milestone's phase span (``core.milestone_status.phase_spans``),
    ``new`` ones (not stored yet) included; milestones due the same day keep the order they
    were made in."""
    by_account: dict[str, list[AccountMilestoneRow]] = {}
    stored = AccountMilestoneRepository(session).lifecycle_for(a.id for a in accounts)
    for row in [*stored, *(r for r in new if r.phase is not None)]:
        by_account.setdefault(row.account_id, []).append(row)
    for account in accounts:
        rows = sorted(by_account.get(account.id, []), key=lambda r: (r.due_on, r.id))
        if not rows:
            continue
        start = account.start_date or rows[0].due_on
        spans = phase_spans(start, [(r.phase or "", r.due_on) for r in rows])
        for row, span in zip(rows, spans, strict=True):
            row.phase_since, row.phase_until = span.since, span.until
    session.flush()


def _pin_renewal(
    session: Session, accounts: Sequence[AccountRow], *, new: Sequence[AccountMilestoneRow] = ()
) -> None:
    """Each account's renewal date is its earliest open milestone pinned as the renewal
    (``new`` ones, not stored yet, included)."""
    earliest = AccountMilestoneRepository(session).earliest_open_pins(
        (a.id for a in accounts), RENEWAL_PIN
    )
    for row in new:
        if row.pin == RENEWAL_PIN and row.completed_at is None:
            known = earliest.get(row.account_id)
            earliest[row.account_id] = row.due_on if known is None else min(known, row.due_on)
    for account in accounts:
        if account.id in earliest:
            account.renewal_date = earliest[account.id]
    session.flush()
