"""``GET /milestones``: the at-risk queue, soonest breach first or least time left first,
per milestone or one row per record (its next breach), with counts of the whole queue."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from caseclock.api.deps import CountsCacheDep, DbSession, Now, SettingsDep, Viewer
from caseclock.api.schemas.common import PROBLEM_RESPONSES, Limit, Offset
from caseclock.api.schemas.milestones import QueueCountsOut, QueueItemOut, QueueOut
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services.at_risk import (
    Order,
    QueueFilter,
    QueueItem,
    milestone_queue,
    queue_counts,
)

router = APIRouter(tags=["milestones"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)

State = Literal["pending", "running", "paused", "violated", "completed", "cancelled"]


@router.get(
    "/milestones",
    summary="Milestones across records; `at_risk=true&sort=deadline` is the at-risk queue",
    description=(
        "`at_risk=true` keeps open milestones (running, paused, violated). `state` filters by "
        "state as of now (a running milestone past its deadline counts as violated); repeat it "
        "for several. `sort=deadline` is soonest breach first (the wall-clock deadline); "
        "`sort=time_left` is least time left first, each milestone in its own basis. "
        "`per_record=true` gives one row per record: its next breach (the open milestone with "
        "the soonest deadline), in deadline order. `health`: red when violated, yellow when "
        "the warning is reached or little time remains (CASECLOCK_YELLOW_MINUTES, in the "
        "milestone's basis), else green. `remaining_seconds` is time left now in the "
        "milestone's basis (negative once overdue; frozen while paused). `counts` counts every "
        "open milestone the filters match, not only this page; `counts.at` is when they were "
        "taken: the same filters within a few seconds share one count "
        "(CASECLOCK_COUNTS_MAX_AGE_SECONDS)."
    ),
)
def list_milestones(
    *,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    counts_cache: CountsCacheDep,
    principal: Viewer,
    state: Annotated[list[State] | None, Query()] = None,
    at_risk: bool = False,
    owner: str | None = None,
    team: str | None = None,
    account: str | None = None,
    milestone: Annotated[str | None, Query(description="a milestone key")] = None,
    kind: Annotated[
        Literal["customer", "case"] | None,
        Query(description="customer: milestones on accounts (plans, renewals); case: the rest"),
    ] = None,
    sort: Literal["deadline", "time_left", "id"] = "deadline",
    per_record: bool = False,
    limit: Annotated[Limit, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> QueueOut:
    where = QueueFilter(
        states=frozenset(state) if state else None,
        open_only=at_risk,
        owner=owner,
        team=team,
        account=account,
        milestone=milestone,
        kind=kind,
    )
    items = milestone_queue(
        session,
        where,
        principal,
        now=now,
        order=Order(sort),
        per_record=per_record,
        limit=limit,
        offset=offset,
        yellow_within=settings.yellow_within,
    )
    counts = queue_counts(
        session,
        where,
        principal,
        now=now,
        yellow_within=settings.yellow_within,
        cache=counts_cache,
    )
    return QueueOut(
        at=now,
        counts=QueueCountsOut(
            at=counts.at,
            violated=counts.violated,
            at_risk=counts.at_risk,
            on_track=counts.on_track,
            paused=counts.paused,
        ),
        items=[_item_out(item) for item in items],
    )


def _item_out(item: QueueItem) -> QueueItemOut:
    row, remaining = item.row, item.standing.remaining
    return QueueItemOut(
        record=row.record_id,
        milestone=row.key,
        name=row.name,
        cycle=row.cycle,
        state=item.standing.state.value,
        health=item.standing.health.value,
        deadline=row.deadline,
        warning_at=row.warning_at,
        started_at=row.started_at,
        completed_at=row.completed_at,
        basis=item.standing.basis.value,
        remaining_seconds=None if remaining is None else remaining.total_seconds(),
        owner=row.owner,
        team=row.team,
        account=row.account_id,
        calendar=row.calendar,
        calendar_version=row.calendar_version,
        kept_version=row.kept_version,
    )
