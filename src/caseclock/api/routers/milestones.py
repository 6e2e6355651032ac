"""``GET /milestones``: the at-risk queue, soonest breach first."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from caseclock.api.deps import DbSession, Now, SettingsDep, Viewer
from caseclock.api.schemas.common import PROBLEM_RESPONSES, Limit, Offset
from caseclock.api.schemas.records import QueueItemOut, QueueOut
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services.queue import milestone_queue
from caseclock.store.repositories.milestones import QueueFilter

router = APIRouter(tags=["milestones"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)

State = Literal["pending", "running", "paused", "violated", "completed", "cancelled"]


@router.get(
    "/milestones",
    summary="Milestones across records; `at_risk=true&sort=deadline` is the at-risk queue",
    description=(
        "`at_risk=true` keeps open milestones (running, paused, violated). `state` filters by "
        "state as of now (a running milestone past its deadline counts as violated); repeat it "
        "for several. `health`: red when violated, yellow when the warning is reached or few "
        "business minutes remain (CASECLOCK_YELLOW_MINUTES), else green. `remaining_seconds` "
        "is business time left now (negative once overdue; frozen while paused)."
    ),
)
def list_milestones(
    *,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    principal: Viewer,
    state: Annotated[list[State] | None, Query()] = None,
    at_risk: bool = False,
    owner: str | None = None,
    team: str | None = None,
    account: str | None = None,
    milestone: Annotated[str | None, Query(description="a milestone key")] = None,
    sort: Literal["deadline", "id"] = "deadline",
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
    )
    items = milestone_queue(
        session,
        where,
        principal,
        now=now,
        sort_by_deadline=sort == "deadline",
        limit=limit,
        offset=offset,
        yellow_within=settings.yellow_within,
    )
    return QueueOut(
        at=now,
        items=[
            QueueItemOut(
                record=item.row.record_id,
                milestone=item.row.key,
                name=item.row.name,
                cycle=item.row.cycle,
                state=item.standing.state.value,
                health=item.standing.health.value,
                deadline=item.row.deadline,
                warning_at=item.row.warning_at,
                started_at=item.row.started_at,
                completed_at=item.row.completed_at,
                remaining_seconds=(
                    item.standing.remaining.total_seconds()
                    if item.standing.remaining is not None
                    else None
                ),
                owner=item.row.owner,
                team=item.row.team,
                account=item.row.account_id,
                calendar=item.row.calendar,
            )
            for item in items
        ],
    )
