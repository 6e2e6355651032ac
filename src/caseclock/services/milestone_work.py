"""Work under a customer milestone: completing and reopening it, its tasks, notes and
collaborators.

Who may do what: agents (and above) on every account they see; a collaborator of a milestone
(whatever their role) may add tasks and notes to it and complete, reopen and reassign its tasks.

A milestone that completes on its tasks (``auto_complete``) completes when its last required
task is done and reopens when one is reopened. Completing a milestone dates the ones counting
from it from its completion day, and a recurring one (``every``) makes its next occurrence.

Adding a collaborator grants them the account (``services.access`` reads the grant at every
request); removing them takes it back at their next request. Both are in the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from caseclock.core.account_plans import occurrence
from caseclock.core.milestone_status import Status, TaskState, completes_on_tasks, progress, status
from caseclock.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caseclock.services import account_clock, audit
from caseclock.services.access import Principal, Role
from caseclock.services.account_milestones import (
    anchor_date,
    counted_due,
    get_milestone,
    refresh_derived,
)
from caseclock.services.accounts import get_account
from caseclock.services.milestone_dates import Dates
from caseclock.store.models import (
    AccountMilestoneRow,
    AccountRow,
    AccountTaskRow,
    MilestoneCollaboratorRow,
    MilestoneNoteRow,
    UserRow,
)
from caseclock.store.repositories.account_milestones import AccountMilestoneRepository
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.people import UserRepository

ON_TASKS = "caseclock (required tasks done)"


def may_work_on(session: Session, row: AccountMilestoneRow, principal: Principal) -> None:
    """Agents and collaborators of the milestone may work on it; others get 403."""
    if principal.at_least(Role.AGENT):
        return
    repo = AccountMilestoneRepository(session)
    if principal.user_id is not None and repo.collaborator(row.id, principal.user_id):
        return
    raise Forbidden("this needs the agent role, or to collaborate on the milestone")


def _account(session: Session, row: AccountMilestoneRow) -> AccountRow:
    account = AccountRepository(session).get(row.account_id)
    if account is None:  # the foreign key holds it; a concurrent delete is a plain 404
        raise NotFound(f"no account {row.account_id!r}")
    return account


# -- completion ------------------------------------------------------------------------------


def complete(
    session: Session,
    milestone_id: int,
    principal: Principal,
    *,
    now: datetime,
    by: str | None = None,
) -> AccountMilestoneRow:
    row = get_milestone(session, milestone_id, principal)
    may_work_on(session, row, principal)
    if row.completed_at is not None:
        raise Conflict(f"milestone {row.id} is already done", path="milestone")
    _complete(session, row, by or principal.actor, now=now)
    return row


def _complete(session: Session, row: AccountMilestoneRow, by: str, *, now: datetime) -> None:
    account = _account(session, row)
    row.completed_at, row.completed_by, row.updated_at = now, by, now
    dates = Dates(session)
    moved = [row, *_reschedule_dependents(session, account, row, dates)]
    if row.every is not None:
        moved.append(_next_occurrence(session, row, row.every, now=now))
    refresh_derived(session, account, moved, dates=dates)
    account_clock.sync(session, {account.id}, now=now)
    _audit(session, row, actor=by, action="complete", now=now)


def reopen(
    session: Session, milestone_id: int, principal: Principal, *, now: datetime
) -> AccountMilestoneRow:
    row = get_milestone(session, milestone_id, principal)
    may_work_on(session, row, principal)
    if row.completed_at is None:
        raise Conflict(f"milestone {row.id} is not done", path="milestone")
    _reopen(session, row, principal.actor, now=now)
    return row


def _reopen(session: Session, row: AccountMilestoneRow, by: str, *, now: datetime) -> None:
    account = _account(session, row)
    row.completed_at, row.completed_by, row.updated_at = None, None, now
    dates = Dates(session)
    refresh_derived(
        session, account, [row, *_reschedule_dependents(session, account, row, dates)], dates=dates
    )
    account_clock.sync(session, {account.id}, now=now)
    _audit(session, row, actor=by, action="reopen", now=now)


def _reschedule_dependents(
    session: Session, account: AccountRow, row: AccountMilestoneRow, dates: Dates
) -> list[AccountMilestoneRow]:
    """Date again every open milestone counting from (or waiting for) ``row``, and theirs."""
    moved = []
    for dependent in AccountMilestoneRepository(session).dependents(row.id):
        if dependent.after_id == row.id and dependent.offset is not None:
            dependent.due_on, dependent.moved_from = counted_due(
                dependent, anchor_date(account, row), dates
            )
        if dependent.starts_after_id == row.id:
            dependent.starts_on = anchor_date(account, row)
        moved.append(dependent)
        moved.extend(_reschedule_dependents(session, account, dependent, dates))
    return moved


def _next_occurrence(
    session: Session, row: AccountMilestoneRow, every: str, *, now: datetime
) -> AccountMilestoneRow:
    first = row.first_due_on or row.due_on
    following = AccountMilestoneRow(
        **{
            column: getattr(row, column)
            for column in (
                "account_id",
                "name",
                "description",
                "owner",
                "team",
                "actions",
                "plan_key",
                "key",
                "calendar",
                "move_off_closed",
                "every",
                "first_due_on",
                "phase",
                "pin",
                "auto_complete",
                "reminders",
                "created_by",
            )
        },
        anchor="date",
        occurrence=row.occurrence + 1,
        due_on=occurrence(first, every, row.occurrence + 1),
        created_at=now,
        updated_at=now,
        last_moved_on=now.date(),
    )
    AccountMilestoneRepository(session).add(following)
    return following


def _audit(
    session: Session,
    row: AccountMilestoneRow,
    *,
    actor: str,
    action: str,
    now: datetime,
    user: UserRow | None = None,
) -> None:
    """A milestone change (target: the account), or a grant or revocation of the account to a
    collaborator (target: the user)."""
    audit.record(
        session,
        actor=actor,
        kind=audit.Kind.MILESTONE if user is None else audit.Kind.COLLABORATOR,
        target=row.account_id if user is None else user.handle,
        action=action,
        at=now,
        details={"account": row.account_id, "milestone": row.id, "name": row.name},
    )


# -- tasks and notes -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskInput:
    title: str
    assignee: str | None = None
    due_on: date | None = None
    required: bool = True
    kind: str = "task"


def add_task(
    session: Session, milestone_id: int, data: TaskInput, principal: Principal, *, now: datetime
) -> AccountTaskRow:
    row = get_milestone(session, milestone_id, principal)
    may_work_on(session, row, principal)
    if data.kind not in ("task", "event"):
        raise ValidationFailed("kind is 'task' or 'event'", path="kind")
    _known_user(session, data.assignee, "assignee")
    task = AccountMilestoneRepository(session).add_task(
        AccountTaskRow(
            milestone_id=row.id,
            kind=data.kind,
            title=data.title,
            assignee=data.assignee,
            due_on=data.due_on,
            required=data.required,
            created_by=principal.actor,
            created_at=now,
            updated_at=now,
        )
    )
    _moved(session, row, principal.actor, now=now)
    return task


def _known_user(session: Session, handle: str | None, path: str) -> None:
    if handle is not None and UserRepository(session).by_handle(handle) is None:
        raise ValidationFailed(f"no user with handle {handle!r}", path=path)


def _task(
    session: Session, task_id: int, principal: Principal
) -> tuple[AccountTaskRow, AccountMilestoneRow]:
    task = AccountMilestoneRepository(session).get_task(task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    try:
        row = get_milestone(session, task.milestone_id, principal)
    except NotFound:
        raise NotFound(f"no task {task_id}") from None
    may_work_on(session, row, principal)
    return task, row


def set_task_done(
    session: Session, task_id: int, done: bool, principal: Principal, *, now: datetime
) -> AccountTaskRow:
    """Complete (or reopen) a task; a milestone completing on its tasks follows."""
    task, row = _task(session, task_id, principal)
    task.done_at, task.done_by = (now, principal.actor) if done else (None, None)
    task.updated_at = now
    _moved(session, row, principal.actor, now=now)
    return task


def reassign_task(
    session: Session, task_id: int, assignee: str | None, principal: Principal, *, now: datetime
) -> AccountTaskRow:
    task, row = _task(session, task_id, principal)
    _known_user(session, assignee, "assignee")
    task.assignee, task.updated_at = assignee, now
    _moved(session, row, principal.actor, now=now)
    return task


def _moved(session: Session, row: AccountMilestoneRow, actor: str, *, now: datetime) -> None:
    """A task moved: the milestone is not stuck today, and one completing on its tasks follows
    them."""
    session.flush()
    row.last_moved_on, row.updated_at = now.date(), now
    if not row.auto_complete:
        return
    tasks = task_states(AccountMilestoneRepository(session).tasks_for([row.id]).get(row.id, []))
    if row.completed_at is None and completes_on_tasks(tasks):
        _complete(session, row, ON_TASKS, now=now)
    elif (
        row.completed_at is not None
        and row.completed_by == ON_TASKS
        and not completes_on_tasks(tasks)
    ):
        _reopen(session, row, actor, now=now)


def task_states(tasks: Sequence[AccountTaskRow]) -> list[TaskState]:
    return [
        TaskState(required=t.required, done=t.done_at is not None)
        for t in tasks
        if t.kind == "task"
    ]


def add_note(
    session: Session, milestone_id: int, body: str, principal: Principal, *, now: datetime
) -> MilestoneNoteRow:
    row = get_milestone(session, milestone_id, principal)
    may_work_on(session, row, principal)
    if not body.strip():
        raise ValidationFailed("a note needs some text", path="body")
    return AccountMilestoneRepository(session).add_note(
        MilestoneNoteRow(milestone_id=row.id, author=principal.actor, body=body, created_at=now)
    )


# -- collaborators ---------------------------------------------------------------------------


def add_collaborator(
    session: Session, milestone_id: int, handle: str, principal: Principal, *, now: datetime
) -> UserRow:
    """Add a user; they see the account from their next request on."""
    row = get_milestone(session, milestone_id, principal)
    principal.require(Role.AGENT)
    user = UserRepository(session).by_handle(handle)
    if user is None:
        raise ValidationFailed(f"no user with handle {handle!r}", path="user")
    repo = AccountMilestoneRepository(session)
    if repo.collaborator(row.id, user.id) is not None:
        raise Conflict(f"{handle} already collaborates on milestone {row.id}", path="user")
    repo.add_collaborator(
        MilestoneCollaboratorRow(
            milestone_id=row.id, user_id=user.id, added_by=principal.actor, added_at=now
        )
    )
    _audit(session, row, actor=principal.actor, action="grant", now=now, user=user)
    return user


def remove_collaborator(
    session: Session, milestone_id: int, handle: str, principal: Principal, *, now: datetime
) -> None:
    """Remove a user; the account is theirs no more at their next request (unless their own
    scope or another milestone of it still gives it)."""
    row = get_milestone(session, milestone_id, principal)
    principal.require(Role.AGENT)
    user = UserRepository(session).by_handle(handle)
    repo = AccountMilestoneRepository(session)
    found = repo.collaborator(row.id, user.id) if user is not None else None
    if user is None or found is None:
        raise NotFound(f"{handle} does not collaborate on milestone {row.id}")
    repo.remove_collaborator(found)
    _audit(session, row, actor=principal.actor, action="revoke", now=now, user=user)


# -- how milestones stand --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MilestoneView:
    row: AccountMilestoneRow
    tasks: list[AccountTaskRow]
    notes: list[MilestoneNoteRow]
    collaborators: list[UserRow]
    status: Status
    progress: float | None


def account_milestones(
    session: Session, account_id: str, principal: Principal, *, today: date
) -> list[MilestoneView]:
    """Every milestone of the account with its tasks, notes, collaborators and status."""
    account = get_account(session, account_id, principal)
    return views(session, AccountMilestoneRepository(session).for_account(account.id), today=today)


def milestone_view(
    session: Session, milestone_id: int, principal: Principal, *, today: date
) -> MilestoneView:
    return views(session, [get_milestone(session, milestone_id, principal)], today=today)[0]


def views(
    session: Session, rows: Sequence[AccountMilestoneRow], *, today: date
) -> list[MilestoneView]:
    """``rows`` with their tasks, notes, collaborators, status and progress (four queries)."""
    repo = AccountMilestoneRepository(session)
    ids = [r.id for r in rows]
    tasks, notes = repo.tasks_for(ids), repo.notes_for(ids)
    collaborators = repo.collaborators_for(ids)
    found = []
    for row in rows:
        states = task_states(tasks.get(row.id, []))
        found.append(
            MilestoneView(
                row=row,
                tasks=tasks.get(row.id, []),
                notes=notes.get(row.id, []),
                collaborators=[user for _, user in collaborators.get(row.id, [])],
                status=status(
                    due=row.due_on,
                    today=today,
                    done=row.completed_at is not None,
                    tasks=states,
                    last_moved=row.last_moved_on,
                ),
                progress=progress(states),
            )
        )
    return found
