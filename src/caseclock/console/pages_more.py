"""Console pages for accounts, processes, calendars and reports (with CSV downloads)."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from caseclock.api.deps import DbSession, Now, SettingsDep
from caseclock.console import charts
from caseclock.console.account_view import account_page, accounts
from caseclock.console.auth import User
from caseclock.console.policy_view import calendars, process_page, processes
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.errors import NotFound
from caseclock.services import reports

router = console_router()
PERIODS = (30, 90, 180, 365)
Days = Annotated[int, Query(ge=1, le=730)]


@router.get("/console/{rest:path}")
def console_prefix(rest: str, request: Request) -> Response:
    """Links made with a ``/console`` base URL (the worker's emails and chat messages) land on
    the same page: the console is served at the root."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/{rest.lstrip('/')}{query}", status_code=308)  # never "//host"


@router.get("/accounts")
def account_list(request: Request, session: DbSession, user: User, now: Now) -> Response:
    rows = accounts(session, user, now=now)
    return render(request, "accounts.html", {"accounts": rows}, user=user)


@router.get("/accounts/{account_id}")
def account(
    request: Request,
    *,
    account_id: str,
    session: DbSession,
    user: User,
    now: Now,
    settings: SettingsDep,
) -> Response:
    page = account_page(session, user, account_id, now=now, yellow_within=settings.yellow_within)
    chart = charts.compliance_bars(
        "Compliance by milestone, last 90 days", page.compliance.by_milestone
    )
    return render(request, "account.html", {"page": page, "chart": chart, "now": now}, user=user)


@router.get("/processes")
def process_list(request: Request, session: DbSession, user: User) -> Response:
    return render(request, "processes.html", {"processes": processes(session)}, user=user)


@router.get("/processes/{key}")
def process(
    *, request: Request, key: str, session: DbSession, user: User, version: int | None = None
) -> Response:
    page = process_page(session, key, version)
    return render(request, "process.html", {"process": page}, user=user)


@router.get("/calendars")
def calendar_list(request: Request, session: DbSession, user: User, now: Now) -> Response:
    pages = calendars(session, now=now)
    return render(request, "calendars.html", {"calendars": pages, "now": now}, user=user)


@router.get("/reports")
def report_page(
    *, request: Request, session: DbSession, user: User, now: Now, days: Days = 90
) -> Response:
    p = user.principal
    comp = reports.compliance_report(session, p, now=now, days=days)
    timing = reports.timing_report(session, p, now=now, days=days)
    late = reports.violations(session, p, now=now, days=days)
    context = {
        "days": days,
        "periods": PERIODS,
        "report": comp,
        "violations": late[:25],
        "violation_count": len(late),
        "timing": timing,
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


@router.get("/reports/{name}.csv")
def report_csv(name: str, session: DbSession, user: User, now: Now, days: Days = 90) -> Response:
    p = user.principal
    if name == "compliance":
        rows = reports.compliance_rows(reports.compliance_report(session, p, now=now, days=days))
    elif name == "violations":
        rows = reports.violation_rows(reports.violations(session, p, now=now, days=days))
    elif name == "timing":
        rows = reports.timing_rows(reports.timing_report(session, p, now=now, days=days))
    else:
        raise NotFound(f"no report {name!r}; try compliance, violations or timing")
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    filename = f"caseclock-{name}-{now:%Y%m%d}-{days}d.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
