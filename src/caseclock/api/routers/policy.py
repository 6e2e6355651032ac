"""``/calendars``, ``/policy`` and ``/processes``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, status

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
from caseclock.core.policy import parse_bundle
from caseclock.errors import ValidationFailed
from caseclock.services import audit, calendars, policy
from caseclock.store.models import CalendarRow, ProcessRow

router = APIRouter(tags=["policy"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


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
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def apply_policy(
    request: Request, session: DbSession, now: Now, principal: Admin
) -> PolicyApplied:
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("the bundle is not UTF-8 text", path="body") from None
    if not text.strip():
        raise ValidationFailed("send a bundle as JSON or YAML", path="body")
    bundle = parse_bundle(text)
    applied = policy.apply_bundle(session, bundle, now=now)
    audit.policy_applied(session, applied, actor=principal.actor, at=now)
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
    )


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
