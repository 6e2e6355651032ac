"""The event envelope: one append-only fact about one record.

The same envelope is read from ``--events`` JSON lines by ``caseclock simulate`` and accepted
by ``POST /api/v1/events``. ``at`` is when it happened (``occurred_at``); the evaluator places
each event at that instant, whatever order events arrive in.

Types and their ``data``:

============ =================================================================================
created      the record's initial fields: ``type`` (case, work_order, account, ...), ``status``,
             ``priority``, ``tier``, ``account``, ``owner``, ``team``, ``region``, ``product``,
             plus any custom field (``start_date``, ``renewal_date`` for account records)
status       ``{"status": "Investigating"}``
comment      ``{"public": true, "author_role": "agent"|"customer"|"system", "author", "body"}``
owner        ``{"owner": "ana", "team": "L2"}`` (either; null clears); ``note``: a warm handoff
field        ``{"field": "l2_escalated", "value": true}`` (null clears the field)
priority     ``{"priority": "P1"}``
override     ``{"milestone": "resolution", "extend": "4h" | "shorten": "1h" | "pause_until": ISO
             | "pause": true | "resume": true, "by": "lee", "reason": "..."}``
closed       ``{}`` or ``{"status": "Closed"}``
reopened     ``{}`` or ``{"status": "InProgress"}``
note         ``{"body": ..., "author": ...}``  an internal note; no effect on any clock by itself
task         ``{"title": ..., "assignee": ..., "due": ISO}``  a task created on the record
csat         ``{"score": 4, "scale": 5, "milestone": "resolution", "cycle": 1, "comment": ...}``
             the customer's satisfaction, 1 to ``scale`` (default 5), rating the record or one
             of its milestones; no effect on any clock
============ =================================================================================
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from caseclock.core.durations import parse_duration
from caseclock.core.json_numbers import first_non_finite


class EventType(StrEnum):
    CREATED = "created"
    STATUS = "status"
    COMMENT = "comment"
    OWNER = "owner"
    FIELD = "field"
    PRIORITY = "priority"
    OVERRIDE = "override"
    CLOSED = "closed"
    REOPENED = "reopened"
    NOTE = "note"
    TASK = "task"
    CSAT = "csat"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CreatedData(BaseModel):
    """Initial fields; unknown keys are the record's custom fields."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: str = "case"


class StatusData(_Data):
    status: str = Field(min_length=1)


class CommentData(_Data):
    public: StrictBool  # true or false: "internal" or "yes" is refused, not read as one
    author_role: Literal["agent", "customer", "system"]
    author: str | None = None
    body: str | None = None


class OwnerData(_Data):
    owner: str | None = None
    team: str | None = None
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _needs_owner_or_team(cls, value: Any) -> Any:
        if isinstance(value, dict) and "owner" not in value and "team" not in value:
            raise ValueError("an owner event needs 'owner' or 'team' (null clears it)")
        return value


class FieldData(_Data):
    field: str = Field(min_length=1)
    value: JsonValue = None


class PriorityData(_Data):
    priority: str = Field(min_length=1)


class OverrideData(_Data):
    milestone: str = Field(min_length=1)
    extend: str | None = None
    shorten: str | None = None
    pause_until: AwareDatetime | None = None
    pause: bool | None = None
    resume: bool | None = None
    by: str = Field(min_length=1)
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _exactly_one_change(self) -> OverrideData:
        given = [
            k for k in ("extend", "shorten", "pause_until", "pause", "resume") if getattr(self, k)
        ]
        if len(given) != 1:
            raise ValueError(
                "an override takes exactly one of extend, shorten, pause_until, pause, resume"
            )
        for key in ("extend", "shorten"):
            text = getattr(self, key)
            if text is not None:
                parse_duration(text)
        return self


class StatusChangeData(_Data):
    status: str | None = None


class NoteData(_Data):
    body: str = Field(min_length=1)
    author: str | None = None


class TaskData(_Data):
    title: str = Field(min_length=1)
    assignee: str | None = None
    due: AwareDatetime | None = None


CSAT_SCALES = (2, 10)  # the smallest and the largest scale a satisfaction score may use
CSAT_DEFAULT_SCALE = 5


class CsatData(_Data):
    """A satisfaction score from 1 to ``scale``, rating the record or one of its milestones
    (``milestone``, optionally one ``cycle`` of it), with an optional comment."""

    scale: StrictInt = Field(default=CSAT_DEFAULT_SCALE, ge=CSAT_SCALES[0], le=CSAT_SCALES[1])
    score: StrictInt
    milestone: str | None = Field(default=None, min_length=1)
    cycle: StrictInt | None = Field(default=None, ge=1)
    comment: str | None = None

    @field_validator("score")
    @classmethod
    def _on_the_scale(cls, score: int, info: ValidationInfo) -> int:
        scale = info.data.get("scale", CSAT_DEFAULT_SCALE)
        if not 1 <= score <= scale:
            raise ValueError(f"a score is 1 to {scale} on this scale (got {score})")
        return score

    @model_validator(mode="after")
    def _cycle_of_a_milestone(self) -> CsatData:
        if self.cycle is not None and self.milestone is None:
            raise ValueError("a cycle is one of a milestone's: name the milestone too")
        return self


DATA_MODELS: dict[EventType, type[BaseModel]] = {
    EventType.CREATED: CreatedData,
    EventType.STATUS: StatusData,
    EventType.COMMENT: CommentData,
    EventType.OWNER: OwnerData,
    EventType.FIELD: FieldData,
    EventType.PRIORITY: PriorityData,
    EventType.OVERRIDE: OverrideData,
    EventType.CLOSED: StatusChangeData,
    EventType.REOPENED: StatusChangeData,
    EventType.NOTE: NoteData,
    EventType.TASK: TaskData,
    EventType.CSAT: CsatData,
}


ID_LENGTH = 200  # an event's id and its record's id, as the store keeps them


class Event(BaseModel):
    """One fact about one record. ``id`` is the idempotency key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=ID_LENGTH)
    record: str = Field(min_length=1, max_length=ID_LENGTH)
    type: EventType
    at: AwareDatetime
    data: dict[str, JsonValue] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _data_fits_type(self) -> Event:
        where = first_non_finite(self.data, "data")
        if where is not None:
            # Not JSON (core.json_numbers); the API refuses such bodies already.
            raise ValueError(f"{where}: NaN and infinities are not JSON numbers")
        try:
            DATA_MODELS[self.type].model_validate(self.data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            where = f"data.{where}" if where else "data"
            raise ValueError(f"{where}: {first['msg']} (for a {self.type.value} event)") from None
        return self

    def payload(self) -> BaseModel:
        """The validated ``data`` model of this event's type."""
        return DATA_MODELS[self.type].model_validate(self.data)


_TYPES = {str(kind): kind for kind in EventType}  # a dict lookup; EventType() is slow
_FIELDS = frozenset({"id", "record", "type", "at", "data"})


def stored_event(
    event_id: str, record: str, kind: str, at: datetime, data: dict[str, Any]
) -> Event:
    """An event the store holds (validated when it was stored), rebuilt without validating it
    again: what ``Event.model_construct`` makes, without its generic work, which costs several
    times more than reading the event (a preview or a migration rebuilds millions)."""
    made = object.__new__(Event)
    object.__setattr__(
        made,
        "__dict__",
        {"id": event_id, "record": record, "type": _TYPES[kind], "at": at, "data": data},
    )
    object.__setattr__(made, "__pydantic_fields_set__", _FIELDS)
    object.__setattr__(made, "__pydantic_extra__", None)
    object.__setattr__(made, "__pydantic_private__", None)
    return made
