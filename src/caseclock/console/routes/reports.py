"""Compliance and timing reports, with their CSV downloads."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from caseclock.api.deps import DbSession, Now
from caseclock.console import charts
from caseclock.console.auth import User
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.services import reports
from caseclock.services.dwell_report import dwell_report
from caseclock.services.report_csv import report_rows

router = console_router()
PERIODS = (30, 90, 180, 365)
Days = Annotated[int, Query(ge=1, le=730)]


@router.get("/reports")
def report_page(
    *, request: Request, session: DbSession, user: User, now: Now, days: Days = 90
) -> Response:
    p = user.principal
    comp = reports.compliance_report(session, p, now=now, days=days)
    timing = reports.timing_report(session, p, now=now, days=days)
    late = reports.violations(session, p, now=now, days=days)
    moved = reports.overrides(session, p, now=now, days=days)
    balance = reports.balance_report(session, p, now=now, days=days)
    context = {
        "days": days,
        "periods": PERIODS,
        "report": comp,
        "violations": late[:25],
        "violation_count": len(late),
        "timing": timing,
        "overrides": moved[:25],
        "override_count": len(moved),
        "balance": balance,
        "charts": {
            "milestone": charts.compliance_bars("Compliance by milestone", comp.by_milestone),
            "tier": charts.compliance_bars("Compliance by tier", comp.by_tier),
            "team": charts.compliance_bars("Compliance by team", comp.by_team),
            "week": charts.weekly_columns("Share met per week", comp.by_week),
            "first_response": charts.timing_bars(
                "Time to first response (business time)", timing.first_response
            ),
            "resolution": charts.timing_bars(
                "Time to resolution (business time)", timing.resolution
            ),
        },
        "now": now,
    }
    return render(request, "reports.html", context, user=user)


@router.get("/reports/holders")
def holders_page(
    *, request: Request, session: DbSession, user: User, now: Now, days: Days = 30
) -> Response:
    """Who held the clocks: team and owner dwell, the pause audit, success criteria."""
    report = dwell_report(session, user.principal, now=now, days=days)
    context = {"days": days, "periods": PERIODS, "report": report}
    return render(request, "reports_holders.html", context, user=user)


@router.get("/reports/{name}.csv")
def report_csv(name: str, session: DbSession, user: User, now: Now, days: Days = 90) -> Response:
    rows = report_rows(name, session, user.principal, now=now, days=days)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    filename = f"caseclock-{name}-{now:%Y%m%d}-{days}d.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
