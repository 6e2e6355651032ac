"""Customer milestones on accounts: ``/plans``, ``/accounts/{id}/milestones``,
``/account-milestones/{id}`` (complete, reopen, tasks, notes, collaborators) and
``/account-tasks/{id}``.

Agents make and change milestones; a collaborator of a milestone (any role) works on its tasks
and notes. "Today", for statuses, is the UTC date of the request.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, status

from caseclock.api.deps import Agent, CurrentAccount, DbSession, Lead, Now, Viewer
from caseclock.api.schemas.account_milestones import (
    CollaboratorIn,
    MilestoneIn,
    MilestoneList,
    MilestoneOut,
    NoteIn,
    NoteOut,
    PlanApplied,
    PlanApply,
    PlanList,
    PlanMilestoneOut,
    PlanOut,
    TaskIn,
    TaskOut,
    TaskPatch,
)
from caseclock.api.schemas.common import INT_MAX, PROBLEM_RESPONSES
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.core.account_clock import key_of, record_id_of
from caseclock.services import account_clock, account_milestones, milestone_work, plans
from caseclock.services.milestone_work import MilestoneView
from caseclock.store.models import AccountTaskRow, MilestoneNoteRow

router = APIRouter(
    tags=["customer milestones"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute
)

MilestoneId = Annotated[int, Path(ge=1, le=INT_MAX, description="the milestone's id")]
TaskId = Annotated[int, Path(ge=1, le=INT_MAX, description="the task's id")]
Handle = Annotated[str, Path(max_length=100, description="the collaborator's handle")]
PlanKey = Annotated[str, Path(max_length=64, description="the plan's key")]


def task_out(row: AccountTaskRow) -> TaskOut:
    return TaskOut(
        id=row.id,
        milestone=row.milestone_id,
        kind=row.kind,
        title=row.title,
        assignee=row.assignee,
        due_on=row.due_on,
        required=row.required,
        done=row.done_at is not None,
        done_at=row.done_at,
        done_by=row.done_by,
    )


def note_out(row: MilestoneNoteRow) -> NoteOut:
    return NoteOut(id=row.id, author=row.author, body=row.body, created_at=row.created_at)


def milestone_out(view: MilestoneView) -> MilestoneOut:
    row = view.row
    return MilestoneOut(
        id=row.id,
        account=row.account_id,
        name=row.name,
        description=row.description,
        owner=row.owner,
        plan=row.plan_key,
        key=row.key,
        due_on=row.due_on,
        moved_from=row.moved_from,
        starts_on=row.starts_on,
        after=row.after_id,
        starts_after=row.starts_after_id,
        offset=row.offset,
        phase=row.phase,
        pin=row.pin,
        every=row.every,
        auto_complete=row.auto_complete,
        reminders=row.reminders or {},
        next_reminder_at=row.next_reminder_at,
        done=row.completed_at is not None,
        completed_at=row.completed_at,
        completed_by=row.completed_by,
        team=row.team,
        actions=account_clock.actions_of(row).model_dump(mode="json", exclude_defaults=True),
        engine_record=record_id_of(row.account_id),
        engine_key=key_of(row.id),
        status=view.status.value,
        progress=view.progress,
        tasks=[task_out(t) for t in view.tasks],
        notes=[note_out(n) for n in view.notes],
        collaborators=[u.handle for u in view.collaborators],
    )


def plan_out(entry: plans.PlanEntry) -> PlanOut:
    p = entry.plan
    return PlanOut(
        key=p.key,
        name=p.name,
        description=p.description,
        shipped=entry.shipped,
        created_by=entry.created_by,
        created_at=entry.created_at,
        milestones=[
            PlanMilestoneOut(
                key=m.key,
                name=m.name,
                due=m.due.model_dump(mode="json", exclude_none=True),
                starts_after=m.starts_after,
                tasks=len(m.tasks),
            )
            for m in p.milestones
        ],
        document=p.model_dump(mode="json", exclude_none=True),
    )


@router.get("/plans", summary="The plans milestones can be made from: shipped and stored")
def list_plans(session: DbSession, principal: Viewer) -> PlanList:
    del principal  # any key may read the plans
    return PlanList(items=[plan_out(entry) for entry in plans.list_plans(session)])


@router.get("/plans/{key}", summary="One plan")
def get_plan(key: PlanKey, session: DbSession, principal: Viewer) -> PlanOut:
    del principal
    return plan_out(plans.plan_entry(session, key))


@router.post(
    "/plans",
    status_code=status.HTTP_201_CREATED,
    summary="Store a plan (the body is the plan document); leads and admins",
    description=(
        "The body is a plan document: `key`, `name`, `calendar`, `milestones` (each with "
        "`key`, `name`, `due`, `starts_after`, `phase`, `every`, `pin`, `owner`, `team`, "
        "`auto_complete`, `move_off_closed`, `tasks`, `reminders`, `actions`). A document that "
        "is not valid is refused whole with a 422 naming the path of the first problem."
    ),
)
def create_plan(
    document: Annotated[dict[str, Any], Body()], session: DbSession, now: Now, principal: Lead
) -> PlanOut:
    plan = plans.create_plan(session, document, principal, now=now)
    return plan_out(plans.plan_entry(session, plan.key))


@router.delete(
    "/plans/{key}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a stored plan (milestones made from it stay)",
)
def delete_plan(key: PlanKey, session: DbSession, now: Now, principal: Lead) -> None:
    plans.delete_plan(session, key, principal, now=now)


@router.post(
    "/accounts/{account_id}/plans",
    status_code=status.HTTP_201_CREATED,
    summary="Apply a plan: its milestones, tasks and reminders, dated from a start",
)
def apply_plan(
    account: CurrentAccount, body: PlanApply, session: DbSession, now: Now, principal: Agent
) -> PlanApplied:
    applied = plans.apply_plan(
        session,
        account.id,
        plans.plan_of(session, body.plan),
        principal,
        now=now,
        start=body.start,
        owner=body.owner,
    )
    views = milestone_work.views(session, applied.milestones, today=now.date())
    return PlanApplied(plan=applied.plan.key, milestones=[milestone_out(v) for v in views])


@router.get("/accounts/{account_id}/milestones", summary="An account's customer milestones")
def list_milestones(
    account: CurrentAccount, session: DbSession, now: Now, principal: Viewer
) -> MilestoneList:
    views = milestone_work.account_milestones(session, account.id, principal, today=now.date())
    return MilestoneList(items=[milestone_out(v) for v in views])


@router.post(
    "/accounts/{account_id}/milestones",
    status_code=status.HTTP_201_CREATED,
    summary="Add a milestone by hand (a due date, or an offset from the start or a milestone)",
)
def create_milestone(
    account: CurrentAccount, body: MilestoneIn, session: DbSession, now: Now, principal: Agent
) -> MilestoneOut:
    data = body.model_dump(exclude={"collaborators", "reminders"})
    reminders = body.reminders.model_dump() if body.reminders is not None else {}
    row = account_milestones.create_milestone(
        session,
        account.id,
        account_milestones.MilestoneInput(**data, reminders=reminders),
        principal,
        now=now,
    )
    for handle in body.collaborators:
        milestone_work.add_collaborator(session, row.id, handle, principal, now=now)
    return _one(session, row.id, principal, now)


def _one(session: DbSession, milestone_id: int, principal: Viewer, now: Now) -> MilestoneOut:
    return milestone_out(
        milestone_work.milestone_view(session, milestone_id, principal, today=now.date())
    )


@router.get("/account-milestones/{milestone_id}", summary="One customer milestone")
def get_milestone(
    milestone_id: MilestoneId, session: DbSession, now: Now, principal: Viewer
) -> MilestoneOut:
    return _one(session, milestone_id, principal, now)


@router.post("/account-milestones/{milestone_id}/complete", summary="Mark a milestone done")
def complete_milestone(
    milestone_id: MilestoneId, session: DbSession, now: Now, principal: Viewer
) -> MilestoneOut:
    milestone_work.complete(session, milestone_id, principal, now=now)
    return _one(session, milestone_id, principal, now)


@router.post("/account-milestones/{milestone_id}/reopen", summary="Reopen a done milestone")
def reopen_milestone(
    milestone_id: MilestoneId, session: DbSession, now: Now, principal: Viewer
) -> MilestoneOut:
    milestone_work.reopen(session, milestone_id, principal, now=now)
    return _one(session, milestone_id, principal, now)


@router.post(
    "/account-milestones/{milestone_id}/tasks",
    status_code=status.HTTP_201_CREATED,
    summary="Add a task (or a dated event) under a milestone",
)
def add_task(
    milestone_id: MilestoneId, body: TaskIn, session: DbSession, now: Now, principal: Viewer
) -> TaskOut:
    row = milestone_work.add_task(
        session, milestone_id, milestone_work.TaskInput(**body.model_dump()), principal, now=now
    )
    return task_out(row)


@router.post("/account-tasks/{task_id}/complete", summary="Mark a task done")
def complete_task(task_id: TaskId, session: DbSession, now: Now, principal: Viewer) -> TaskOut:
    return task_out(milestone_work.set_task_done(session, task_id, True, principal, now=now))


@router.post("/account-tasks/{task_id}/reopen", summary="Reopen a done task")
def reopen_task(task_id: TaskId, session: DbSession, now: Now, principal: Viewer) -> TaskOut:
    return task_out(milestone_work.set_task_done(session, task_id, False, principal, now=now))


@router.patch("/account-tasks/{task_id}", summary="Reassign a task")
def reassign_task(
    task_id: TaskId, body: TaskPatch, session: DbSession, now: Now, principal: Viewer
) -> TaskOut:
    row = milestone_work.reassign_task(session, task_id, body.assignee, principal, now=now)
    return task_out(row)


@router.post(
    "/account-milestones/{milestone_id}/notes",
    status_code=status.HTTP_201_CREATED,
    summary="Add a note under a milestone",
)
def add_note(
    milestone_id: MilestoneId, body: NoteIn, session: DbSession, now: Now, principal: Viewer
) -> NoteOut:
    return note_out(milestone_work.add_note(session, milestone_id, body.body, principal, now=now))


@router.post(
    "/account-milestones/{milestone_id}/collaborators",
    status_code=status.HTTP_201_CREATED,
    summary="Add a collaborator: they see the account while they collaborate",
)
def add_collaborator(
    milestone_id: MilestoneId,
    body: CollaboratorIn,
    session: DbSession,
    now: Now,
    principal: Agent,
) -> MilestoneOut:
    milestone_work.add_collaborator(session, milestone_id, body.user, principal, now=now)
    return _one(session, milestone_id, principal, now)


@router.delete(
    "/account-milestones/{milestone_id}/collaborators/{handle}",
    summary="Remove a collaborator: their access ends at their next request",
)
def remove_collaborator(
    milestone_id: MilestoneId, handle: Handle, session: DbSession, now: Now, principal: Agent
) -> MilestoneOut:
    milestone_work.remove_collaborator(session, milestone_id, handle, principal, now=now)
    return _one(session, milestone_id, principal, now)
