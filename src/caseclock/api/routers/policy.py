"""``/calendars``, ``/policy`` and ``/processes``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from caseclock.api.deps import Admin, DbSession, Now, Viewer
from caseclock.api.schemas.common import PROBLEM_RESPONSES, RowId
from caseclock.api.schemas.policy import (
    AppliedCalendarOut,
    AppliedProcessOut,
    CalendarOut,
    HolidaysIn,
    MigrationOut,
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
    BATCH,
    MigrateChoice,
    PolicyChange,
    change_policy,
    migration_summary,
    parse_migrate,
    remaining,
    run_all,
    run_committed,
    unfinished,
    unfinished_or_last,
)
from caseclock.services.policy_preview import Asked, Step, preview, previewing
from caseclock.store.database import SessionFactory
from caseclock.store.models import CalendarRow, PolicyMigrationRow, ProcessRow

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


BatchQuery = Annotated[
    int,
    Query(
        ge=0,
        le=100_000,
        description="records per committed batch of the migration (resumable); 0: every "
        "record in the apply's transaction, all or nothing",
    ),
]


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
    batch_size: BatchQuery = BATCH,
) -> PolicyApplied:
    """Apply a bundle; with ``migrate``, move open records to the new versions: the apply
    commits, then the migration runs in committed batches of ``batch_size`` (an interrupted
    one is continued by ``POST /policy/migration/resume``; nothing moves twice)."""
    choice = parse_migrate(migrate)
    bundle = ensure_storable(await _bundle(request))
    return await _applied(request, session, bundle, choice, (now, principal.actor, batch_size))


async def _applied(
    request: Request,
    session: Session,
    bundle: PolicyBundle,
    choice: MigrateChoice,
    how: tuple[datetime, str, int],
) -> PolicyApplied:
    """Apply ``bundle`` and run the migration ``choice`` asks for (see ``apply_policy``);
    ``how``: the instant, the actor, the batch size."""
    now, actor, batch_size = how
    factory: SessionFactory = request.app.state.session_factory

    def change() -> tuple[PolicyChange, MigrationOut | None]:
        made = change_policy(session, bundle, choice=choice, actor=actor, now=now)
        if made.migration is None:
            return made, None
        if batch_size == 0:
            run_all(session, made.migration, now=now)
            return made, _migration(session, made.migration)
        session.commit()  # the apply stands; each batch then commits on its own
        run_committed(factory, now=now, size=batch_size)
        with factory() as reading:
            return made, _migration(reading, unfinished_or_last(reading))

    made, migration = await run_in_threadpool(change)
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
        preview=migration.preview if migration is not None else None,
        migrated=migration.moved if migration is not None else None,
        migration=migration,
    )


@router.post(
    "/calendars/{name}/holidays",
    summary="Add holidays (future dates) to a calendar: a new version of it",
)
async def add_holidays(
    *,
    name: str,
    body: HolidaysIn,
    request: Request,
    session: DbSession,
    now: Now,
    principal: Admin,
    migrate: MigrateQuery = "none",
    batch_size: BatchQuery = BATCH,
) -> PolicyApplied:
    """The calendar with ``dates`` added to its holidays, applied as a bundle holding only
    it; with ``migrate=open`` (or ``matching:COND``) the open clocks count the holidays too,
    moved as ``POST /policy`` moves them. Preview it with ``.../holidays/preview``."""
    choice = parse_migrate(migrate)
    bundle = calendars.holiday_bundle(session, name, body.dates, now=now)
    return await _applied(request, session, bundle, choice, (now, principal.actor, batch_size))


@router.post(
    "/calendars/{name}/holidays/preview",
    summary="What adding holidays to a calendar would do to the stored history",
)
async def preview_holidays(
    *,
    name: str,
    body: HolidaysIn,
    session: DbSession,
    now: Now,
    _: Admin,
    migrate: MigrateQuery = "open",
    days: DaysQuery = 90,
) -> Any:
    choice = parse_migrate(migrate)
    bundle = calendars.holiday_bundle(session, name, body.dates, now=now)
    asked = _asked(now, days, choice)
    summary = await run_in_threadpool(lambda: preview(session, bundle, asked))
    return summary_to_json(summary)


def _asked(now: datetime, days: int, choice: MigrateChoice) -> Asked:
    since = now - timedelta(days=days)
    return Asked(now, since, now, moves=choice.moves, matching=choice.predicate())


def _migration(session: Session, row: PolicyMigrationRow) -> MigrationOut:
    return MigrationOut(
        id=row.id,
        created_at=row.created_at,
        criteria=row.criteria,
        moved=row.moved,
        remaining=0 if row.finished_at is not None else remaining(session, row),
        finished=row.finished_at is not None,
        preview=summary_to_json(migration_summary(row)),
    )


@router.get(
    "/policy/migration",
    summary="The unfinished migration of open records, else the newest one",
)
def get_migration(session: DbSession, _: Admin) -> MigrationOut:
    return _migration(session, unfinished_or_last(session))


@router.post(
    "/policy/migration/resume",
    summary="Continue the unfinished migration of open records, in committed batches",
)
async def resume_migration(
    *, request: Request, session: DbSession, now: Now, _: Admin, batch_size: BatchQuery = BATCH
) -> MigrationOut:
    """Runs the unfinished migration to its end (404 when none is unfinished); a batch
    interrupted before its commit is walked again, so every record ends on one version."""
    factory: SessionFactory = request.app.state.session_factory

    def resume() -> MigrationOut:
        unfinished(session)  # 404 before anything runs
        session.rollback()
        run_committed(factory, now=now, size=batch_size or BATCH)
        with factory() as reading:
            return _migration(reading, unfinished_or_last(reading))

    return await run_in_threadpool(resume)


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
    asked = _asked(now, days, choice)
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
