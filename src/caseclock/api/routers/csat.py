"""``/csat``: customer satisfaction over a period, by milestone, tier, team, agent and week,
within the caller's account scope (answers arrive as ``csat`` events on ``/events``, or from
the survey page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from caseclock.api.deps import DbSession, Now, Viewer
from caseclock.api.schemas.common import PROBLEM_RESPONSES
from caseclock.api.schemas.csat import CsatCommentOut, CsatReportOut, CsatSliceOut
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services.csat import CsatSlice, csat_report

router = APIRouter(tags=["csat"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


def slice_out(item: CsatSlice) -> CsatSliceOut:
    return CsatSliceOut(
        label=item.label,
        answers=item.answers,
        satisfied=item.satisfied,
        rate=item.rate,
        average=item.average,
    )


@router.get("/csat", summary="Customer satisfaction over a period")
def get_csat(
    *,
    session: DbSession,
    now: Now,
    principal: Viewer,
    days: Annotated[int, Query(ge=1, le=730, description="the period: the last N days")] = 90,
    account: Annotated[str | None, Query(max_length=200)] = None,
) -> CsatReportOut:
    report = csat_report(session, principal, now=now, days=days, account=account)
    return CsatReportOut(
        since=report.since,
        until=report.until,
        overall=slice_out(report.overall),
        by_milestone=[slice_out(s) for s in report.by_milestone],
        by_tier=[slice_out(s) for s in report.by_tier],
        by_team=[slice_out(s) for s in report.by_team],
        by_agent=[slice_out(s) for s in report.by_agent],
        by_week=[slice_out(s) for s in report.by_week],
        comments=[
            CsatCommentOut(
                record_id=c.record_id,
                answered_at=c.answered_at,
                score=c.score,
                scale=c.scale,
                milestone=c.milestone,
                comment=c.comment,
            )
            for c in report.comments
        ],
    )
