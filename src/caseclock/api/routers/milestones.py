"""``GET /milestones``: the at-risk queue, soonest breach first, least time left first or
highest breach risk first, per milestone or one row per record, with counts of the whole
queue."""

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
from caseclock.services.insights.stored_risk import queue_by_risk

router = APIRouter(tags=["milestones"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)

State = Literal["pending", "running", "paused", "violated", "completed", "cancelled"]
Sort = Literal["deadline", "time_left", "risk", "id"]
RISK = "risk"  # the sort that reads the stored breach risk (the console board's risk order)
SORT_HELP = (
    "the order: `deadline`, soonest breach first (the wall-clock deadline; none last); "
    "`time_left`, least time left first, each milestone in its own basis; `risk`, highest "
    "breach risk first over the whole filtered queue: the probability the worker stores for "
    "each open milestone (scored again when its record changes and once "
    "CASECLOCK_RISK_REFRESH_MINUTES old; ties: the milestone made last first); milestones without "
    "a figure (no model yet, a definition with too little history, breached already, not "
    "started, or not scored yet) come after every scored one, soonest deadline first; "
    "`id`, the order the rows were stored in. Any other value is refused (422)"
)


@router.get(
    "/milestones",
    summary="Milestones across records; `at_risk=true&sort=deadline` is the at-risk queue",
    description=(
        "`at_risk=true` keeps open milestones (running, paused, violated). `state` filters by "
        "state as of now (a running milestone past its deadline counts as violated); repeat it "
        "for several. `sort=deadline` is soonest breach first (the wall-clock deadline); "
        "`sort=time_left` is least time left first, each milestone in its own basis. "
        "`sort=risk` is highest stored breach risk first, over the whole queue the filters and "
        "the caller's account scope match, as the console board orders by risk; milestones "
        "without a figure follow, soonest deadline first. "
        "`per_record=true` gives one row per record: its next breach (the open milestone with "
        "the soonest deadline), in deadline order; with `sort=risk`, its riskiest milestone, "
        "in risk order. `health`: red when violated, yellow when "
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
    sort: Annotated[Sort, Query(description=SORT_HELP)] = "deadline",
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
    if sort == RISK:
        items = queue_by_risk(
            session,
            where,
            principal,
            now=now,
            per_record=per_record,
            limit=limit,
            offset=offset,
            yellow_within=settings.yellow_within,
        )
    else:
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
