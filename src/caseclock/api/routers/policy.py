"""``/calendars``, ``/policy`` and ``/processes``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from caseclock.api.deps import Admin, DbSession, Now, Viewer
from caseclock.api.schemas.common import PROBLEM_RESPONSES, RowId
from caseclock.api.schemas.policy import (
    AppliedCalendarOut,
    AppliedProcessOut,
    CalendarOut,
    PolicyApplied,
    ProcessOut,
    ProcessSummary,
    RuleChangesOut,
)
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.core.policy import PolicyBundle, parse_bundle
from caseclock.core.policy_preview import summary_to_json
from caseclock.errors import ValidationFailed
from caseclock.services import audit, calendars, policy
from caseclock.services.policy import ensure_storable
from caseclock.services.policy_migration import (
    PolicyChange,
    change_policy,
    parse_migrate,
    run_all,
)
from caseclock.services.policy_preview import Asked, Step, preview, previewing
from caseclock.store.database import SessionFactory
from caseclock.store.models import CalendarRow, ProcessRow

router = APIRouter(tags=["policy"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)

BUNDLE_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "application/yaml": {"schema": {"type": "string"}},
    },
}
NDJSON = "application/x-ndjson"
MigrateQuery = Annotated[
    str,
    Query(description="which open records move to the new versions: none, open, matching:COND"),
]
DaysQuery = Annotated[int, Query(ge=1, le=3660, description="the past period compared, in days")]


def _calendar(row: CalendarRow) -> CalendarOut:
    return CalendarOut(
        name=row.name, document=row.document, created_at=row.created_at, updated_at=row.updated_at
    )


def _summary(row: ProcessRow) -> ProcessSummary:
    return ProcessSummary(
        key=row.key, name=row.name, version=row.version, created_at=row.created_at
    )


@router.post("/calendars", status_code=status.HTTP_201_CREATED, summary="Add a calendar")
def create_calendar(
    document: Annotated[dict[str, Any], Body(description="a calendar document")],
    session: DbSession,
    now: Now,
    principal: Admin,
) -> CalendarOut:
    spec = calendars.parse_calendar(document)
    row, _changed = calendars.put_calendar(session, spec, now=now, replace=False)
    audit.record(
        session,
        actor=principal.actor,
        kind=audit.Kind.CALENDAR,
        target=row.name,
        action="create",
        at=now,
    )
    return _calendar(row)


@router.get("/calendars", summary="List calendars")
def list_calendars(session: DbSession, _: Viewer) -> list[CalendarOut]:
    return [_calendar(row) for row in calendars.list_calendars(session)]


@router.get("/calendars/{name}", summary="One calendar")
def get_calendar(name: str, session: DbSession, _: Viewer) -> CalendarOut:
    return _calendar(calendars.get_calendar(session, name))


@router.post(
    "/policy",
    summary="Apply a policy bundle (calendars, processes, entitlement rules) atomically",
    openapi_extra={"requestBody": BUNDLE_BODY},
)
async def apply_policy(
    *,
    request: Request,
    session: DbSession,
    now: Now,
    principal: Admin,
    migrate: MigrateQuery = "none",
    days: DaysQuery = 90,
) -> PolicyApplied:
    bundle = ensure_storable(await _bundle(request))
    choice = parse_migrate(migrate)

    def change() -> PolicyChange:
        asked = Asked(now=now, since=now - timedelta(days=days), until=now)
        made = change_policy(session, bundle, choice=choice, actor=principal.actor, asked=asked)
        if made.migration is not None:
            run_all(session, made.migration, now=now)
        return made

    made = await run_in_threadpool(change)
    applied = made.applied
    return PolicyApplied(
        calendars=[AppliedCalendarOut(name=n, changed=c) for n, c in applied.calendars],
        processes=[
            AppliedProcessOut(key=p.key, version=p.version, created=p.created)
            for p in applied.processes
        ],
        entitlement_rule_set=applied.rule_set,
        entitlement_rules=RuleChangesOut(**asdict(applied.entitlement_rules)),
        escalation_rules=RuleChangesOut(**asdict(applied.escalation_rules)),
        warnings=applied.warnings,
        preview=summary_to_json(made.summary),
        migrated=made.migration.moved if made.migration is not None else None,
    )


@router.post(
    "/policy/preview",
    summary="What applying a bundle would do to the stored history (changes nothing)",
    openapi_extra={"requestBody": BUNDLE_BODY},
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
async def preview_policy(
    *,
    request: Request,
    session: DbSession,
    now: Now,
    _: Admin,
    migrate: MigrateQuery = "open",
    days: DaysQuery = 90,
) -> Any:
    """The open records' deadlines moved and violations begun or ended, and the past
    ``days``' compliance per milestone and tier, before and after. With ``Accept:
    application/x-ndjson`` the answer streams one line per page of records,
    ``{"done": N, "total": M}``, then ``{"summary": {...}}``."""
    bundle = ensure_storable(await _bundle(request))
    choice = parse_migrate(migrate)
    asked = Asked(
        now=now,
        since=now - timedelta(days=days),
        until=now,
        moves=choice.moves,
        matching=choice.predicate(),
    )
    if "application/x-ndjson" in request.headers.get("accept", ""):
        factory: SessionFactory = request.app.state.session_factory
        return StreamingResponse(_streamed(factory, bundle, asked), media_type=NDJSON)
    summary = await run_in_threadpool(lambda: preview(session, bundle, asked))
    return summary_to_json(summary)


def _streamed(factory: SessionFactory, bundle: PolicyBundle, asked: Asked) -> Iterator[str]:
    """Progress lines, then the summary; its own read-only session (the request's closes
    when the route returns)."""
    with factory() as session:
        for step in previewing(session, bundle, asked):
            if isinstance(step, Step):
                yield json.dumps({"done": step.done, "total": step.total}) + "\n"
            else:
                yield json.dumps({"summary": summary_to_json(step)}) + "\n"
        session.rollback()


async def _bundle(request: Request) -> PolicyBundle:
    """The request's body as a bundle (JSON or YAML); problems name their paths."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("the bundle is not UTF-8 text", path="body") from None
    if not text.strip():
        raise ValidationFailed("send a bundle as JSON or YAML", path="body")
    return parse_bundle(text)


@router.get("/processes", summary="The newest version of every process")
def list_processes(session: DbSession, _: Viewer) -> list[ProcessSummary]:
    return [_summary(row) for row in policy.list_processes(session)]


@router.get("/processes/{key}", summary="A process: its newest version, or ?version=")
def get_process(
    key: str,
    session: DbSession,
    _: Viewer,
    version: Annotated[RowId | None, Query()] = None,
) -> ProcessOut:
    row = policy.get_process(session, key, version)
    return ProcessOut(
        **_summary(row).model_dump(),
        versions=list(policy.process_versions(session, key)),
        document=row.document,
    )
