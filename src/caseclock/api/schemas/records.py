"""Records, events and milestones on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, JsonValue

from caseclock.api.schemas.common import Strict
from caseclock.core.events import ID_LENGTH
from caseclock.store.limits import RECORD_COLUMNS as COLUMN


class RecordIn(Strict):
    id: str = Field(
        min_length=1,
        max_length=ID_LENGTH,
        examples=["C-1042"],
        description="letters, digits and - . _ ~ : @ ! $ & ' ( ) * + , ; = (one URL segment)",
    )
    # The lengths of the record's columns (store.limits): longer text is refused here.
    type: str = Field(default="case", max_length=COLUMN["type"])
    status: str | None = Field(default="New", max_length=COLUMN["status"])
    priority: str | None = Field(default=None, max_length=COLUMN["priority"])
    account: str | None = Field(default=None, max_length=COLUMN["account"])
    owner: str | None = Field(default=None, max_length=COLUMN["owner"])
    team: str | None = Field(default=None, max_length=COLUMN["team"])
    tier: str | None = Field(default=None, max_length=COLUMN["tier"])
    region: str | None = Field(default=None, max_length=COLUMN["region"])
    product: str | None = Field(default=None, max_length=COLUMN["product"])
    fields: dict[str, JsonValue] = Field(default_factory=dict, description="custom fields")
    process: str | None = Field(
        default=None, description="a process key; default: the account's entitlement or the rules"
    )
    at: AwareDatetime | None = Field(default=None, description="when it was created; default now")
    event_id: str | None = Field(
        default=None,
        max_length=ID_LENGTH,
        description="default: '<id>:created' ('created' when that is over 200 characters)",
    )


class ProcessRef(BaseModel):
    key: str
    version: int


class RecordSummary(BaseModel):
    id: str
    type: str
    status: str | None
    priority: str | None
    owner: str | None
    team: str | None
    account: str | None
    tier: str | None
    region: str | None
    product: str | None
    fields: dict[str, Any]
    closed: bool
    process: ProcessRef | None
    entitlement_id: int | None
    created_at: datetime
    updated_at: datetime


class EventOut(BaseModel):
    id: str
    record: str
    type: str
    at: datetime
    received_at: datetime
    data: dict[str, Any]
    source: str = Field(
        description="where it came from: api, console, worker (caseclock's own actions), "
        "import, webhook:VENDOR or demo"
    )
    actor: str | None = Field(
        description="who sent it: a user's handle, service:NAME for a service account's key, "
        "or null (caseclock's worker, the demo, a webhook naming nobody)"
    )


class TaskOut(BaseModel):
    id: int
    title: str
    assignee: str | None
    due_at: datetime | None
    status: str
    created_at: datetime


class NoteOut(BaseModel):
    id: int
    kind: str
    author: str | None
    body: str
    created_at: datetime


class RecordDetail(RecordSummary):
    milestones: list[dict[str, Any]] = Field(description="evaluated now, as `simulate --json`")
    last_events: list[EventOut]
    tasks: list[TaskOut]
    notes: list[NoteOut]


class RecordMilestones(BaseModel):
    record: str
    process: str | None
    version: int | None
    at: datetime
    milestones: list[dict[str, Any]]
    timers: list[dict[str, Any]]


class EventResultOut(BaseModel):
    index: int
    id: str | None
    record: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(
        default_factory=list, description="kept, but flagged: e.g. a status its process lacks"
    )


class IngestOut(BaseModel):
    accepted: int
    duplicate: int
    rejected: int
    results: list[EventResultOut]
