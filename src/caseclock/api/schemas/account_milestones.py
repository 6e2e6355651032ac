"""Customer milestones, their tasks, notes, collaborators and plans on the wire."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from caseclock.api.schemas.common import Line, Strict
from caseclock.store.limits import column_length
from caseclock.store.models import AccountMilestoneRow, AccountTaskRow, UserRow

NAME = column_length(AccountMilestoneRow.name)
HANDLE = column_length(UserRow.handle)
TITLE = column_length(AccountTaskRow.title)
OFFSET = column_length(AccountMilestoneRow.offset)
PIN = column_length(AccountMilestoneRow.pin)
CALENDAR = column_length(AccountMilestoneRow.calendar)


class ReminderIn(Strict):
    before: list[Line] = Field(default_factory=list, max_length=12, examples=[["2mo", "1w"]])
    repeat: Line | None = Field(default=None, max_length=OFFSET, examples=["1w"])
    to: list[Line] = Field(
        default_factory=lambda: ["owner", "collaborators"], max_length=20, min_length=1
    )
    chat: Line | None = Field(default=None, max_length=100)


class MilestoneIn(Strict):
    name: Line = Field(min_length=1, max_length=NAME, examples=["Product Onsite Delivery"])
    description: str | None = Field(default=None, max_length=5000)
    owner: Line | None = Field(default=None, max_length=HANDLE)
    due_on: date | None = Field(default=None, description="an absolute due date")
    offset: Line | None = Field(
        default=None, max_length=OFFSET, description="30d, 2w, 3mo, 1y or 10bd (working days)"
    )
    after: Line | int | None = Field(
        default=None, description="'start' (default) or the id of another milestone"
    )
    starts_after: int | None = Field(default=None, description="the milestone this waits for")
    starts_on: date | None = Field(
        default=None, description="an optional start date (not with starts_after)"
    )
    reminders: ReminderIn | None = None
    collaborators: list[Line] = Field(default_factory=list, max_length=50)
    auto_complete: bool = False
    pin: Line | None = Field(default=None, max_length=PIN, examples=["renewal", "go-live"])
    calendar: Line | None = Field(default=None, max_length=CALENDAR)
    move_off_closed: bool = False
    every: Line | None = Field(default=None, max_length=OFFSET, examples=["1y"])
    team: Line | None = Field(
        default=None, max_length=NAME, description="its team (default: the owner's first team)"
    )
    actions: dict[str, Any] | None = Field(
        default=None,
        description=(
            "warning / violation / success actions on the engine (email, chat, webhook); "
            "default: a warning 14 days before the due date and an email to the owner once "
            "it is overdue"
        ),
        examples=[{"warning": {"before": "1w"}, "violation": {"do": [{"type": "email"}]}}],
    )


class TaskIn(Strict):
    title: Line = Field(min_length=1, max_length=TITLE)
    assignee: Line | None = Field(default=None, max_length=HANDLE)
    due_on: date | None = None
    required: bool = True
    kind: Line = Field(default="task", description="'task' or 'event'", max_length=10)


class TaskPatch(Strict):
    assignee: Line | None = Field(max_length=HANDLE)


class NoteIn(Strict):
    body: str = Field(min_length=1, max_length=10_000)


class CollaboratorIn(Strict):
    user: Line = Field(min_length=1, max_length=HANDLE, description="the user's handle")


class PlanApply(Strict):
    plan: Line | dict[str, Any] = Field(
        description="a shipped or stored plan's key (GET /plans), or a plan document"
    )
    start: date | None = Field(default=None, description="default: the account's start date")
    owner: Line | None = Field(default=None, max_length=HANDLE)


class TaskOut(BaseModel):
    id: int
    milestone: int
    kind: str
    title: str
    assignee: str | None
    due_on: date | None
    required: bool
    done: bool
    done_at: datetime | None
    done_by: str | None


class NoteOut(BaseModel):
    id: int
    author: str
    body: str
    created_at: datetime


class MilestoneOut(BaseModel):
    id: int
    account: str
    name: str
    description: str | None
    owner: str | None
    plan: str | None
    key: str | None
    due_on: date
    moved_from: date | None = Field(description="the due date before it left a closed day")
    starts_on: date | None
    after: int | None
    starts_after: int | None
    offset: str | None
    phase: str | None
    pin: str | None
    every: str | None
    auto_complete: bool
    reminders: dict[str, Any]
    next_reminder_at: datetime | None
    done: bool
    completed_at: datetime | None
    completed_by: str | None
    team: str | None = Field(description="where 'team' reminders and board rows go")
    actions: dict[str, Any] = Field(description="its warning / violation / success actions")
    engine_record: str = Field(description="the record it runs on (GET /milestones?record=…)")
    engine_key: str = Field(description="its milestone key on the engine (firings, the board)")
    status: str = Field(description="on track, due soon, overdue, done or stuck")
    progress: float | None = Field(description="share of required tasks done")
    tasks: list[TaskOut]
    notes: list[NoteOut]
    collaborators: list[str]


class MilestoneList(BaseModel):
    items: list[MilestoneOut]


class PlanMilestoneOut(BaseModel):
    key: str
    name: str
    due: dict[str, Any]
    starts_after: str | None
    tasks: int


class PlanOut(BaseModel):
    key: str
    name: str
    description: str | None
    shipped: bool = Field(description="shipped with caseclock (not stored, not deletable)")
    created_by: str | None = None
    created_at: datetime | None = None
    milestones: list[PlanMilestoneOut]
    document: dict[str, Any] = Field(description="the plan document")


class PlanList(BaseModel):
    items: list[PlanOut]


class PlanApplied(BaseModel):
    plan: str
    milestones: list[MilestoneOut]
