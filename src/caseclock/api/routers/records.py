"""``/records``: create, read (with live milestones), list, timelines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status

from caseclock.api.deps import Agent, CurrentRecord, DbSession, Now, SettingsDep, Viewer
from caseclock.api.schemas.common import PROBLEM_RESPONSES, Limit, Offset
from caseclock.api.schemas.records import (
    EventOut,
    NoteOut,
    ProcessRef,
    RecordDetail,
    RecordIn,
    RecordMilestones,
    RecordSummary,
    TaskOut,
)
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.core.milestones import Milestone, milestone_to_json, timer_to_json
from caseclock.core.provenance import Provenance, Source
from caseclock.core.timers import next_timers
from caseclock.errors import ValidationFailed
from caseclock.services import records
from caseclock.services.record_search import RecordFilter
from caseclock.store.models import EventRow, RecordRow

router = APIRouter(tags=["records"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


def record_summary(row: RecordRow) -> RecordSummary:
    process = (
        ProcessRef(key=row.process_key, version=row.process_version)
        if row.process_key is not None and row.process_version is not None
        else None
    )
    return RecordSummary(
        id=row.id,
        type=row.type,
        status=row.status,
        priority=row.priority,
        owner=row.owner,
        team=row.team,
        account=row.account_id,
        tier=row.tier,
        region=row.region,
        product=row.product,
        fields=row.fields or {},
        closed=row.is_closed,
        process=process,
        entitlement_id=row.entitlement_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def event_out(row: EventRow) -> EventOut:
    return EventOut(
        id=row.event_id,
        record=row.record_id,
        type=row.type,
        at=row.occurred_at,
        received_at=row.received_at,
        data=row.data,
        source=row.source,
        actor=row.actor,
    )


@router.post(
    "/records",
    status_code=status.HTTP_201_CREATED,
    summary="Create a record (and its created event); the entitlement chooses its process",
)
def create_record(
    body: RecordIn, session: DbSession, now: Now, settings: SettingsDep, principal: Agent
) -> RecordDetail:
    created: dict[str, Any] = body.model_dump(
        exclude={"id", "fields", "at", "event_id"}, exclude_none=True
    )
    created.update(body.fields)
    try:
        row = records.create_record(
            session,
            record_id=body.id,
            created=created,
            at=body.at,
            event_id=body.event_id,
            principal=principal,
            provenance=Provenance(Source.API, principal.actor),
            now=now,
            future_allowance=settings.clock_skew,
        )
    except ValidationFailed as exc:
        raise ValidationFailed(exc.detail, path=_body_path(exc.path, body.fields)) from None
    return _detail(session, row, now)


def _body_path(path: str | None, custom: Mapping[str, Any]) -> str | None:
    """Where in the request body a problem of the created event's ``data.X`` lies: ``fields.X``
    for a custom field (which ``fields`` may also use to set a column), else ``X``."""
    if path == "record":
        return "id"
    if path is None or not path.startswith("data."):
        return path
    inner = path.removeprefix("data.")
    name = inner.split(".", 1)[0].split("[", 1)[0]
    return f"fields.{inner}" if name in custom or name not in RecordIn.model_fields else inner


@router.get("/records", summary="List records, newest activity first")
def list_records(
    *,
    session: DbSession,
    principal: Viewer,
    state: Annotated[Literal["open", "closed"] | None, Query(description="open or closed")] = None,
    status_: Annotated[str | None, Query(alias="status")] = None,
    owner: str | None = None,
    team: str | None = None,
    account: str | None = None,
    type_: Annotated[str | None, Query(alias="type")] = None,
    entitlement: Annotated[
        Literal["missing"] | None,
        Query(description="`missing`: records without a process (no clock runs)"),
    ] = None,
    limit: Annotated[Limit, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> list[RecordSummary]:
    where = RecordFilter(
        status=status_,
        owner=owner,
        team=team,
        account=account,
        type=type_,
        closed=None if state is None else state == "closed",
        entitlement_missing=entitlement == "missing",
    )
    rows = records.list_records(session, where, principal, limit=limit, offset=offset)
    return [record_summary(row) for row in rows]


@router.get(
    "/records/{record_id}", summary="A record: fields, process, milestones now, last events"
)
def get_record(record: CurrentRecord, session: DbSession, now: Now) -> RecordDetail:
    return _detail(session, record, now)


@router.get("/records/{record_id}/events", summary="A record's timeline, in occurrence order")
def record_events(
    record: CurrentRecord,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[Offset, Query()] = 0,
) -> list[EventOut]:
    rows = records.record_events(session, record, limit=limit, offset=offset)
    return [event_out(row) for row in rows]


@router.get(
    "/records/{record_id}/milestones",
    summary="A record's milestones evaluated now (the shape of `simulate --json`)",
)
def record_milestones(record: CurrentRecord, session: DbSession, now: Now) -> RecordMilestones:
    evaluated = records.evaluate_record(session, record, now=now)
    return RecordMilestones(
        record=record.id,
        process=record.process_key,
        version=record.process_version,
        at=now,
        milestones=[_milestone(evaluated, m) for m in evaluated.milestones],
        timers=[timer_to_json(t) for t in next_timers(evaluated.milestones)],
    )


def _milestone(evaluated: records.Evaluated, m: Milestone) -> dict[str, Any]:
    """A milestone as ``simulate --json`` writes it, with the calendar version it counts on
    and, for a cycle a policy migration kept, the process version it ran under."""
    kept = evaluated.kept_version(m)
    versions = evaluated.record.calendar_versions or {}
    return {
        **milestone_to_json(m),
        "calendar_version": versions.get(m.calendar, 1) if m.calendar else None,
        "kept_version": kept,
    }


def _detail(session: DbSession, row: RecordRow, now: Any) -> RecordDetail:
    evaluated = records.evaluate_record(session, row, now=now)
    events = records.record_events(session, row, limit=20, newest_first=True)
    tasks, notes = records.work_items(session, row)
    return RecordDetail(
        **record_summary(row).model_dump(),
        milestones=[_milestone(evaluated, m) for m in evaluated.milestones],
        last_events=[event_out(e) for e in events],
        tasks=[
            TaskOut(
                id=t.id,
                title=t.title,
                assignee=t.assignee,
                due_at=t.due_at,
                status=t.status,
                created_at=t.created_at,
            )
            for t in tasks
        ],
        notes=[
            NoteOut(id=n.id, kind=n.kind, author=n.author, body=n.body, created_at=n.created_at)
            for n in notes
        ],
    )
